"""Relation gold on disk: `annotations/relations/<plan>.jsonl`, one decision
per line, beside the span gold and with the same review trail.

A task (R1-R7):

    {"type": "task", "doc_id": ..., "unit_index": 13, "units": [13, 14, 15],
     "start": 402, "end": 530, "text": "...",
     "roles": [{"start": 531, "end": 535, "text": "市发改委", "role": "responsible"}],
     "deadline": null, "lead_rule": null,
     "review": {"status": "reviewed", "annotator": "ann-R1", "proposal": "accepted"}}

A measurement (R8-R16), one per VALUE span:

    {"type": "measurement", "doc_id": ..., "unit_index": 234,
     "value": {"start": 9100, "end": 9103, "text": "95%"},
     "indicator": {"start": 9089, "end": 9097, "text": "高中阶段毛入学率"},
     "date": {"start": 9084, "end": 9089, "text": "2020年"},
     "kind": "target", "change": false, "review": {...}}

`review.proposal` says whether the rule proposal was `accepted` unchanged
after reading or `corrected` (then `review.changes` says what changed).
Offsets are document-level code points, half-open [start, end). Every problem
names the file and line; nothing is written unless a whole file is valid.
"""

from __future__ import annotations

from pathlib import Path

from builders.annotation.gold import Problem
from builders.annotation.labels import Span
from builders.annotation.relations.items import PlanView, structural_tasks
from builders.annotation.relations.model import KINDS, ROLES, Measurement, RelationRecord, Role, Task
from builders.io import read_jsonl, write_jsonl_atomic

REVIEW_STATUSES = ("reviewed", "draft")
PROPOSAL_OUTCOMES = ("accepted", "corrected")


class RelationError(ValueError):
    """A relation file that cannot be read; the message names file and line."""


def _span_record(span: Span | None, text: str) -> dict | None:
    if span is None:
        return None
    return {"start": span.start, "end": span.end, "text": text[span.start : span.end]}


def relation_record(record: RelationRecord, text: str) -> dict:
    relation = record.relation
    if isinstance(relation, Task):
        return {
            "type": "task",
            "doc_id": relation.doc_id,
            "unit_index": relation.unit_index,
            "units": list(relation.units),
            "start": relation.start,
            "end": relation.end,
            "text": text[relation.start : relation.end],
            "roles": [dict(_span_record(r.dept, text), role=r.role) for r in sorted(relation.roles)],
            "deadline": _span_record(relation.deadline, text),
            "lead_rule": None if relation.lead_rule is None else {
                "start": relation.lead_rule[0], "end": relation.lead_rule[1], "text": text[relation.lead_rule[0] : relation.lead_rule[1]],
            },
            "review": record.review,
        }
    return {
        "type": "measurement",
        "doc_id": relation.doc_id,
        "unit_index": relation.unit_index,
        "value": _span_record(relation.value, text),
        "indicator": _span_record(relation.indicator, text),
        "date": _span_record(relation.date, text),
        "kind": relation.kind,
        "change": relation.change,
        "review": record.review,
    }


def _span(data, label: str) -> Span | None:
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("start"), int) or not isinstance(data.get("end"), int):
        raise ValueError(f"a {label} must be null or an object with integer start and end, got {data!r}")
    return Span(data["start"], data["end"], label)


def parse_record(data: dict) -> RelationRecord:
    """One stored line as a relation; raises ValueError/KeyError/TypeError when malformed."""
    kind = data["type"]
    review = dict(data.get("review") or {})
    if kind == "task":
        roles = tuple(Role(_span(r, "DEPT"), r["role"]) for r in data["roles"])
        rule = data.get("lead_rule")
        lead_rule = None if rule is None else (int(rule["start"]), int(rule["end"]))
        task = Task(
            str(data["doc_id"]), int(data["unit_index"]), int(data["start"]), int(data["end"]),
            tuple(int(u) for u in data["units"]), roles, _span(data.get("deadline"), "DATE"), lead_rule,
        )
        return RelationRecord(task, review)
    if kind == "measurement":
        change = data["change"]
        if not isinstance(change, bool):
            raise ValueError(f"change must be true or false, got {change!r}")
        measurement = Measurement(
            str(data["doc_id"]), int(data["unit_index"]), _span(data["value"], "VALUE"),
            _span(data.get("indicator"), "INDICATOR"), _span(data.get("date"), "DATE"), str(data["kind"]), change,
        )
        return RelationRecord(measurement, review)
    raise ValueError(f"type must be 'task' or 'measurement', got {kind!r}")


def read_relation_file(path: Path) -> list[tuple[int, RelationRecord, dict]]:
    """(line, record, raw line) per line; a malformed line raises RelationError naming file:line."""
    rows = []
    try:
        for line, data in read_jsonl(path):
            try:
                if not isinstance(data, dict):
                    raise ValueError("each line must be a JSON object")
                rows.append((line, parse_record(data), data))
            except (KeyError, TypeError, ValueError) as error:
                raise RelationError(f"{path}:{line}: malformed relation ({error!r})") from error
    except ValueError as error:
        if isinstance(error, RelationError):
            raise
        raise RelationError(str(error)) from error
    return rows


def read_relations(path: Path) -> list[RelationRecord]:
    return [record for _, record, _ in read_relation_file(path)] if Path(path).exists() else []


# ---------------------------------------------------------------------------
# Checks against the plan and its span gold


def _check_span(plan: PlanView, span: Span | None, label: str, allowed_units, raw, what: str) -> list[str]:
    if span is None:
        return []
    gold = set(plan.spans(allowed_units))
    problems = []
    if span not in gold:
        others = [s for s in plan.spans(range(len(plan.units))) if (s.start, s.end) == (span.start, span.end)]
        if others:
            problems.append(f"{what} [{span.start}, {span.end}) is a {others[0].label} span, not {label}")
        else:
            units = ", ".join(str(u) for u in allowed_units)
            problems.append(f"{what} [{span.start}, {span.end}) is not a reviewed {label} span of unit(s) {units}")
    if isinstance(raw, dict) and "text" in raw and 0 <= span.start <= span.end <= len(plan.text):
        if plan.text[span.start : span.end] != raw["text"]:
            problems.append(f"{what} text {raw['text']!r} does not match the corpus {plan.text[span.start:span.end]!r}")
    return problems


def check_record(plan: PlanView, record: RelationRecord, raw: dict, structural: dict[int, Task]) -> list[str]:
    relation = record.relation
    problems = []
    if relation.doc_id != plan.doc_id:
        return [f"relation of plan {relation.doc_id!r} in the file of plan {plan.doc_id!r} (relations never cross plans)"]
    if not 0 <= relation.unit_index < len(plan.units):
        return [f"unit {relation.unit_index} does not exist"]
    if record.review.get("status") not in REVIEW_STATUSES:
        problems.append(f"review status {record.review.get('status')!r} is neither 'reviewed' nor 'draft'")
    if record.review.get("proposal") not in (None, *PROPOSAL_OUTCOMES):
        problems.append(f"review proposal {record.review.get('proposal')!r} is neither 'accepted' nor 'corrected'")
    if isinstance(relation, Task):
        expected = structural.get(relation.unit_index)
        if expected is not None and (expected.units, expected.start, expected.end) != (relation.units, relation.start, relation.end):
            problems.append(
                f"task at unit {relation.unit_index} covers units {list(expected.units)} and [{expected.start}, {expected.end}) in the corpus, "
                f"not {list(relation.units)} and [{relation.start}, {relation.end})"
            )
        if expected is None:
            unit = plan.units[relation.unit_index]
            if (relation.units, relation.start, relation.end) != ((relation.unit_index,), unit["start"], unit["end"]):
                problems.append(f"unit {relation.unit_index} is not a task item: a sentence task (R1c) covers exactly its unit [{unit['start']}, {unit['end']})")
        seen = set()
        for role, raw_role in zip(relation.roles, raw.get("roles", [])):
            if role.role not in ROLES:
                problems.append(f"role {role.role!r} of [{role.dept.start}, {role.dept.end}) is not one of {', '.join(ROLES)}")
            if role.dept in seen:
                problems.append(f"DEPT [{role.dept.start}, {role.dept.end}) has more than one role (R5)")
            seen.add(role.dept)
            problems += _check_span(plan, role.dept, "DEPT", relation.units, raw_role, "role DEPT")
        problems += _check_span(plan, relation.deadline, "DATE", relation.units, raw.get("deadline"), "deadline")
        if relation.deadline and not (relation.start <= relation.deadline.start and relation.deadline.end <= relation.end):
            problems.append(f"deadline [{relation.deadline.start}, {relation.deadline.end}) is outside the task text (R7)")
    else:
        if relation.kind not in KINDS:
            problems.append(f"kind {relation.kind!r} is not one of {', '.join(KINDS)}")
        block = plan.units[relation.unit_index]["block_index"]
        same_block = [u["index"] for u in plan.units if u["block_index"] == block]
        problems += _check_span(plan, relation.value, "VALUE", [relation.unit_index], raw.get("value"), "value")
        problems += _check_span(plan, relation.indicator, "INDICATOR", same_block, raw.get("indicator"), "indicator")
        problems += _check_span(plan, relation.date, "DATE", same_block, raw.get("date"), "date")
    return problems


def record_key(record: RelationRecord) -> str:
    return record.relation.key


def validate_relation_file(path: Path, plan: PlanView) -> list[Problem]:
    """Every problem of one relation file, each naming its line."""
    try:
        rows = read_relation_file(path)
    except RelationError as error:
        where, _, message = str(error).partition(": ")
        line = where.rsplit(":", 1)[-1]
        return [Problem(str(path), int(line) if line.isdigit() else 0, message or str(error))]
    structural = {t.unit_index: t for t in structural_tasks(plan)}
    problems, seen = [], {}
    for line, record, raw in rows:
        for message in check_record(plan, record, raw, structural):
            problems.append(Problem(str(path), line, message))
        key = record_key(record)
        if key in seen:
            problems.append(Problem(str(path), line, f"{key} already recorded on line {seen[key]}"))
        seen.setdefault(key, line)
    return problems


def coverage(plan: PlanView, records: list[RelationRecord]) -> dict[str, int]:
    """How much of the plan has reviewed relations: structural tasks and VALUE spans."""
    reviewed = [r for r in records if r.reviewed]
    task_keys = {r.relation.unit_index for r in reviewed if isinstance(r.relation, Task)}
    value_keys = {r.relation.value for r in reviewed if isinstance(r.relation, Measurement)}
    tasks = [t for t in structural_tasks(plan) if plan.reviewed(t.units)]
    values = plan.spans(sorted(plan.gold), "VALUE")
    return {
        "tasks": len(tasks),
        "tasks_reviewed": sum(t.unit_index in task_keys for t in tasks),
        "sentence_tasks": sum(isinstance(r.relation, Task) and r.relation.unit_index not in {t.unit_index for t in tasks} for r in reviewed),
        "values": len(values),
        "values_reviewed": sum(v in value_keys for v in values),
    }


def sort_records(records: list[RelationRecord]) -> list[RelationRecord]:
    def order(record):
        relation = record.relation
        return (relation.unit_index, 0 if isinstance(relation, Task) else 1, getattr(relation, "value", Span(0, 0, "")).start)

    return sorted(records, key=order)


def write_relations(path: Path, records: list[RelationRecord], text: str) -> None:
    write_jsonl_atomic(path, [relation_record(r, text) for r in sort_records(records)])
