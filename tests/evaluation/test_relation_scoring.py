"""Relation scoring: strict and relaxed matching, per type and label, the
bootstrap interval, and the rules baseline given gold spans and end to end."""

from __future__ import annotations

from builders.annotation.relations.model import RelationRecord
from builders.annotation.relations.propose import propose_measurements, propose_tasks
from evaluation.relations import (
    RelationTuple,
    bootstrap_f1,
    counts,
    evaluate_relations,
    markdown_summary,
    match,
)
from builders.annotation.labels import Span
from builders.annotation.relations.items import PlanView


def t(kind, head, tail=None, label="x", unit=0):
    return RelationTuple(kind, "p", unit, head, tail, label)


def test_strict_needs_exact_arguments_and_relaxed_needs_overlap():
    gold = [t("indicator", (10, 13), (2, 8), "INDICATOR"), t("role", (20, 24), None, "lead")]
    pred = [t("indicator", (10, 13), (3, 8), "INDICATOR"), t("role", (20, 24), None, "support")]
    assert match(gold, pred, relaxed=False) == []
    assert len(match(gold, pred, relaxed=True)) == 1  # the role label still differs
    scores = counts(gold, pred, relaxed=True)
    assert scores["indicator"]["f1"] == 1.0
    assert scores["role"] == {"tp": 0, "gold": 1, "pred": 1, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert scores["role:lead"]["recall"] == 0.0 and scores["role:support"]["precision"] == 0.0


def test_relaxed_matching_is_one_to_one():
    gold = [t("date", (0, 3), (5, 9), "DATE")]
    pred = [t("date", (0, 3), (5, 9), "DATE"), t("date", (1, 3), (6, 9), "DATE")]
    assert counts(gold, pred, relaxed=True)["date"] == {"tp": 1, "gold": 1, "pred": 2, "precision": 0.5, "recall": 1.0, "f1": 0.6667}


def test_bootstrap_interval_brackets_the_estimate():
    gold = [t("kind", (i, i + 2), None, "target", unit=i) for i in range(0, 40, 2)]
    pred = gold[:15] + [t("kind", (i, i + 2), None, "actual", unit=i) for i in range(30, 40, 2)]
    estimate = counts(gold, pred, relaxed=False)["kind"]["f1"]
    low, high = bootstrap_f1(gold, pred, n_resamples=200)["kind"]
    assert low <= estimate <= high and low < high


TEXT = ("一、重点任务\n1.提高污水处理能力。到2025年,全市污水处理率达到95%。(牵头单位:市住建局;配合单位:市环保局)\n"
        "2.加快新农村建设。(责任单位:市农业局、市财政局)\n")
MARKS = [("2025年", "DATE"), ("污水处理率", "INDICATOR"), ("95%", "VALUE"), ("市住建局", "DEPT"), ("市环保局", "DEPT"),
         ("市农业局", "DEPT"), ("市财政局", "DEPT")]


def make_plan(text, marks):
    spans, cursor = [], 0
    for surface, label in marks:
        at = text.index(surface, cursor)
        spans.append(Span(at, at + len(surface), label))
        cursor = at + len(surface)
    return PlanView.from_text("test-plan", text, spans)


def test_rules_baseline_given_gold_spans_and_end_to_end():
    plan = make_plan(TEXT, MARKS)
    # Gold equal to the proposals: the gold-span setting scores 1.0 everywhere it has relations.
    gold = {plan.doc_id: [RelationRecord(r, {"status": "reviewed"}) for r in propose_tasks(plan) + propose_measurements(plan)]}
    result = evaluate_relations([plan], gold, n_resamples=50)
    assert result["gold_spans"]["strict"]["role"]["f1"] == 1.0
    assert result["gold_spans"]["strict"]["indicator"]["f1"] == 1.0
    assert result["gold_relations"] == 4 + 1 + 4  # roles, deadline, and indicator/date/kind/change of one value
    # End to end the spans come from the pre-annotator, so scores can only be lower or equal.
    for name in ("role", "indicator", "date", "kind", "change"):
        assert result["end_to_end"]["strict"][name]["f1"] <= result["gold_spans"]["strict"][name]["f1"]
    assert "| role |" in markdown_summary(result)
