"""Relation rows (GUIDELINES.md section 12) for the dataset: the `tasks` and
`measurements` of a `documents` row (indices into its `entities`), and the
rows of the `tasks` and `measurements` configs, for people who want tables.

Only reviewed relation records whose spans are all reviewed gold are
published. Offsets are document-level code points, half-open [start, end).
"""

from __future__ import annotations

from pathlib import Path

from builders.annotation.gold import UnitAnnotation
from builders.annotation.labels import Span
from builders.annotation.relations.model import Measurement, RelationRecord, Task
from builders.annotation.relations.store import read_relations
from builders.corpus.store import StoredDocument
from builders.dataset.normalized.entities import PlanNormalization

ROLES = ("lead", "support", "responsible")


def load_relations(relations_dir: Path | None, doc_ids: list[str]) -> dict[str, list[RelationRecord]]:
    """Reviewed relation records per plan; none when the folder does not exist."""
    if relations_dir is None or not Path(relations_dir).exists():
        return {doc_id: [] for doc_id in doc_ids}
    return {doc_id: [r for r in read_relations(Path(relations_dir) / f"{doc_id}.jsonl") if r.reviewed] for doc_id in doc_ids}


def _publishable(records: list[RelationRecord], gold: dict[int, UnitAnnotation]) -> tuple[list[Task], list[Measurement]]:
    spans = {s for a in gold.values() if a.reviewed for s in a.spans}
    tasks, measurements = [], []
    for record in records:
        relation = record.relation
        if isinstance(relation, Task):
            needed = [r.dept for r in relation.roles] + ([relation.deadline] if relation.deadline else [])
            if all(s in spans for s in needed):
                tasks.append(relation)
        else:
            needed = [s for s in (relation.value, relation.indicator, relation.date) if s is not None]
            if all(s in spans for s in needed):
                measurements.append(relation)
    return sorted(tasks, key=lambda t: t.start), sorted(measurements, key=lambda m: m.value)


def document_relations(records: list[RelationRecord], gold: dict[int, UnitAnnotation], entities: list[Span]) -> dict:
    """`tasks` and `measurements` of a documents row, as indices into `entities`."""
    index = {span: i for i, span in enumerate(entities)}
    tasks, measurements = _publishable(records, gold)

    def at(span):
        return -1 if span is None else index[span]

    return {
        "tasks": [
            {
                "start": t.start,
                "end": t.end,
                **{role: [index[r.dept] for r in t.roles if r.role == role] for role in ("lead", "support", "responsible")},
            }
            for t in tasks
        ],
        "measurements": [
            {"value": at(m.value), "indicator": at(m.indicator), "date": at(m.date), "kind": m.kind, "change": m.change}
            for m in measurements
        ],
    }


def body_key(written: str, canonical: str | None, dept_id: str | None) -> str:
    """How the card names a body: its canonical name and dept_id when it was
    normalised (so 发改委 and 市发展改革委 count as one), else as written."""
    return f"{canonical} ({dept_id})" if dept_id else f"{written} (as written)"


def relation_summary(tasks: list[dict], measurements: list[dict], top: int = 5) -> dict:
    """What the card shows of a plan's relations, from its `tasks` and
    `measurements` rows: counts, and the bodies with most tasks by role,
    grouped by dept_id where known (`body_key`)."""
    kinds = {kind: sum(m["kind"] == kind for m in measurements) for kind in ("target", "baseline", "actual")}
    bodies: dict[str, dict[str, int]] = {}
    for task in tasks:
        for role in ROLES:
            seen = set()  # a body named twice in one role of one task counts once
            for written, canonical, dept_id in zip(task[role], task[f"{role}_canonical"], task[f"{role}_dept_id"]):
                key = body_key(written, canonical, dept_id)
                if key not in seen:
                    seen.add(key)
                    bodies.setdefault(key, {"lead": 0, "support": 0, "responsible": 0})[role] += 1
    ranked = sorted(bodies.items(), key=lambda item: (-sum(item[1].values()), item[0]))[:top]
    return {
        "tasks": len(tasks),
        "with_lead": sum(bool(t["lead"]) for t in tasks),
        "with_responsible": sum(bool(t["responsible"]) for t in tasks),
        "unassigned": sum(not (t["lead"] or t["support"] or t["responsible"]) for t in tasks),
        "with_deadline": sum(t["deadline"] is not None for t in tasks),
        "values": len(measurements),
        "with_indicator": sum(m["indicator"] is not None for m in measurements),
        "with_date": sum(m["date"] is not None for m in measurements),
        **kinds,
        "change": sum(m["change"] for m in measurements),
        "top_bodies": [[name, counts] for name, counts in ranked],
    }


def task_rows(
    doc: StoredDocument, records: list[RelationRecord], gold: dict[int, UnitAnnotation],
    normalization: PlanNormalization = PlanNormalization(),
) -> list[dict]:
    tasks, _ = _publishable(records, gold)
    text = doc.text
    rows = []
    for task in tasks:
        depts = {role: [r.dept for r in sorted(task.roles) if r.role == role] for role in ROLES}
        deadline = normalization.fields(task.deadline, text) if task.deadline else {}
        rows.append(
            {
                "id": f"{doc.doc_id}-task-{task.unit_index:05d}",
                "doc_id": doc.doc_id,
                "unit_index": task.unit_index,
                "section": list(doc.units[task.unit_index]["section"]),
                "text": text[task.start : task.end],
                "text_simplified": doc.text_simplified[task.start : task.end],
                "start": task.start,
                "end": task.end,
                **{role: [text[d.start : d.end] for d in depts[role]] for role in ROLES},
                # The same order as the names: the i-th canonical name is the i-th body's.
                **{
                    f"{role}_{name}": [normalization.fields(d, text)[name] for d in depts[role]]
                    for role in ROLES for name in ("canonical", "dept_id")
                },
                "deadline": None if task.deadline is None else text[task.deadline.start : task.deadline.end],
                "deadline_from": deadline.get("date_from"),
                "deadline_to": deadline.get("date_to"),
            }
        )
    return rows


def measurement_rows(
    doc: StoredDocument, records: list[RelationRecord], gold: dict[int, UnitAnnotation],
    normalization: PlanNormalization = PlanNormalization(),
) -> list[dict]:
    _, measurements = _publishable(records, gold)
    text = doc.text

    def surface(span):
        return None if span is None else text[span.start : span.end]

    rows = []
    for m in measurements:
        unit = doc.units[m.unit_index]
        value = normalization.fields(m.value, text)
        date = normalization.fields(m.date, text) if m.date else {}
        rows.append(
            {
                "id": f"{doc.doc_id}-value-{m.value.start:07d}",
                "doc_id": doc.doc_id,
                "unit_index": m.unit_index,
                "section": list(unit["section"]),
                "sentence": text[unit["start"] : unit["end"]],
                "indicator": surface(m.indicator),
                "value": surface(m.value),
                "date": surface(m.date),
                "kind": m.kind,
                "change": m.change,
                "value_start": m.value.start,
                "value_end": m.value.end,
                **{name: value[name] for name in ("lo", "hi", "unit", "bound")},
                "date_from": date.get("date_from"),
                "date_to": date.get("date_to"),
            }
        )
    return rows
