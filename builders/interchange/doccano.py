"""doccano sequence-labelling JSONL, one text per line, offsets in UTF-16 code
units (converted here)::

    {"id": "...-00012", "text": "...", "label": [[0, 4, "DEPT"]]}
"""

from __future__ import annotations

import json

from builders.annotation.labels import Span
from builders.interchange.base import (
    AnnotatedText,
    FormatError,
    _checked,
    codepoint_offset,
    utf16_offset,
)


def to_doccano(items: list[AnnotatedText]) -> str:
    lines = []
    for item in items:
        label = [[utf16_offset(item.text, s.start), utf16_offset(item.text, s.end), s.label] for s in sorted(item.spans)]
        lines.append(json.dumps({"id": item.id, "text": item.text, "label": label}, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def from_doccano(data: str, labels: tuple[str, ...] | None = None) -> list[AnnotatedText]:
    items = []
    for line_number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise FormatError(f"line {line_number}: not valid JSON ({error.msg})") from None
        text = record.get("text")
        if not isinstance(text, str):
            raise FormatError(f"line {line_number}: no text")
        spans = []
        for entry in record.get("label", record.get("labels", [])):
            try:
                start16, end16, label = entry
            except (TypeError, ValueError):
                raise FormatError(f"line {line_number}: label entry {entry!r} is not [start, end, label]") from None
            try:
                spans.append(Span(codepoint_offset(text, int(start16)), codepoint_offset(text, int(end16)), label))
            except FormatError as error:
                raise FormatError(f"line {line_number}: {error}") from None
        item = AnnotatedText(str(record.get("id", line_number)), text, tuple(sorted(spans)))
        try:
            items.append(_checked(item, labels))
        except FormatError as error:
            raise FormatError(f"line {line_number}: {error}") from None
    return items

