"""The normalisation round trip over a project checkout.

    spans        every VALUE, DATE and DEPT span of the reviewed gold, with
                 its unit and the plan's manifest entry
    second pass  `write_second_worksheet`: the blind, stratified sample
                 (second.py) at annotations/normalized/second/worksheet.jsonl

Nothing is written unless the whole input is valid; writes are atomic.
Offsets are document-level code points, half-open.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builders.annotation.gold import load_gold
from builders.annotation.normalization.model import LABELS
from builders.annotation.normalization.second import sample, worksheet_row
from builders.annotation.normalization.tables import load_settings
from builders.corpus.seeds import load_manifest
from builders.corpus.store import StoredDocument, read_document
from builders.io import write_jsonl_atomic
from builders.project import Paths

NORMALIZED_DIR = "normalized"


def normalized_dir(paths: Paths) -> Path:
    return paths.annotations / NORMALIZED_DIR


def second_dir(paths: Paths) -> Path:
    return normalized_dir(paths) / "second"


@dataclass(frozen=True)
class PlanSpans:
    """One plan's normalisable gold spans, with what reading them needs."""

    doc: StoredDocument
    plan: dict  # the manifest entry
    spans: list[dict]  # {doc_id, start, end, label, unit} in text order

    def unit(self, index: int) -> dict:
        return self.doc.units[index]


def plan_spans(paths: Paths, doc_ids: list[str] | None = None) -> list[PlanSpans]:
    """Every VALUE, DATE and DEPT span of the reviewed units, plan by plan in
    manifest order."""
    manifest = load_manifest(paths.seeds)
    wanted = [p for p in manifest if doc_ids is None or p.id in doc_ids]
    gold = load_gold(paths.annotations / "gold", [p.id for p in wanted])
    result = []
    for plan in wanted:
        units = gold.get(plan.id) or {}
        if not any(a.reviewed for a in units.values()):
            continue
        doc = read_document(paths.corpus, plan.id)
        spans = [
            {"doc_id": plan.id, "start": s.start, "end": s.end, "label": s.label, "unit": index}
            for index, annotation in sorted(units.items())
            if annotation.reviewed
            for s in sorted(annotation.spans)
            if s.label in LABELS
        ]
        result.append(PlanSpans(doc, plan.metadata, spans))
    return result


def second_worksheet_rows(plans: list[PlanSpans]) -> list[dict]:
    settings = load_settings()
    rows = []
    for plan in plans:
        for span in sample(plan.spans, settings):
            rows.append(worksheet_row(span, plan.doc.text, plan.unit(span["unit"]), plan.plan))
    return rows


def write_second_worksheet(paths: Paths) -> tuple[Path, int]:
    rows = second_worksheet_rows(plan_spans(paths))
    path = second_dir(paths) / "worksheet.jsonl"
    write_jsonl_atomic(path, rows)
    return path, len(rows)
