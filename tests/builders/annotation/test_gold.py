"""Gold files: worksheets resolve to offsets, and `validate` names the file
and line of every breach of the mechanical rules."""

import json

import pytest

from builders.annotation.gold import (
    AnnotationError,
    UnitAnnotation,
    check_spans,
    compare_spans,
    merge_annotations,
    resolve_worksheet_spans,
    second_annotation_sample,
    validate_gold_file,
)
from builders.annotation.labels import Span


def test_worksheet_pairs_resolve_in_reading_order():
    text = "市发改委、市财政局。市发改委牵头"
    spans = resolve_worksheet_spans(text, 100, [["市发改委", "DEPT"], ["市财政局", "DEPT"], ["市发改委", "DEPT"]])
    assert spans == [Span(100, 104, "DEPT"), Span(105, 109, "DEPT"), Span(110, 114, "DEPT")]


def test_worksheet_resolver_skips_occurrences_inside_titles():
    text = "落实《促进中部地区崛起“十三五”规划》和全市“十三五”规划纲要"
    [span] = resolve_worksheet_spans(text, 0, [["十三五", "DATE"]])
    assert text.index("全市") < span.start


def test_worksheet_pair_not_found_is_an_error_with_a_hint():
    with pytest.raises(AnnotationError, match="out of reading order"):
        resolve_worksheet_spans("2020年达到90%", 0, [["90%", "VALUE"], ["2020年", "DATE"]])


@pytest.mark.parametrize(
    "spans, problem",
    [
        ([Span(0, 4, "ORG")], "unknown label"),
        ([Span(0, 40, "DEPT")], "out of range"),
        ([Span(0, 4, "DEPT"), Span(2, 6, "VALUE")], "overlap"),
        ([Span(0, 6, "DEPT"), Span(1, 3, "DEPT")], "overlap"),
        ([Span(6, 10, "DEPT")], "inside a title"),
        ([Span(3, 5, "DEPT")], "whitespace"),
    ],
)
def test_mechanical_rules(spans, problem):
    text = "市发改委 《市发改委》"
    assert any(problem in message for message in check_spans(spans, text))


def test_document_number_is_protected():
    text = "(晋政办发〔2017〕55号)精神"
    assert check_spans([Span(6, 10, "DATE")], text)


def test_validate_names_file_and_line(tmp_path):
    text = "市发改委牵头。"
    units = [{"index": 0, "start": 0, "end": 7}]
    good = {"doc_id": "d", "unit_index": 0, "start": 0, "end": 7, "spans": [{"start": 0, "end": 4, "label": "DEPT", "text": "市发改委"}], "review": {"status": "reviewed"}}
    bad = dict(good, spans=[{"start": 0, "end": 4, "label": "DEPT", "text": "市财政局"}])
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n" + json.dumps(bad, ensure_ascii=False) + "\n", encoding="utf-8")
    problems = [str(p) for p in validate_gold_file(path, text, units)]
    assert any(p.startswith(f"{path}:2: span [0, 4) text '市财政局' does not match") for p in problems)
    assert any(p.startswith(f"{path}:2: unit 0 already annotated on line 1") for p in problems)


def test_validate_reports_invalid_json_with_its_line(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"doc_id": "d"}\n{oops\n', encoding="utf-8")
    problems = validate_gold_file(path, "x", [{"index": 0, "start": 0, "end": 1}])
    assert problems and problems[0].line in (1, 2)


def test_reviewed_gold_is_not_replaced_without_force():
    reviewed = UnitAnnotation("d", 0, 0, 4, (Span(0, 4, "DEPT"),), {"status": "reviewed"})
    new = UnitAnnotation("d", 0, 0, 4, (), {"status": "reviewed"})
    with pytest.raises(AnnotationError, match="--force"):
        merge_annotations([reviewed], [new], force=False)
    assert merge_annotations([reviewed], [new], force=True) == [new]


def test_pre_annotation_comparison_counts_each_kind_of_change():
    pre = [Span(0, 4, "DEPT"), Span(5, 8, "VALUE"), Span(10, 12, "DATE")]
    gold = [Span(0, 4, "DEPT"), Span(5, 9, "VALUE"), Span(20, 24, "INDICATOR")]
    assert compare_spans(pre, gold) == {"kept": 1, "changed": 1, "removed": 1, "added": 1}


def test_second_annotation_sample_is_stable_and_near_its_share():
    units = [{"index": i} for i in range(2000)]
    sample = second_annotation_sample("plan-x", units)
    assert sample == second_annotation_sample("plan-x", units)
    assert 0.15 <= len(sample) / len(units) <= 0.19


def test_all_committed_annotation_files_are_valid(paths):
    from builders.annotation.report import validate_annotations

    assert [str(p) for p in validate_annotations(paths)] == []
