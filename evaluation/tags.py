"""Per-character BIO tags and spans, both ways: the form the `tokens` config,
the CRF and the transformers path work in.

One tag per code point of the text. Decoding is the conventional lenient
one: an `I-X` that does not continue an `X` span starts a new one, and any
other tag than `I-X` ends it. Offsets are code points, half-open.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def spans_to_bio(length: int, spans: Iterable[tuple[int, int, str]]) -> list[str]:
    """BIO tags for a text of `length` code points; spans must not overlap."""
    tags = ["O"] * length
    for start, end, label in sorted(spans):
        if not 0 <= start < end <= length:
            raise ValueError(f"span [{start}, {end}) outside a text of {length} characters")
        if any(tag != "O" for tag in tags[start:end]):
            raise ValueError(f"span [{start}, {end}) {label} overlaps another span")
        tags[start] = f"B-{label}"
        tags[start + 1 : end] = [f"I-{label}"] * (end - start - 1)
    return tags


def bio_to_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Spans from BIO tags (lenient: a stray `I-X` opens a span)."""
    spans: list[tuple[int, int, str]] = []
    start, label = None, None
    for index, tag in enumerate(list(tags) + ["O"]):
        prefix, _, name = tag.partition("-")
        if prefix == "I" and label == name:
            continue
        if label is not None:
            spans.append((start, index, label))
            start, label = None, None
        if prefix in ("B", "I") and name:
            start, label = index, name
    return spans
