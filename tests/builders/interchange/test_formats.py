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


def test_label_studio_predictions_are_never_read_as_annotations():
    skipped = []
    assert from_label_studio(to_label_studio(ITEMS, as_predictions=True), skipped=skipped) == []
    assert len(skipped) == 3 and all("predictions only" in s for s in skipped)


def test_label_studio_cancelled_annotation_is_skipped_and_the_latest_kept_one_counts():
    tasks = to_label_studio(ITEMS[:1])
    kept = tasks[0]["annotations"][0]
    tasks[0]["annotations"] = [kept, {"was_cancelled": True, "result": []}]
    tasks[0]["predictions"] = [17, 18]  # the "all tasks" export lists prediction ids
    skipped = []
    assert from_label_studio(tasks, skipped=skipped) == ITEMS[:1]
    assert skipped == ["task 1 (u-1): 1 cancelled annotation(s) left out"]
    tasks[0]["annotations"] = [{"was_cancelled": True, "result": kept["result"]}]
    assert from_label_studio(tasks, skipped=skipped) == []
    assert "every annotation was cancelled" in skipped[-1]


def test_label_studio_json_min_export_is_read():
    rows = [{"id": "u-3", "text": ITEMS[2].text, "annotator": "a@example.org", "annotation_id": 4,
             "label": [{"start": 0, "end": 8, "text": "學前教育毛入學率", "labels": ["INDICATOR"]},
                       {"start": 10, "end": 13, "text": "90%", "labels": ["VALUE"]}]}]
    assert from_label_studio(rows) == ITEMS[2:]


@pytest.mark.parametrize("value", [7.9, "7", True, None])
def test_offsets_that_are_not_integers_are_refused(value):
    tasks = to_label_studio(ITEMS[:1])
    tasks[0]["annotations"][0]["result"][0]["value"]["start"] = value
    with pytest.raises(FormatError, match="task 1 .*must be an integer"):
        from_label_studio(tasks)
    line = json.dumps({"id": "u", "text": "市发改委", "label": [[value, 4, "DEPT"]]})
    with pytest.raises(FormatError, match="line 1: start must be an integer"):
        from_doccano(line)


def test_doccano_entities_form_is_read_and_unlabelled_lines_are_skipped():
    data = "\n".join([
        json.dumps({"id": "u-1", "text": ITEMS[0].text, "entities": [
            {"id": 1, "start_offset": 2, "end_offset": 6, "label": "DEPT"},
            {"id": 2, "start_offset": 13, "end_offset": 18, "label": "DATE"},
            {"id": 3, "start_offset": 20, "end_offset": 23, "label": "VALUE"}], "relations": []}, ensure_ascii=False),
        json.dumps({"id": "u-2", "text": "无实体的句子。"}, ensure_ascii=False),
    ])
    skipped = []
    assert from_doccano(data, skipped=skipped) == ITEMS[:1]
    assert skipped == ["line 2 (u-2): no labels at all, never labelled"]


def test_doccano_duplicate_id_is_refused_with_both_lines():
    line = json.dumps({"id": "u", "text": "a", "label": []})
    with pytest.raises(FormatError, match="line 2: id 'u' again \\(first on line 1\\)"):
        from_doccano(line + "\n" + line)


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
