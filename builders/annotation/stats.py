"""Statistics of the gold, computed from the annotation files, never typed.

Feeds annotations/README.md: spans per label per plan, span length
distributions, units without spans, how review changed the pre-annotation,
and the audit status.
"""

from __future__ import annotations

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
