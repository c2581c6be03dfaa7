"""Relation gold files: round trip, and every bad record named by file and line
(missing or wrong-label spans, crossing plans, malformed lines)."""

from __future__ import annotations

import json

import pytest

from builders.annotation.relations.model import RelationRecord
from builders.annotation.relations.propose import propose_measurements, propose_tasks
from builders.annotation.relations.store import (
    RelationError,
    coverage,
    read_relation_file,
    read_relations,
    relation_record,
    validate_relation_file,
    write_relations,
)
from test_relation_proposer import make_plan

TEXT = "一、任务\n1.提高污水处理能力。到2025年,污水处理率达到95%。(责任单位:市住建局、市环保局)\n"
MARKS = [("2025年", "DATE"), ("污水处理率", "INDICATOR"), ("95%", "VALUE"), ("市住建局", "DEPT"), ("市环保局", "DEPT")]


@pytest.fixture
def plan():
    return make_plan(TEXT, MARKS)


def records(plan):
    review = {"status": "reviewed", "annotator": "ann-test", "proposal": "accepted"}
    return [RelationRecord(r, review) for r in propose_tasks(plan) + propose_measurements(plan)]


def test_round_trip_and_coverage(tmp_path, plan):
    path = tmp_path / "test-plan.jsonl"
    write_relations(path, records(plan), plan.text)
    assert validate_relation_file(path, plan) == []
    back = read_relations(path)
    assert [relation_record(r, plan.text) for r in back] == [relation_record(r, plan.text) for r in records(plan)]
    assert coverage(plan, back) == {"tasks": 1, "tasks_reviewed": 1, "sentence_tasks": 0, "values": 1, "values_reviewed": 1}


def _lines(plan):
    return [relation_record(r, plan.text) for r in records(plan)]


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda rows: rows[0]["roles"][0].update(start=rows[0]["roles"][0]["start"] + 1), "not a reviewed DEPT span"),
        (lambda rows: rows[1].update(indicator=rows[1]["date"]), "is a DATE span, not INDICATOR"),
        (lambda rows: rows[1].update(doc_id="other-plan"), "never cross plans"),
        (lambda rows: rows[1].update(kind="goal"), "kind 'goal'"),
        (lambda rows: rows[0]["roles"][0].update(role="owner"), "role 'owner'"),
        (lambda rows: rows[0]["roles"][0].update(text="市财政局"), "does not match the corpus"),
        (lambda rows: rows.append(dict(rows[1])), "already recorded on line 2"),
    ],
)
def test_bad_records_are_named_by_file_and_line(tmp_path, plan, edit, message):
    rows = _lines(plan)
    edit(rows)
    path = tmp_path / "test-plan.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    problems = validate_relation_file(path, plan)
    assert any(message in p.message for p in problems), problems
    assert all(str(p).startswith(f"{path}:") for p in problems)


def test_malformed_lines_raise_with_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"type": "measurement"}\n', encoding="utf-8")
    with pytest.raises(RelationError, match=r"bad\.jsonl:1: malformed relation"):
        read_relation_file(path)
    path.write_text('{"type": "task",\n', encoding="utf-8")
    with pytest.raises(RelationError, match=r"bad\.jsonl:1: not valid JSON"):
        read_relation_file(path)


def test_committed_relation_gold_is_valid_and_covers_every_task_and_value(paths):
    from builders.annotation.relations.workflow import plan_views, relations_dir, validate_relations

    assert validate_relations(paths) == []
    for plan in plan_views(paths):
        records = read_relations(relations_dir(paths) / f"{plan.doc_id}.jsonl")
        found = coverage(plan, records)
        assert found["tasks_reviewed"] == found["tasks"] and found["values_reviewed"] == found["values"], (plan.doc_id, found)
        for record in records:
            assert record.reviewed and record.review["proposal"] in ("accepted", "corrected")
            assert "an AI annotator" in record.review["annotator"]


def test_first_pass_records_say_per_record_whether_the_proposal_was_kept(plan):
    from builders.annotation.relations.workflow import first_worksheet, records_from_first_pass

    [row] = first_worksheet(plan)
    sheet = {row["item"]: dict(row)}
    filled = dict(row, roles=row["proposed"]["roles"], deadline=row["proposed"]["deadline"], reviewed=True,
                  measurements=[dict(m, kind="actual") for m in row["proposed"]["measurements"]])
    records = records_from_first_pass([(1, filled)], sheet, "ann-test, an AI annotator", "sheet.jsonl")
    outcome = {type(r.relation).__name__: r.review["proposal"] for r in records}
    assert outcome == {"Task": "accepted", "Measurement": "corrected"}
    # A row not marked as read gives nothing.
    assert records_from_first_pass([(1, dict(filled, reviewed=False))], sheet, "a", "s") == []
