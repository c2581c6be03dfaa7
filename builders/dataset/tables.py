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
from functools import lru_cache

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Features

from builders.annotation.gold import UnitAnnotation
from builders.annotation.labels import LabelSet
from builders.corpus.seeds import SPLITS
from builders.corpus.store import StoredDocument, unit_id
from builders.dataset.features import (
    DOCUMENT_METADATA,
    department_features,
    document_features,
    measurement_features,
    span_features,
    task_features,
    token_features,
)
from builders.dataset.normalized.entities import PlanNormalization
from builders.dataset.relations import document_relations, measurement_rows, task_rows
from builders.io import dumps_json

DATA_DIR = "data"


def span_rows(
    doc: StoredDocument, gold: dict[int, UnitAnnotation], labels: LabelSet, normalization: PlanNormalization = PlanNormalization()
) -> list[dict]:
    """One row per reviewed unit; entities relative to the unit, each with
    its `normalized` fields."""
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
                        "normalized": normalization.fields(s, doc.text),
                    }
                    for s in sorted(annotation.spans)
                ],
            }
        )
    return rows


def bio_tags(length: int, entities: list[dict], labels: LabelSet) -> list[int]:
    tags = [0] * length
    ids = _bio_ids(labels)
    for entity in entities:
        begin, inside = ids[entity["label"]]
        start, end = entity["start"], entity["end"]
        tags[start] = begin
        tags[start + 1 : end] = [inside] * (end - start - 1)
    return tags


@lru_cache(maxsize=8)
def _bio_ids(labels: LabelSet) -> tuple[tuple[int, int], ...]:
    """(B- tag id, I- tag id) of each label id."""
    return tuple((labels.bio_tags.index(f"B-{name}"), labels.bio_tags.index(f"I-{name}")) for name in labels.names)


def token_row(row: dict, labels: LabelSet) -> dict:
    return {
        "id": row["id"],
        "doc_id": row["doc_id"],
        "unit_index": row["unit_index"],
        "tokens": list(row["text"]),
        "tokens_simplified": list(row["text_simplified"]),
        "ner_tags": bio_tags(len(row["text"]), row["entities"], labels),
    }


def reviewed_ranges(doc: StoredDocument, gold: dict[int, UnitAnnotation]) -> list[dict]:
    """The stretches of the text a person annotated, [start, end) in code
    points: consecutive reviewed units merged. Outside them `entities` says
    nothing, so a reader never mistakes unreviewed text for text without
    entities."""
    ranges: list[dict] = []
    for unit in doc.units:
        annotation = gold.get(unit["index"])
        if annotation is None or not annotation.reviewed:
            continue
        if ranges and ranges[-1]["unit_end"] == unit["index"]:
            ranges[-1]["end"], ranges[-1]["unit_end"] = unit["end"], unit["index"] + 1
        else:
            ranges.append({"start": unit["start"], "end": unit["end"], "unit_end": unit["index"] + 1})
    return [{"start": r["start"], "end": r["end"]} for r in ranges]


def document_row(
    doc: StoredDocument, plan: dict, gold: dict[int, UnitAnnotation], labels: LabelSet, relations=(),
    normalization: PlanNormalization = PlanNormalization(),
) -> dict:
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
            "reviewed_ranges": reviewed_ranges(doc, gold),
            "entities": [
                {
                    "start": s.start, "end": s.end, "label": labels.index(s.label), "text": doc.text[s.start : s.end],
                    "normalized": normalization.fields(s, doc.text),
                }
                for s in spans
            ],
            # Relations (GUIDELINES.md section 12) as indices into `entities`.
            **document_relations(list(relations), gold, spans),
        }
    )
    return row


ROW_KINDS = ("spans", "tokens", "documents", "tasks", "measurements")
# Configs assembled from every plan's summary rather than one shard per plan:
# one file, one split (`train`, the only split name every reader takes
# without being told), named by its rows' own fingerprint.
CORPUS_KINDS = ("departments",)
CORPUS_SPLIT = "train"
MAX_LEAVE_ONE_OUT = 10  # beyond this many plans, folds hold out groups of plans


def plan_rows(
    doc: StoredDocument, plan: dict, gold: dict[int, UnitAnnotation], labels: LabelSet, relations=(),
    normalization: PlanNormalization = PlanNormalization(),
) -> dict[str, list[dict]]:
    """One plan's rows, by row kind: its shards. `spans` and `tokens` exist
    only when a unit of the plan is reviewed, and so does `documents` (a plan
    nobody annotated must not look like a plan without entities); `tasks` and
    `measurements` when the plan has reviewed relations."""
    split = plan.get("split") or "train"
    if split not in SPLITS:
        raise ValueError(f"seeds/plans.yaml: plan {doc.doc_id!r} has split {split!r}; use one of {SPLITS}")
    rows = span_rows(doc, gold, labels, normalization)
    shards: dict[str, list[dict]] = {}
    if rows:
        shards["spans"] = rows
        shards["tokens"] = [token_row(r, labels) for r in rows]
    if rows:
        shards["documents"] = [document_row(doc, plan, gold, labels, relations, normalization)]
    for kind, make in (("tasks", task_rows), ("measurements", measurement_rows)):
        relation_rows = make(doc, list(relations), gold, normalization)
        if relation_rows:
            shards[kind] = relation_rows
    return shards


@lru_cache(maxsize=8)
def row_schemas(labels: LabelSet) -> dict[str, pa.Schema]:
    """The arrow schema of every row kind (for parquet_bytes), once per label set."""
    return {kind: features.arrow_schema for kind, features in row_features(labels).items()}


def row_features(labels: LabelSet) -> dict[str, Features]:
    return {
        "spans": span_features(labels), "tokens": token_features(labels), "documents": document_features(labels),
        "tasks": task_features(), "measurements": measurement_features(), "departments": department_features(),
    }


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


def with_corpus_configs(configs: dict[str, dict[str, list[str]]], shards: dict[str, str]) -> dict[str, dict[str, list[str]]]:
    """`configs` with each corpus-wide config (kind -> its one shard) placed
    after the per-plan kinds and before the folds."""
    placed: dict[str, dict[str, list[str]]] = {}
    for name, splits in configs.items():
        if name.startswith("fold-"):
            break
        placed[name] = splits
    placed.update({kind: {CORPUS_SPLIT: [shard]} for kind, shard in shards.items()})
    placed.update({name: splits for name, splits in configs.items() if name not in placed})
    return placed


def dataset_configs(plans: list[tuple[str, str, list[str]]]) -> dict[str, dict[str, list[str]]]:
    """config -> split -> shards (`<kind>/<plan>`), from (plan id, split, row
    kinds the plan has) in manifest order. A fold's train split reuses the
    plans' files instead of copying their rows, so the bytes written grow
    linearly with the corpus."""
    configs: dict[str, dict[str, list[str]]] = {kind: {} for kind in ROW_KINDS}
    split_of: dict[str, str] = {}
    span_shard: dict[str, str] = {}
    for plan_id, split, kinds in plans:
        split_of[plan_id] = split
        for kind in kinds:
            configs[kind].setdefault(split, []).append(f"{kind}/{plan_id}")
        if "spans" in kinds:
            span_shard[plan_id] = f"spans/{plan_id}"
    # Splits in a fixed order, whatever order the plans came in.
    configs = {name: {s: splits[s] for s in SPLITS if s in splits} for name, splits in configs.items()}
    configs.update(fold_configs(split_of, span_shard))
    return {name: splits for name, splits in configs.items() if any(splits.values())}


def config_kind(config: str) -> str:
    """The row kind (and so the features) of a config's shards."""
    return config if config in ROW_KINDS or config in CORPUS_KINDS else "spans"


def dataset_fingerprint(shard_fingerprints: dict[str, str], configs: dict) -> str:
    """The whole dataset's fingerprint, from each shard's and the configs."""
    digest = hashlib.sha256()
    for shard in sorted(shard_fingerprints):
        digest.update(f"shard {shard} {shard_fingerprints[shard]}\n".encode())
    digest.update(dumps_json(configs).encode("utf-8"))
    return digest.hexdigest()


def parquet_bytes(rows: list[dict], features: Features, schema: pa.Schema | None = None) -> bytes:
    """The rows as a parquet file. `schema` is `features.arrow_schema`, when
    the caller has it (computing it costs more than writing a small shard)."""
    table = pa.Table.from_pylist(rows, schema=schema if schema is not None else features.arrow_schema)
    sink = io.BytesIO()
    # Fixed writer settings: the same rows always give the same bytes.
    pq.write_table(table, sink, compression="zstd", use_dictionary=True, write_statistics=True)
    return sink.getvalue()


def data_file_path(shard: str, fingerprint: str) -> str:
    """`data/<kind>/<plan>-<fingerprint>.parquet`, with the fingerprint of the
    plan's own rows. The name changes what `datasets` caches on (its local
    cache key hashes the card's data_files), so a rebuild that changes a
    plan's rows is never served from a stale cache, and adding a plan renames
    no other plan's files."""
    return f"{DATA_DIR}/{shard}-{fingerprint[:16]}.parquet"
