"""Agreement figures: strict span F1 and Cohen's kappa on characters."""

import pytest

from builders.agreement import cohen_kappa, disagreements, measure
from builders.annotate import Span
from builders.gold import UnitAnnotation

LABELS = ("DEPT", "INDICATOR", "VALUE", "DATE")


def unit(index, spans, start=0, end=10):
    return UnitAnnotation("d", index, start, end, tuple(spans), {"status": "reviewed"})


def test_kappa_matches_a_hand_computed_value():
    first = list("AABBA")
    second = list("ABBBA")
    # observed 4/5; expected (3*2 + 2*3)/25 = 12/25
    assert cohen_kappa(first, second) == pytest.approx((0.8 - 0.48) / (1 - 0.48))


def test_identical_annotations_agree_perfectly():
    a = [unit(0, [Span(0, 4, "DEPT")])]
    result = measure(a, a, LABELS)
    assert result.span_f1["overall"] == 1.0 and result.kappa["overall"] == 1.0


def test_boundary_disagreement_costs_span_f1_more_than_kappa():
    first = [unit(0, [Span(0, 4, "DEPT")])]
    second = [unit(0, [Span(0, 3, "DEPT")])]
    result = measure(first, second, LABELS)
    assert result.span_f1["DEPT"] == 0.0
    assert 0 < result.kappa["overall"] < 1
    assert disagreements(first, second) == [(first[0], second[0])]


def test_only_units_both_annotated_count():
    first = [unit(0, [Span(0, 4, "DEPT")]), unit(1, [Span(0, 2, "DATE")])]
    second = [unit(0, [Span(0, 4, "DEPT")])]
    assert measure(first, second, LABELS).units == 1
