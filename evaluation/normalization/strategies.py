"""How one predicted normalisation is judged against its gold span.

    VALUE  exact: lo, hi, unit and bound all equal (numbers within
           model.RELATIVE_TOLERANCE); and each field on its own
    DATE   exact: date_from and date_to equal; overlap: the two inclusive
           calendar intervals share at least one day
    DEPT   canonical: the canonical name equal; same body: over every pair
           of DEPT spans of a plan, whether both sides put the two spans in
           one body (pairwise P/R/F1, as for coreference clusters)

A span left unread on both sides (gold unresolvable, system no reading) is
right: the normaliser must not guess. End to end a predicted span counts
only when its offsets and label equal a gold span's AND it is right by the
label's headline measure (VALUE exact, DATE exact, DEPT canonical).
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Callable

from builders.annotation.normalization.model import DECIDED_FIELDS, same_value
from evaluation.normalization.loaders import NormSpan

Judge = Callable[[NormSpan, NormSpan], bool]


def _field(gold: NormSpan, pred: NormSpan, name: str) -> bool:
    a = None if gold.fields is None else gold.fields.get(name)
    b = None if pred.fields is None else pred.fields.get(name)
    return (gold.fields is None) == (pred.fields is None) and same_value(name, a, b)


def field_judge(name: str) -> Judge:
    return lambda gold, pred: _field(gold, pred, name)


def exact(gold: NormSpan, pred: NormSpan) -> bool:
    """Every decided field of the label equal (DEPT: the canonical name)."""
    return all(_field(gold, pred, name) for name in DECIDED_FIELDS[gold.label])


def day_range(value: str, end: bool) -> tuple[int, int, int]:
    """The first (or last) day of a YYYY, YYYY-MM or YYYY-MM-DD date."""
    parts = [int(p) for p in value.split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else (12 if end else 1)
    if len(parts) > 2:
        return (year, month, parts[2])
    return (year, month, calendar.monthrange(year, month)[1] if end else 1)


def date_overlap(gold: NormSpan, pred: NormSpan) -> bool:
    if gold.fields is None or pred.fields is None:
        return gold.fields is None and pred.fields is None
    g0, g1 = day_range(gold.fields["date_from"], False), day_range(gold.fields["date_to"], True)
    p0, p1 = day_range(pred.fields["date_from"], False), day_range(pred.fields["date_to"], True)
    return g0 <= p1 and p0 <= g1


# The measures given the gold spans, per label: name -> judge.
MEASURES: dict[str, dict[str, Judge]] = {
    "VALUE": {"exact": exact, **{f"field:{n}": field_judge(n) for n in DECIDED_FIELDS["VALUE"]}},
    "DATE": {"exact": exact, "overlap": date_overlap},
    "DEPT": {"canonical": exact},
}
HEADLINE = {"VALUE": "exact", "DATE": "exact", "DEPT": "canonical"}


def body_of(span: NormSpan) -> str | None:
    """What identifies the body a DEPT reading names: its id, else its name."""
    if span.fields is None:
        return None
    return span.fields.get("dept_id") or span.fields.get("canonical")


def _pairs(groups: Counter) -> int:
    return sum(n * (n - 1) // 2 for n in groups.values())


def same_body_pairs(pairs: list[tuple[NormSpan, NormSpan]]) -> dict[str, int]:
    """Pairs of DEPT spans of one plan put in one body by gold, by the
    system, and by both. A span unread by one side is in no pair of that
    side; a gold-unresolvable span is left out (gold says no body)."""
    gold_groups, pred_groups, both_groups = Counter(), Counter(), Counter()
    spans = 0
    for gold, pred in pairs:
        g = body_of(gold)
        if gold.label != "DEPT" or g is None:
            continue
        spans += 1
        gold_groups[(gold.doc_id, g)] += 1
        p = body_of(pred)
        if p is not None:
            pred_groups[(gold.doc_id, p)] += 1
            both_groups[(gold.doc_id, g, p)] += 1
    return {"spans": spans, "gold": _pairs(gold_groups), "pred": _pairs(pred_groups), "both": _pairs(both_groups)}


def prf(tp: int, gold: int, pred: int) -> dict:
    p = tp / pred if pred else 0.0
    r = tp / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "gold": gold, "pred": pred, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def end_to_end_counts(gold: list[NormSpan], pred: list[NormSpan], pairs: list[tuple[NormSpan, NormSpan]]) -> dict[str, dict[str, int]]:
    """Per label: gold spans, predicted spans, spans right in offsets and
    label (`span_tp`), and those also right in normalisation (`tp`)."""
    out = {}
    for label in HEADLINE:
        mine = [(g, p) for g, p in pairs if g.label == label]
        judge = MEASURES[label][HEADLINE[label]]
        out[label] = {
            "gold": sum(g.label == label for g in gold),
            "pred": sum(p.label == label for p in pred),
            "span_tp": len(mine),
            "tp": sum(judge(g, p) for g, p in mine),
        }
    return out
