"""The blind second worksheet: stratified, hash-chosen, deterministic, shows no
proposal; filled rows are checked and named by file and line."""

from __future__ import annotations

import json
import math

import pytest

from builders.annotation.relations.model import load_relation_rules
from builders.annotation.relations.second import FilledError, read_filled, relation_items, sample_items, worksheet_rows
from builders.annotation.relations.workflow import first_worksheet, plan_views, second_worksheet_path
from builders.io import read_jsonl, write_jsonl_atomic
from test_relation_proposer import make_plan

TEXT = "一、任务\n1.提高污水处理能力。到2025年,污水处理率达到95%。(责任单位:市住建局、市环保局)\n"
MARKS = [("2025年", "DATE"), ("污水处理率", "INDICATOR"), ("95%", "VALUE"), ("市住建局", "DEPT"), ("市环保局", "DEPT")]


def test_committed_worksheet_is_the_fresh_sample_and_blind(paths):
    committed = [row for _, row in read_jsonl(second_worksheet_path(paths))]
    assert committed == worksheet_rows(plan_views(paths))
    for row in committed:
        assert "proposed" not in row and row["roles"] == [] and row["measurements"] == [] and row["deadline"] is None
        for span in row["spans"]:
            assert f"⟦{span['n']} {span['label']}:{span['text']}⟧" in row["marked_text"]
    plans = {row["doc_id"] for row in committed}
    assert len(plans) == 5


def test_sample_is_a_stratified_share(paths):
    share = load_relation_rules().second_share
    for plan in plan_views(paths):
        items, chosen = relation_items(plan), sample_items(plan)
        for stratum in {(i["type"], i["has_value"]) for i in items}:
            total = sum((i["type"], i["has_value"]) == stratum for i in items)
            taken = sum((i["type"], i["has_value"]) == stratum for i in chosen)
            assert taken == math.ceil(share * total), (plan.doc_id, stratum)


def _sheet(tmp_path):
    plan = make_plan(TEXT, MARKS)
    rows = first_worksheet(plan)
    for row in rows:
        row.pop("proposed")
    path = tmp_path / "worksheet.jsonl"
    write_jsonl_atomic(path, rows)
    return rows, path


def test_filled_rows_become_relations(tmp_path):
    rows, sheet = _sheet(tmp_path)
    [row] = rows
    row.update(roles=[[4, "responsible"], [5, "responsible"]], deadline=None,
               measurements=[{"value": 3, "indicator": 2, "date": 1, "kind": "target", "change": False}])
    filled = tmp_path / "filled.jsonl"
    write_jsonl_atomic(filled, [row])
    [(task, measurements, _)] = read_filled(filled, sheet).values()
    assert [r.role for r in task.roles] == ["responsible", "responsible"]
    assert measurements[0].kind == "target"


@pytest.mark.parametrize(
    "fill, message",
    [
        ({"roles": [[3, "lead"]]}, "is a VALUE span"),
        ({"measurements": []}, "have no measurement"),
        ({"measurements": [{"value": 3, "indicator": 9, "date": None, "kind": "target", "change": False}]}, "not a span number"),
        ({"measurements": [{"value": 3, "indicator": 2, "date": 1, "kind": "plan", "change": False}]}, "kind of value 3"),
        ({"marked_text": "changed"}, "differ from the worksheet"),
    ],
)
def test_bad_filled_rows_name_the_line(tmp_path, fill, message):
    rows, sheet = _sheet(tmp_path)
    [row] = rows
    row.update({"measurements": [{"value": 3, "indicator": 2, "date": 1, "kind": "target", "change": False}]})
    row.update(fill)
    filled = tmp_path / "filled.jsonl"
    filled.write_text("\n" + json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(FilledError, match=rf"filled\.jsonl:2: .*{message}"):
        read_filled(filled, sheet)
