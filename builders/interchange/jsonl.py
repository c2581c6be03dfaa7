"""The project's own JSONL: one unit per line, entities with unit-relative
offsets in code points, half-open; the same form `evaluate` reads::

    {"id": "xinzhou-2017-central-rise-00012",
     "entities": [{"start": 0, "end": 4, "label": "DEPT"}]}

The text is not repeated: each line names a unit of the corpus, whose text the
reader is given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from builders.annotation.labels import Span
from builders.interchange.base import AnnotatedText, FormatError, _checked


def to_jsonl(items: list[AnnotatedText]) -> str:
    lines = [
        json.dumps(
            {"id": item.id, "entities": [{"start": s.start, "end": s.end, "label": s.label} for s in sorted(item.spans)]},
            ensure_ascii=False,
        )
        for item in items
    ]
    return "\n".join(lines) + "\n"


def from_jsonl(data: str, texts: Mapping[str, str], labels: tuple[str, ...] | None = None) -> list[AnnotatedText]:
    """Read the lines; `texts` maps each known unit id to its text."""
    items = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise FormatError(f"line {number}: not valid JSON ({error.msg})") from None
        item_id = record.get("id") if isinstance(record, dict) else None
        if item_id not in texts:
            raise FormatError(f"line {number}: unknown unit id {item_id!r}")
        try:
            spans = tuple(Span(int(e["start"]), int(e["end"]), e["label"]) for e in record["entities"])
        except (KeyError, TypeError, ValueError) as error:
            raise FormatError(f"line {number}: entities must be [{{start, end, label}}, ...] ({error})") from None
        try:
            items.append(_checked(AnnotatedText(item_id, texts[item_id], tuple(sorted(spans))), labels))
        except FormatError as error:
            raise FormatError(f"line {number}: {error}") from None
    return items
