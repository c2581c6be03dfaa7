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
    card_blocks, card_metadata, config_loading, config_rows, departments_text, languages, normalization_blocks, render_card,
    size_category,
)
from builders.dataset.citation import CITATION_FILE, bibtex, citation, citation_cff, release_date
from builders.dataset.croissant import CROISSANT_FILE, croissant_bytes, croissant_metadata, dataset_facts
from builders.dataset.normalized.departments import department_rows
from builders.dataset.tables import (
    config_kind, data_file_path, dataset_configs, dataset_fingerprint, parquet_bytes, row_features, with_corpus_configs,
)
from builders.io import sha256_bytes


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
    data: dict[str, bytes] = field(default_factory=dict)  # corpus-wide data files (`departments`): path -> bytes


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
    dept_table: list | None = None,  # the alias table's entries; None when it is absent
) -> Publication:
    """The card, the data files' names and (given `release`) croissant.json
    and CITATION.cff, from the plans' summaries in manifest order. Each
    shard's file name carries its plan's own content fingerprint."""
    features = row_features(labels)
    departments = department_rows(summaries, dept_table)
    corpus_data = {"departments/all": parquet_bytes(departments, features["departments"])}
    configs = with_corpus_configs(
        dataset_configs([(s["doc_id"], s["split"], s["kinds"]) for s in summaries]), {"departments": "departments/all"}
    )
    shard_fingerprints = {f"{kind}/{s['doc_id']}": s["data_fingerprint"] for s in summaries for kind in s["kinds"]}
    shard_fingerprints.update({shard: sha256_bytes(data) for shard, data in corpus_data.items()})
    files = {shard: data_file_path(shard, fp) for shard, fp in shard_fingerprints.items()}
    fingerprint = dataset_fingerprint(shard_fingerprints, configs)
    unit_rows = sum(s["units_published"] for s in summaries)
    shard_files = {f"{kind}/{s['doc_id']}": s["data_files"][kind] for s in summaries for kind in s["kinds"]}
    shard_files["departments/all"] = {
        "sha256": shard_fingerprints["departments/all"], "size": len(corpus_data["departments/all"]), "rows": len(departments),
    }
    data = {files[shard]: content for shard, content in corpus_data.items()}
    rows = config_rows(configs, {shard: entry["rows"] for shard, entry in shard_files.items()})
    tags = languages(plans.values())
    metadata = dict(static_metadata)
    metadata["language"] = tags
    metadata["size_categories"] = [size_category(unit_rows)]
    metadata = card_metadata(configs, files, features, metadata, rows)
    blocks = card_blocks(summaries, configs, fingerprint, plans, labels, agreement, records, version, relation_baselines, relation_agreement)
    blocks.update(normalization_blocks(normalization))
    blocks["departments"] = departments_text(departments, dept_table is not None)
    blocks["config_loading"] = config_loading(rows)
    if release is None:
        blocks["citation"] = "(no citation metadata given)"
        return Publication(render_card(template, metadata, blocks), files, fingerprint, unit_rows, data=data)
    cited = citation(release.citation, version, release_date(release.changelog, version))
    blocks["citation"] = bibtex(cited)
    label_counts = {name: sum(s["label_counts"][name] for s in summaries) for name in labels.names}
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
    return Publication(render_card(template, metadata, blocks), files, fingerprint, unit_rows, release_files, data)
