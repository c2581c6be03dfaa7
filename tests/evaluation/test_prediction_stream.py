"""Predictions files are streamed: an overlong line is refused by file and
line without being read whole, a lenient run keeps a bounded list of problems,
and undecodable bytes are named by line."""

from __future__ import annotations

import json

import pytest

import evaluation.inputs as inputs
from builders.io import iter_lines, read_jsonl
from evaluation.inputs import GoldUnit, PredictionError, read_predictions

UNITS = [GoldUnit("plan-00001", "plan", "市发改委负责推进。", ()), GoldUnit("plan-00002", "plan", "到2025年完成。", ())]
LABELS = ("DEPT", "INDICATOR", "VALUE", "DATE")


def _line(unit_id: str, entities: list[dict]) -> str:
    return json.dumps({"id": unit_id, "entities": entities}, ensure_ascii=False) + "\n"


def test_overlong_line_is_refused_naming_file_and_line(tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "MAX_LINE_CHARS", 200)
    path = tmp_path / "preds.jsonl"
    padding = [{"start": 0, "end": 4, "label": "DEPT"}] * 50
    path.write_text(_line("plan-00001", []) + _line("plan-00002", padding), encoding="utf-8")
    with pytest.raises(PredictionError, match=r"preds\.jsonl:2: line longer than 200 characters"):
        read_predictions(path, UNITS, labels=LABELS)


def test_lenient_run_skips_the_overlong_line_and_reads_on(tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "MAX_LINE_CHARS", 200)
    path = tmp_path / "preds.jsonl"
    padding = [{"start": 0, "end": 4, "label": "DEPT"}] * 50
    path.write_text(_line("plan-00001", padding) + _line("plan-00002", [{"start": 1, "end": 6, "label": "DATE"}]), encoding="utf-8")
    entities, problems = read_predictions(path, UNITS, lenient=True, labels=LABELS)
    assert [(e.doc_id, e.start, e.end) for e in entities] == [("plan-00002", 1, 6)]
    assert len(problems) == 1 and ":1: line longer than 200" in problems[0]


def test_lenient_problems_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "MAX_PROBLEMS", 5)
    path = tmp_path / "preds.jsonl"
    path.write_text("".join(_line(f"nope-{i}", []) for i in range(40)), encoding="utf-8")
    _, problems = read_predictions(path, UNITS, lenient=True, labels=LABELS)
    assert len(problems) == 6 and problems[-1].endswith("35 more problem(s) not listed")


def test_undecodable_bytes_are_named_by_line(tmp_path):
    path = tmp_path / "preds.jsonl"
    path.write_bytes(_line("plan-00001", []).encode() + b'{"id": "\xff\xfe"}\n')
    with pytest.raises(PredictionError, match=r"preds\.jsonl:2: not valid UTF-8"):
        read_predictions(path, UNITS, labels=LABELS)


def test_iter_lines_never_holds_an_overlong_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text("short\n" + "长" * 5000 + "\nafter\n", encoding="utf-8")
    assert list(iter_lines(path, max_chars=100)) == [(1, "short\n"), (2, None), (3, "after\n")]
    records = tmp_path / "y.jsonl"
    records.write_text('{"a": 1}\n' + json.dumps({"a": "长" * 5000}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"y\.jsonl:2: line longer than 100 characters"):
        list(read_jsonl(records, max_chars=100))
