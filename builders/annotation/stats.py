"""Statistics of the gold, computed from the annotation files, never typed.

Feeds annotations/README.md: spans per label per plan, span length
distributions, units without spans, how review changed the pre-annotation,
and the audit status.

Every statistic is a sum over plans, so a build keeps each plan's part
(`plan_statistics`, small and JSON-ready) and merges the parts
(`merge_statistics`) instead of reading every plan's gold again. Span lengths
are kept as counts per length, from which the median and mean are exact.
"""

from __future__ import annotations

from fractions import Fraction
from statistics import mean, median

from builders.annotation.gold import UnitAnnotation


def spans_per_label(annotations: list[UnitAnnotation], labels: tuple[str, ...]) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for a in annotations:
        if not a.reviewed:
            continue
        row = table.setdefault(a.doc_id, {name: 0 for name in labels})
        for span in a.spans:
            row[span.label] += 1
    return dict(sorted(table.items()))


def length_distribution(annotations: list[UnitAnnotation], labels: tuple[str, ...]) -> dict[str, dict[str, float]]:
    lengths: dict[str, list[int]] = {name: [] for name in labels}
    for a in annotations:
        if a.reviewed:
            for span in a.spans:
                lengths[span.label].append(span.end - span.start)
    return {
        name: (
            {"count": len(v), "min": min(v), "median": median(v), "mean": round(mean(v), 2), "max": max(v)}
            if v
            else {"count": 0}
        )
        for name, v in lengths.items()
    }


def units_without_spans(annotations: list[UnitAnnotation]) -> dict[str, tuple[int, int]]:
    """Per plan: (reviewed units with no span, reviewed units)."""
    result: dict[str, list[int]] = {}
    for a in annotations:
        if a.reviewed:
            entry = result.setdefault(a.doc_id, [0, 0])
            entry[1] += 1
            entry[0] += not a.spans
    return {k: (v[0], v[1]) for k, v in sorted(result.items())}


def review_changes(annotations: list[UnitAnnotation]) -> dict[str, dict[str, int]]:
    """Per plan, how review changed the rule pre-annotation (kept, changed,
    added, removed), summed from the per-unit review records."""
    result: dict[str, dict[str, int]] = {}
    for a in annotations:
        counts = a.review.get("pre_annotation")
        if not counts:
            continue
        row = result.setdefault(a.doc_id, {"kept": 0, "changed": 0, "added": 0, "removed": 0})
        for key in row:
            row[key] += counts.get(key, 0)
    return dict(sorted(result.items()))


def plan_statistics(annotations: list[UnitAnnotation], labels: tuple[str, ...]) -> dict:
    """One gold file's part of every table above (JSON-ready)."""
    lengths: dict[str, dict[str, int]] = {}
    for a in annotations:
        if a.reviewed:
            for span in a.spans:
                row = lengths.setdefault(span.label, {})
                row[str(span.end - span.start)] = row.get(str(span.end - span.start), 0) + 1
    return {
        "spans_per_label": spans_per_label(annotations, labels),
        "units_without_spans": {k: list(v) for k, v in units_without_spans(annotations).items()},
        "review_changes": review_changes(annotations),
        "lengths": lengths,
    }


def merge_statistics(parts: list[dict], labels: tuple[str, ...]) -> dict:
    """The tables of all gold files together, from their `plan_statistics`:
    equal to the functions above over all the annotations."""
    per_label: dict[str, dict[str, int]] = {}
    empty: dict[str, tuple[int, int]] = {}
    changes: dict[str, dict[str, int]] = {}
    all_lengths: dict[str, dict[int, int]] = {name: {} for name in labels}  # label -> length -> count
    for part in parts:
        for doc_id, row in part["spans_per_label"].items():
            merged = per_label.setdefault(doc_id, {name: 0 for name in labels})
            for name, count in row.items():
                merged[name] += count
        for doc_id, (without, reviewed) in part["units_without_spans"].items():
            before = empty.get(doc_id, (0, 0))
            empty[doc_id] = (before[0] + without, before[1] + reviewed)
        for doc_id, row in part["review_changes"].items():
            merged = changes.setdefault(doc_id, {"kept": 0, "changed": 0, "added": 0, "removed": 0})
            for key in merged:
                merged[key] += row.get(key, 0)
        for name, histogram in part["lengths"].items():
            merged = all_lengths[name]
            for length, count in histogram.items():
                merged[int(length)] = merged.get(int(length), 0) + count
    lengths = {name: _summary_of_counts(histogram) for name, histogram in all_lengths.items()}
    return {
        "spans_per_label": dict(sorted(per_label.items())),
        "units_without_spans": dict(sorted(empty.items())),
        "review_changes": dict(sorted(changes.items())),
        "lengths": lengths,
    }


def _summary_of_counts(histogram: dict[int, int]) -> dict:
    """`length_distribution`'s row from counts per length, without the list
    of every length (hundreds of thousands in a large corpus): the same
    values and types as `statistics.median` and `statistics.mean` give on
    that list (the median of an even count is a float; the mean an int
    when exact)."""
    counts = {length: count for length, count in histogram.items() if count}
    total = sum(counts.values())
    if not total:
        return {"count": 0}
    ordered = sorted(counts)
    middle = []  # the values at positions total // 2 - 1 (even totals) and total // 2
    wanted = [total // 2 - 1, total // 2] if total % 2 == 0 else [total // 2]
    seen = 0
    for length in ordered:
        seen += counts[length]
        while wanted and wanted[0] < seen:
            middle.append(length)
            wanted.pop(0)
    median_value = middle[0] if len(middle) == 1 else (middle[0] + middle[1]) / 2
    exact = Fraction(sum(length * count for length, count in counts.items()), total)
    mean_value = exact.numerator if exact.denominator == 1 else float(exact)
    return {"count": total, "min": ordered[0], "median": median_value, "mean": round(mean_value, 2), "max": ordered[-1]}
