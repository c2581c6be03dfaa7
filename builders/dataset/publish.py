"""Publish the corpus and its reviewed gold as a Hugging Face dataset: the
configs, the data file of every shard and the card, from the plans'
summaries (builders.dataset.plan_outputs). `datasets.load_dataset(<path of a
clone>)` then loads it offline, with no loading script.
"""

from __future__ import annotations

from dataclasses import dataclass

from builders import __version__
from builders.annotation.labels import LabelSet
from builders.dataset.card import card_blocks, card_metadata, render_card, size_category
from builders.dataset.tables import data_file_path, dataset_configs, dataset_fingerprint, row_features


@dataclass(frozen=True)
class Publication:
    readme: str  # the card, front matter included
    files: dict[str, str]  # shard (`spans/<plan>`) -> data file path (`data/spans/<plan>-<fingerprint>.parquet`)
    fingerprint: str  # of the whole dataset: every shard's fingerprint and the configs
    published_units: int


def publish(
    summaries: list[dict],
    plans: dict[str, dict],
    labels: LabelSet,
    static_metadata: dict,
    template: str,
    agreement: dict | None = None,
    baselines: dict | None = None,
    version: str = __version__,
) -> Publication:
    """The card and the data files' names, from the plans' summaries in
    manifest order. Each shard's file name carries its plan's own content
    fingerprint."""
    configs = dataset_configs([(s["doc_id"], s["split"], s["kinds"]) for s in summaries])
    shard_fingerprints = {f"{kind}/{s['doc_id']}": s["data_fingerprint"] for s in summaries for kind in s["kinds"]}
    files = {shard: data_file_path(shard, fp) for shard, fp in shard_fingerprints.items()}
    fingerprint = dataset_fingerprint(shard_fingerprints, configs)
    unit_rows = sum(s["units_published"] for s in summaries)
    metadata = dict(static_metadata)
    metadata["size_categories"] = [size_category(unit_rows)]
    metadata = card_metadata(configs, files, row_features(labels), metadata)
    blocks = card_blocks(summaries, configs, fingerprint, plans, labels, agreement, baselines, version)
    return Publication(render_card(template, metadata, blocks), files, fingerprint, unit_rows)
