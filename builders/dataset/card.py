"""The dataset card (README.md): YAML front matter declaring the configs and
features, and the body rendered from `templates/README.md` with statistics
computed from the rows.
"""

from __future__ import annotations

import json

import yaml

from builders.annotation.labels import LabelSet
from builders.corpus.seeds import SPLITS
from builders.corpus.store import StoredDocument
from builders.dataset.tables import DatasetTables, data_file_path
from builders.markdown import markdown_table, render_template


def card_metadata(tables: DatasetTables, fingerprint: str, static: dict) -> dict:
    configs = []
    infos = []
    for name, splits in tables.configs.items():
        entry = {"config_name": name}
        if name == "spans":
            entry["default"] = True
        entry["data_files"] = [
            {"split": split, "path": [data_file_path(shard, fingerprint) for shard in shards]}
            for split, shards in splits.items()
        ]
        configs.append(entry)
        infos.append({"config_name": name, "features": tables.config_features(name)._to_yaml_list()})
    metadata = dict(static)
    metadata["configs"] = configs
    metadata["dataset_info"] = infos
    return metadata


def render_front_matter(metadata: dict) -> str:
    return "---\n" + yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False, width=1000) + "---\n"


def statistics(tables: DatasetTables, labels: LabelSet) -> dict:
    """Counts the card shows, computed from the rows."""
    per_split: dict[str, dict] = {}
    per_plan: dict[str, dict] = {}
    for split in tables.configs.get("spans", {}):
        rows = tables.rows("spans", split)
        entry = per_split.setdefault(split, {"units": 0, **{name: 0 for name in labels.names}})
        for row in rows:
            plan = per_plan.setdefault(row["doc_id"], {"split": split, "units": 0, **{name: 0 for name in labels.names}})
            entry["units"] += 1
            plan["units"] += 1
            for entity in row["entities"]:
                name = labels.names[entity["label"]]
                entry[name] += 1
                plan[name] += 1
    return {"per_split": per_split, "per_plan": dict(sorted(per_plan.items()))}


def example_row(tables: DatasetTables) -> str:
    for split in tables.configs.get("spans", {}):
        for row in tables.rows("spans", split):
            if row["entities"] and len(row["text"]) < 80:
                return json.dumps(row, ensure_ascii=False, indent=1)
    return "(no reviewed unit yet)"


def size_category(count: int) -> str:
    for bound, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if count < bound:
            return name
    return "n>1M"


def card_blocks(
    tables: DatasetTables,
    fingerprint: str,
    docs: list[StoredDocument],
    plans: dict[str, dict],
    labels: LabelSet,
    agreement: dict | None,
    baselines: dict | None,
    version: str,
) -> dict[str, str]:
    stats = statistics(tables, labels)
    names = list(labels.names)
    split_rows = [
        [split, stats["per_split"][split]["units"]] + [stats["per_split"][split][n] for n in names]
        for split in SPLITS
        if split in stats["per_split"]
    ]
    plan_rows = [
        [doc_id, entry["split"], entry["units"]] + [entry[n] for n in names] for doc_id, entry in stats["per_plan"].items()
    ]
    reviewed = {doc.doc_id: len(tables.shards.get(f"spans/{doc.doc_id}", ("", []))[1]) for doc in docs}
    review_rows = [[doc.doc_id, len(doc.units), reviewed[doc.doc_id]] for doc in docs]
    cleaning_rows = []
    for doc in docs:
        counts = doc.record["edit_counts"]
        cleaning_rows.append(
            [doc.doc_id, doc.record["raw_length"], doc.record["length"]]
            + [counts.get(kind, 0) for kind in ("garble", "erratum", "footnote_marker", "pinyin", "boilerplate", "private_use", "whitespace")]
            + [doc.record["restored_chars"], doc.record["low_confidence_chars"]]
        )
    provenance_rows = []
    for doc in docs:
        plan = plans[doc.doc_id]
        provenance_rows.append(
            [
                doc.doc_id,
                plan.get("title_simplified") or f"(no title in text; {plan.get('title_editorial') or 'untitled'})",
                plan.get("city") or "",
                plan.get("issuing_body") or "",
                plan.get("document_number") or "",
                plan.get("issue_date") or "",
                plan.get("plan_period") or "",
                plan.get("script"),
                f"`{plan.get('original_file_name')}`",
                f"`{plan.get('sha256', '')[:12]}…`",
            ]
        )
    split_assignment = "\n".join(
        f"- **{split}**: " + ", ".join(f"`{p}`" for p in sorted(plans) if (plans[p].get("split") or "train") == split)
        for split in SPLITS
    )
    if agreement:
        agreement_text = "### Inter-annotator agreement\n\n" + agreement.get("markdown", "")
    else:
        agreement_text = "### Inter-annotator agreement\n\nNot yet measured: no second annotation has been published."
    baselines_text = baselines.get("markdown", "") if baselines else "Not yet run."
    return {
        "version": version,
        "fingerprint": fingerprint[:16],
        "label_table": markdown_table(
            ["id", "label", "description"], [[i, f"`{n}`", d] for i, (n, d) in enumerate(zip(labels.names, labels.descriptions))]
        )
        + "\n\nBIO tags of the `tokens` config, in order: "
        + ", ".join(f"`{t}`" for t in labels.bio_tags)
        + ".",
        "example_row": example_row(tables),
        "split_table": "Units and spans per label, per split:\n\n"
        + markdown_table(["split", "units"] + names, split_rows),
        "plan_table": "Per plan:\n\n" + markdown_table(["plan", "split", "units"] + names, plan_rows),
        "review_status": "Units reviewed and published, per plan (a unit whose gold was not reviewed is never published):\n\n"
        + markdown_table(["plan", "units in corpus", "units published"], review_rows),
        "split_assignment": split_assignment,
        "cleaning_table": "Edits per plan (counted from the edit logs):\n\n"
        + markdown_table(
            ["plan", "raw chars", "clean chars", "garble runs", "errata", "footnote markers", "pinyin", "boilerplate", "private use", "whitespace", "restored chars", "low-confidence chars"],
            cleaning_rows,
        ),
        "agreement": agreement_text,
        "baselines": baselines_text,
        "provenance_table": markdown_table(
            ["plan", "title (Simplified)", "city", "issuing body", "document number", "issued", "period", "script", "received as", "sha256"],
            provenance_rows,
        ),
    }


def render_card(template: str, metadata: dict, blocks: dict[str, str]) -> str:
    return render_front_matter(metadata) + "\n" + render_template(template, blocks)

