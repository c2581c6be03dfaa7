"""The blind second normalisation (GUIDELINES.md 11.6) and agreement per field.

A share of each plan's VALUE, DATE and DEPT spans (stratified by plan and
label) is drawn by hash, so the choice never moves when other plans change.
The worksheet shows each span, its label, its context and the plan's
jurisdiction, and nothing else: no proposal and no first-pass value. The
annotator copies a row to `filled.jsonl` and fills the fields of its label
(see annotations/normalized/second/README.md). Offsets are document-level
code points, half-open.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

from builders.annotation.normalization.model import DECIDED_FIELDS, LABEL_FIELDS, LABELS, check_fields, same_value
from builders.annotation.normalization.tables import Settings
from builders.io import read_jsonl

CONTEXT_CHARS = 80  # shown on each side of the span, within its unit
PLAN_FIELDS = ("city", "province", "issue_date", "plan_period", "script")


def span_key(doc_id: str, start: int, end: int) -> str:
    return f"{doc_id}@{start}-{end}"


def _rank(salt: str, key: str) -> bytes:
    return hashlib.sha256(f"{salt}:{key}".encode()).digest()


def sample(spans: list[dict], settings: Settings) -> list[dict]:
    """Per (plan, label) the ceil(share × n) spans of lowest hash, in text order.
    `spans` are dicts with doc_id, start, end and label."""
    chosen = []
    strata: dict[tuple[str, str], list[dict]] = {}
    for span in spans:
        strata.setdefault((span["doc_id"], span["label"]), []).append(span)
    for key in sorted(strata):
        stratum = strata[key]
        take = math.ceil(settings.second_share * len(stratum))
        ranked = sorted(stratum, key=lambda s: _rank(settings.second_salt, span_key(s["doc_id"], s["start"], s["end"])))
        chosen += ranked[:take]
    return sorted(chosen, key=lambda s: (s["doc_id"], s["start"]))


def marked_context(text: str, unit: dict, start: int, end: int, chars: int = CONTEXT_CHARS) -> str:
    """The unit's text around the span, the span written ⟦…⟧; … where cut."""
    left = max(unit["start"], start - chars)
    right = min(unit["end"], end + chars)
    head = "…" if left > unit["start"] else ""
    tail = "…" if right < unit["end"] else ""
    return f"{head}{text[left:start]}⟦{text[start:end]}⟧{text[end:right]}{tail}"


def worksheet_row(span: dict, text: str, unit: dict, plan: dict) -> dict:
    """One blind row: what the annotator reads, and the empty fields to fill."""
    row = {
        "item": span_key(span["doc_id"], span["start"], span["end"]),
        "doc_id": span["doc_id"],
        "label": span["label"],
        "text": text[span["start"] : span["end"]],
        "start": span["start"],
        "end": span["end"],
        "unit_index": unit["index"],
        "section": list(unit["section"]),
        "context": marked_context(text, unit, span["start"], span["end"]),
        "plan": {key: None if plan.get(key) is None else str(plan.get(key)) for key in PLAN_FIELDS},
    }
    row.update({name: None for name in DECIDED_FIELDS[span["label"]]})
    row.update({"unresolvable": None, "note": ""})
    return row


GIVEN_FIELDS = ("item", "doc_id", "label", "text", "start", "end", "unit_index", "section", "context", "plan")


class FilledError(ValueError):
    """Problems of a filled worksheet; the message lists them with file:line."""


def parse_filled_row(row: dict, sheet_row: dict) -> dict:
    """The decision of one filled row: {"fields": {...} or None, "unresolvable": reason or None}."""
    for key in GIVEN_FIELDS:
        if row.get(key) != sheet_row[key]:
            raise ValueError(f"{key} differs from the worksheet (copy the given fields unchanged)")
    if not isinstance(row.get("annotator"), str) or not row["annotator"].strip():
        raise ValueError("annotator is missing")
    label = sheet_row["label"]
    reason = row.get("unresolvable")
    decided = {name: _number_or_value(name, row.get(name)) for name in DECIDED_FIELDS[label]}
    if reason is not None:
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError("unresolvable must be null or a reason (text)")
        if any(v is not None for v in decided.values()):
            raise ValueError("an unresolvable span has all its fields null")
        return {"fields": None, "unresolvable": reason}
    problems = check_fields(label, {**{name: None for name in LABEL_FIELDS[label]}, **decided})
    if problems:
        raise ValueError("; ".join(problems))
    return {"fields": decided, "unresolvable": None}


def _number_or_value(name: str, value):
    """lo/hi may be written as a fraction "2/3" (三分之二); everything else as is."""
    if name in ("lo", "hi") and isinstance(value, str) and "/" in value:
        top, _, bottom = value.partition("/")
        try:
            return float(top) / float(bottom)
        except (ValueError, ZeroDivisionError) as error:
            raise ValueError(f"{name} {value!r} is not a number or a fraction a/b") from error
    return value


def read_filled(path: Path, worksheet_path: Path) -> dict[str, dict]:
    """item -> decision (see parse_filled_row) plus the row, for every filled row.
    Every problem is collected and reported with file:line; nothing is returned
    from an invalid file."""
    sheet = {row["item"]: row for _, row in read_jsonl(worksheet_path)}
    result, problems = {}, []
    for line, row in read_jsonl(path):
        item = row.get("item") if isinstance(row, dict) else None
        if item not in sheet:
            problems.append(f"{path}:{line}: item {item!r} is not in the worksheet {worksheet_path}")
            continue
        if item in result:
            problems.append(f"{path}:{line}: item {item!r} is filled twice")
            continue
        try:
            decision = parse_filled_row(row, sheet[item])
        except (ValueError, TypeError) as error:
            problems.append(f"{path}:{line}: {item}: {error}")
            continue
        result[item] = {**decision, "row": row}
    if problems:
        raise FilledError("\n".join(problems))
    return result


def agreement(first: dict[str, dict], second: dict[str, dict]) -> dict:
    """Exact agreement per field and per label over the items both annotated.

    `first` and `second` map item -> {"label", "fields" or None,
    "unresolvable"}. A field agrees when both give the same value (numbers
    within model.RELATIVE_TOLERANCE); a span agrees when every decided field
    of its label agrees, or both call it unresolvable."""
    items = sorted(set(first) & set(second))
    per_label: dict[str, dict] = {}
    disagreements = []
    for item in items:
        a, b = first[item], second[item]
        label = a["label"]
        stats = per_label.setdefault(label, {"spans": 0, "spans_agree": 0, "fields": {n: [0, 0] for n in DECIDED_FIELDS[label]}})
        stats["spans"] += 1
        differing = []
        for name in DECIDED_FIELDS[label]:
            va = None if a["fields"] is None else a["fields"].get(name)
            vb = None if b["fields"] is None else b["fields"].get(name)
            agree = same_value(name, va, vb) and (a["fields"] is None) == (b["fields"] is None)
            stats["fields"][name][0] += agree
            stats["fields"][name][1] += 1
            if not agree:
                differing.append(name)
        if not differing:
            stats["spans_agree"] += 1
        else:
            disagreements.append({"item": item, "label": label, "fields": differing})
    figures = {"items_compared": len(items), "per_label": {}, "per_field": {}}
    totals: dict[str, list[int]] = {}
    for label in LABELS:
        if label not in per_label:
            continue
        stats = per_label[label]
        figures["per_label"][label] = {
            "spans": stats["spans"],
            "span_exact_agreement": round(stats["spans_agree"] / stats["spans"], 4),
            "fields": {n: round(c[0] / c[1], 4) for n, c in stats["fields"].items()},
        }
        for name, (agree, total) in stats["fields"].items():
            totals.setdefault(name, [0, 0])
            totals[name][0] += agree
            totals[name][1] += total
    figures["per_field"] = {name: {"agree": a, "of": t, "agreement": round(a / t, 4)} for name, (a, t) in totals.items()}
    figures["disagreements"] = disagreements
    return figures
