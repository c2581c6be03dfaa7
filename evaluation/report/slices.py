"""Strict scores by slice, for every report: by entity length, by whether the
entity string occurs in train (seen/unseen), by unit kind (heading,
sentence, trailer...), by script and by plan.

Two kinds of slice. A unit slice (plan, unit kind, script) scores the units
of the slice with the scorer, all four schemes alike. A span slice (length,
seen) puts each gold span and each prediction in the bucket of its own
string: recall over the bucket's gold spans, precision over its
predictions, a hit being an identical (start, end, label) span; F1 from
these. A prediction and the gold span it should have matched can fall in
different buckets (a too-long prediction), as in any span-level breakdown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from evaluation.scorer import Entity, score

LENGTH_BUCKETS = ((1, 2), (3, 4), (5, 8), (9, 16), (17, None))


@dataclass(frozen=True)
class SliceScore:
    name: str
    gold: int
    predicted: int
    precision: float
    recall: float
    f1: float

    def to_dict(self) -> dict:
        return {"slice": self.name, "gold": self.gold, "predicted": self.predicted,
                "precision": self.precision, "recall": self.recall, "f1": self.f1}


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def length_bucket(length: int) -> str:
    for low, high in LENGTH_BUCKETS:
        if length >= low and (high is None or length <= high):
            return f"{low}-{high}" if high else f"{low}+"
    return "0"


def span_slices(gold: Iterable[Entity], pred: Iterable[Entity], bucket: Callable[[Entity], str],
                order: Iterable[str] = ()) -> list[SliceScore]:
    """Strict precision, recall and F1 of each bucket of spans."""
    gold, pred = list(gold), list(pred)
    gold_set, pred_set = set(gold), set(pred)
    counts: dict[str, list[int]] = {}
    for entity in gold:
        row = counts.setdefault(bucket(entity), [0, 0, 0, 0])
        row[0] += 1
        row[1] += entity in pred_set
    for entity in pred:
        row = counts.setdefault(bucket(entity), [0, 0, 0, 0])
        row[2] += 1
        row[3] += entity in gold_set
    names = [n for n in order if n in counts] + sorted(n for n in counts if n not in set(order))
    result = []
    for name in names:
        n_gold, found, n_pred, right = counts[name]
        precision = right / n_pred if n_pred else 0.0
        recall = found / n_gold if n_gold else 0.0
        result.append(SliceScore(name, n_gold, n_pred, precision, recall, _f1(precision, recall)))
    return result


def unit_slices(gold: Iterable[Entity], pred: Iterable[Entity], slice_of_unit: dict[str, str]) -> list[SliceScore]:
    """Strict micro scores of the units of each slice (scorer, all units of
    the slice, including those without spans)."""
    gold_by: dict[str, list[Entity]] = {}
    pred_by: dict[str, list[Entity]] = {}
    for entity in gold:
        gold_by.setdefault(slice_of_unit[entity.doc_id], []).append(entity)
    for entity in pred:
        pred_by.setdefault(slice_of_unit[entity.doc_id], []).append(entity)
    result = []
    for name in sorted(set(slice_of_unit.values())):
        strict = score(gold_by.get(name, []), pred_by.get(name, []))["strict"].micro
        result.append(SliceScore(name, strict.possible, strict.actual, strict.precision, strict.recall, strict.f1))
    return result


def all_slices(units: list, gold: list[Entity], pred: list[Entity], train_strings: frozenset[str] | None = None,
               scripts: dict[str, str] | None = None) -> dict[str, list[SliceScore]]:
    """Every slice the reports show; `seen` needs the train strings, `script`
    the script of each plan."""
    texts = {u.id: u.text for u in units}
    result = {
        "entity length (characters)": span_slices(gold, pred, lambda e: length_bucket(e.end - e.start),
                                                  [length_bucket(low) for low, _ in LENGTH_BUCKETS]),
        "plan": unit_slices(gold, pred, {u.id: u.doc_id for u in units}),
        "unit kind": unit_slices(gold, pred, {u.id: getattr(u, "unit_kind", "") or "unknown" for u in units}),
    }
    if scripts:
        result["script"] = unit_slices(gold, pred, {u.id: scripts.get(u.doc_id) or "unknown" for u in units})
    if train_strings is not None:
        result["entity string in train"] = span_slices(
            gold, pred, lambda e: "seen" if texts[e.doc_id][e.start:e.end] in train_strings else "unseen", ["seen", "unseen"])
    return result
