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
from builders.annotation.normalization.dates import normalize_date
from builders.annotation.normalization.model import DECIDED_FIELDS, LABEL_FIELDS, Proposal, check_fields
from builders.annotation.normalization.second import agreement, read_filled, sample, span_key, worksheet_row
from builders.annotation.normalization.tables import load_periods, load_settings, tables_dir
from builders.annotation.normalization.values import list_bounds, normalize_value
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


# ---------------------------------------------------------------------------
# Proposals and the first pass


def propose_plan(paths: Paths, plan: PlanSpans, labels: tuple[str, ...] = ("VALUE", "DATE")) -> dict[str, Proposal]:
    """item -> the normaliser's proposal for every span of `labels` in the plan."""
    settings = load_settings()
    periods = load_periods(tables_dir(paths.annotations) / "periods.yaml")
    simple = plan.doc.text_simplified
    proposals = {}
    by_unit: dict[int, list[tuple[int, int]]] = {}
    for span in plan.spans:
        if span["label"] == "VALUE":
            by_unit.setdefault(span["unit"], []).append((span["start"], span["end"]))
    lists = {}
    for spans in by_unit.values():
        lists.update(list_bounds(spans, simple, settings))
    for span in plan.spans:
        if span["label"] not in labels:
            continue
        text = simple[span["start"] : span["end"]]
        unit = plan.unit(span["unit"])
        if span["label"] == "VALUE":
            last_word, comparator = lists.get((span["start"], span["end"]), (None, None))
            proposal = normalize_value(text, simple[unit["start"] : span["start"]], settings,
                                       list_bound=last_word, list_comparator=comparator)
        else:
            proposal = normalize_date(text, periods, settings)
        proposals[span_key(plan.doc.doc_id, span["start"], span["end"])] = proposal
    return proposals


def first_pass_records(paths: Paths, plan: PlanSpans, decisions: dict[str, dict], annotator: str,
                       labels: tuple[str, ...] = ("VALUE", "DATE")) -> list[dict]:
    """The reviewed normalisation of every span of `labels` in the plan.

    `decisions` maps item -> {"outcome": "accepted"} or {"outcome":
    "corrected", "fields": {...}, "note": why} or {"outcome": "unresolvable",
    "reason": why}; a span without a decision is refused (every span is read).
    Each record keeps the proposal, so how often the normaliser was wrong can
    be measured."""
    proposals = propose_plan(paths, plan, labels)
    records, missing = [], []
    for span in plan.spans:
        if span["label"] not in labels:
            continue
        item = span_key(plan.doc.doc_id, span["start"], span["end"])
        decision = decisions.get(item)
        if decision is None:
            missing.append(item)
            continue
        proposal = proposals[item]
        fields = dict(proposal.fields)
        outcome = decision["outcome"]
        if outcome == "accepted" and not proposal.resolved:
            raise ValueError(f"{item}: the proposal is unread ({proposal.reason}); it cannot be accepted")
        if outcome == "corrected":
            fields = {**{name: None for name in fields}, **decision["fields"]}
        elif outcome == "unresolvable":
            fields = {name: None for name in fields}
        record = {
            "item": item, "doc_id": plan.doc.doc_id, "start": span["start"], "end": span["end"],
            "label": span["label"], "text": plan.doc.text[span["start"] : span["end"]], "unit_index": span["unit"],
            "normalized": fields, "status": "unresolvable" if outcome == "unresolvable" else "normalized",
            "reason": decision.get("reason"),
            "proposal": {"fields": {k: proposal.fields[k] for k in LABEL_FIELDS[span["label"]]}, "reason": proposal.reason},
            "outcome": outcome, "annotator": annotator, "note": decision.get("note", ""),
        }
        problems = [] if outcome == "unresolvable" else check_fields(span["label"], fields)
        if problems:
            raise ValueError(f"{item}: {'; '.join(problems)}")
        records.append(record)
    if missing:
        raise ValueError(f"{plan.doc.doc_id}: no decision for {len(missing)} span(s), e.g. {missing[:3]}")
    return records


def gold_path(paths: Paths, doc_id: str) -> Path:
    return normalized_dir(paths) / f"{doc_id}.jsonl"


def write_gold(paths: Paths, doc_id: str, records: list[dict]) -> Path:
    path = gold_path(paths, doc_id)
    write_jsonl_atomic(path, records)
    return path


# ---------------------------------------------------------------------------
# Agreement of the blind second pass with the first


def _first_decisions(paths: Paths) -> dict[str, dict]:
    from builders.io import read_jsonl

    decisions = {}
    for path in sorted(normalized_dir(paths).glob("*.jsonl")):
        for _, row in read_jsonl(path):
            fields = None if row["status"] == "unresolvable" else {k: row["normalized"][k] for k in DECIDED_FIELDS[row["label"]]}
            decisions[row["item"]] = {"label": row["label"], "fields": fields, "unresolvable": row.get("reason")}
    return decisions


def measure_agreement(paths: Paths) -> dict:
    """Agreement per field and per label of second/filled.jsonl with the first
    pass, over the items both annotated; written to agreement.json, and the
    disagreements to adjudication.yaml (decision left open for the adjudicator)."""
    from builders.io import dump_yaml, write_json_atomic, write_text_atomic

    filled = second_dir(paths) / "filled.jsonl"
    if not filled.exists():
        raise FileNotFoundError(f"{filled}: no filled second worksheet yet (see {second_dir(paths) / 'README.md'})")
    second = read_filled(filled, second_dir(paths) / "worksheet.jsonl")
    first = _first_decisions(paths)
    second = {item: {"label": d["row"]["label"], "fields": d["fields"], "unresolvable": d["unresolvable"]} for item, d in second.items()}
    figures = agreement(first, second)
    figures["items_filled"] = len(second)
    figures["items_without_first_pass"] = sorted(set(second) - set(first))
    write_json_atomic(normalized_dir(paths) / "agreement.json", figures)
    entries = [
        {"item": d["item"], "label": d["label"], "fields": d["fields"], "first": first[d["item"]]["fields"],
         "second": second[d["item"]]["fields"], "decision": None, "rule": None, "note": ""}
        for d in figures["disagreements"]
    ]
    write_text_atomic(normalized_dir(paths) / "adjudication.yaml", dump_yaml(entries))
    return figures
