"""The dataset's rows and shards, before and as they are written.

Rows live in shards, one per plan and row kind (`spans/<plan>`,
`tokens/<plan>`, `documents/<plan>`); configs and their splits are lists of
shards, so a leave-one-plan-out fold reuses the plans' files. Only units whose
gold was reviewed become rows. Offsets are Unicode code points, half-open
[start, end).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Features

from builders.annotation.gold import UnitAnnotation
from builders.annotation.labels import LabelSet
from builders.corpus.seeds import SPLITS
from builders.corpus.store import StoredDocument, unit_id
from builders.dataset.features import (
    DOCUMENT_METADATA,
    document_features,
    span_features,
    token_features,
)
from builders.io import dumps_json, staged_directory, write_bytes_atomic

DATA_DIR = "data"


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


def write_dataset(root: Path, tables: DatasetTables, readme: str) -> str:
    """Write data/ (swapped in whole) and README.md (atomically). Returns the fingerprint."""
    fingerprint = tables.fingerprint()
    with staged_directory(Path(root) / DATA_DIR) as staging:
        for shard, (kind, rows) in tables.shards.items():
            relative = data_file_path(shard, fingerprint)[len(DATA_DIR) + 1 :]
            write_bytes_atomic(staging / relative, parquet_bytes(rows, tables.features[kind]))
    write_bytes_atomic(Path(root) / "README.md", readme.encode("utf-8"))
    return fingerprint

