"""Gold and predicted normalisations as `NormSpan`s.

Gold: annotations/normalized/<plan>.jsonl (the reviewed first pass). A
predictions file has one JSON object a line: doc_id, start, end, label and
`normalized` (the eight fields, or null for a span the system could not
read). The rules baseline is the rule pre-annotator's spans (or the gold
spans) read by the normaliser of builders/annotation/normalization/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builders.annotation.gold import load_gold as load_span_gold
from builders.annotation.normalization.model import FIELDS, LABEL_FIELDS, LABELS, check_fields
from builders.annotation.normalization.workflow import PlanSpans, normalized_dir, plan_spans, propose_plan
from builders.annotation.prelabel import pre_annotate_document
from builders.io import read_jsonl
from builders.project import Paths


@dataclass(frozen=True)
class NormSpan:
    """One normalised span: `fields` holds the label's fields, or is None when
    the span was left unread (gold: unresolvable; system: a reason code)."""

    doc_id: str
    start: int
    end: int
    label: str
    unit: int  # the unit index (bootstrap resamples units)
    fields: dict | None
    reason: str | None = None

    @property
    def key(self) -> tuple[str, int, int, str]:
        return (self.doc_id, self.start, self.end, self.label)


def label_fields(label: str, normalized: dict | None) -> dict | None:
    return None if normalized is None else {name: normalized.get(name) for name in LABEL_FIELDS[label]}


def read_gold(paths: Paths) -> list[NormSpan]:
    """Every record of annotations/normalized/<plan>.jsonl, in file then text order."""
    spans = []
    for path in sorted(normalized_dir(paths).glob("*.jsonl")):
        for _, row in read_jsonl(path):
            fields = None if row["status"] == "unresolvable" else label_fields(row["label"], row["normalized"])
            spans.append(NormSpan(row["doc_id"], row["start"], row["end"], row["label"], row["unit_index"], fields, row.get("reason")))
    return spans


def reviewed_units(paths: Paths, doc_ids: list[str]) -> dict[str, list[int]]:
    """The reviewed units of each plan: where gold exists, so where a predicted span is scored."""
    gold = load_span_gold(paths.annotations / "gold", doc_ids)
    return {doc_id: sorted(i for i, a in (gold.get(doc_id) or {}).items() if a.reviewed) for doc_id in doc_ids}


def read_predictions(path: Path, units: dict[str, list[int]], unit_of) -> list[NormSpan]:
    """A predictions file (see the module docstring). Every problem is
    collected with file:line; nothing is returned from an invalid file.
    `unit_of(doc_id, offset)` gives the unit index of an offset or None."""
    spans, problems, seen = [], [], set()
    for line, row in read_jsonl(path):
        where = f"{path}:{line}"
        if not isinstance(row, dict):
            problems.append(f"{where}: not a JSON object")
            continue
        doc_id, start, end, label = (row.get(k) for k in ("doc_id", "start", "end", "label"))
        if doc_id not in units:
            problems.append(f"{where}: doc_id {doc_id!r} is not a plan with normalised gold")
            continue
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
            problems.append(f"{where}: start and end must be code-point offsets with 0 <= start < end")
            continue
        if label not in LABELS:
            problems.append(f"{where}: label {label!r} is not normalised (only {', '.join(LABELS)})")
            continue
        if (doc_id, start, end, label) in seen:
            problems.append(f"{where}: span {start}-{end} {label} given twice")
            continue
        seen.add((doc_id, start, end, label))
        normalized = row.get("normalized")
        if normalized is not None:
            if not isinstance(normalized, dict):
                problems.append(f"{where}: normalized must be an object or null")
                continue
            wrong = check_fields(label, {name: normalized.get(name) for name in FIELDS})
            if wrong:
                problems.append(f"{where}: {'; '.join(wrong)}")
                continue
        unit = unit_of(doc_id, start)
        if unit is None:
            problems.append(f"{where}: offset {start} is in no unit of {doc_id}")
            continue
        spans.append(NormSpan(doc_id, start, end, label, unit, label_fields(label, normalized), row.get("reason")))
    if problems:
        raise ValueError("\n".join(problems))
    return spans


# ---------------------------------------------------------------------------
# The rules baseline


def _normalise(paths: Paths, plan: PlanSpans) -> list[NormSpan]:
    """The normaliser's reading of every span of `plan` (unread: no fields, its reason code)."""
    proposals = propose_plan(paths, plan, LABELS)
    out = []
    for span in plan.spans:
        proposal = proposals[f"{span['doc_id']}@{span['start']}-{span['end']}"]
        fields = label_fields(span["label"], proposal.fields) if proposal.resolved else None
        out.append(NormSpan(span["doc_id"], span["start"], span["end"], span["label"], span["unit"], fields, proposal.reason))
    return sorted(out, key=lambda s: s.key)


def with_predicted_spans(plan: PlanSpans, units: list[int]) -> PlanSpans:
    """The plan with the rule pre-annotator's VALUE, DATE and DEPT spans of its
    reviewed units in place of the gold spans (end to end)."""
    predicted = pre_annotate_document(plan.doc.text, list(plan.doc.units))
    spans = [
        {"doc_id": plan.doc.doc_id, "start": s.start, "end": s.end, "label": s.label, "unit": index}
        for index in units
        for s in sorted(predicted.get(index, []))
        if s.label in LABELS
    ]
    return PlanSpans(plan.doc, plan.plan, spans)


def rules_predictions(paths: Paths, doc_ids: list[str] | None = None) -> tuple[list[NormSpan], list[NormSpan], dict[str, list[int]]]:
    """The rules baseline: (given the gold spans, end to end, reviewed units per plan)."""
    plans = plan_spans(paths, doc_ids)
    units = reviewed_units(paths, [p.doc.doc_id for p in plans])
    given, e2e = [], []
    for plan in plans:
        given += _normalise(paths, plan)
        e2e += _normalise(paths, with_predicted_spans(plan, units[plan.doc.doc_id]))
    return given, e2e, units
