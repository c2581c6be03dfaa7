"""Predictions in every common form are scored: offsets, strings aligned to
the text (with unaligned ones counted), ClassLabel ids and per-character BIO
tags; bad lines name file and line."""

import json

import pytest

from builders.annotation.labels import load_labels
from evaluation.inputs import GoldUnit, PredictionError, align_string, read_prediction_file
from evaluation.scorer import Entity

TEXT = "市水利局、市交通局负责,2025年新增水厂3座,市水利局督办"
UNITS = [GoldUnit("u-1", "d", TEXT, ()), GoldUnit("u-2", "d", "短句", ())]


def read(tmp_path, *records, lenient=False):
    path = tmp_path / "pred.jsonl"
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records), encoding="utf-8")
    return read_prediction_file(path, UNITS, lenient=lenient)


def test_strings_align_to_the_leftmost_unused_occurrence(tmp_path):
    result = read(tmp_path, {"id": "u-1", "entities": [
        {"text": "市水利局", "label": "DEPT"}, ["市水利局", "DEPT"], {"text": "2025年", "label": "DATE"},
        {"text": "市财政局", "label": "DEPT"}, {"text": "市水利局", "label": "DEPT"}]})
    second = TEXT.index("市水利局", 1)
    assert result.entities == [Entity("u-1", 0, 4, "DEPT"), Entity("u-1", second, second + 4, "DEPT"),
                               Entity("u-1", TEXT.index("2025"), TEXT.index("2025") + 5, "DATE")]
    assert result.string_entities == 5
    assert [(u.text, u.where.endswith("pred.jsonl:1")) for u in result.unaligned] == [("市财政局", True), ("市水利局", True)]


def test_align_string_skips_overlaps():
    taken = [(0, 2)]
    assert align_string("水利水利", "水利", taken) == (2, 4)
    assert align_string("水利水利", "利水", taken) is None
    assert align_string("水利", "", []) is None


def test_label_ids_and_bio_tags(tmp_path):
    labels = load_labels()
    tags = ["O"] * len(TEXT)
    tags[0:4] = ["B-DEPT", "I-DEPT", "I-DEPT", "I-DEPT"]
    ids = [labels.bio_tags.index(t) for t in tags]
    by_id = read(tmp_path, {"id": "u-1", "entities": [{"start": 0, "end": 4, "label": labels.names.index("DEPT")}]})
    assert by_id.entities == [Entity("u-1", 0, 4, "DEPT")]
    assert read(tmp_path, {"id": "u-1", "tags": tags}).entities == [Entity("u-1", 0, 4, "DEPT")]
    assert read(tmp_path, {"id": "u-1", "tags": ids}).entities == [Entity("u-1", 0, 4, "DEPT")]


@pytest.mark.parametrize(
    "record, message",
    [
        ({"id": "u-2", "tags": ["O"]}, r":2: `tags` must be a list of one BIO tag per character \(2 here\)"),
        ({"id": "u-2", "tags": ["O", "B-ORG"]}, r":2: tag 2: unknown tag 'B-ORG'"),
        ({"id": "u-2", "tags": ["O", 99]}, r":2: tag 2: unknown tag 99"),
        ({"id": "u-2", "entities": [{"text": "短", "label": 9}]}, r":2: entity 1: unknown label 9"),
        ({"id": "u-2", "entities": [{"start": 0.5, "end": 1, "label": "DEPT"}]}, r":2: entity 1: needs integer start"),
        ({"id": "u-2"}, r":2: needs `entities` \(a list\) or `tags`"),
    ],
)
def test_bad_forms_name_file_and_line(tmp_path, record, message):
    with pytest.raises(PredictionError, match=r"pred\.jsonl" + message):
        read(tmp_path, {"id": "u-1", "entities": []}, record)
    assert read(tmp_path, {"id": "u-1", "entities": []}, record, lenient=True).problems
