"""Specification of evaluation.scorer: SemEval-2013 schemes over half-open spans.

Read top to bottom:
1. conventions (half-open code-point offsets, validation, label set);
2. the four schemes on hand-worked examples, including the classic SemEval
   table of cases;
3. the matching rules: ranking, order independence, splits, merges, label swaps;
4. per-label and macro rows, per-unit and per-plan scores;
5. error analysis: confusion table, boundary breakdown;
6. bootstrap intervals and the paired bootstrap;
7. agreement with peers: seqeval (strict, well-formed BIO) and nervaluate 1.2.x
   (all schemes, on inputs where its greedy matching and ours give the same
   counts), and one test for each documented difference from nervaluate (N1–N7
   in the module docstring).
"""

from __future__ import annotations

import json
import math
import random
import warnings
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from nervaluate import Evaluator
from seqeval.metrics import classification_report, f1_score
from seqeval.scheme import IOB2

from builders.annotation.labels import load_labels
from evaluation.scorer import (
    BOUNDARY_KINDS,
    MISSED,
    SCHEMES,
    SPURIOUS,
    Entity,
    Score,
    align,
    bootstrap,
    boundary_errors,
    boundary_kind,
    confusion_table,
    paired_bootstrap,
    score,
    score_by,
)

LABELS = load_labels().names
DEPT, IND, VAL, DATE = "DEPT", "INDICATOR", "VALUE", "DATE"
NERVALUATE_SCHEME = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def E(doc_id: str, start: int, end: int, label: str) -> Entity:
    return Entity(doc_id, start, end, label)


def counts(row) -> tuple[int, int, int, int, int]:
    """(COR, INC, PAR, MIS, SPU)."""
    return row.correct, row.incorrect, row.partial, row.missed, row.spurious


def prf(row) -> tuple[float, float, float]:
    return row.precision, row.recall, row.f1


# ---------------------------------------------------------------------------
# 1. Conventions
# ---------------------------------------------------------------------------


def test_labels_come_from_labels_yaml():
    assert LABELS == (DEPT, IND, VAL, DATE)


def test_offsets_are_half_open_code_points():
    text = "市发展改革委负责：到2025年地区生产总值达到1500亿元"
    dept = E("u", 0, 6, DEPT)
    date = E("u", text.index("2025"), text.index("年") + 1, DATE)
    value = E("u", text.index("1500"), len(text), VAL)
    assert text[dept.start : dept.end] == "市发展改革委"
    assert text[date.start : date.end] == "2025年"
    assert text[value.start : value.end] == "1500亿元"
    assert score([dept, date, value], [dept, date, value])["strict"].micro.f1 == 1.0


def test_adjacent_spans_do_not_overlap():
    # [0, 2) and [2, 4) share no code point: a miss and a spurious span, not a partial match.
    result = score([E("u", 0, 2, DEPT)], [E("u", 2, 4, DEPT)])
    for scheme in SCHEMES:
        assert counts(result[scheme].micro) == (0, 0, 0, 1, 1)
    assert counts(score([E("u", 0, 3, DEPT)], [E("u", 2, 4, DEPT)])["partial"].micro) == (0, 0, 1, 0, 0)


def test_spans_of_different_units_never_match():
    result = score([E("a", 0, 4, DEPT)], [E("b", 0, 4, DEPT)])
    assert counts(result["strict"].micro) == (0, 0, 0, 1, 1)


@pytest.mark.parametrize("start, end", [(3, 3), (4, 2), (-1, 2)])
def test_empty_reversed_or_negative_spans_are_rejected(start, end):
    with pytest.raises(ValueError):
        E("u", start, end, DEPT)


def test_unknown_labels_are_rejected():
    with pytest.raises(ValueError, match="PER"):
        score([E("u", 0, 2, "PER")], [])
    with pytest.raises(ValueError, match="PER"):
        score([], [E("u", 0, 2, "PER")])
    assert score([E("u", 0, 2, "PER")], [], labels=("PER",))["strict"].micro.missed == 1


def test_empty_input_scores_zero():
    result = score([], [])
    for scheme in SCHEMES:
        assert counts(result[scheme].micro) == (0, 0, 0, 0, 0)
        assert prf(result[scheme].micro) == (0.0, 0.0, 0.0)
        assert prf(result[scheme].macro) == (0.0, 0.0, 0.0)


def test_inputs_are_multisets():
    # A span listed twice counts twice, on either side.
    twice = [E("u", 0, 4, DEPT)] * 2
    assert counts(score(twice, twice[:1])["strict"].micro) == (1, 0, 0, 1, 0)
    assert counts(score(twice[:1], twice)["strict"].micro) == (1, 0, 0, 0, 1)
    assert counts(score(twice, twice)["strict"].micro) == (2, 0, 0, 0, 0)


# ---------------------------------------------------------------------------
# 2. The four schemes
# ---------------------------------------------------------------------------

# The classic SemEval-2013 table of cases (as in Batista's write-up and the
# nervaluate README), one unit per case: (gold, prediction, expected category per scheme).
SEMEVAL_CASES = {
    "I exact boundaries, same type": (
        [E("I", 0, 6, DEPT)],
        [E("I", 0, 6, DEPT)],
        {"strict": "COR", "exact": "COR", "partial": "COR", "type": "COR"},
    ),
    "II spurious prediction": (
        [],
        [E("II", 3, 7, VAL)],
        {"strict": "SPU", "exact": "SPU", "partial": "SPU", "type": "SPU"},
    ),
    "III missed gold": (
        [E("III", 0, 5, DATE)],
        [],
        {"strict": "MIS", "exact": "MIS", "partial": "MIS", "type": "MIS"},
    ),
    "IV exact boundaries, wrong type": (
        [E("IV", 2, 8, DEPT)],
        [E("IV", 2, 8, IND)],
        {"strict": "INC", "exact": "COR", "partial": "COR", "type": "INC"},
    ),
    "V wrong boundaries, same type": (
        [E("V", 0, 6, IND)],
        [E("V", 0, 4, IND)],
        {"strict": "INC", "exact": "INC", "partial": "PAR", "type": "COR"},
    ),
    "VI wrong boundaries, wrong type": (
        [E("VI", 0, 6, VAL)],
        [E("VI", 2, 8, DATE)],
        {"strict": "INC", "exact": "INC", "partial": "PAR", "type": "INC"},
    ),
}
CATEGORY = {"COR": 0, "INC": 1, "PAR": 2, "MIS": 3, "SPU": 4}


@pytest.mark.parametrize("case", SEMEVAL_CASES)
def test_semeval_case(case):
    gold, pred, expected = SEMEVAL_CASES[case]
    result = score(gold, pred)
    for scheme, category in expected.items():
        want = [0] * 5
        want[CATEGORY[category]] = 1
        assert counts(result[scheme].micro) == tuple(want), scheme


def test_semeval_table_totals():
    gold = [e for g, _, _ in SEMEVAL_CASES.values() for e in g]
    pred = [e for _, p, _ in SEMEVAL_CASES.values() for e in p]
    result = score(gold, pred)
    # possible = COR+INC+PAR+MIS = 5 gold spans; actual = COR+INC+PAR+SPU = 5 predictions.
    expected = {
        # scheme: (COR, INC, PAR, MIS, SPU), precision = recall = F1
        "strict": ((1, 3, 0, 1, 1), 1 / 5),
        "exact": ((2, 2, 0, 1, 1), 2 / 5),
        "partial": ((2, 0, 2, 1, 1), (2 + 0.5 * 2) / 5),
        "type": ((2, 2, 0, 1, 1), 2 / 5),
    }
    for scheme, (want, value) in expected.items():
        micro = result[scheme].micro
        assert counts(micro) == want, scheme
        assert (micro.possible, micro.actual) == (5, 5)
        assert prf(micro) == pytest.approx((value, value, value)), scheme


def test_partial_credit_is_one_half_and_only_in_partial():
    # Gold 6 characters, prediction 4 of them: PAR = 1 in partial, INC = 1 in strict and exact.
    result = score([E("u", 0, 6, IND), E("u", 10, 12, DATE)], [E("u", 0, 4, IND)])
    assert counts(result["partial"].micro) == (0, 0, 1, 1, 0)
    assert result["partial"].micro.precision == 0.5  # (0 + 0.5 * 1) / 1
    assert result["partial"].micro.recall == 0.25  # (0 + 0.5 * 1) / 2
    assert result["partial"].micro.f1 == pytest.approx(2 * 0.5 * 0.25 / 0.75)
    assert prf(result["strict"].micro) == (0.0, 0.0, 0.0)
    assert result["type"].micro.precision == 1.0 and result["type"].micro.recall == 0.5


def test_score_definitions():
    row = Score(correct=3, incorrect=1, partial=2, missed=4, spurious=0)
    assert (row.possible, row.actual) == (10, 6)
    assert row.precision == pytest.approx(4 / 6) and row.recall == pytest.approx(4 / 10)
    assert row.f1 == pytest.approx(2 * (4 / 6) * (4 / 10) / (4 / 6 + 4 / 10))
    assert prf(Score(0, 0, 0, 0, 0)) == (0.0, 0.0, 0.0)  # 0/0 := 0, as in seqeval and nervaluate


# ---------------------------------------------------------------------------
# 3. Matching
# ---------------------------------------------------------------------------


def test_split_entity_matches_the_larger_part():
    # One gold span predicted in two pieces: the larger piece is matched, the other is spurious.
    gold = [E("u", 0, 10, DEPT)]
    pred = [E("u", 0, 4, DEPT), E("u", 4, 10, DEPT)]
    alignment = align(gold, pred)
    assert alignment.pairs == ((gold[0], pred[1]),)
    assert alignment.spurious == (pred[0],)
    result = score(gold, pred)
    assert counts(result["strict"].micro) == (0, 1, 0, 0, 1)
    assert counts(result["partial"].micro) == (0, 0, 1, 0, 1)
    assert counts(result["type"].micro) == (1, 0, 0, 0, 1)


def test_merged_entities_match_one_gold():
    # One prediction covering two gold spans: the larger overlap is matched, the other gold is missed.
    gold = [E("u", 0, 4, VAL), E("u", 4, 10, VAL)]
    pred = [E("u", 0, 10, VAL)]
    alignment = align(gold, pred)
    assert alignment.pairs == ((gold[1], pred[0]),)
    assert alignment.missed == (gold[0],)
    assert counts(score(gold, pred)["type"].micro) == (1, 0, 0, 1, 0)


def test_nested_gold_spans():
    # Gold may nest; the prediction identical to the outer span takes it, the inner one is missed.
    gold = [E("u", 0, 8, DEPT), E("u", 2, 5, DEPT)]
    pred = [E("u", 0, 8, DEPT)]
    assert counts(score(gold, pred)["strict"].micro) == (1, 0, 0, 1, 0)


def test_label_swap():
    gold = [E("u", 0, 4, DEPT), E("u", 5, 9, VAL)]
    pred = [E("u", 0, 4, VAL), E("u", 5, 9, DEPT)]
    result = score(gold, pred)
    assert counts(result["strict"].micro) == (0, 2, 0, 0, 0)
    assert counts(result["exact"].micro) == (2, 0, 0, 0, 0)
    assert counts(result["partial"].micro) == (2, 0, 0, 0, 0)
    assert counts(result["type"].micro) == (0, 2, 0, 0, 0)
    # Per-label rows realign within the label: a swap is a miss plus a spurious span there.
    for scheme in SCHEMES:
        for label in (DEPT, VAL):
            assert counts(result[scheme].per_label[label]) == (0, 0, 0, 1, 1)


def test_rank_exact_boundaries_before_same_label():
    pred = [E("u", 0, 5, DEPT)]
    gold = [E("u", 0, 5, VAL), E("u", 3, 8, DEPT)]
    assert align(gold, pred).pairs == ((gold[0], pred[0]),)
    assert counts(score(gold, pred)["type"].micro) == (0, 1, 0, 1, 0)


def test_rank_same_label_before_larger_overlap():
    pred = [E("u", 2, 9, DEPT)]
    gold = [E("u", 0, 4, DEPT), E("u", 4, 10, IND)]  # overlaps 2 (same label) and 5 (other label)
    assert align(gold, pred).pairs == ((gold[0], pred[0]),)


def test_rank_larger_overlap_then_leftmost():
    pred = [E("u", 3, 9, DEPT)]
    gold = [E("u", 0, 5, DEPT), E("u", 6, 12, DEPT)]  # overlaps 2 and 3
    assert align(gold, pred).pairs == ((gold[1], pred[0]),)
    tie = [E("u", 0, 5, DEPT), E("u", 7, 12, DEPT)]  # overlaps 2 and 2: leftmost gold wins
    assert align(tie, pred).pairs == ((tie[0], pred[0]),)


def test_matching_is_global_not_prediction_by_prediction():
    # p1 overlaps g1 by 2 and g2 by 1; p2 overlaps only g2. Ranking all pairs together
    # gives two matches, whereas letting p1 pick first by closest boundaries gives one.
    gold = [E("u", 0, 7, DEPT), E("u", 9, 11, DEPT)]
    pred = [E("u", 5, 10, DEPT), E("u", 10, 12, DEPT)]
    assert set(align(gold, pred).pairs) == {(gold[0], pred[0]), (gold[1], pred[1])}
    assert counts(score(gold, pred)["type"].micro) == (2, 0, 0, 0, 0)


def test_identical_pair_is_never_broken_up():
    gold = [E("u", 0, 5, DEPT)]
    pred = [E("u", 0, 3, DEPT), E("u", 0, 5, DEPT), E("u", 1, 6, VAL)]
    for order in ([0, 1, 2], [2, 1, 0], [1, 0, 2]):
        result = score(gold, [pred[i] for i in order])
        assert counts(result["strict"].micro) == (1, 0, 0, 0, 2)


MESSY_GOLD = [
    E("a", 0, 4, DEPT), E("a", 2, 6, IND), E("a", 8, 12, VAL), E("a", 8, 12, VAL),
    E("a", 20, 30, DATE), E("b", 0, 3, DEPT), E("b", 5, 9, VAL), E("c", 1, 2, DATE),
]  # fmt: skip
MESSY_PRED = [
    E("a", 0, 4, IND), E("a", 1, 5, DEPT), E("a", 8, 12, VAL), E("a", 9, 11, VAL),
    E("a", 20, 24, DATE), E("a", 25, 30, DATE), E("b", 3, 5, DEPT), E("b", 5, 9, DATE), E("d", 0, 1, DEPT),
]  # fmt: skip


def test_results_do_not_depend_on_input_order():
    reference = score(MESSY_GOLD, MESSY_PRED).to_dict()
    reference_alignment = align(MESSY_GOLD, MESSY_PRED)
    rng = random.Random(7)
    for _ in range(50):
        gold, pred = MESSY_GOLD[:], MESSY_PRED[:]
        rng.shuffle(gold)
        rng.shuffle(pred)
        assert score(gold, pred).to_dict() == reference
        assert align(gold, pred) == reference_alignment


def test_alignment_is_one_to_one_and_complete():
    alignment = align(MESSY_GOLD, MESSY_PRED)
    gold_side = sorted([g for g, _ in alignment.pairs] + list(alignment.missed))
    pred_side = sorted([p for _, p in alignment.pairs] + list(alignment.spurious))
    assert gold_side == sorted(MESSY_GOLD)
    assert pred_side == sorted(MESSY_PRED)
    assert all(g.doc_id == p.doc_id and g.start < p.end and p.start < g.end for g, p in alignment.pairs)


# ---------------------------------------------------------------------------
# 4. Per-label, macro, per-unit rows
# ---------------------------------------------------------------------------


def test_per_label_lists_every_label_and_macro_averages_present_ones():
    gold = [E("u", 0, 4, DEPT), E("u", 5, 9, DEPT), E("u", 10, 12, VAL)]
    pred = [E("u", 0, 4, DEPT), E("u", 10, 12, VAL), E("u", 13, 15, VAL)]
    strict = score(gold, pred)["strict"]
    assert list(strict.per_label) == list(LABELS)
    assert counts(strict.per_label[IND]) == counts(strict.per_label[DATE]) == (0, 0, 0, 0, 0)
    dept, value = strict.per_label[DEPT], strict.per_label[VAL]
    assert prf(dept) == pytest.approx((1.0, 0.5, 2 / 3))
    assert prf(value) == pytest.approx((0.5, 1.0, 2 / 3))
    # Macro: mean over DEPT and VALUE only (INDICATOR and DATE occur nowhere);
    # macro F1 is the mean of the F1s, not the F1 of the mean precision and recall.
    assert prf(strict.macro) == pytest.approx((0.75, 0.75, 2 / 3))
    assert prf(strict.micro) == pytest.approx((2 / 3, 2 / 3, 2 / 3))


def test_label_only_in_predictions_enters_macro_with_zeros():
    strict = score([E("u", 0, 4, DEPT)], [E("u", 0, 4, DEPT), E("u", 6, 8, DATE)])["strict"]
    assert prf(strict.per_label[DATE]) == (0.0, 0.0, 0.0)
    assert strict.macro.f1 == pytest.approx(0.5)


def test_score_by_unit_and_by_plan():
    gold = [E("plan1:0", 0, 4, DEPT), E("plan1:1", 0, 4, VAL), E("plan2:0", 0, 2, DATE)]
    pred = [E("plan1:0", 0, 4, DEPT), E("plan1:1", 0, 3, VAL)]
    per_unit = score_by(gold, pred, units=["plan1:0", "plan1:1", "plan2:0", "plan2:1"])
    assert list(per_unit) == ["plan1:0", "plan1:1", "plan2:0", "plan2:1"]
    assert counts(per_unit["plan1:0"]["strict"].micro) == (1, 0, 0, 0, 0)
    assert counts(per_unit["plan1:1"]["partial"].micro) == (0, 0, 1, 0, 0)
    assert counts(per_unit["plan2:0"]["strict"].micro) == (0, 0, 0, 1, 0)
    assert per_unit["plan2:1"].n_gold == per_unit["plan2:1"].n_pred == 0
    per_plan = score_by(gold, pred, key=lambda doc_id: doc_id.split(":")[0])
    assert counts(per_plan["plan1"]["strict"].micro) == (1, 1, 0, 0, 0)
    assert counts(per_plan["plan2"]["strict"].micro) == (0, 0, 0, 1, 0)


def test_to_dict_is_json_ready():
    result = score(MESSY_GOLD, MESSY_PRED)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["schemes"]["partial"]["micro"]["possible"] == len(MESSY_GOLD)
    assert data["schemes"]["strict"]["per_label"][DEPT]["actual"] == 3  # a[1,5), b[3,5), d[0,1)
    alignment = align(MESSY_GOLD, MESSY_PRED)
    for obj in (alignment, confusion_table(alignment), boundary_errors(alignment)):
        json.dumps(obj.to_dict())
    json.dumps(bootstrap(MESSY_GOLD, MESSY_PRED, n_resamples=20).to_dict())
    json.dumps(paired_bootstrap(MESSY_GOLD, MESSY_PRED, MESSY_GOLD, n_resamples=20).to_dict())


# ---------------------------------------------------------------------------
# 5. Error analysis
# ---------------------------------------------------------------------------


def test_confusion_table():
    alignment = align(MESSY_GOLD, MESSY_PRED)
    table = confusion_table(alignment)
    # a[0,4) DEPT takes the prediction with its exact boundaries, a[0,4) INDICATOR,
    # so a[1,5) DEPT goes to the other overlapping gold, a[2,6) INDICATOR.
    assert table[DEPT, IND] == 1 and table[DEPT, DEPT] == 0
    assert table[IND, DEPT] == 1 and table[IND, MISSED] == 0
    assert table[VAL, VAL] == 2  # the duplicated a[8,12): one identical, one vs a[9,11)
    assert table[DATE, DATE] == 1 and table[SPURIOUS, DATE] == 1  # the split a[20,30)
    assert table[VAL, DATE] == 1  # b[5,9) swapped
    # Each gold span is in exactly one cell of its row, each prediction in one cell of its column.
    rows = table.to_dict()
    assert sum(sum(rows[g].values()) for g in LABELS) == len(MESSY_GOLD)
    assert sum(rows[g][p] for g in (*LABELS, SPURIOUS) for p in LABELS) == len(MESSY_PRED)


@pytest.mark.parametrize(
    "pred, kind",
    [
        (E("u", 4, 8, DEPT), None),
        (E("u", 3, 8, DEPT), "too_long"),
        (E("u", 4, 9, DEPT), "too_long"),
        (E("u", 5, 8, DEPT), "too_short"),
        (E("u", 5, 7, DEPT), "too_short"),
        (E("u", 2, 6, DEPT), "shifted_left"),
        (E("u", 6, 10, DEPT), "shifted_right"),
    ],
)
def test_boundary_kind(pred, kind):
    assert boundary_kind(E("u", 4, 8, DEPT), pred) == kind


def test_boundary_breakdown_counts_same_label_pairs_only():
    gold = [E("u", 0, 4, DEPT), E("u", 10, 14, VAL), E("u", 20, 24, DATE), E("u", 30, 34, DEPT)]
    pred = [E("u", 0, 5, DEPT), E("u", 11, 13, VAL), E("u", 19, 23, IND), E("u", 30, 34, DEPT)]
    breakdown = boundary_errors(align(gold, pred))
    assert breakdown.per_label[DEPT] == {"too_long": 1, "too_short": 0, "shifted_left": 0, "shifted_right": 0}
    assert breakdown.per_label[VAL]["too_short"] == 1
    assert sum(breakdown.per_label[DATE].values()) == 0  # the DATE gold got an INDICATOR: a type error
    assert breakdown.total == dict(zip(BOUNDARY_KINDS, (1, 1, 0, 0)))


# ---------------------------------------------------------------------------
# 6. Bootstrap
# ---------------------------------------------------------------------------


def _noisy_corpus(n_units: int, seed: int, keep: float):
    rng = random.Random(seed)
    gold, pred = [], []
    for u in range(n_units):
        for k in range(3):
            span = E(f"u{u}", 10 * k, 10 * k + 4, LABELS[(u + k) % 4])
            gold.append(span)
            if rng.random() < keep:
                pred.append(span)
            elif rng.random() < 0.5:
                pred.append(E(span.doc_id, span.start, span.end + 1, span.label))
    return gold, pred


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    gold, pred = _noisy_corpus(60, seed=1, keep=0.7)
    first = bootstrap(gold, pred, n_resamples=200, seed=3)
    assert first == bootstrap(list(reversed(gold)), pred, n_resamples=200, seed=3)
    assert first != bootstrap(gold, pred, n_resamples=200, seed=4)
    assert first.n_resamples == 200 and first.n_units == 60
    full = score(gold, pred)
    for scheme in SCHEMES:
        for average in ("micro", "macro", *LABELS):
            for metric in ("precision", "recall", "f1"):
                interval = first.intervals[scheme][average][metric]
                row = full[scheme].micro if average == "micro" else (
                    full[scheme].macro if average == "macro" else full[scheme].per_label[average]
                )
                assert interval.estimate == getattr(row, metric)
                assert interval.low <= interval.high
    strict_f1 = first.intervals["strict"]["micro"]["f1"]
    assert strict_f1.low < strict_f1.estimate < strict_f1.high


def test_bootstrap_of_perfect_predictions_is_degenerate():
    gold, _ = _noisy_corpus(20, seed=1, keep=1.0)
    interval = bootstrap(gold, gold, n_resamples=50).intervals["partial"]["micro"]["f1"]
    assert (interval.estimate, interval.low, interval.high) == (1.0, 1.0, 1.0)


def test_bootstrap_draws_from_the_given_units():
    gold, pred = _noisy_corpus(10, seed=2, keep=0.5)
    empty_units = [f"empty{i}" for i in range(5)]
    result = bootstrap(gold, pred, units=[f"u{u}" for u in range(10)] + empty_units, n_resamples=30)
    assert result.n_units == 15
    with pytest.raises(ValueError, match="units"):
        bootstrap(gold, pred, units=["u0"], n_resamples=10)


def test_paired_bootstrap():
    gold, good = _noisy_corpus(80, seed=5, keep=0.95)
    _, poor = _noisy_corpus(80, seed=6, keep=0.4)
    same = paired_bootstrap(gold, good, good, n_resamples=100)
    assert same.delta.estimate == 0.0 and same.p_value == 1.0  # A is never better than itself
    better = paired_bootstrap(gold, good, poor, n_resamples=200, seed=1)
    assert better.a > better.b and better.delta.low > 0
    assert better.p_value == pytest.approx(1 / 201)  # (1 + 0) / (1 + n_resamples)
    worse = paired_bootstrap(gold, poor, good, n_resamples=200, seed=1)
    assert worse.p_value == 1.0
    by_label = paired_bootstrap(gold, good, poor, scheme="type", average=DEPT, metric="recall", n_resamples=50)
    assert by_label.a == score(gold, good)["type"].per_label[DEPT].recall
    with pytest.raises(ValueError):
        paired_bootstrap(gold, good, poor, scheme="fuzzy")


# ---------------------------------------------------------------------------
# Generators for the properties
# ---------------------------------------------------------------------------

UNIT_LENGTH = 24
UNITS = ("u0", "u1", "u2")


@st.composite
def free_spans(draw, max_spans: int = 8, units: tuple[str, ...] = UNITS) -> list[Entity]:
    """Arbitrary spans: overlapping, nested, duplicated, across a few units."""
    spans = []
    for _ in range(draw(st.integers(0, max_spans))):
        start = draw(st.integers(0, UNIT_LENGTH - 1))
        end = draw(st.integers(start + 1, min(UNIT_LENGTH, start + 8)))
        spans.append(E(draw(st.sampled_from(units)), start, end, draw(st.sampled_from(LABELS))))
    return spans


@st.composite
def perturbed(draw, gold: list[Entity]) -> list[Entity]:
    """Predictions derived from gold: kept, shifted, resized, relabelled, split, dropped, plus spurious."""
    pred = []
    for g in gold:
        action = draw(st.sampled_from(["keep", "shift", "resize", "relabel", "split", "drop"]))
        label = draw(st.sampled_from(LABELS)) if action == "relabel" else g.label
        if action in ("keep", "relabel"):
            pred.append(E(g.doc_id, g.start, g.end, label))
        elif action in ("shift", "resize"):
            start = max(0, g.start + draw(st.integers(-2, 2)))
            end = min(UNIT_LENGTH, g.end + draw(st.integers(-2, 2)))
            if action == "shift":
                start, end = max(0, g.start + (end - g.end)), end
            if start < end:
                pred.append(E(g.doc_id, start, end, label))
        elif action == "split" and g.end - g.start >= 2:
            cut = draw(st.integers(g.start + 1, g.end - 1))
            pred += [E(g.doc_id, g.start, cut, label), E(g.doc_id, cut, g.end, label)]
    return pred + draw(free_spans(max_spans=3, units=tuple(sorted({g.doc_id for g in gold} | {UNITS[0]}))))


@st.composite
def gold_and_pred(draw, units: tuple[str, ...] = UNITS) -> tuple[list[Entity], list[Entity]]:
    gold = draw(free_spans(units=units))
    return gold, draw(perturbed(gold))


def _non_overlapping(spans: list[Entity]) -> list[Entity]:
    """Drop every span that overlaps an earlier kept one (start order): well-formed BIO."""
    kept, last_end = [], {}
    for e in sorted(spans):
        if e.start >= last_end.get(e.doc_id, 0):
            kept.append(e)
            last_end[e.doc_id] = e.end
    return kept


def _reference_alignment(gold: list[Entity], pred: list[Entity]) -> list[tuple[Entity, Entity]]:
    """The matching rule written out directly: rank all overlapping pairs, take them greedily."""
    candidates = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            if g.doc_id == p.doc_id and g.start < p.end and p.start < g.end:
                overlap = min(g.end, p.end) - max(g.start, p.start)
                exact = (g.start, g.end) == (p.start, p.end)
                key = (not exact, g.label != p.label, -overlap, g.start, p.start, g.end, p.end, g.label, p.label)
                candidates.append((key, i, j))
    used_gold, used_pred, pairs = set(), set(), []
    for _, i, j in sorted(candidates, key=lambda c: c[0]):
        if i not in used_gold and j not in used_pred:
            used_gold.add(i)
            used_pred.add(j)
            pairs.append((gold[i], pred[j]))
    return sorted(pairs)


# ---------------------------------------------------------------------------
# Properties of the scorer itself
# ---------------------------------------------------------------------------


@PROPERTY
@given(gold_and_pred(), st.randoms(use_true_random=False))
def test_property_order_independence(data, rng):
    gold, pred = data
    shuffled_gold, shuffled_pred = gold[:], pred[:]
    rng.shuffle(shuffled_gold)
    rng.shuffle(shuffled_pred)
    assert score(shuffled_gold, shuffled_pred) == score(gold, pred)
    assert align(shuffled_gold, shuffled_pred) == align(gold, pred)


@PROPERTY
@given(gold_and_pred())
def test_property_sweep_equals_the_ranking_over_all_pairs(data):
    gold, pred = data
    assert list(align(gold, pred).pairs) == _reference_alignment(gold, pred)


@PROPERTY
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(1, 40), st.sampled_from(LABELS)), max_size=60),
       st.lists(st.tuples(st.integers(0, 300), st.integers(1, 40), st.sampled_from(LABELS)), max_size=60))  # fmt: skip
def test_property_sweep_on_long_units_with_deep_overlap(gold_raw, pred_raw):
    gold = [E("long", s, s + n, lab) for s, n, lab in gold_raw]
    pred = [E("long", s, s + n, lab) for s, n, lab in pred_raw]
    assert list(align(gold, pred).pairs) == _reference_alignment(gold, pred)


@PROPERTY
@given(gold_and_pred())
def test_property_invariants(data):
    gold, pred = data
    result = score(gold, pred)
    for scheme in SCHEMES:
        micro = result[scheme].micro
        # One-to-one matching: every gold span is possible once, every prediction actual once.
        assert (micro.possible, micro.actual) == (len(gold), len(pred))
        for label in LABELS:
            row = result[scheme].per_label[label]
            assert row.possible == sum(g.label == label for g in gold)
            assert row.actual == sum(p.label == label for p in pred)
    strict, exact, partial, kind = (result[s].micro for s in SCHEMES)
    assert strict.correct <= min(exact.correct, kind.correct)
    assert exact.correct == partial.correct and exact.incorrect == partial.partial
    assert strict.incorrect == exact.incorrect + (exact.correct - strict.correct)
    # Strict micro = pooled per-label strict counts (seqeval's micro avg).
    assert strict.correct == sum(result["strict"].per_label[lab].correct for lab in LABELS)
    # Per-unit scores add up to the corpus scores.
    totals = defaultdict(int)
    for unit_scores in score_by(gold, pred).values():
        for scheme in SCHEMES:
            for name, value in zip("CIPMS", counts(unit_scores[scheme].micro)):
                totals[scheme, name] += value
    for scheme in SCHEMES:
        assert tuple(totals[scheme, name] for name in "CIPMS") == counts(result[scheme].micro)


# ---------------------------------------------------------------------------
# 7a. Agreement with seqeval (strict, well-formed BIO)
# ---------------------------------------------------------------------------


def _bio(spans: list[Entity]) -> list[list[str]]:
    sequences = {u: ["O"] * UNIT_LENGTH for u in UNITS}
    for e in spans:
        sequences[e.doc_id][e.start] = f"B-{e.label}"
        for i in range(e.start + 1, e.end):
            sequences[e.doc_id][i] = f"I-{e.label}"
    return [sequences[u] for u in UNITS]


@PROPERTY
@given(gold_and_pred())
def test_property_strict_equals_seqeval(data):
    gold, pred = _non_overlapping(data[0]), _non_overlapping(data[1])
    y_true, y_pred = _bio(gold), _bio(pred)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # seqeval warns on 0/0, which both sides define as 0
        report = classification_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True)
        f1 = f1_score(y_true, y_pred, mode="strict", scheme=IOB2)
    strict = score(gold, pred)["strict"]
    assert strict.micro.f1 == pytest.approx(f1, abs=1e-12)
    micro = report["micro avg"]
    assert prf(strict.micro) == pytest.approx((micro["precision"], micro["recall"], micro["f1-score"]), abs=1e-12)
    present = [label for label in LABELS if label in report]
    assert present == [label for label in LABELS if any(e.label == label for e in gold + pred)]
    for label in present:
        row = strict.per_label[label]
        assert row.possible == report[label]["support"]
        assert prf(row) == pytest.approx(
            (report[label]["precision"], report[label]["recall"], report[label]["f1-score"]), abs=1e-12
        )
    if present:  # seqeval's macro over no label is NaN; ours is 0.0
        macro = report["macro avg"]
        assert prf(strict.macro) == pytest.approx((macro["precision"], macro["recall"], macro["f1-score"]), abs=1e-12)


# ---------------------------------------------------------------------------
# 7b. Agreement with nervaluate 1.2.x (all schemes)
# ---------------------------------------------------------------------------


def _nervaluate(gold: list[Entity], pred: list[Entity], end_offset: int = -1, tags=LABELS) -> dict:
    """nervaluate over the same units; its dict `end` is inclusive, hence end - 1."""
    units = sorted({e.doc_id for e in gold + pred} | {"empty"})

    def docs(spans):
        out = {u: [] for u in units}
        for e in spans:
            out[e.doc_id].append({"label": e.label, "start": e.start, "end": e.end + end_offset})
        return [out[u] for u in units]

    # loader="dict" explicitly: its default loader inspects true[0][0] and fails on an empty first unit.
    return Evaluator(docs(gold), docs(pred), tags=list(tags), loader="dict").evaluate()


def _ner_counts(row) -> tuple[int, int, int, int, int]:
    return row.correct, row.incorrect, row.partial, row.missed, row.spurious


def _same_counts_under_any_matching(gold: list[Entity], pred: list[Entity]) -> bool:
    """True when every one-to-one matching, nervaluate's greedy included, yields our counts.

    That holds when each group of connected overlaps is a star: one span of one
    side overlapped by spans of the other side that overlap nothing else. All
    pairs of the group must also fall in the same class (same boundaries or
    not, same label or not). Then any matching pairs the centre with one leaf
    of the same class, and the other leaves go unmatched.
    """
    edges = [
        (("g", i), ("p", j), ((g.start, g.end) == (p.start, p.end), g.label == p.label))
        for i, g in enumerate(gold)
        for j, p in enumerate(pred)
        if g.doc_id == p.doc_id and g.start < p.end and p.start < g.end
    ]
    neighbours = defaultdict(set)
    for a, b, _ in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    for a, b, cls in edges:
        centre, leaves = (a, neighbours[a]) if len(neighbours[a]) >= len(neighbours[b]) else (b, neighbours[b])
        if any(neighbours[leaf] != {centre} for leaf in leaves):
            return False
    classes = defaultdict(set)
    for a, b, cls in edges:
        centre = a if len(neighbours[a]) >= len(neighbours[b]) else b
        classes[centre].add(cls)
    return all(len(c) == 1 for c in classes.values())


@PROPERTY
@given(gold_and_pred(units=("n0", "n1", "n2", "n3", "n4", "n5")), st.randoms(use_true_random=False))
def test_property_all_schemes_equal_nervaluate_where_matchings_agree(data, rng):
    gold, pred = data
    assume(_same_counts_under_any_matching(gold, pred))
    gold, pred = gold[:], pred[:]
    rng.shuffle(gold)  # nervaluate's greedy order cannot matter on these inputs
    rng.shuffle(pred)
    ours, theirs = score(gold, pred), _nervaluate(gold, pred)
    for scheme, their_scheme in NERVALUATE_SCHEME.items():
        mine, other = ours[scheme].micro, theirs["overall"][their_scheme]
        assert counts(mine) == _ner_counts(other), scheme
        assert prf(mine) == pytest.approx((other.precision, other.recall, other.f1), abs=1e-12), scheme
        for label, per_label in theirs["entities"].items():
            row = ours[scheme].per_label[label]
            assert counts(row) == _ner_counts(per_label[their_scheme]), (scheme, label)
            assert prf(row) == pytest.approx(
                (per_label[their_scheme].precision, per_label[their_scheme].recall, per_label[their_scheme].f1),
                abs=1e-12,
            )


# One test per documented difference (module docstring, N1-N7).


def test_n1_nervaluate_dict_end_is_inclusive():
    gold, pred = [E("u", 0, 2, DEPT)], [E("u", 2, 4, DEPT)]  # adjacent, no shared code point
    assert counts(score(gold, pred)["strict"].micro) == (0, 0, 0, 1, 1)
    assert _ner_counts(_nervaluate(gold, pred, end_offset=-1)["overall"]["strict"]) == (0, 0, 0, 1, 1)
    # Passing half-open ends unchanged makes nervaluate see an overlap at offset 2.
    assert _ner_counts(_nervaluate(gold, pred, end_offset=0)["overall"]["strict"]) == (0, 1, 0, 0, 0)


def test_n2_nervaluate_depends_on_prediction_order():
    gold = [E("u", 0, 5, DEPT)]
    partial_first = [E("u", 0, 3, DEPT), E("u", 0, 5, DEPT)]
    exact_first = partial_first[::-1]
    # nervaluate: the earlier overlapping prediction takes the gold, the identical one is left spurious.
    assert _ner_counts(_nervaluate(gold, partial_first)["overall"]["strict"]) == (0, 1, 0, 0, 1)
    assert _ner_counts(_nervaluate(gold, exact_first)["overall"]["strict"]) == (1, 0, 0, 0, 1)
    for pred in (partial_first, exact_first):
        assert counts(score(gold, pred)["strict"].micro) == (1, 0, 0, 0, 1)


def test_n3_one_alignment_for_all_schemes():
    pred = [E("u", 0, 5, DEPT)]
    gold = [E("u", 0, 5, VAL), E("u", 3, 8, DEPT)]
    theirs = _nervaluate(gold, pred)["overall"]
    assert _ner_counts(theirs["ent_type"]) == (1, 0, 0, 1, 0)  # re-matched to the DEPT gold
    assert _ner_counts(theirs["exact"]) == (1, 0, 0, 1, 0)  # matched to the VALUE gold
    ours = score(gold, pred)
    assert counts(ours["type"].micro) == (0, 1, 0, 1, 0)  # one pair (VALUE gold) in every scheme
    assert counts(ours["exact"].micro) == (1, 0, 0, 1, 0)


def test_n4_tie_break_largest_overlap_not_closest_boundaries():
    gold = [E("u", 0, 7, DEPT), E("u", 9, 11, DEPT)]
    pred = [E("u", 5, 10, DEPT), E("u", 10, 12, DEPT)]
    # nervaluate ent_type: p1 takes g2 (|5-9|+|10-11| = 5 < |5-0|+|10-7| = 8), p2 is left spurious.
    assert _ner_counts(_nervaluate(gold, pred)["overall"]["ent_type"]) == (1, 0, 0, 1, 1)
    assert counts(score(gold, pred)["type"].micro) == (2, 0, 0, 0, 0)


def test_n5_any_shared_code_point_is_an_overlap():
    gold, pred = [E("u", 0, 200, DEPT)], [E("u", 199, 210, DEPT)]  # 1 of 200 gold characters = 0.5%
    assert _ner_counts(_nervaluate(gold, pred)["overall"]["partial"]) == (0, 0, 0, 1, 1)
    assert counts(score(gold, pred)["partial"].micro) == (0, 0, 1, 0, 0)


def test_n6_unknown_labels_raise_instead_of_being_dropped():
    gold, pred = [E("u", 0, 2, "PER"), E("u", 3, 5, DEPT)], [E("u", 3, 5, DEPT)]
    assert _ner_counts(_nervaluate(gold, pred)["overall"]["strict"]) == (1, 0, 0, 0, 0)  # PER silently gone
    with pytest.raises(ValueError, match="PER"):
        score(gold, pred)


def test_n7_every_label_is_listed_and_macro_is_defined():
    gold = pred = [E("u", 0, 2, DEPT)]
    assert set(_nervaluate(gold, pred)["entities"]) == {DEPT}
    strict = score(gold, pred)["strict"]
    assert set(strict.per_label) == set(LABELS)
    assert strict.macro.f1 == 1.0  # only DEPT occurs, so only DEPT is averaged
    assert math.isclose(strict.per_label[DATE].f1, 0.0)
