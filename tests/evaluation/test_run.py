"""Evaluation end to end: gold from the dataset, predictions from a file or a
model adapter, and the three report formats."""

import json

import pytest

from evaluation.inputs import (
    GoldUnit,
    PredictionError,
    read_predictions,
    write_predictions,
)
from evaluation.models import AdapterError, load_model
from evaluation.run import evaluate, write_reports
from evaluation.scorer import Entity

UNITS = [GoldUnit("u-1", "d", "市发改委牵头,到2020年达到90%", (Entity("u-1", 0, 4, "DEPT"),)), GoldUnit("u-2", "d", "短句", ())]


def write_lines(tmp_path, lines):
    path = tmp_path / "pred.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"id": "u-9", "entities": []}', ":1: unknown unit id 'u-9'"),
        ('{"id": "u-1", "entities": [{"start": 0, "end": 99, "label": "DEPT"}]}', ":1: entity 1: \\[0, 99\\) is out of bounds"),
        ('{"id": "u-1", "entities": [{"start": 0, "end": 4, "label": "ORG"}]}', ":1: entity 1: unknown label 'ORG'"),
        ('{"id": "u-1", "entities": [', ":1: not valid JSON"),
    ],
)
def test_bad_prediction_lines_are_named(tmp_path, line, message):
    with pytest.raises(PredictionError, match=message):
        read_predictions(write_lines(tmp_path, [line]), UNITS)


def test_lenient_reading_skips_and_reports(tmp_path):
    path = write_lines(tmp_path, ['{"id": "u-9", "entities": []}', '{"id": "u-1", "entities": [{"start": 0, "end": 4, "label": "DEPT"}]}'])
    entities, problems = read_predictions(path, UNITS, lenient=True)
    assert entities == [Entity("u-1", 0, 4, "DEPT")]
    assert len(problems) == 1 and ":1:" in problems[0]


def test_predictions_round_trip_through_a_file(tmp_path):
    path = tmp_path / "out.jsonl"
    write_predictions(path, UNITS, [Entity("u-1", 0, 4, "DEPT")])
    assert read_predictions(path, UNITS)[0] == [Entity("u-1", 0, 4, "DEPT")]


def test_model_adapters():
    rules = load_model("rules")
    assert (0, 4, "DEPT") in rules("市发改委牵头")
    python = load_model("python:evaluation.models.jieba:jieba_spans")
    assert all(isinstance(s, int) for s, _, _ in python("2020年达到90%"))
    with pytest.raises(AdapterError, match="unknown model"):
        load_model("gpt:anything")
    with pytest.raises(AdapterError, match="no such pipeline directory"):
        load_model("spacy:/no/such/dir")


def test_evaluate_writes_json_markdown_and_html(paths, tmp_path):
    evaluation, units = evaluate(paths.root, model="rules", split="validation", n_resamples=50)
    written = write_reports(evaluation, units, tmp_path, "rules.validation")
    data = json.loads(written[0].read_text(encoding="utf-8"))
    assert data["scores"]["schemes"]["strict"]["micro"]["possible"] == sum(len(u.entities) for u in units)
    assert "| strict |" in written[1].read_text(encoding="utf-8")
    page = written[2].read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "Errors by kind" in page


def test_a_perfect_prediction_file_scores_one(paths, tmp_path):
    from evaluation.inputs import load_gold

    units = load_gold(paths.root, split="validation")
    path = tmp_path / "gold.jsonl"
    write_predictions(path, units, [e for u in units for e in u.entities])
    evaluation, _ = evaluate(paths.root, predictions=path, split="validation", n_resamples=0)
    assert evaluation.scores["strict"].micro.f1 == 1.0
