"""The relation annotation round trip over a project checkout.

    first pass   `first_worksheet` writes every relation item of a plan with the
                 rule proposal shown as `proposed` (same numbering as the spans);
                 the annotator fills `roles`, `deadline`, `measurements`, `note`;
                 `import_first_pass` turns the filled rows into reviewed gold and
                 records per item whether the proposal was accepted or corrected.
    second pass  `write_second_worksheet`: the blind, stratified sample
                 (second.py) at annotations/relations/second/worksheet.jsonl.
    checks       `validate_relations`: every relation file against the corpus
                 and the span gold (file:line for each problem).

Nothing is written unless the whole input is valid; writes are atomic.
"""

from __future__ import annotations

from pathlib import Path

from builders.annotation.gold import Problem, load_gold
from builders.annotation.relations.items import PlanView
from builders.annotation.relations.model import Measurement, RelationRecord, Task
from builders.annotation.relations.propose import propose_measurements, propose_tasks
from builders.annotation.relations.second import (
    FilledError,
    parse_filled_row,
    relation_items,
    worksheet_row,
    worksheet_rows,
)
from builders.annotation.relations.store import (
    read_relations,
    sort_records,
    validate_relation_file,
    write_relations,
)
from builders.corpus.store import read_corpus, read_document
from builders.io import read_jsonl, write_jsonl_atomic
from builders.project import Paths

RELATIONS_DIR = "relations"


def relations_dir(paths: Paths) -> Path:
    return paths.annotations / RELATIONS_DIR


def second_worksheet_path(paths: Paths) -> Path:
    return relations_dir(paths) / "second" / "worksheet.jsonl"


def plan_views(paths: Paths, doc_ids: list[str] | None = None) -> list[PlanView]:
    docs = read_corpus(paths.corpus) if doc_ids is None else [read_document(paths.corpus, d) for d in doc_ids]
    gold = load_gold(paths.annotations / "gold", [d.doc_id for d in docs])
    return [PlanView.of(doc, gold[doc.doc_id]) for doc in docs]


def write_second_worksheet(paths: Paths) -> tuple[Path, int]:
    rows = worksheet_rows(plan_views(paths))
    path = second_worksheet_path(paths)
    write_jsonl_atomic(path, rows)
    return path, len(rows)


# ---------------------------------------------------------------------------
# First pass


def _numbers(row: dict) -> dict[tuple[int, int], int]:
    return {(s["start"], s["end"]): s["n"] for s in row["spans"]}


def proposal_fill(row: dict, task: Task | None, measurements: list[Measurement]) -> dict:
    """A proposal written the way an annotator fills a row (span numbers)."""
    number = _numbers(row)

    def n(span):
        return None if span is None else number[(span.start, span.end)]

    return {
        "roles": [[n(r.dept), r.role] for r in sorted(task.roles)] if task else [],
        "deadline": n(task.deadline) if task else None,
        "measurements": [
            {"value": n(m.value), "indicator": n(m.indicator), "date": n(m.date), "kind": m.kind, "change": m.change}
            for m in sorted(measurements, key=lambda m: m.value)
        ],
    }


def first_worksheet(plan: PlanView) -> list[dict]:
    """Every relation item of the plan, with the rule proposal as `proposed`."""
    tasks = {t.unit_index: t for t in propose_tasks(plan)}
    measurements = propose_measurements(plan)
    rows = []
    for item in relation_items(plan):
        row = worksheet_row(plan, item)
        units = set(item["units"])
        task = tasks.get(item["units"][0])
        mine = [m for m in measurements if m.unit_index in units]
        row["proposed"] = proposal_fill(row, task, mine)
        rows.append(row)
    return rows


def _comparable(fill: dict) -> dict:
    return {
        "roles": sorted(map(tuple, fill.get("roles") or [])),
        "deadline": fill.get("deadline"),
        "measurements": sorted(
            (m["value"], m.get("indicator"), m.get("date"), m["kind"], m["change"]) for m in fill.get("measurements") or []
        ),
    }


def _changes(proposed: dict, filled: dict) -> list[str]:
    before, after = _comparable(proposed), _comparable(filled)
    changes = []
    if before["roles"] != after["roles"]:
        changes.append(f"roles {before['roles']} -> {after['roles']}")
    if before["deadline"] != after["deadline"]:
        changes.append(f"deadline {before['deadline']} -> {after['deadline']}")
    old = {m[0]: m for m in before["measurements"]}
    for m in after["measurements"]:
        if old.get(m[0]) != m:
            changes.append(f"value {m[0]}: {old.get(m[0])} -> {m}")
    return changes


def records_from_first_pass(rows: list[tuple[int, dict]], worksheet: dict[str, dict], annotator: str, source: str) -> list[RelationRecord]:
    """Reviewed records from filled first-pass rows. A row whose `reviewed` is
    not true was not read and gives nothing."""
    records, problems = [], []
    for line, row in rows:
        item = row.get("item")
        if item not in worksheet:
            problems.append(f"{source}:{line}: item {item!r} is not an item of the current corpus")
            continue
        if row.get("reviewed") is not True:
            continue
        try:
            task, measurements = parse_filled_row(row, worksheet[item])
        except (ValueError, TypeError, KeyError) as error:
            problems.append(f"{source}:{line}: {item}: {error}")
            continue
        changes = _changes(row.get("proposed") or {}, row)
        number = {(s["start"], s["end"]): s["n"] for s in row["spans"]}

        def review_for(own: list[str]) -> dict:
            # Each record says whether its own proposal was kept: a task by its
            # roles and deadline, a measurement by its value's links, kind, change.
            review = {"status": "reviewed", "annotator": annotator, "proposal": "corrected" if own else "accepted", "source": item}
            if own:
                review["changes"] = own
            if row.get("note"):
                review["note"] = row["note"]
            return review

        if task is not None:
            own = [c for c in changes if c.startswith(("roles", "deadline"))]
            records.append(RelationRecord(task, review_for(own)))
        for measurement in measurements:
            prefix = f"value {number[(measurement.value.start, measurement.value.end)]}:"
            records.append(RelationRecord(measurement, review_for([c for c in changes if c.startswith(prefix)])))
    if problems:
        raise FilledError("\n".join(problems))
    return records


def import_first_pass(paths: Paths, filled: Path, annotator: str) -> dict[str, int]:
    """Merge a filled first-pass worksheet into annotations/relations/<plan>.jsonl."""
    rows = list(read_jsonl(filled))
    doc_ids = sorted({row.get("doc_id") for _, row in rows if isinstance(row, dict)})
    summary = {"items": 0, "tasks": 0, "measurements": 0, "accepted": 0, "corrected": 0}  # accepted/corrected count records
    staged = []
    for plan in plan_views(paths, doc_ids):
        sheet = {row["item"]: row for row in first_worksheet(plan)}
        mine = [(line, row) for line, row in rows if row.get("doc_id") == plan.doc_id]
        new = records_from_first_pass(mine, sheet, annotator, str(filled))
        new = [_with_sentence_bounds(plan, r) for r in new]
        path = relations_dir(paths) / f"{plan.doc_id}.jsonl"
        keep = {r.relation.key: r for r in read_relations(path)}
        items = {r.review["source"] for r in new}
        # A re-imported item replaces everything that item gave before.
        keep = {k: r for k, r in keep.items() if r.review.get("source") not in items}
        keep.update({r.relation.key: r for r in new})
        staged.append((path, sort_records(list(keep.values())), plan))
        summary["items"] += len(items)
        summary["tasks"] += sum(isinstance(r.relation, Task) for r in new)
        summary["measurements"] += sum(isinstance(r.relation, Measurement) for r in new)
        for record in new:
            summary[record.review["proposal"]] += 1
    for path, records, plan in staged:
        write_relations(path, records, plan.text)
    return summary


def _with_sentence_bounds(plan: PlanView, record: RelationRecord) -> RelationRecord:
    relation = record.relation
    if isinstance(relation, Task) and relation.start == relation.end == 0:
        unit = plan.units[relation.unit_index]
        relation = Task(relation.doc_id, relation.unit_index, unit["start"], unit["end"], (relation.unit_index,), relation.roles, relation.deadline)
        return RelationRecord(relation, record.review)
    return record


def validate_relations(paths: Paths) -> list[Problem]:
    folder = relations_dir(paths)
    files = sorted(folder.glob("*.jsonl")) if folder.exists() else []
    if not files:
        return []
    known = {d.doc_id for d in read_corpus(paths.corpus)}
    problems = []
    for path in files:
        if path.stem not in known:
            problems.append(Problem(str(path), 0, f"no plan {path.stem!r} in the corpus"))
            continue
        problems += validate_relation_file(path, plan_views(paths, [path.stem])[0])
    return problems
