"""Every export format round-trips: export, import, identical spans, including
a character outside the Basic Multilingual Plane before a span."""

import json

import pytest

from builders.annotation.labels import Span
from builders.interchange.base import (
    AnnotatedText,
    FormatError,
    codepoint_offset,
    utf16_offset,
)
from builders.interchange.brat import from_brat, to_brat
from builders.interchange.conll import from_conll, to_conll
from builders.interchange.doccano import from_doccano, to_doccano
from builders.interchange.labelstudio import from_label_studio, to_label_studio
from builders.interchange.spacy import from_docbin, to_docbin

# 𠀋 (U+2000B) is one code point but two UTF-16 code units.
ITEMS = [
    AnnotatedText("u-1", "𠀋市发改委牵头 负责\n到2020年达到90%", (Span(1, 5, "DEPT"), Span(12, 17, "DATE"), Span(19, 22, "VALUE"))),
    AnnotatedText("u-2", "无实体的句子。", ()),
    AnnotatedText("u-3", "學前教育毛入學率達到90%", (Span(0, 8, "INDICATOR"), Span(10, 13, "VALUE"))),
]


def test_conll_round_trip():
    assert from_conll(to_conll(ITEMS)) == ITEMS


def test_brat_round_trip():
    for item in ITEMS:
        assert from_brat(item.id, item.text, to_brat(item)) == item


def test_label_studio_round_trip_uses_code_points():
    tasks = to_label_studio(ITEMS)
    assert tasks[0]["annotations"][0]["result"][0]["value"]["start"] == 1
    assert from_label_studio(json.loads(json.dumps(tasks))) == ITEMS


def test_label_studio_predictions_round_trip():
    assert from_label_studio(to_label_studio(ITEMS, as_predictions=True)) == ITEMS


def test_doccano_round_trip_counts_utf16_units():
    exported = to_doccano(ITEMS)
    first = json.loads(exported.splitlines()[0])
    assert first["label"][0] == [2, 6, "DEPT"]
    assert from_doccano(exported) == ITEMS


def test_spacy_docbin_round_trip_with_character_tokens():
    assert from_docbin(to_docbin(ITEMS)) == ITEMS


def test_utf16_conversion_refuses_an_offset_inside_a_surrogate_pair():
    assert utf16_offset("𠀋a", 1) == 2
    assert codepoint_offset("𠀋a", 2) == 1
    with pytest.raises(FormatError, match="surrogate pair"):
        codepoint_offset("𠀋a", 1)


def test_label_studio_result_without_value_text_is_read_by_offsets():
    task = {"data": {"text": "市发改委牵头"}, "annotations": [{"result": [{"type": "labels", "value": {"start": 0, "end": 4, "labels": ["DEPT"]}}]}]}
    assert from_label_studio([task])[0].spans == (Span(0, 4, "DEPT"),)


def test_label_studio_span_whose_text_does_not_match_is_refused():
    task = {"data": {"text": "市发改委牵头"}, "annotations": [{"result": [{"type": "labels", "value": {"start": 0, "end": 4, "text": "发改委牵", "labels": ["DEPT"]}}]}]}
    with pytest.raises(FormatError, match="does not match"):
        from_label_studio([task])


def test_doccano_bad_json_and_unknown_label_name_the_line():
    with pytest.raises(FormatError, match="line 2: not valid JSON"):
        from_doccano('{"text": "a", "label": []}\n{oops\n')
    with pytest.raises(FormatError, match="line 1: .*unknown label 'ORG'"):
        from_doccano('{"text": "市发改委", "label": [[0, 4, "ORG"]]}\n', labels=("DEPT",))


def test_brat_span_out_of_range_is_refused():
    with pytest.raises(FormatError):
        from_brat("d", "短", "T1\tDEPT 0 4\t市发改委\n")
