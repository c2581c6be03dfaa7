"""Inter-annotator agreement between the first and the independent second
annotation of the same units.

Two measures, per label and overall:
- strict span F1: a span agrees when start, end and label are identical
  (symmetric: either annotator can be the reference);
- Cohen's kappa on characters: each character of the shared units is labelled
  with the label of the span covering it, or O.

Computed on the first pass as imported (annotations/first/), never on the
adjudicated gold, so adjudication cannot inflate the figures.

Both measures are functions of counts that add up across plans (spans per
label; a confusion table of characters, first label by second label), so a
build keeps each plan's counts (`plan_counts`) and sums them
(`from_counts`) instead of reading every plan's annotations again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from builders.annotation.gold import UnitAnnotation
from builders.annotation.labels import Span


@dataclass(frozen=True)
class Agreement:
    units: int
    characters: int
    span_f1: dict[str, float]
    span_counts: dict[str, dict[str, int]]
    kappa: dict[str, float]

    def to_dict(self) -> dict:
        return {
            "units": self.units,
            "characters": self.characters,
            "span_f1": self.span_f1,
            "span_counts": self.span_counts,
            "kappa": self.kappa,
        }


def _f1(first: int, second: int, both: int) -> float:
    return 2 * both / (first + second) if first + second else 1.0


def cohen_kappa(first: list[str], second: list[str]) -> float:
    """Cohen's kappa of two equally long label sequences; 1.0 when both are
    constant and equal (no disagreement is possible to measure)."""
    n = len(first)
    return _kappa(n, sum(a == b for a, b in zip(first, second)), Counter(first), Counter(second))


def _kappa(n: int, matches: int, count_first: dict, count_second: dict) -> float:
    # Integer sums first, one division each: the same float whatever order
    # the counts were gathered in.
    if n == 0:
        return 1.0
    observed = matches / n
    expected = sum(count_first[k] * count_second.get(k, 0) for k in count_first) / (n * n)
    if expected == 1.0:
        return 1.0
    return (observed - expected) / (1 - expected)


def character_labels(start: int, end: int, spans: tuple[Span, ...]) -> list[str]:
    labels = ["O"] * (end - start)
    for span in spans:
        for index in range(max(span.start, start), min(span.end, end)):
            labels[index - start] = span.label
    return labels


def reviewed_pairs(first: list[UnitAnnotation], second: list[UnitAnnotation]) -> list[tuple[UnitAnnotation, UnitAnnotation]]:
    """The units both annotators reviewed, matched by plan and unit, in the second pass's order."""
    first_by_key = {(a.doc_id, a.unit_index): a for a in first if a.reviewed}
    return [(first_by_key[(b.doc_id, b.unit_index)], b) for b in second if b.reviewed and (b.doc_id, b.unit_index) in first_by_key]


def add_span_counts(counts: dict[str, dict[str, int]], a: UnitAnnotation, b: UnitAnnotation, label_names: tuple[str, ...]) -> None:
    """Add one unit pair's spans per label (first, second, both) to `counts`."""
    set_a, set_b = set(a.spans), set(b.spans)
    for name in label_names:
        counts[name]["first"] += sum(s.label == name for s in set_a)
        counts[name]["second"] += sum(s.label == name for s in set_b)
        counts[name]["both"] += sum(s.label == name for s in set_a & set_b)


def measure(first: list[UnitAnnotation], second: list[UnitAnnotation], label_names: tuple[str, ...]) -> Agreement:
    """Agreement over the units both annotators reviewed (matched by plan and unit)."""
    pairs = reviewed_pairs(first, second)
    counts = {name: {"first": 0, "second": 0, "both": 0} for name in label_names}
    chars_first: list[str] = []
    chars_second: list[str] = []
    for a, b in pairs:
        add_span_counts(counts, a, b, label_names)
        chars_first += character_labels(a.start, a.end, a.spans)
        chars_second += character_labels(b.start, b.end, b.spans)
    total = {key: sum(c[key] for c in counts.values()) for key in ("first", "second", "both")}
    span_f1 = {name: _f1(c["first"], c["second"], c["both"]) for name, c in counts.items()}
    span_f1["overall"] = _f1(total["first"], total["second"], total["both"])
    kappa = {
        name: cohen_kappa([x == name for x in chars_first], [x == name for x in chars_second]) for name in label_names
    }
    kappa["overall"] = cohen_kappa(chars_first, chars_second)
    return Agreement(len(pairs), len(chars_first), span_f1, {**counts, "overall": total}, kappa)


def plan_counts(first: list[UnitAnnotation], second: list[UnitAnnotation], label_names: tuple[str, ...]) -> dict | None:
    """The additive counts behind `measure` for one plan's two passes (JSON-ready):
    units, characters, span counts per label, and the confusion table of
    characters {first label: {second label: count}}. None when a pair's units
    differ in length, where the characters of the two passes do not line up
    unit by unit (then only `measure` over everything gives the figure)."""
    pairs = reviewed_pairs(first, second)
    counts = {name: {"first": 0, "second": 0, "both": 0} for name in label_names}
    confusion: dict[str, dict[str, int]] = {}
    characters = 0
    for a, b in pairs:
        add_span_counts(counts, a, b, label_names)
        labels_a, labels_b = character_labels(a.start, a.end, a.spans), character_labels(b.start, b.end, b.spans)
        if len(labels_a) != len(labels_b):
            return None
        for x, y in zip(labels_a, labels_b):
            row = confusion.setdefault(x, {})
            row[y] = row.get(y, 0) + 1
        characters += len(labels_a)
    return {"units": len(pairs), "characters": characters, "span_counts": counts, "confusion": confusion}


def from_counts(parts: list[dict], label_names: tuple[str, ...]) -> Agreement:
    """The agreement of the plans whose `plan_counts` are `parts` together:
    equal to `measure` over their annotations."""
    counts = {name: {"first": 0, "second": 0, "both": 0} for name in label_names}
    confusion: Counter = Counter()
    for part in parts:
        for name in label_names:
            for key in ("first", "second", "both"):
                counts[name][key] += part["span_counts"][name][key]
        for x, row in part["confusion"].items():
            for y, count in row.items():
                confusion[(x, y)] += count
    n = sum(part["characters"] for part in parts)
    total = {key: sum(c[key] for c in counts.values()) for key in ("first", "second", "both")}
    span_f1 = {name: _f1(c["first"], c["second"], c["both"]) for name, c in counts.items()}
    span_f1["overall"] = _f1(total["first"], total["second"], total["both"])
    kappa = {}
    for name in label_names:
        first_true = sum(c for (x, _), c in confusion.items() if x == name)
        second_true = sum(c for (_, y), c in confusion.items() if y == name)
        matches = sum(c for (x, y), c in confusion.items() if (x == name) == (y == name))
        kappa[name] = _kappa(n, matches, {True: first_true, False: n - first_true}, {True: second_true, False: n - second_true})
    first_marginal: Counter = Counter()
    second_marginal: Counter = Counter()
    for (x, y), c in confusion.items():
        first_marginal[x] += c
        second_marginal[y] += c
    matches = sum(c for (x, y), c in confusion.items() if x == y)
    kappa["overall"] = _kappa(n, matches, first_marginal, second_marginal)
    units = sum(part["units"] for part in parts)
    return Agreement(units, n, span_f1, {**counts, "overall": total}, kappa)


def disagreements(first: list[UnitAnnotation], second: list[UnitAnnotation]) -> list[tuple[UnitAnnotation, UnitAnnotation]]:
    first_by_key = {(a.doc_id, a.unit_index): a for a in first}
    return [
        (first_by_key[(b.doc_id, b.unit_index)], b)
        for b in second
        if (b.doc_id, b.unit_index) in first_by_key and set(first_by_key[(b.doc_id, b.unit_index)].spans) != set(b.spans)
    ]


def markdown(agreement: Agreement, per_plan: dict[str, Agreement], label_names: tuple[str, ...]) -> str:
    header = "| measure | " + " | ".join(label_names) + " | overall |\n|---|" + "---|" * (len(label_names) + 1) + "\n"
    rows = [
        "| strict span F1 | " + " | ".join(f"{agreement.span_f1[n]:.3f}" for n in (*label_names, "overall")) + " |",
        "| Cohen's kappa (characters) | " + " | ".join(f"{agreement.kappa[n]:.3f}" for n in (*label_names, "overall")) + " |",
        "| spans, first annotator | " + " | ".join(str(agreement.span_counts[n]["first"]) for n in (*label_names, "overall")) + " |",
        "| spans, second annotator | " + " | ".join(str(agreement.span_counts[n]["second"]) for n in (*label_names, "overall")) + " |",
        "| spans identical | " + " | ".join(str(agreement.span_counts[n]["both"]) for n in (*label_names, "overall")) + " |",
    ]
    plan_rows = [
        f"| {plan} | {a.units} | {a.characters} | {a.span_f1['overall']:.3f} | {a.kappa['overall']:.3f} |"
        for plan, a in sorted(per_plan.items())
    ]
    return (
        f"Independent second annotation of {agreement.units} units ({agreement.characters} characters), "
        "compared with the first pass before adjudication:\n\n"
        + header
        + "\n".join(rows)
        + "\n\nPer plan:\n\n| plan | units | characters | span F1 | kappa |\n|---|---|---|---|---|\n"
        + "\n".join(plan_rows)
    )
