"""Stage 5: publish the corpus and its reviewed gold as a Hugging Face dataset.

The dataset is parquet files under `data/` plus the dataset card, which is the
repository's README.md: its YAML front matter declares the configs and their
features, so `datasets.load_dataset(<absolute path of a clone>)` loads it
offline, and identically once pushed to the Hub (no loading script).

Configs (all parquet):
- `spans` (default): one row per unit, entities with unit-relative offsets;
- `tokens`: the same units, one character per token, BIO `ner_tags`;
- `documents`: one row per plan with its metadata and document-level spans;
- `fold-<doc_id>`: leave-one-plan-out cross-validation over `spans` rows
  (with more than ten plans: ten folds, each holding out every tenth plan).

Only units whose gold was reviewed are published. Offsets are Unicode code
points, half-open [start, end).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from datasets import ClassLabel, Features, List, Value

from .corpus import StoredDocument
from .gold import UnitAnnotation, read_annotations
from .io import dumps_json, staged_directory, write_bytes_atomic
from .labels import LabelSet

SPLITS = ("train", "validation", "test")
DATA_DIR = "data"


# ---------------------------------------------------------------------------
# Features


def span_features(labels: LabelSet) -> Features:
    return Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "unit_index": Value("int32"),
            "unit_kind": Value("string"),
            "section": List(Value("string")),
            "text": Value("string"),
            "text_simplified": Value("string"),
            "doc_offset": Value("int32"),
            "entities": List(
                {
                    "start": Value("int32"),
                    "end": Value("int32"),
                    "label": ClassLabel(names=list(labels.names)),
                    "text": Value("string"),
                }
            ),
        }
    )


def token_features(labels: LabelSet) -> Features:
    return Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "unit_index": Value("int32"),
            "tokens": List(Value("string")),
            "tokens_simplified": List(Value("string")),
            "ner_tags": List(ClassLabel(names=list(labels.bio_tags))),
        }
    )


DOCUMENT_METADATA = (
    "title", "title_simplified", "city", "province", "issuing_body", "document_number",
    "issue_date", "plan_period", "script", "split", "raw_file", "sha256",
)


def document_features(labels: LabelSet) -> Features:
    fields = {"doc_id": Value("string")}
    fields.update({key: Value("string") for key in DOCUMENT_METADATA})
    fields.update(
        {
            "known_defects": List(Value("string")),
            "text": Value("string"),
            "text_simplified": Value("string"),
            "units_total": Value("int32"),
            "units_reviewed": Value("int32"),
            "entities": List(
                {
                    "start": Value("int32"),
                    "end": Value("int32"),
                    "label": ClassLabel(names=list(labels.names)),
                    "text": Value("string"),
                }
            ),
        }
    )
    return Features(fields)


# ---------------------------------------------------------------------------
# Rows


def load_gold(gold_dir: Path, doc_ids: list[str]) -> dict[str, dict[int, UnitAnnotation]]:
    gold: dict[str, dict[int, UnitAnnotation]] = {}
    for doc_id in doc_ids:
        path = Path(gold_dir) / f"{doc_id}.jsonl"
        gold[doc_id] = {a.unit_index: a for a in read_annotations(path)}
    return gold


def unit_id(doc_id: str, unit_index: int) -> str:
    return f"{doc_id}-{unit_index:05d}"


def span_rows(doc: StoredDocument, gold: dict[int, UnitAnnotation], labels: LabelSet) -> list[dict]:
    """One row per reviewed unit; entities relative to the unit."""
    rows = []
    for unit in doc.units:
        annotation = gold.get(unit["index"])
        if annotation is None or not annotation.reviewed:
            continue
        start, end = unit["start"], unit["end"]
        if (annotation.start, annotation.end) != (start, end):
            # Gold is keyed by unit; a unit that moved (new structure rules, a
            # changed seed) would silently carry another unit's spans.
            raise ValueError(
                f"annotations/gold/{doc.doc_id}.jsonl: unit {unit['index']} is [{annotation.start}, {annotation.end}) "
                f"in the gold but [{start}, {end}) in the corpus; run `plancorpus validate` and re-anchor the gold"
            )
        rows.append(
            {
                "id": unit_id(doc.doc_id, unit["index"]),
                "doc_id": doc.doc_id,
                "unit_index": unit["index"],
                "unit_kind": unit["kind"],
                "section": list(unit["section"]),
                "text": doc.text[start:end],
                "text_simplified": doc.text_simplified[start:end],
                "doc_offset": start,
                "entities": [
                    {
                        "start": s.start - start,
                        "end": s.end - start,
                        "label": labels.index(s.label),
                        "text": doc.text[s.start : s.end],
                    }
                    for s in sorted(annotation.spans)
                ],
            }
        )
    return rows


def bio_tags(length: int, entities: list[dict], labels: LabelSet) -> list[int]:
    tags = [0] * length
    for entity in entities:
        name = labels.names[entity["label"]]
        tags[entity["start"]] = labels.bio_tags.index(f"B-{name}")
        for index in range(entity["start"] + 1, entity["end"]):
            tags[index] = labels.bio_tags.index(f"I-{name}")
    return tags


def token_row(row: dict, labels: LabelSet) -> dict:
    return {
        "id": row["id"],
        "doc_id": row["doc_id"],
        "unit_index": row["unit_index"],
        "tokens": list(row["text"]),
        "tokens_simplified": list(row["text_simplified"]),
        "ner_tags": bio_tags(len(row["text"]), row["entities"], labels),
    }


def document_row(doc: StoredDocument, plan: dict, gold: dict[int, UnitAnnotation], labels: LabelSet) -> dict:
    reviewed = [a for a in gold.values() if a.reviewed]
    spans = sorted(s for a in reviewed for s in a.spans)
    row = {"doc_id": doc.doc_id}
    row.update({key: None if plan.get(key) is None else str(plan.get(key)) for key in DOCUMENT_METADATA})
    row.update(
        {
            "known_defects": list(plan.get("known_defects") or []),
            "text": doc.text,
            "text_simplified": doc.text_simplified,
            "units_total": len(doc.units),
            "units_reviewed": len(reviewed),
            "entities": [
                {"start": s.start, "end": s.end, "label": labels.index(s.label), "text": doc.text[s.start : s.end]}
                for s in spans
            ],
        }
    )
    return row


MAX_LEAVE_ONE_OUT = 10  # beyond this many plans, folds hold out groups of plans


@dataclass(frozen=True)
class DatasetTables:
    """The dataset before it is written.

    Rows live in shards, one per plan and row kind (`spans/<plan>`,
    `tokens/<plan>`, `documents/<plan>`), each written once; configs and their
    splits are lists of shards. A fold's train split therefore reuses the
    plans' files instead of copying their rows, and the bytes written grow
    linearly with the corpus.
    """

    shards: dict[str, tuple[str, list[dict]]]  # shard -> (feature kind, rows)
    configs: dict[str, dict[str, list[str]]]  # config -> split -> shards
    features: dict[str, Features]  # feature kind -> features

    def rows(self, config: str, split: str) -> list[dict]:
        return [row for shard in self.configs[config].get(split, []) for row in self.shards[shard][1]]

    def config_features(self, config: str) -> Features:
        first = next(shard for shards in self.configs[config].values() for shard in shards)
        return self.features[self.shards[first][0]]

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for shard in sorted(self.shards):
            digest.update(f"shard {shard}\n".encode())
            for row in self.shards[shard][1]:
                digest.update(dumps_json(row).encode("utf-8"))
                digest.update(b"\n")
        digest.update(dumps_json(self.configs).encode("utf-8"))
        return digest.hexdigest()


def fold_configs(split_of: dict[str, str], shard_of: dict[str, str]) -> dict[str, dict[str, list[str]]]:
    """Leave-one-plan-out folds (`fold-<plan>`), or, beyond MAX_LEAVE_ONE_OUT
    plans, that many folds each holding out every n-th plan in id order
    (`fold-03-of-10`)."""
    plans = sorted(p for p in split_of if p in shard_of)
    if len(plans) <= MAX_LEAVE_ONE_OUT:
        groups = {f"fold-{plan}": [plan] for plan in plans}
    else:
        k = MAX_LEAVE_ONE_OUT
        groups = {f"fold-{i + 1:02d}-of-{k}": plans[i::k] for i in range(k)}
    return {
        name: {
            "train": [shard_of[p] for p in plans if p not in held_out],
            "test": [shard_of[p] for p in held_out],
        }
        for name, held_out in groups.items()
    }


def assemble(docs: list[StoredDocument], plans: dict[str, dict], gold: dict, labels: LabelSet) -> DatasetTables:
    shards: dict[str, tuple[str, list[dict]]] = {}
    configs: dict[str, dict[str, list[str]]] = {"spans": {}, "tokens": {}, "documents": {}}
    split_of: dict[str, str] = {}
    span_shard: dict[str, str] = {}
    for doc in docs:
        plan = plans[doc.doc_id]
        split = plan.get("split") or "train"
        if split not in SPLITS:
            raise ValueError(f"seeds/plans.yaml: plan {doc.doc_id!r} has split {split!r}; use one of {SPLITS}")
        split_of[doc.doc_id] = split
        rows = span_rows(doc, gold.get(doc.doc_id, {}), labels)
        if rows:
            shards[f"spans/{doc.doc_id}"] = ("spans", rows)
            shards[f"tokens/{doc.doc_id}"] = ("tokens", [token_row(r, labels) for r in rows])
            span_shard[doc.doc_id] = f"spans/{doc.doc_id}"
            configs["spans"].setdefault(split, []).append(f"spans/{doc.doc_id}")
            configs["tokens"].setdefault(split, []).append(f"tokens/{doc.doc_id}")
        shards[f"documents/{doc.doc_id}"] = ("documents", [document_row(doc, plan, gold.get(doc.doc_id, {}), labels)])
        configs["documents"].setdefault(split, []).append(f"documents/{doc.doc_id}")
    # Splits in a fixed order, whatever order the plans came in.
    configs = {name: {s: splits[s] for s in SPLITS if s in splits} for name, splits in configs.items()}
    configs.update(fold_configs(split_of, span_shard))
    configs = {name: splits for name, splits in configs.items() if any(splits.values())}
    features = {"spans": span_features(labels), "tokens": token_features(labels), "documents": document_features(labels)}
    return DatasetTables(shards, configs, features)


# ---------------------------------------------------------------------------
# Writing


def parquet_bytes(rows: list[dict], features: Features) -> bytes:
    table = pa.Table.from_pylist(rows, schema=features.arrow_schema)
    sink = io.BytesIO()
    # Fixed writer settings: the same rows always give the same bytes.
    pq.write_table(table, sink, compression="zstd", use_dictionary=True, write_statistics=True)
    return sink.getvalue()


def data_file_path(shard: str, fingerprint: str) -> str:
    # The content fingerprint in the name changes what `datasets` caches on
    # (its local cache key hashes the card's data_files), so a rebuild that
    # changes rows can never be served from a stale cache.
    return f"{DATA_DIR}/{shard}-{fingerprint[:16]}.parquet"


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


def render_template(template: str, blocks: dict[str, str]) -> str:
    """Fill `{{ name }}` placeholders; an unknown placeholder is an error."""

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in blocks:
            raise KeyError(f"README template uses {{{{ {name} }}}} but the build provides no such block")
        return blocks[name]

    return re.sub(r"\{\{\s*([a-z_]+)\s*\}\}", fill, template)


def write_dataset(root: Path, tables: DatasetTables, readme: str) -> str:
    """Write data/ (swapped in whole) and README.md (atomically). Returns the fingerprint."""
    fingerprint = tables.fingerprint()
    with staged_directory(Path(root) / DATA_DIR) as staging:
        for shard, (kind, rows) in tables.shards.items():
            relative = data_file_path(shard, fingerprint)[len(DATA_DIR) + 1 :]
            write_bytes_atomic(staging / relative, parquet_bytes(rows, tables.features[kind]))
    write_bytes_atomic(Path(root) / "README.md", readme.encode("utf-8"))
    return fingerprint


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


def markdown_table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def example_row(tables: DatasetTables) -> str:
    for split in tables.configs.get("spans", {}):
        for row in tables.rows("spans", split):
            if row["entities"] and len(row["text"]) < 80:
                return json.dumps(row, ensure_ascii=False, indent=1)
    return "(no reviewed unit yet)"


# ---------------------------------------------------------------------------
# The dataset card


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


def publish(
    root: Path,
    docs: list[StoredDocument],
    plans: dict[str, dict],
    labels: LabelSet,
    gold_dir: Path,
    static_metadata: dict,
    template: str,
    agreement: dict | None = None,
    baselines: dict | None = None,
) -> tuple[DatasetTables, str]:
    gold = load_gold(gold_dir, [d.doc_id for d in docs])
    tables = assemble(docs, plans, gold, labels)
    fingerprint = tables.fingerprint()
    metadata = dict(static_metadata)
    unit_rows = sum(len(rows) for kind, rows in tables.shards.values() if kind == "spans")
    metadata["size_categories"] = [size_category(unit_rows)]
    metadata = card_metadata(tables, fingerprint, metadata)
    readme = render_card(template, metadata, card_blocks(tables, fingerprint, docs, plans, labels, agreement, baselines))
    write_dataset(root, tables, readme)
    return tables, fingerprint
