"""Relation agreement and adjudication: figures per relation type from a
filled second worksheet, the disagreement list, and decisions applied to the
gold without losing the first-pass form."""

from __future__ import annotations

import json
import shutil

import pytest

from builders.annotation.relations.agreement import compare
from builders.annotation.relations.model import RelationRecord
from builders.annotation.relations.propose import propose_measurements, propose_tasks
from builders.annotation.relations.second import FilledError, parse_filled_row
from builders.annotation.relations.workflow import (
    adjudication_path,
    apply_adjudication,
    measure_relation_agreement,
    relations_dir,
    second_filled_path,
    second_worksheet_path,
)
from builders.io import dump_yaml, load_yaml, read_jsonl, write_jsonl_atomic
from builders.project import Paths
from test_relation_proposer import make_plan
from builders.annotation.relations.workflow import first_worksheet

TEXT = ("一、任务\n1.提高污水处理能力。到2025年,污水处理率达到95%,比2020年提高5个百分点。"
        "(牵头单位:市住建局;配合单位:市环保局)\n")
MARKS = [("2025年", "DATE"), ("污水处理率", "INDICATOR"), ("95%", "VALUE"), ("2020年", "DATE"), ("5个百分点", "VALUE"),
         ("市住建局", "DEPT"), ("市环保局", "DEPT")]


def test_compare_counts_agreement_per_relation_type():
    plan = make_plan(TEXT, MARKS)
    records = [RelationRecord(r, {"status": "reviewed"}) for r in propose_tasks(plan) + propose_measurements(plan)]
    [row] = first_worksheet(plan)
    row.pop("proposed")
    filled = dict(row, roles=[[6, "lead"], [7, "responsible"]], deadline=1, measurements=[
        {"value": 3, "indicator": 2, "date": 1, "kind": "target", "change": False},
        {"value": 5, "indicator": 2, "date": 1, "kind": "target", "change": True},
    ])
    task, measurements = parse_filled_row(filled, row)
    figures, disagreements = compare([row], {row["item"]: (task, measurements, filled)}, records)
    assert figures["roles"]["dept_spans"] == 2
    assert figures["roles"]["per_role"]["lead"]["f1"] == 1.0
    assert figures["roles"]["per_role"]["support"] == {"first": 1, "second": 0, "both": 0, "f1": 0.0}
    assert figures["values"] == 2 and figures["indicator"]["agreement"] == 1.0
    # R13: 比2020年 is a reference; both link the change to the target date 2025年.
    assert figures["date"]["agreement"] == 1.0
    assert [d["relation"] for d in disagreements] == ["role"]


@pytest.fixture
def project(tmp_path, paths):
    for name in ("corpus", "annotations"):
        shutil.copytree(paths.root / name, tmp_path / name)
    return Paths(tmp_path)


def _fill_like_first_pass(project: Paths) -> list[dict]:
    """Fill the second worksheet with the first pass's own decisions (a stand-in
    annotator, for testing the plumbing only)."""
    rows = []
    gold = {}
    for path in relations_dir(project).glob("*.jsonl"):
        for _, record in read_jsonl(path):
            gold[(record["doc_id"], record["type"], record.get("unit_index"), (record.get("value") or {}).get("start"))] = record
    for _, row in read_jsonl(second_worksheet_path(project)):
        number = {(s["start"], s["end"]): s["n"] for s in row["spans"]}
        task = gold.get((row["doc_id"], "task", row["units"][0], None))
        roles = [[number[(r["start"], r["end"])], r["role"]] for r in task["roles"]] if task else []
        deadline = number[(task["deadline"]["start"], task["deadline"]["end"])] if task and task["deadline"] else None
        measurements = []
        for span in row["spans"]:
            if span["label"] == "VALUE":
                m = gold[(row["doc_id"], "measurement", span["unit"], span["start"])]
                link = lambda s: None if s is None else number[(s["start"], s["end"])]  # noqa: E731
                measurements.append({"value": span["n"], "indicator": link(m["indicator"]), "date": link(m["date"]),
                                     "kind": m["kind"], "change": m["change"]})
        rows.append(dict(row, roles=roles, deadline=deadline, measurements=measurements, annotator="test-copy"))
    return rows


def test_agreement_and_adjudication_round_trip(project):
    rows = _fill_like_first_pass(project)
    # One disagreement on purpose: the second annotator calls the first value's kind actual.
    changed = next(r for r in rows if r["measurements"])
    changed["measurements"][0]["kind"] = "actual" if changed["measurements"][0]["kind"] != "actual" else "target"
    write_jsonl_atomic(second_filled_path(project), rows)
    figures = measure_relation_agreement(project)
    assert figures["items"] == len(rows) and figures["roles"]["kappa"] == 1.0
    assert figures["kind"]["agreement"] < 1.0 and figures["indicator"]["agreement"] == 1.0
    entries = load_yaml(adjudication_path(project))["entries"]
    assert [e["relation"] for e in entries] == ["kind"]
    entries[0].update(decision="second", rule="R14")
    adjudication_path(project).write_text(dump_yaml({"entries": entries}), encoding="utf-8")
    assert apply_adjudication(project)["applied"] == 1
    # Agreement is still measured on the first pass, not on the adjudicated gold.
    assert measure_relation_agreement(project)["kind"]["agreement"] == figures["kind"]["agreement"]


def test_a_bad_filled_file_writes_nothing(project):
    rows = _fill_like_first_pass(project)
    rows[0]["measurements"] = [{"value": 999}]
    write_jsonl_atomic(second_filled_path(project), rows)
    outputs = [relations_dir(project) / "agreement.json", adjudication_path(project)]
    before = [p.read_bytes() if p.exists() else None for p in outputs]
    with pytest.raises(FilledError, match=r"filled\.jsonl:1: "):
        measure_relation_agreement(project)
    assert [p.read_bytes() if p.exists() else None for p in outputs] == before
    assert json.loads(json.dumps(rows[1]))  # the file itself is left as the annotator wrote it


def test_committed_relation_agreement_is_the_measured_one(project, paths):
    committed = relations_dir(paths) / "agreement.json"
    if not second_filled_path(paths).exists():
        assert not committed.exists()
        return
    assert measure_relation_agreement(project) == json.loads(committed.read_text(encoding="utf-8"))
    decided = load_yaml(adjudication_path(paths))["entries"]
    assert all(entry["decision"] in ("first", "second") and entry["rule"] for entry in decided)
