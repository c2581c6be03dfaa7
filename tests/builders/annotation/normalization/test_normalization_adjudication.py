"""Normalisation agreement and adjudication over a scratch copy of the
checkout: disagreements to adjudication.yaml, decisions applied to the first
pass and recorded, agreement still measured on the first pass, a bad entry
refused with nothing written; and the committed agreement is the measured one."""

from __future__ import annotations

import json
import shutil

import pytest

from builders.annotation.normalization.adjudication import (
    adjudication_path,
    agreement_path,
    apply_adjudication,
    filled_path,
    gold_records,
    measure_agreement,
)
from builders.annotation.normalization.model import DECIDED_FIELDS
from builders.annotation.normalization.workflow import normalized_dir, second_dir
from builders.io import dump_yaml, load_yaml, read_jsonl, write_jsonl_atomic
from builders.project import Paths


@pytest.fixture
def project(tmp_path, paths) -> Paths:
    shutil.copytree(paths.seeds, tmp_path / "seeds")
    shutil.copytree(normalized_dir(paths), tmp_path / "annotations" / "normalized")
    copy = Paths(tmp_path)
    for name in ("filled.jsonl",):
        (second_dir(copy) / name).unlink(missing_ok=True)
    for path in (agreement_path(copy), adjudication_path(copy)):
        path.unlink(missing_ok=True)
    return copy


def _first(project):
    return {row["item"]: row for rows in gold_records(project).values() for row in rows}


def _filled_like_first(project, labels=("VALUE", "DATE", "DEPT")):
    """A stand-in second annotator copying the first pass (tests the plumbing only)."""
    first = _first(project)
    rows = []
    for _, row in read_jsonl(second_dir(project) / "worksheet.jsonl"):
        gold = first[row["item"]]
        if row["label"] not in labels or gold["status"] == "unresolvable":
            continue
        decided = {k: gold["normalized"][k] for k in DECIDED_FIELDS[row["label"]]}
        rows.append({**row, **decided, "annotator": "ann-N9, an AI annotator"})
    return rows


def test_agreement_adjudication_round_trip(project):
    first = _first(project)
    rows = _filled_like_first(project)
    value = next(r for r in rows if r["label"] == "VALUE")
    value["unit"] = value["unit"] + "次"
    date = next(r for r in rows if r["label"] == "DATE")
    date["date_to"] = "2099"
    dept = next(r for r in rows if r["label"] == "DEPT")
    other = next(g for g in first.values() if g["doc_id"] == dept["doc_id"] and g["label"] == "DEPT"
                 and g["status"] == "normalized" and g["normalized"]["canonical"] != first[dept["item"]]["normalized"]["canonical"])
    dept["canonical"] = other["normalized"]["canonical"]
    write_jsonl_atomic(filled_path(project), rows)
    figures = measure_agreement(project)
    assert figures["disagreements"] == 3 and figures["items_compared"] == len(rows)
    assert figures["per_label"]["VALUE"]["fields"]["lo"] == 1.0 and figures["per_label"]["VALUE"]["fields"]["unit"] < 1.0
    entries = load_yaml(adjudication_path(project))["entries"]
    assert {e["item"]: e["fields"] for e in entries} == {value["item"]: ["unit"], date["item"]: ["date_to"], dept["item"]: ["canonical"]}
    decisions = {value["item"]: "second", date["item"]: "first", dept["item"]: "second"}
    for entry in entries:
        entry.update(decision=decisions[entry["item"]], rule="N4", note="invented test decision")
    adjudication_path(project).write_text(dump_yaml({"entries": entries}), encoding="utf-8")
    counts = apply_adjudication(project)
    assert counts == {"entries": 3, "undecided": 0, "kept first": 1, "applied second": 2}
    after = _first(project)
    assert after[value["item"]]["normalized"]["unit"] == value["unit"] and after[value["item"]]["adjudication"]["changed"]
    assert after[value["item"]]["adjudication"]["first_state"]["normalized"] == first[value["item"]]["normalized"]
    assert after[date["item"]]["normalized"] == first[date["item"]]["normalized"]
    assert after[date["item"]]["adjudication"]["decision"] == "first"
    assert after[dept["item"]]["normalized"]["dept_id"] == other["normalized"]["dept_id"]
    assert after[dept["item"]]["outcome"] in ("accepted", "corrected")
    # Agreement is still the first pass's; the decisions survive a new measurement.
    assert measure_agreement(project) == figures
    assert {e["item"]: e["decision"] for e in load_yaml(adjudication_path(project))["entries"]} == decisions
    # Changing a decision back to first restores the first-pass record.
    entries = load_yaml(adjudication_path(project))["entries"]
    next(e for e in entries if e["item"] == value["item"])["decision"] = "first"
    adjudication_path(project).write_text(dump_yaml({"entries": entries}), encoding="utf-8")
    apply_adjudication(project)
    restored = _first(project)[value["item"]]
    assert {k: v for k, v in restored.items() if k != "adjudication"} == first[value["item"]]


def test_a_bad_adjudication_entry_is_refused_and_nothing_written(project):
    rows = _filled_like_first(project, ("VALUE",))[:2]
    rows[0]["bound"] = "approx" if rows[0]["bound"] != "approx" else "eq"
    rows[0]["hi"] = rows[0]["lo"] = rows[0]["lo"] if rows[0]["lo"] is not None else rows[0]["hi"]
    write_jsonl_atomic(filled_path(project), rows)
    measure_agreement(project)
    entries = load_yaml(adjudication_path(project))["entries"]
    assert len(entries) == 1
    entries[0]["decision"] = "maybe"
    adjudication_path(project).write_text(dump_yaml({"entries": entries}), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in normalized_dir(project).glob("*.jsonl")}
    with pytest.raises(ValueError, match=r"adjudication\.yaml: entry 1 \(.*\): decision must be first or second"):
        apply_adjudication(project)
    entries[0].update(decision="second", rule=None)
    adjudication_path(project).write_text(dump_yaml({"entries": entries}), encoding="utf-8")
    with pytest.raises(ValueError, match="needs the rule"):
        apply_adjudication(project)
    assert {p.name: p.read_bytes() for p in normalized_dir(project).glob("*.jsonl")} == before
    entries[0]["decision"] = None
    adjudication_path(project).write_text(dump_yaml({"entries": entries}), encoding="utf-8")
    assert apply_adjudication(project)["undecided"] == 1


def test_committed_normalization_agreement_is_the_measured_one(paths, tmp_path):
    committed = agreement_path(paths)
    if not filled_path(paths).exists():
        assert not committed.exists()
        return
    shutil.copytree(paths.seeds, tmp_path / "seeds")
    shutil.copytree(normalized_dir(paths), tmp_path / "annotations" / "normalized")
    assert measure_agreement(Paths(tmp_path)) == json.loads(committed.read_text(encoding="utf-8"))
    entries = load_yaml(adjudication_path(paths))["entries"]
    assert all(e["decision"] in ("first", "second") and e["rule"] for e in entries)
