"""One plan's outputs, built from its own inputs alone (content-addressed).

A plan's corpus folder, its dataset shards and a compact summary of both
depend only on the plan's inputs, so they are built plan by plan (in any
order, in parallel) and kept under the plan's fingerprint:

- `PlanInputs.fingerprint()` hashes everything a plan's outputs depend on:
  the raw bytes, the manifest entry, the plan's entries in the repair tables
  (errata, garbled runs, noise), its gold file, its relation gold, its
  reviewed normalised gold (annotations/normalized/<plan>.jsonl), the label
  set, and the version of the code and configuration (a hash of the `builders` package);
- `build_plan` writes the outputs into a folder:

      corpus/<name>                  the files of corpus/<plan>/ (see corpus.store)
      data/<kind>.parquet            one shard per row kind the plan has
      summary.json                   what corpus-wide outputs need (below)
      reviewed_units.json            the reviewed gold units, compactly (for the audit)

The summary holds what the card, corpus/index.json and the command line's
table need, so those are computed from summaries, never from all the rows:
counts per label, units, the cleaning record, an example row, each data
file's sha256, size and rows (for croissant.json), the shards'
content fingerprint, and the plan's part of the annotation report
(annotation.report.plan_part). Offsets are Unicode code points, half-open [start, end).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from builders.annotation.gold import read_annotations
from builders.annotation.labels import LabelSet
from builders.annotation.report import plan_part, reviewed_units_file
from builders.corpus.clean import clean_seed, residual_noise, to_simplified
from builders.corpus.seeds import Erratum, GarbledRun, NoiseRemoval, Plan, read_seed
from builders.corpus.segment import segment
from builders.corpus.store import (
    BuiltDocument,
    StoredDocument,
    index_entry,
    iter_document_files,
    unit_record,
)
from builders.dataset.normalized.departments import plan_bodies
from builders.dataset.normalized.entities import coverage, load_plan_normalization
from builders.dataset.results import rows_fingerprint
from builders.io import dumps_json, sha256_bytes

SUMMARY_FORMAT = 3  # 3: the audit's strings in SURFACES, not in the summary
REVIEWED_UNITS = "reviewed_units.json"  # in the plan's cache entry
SURFACES = "surfaces.json"  # in the plan's cache entry: the strings its reviewed gold annotates, with their labels
EXAMPLE_MAX_CHARS = 80  # the card's example row is a short unit with spans


@dataclass(frozen=True)
class PlanInputs:
    """Everything one plan's outputs are built from (picklable, so a worker
    process can build it)."""

    plan: Plan
    errata: tuple[Erratum, ...]
    runs: tuple[GarbledRun, ...]
    noise: tuple[NoiseRemoval, ...]
    seeds_dir: Path
    gold_dir: Path
    raw_sha256: str  # of the bytes on disk, not the manifest's claim
    gold_sha256: str  # "" when the plan has no gold file
    labels_sha256: str
    code_version: str
    relations_dir: Path | None = None  # annotations/relations/, when relation gold exists
    relations_sha256: str = ""  # of the plan's relation gold file, "" when none
    normalized_dir: Path | None = None  # annotations/normalized/, when normalised gold exists
    normalized_sha256: str = ""  # of the plan's normalised gold file, "" when none
    repairs_sha256: str = ""  # `repairs_sha256` of the entries above, when the caller has it; "" computes it

    def fingerprint(self) -> str:
        """Computed once per instance (the build asks several times); the
        repair entries are described by shallow field copies, which give the
        same JSON as `dataclasses.asdict` (the text, hence the value, is
        unchanged) at a fraction of its cost."""
        known = self.__dict__.get("_fingerprint")
        if known is None:
            known = self._fingerprint_uncached()
            object.__setattr__(self, "_fingerprint", known)  # a memo, not a field: eq and hash ignore it
        return known

    def _fingerprint_uncached(self) -> str:
        described = {
            "code": self.code_version,
            "labels": self.labels_sha256,
            "manifest": self.plan.metadata,
            "repairs": self.repairs_sha256 or repairs_sha256(self.errata, self.runs, self.noise),
            "raw": self.raw_sha256,
            "gold": self.gold_sha256,
            "relations": self.relations_sha256,
            "normalized": self.normalized_sha256,
        }
        return sha256_bytes(dumps_json(described).encode("utf-8"))


def repairs_sha256(errata: tuple[Erratum, ...], runs: tuple[GarbledRun, ...], noise: tuple[NoiseRemoval, ...]) -> str:
    """The digest of a plan's entries in the repair tables, every field of
    each (part of its fingerprint)."""
    described = {
        "errata": [_fields_of(e) for e in errata],
        "garbled_runs": [_fields_of(r) | {"chars": [c._asdict() for c in r.chars]} for r in runs],
        "noise": [_fields_of(n) for n in noise],
    }
    return sha256_bytes(dumps_json(described).encode("utf-8"))


def _fields_of(record) -> dict:
    """A dataclass's fields as a dict, one level deep (nested records are
    the caller's to convert)."""
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


EAGER_UNITS = 20_000  # a long plan has about 1,200 units; beyond this many, records are made when read


class UnitRecords(Sequence):
    """A document's unit records (`corpus.store.unit_record`), made when
    read: a long plan has hundreds of thousands of units, and a list of their
    records would hold a second copy of its text."""

    def __init__(self, doc: BuiltDocument):
        self._doc = doc

    def __len__(self) -> int:
        return len(self._doc.structure.units)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return unit_record(self._doc.doc_id, self._doc.structure.units[index], self._doc.clean.text)


def stored_view(doc: BuiltDocument) -> StoredDocument:
    """The built document as the dataset reads it, without a round trip
    through the files."""
    text = doc.clean.text
    return StoredDocument(
        doc_id=doc.doc_id,
        text=text,
        text_simplified=doc.text_simplified,
        record={},
        edits=[],
        blocks=[],
        units=[unit_record(doc.doc_id, u, text) for u in doc.structure.units] if len(doc.structure.units) <= EAGER_UNITS else UnitRecords(doc),
    )


def build_plan(inputs: PlanInputs, labels: LabelSet, target: Path) -> dict:
    """Build one plan into `target` (see the module docstring); returns its
    summary. Everything is written before the function returns and nothing
    of the plan stays in memory afterwards."""
    # Imported here, not above: pyarrow and datasets take a second to import,
    # and a build that finds nothing to rebuild needs PlanInputs only.
    from builders.dataset.tables import parquet_bytes, plan_rows, row_features, row_schemas

    plan = inputs.plan
    seed = read_seed(inputs.seeds_dir, plan)
    clean = clean_seed(seed, list(inputs.errata), list(inputs.runs), noise=list(inputs.noise))
    text_simplified = to_simplified(clean.text, plan.script, doc_id=plan.id)
    doc = BuiltDocument(plan.id, plan.metadata, clean, text_simplified, segment(clean.text))
    for name, chunks in iter_document_files(doc):
        _write_chunks(target / "corpus" / name, chunks)
    gold_file = read_annotations(inputs.gold_dir / f"{plan.id}.jsonl")
    gold = {a.unit_index: a for a in gold_file}  # as load_gold reads it
    from builders.dataset.relations import load_relations

    relations = load_relations(inputs.relations_dir, [plan.id])[plan.id]
    normalization = load_plan_normalization(None if inputs.normalized_dir is None else inputs.normalized_dir / f"{plan.id}.jsonl")
    shards = plan_rows(stored_view(doc), plan.metadata, gold, labels, relations, normalization)
    features, schemas = row_features(labels), row_schemas(labels)
    digest = hashlib.sha256()
    files = {}
    for kind, rows in shards.items():
        data = parquet_bytes(rows, features[kind], schemas[kind])
        digest.update(f"{kind} {len(data)}\n".encode())
        digest.update(data)
        _write(target / "data" / f"{kind}.parquet", data)
        # croissant.json lists each data file's sha256 and size.
        files[kind] = {"sha256": sha256_bytes(data), "size": len(data), "rows": len(rows)}
    summary = plan_summary(doc, shards, labels)
    reviewed = sorted(s for a in gold.values() if a.reviewed for s in a.spans)
    summary["normalization"] = coverage(reviewed, clean.text, normalization)
    summary["normalized_examples"] = normalized_examples(shards.get("spans", []), labels)
    # The `departments` config is added up from these, not from the rows.
    summary["departments"] = plan_bodies(shards["documents"][0]["entities"] if shards.get("documents") else [], plan.metadata)
    summary["fingerprint"] = inputs.fingerprint()
    summary["data_fingerprint"] = digest.hexdigest()
    summary["data_files"] = files
    # The plan's part of annotations/README.md, while its gold is in memory;
    # the strings the audit looks for apart, read only when the audit runs
    # (every build reads every summary).
    part = plan_part(plan.id, clean.text, gold_file, labels.names)
    if part is not None:
        _write(target / SURFACES, (dumps_json(part.pop("surfaces")) + "\n").encode("utf-8"))
    summary["annotation_part"] = part
    _write(target / REVIEWED_UNITS, reviewed_units_file(plan.id, gold_file))  # what the audit reads
    _write(target / "summary.json", (dumps_json(summary) + "\n").encode("utf-8"))
    return summary


def plan_summary(doc: BuiltDocument, shards: dict[str, list[dict]], labels: LabelSet) -> dict:
    counts = doc.structure.counts()
    restored = doc.restoration_counts
    spans = shards.get("spans", [])
    per_label = {name: 0 for name in labels.names}
    for row in spans:
        for entity in row["entities"]:
            per_label[labels.names[entity["label"]]] += 1
    example = next((row for row in spans if row["entities"] and len(row["text"]) < EXAMPLE_MAX_CHARS), None)
    return {
        "format": SUMMARY_FORMAT,
        "doc_id": doc.doc_id,
        "gold_fingerprint": rows_fingerprint(spans, labels),  # result records compare against it
        "split": doc.plan.get("split") or "train",
        "kinds": list(shards),
        "index_entry": index_entry(doc),
        "cleaning": {
            "raw_length": len(doc.clean.raw_text),
            "length": len(doc.clean.text),
            "edit_counts": doc.edit_counts,
            **restored,
        },
        "units_total": len(doc.structure.units),
        "units_published": len(spans),
        "label_counts": per_label,
        # Rendered here: the card shows the row's fields in the features' order.
        "example_row": json.dumps(example, ensure_ascii=False, indent=1) if example else None,
        "report_row": {
            "doc_id": doc.doc_id,
            "raw chars": len(doc.clean.raw_text),
            "clean chars": len(doc.clean.text),
            "headings": counts["headings"],
            "task items": counts["task_items"],
            "trailers": counts["responsibility_trailers"],
            "units": counts["units"],
            "edits": len(doc.clean.edits),
            "restored chars": restored["restored_chars"],
            "low-confidence": restored["low_confidence_chars"],
        },
        "residual_noise": [list(found) for found in residual_noise(doc.clean.text)[:10]],
        "relations": _relation_summary(shards),
    }


def normalized_examples(spans: list[dict], labels: LabelSet) -> dict[str, dict]:
    """The first entity of each normalised label with fields, with its unit's
    id: the card shows the `normalized` struct from the data."""
    examples: dict[str, dict] = {}
    for row in spans:
        for entity in row["entities"]:
            label = labels.names[entity["label"]]
            if label in examples or not any(v is not None for v in entity["normalized"].values()):
                continue
            examples[label] = {"id": row["id"], **entity, "label": label}
    return dict(sorted(examples.items()))


def _relation_summary(shards: dict[str, list[dict]]) -> dict:
    from builders.dataset.relations import relation_summary  # heavy imports only when a plan is built

    return relation_summary(shards.get("tasks", []), shards.get("measurements", []))


def _write_chunks(path: Path, chunks) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        for chunk in chunks:
            handle.write(chunk)


def _write(path: Path, data: bytes) -> None:
    # The caller builds into a private folder renamed into place when complete.
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
