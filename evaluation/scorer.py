"""Span-level scoring of entity predictions against gold spans.

Conventions
-----------
* An entity is ``Entity(doc_id, start, end, label)``. ``doc_id`` names the unit
  (or document) the span belongs to; spans of different units never meet.
* Offsets are Unicode code points into the unit's text, half-open ``[start, end)``:
  the span covers ``text[start:end]`` and ``0 <= start < end``.
* Two spans overlap when they share at least one code point,
  ``a.start < b.end and b.start < a.end``; adjacent spans ``[0, 2)`` and
  ``[2, 4)`` do not overlap.
* Gold and predictions are multisets: order never matters, and a span listed
  twice counts twice. Labels must belong to the label set
  (``annotations/labels.yaml`` unless ``labels`` is passed).

Matching: one alignment, four views
-----------------------------------
Within each unit, gold and predicted spans are aligned one-to-one. Any gold and
predicted span that overlap form a candidate pair. Candidate pairs are ranked by

1. exact boundaries (same ``start`` and ``end``) first;
2. then same label before a different label;
3. then larger overlap (in code points) first;
4. then leftmost: smaller gold start, smaller predicted start, smaller gold end,
   smaller predicted end, then label names. Only identical spans tie, and those
   are interchangeable.

The pairs are taken greedily in that order, skipping a pair whose gold or
prediction is already matched. Input order therefore plays no part. The matching
is also stable: for every overlapping pair left unmatched, the gold or the
prediction already has a partner it ranks higher. Identical spans (same
boundaries and label) are always matched to each other. An unmatched gold span
is MISSED (MIS) and an unmatched prediction is SPURIOUS (SPU) under every scheme.
Each matched pair is classified under all four SemEval-2013 task 9.1 schemes
(Segura-Bedmar et al. 2013; the same definitions as nervaluate):

    matched pair                        strict  exact  partial  type
    same boundaries, same label         COR     COR    COR      COR
    same boundaries, other label        INC     COR    COR      INC
    overlap only,    same label         INC     INC    PAR      COR
    overlap only,    other label        INC     INC    PAR      INC

All four schemes use the same matching, so their counts describe the same
pairs. The confusion table and the boundary breakdown describe those pairs too.

Metrics
-------
``possible = COR + INC + PAR + MIS`` (the number of gold spans) and
``actual = COR + INC + PAR + SPU`` (the number of predictions).
``precision = (COR + 0.5 * PAR) / actual`` and
``recall = (COR + 0.5 * PAR) / possible``. PAR is zero outside ``partial``, so
strict, exact and type reduce to ``COR / actual`` and ``COR / possible``.
F1 is the harmonic mean of the two. A ratio with a zero denominator is 0.0, as
in seqeval and nervaluate.

* ``micro`` is the alignment over all labels, the only place where the
  label-blind schemes (exact, partial) give credit across labels. For strict it
  equals seqeval's ``micro avg``.
* ``per_label[L]`` restricts both sides to label L and aligns them again with the
  same rule, as seqeval and nervaluate do. A label swap is therefore a miss for
  the gold label and a spurious span for the predicted one in the per-label rows,
  even under exact and partial.
* ``macro`` is the unweighted mean of per-label precision, recall and F1 over the
  labels that occur in gold or predictions (seqeval's ``macro avg``). Macro F1 is
  the mean of the F1s, not the F1 of the mean P and R. ``per_label`` still lists
  every label of the label set, with zeros, so reports keep one shape.

Differences from nervaluate 1.2.x
---------------------------------
Each difference is pinned by a test in ``tests/test_scorer.py``.

N1. Offsets. nervaluate's dict input takes ``end`` as inclusive (its overlap
    test and overlap length add 1). Pass ``end - 1``. Passing the half-open end
    unchanged makes adjacent spans overlap.
N2. Input order. nervaluate walks the predictions in input order, and each takes
    the first unmatched overlapping gold in input order (strict/exact/partial
    only jump ahead for an exact match). An earlier overlapping prediction can
    therefore take a gold that a later prediction matches exactly, so the
    identical pair is lost, and permuting the input changes the counts. Here the
    ranked matching above always keeps identical pairs.
N3. One alignment, not four. nervaluate matches afresh for each scheme. Its
    ``ent_type`` prefers a same-label overlapping gold over an exact-boundary
    gold with another label; we prefer exact boundaries in every scheme. So
    ``pred [0,5) A`` with ``gold [0,5) B, [3,8) A`` is type COR=1 MIS=1 there
    and INC=1 MIS=1 here.
N4. Tie-break. Among several overlapping golds, nervaluate's ``ent_type`` takes
    the closest boundaries (the smallest ``|Δstart| + |Δend|``) and the other
    schemes take the first in input order. We take the largest overlap, then
    the leftmost. The counts differ only when the gold left unmatched was
    wanted by another prediction.
N5. Overlap threshold. nervaluate needs the overlap to be at least 1% of the
    gold span (``min_overlap_percentage=1.0``), so a 1-character overlap with
    a gold span longer than 100 characters is not an overlap there. Here any
    shared code point is an overlap.
N6. Unknown labels. nervaluate silently drops entities whose label is not in
    ``tags``; here they raise ``ValueError``, so a typo cannot silently improve
    a score. Invalid offsets (``start >= end`` or ``start < 0``) also raise.
N7. Label rows. nervaluate reports only the labels that occur and has no macro
    average; ``per_label`` here lists every label, and ``macro`` is defined
    above.

Speed: the core is pure Python. Identical spans, which are most of the pairs
for a usable system, are matched by one multiset intersection over the whole
corpus, done in C. The remaining spans of both sides are sorted by
(unit, start) and swept once for overlapping pairs. The pairs are ranked by one
sort and taken greedily. The cost is about ``O(n log n + overlapping pairs)``,
with no quadratic pass over a unit or over the corpus.

The bootstrap (``bootstrap``, ``paired_bootstrap``) resamples units with
replacement, using numpy for the resampled sums.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import filterfalse, repeat
from operator import add, attrgetter, itemgetter
from typing import Any

from builders.annotation.labels import load_labels

SCHEMES: tuple[str, ...] = ("strict", "exact", "partial", "type")
METRICS: tuple[str, ...] = ("precision", "recall", "f1")
MISSED = "MISSED"
SPURIOUS = "SPURIOUS"
BOUNDARY_KINDS: tuple[str, ...] = ("too_long", "too_short", "shifted_left", "shifted_right")

# Partial credit for a PAR pair (SemEval-2013 task 9.1). Only `partial` has PAR.
_PARTIAL_WEIGHT = 0.5


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Entity:
    """A labelled span ``[start, end)`` of unit ``doc_id``, in Unicode code points.

    Ordering is by ``(doc_id, start, end, label)``; results list entities in it.
    """

    doc_id: str
    start: int
    end: int
    label: str

    def __post_init__(self) -> None:
        # Checked here, once, so the scoring loops can trust every span.
        if not (isinstance(self.start, int) and isinstance(self.end, int)):
            raise TypeError(f"offsets must be int: {self!r}")
        if not 0 <= self.start < self.end:
            raise ValueError(f"need 0 <= start < end (half-open code-point span): {self!r}")


# A row is an entity as a plain tuple: hashing and comparing tuples runs in C,
# which is what makes the corpus-wide set operations below fast.
Row = tuple[str, int, int, str]
_ROW = attrgetter("doc_id", "start", "end", "label")
_LABEL = itemgetter(3)
_DOC_LABEL = itemgetter(0, 3)


def _label_names(labels: Sequence[str] | None) -> tuple[str, ...]:
    names = tuple(load_labels().names if labels is None else labels)
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate labels in {names}")
    return names


def _rows(entities: Iterable[Entity], labels: Sequence[str]) -> list[Row]:
    rows = list(map(_ROW, entities))
    unknown = set(map(_LABEL, rows)).difference(labels)
    if unknown:
        raise ValueError(f"labels not in the label set {tuple(labels)}: {sorted(unknown)}")
    return rows


# ---------------------------------------------------------------------------
# Alignment
# ---------------------------------------------------------------------------


def _split_identical(gold: list[Row], pred: list[Row]) -> tuple[list[Row], list[Row], list[Row]]:
    """Match identical rows (multiset intersection): (identical, gold rest, pred rest).

    Identical pairs rank first and never compete with each other, except as
    duplicates, so removing them first yields the ranked matching exactly.
    """
    same = set(gold).intersection(pred)
    # filterfalse over a bound method filters in C. The rest keeps input order,
    # which usually goes unit by unit, so the sort in `_match` is nearly a merge.
    gold_rest = list(filterfalse(same.__contains__, gold))
    pred_rest = list(filterfalse(same.__contains__, pred))
    if len(gold) - len(gold_rest) == len(same) == len(pred) - len(pred_rest):
        return list(same), gold_rest, pred_rest
    # A shared row is listed twice on one side: count multiplicities instead.
    gold_count, pred_count = Counter(gold), Counter(pred)
    same_count = gold_count & pred_count
    return (
        list(same_count.elements()),
        list((gold_count - same_count).elements()),
        list((pred_count - same_count).elements()),
    )


# A span is a row with its side appended: (doc_id, start, end, label, side),
# side 0 for gold and 1 for a prediction.
Span = tuple[str, int, int, str, int]

# Positions in a pair key (see `_ranked_pairs`).
_SAME_BOUNDS, _OTHER_LABEL, _GOLD_LABEL, _GOLD_N, _PRED_N = 0, 1, 7, 9, 10


def _ranked_pairs(spans: list[Span]) -> list[tuple]:
    """Every overlapping (gold, prediction) pair, as sort keys in ranking order.

    ``spans`` holds the spans of both sides, sorted. One sweep covers the whole
    corpus. Each side keeps the list of its spans that are still open in the
    current unit, and the later of the two spans of a pair finds the other in
    that list. Each pair is thus produced exactly once, at equal starts too,
    and the cost follows the number of overlaps, not the product of the two
    sides.

    A key is (not same boundaries, not same label, -overlap, gold start,
    pred start, gold end, pred end, gold label, pred label, gold index,
    pred index): the ranking of the module docstring, then positions in
    ``spans`` so that identical spans are still told apart. Pairs of different
    units never share a span, so one corpus-wide sort ranks each unit correctly.
    """
    ranked: list[tuple] = []
    add = ranked.append
    unit = None
    open_spans: tuple[list[tuple[int, int, int, str]], list[tuple[int, int, int, str]]] = ([], [])
    for n, (doc_id, start, end, label, side) in enumerate(spans):
        if doc_id != unit:
            unit = doc_id
            open_spans = ([], [])
        others = open_spans[1 - side]
        if len(others) > 8:
            # Spans that ended at or before this start can never overlap again;
            # pruning only long lists keeps the common short case cheap.
            others[:] = [o for o in others if o[0] > start]
        for o_end, o_n, o_start, o_label in others:
            if o_end <= start:
                continue
            # The other span started no later, so the overlap is [start, min(ends)).
            overlap = (o_end if o_end < end else end) - start
            if side:  # this is the prediction
                add((o_start != start or o_end != end, o_label != label, -overlap,
                     o_start, start, o_end, end, o_label, label, o_n, n))  # fmt: skip
            else:
                add((start != o_start or end != o_end, label != o_label, -overlap,
                     start, o_start, end, o_end, label, o_label, n, o_n))  # fmt: skip
        open_spans[side].append((end, n, start, label))
    ranked.sort()
    return ranked


def _greedy(ranked: list[tuple], same_label_only: bool) -> list[tuple]:
    """The keys of the ranked pairs taken while their gold and prediction are both free."""
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    taken = []
    for key in ranked:
        if same_label_only and key[_OTHER_LABEL]:
            continue
        gold_n, pred_n = key[_GOLD_N], key[_PRED_N]
        if gold_n in used_gold or pred_n in used_pred:
            continue
        used_gold.add(gold_n)
        used_pred.add(pred_n)
        taken.append(key)
    return taken


@dataclass(frozen=True)
class _Matching:
    identical: list[Row]  # gold rows matched to an identical prediction
    spans: list[Span]  # all other rows of both sides, sorted
    joint: list[tuple]  # keys of the other matched pairs, all labels
    same_label: list[tuple]  # keys of the other matched pairs of the per-label view


def _match(gold: list[Row], pred: list[Row]) -> _Matching:
    identical, gold_rest, pred_rest = _split_identical(gold, pred)
    spans = list(map(add, gold_rest, repeat((0,))))  # tuple concatenation, in C
    spans += map(add, pred_rest, repeat((1,)))
    spans.sort()
    ranked = _ranked_pairs(spans)
    # Restricting the ranking to same-label pairs keeps their order, so the
    # per-label matching reuses the sorted list.
    return _Matching(identical, spans, _greedy(ranked, False), _greedy(ranked, True))


@dataclass(frozen=True)
class Alignment:
    """The one-to-one matching of gold and predicted spans (module docstring).

    ``pairs`` are (gold, prediction) pairs; ``missed`` and ``spurious`` are the
    unmatched gold spans and predictions. All three are sorted.
    """

    pairs: tuple[tuple[Entity, Entity], ...]
    missed: tuple[Entity, ...]
    spurious: tuple[Entity, ...]

    def to_dict(self) -> dict[str, Any]:
        def span(e: Entity) -> dict[str, Any]:
            return {"doc_id": e.doc_id, "start": e.start, "end": e.end, "label": e.label}

        return {
            "pairs": [{"gold": span(g), "pred": span(p)} for g, p in self.pairs],
            "missed": [span(e) for e in self.missed],
            "spurious": [span(e) for e in self.spurious],
        }


def align(gold: Iterable[Entity], pred: Iterable[Entity], labels: Sequence[str] | None = None) -> Alignment:
    """Align gold and predicted spans one-to-one by the ranked matching."""
    names = _label_names(labels)
    matching = _match(_rows(gold, names), _rows(pred, names))
    entities = [Entity(*span[:4]) for span in matching.spans]
    pairs = [(Entity(*row), Entity(*row)) for row in matching.identical]
    pairs += [(entities[key[_GOLD_N]], entities[key[_PRED_N]]) for key in matching.joint]
    matched = {key[_GOLD_N] for key in matching.joint} | {key[_PRED_N] for key in matching.joint}
    unmatched = [(span[4], entities[n]) for n, span in enumerate(matching.spans) if n not in matched]
    return Alignment(
        pairs=tuple(sorted(pairs)),
        missed=tuple(sorted(e for side, e in unmatched if side == 0)),
        spurious=tuple(sorted(e for side, e in unmatched if side == 1)),
    )


# ---------------------------------------------------------------------------
# Counting
# ---------------------------------------------------------------------------
#
# All four schemes, micro and per label, follow from a short count vector per
# unit (or group), so bootstrap resamples only need sums of vectors. Layout for
# K labels: for label k, [4k..4k+3] = gold spans, predictions, identical pairs,
# same-label non-identical pairs of the per-label matching. Then [4K..4K+2] =
# pairs of the all-label matching with the same boundaries but another label,
# overlap only and the same label, and overlap only with another label.


def _count_vectors(
    matching: _Matching,
    gold: list[Row],
    pred: list[Row],
    labels: Sequence[str],
    group: Callable[[str], Hashable] | None,
) -> dict[Hashable, list[int]]:
    """Count vectors per ``group(doc_id)``, or one vector under key None."""
    k = len(labels)
    slot = {label: 4 * i for i, label in enumerate(labels)}
    vectors: dict[Hashable, list[int]] = {}

    def vector(key: Hashable) -> list[int]:
        found = vectors.get(key)
        if found is None:
            found = vectors[key] = [0] * (4 * k + 3)
        return found

    spans = matching.spans
    if group is None:
        # Whole-corpus totals: everything is counted in C, no per-row Python work.
        total = vector(None)
        for offset, labels_seen in enumerate((
            map(_LABEL, gold),
            map(_LABEL, pred),
            map(_LABEL, matching.identical),
            map(itemgetter(_GOLD_LABEL), matching.same_label),
        )):  # fmt: skip
            for label, n in Counter(labels_seen).items():
                total[slot[label] + offset] += n
        kinds = Counter(map(itemgetter(_SAME_BOUNDS, _OTHER_LABEL), matching.joint))
    else:
        for offset, keys in enumerate((
            map(_DOC_LABEL, gold),
            map(_DOC_LABEL, pred),
            map(_DOC_LABEL, matching.identical),
            ((spans[key[_GOLD_N]][0], key[_GOLD_LABEL]) for key in matching.same_label),
        )):  # fmt: skip
            for (doc_id, label), n in Counter(keys).items():
                vector(group(doc_id))[slot[label] + offset] += n
        kinds = Counter(
            (group(spans[key[_GOLD_N]][0]), key[_SAME_BOUNDS], key[_OTHER_LABEL]) for key in matching.joint
        )
    # (not same boundaries, other label) -> slot: identical pairs, (False, False), were split off before.
    kind_slot = {(False, True): 0, (True, False): 1, (True, True): 2}
    for kind, n in kinds.items():
        key = None if group is None else kind[0]
        vector(key)[4 * k + kind_slot[kind[-2:]]] += n
    return vectors


# ---------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """SemEval counts of one scheme for one row (micro or one label), and their metrics.

    PAR earns half credit, and a zero denominator gives 0.0. The metrics are
    properties, so building the many rows of per-unit scores stays cheap.
    """

    correct: int = 0
    incorrect: int = 0
    partial: int = 0
    missed: int = 0
    spurious: int = 0

    @property
    def possible(self) -> int:
        return self.correct + self.incorrect + self.partial + self.missed

    @property
    def actual(self) -> int:
        return self.correct + self.incorrect + self.partial + self.spurious

    @property
    def precision(self) -> float:
        return _ratio(self.correct + _PARTIAL_WEIGHT * self.partial, self.actual)

    @property
    def recall(self) -> float:
        return _ratio(self.correct + _PARTIAL_WEIGHT * self.partial, self.possible)

    @property
    def f1(self) -> float:
        precision, recall = self.precision, self.recall
        return _ratio(2 * precision * recall, precision + recall)

    def to_dict(self) -> dict[str, Any]:
        return {
            "correct": self.correct,
            "incorrect": self.incorrect,
            "partial": self.partial,
            "missed": self.missed,
            "spurious": self.spurious,
            "possible": self.possible,
            "actual": self.actual,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


@dataclass(frozen=True)
class Average:
    """Precision, recall and F1 of an average over labels."""

    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1}


@dataclass(frozen=True)
class SchemeScores:
    """One scheme: ``micro`` (all-label matching), ``per_label`` and ``macro`` rows."""

    scheme: str
    micro: Score
    per_label: Mapping[str, Score]

    @property
    def macro(self) -> Average:
        """Mean per-label P, R and F1 over the labels that occur in gold or predictions."""
        rows = [row for row in self.per_label.values() if row.possible or row.actual]
        return Average(
            _ratio(sum(r.precision for r in rows), len(rows)),
            _ratio(sum(r.recall for r in rows), len(rows)),
            _ratio(sum(r.f1 for r in rows), len(rows)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "micro": self.micro.to_dict(),
            "macro": self.macro.to_dict(),
            "per_label": {label: s.to_dict() for label, s in self.per_label.items()},
        }


@dataclass(frozen=True)
class Scores:
    """The four schemes for one set of units. ``scores["strict"].micro.f1``."""

    schemes: Mapping[str, SchemeScores]
    n_gold: int
    n_pred: int

    def __getitem__(self, scheme: str) -> SchemeScores:
        return self.schemes[scheme]

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_gold": self.n_gold,
            "n_pred": self.n_pred,
            "schemes": {name: s.to_dict() for name, s in self.schemes.items()},
        }


def _scores_from_vector(vector: Sequence[int], labels: Sequence[str]) -> Scores:
    k = len(labels)
    exact_other, overlap_same, overlap_other = vector[4 * k : 4 * k + 3]
    n_gold = sum(vector[0 : 4 * k : 4])
    n_pred = sum(vector[1 : 4 * k : 4])
    identical = sum(vector[2 : 4 * k : 4])
    matched = identical + exact_other + overlap_same + overlap_other
    missed, spurious = n_gold - matched, n_pred - matched
    overlap = overlap_same + overlap_other
    micro = {  # (COR, INC, PAR) per the table in the module docstring
        "strict": (identical, exact_other + overlap, 0),
        "exact": (identical + exact_other, overlap, 0),
        "partial": (identical + exact_other, 0, overlap),
        "type": (identical + overlap_same, exact_other + overlap_other, 0),
    }
    per_label: dict[str, dict[str, Score]] = {scheme: {} for scheme in SCHEMES}
    for i, label in enumerate(labels):
        gold_n, pred_n, same, near = vector[4 * i : 4 * i + 4]
        missed_l, spurious_l = gold_n - same - near, pred_n - same - near
        # Per-label pairs share the label, so only boundaries decide: exact is
        # strict, and without near misses all four schemes coincide. Scores are
        # immutable, so equal rows share one object (per-unit scoring builds many).
        strict = Score(same, near, 0, missed_l, spurious_l)
        partial = Score(same, 0, near, missed_l, spurious_l) if near else strict
        kind = Score(same + near, 0, 0, missed_l, spurious_l) if near else strict
        for scheme, row in zip(SCHEMES, (strict, strict, partial, kind)):
            per_label[scheme][label] = row
    schemes = {
        scheme: SchemeScores(scheme, Score(*micro[scheme], missed, spurious), per_label[scheme]) for scheme in SCHEMES
    }
    return Scores(schemes, n_gold, n_pred)


def score(gold: Iterable[Entity], pred: Iterable[Entity], labels: Sequence[str] | None = None) -> Scores:
    """Score predictions against gold under the four schemes (module docstring)."""
    names = _label_names(labels)
    gold_rows, pred_rows = _rows(gold, names), _rows(pred, names)
    vectors = _count_vectors(_match(gold_rows, pred_rows), gold_rows, pred_rows, names, None)
    return _scores_from_vector(vectors.get(None, [0] * (4 * len(names) + 3)), names)


def score_by(
    gold: Iterable[Entity],
    pred: Iterable[Entity],
    key: Callable[[str], Hashable] | None = None,
    labels: Sequence[str] | None = None,
    units: Iterable[str] | None = None,
) -> dict[Hashable, Scores]:
    """Scores per group of units, ``key(doc_id)`` (default: per unit).

    The alignment is the corpus one, so group scores add up to it. Pass
    ``units`` to include units without any span, which would be absent from
    the result otherwise. Groups come out sorted by their key.
    """
    names = _label_names(labels)
    group = key if key is not None else (lambda doc_id: doc_id)
    gold_rows, pred_rows = _rows(gold, names), _rows(pred, names)
    vectors = _count_vectors(_match(gold_rows, pred_rows), gold_rows, pred_rows, names, group)
    empty = [0] * (4 * len(names) + 3)
    keys = set(vectors) | {group(u) for u in units or ()}
    return {k: _scores_from_vector(vectors.get(k, empty), names) for k in sorted(keys)}


# ---------------------------------------------------------------------------
# Error analysis
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfusionTable:
    """Matched pairs by gold label (rows) × predicted label (columns).

    The column MISSED counts unmatched gold spans, and the row SPURIOUS counts
    unmatched predictions. Pairs come from the all-label matching, so every gold
    span appears in exactly one cell of its row, and every prediction in
    exactly one cell of its column.
    """

    labels: tuple[str, ...]
    counts: Mapping[tuple[str, str], int]

    def __getitem__(self, cell: tuple[str, str]) -> int:
        return self.counts.get(cell, 0)

    def to_dict(self) -> dict[str, dict[str, int]]:
        table = {g: {p: self[g, p] for p in (*self.labels, MISSED)} for g in self.labels}
        table[SPURIOUS] = {p: self[SPURIOUS, p] for p in self.labels}
        return table


def confusion_table(alignment: Alignment, labels: Sequence[str] | None = None) -> ConfusionTable:
    """Gold label × predicted label over an alignment's pairs, with MISSED and SPURIOUS."""
    counts = Counter((g.label, p.label) for g, p in alignment.pairs)
    counts.update((e.label, MISSED) for e in alignment.missed)
    counts.update((SPURIOUS, e.label) for e in alignment.spurious)
    return ConfusionTable(_label_names(labels), dict(counts))


def boundary_kind(gold: Entity, pred: Entity) -> str | None:
    """How an overlapping prediction's boundaries differ from the gold span's.

    None for identical boundaries; otherwise ``too_long`` (the prediction
    contains the gold span), ``too_short`` (the gold span contains the
    prediction), ``shifted_left`` (both ends earlier) or ``shifted_right``
    (both ends later). For overlapping spans the four cases are exhaustive.
    """
    if gold.start == pred.start and gold.end == pred.end:
        return None
    if pred.start <= gold.start and pred.end >= gold.end:
        return "too_long"
    if pred.start >= gold.start and pred.end <= gold.end:
        return "too_short"
    return "shifted_left" if pred.start < gold.start else "shifted_right"


@dataclass(frozen=True)
class BoundaryErrors:
    """Same-label matched pairs with wrong boundaries, by label and kind."""

    per_label: Mapping[str, Mapping[str, int]]

    @property
    def total(self) -> dict[str, int]:
        return {kind: sum(row[kind] for row in self.per_label.values()) for kind in BOUNDARY_KINDS}

    def to_dict(self) -> dict[str, Any]:
        return {"per_label": {label: dict(row) for label, row in self.per_label.items()}, "total": self.total}


def boundary_errors(alignment: Alignment, labels: Sequence[str] | None = None) -> BoundaryErrors:
    """Break down an alignment's same-label, non-identical pairs by ``boundary_kind``."""
    names = _label_names(labels)
    per_label = {label: dict.fromkeys(BOUNDARY_KINDS, 0) for label in names}
    for g, p in alignment.pairs:
        kind = boundary_kind(g, p)
        if kind is not None and g.label == p.label:
            per_label[g.label][kind] += 1
    return BoundaryErrors(per_label)


# ---------------------------------------------------------------------------
# Bootstrap over units
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A point estimate with a percentile bootstrap interval [low, high]."""

    estimate: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float]:
        return {"estimate": self.estimate, "low": self.low, "high": self.high}


def _metric(scores: Scores, scheme: str, average: str, metric: str) -> float:
    """``average`` is "micro", "macro" or a label name; ``metric`` one of METRICS."""
    rows = scores[scheme]
    row = rows.micro if average == "micro" else rows.macro if average == "macro" else rows.per_label[average]
    return getattr(row, metric)


def _unit_matrix(
    gold_rows: list[Row], pred_rows: list[Row], names: Sequence[str], units: Iterable[str] | None
) -> tuple[list[str], list[list[int]]]:
    """Sorted units and their count vectors (units given or seen in the rows)."""
    vectors = _count_vectors(_match(gold_rows, pred_rows), gold_rows, pred_rows, names, lambda d: d)
    unit_ids = sorted(set(units) if units is not None else vectors.keys())
    unknown = vectors.keys() - set(unit_ids)
    if unknown:
        raise ValueError(f"entities of units not in `units`: {sorted(unknown)[:5]}")
    if not unit_ids:
        raise ValueError("no units to resample")
    empty = [0] * (4 * len(names) + 3)
    return unit_ids, [vectors.get(u, empty) for u in unit_ids]


def _resampled_sums(matrices: Sequence[list[list[int]]], n_resamples: int, seed: int) -> list[list[list[int]]]:
    """Per resample, the summed count vectors of each matrix over one draw of units.

    The units are drawn with replacement, and all matrices share each draw
    (paired). numpy does the sums: the unit multiplicities of a batch of draws
    times the unit × count matrix. The product is in float64 so that it runs on
    BLAS; counts are far below 2**53, so it is exact.
    """
    import numpy as np  # only the bootstrap needs numpy; the scorer core is pure Python

    if n_resamples < 1:
        raise ValueError("n_resamples must be >= 1")
    arrays = [np.asarray(m, dtype=np.float64) for m in matrices]
    n_units = arrays[0].shape[0]
    rng = np.random.default_rng(seed)
    sums: list[list[list[int]]] = []
    batch = 64
    for first in range(0, n_resamples, batch):
        weights = np.stack([
            np.bincount(rng.integers(0, n_units, size=n_units), minlength=n_units)
            for _ in range(min(batch, n_resamples - first))
        ]).astype(np.float64)  # fmt: skip
        per_matrix = [np.rint(weights @ a).astype(np.int64).tolist() for a in arrays]
        sums.extend(map(list, zip(*per_matrix)))
    return sums


def _interval(estimate: float, values: Sequence[float], confidence: float) -> Interval:
    import numpy as np

    alpha = 1.0 - confidence
    low, high = np.quantile(np.asarray(values, dtype=float), [alpha / 2, 1 - alpha / 2])
    return Interval(estimate, float(low), float(high))


def _flat_metrics(scores: Scores, labels: Sequence[str]) -> list[float]:
    """P, R, F1 for each scheme of micro, macro and each label, in that order."""
    values: list[float] = []
    for scheme in SCHEMES:
        rows = scores[scheme]
        for row in (rows.micro, rows.macro, *(rows.per_label[label] for label in labels)):
            values += (row.precision, row.recall, row.f1)
    return values


@dataclass(frozen=True)
class BootstrapResult:
    """Percentile intervals: ``intervals[scheme][average][metric]``.

    ``average`` is "micro", "macro" or a label name.
    """

    intervals: Mapping[str, Mapping[str, Mapping[str, Interval]]]
    confidence: float
    n_resamples: int
    seed: int
    n_units: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "confidence": self.confidence,
            "n_resamples": self.n_resamples,
            "seed": self.seed,
            "n_units": self.n_units,
            "intervals": {
                scheme: {avg: {m: i.to_dict() for m, i in row.items()} for avg, row in rows.items()}
                for scheme, rows in self.intervals.items()
            },
        }


def bootstrap(
    gold: Iterable[Entity],
    pred: Iterable[Entity],
    *,
    labels: Sequence[str] | None = None,
    units: Iterable[str] | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> BootstrapResult:
    """Percentile bootstrap intervals for every scheme, average and metric.

    Units are resampled with replacement, so the intervals reflect variation
    between units, not between spans. ``units`` lists the units to draw from;
    pass it to include units without any span, which count as draws with zero
    counts. By default the draw is over the units seen in gold or predictions.
    The result is reproducible for a given seed and numpy version.
    """
    names = _label_names(labels)
    gold_rows, pred_rows = _rows(gold, names), _rows(pred, names)
    unit_ids, matrix = _unit_matrix(gold_rows, pred_rows, names, units)
    full = _scores_from_vector([sum(col) for col in zip(*matrix)], names)
    averages = ("micro", "macro", *names)
    keys = [(s, a, m) for s in SCHEMES for a in averages for m in METRICS]
    samples = [
        _flat_metrics(_scores_from_vector(sums[0], names), names)
        for sums in _resampled_sums([matrix], n_resamples, seed)
    ]
    intervals: dict[str, dict[str, dict[str, Interval]]] = {s: {a: {} for a in averages} for s in SCHEMES}
    for column, (s, a, m) in enumerate(keys):
        intervals[s][a][m] = _interval(_metric(full, s, a, m), [row[column] for row in samples], confidence)
    return BootstrapResult(intervals, confidence, n_resamples, seed, len(unit_ids))


@dataclass(frozen=True)
class PairedBootstrapResult:
    """Paired bootstrap of system A against system B on one metric.

    ``p_value`` estimates the probability that A is not better than B:
    ``(1 + #{resamples with metric_A <= metric_B}) / (1 + n_resamples)``.
    This is Koehn's (2004) paired bootstrap, with add-one smoothing so the
    estimate is never 0. ``delta`` = A - B on the full data, with its interval.
    """

    scheme: str
    average: str
    metric: str
    a: float
    b: float
    delta: Interval
    p_value: float
    n_resamples: int
    seed: int
    n_units: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "average": self.average,
            "metric": self.metric,
            "a": self.a,
            "b": self.b,
            "delta": self.delta.to_dict(),
            "p_value": self.p_value,
            "n_resamples": self.n_resamples,
            "seed": self.seed,
            "n_units": self.n_units,
        }


def paired_bootstrap(
    gold: Iterable[Entity],
    pred_a: Iterable[Entity],
    pred_b: Iterable[Entity],
    *,
    scheme: str = "strict",
    metric: str = "f1",
    average: str = "micro",
    labels: Sequence[str] | None = None,
    units: Iterable[str] | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedBootstrapResult:
    """Compare two systems on the same gold, resampling the same units for both.

    By default the draw is over the units seen in gold or in either prediction.
    """
    names = _label_names(labels)
    if scheme not in SCHEMES or metric not in METRICS or average not in ("micro", "macro", *names):
        raise ValueError(f"unknown scheme/metric/average: {scheme!r}, {metric!r}, {average!r}")
    gold_rows = _rows(gold, names)
    a_rows, b_rows = _rows(pred_a, names), _rows(pred_b, names)
    if units is None:
        units = {row[0] for rows in (gold_rows, a_rows, b_rows) for row in rows}
    units = list(units)
    unit_ids, matrix_a = _unit_matrix(gold_rows, a_rows, names, units)
    _, matrix_b = _unit_matrix(gold_rows, b_rows, names, units)

    def value(matrix_sum: Sequence[int]) -> float:
        return _metric(_scores_from_vector(matrix_sum, names), scheme, average, metric)

    a = value([sum(col) for col in zip(*matrix_a)])
    b = value([sum(col) for col in zip(*matrix_b)])
    deltas = [value(sa) - value(sb) for sa, sb in _resampled_sums([matrix_a, matrix_b], n_resamples, seed)]
    not_better = sum(d <= 0 for d in deltas)
    return PairedBootstrapResult(
        scheme,
        average,
        metric,
        a,
        b,
        _interval(a - b, deltas, confidence),
        (1 + not_better) / (1 + n_resamples),
        n_resamples,
        seed,
        len(unit_ids),
    )
