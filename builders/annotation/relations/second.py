"""The blind second annotation of relations (GUIDELINES.md 12.4, item 3).

Relation items are the structural tasks (R1a/b, with their trailer) and the
reviewed sentences outside them that hold a VALUE or a DEPT. A fixed share of
each plan's items of each type is chosen by hash (stratified, so every plan and
both item types are represented and the choice never moves when other plans
change). The worksheet shows each item's text with its gold spans marked and
numbered, and nothing else: no proposal and no first-pass relation.

The annotator copies a row to `filled.jsonl` and fills `roles`, `deadline`,
`measurements` and `note` (see annotations/relations/second/README.md);
`read_filled` turns the numbers back into spans and names file:line for every
problem. Offsets are document-level code points, half-open.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

from builders.annotation.labels import Span
from builders.annotation.relations.items import PlanView, structural_tasks
from builders.annotation.relations.model import KINDS, ROLES, Measurement, RelationRules, Role, Task, load_relation_rules
from builders.io import read_jsonl

FILL_FIELDS = ("roles", "deadline", "measurements", "note")


def relation_items(plan: PlanView) -> list[dict]:
    """Every relation item of the plan: {key, type, units, has_value} in text order."""
    items = []
    inside = set()
    for task in structural_tasks(plan):
        inside.update(task.units)
        if plan.reviewed(task.units):
            items.append({"key": task.key, "type": "task", "units": list(task.units), "has_value": _has_value(plan, task.units)})
    for index in sorted(plan.gold):
        if index in inside:
            continue
        if any(s.label in ("VALUE", "DEPT") for s in plan.gold[index].spans):
            items.append({"key": f"sentence@{index}", "type": "sentence", "units": [index], "has_value": _has_value(plan, [index])})
    return sorted(items, key=lambda item: item["units"][0])


def _has_value(plan: PlanView, units) -> bool:
    return bool(plan.spans(units, "VALUE"))


def _rank(salt: str, doc_id: str, key: str) -> bytes:
    return hashlib.sha256(f"{salt}:{doc_id}:{key}".encode()).digest()


def sample_items(plan: PlanView, rules: RelationRules | None = None) -> list[dict]:
    """The stratified hash sample: per item type (task or sentence) and per
    whether the item holds a VALUE, the ceil(share × n) items of lowest hash."""
    rules = rules or load_relation_rules()
    chosen = []
    items = relation_items(plan)
    for stratum_key in sorted({(i["type"], i["has_value"]) for i in items}):
        stratum = [i for i in items if (i["type"], i["has_value"]) == stratum_key]
        take = math.ceil(rules.second_share * len(stratum))
        chosen += sorted(stratum, key=lambda i: _rank(rules.second_salt, plan.doc_id, i["key"]))[:take]
    return sorted(chosen, key=lambda item: item["units"][0])


def mark_spans(text: str, start: int, end: int, spans: list[Span]) -> str:
    """The text of [start, end) with each span written ⟦n LABEL:text⟧, n from 1."""
    out, cursor = [], start
    for number, span in enumerate(spans, start=1):
        out.append(text[cursor : span.start])
        out.append(f"⟦{number} {span.label}:{text[span.start:span.end]}⟧")
        cursor = span.end
    out.append(text[cursor:end])
    return "".join(out)


def worksheet_row(plan: PlanView, item: dict) -> dict:
    units = [plan.units[i] for i in item["units"]]
    start, end = units[0]["start"], units[-1]["end"]
    spans = plan.spans(item["units"])
    row = {
        "item": f"{plan.doc_id}/{item['key']}",
        "doc_id": plan.doc_id,
        "type": item["type"],
        "units": item["units"],
        "section": units[0]["section"],
        "marked_text": mark_spans(plan.text, start, end, spans),
        "spans": [
            {"n": n, "label": s.label, "text": plan.text[s.start : s.end], "start": s.start, "end": s.end, "unit": plan.unit_of(s.start)["index"]}
            for n, s in enumerate(spans, start=1)
        ],
    }
    if item["type"] == "task":
        task = next(t for t in structural_tasks(plan) if t.key == item["key"])
        row["task_text"] = {"start": task.start, "end": task.end, "text": plan.text[task.start : task.end]}
    row.update({"roles": [], "deadline": None, "measurements": [], "note": ""})
    return row


def worksheet_rows(plans: list[PlanView], rules: RelationRules | None = None) -> list[dict]:
    rows = []
    for plan in plans:
        rows += [worksheet_row(plan, item) for item in sample_items(plan, rules)]
    return rows


# ---------------------------------------------------------------------------
# Reading a filled worksheet back


class FilledError(ValueError):
    """Problems of a filled worksheet; the message lists them with file:line."""


def _numbered(row: dict, n, label: str | tuple[str, ...], what: str) -> Span | None:
    if n is None:
        return None
    spans = {s["n"]: s for s in row["spans"]}
    labels = (label,) if isinstance(label, str) else label
    if not isinstance(n, int) or n not in spans:
        raise ValueError(f"{what} {n!r} is not a span number of this item (1-{len(spans)})")
    span = spans[n]
    if span["label"] not in labels:
        raise ValueError(f"{what} {n} is a {span['label']} span ({span['text']!r}), not {'/'.join(labels)}")
    return Span(span["start"], span["end"], span["label"])


def parse_filled_row(row: dict, worksheet: dict) -> tuple[Task | None, list[Measurement]]:
    """The relations of one filled row, checked against its worksheet row."""
    if row.get("marked_text") != worksheet["marked_text"] or row.get("spans") != worksheet["spans"]:
        raise ValueError("marked_text or spans differ from the worksheet (the spans are fixed; report span problems in note)")
    roles = []
    for entry in row.get("roles") or []:
        if not (isinstance(entry, list) and len(entry) == 2 and entry[1] in ROLES):
            raise ValueError(f"a role must be [span number, one of {', '.join(ROLES)}], got {entry!r}")
        roles.append(Role(_numbered(row, entry[0], "DEPT", "role span"), entry[1]))
    if len({r.dept for r in roles}) != len(roles):
        raise ValueError("a DEPT has more than one role (R5)")
    deadline = _numbered(row, row.get("deadline"), "DATE", "deadline")
    doc_id, units = worksheet["doc_id"], worksheet["units"]
    task = None
    if worksheet["type"] == "task":
        bounds = worksheet["task_text"]
        task = Task(doc_id, units[0], bounds["start"], bounds["end"], tuple(units), tuple(sorted(roles)), deadline)
    elif roles or deadline:
        task = Task(doc_id, units[0], 0, 0, tuple(units), tuple(sorted(roles)), deadline)
    measurements = []
    values = {s["n"] for s in row["spans"] if s["label"] == "VALUE"}
    given = set()
    for entry in row.get("measurements") or []:
        if not isinstance(entry, dict):
            raise ValueError(f"a measurement must be an object, got {entry!r}")
        value = _numbered(row, entry.get("value"), "VALUE", "value")
        if value is None:
            raise ValueError("a measurement needs its value number")
        if entry.get("kind") not in KINDS:
            raise ValueError(f"kind of value {entry.get('value')} must be one of {', '.join(KINDS)}, got {entry.get('kind')!r}")
        if not isinstance(entry.get("change"), bool):
            raise ValueError(f"change of value {entry.get('value')} must be true or false")
        if entry["value"] in given:
            raise ValueError(f"value {entry['value']} has two measurements (R16)")
        given.add(entry["value"])
        unit = next(s["unit"] for s in row["spans"] if s["n"] == entry["value"])
        measurements.append(
            Measurement(doc_id, unit, value, _numbered(row, entry.get("indicator"), "INDICATOR", "indicator"),
                        _numbered(row, entry.get("date"), "DATE", "date"), entry["kind"], entry["change"])
        )
    missing = sorted(values - given)
    if missing:
        raise ValueError(f"values {missing} have no measurement (every VALUE gets one, R16)")
    return task, measurements


def read_filled(path: Path, worksheet_path: Path) -> dict[str, tuple[Task | None, list[Measurement], dict]]:
    """item -> (task or None, measurements, row) for every filled row."""
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
            task, measurements = parse_filled_row(row, sheet[item])
        except (ValueError, TypeError, KeyError) as error:
            problems.append(f"{path}:{line}: {item}: {error}")
            continue
        result[item] = (task, measurements, row)
    if problems:
        raise FilledError("\n".join(problems))
    return result
