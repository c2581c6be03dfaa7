"""Agreement figures: strict span F1 and Cohen's kappa on characters."""

import pytest

from builders.annotation.agreement import cohen_kappa, disagreements, measure
from builders.annotation.gold import UnitAnnotation
from builders.annotation.labels import Span

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


def test_every_disagreement_between_the_passes_is_adjudicated(paths):
    import yaml

    from builders.annotation.agreement import disagreements as find
    from builders.annotation.report import read_folder
    from builders.annotation.worksheets import FIRST, SECOND

    found = {(a.doc_id, a.unit_index) for a, _ in find(read_folder(paths, FIRST), read_folder(paths, SECOND))}
    decided = yaml.safe_load((paths.annotations / "adjudication.yaml").read_text(encoding="utf-8")) or []
    assert {(d["doc_id"], d["unit_index"]) for d in decided} == found
    for decision in decided:
        assert decision["decision"] in ("first", "second", "other") and decision["reason"].strip()


def test_second_annotation_covers_at_least_15_percent_of_every_plan(paths):
    from builders.annotation.report import read_folder
    from builders.annotation.worksheets import SECOND
    from builders.corpus.store import read_corpus

    second = read_folder(paths, SECOND)
    for doc in read_corpus(paths.corpus):
        share = sum(1 for a in second if a.doc_id == doc.doc_id) / len(doc.units)
        assert share >= 0.15, f"{doc.doc_id}: {share:.1%} second-annotated"
