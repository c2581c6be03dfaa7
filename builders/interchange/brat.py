"""brat standoff: a .txt and an .ann per text, offsets in code points::

    T1<TAB>DEPT 0 4<TAB>市发改委

Only text-bound annotations (T lines) are read; relations and notes are not
part of this dataset.
"""

from __future__ import annotations

from builders.annotation.labels import Span
from builders.interchange.base import AnnotatedText, FormatError, _checked


def to_brat(item: AnnotatedText) -> str:
    lines = []
    for number, span in enumerate(sorted(item.spans), start=1):
        lines.append(f"T{number}\t{span.label} {span.start} {span.end}\t{item.text[span.start:span.end]}")
    return "\n".join(lines) + ("\n" if lines else "")


def from_brat(item_id: str, text: str, ann: str) -> AnnotatedText:
    spans = []
    for line_number, line in enumerate(ann.splitlines(), start=1):
        if not line.startswith("T"):
            continue  # relations, notes: not part of this dataset
        try:
            _, middle, surface = line.split("\t")
            label, start, end = middle.split(" ")
            span = Span(int(start), int(end), label)
        except ValueError:
            raise FormatError(f"{item_id}.ann:{line_number}: not a brat text-bound annotation: {line!r}") from None
        if text[span.start : span.end] != surface:
            raise FormatError(
                f"{item_id}.ann:{line_number}: span text {surface!r} does not match the text {text[span.start:span.end]!r}"
            )
        spans.append(span)
    return _checked(AnnotatedText(item_id, text, tuple(sorted(spans))))

