"""Normalisation scoring on invented spans: the measures per label, the
same-body pairs, end to end (span AND meaning), labels not evaluated, and
the predictions file's errors."""

from __future__ import annotations

import json

import pytest

from evaluation.normalization.loaders import NormSpan, read_predictions
from evaluation.normalization.matching import match
from evaluation.normalization.report import evaluate, markdown_summary
from evaluation.normalization.strategies import date_overlap, end_to_end_counts, exact, field_judge, same_body_pairs


def value(start, lo, hi, unit, bound, doc="p", unit_index=0):
    return NormSpan(doc, start, start + 3, "VALUE", unit_index, {"lo": lo, "hi": hi, "unit": unit, "bound": bound})


def date(start, a, b, doc="p", unit_index=0):
    fields = None if a is None else {"date_from": a, "date_to": b}
    return NormSpan(doc, start, start + 4, "DATE", unit_index, fields)


def dept(start, canonical, dept_id=None, doc="p", unit_index=0):
    fields = None if canonical is None else {"canonical": canonical, "dept_id": dept_id}
    return NormSpan(doc, start, start + 4, "DEPT", unit_index, fields)


def test_value_exact_and_per_field():
    gold = value(0, 3e11, 3e11, "元", "eq")
    assert exact(gold, value(0, 300000000000.0000001, 3e11, "元", "eq"))  # within the relative tolerance
    wrong_unit = value(0, 3e11, 3e11, "亿元", "eq")
    assert not exact(gold, wrong_unit)
    assert field_judge("lo")(gold, wrong_unit) and not field_judge("unit")(gold, wrong_unit)


def test_date_exact_and_overlap():
    gold = date(0, "2021", "2025")
    assert exact(gold, date(0, "2021", "2025"))
    assert not exact(gold, date(0, "2025", "2025")) and date_overlap(gold, date(0, "2025-12", "2025-12"))
    assert not date_overlap(gold, date(0, "2026-01-01", "2030"))
    assert date_overlap(date(0, "2020-02", "2020-02"), date(0, "2020-02-29", "2020-02-29"))
    # Both unread is right (nothing guessed); one side unread is wrong.
    assert exact(date(0, None, None), date(0, None, None)) and date_overlap(date(0, None, None), date(0, None, None))
    assert not exact(gold, date(0, None, None)) and not date_overlap(gold, date(0, None, None))


def test_same_body_pairs_within_a_plan():
    gold = [dept(0, "甲市发展和改革委员会", "甲市/fgw"), dept(10, "甲市发展和改革委员会", "甲市/fgw"),
            dept(20, "甲市生态环境局", "甲市/sthj"), dept(0, "甲市发展和改革委员会", "甲市/fgw", doc="q")]
    # The system merges the environment bureau into the first body and leaves one span unread.
    pred = [dept(0, "甲市发展和改革委员会", "甲市/fgw"), dept(10, None), dept(20, "甲市发展和改革委员会", "甲市/fgw"),
            dept(0, "甲市发展和改革委员会", "甲市/fgw", doc="q")]
    pairs = same_body_pairs(match(gold, pred).pairs)
    # gold pairs: (0,10) in p; pred pairs: (0,20) in p; none shared; q's span is alone in its plan.
    assert pairs == {"spans": 4, "gold": 1, "pred": 1, "both": 0}
    pred[1] = dept(10, "甲市发展和改革委员会", "甲市/fgw")
    assert same_body_pairs(match(gold, pred).pairs) == {"spans": 4, "gold": 1, "pred": 3, "both": 1}


def test_end_to_end_needs_span_and_meaning():
    gold = [value(0, 95, 95, "%", "eq"), value(10, 5, 5, "个百分点", "eq"), date(20, "2025", "2025")]
    pred = [value(0, 95, 95, "%", "eq"),        # right
            value(10, 5, 5, "%", "eq"),         # right span, wrong unit
            NormSpan("p", 19, 24, "DATE", 0, {"date_from": "2025", "date_to": "2025"})]  # wrong offsets
    counts = end_to_end_counts(gold, pred, match(gold, pred).pairs)
    assert counts["VALUE"] == {"gold": 2, "pred": 2, "span_tp": 2, "tp": 1}
    assert counts["DATE"] == {"gold": 1, "pred": 1, "span_tp": 0, "tp": 0}


def test_evaluate_reports_labels_without_gold_or_predictions_as_not_evaluated():
    gold = [value(0, 10, 10, "座", "eq", unit_index=0), value(0, 1, 2, "所", "range", doc="q", unit_index=1),
            date(20, "2013", "2015", unit_index=1)]
    given = [value(0, 10, 10, "座", "eq"), value(0, 1, 2, "个", "range", doc="q", unit_index=1)]
    result = evaluate(gold, given, given, n_resamples=50)
    assert result["not_evaluated"] == {"DATE": "the system gives no normalisation for this label",
                                       "DEPT": "no reviewed normalised gold of this label yet"}
    figures = result["given_gold_spans"]["VALUE"]
    assert figures["exact"]["right"] == 1 and figures["exact"]["of"] == 2 and figures["field:lo"]["accuracy"] == 1.0
    assert figures["field:unit"]["accuracy"] == 0.5
    low, high = figures["exact"]["ci95"]
    assert 0.0 <= low <= 0.5 <= high <= 1.0
    assert result["end_to_end"]["VALUE"]["f1"] == 0.5 and result["end_to_end"]["VALUE"]["span_only"]["f1"] == 1.0
    table = markdown_summary(result, "demo")
    assert "| demo | DEPT | not evaluated: no reviewed normalised gold" in table and "50.0" in table
    json.dumps(result)


def test_a_gold_span_without_prediction_is_wrong_given_gold():
    gold = [date(0, "2016", "2020"), date(10, "2021", "2025")]
    result = evaluate(gold, [date(0, "2016", "2020")], [], n_resamples=0)
    assert result["given_gold_spans"]["DATE"]["exact"] == {"right": 1, "of": 2, "accuracy": 0.5, "ci95": None}
    assert result["end_to_end"]["DATE"]["recall"] == 0.0


def test_predictions_file_errors_name_file_and_line(tmp_path):
    path = tmp_path / "preds.jsonl"
    rows = [
        {"doc_id": "p", "start": 0, "end": 3, "label": "VALUE", "normalized": {"lo": 1, "hi": 1, "unit": "座", "bound": "eq"}},
        {"doc_id": "p", "start": 5, "end": 3, "label": "VALUE", "normalized": None},
        {"doc_id": "x", "start": 0, "end": 3, "label": "VALUE", "normalized": None},
        {"doc_id": "p", "start": 8, "end": 12, "label": "DATE", "normalized": {"date_from": "2025-13", "date_to": "2025"}},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    with pytest.raises(ValueError) as error:
        read_predictions(path, {"p": [0]}, lambda doc, offset: 0)
    message = str(error.value)
    assert f"{path}:2: start and end" in message and f"{path}:3: doc_id 'x'" in message
    assert f"{path}:4: date_from" in message and f"{path}:1" not in message
    path.write_text(json.dumps(rows[0]) + "\n", encoding="utf-8")
    [span] = read_predictions(path, {"p": [0]}, lambda doc, offset: 0)
    assert span.fields == {"lo": 1, "hi": 1, "unit": "座", "bound": "eq"}
