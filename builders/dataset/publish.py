"""Publish the corpus and its reviewed gold as a Hugging Face dataset: the
configs, the data file of every shard, the card, croissant.json and
CITATION.cff, from the plans' summaries (builders.dataset.plan_outputs).
`datasets.load_dataset(<path of a clone>)` then loads it offline, with no
loading script.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from builders import __version__
from builders.annotation.labels import LabelSet
from builders.dataset.card import (
    card_blocks, card_metadata, config_loading, config_rows, languages, normalization_blocks, render_card, size_category,
)
from builders.dataset.citation import CITATION_FILE, bibtex, citation, citation_cff, release_date
from builders.dataset.croissant import CROISSANT_FILE, croissant_bytes, croissant_metadata, dataset_facts
from builders.dataset.tables import config_kind, data_file_path, dataset_configs, dataset_fingerprint, row_features


@dataclass(frozen=True)
class ReleaseInputs:
    """What the release files need besides the rows: the curated YAML of
    croissant.json and CITATION.cff, the changelog (for the version's date)
    and how many units needed adjudication."""

    croissant: dict
    citation: dict
    changelog: str = ""
    adjudicated_units: int = 0


@dataclass(frozen=True)
class Publication:
    readme: str  # the card, front matter included
    files: dict[str, str]  # shard (`spans/<plan>`) -> data file path (`data/spans/<plan>-<fingerprint>.parquet`)
    fingerprint: str  # of the whole dataset: every shard's fingerprint and the configs
    published_units: int
    release_files: dict[str, bytes] = field(default_factory=dict)  # croissant.json, CITATION.cff


def publish(
    summaries: list[dict],
    plans: dict[str, dict],
    labels: LabelSet,
    static_metadata: dict,
    template: str,
    agreement: dict | None = None,
    records: list[dict] | None = None,  # result records of evaluation/results, read as plain JSON
    version: str = __version__,
    release: ReleaseInputs | None = None,
    relation_baselines: dict | None = None,
    relation_agreement: dict | None = None,
    normalization: dict | None = None,  # card.normalization_blocks
) -> Publication:
    """The card, the data files' names and (given `release`) croissant.json
    and CITATION.cff, from the plans' summaries in manifest order. Each
    shard's file name carries its plan's own content fingerprint."""
    configs = dataset_configs([(s["doc_id"], s["split"], s["kinds"]) for s in summaries])
    shard_fingerprints = {f"{kind}/{s['doc_id']}": s["data_fingerprint"] for s in summaries for kind in s["kinds"]}
    files = {shard: data_file_path(shard, fp) for shard, fp in shard_fingerprints.items()}
    fingerprint = dataset_fingerprint(shard_fingerprints, configs)
    unit_rows = sum(s["units_published"] for s in summaries)
    shard_files = {f"{kind}/{s['doc_id']}": s["data_files"][kind] for s in summaries for kind in s["kinds"]}
    rows = config_rows(configs, {shard: entry["rows"] for shard, entry in shard_files.items()})
    tags = languages(plans.values())
    metadata = dict(static_metadata)
    metadata["language"] = tags
    metadata["size_categories"] = [size_category(unit_rows)]
    metadata = card_metadata(configs, files, row_features(labels), metadata, rows)
    blocks = card_blocks(summaries, configs, fingerprint, plans, labels, agreement, records, version, relation_baselines, relation_agreement)
    blocks.update(normalization_blocks(normalization))
    blocks["config_loading"] = config_loading(rows)
    if release is None:
        blocks["citation"] = "(no citation metadata given)"
        return Publication(render_card(template, metadata, blocks), files, fingerprint, unit_rows)
    cited = citation(release.citation, version, release_date(release.changelog, version))
    blocks["citation"] = bibtex(cited)
    label_counts = {name: sum(s["label_counts"][name] for s in summaries) for name in labels.names}
    features = row_features(labels)
    document = croissant_metadata(
        configs=configs,
        files=files,
        digests={files[shard]: (entry["sha256"], entry["size"]) for shard, entry in shard_files.items()},
        features={config: features[config_kind(config)] for config in configs},
        labels_names=list(labels.names),
        labels_descriptions=list(labels.descriptions),
        bio_tags=list(labels.bio_tags),
        curated=release.croissant,
        facts=dataset_facts(plans.values(), rows, label_counts, agreement, release.adjudicated_units, version),
        version=version,
        languages=tags,
        cite_as=bibtex(cited),
        date_published=cited.get("date-released"),
    )
    release_files = {CROISSANT_FILE: croissant_bytes(document), CITATION_FILE: citation_cff(cited).encode("utf-8")}
    return Publication(render_card(template, metadata, blocks), files, fingerprint, unit_rows, release_files)
