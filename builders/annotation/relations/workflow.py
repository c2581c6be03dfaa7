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


# ---------------------------------------------------------------------------
# Second pass: agreement and adjudication


def second_filled_path(paths: Paths) -> Path:
    return relations_dir(paths) / "second" / "filled.jsonl"


def adjudication_path(paths: Paths) -> Path:
    return relations_dir(paths) / "adjudication.yaml"


def all_relation_records(paths: Paths) -> list[RelationRecord]:
    return [r for path in sorted(relations_dir(paths).glob("*.jsonl")) for r in read_relations(path)]


def measure_relation_agreement(paths: Paths) -> dict:
    """Compare second/filled.jsonl with the first pass; write agreement.json and
    adjudication.yaml (decisions already taken are kept). Nothing is written
    when the filled file has a problem."""
    from builders.annotation.relations.agreement import adjudication_entries, compare
    from builders.annotation.relations.second import read_filled
    from builders.io import dump_yaml, load_yaml, write_json_atomic, write_text_atomic

    filled = read_filled(second_filled_path(paths), second_worksheet_path(paths))
    worksheet = [row for _, row in read_jsonl(second_worksheet_path(paths))]
    figures, disagreements = compare(worksheet, filled, all_relation_records(paths))
    annotators = sorted({row.get("annotator", "?") for *_, row in filled.values()})
    figures["second_annotators"] = annotators
    existing = (load_yaml(adjudication_path(paths)) or {}).get("entries", []) if adjudication_path(paths).exists() else []
    entries = adjudication_entries(disagreements, existing)
    write_json_atomic(relations_dir(paths) / "agreement.json", figures)
    header = {"about": "Disagreements between the first relation pass and the blind second annotation. Set decision "
              "to first or second and rule to the R/H id it follows, then run `plancorpus relations adjudicate`.",
              "entries": entries}
    write_text_atomic(adjudication_path(paths), dump_yaml(header))
    return figures


def _span_json(span):
    return None if span is None else {"start": span.start, "end": span.end, "text": ""}


def apply_adjudication(paths: Paths) -> dict[str, int]:
    """Apply every entry decided `second` to the gold; the first-pass form of a
    changed record is kept in `review.adjudication.first` (agreement reads it)."""
    from builders.annotation.labels import Span
    from builders.annotation.relations.model import Role
    from builders.io import load_yaml

    entries = (load_yaml(adjudication_path(paths)) or {}).get("entries", [])
    undecided = [e for e in entries if e.get("decision") not in ("first", "second")]
    counts = {"entries": len(entries), "undecided": len(undecided), "applied": 0}
    by_plan: dict[str, list[dict]] = {}
    for entry in entries:
        if entry.get("decision") == "second":
            by_plan.setdefault(entry["item"].split("/")[0], []).append(entry)
    staged = []
    for doc_id, mine in by_plan.items():
        plan = plan_views(paths, [doc_id])[0]
        path = relations_dir(paths) / f"{doc_id}.jsonl"
        records = {r.relation.key: r for r in read_relations(path)}
        for entry in mine:
            relation_kind = entry["relation"]
            if relation_kind in ("role", "deadline"):
                unit = int(entry["item"].rsplit("@", 1)[1])
                key = f"task@{unit}"
                record = records.get(key)
                if record is None:
                    u = plan.units[unit]
                    record = RelationRecord(Task(doc_id, unit, u["start"], u["end"], (unit,)), {"status": "reviewed", "annotator": "adjudication", "proposal": "corrected"})
                task = record.relation
                first = dict(record.review.get("adjudication", {}).get("first") or {})
                if relation_kind == "role":
                    span = Span(entry["start"], entry["end"], "DEPT")
                    old = next((r.role for r in task.roles if r.dept == span), "none")
                    first.setdefault("roles", []).append({"start": span.start, "end": span.end, "role": old})
                    roles = [r for r in task.roles if r.dept != span]
                    if entry["second"] != "none":
                        roles.append(Role(span, entry["second"]))
                    task = task.with_roles(roles, task.deadline, task.lead_rule)
                else:
                    second = entry["second"]
                    task = task.with_roles(task.roles, None if second is None else Span(second[0], second[1], "DATE"), task.lead_rule)
            else:
                value = Span(entry["value"][0], entry["value"][1], "VALUE")
                key = f"value@{value.start}"
                record = records[key]
                task = record.relation
                first = dict(record.review.get("adjudication", {}).get("first") or {})
                if not first:
                    first = {"indicator": _span_json(task.indicator), "date": _span_json(task.date), "kind": task.kind, "change": task.change}
                second = entry["second"]
                fields = {"indicator": task.indicator, "date": task.date, "kind": task.kind, "change": task.change}
                if relation_kind in ("indicator", "date"):
                    fields[relation_kind] = None if second is None else Span(second[0], second[1], relation_kind.upper())
                else:
                    fields[relation_kind] = second
                task = Measurement(task.doc_id, task.unit_index, task.value, fields["indicator"], fields["date"], fields["kind"], fields["change"])
            review = dict(record.review)
            decided = list((review.get("adjudication") or {}).get("entries", []))
            decided.append({k: entry.get(k) for k in ("relation", "first", "second", "rule", "note")})
            review["adjudication"] = {"first": first, "entries": decided}
            records[key] = RelationRecord(task, review)
            counts["applied"] += 1
        staged.append((path, list(records.values()), plan))
    for path, records, plan in staged:
        for problem in validate_records_in_memory(plan, records):
            raise FilledError(f"{adjudication_path(paths)}: applying the decisions breaks {path}: {problem}")
    for path, records, plan in staged:
        write_relations(path, records, plan.text)
    return counts


def validate_records_in_memory(plan: PlanView, records: list[RelationRecord]) -> list[str]:
    from builders.annotation.relations.store import check_record, relation_record
    from builders.annotation.relations.items import structural_tasks

    structural = {t.unit_index: t for t in structural_tasks(plan)}
    return [m for r in records for m in check_record(plan, r, relation_record(r, plan.text), structural)]
