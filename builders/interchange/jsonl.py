"""The project's own JSONL: one unit per line, entities with unit-relative
offsets in code points, half-open; the same form `evaluate` reads::

    {"id": "xinzhou-2017-central-rise-00012",
     "entities": [{"start": 0, "end": 4, "label": "DEPT"}]}

The text is not repeated: each line names a unit of the corpus, whose text the
reader is given. Offsets must be integers and an id may appear once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from builders.annotation.labels import Span
from builders.interchange.base import AnnotatedText, FormatError, _checked, strict_offset


def to_jsonl(items: list[AnnotatedText]) -> str:
    lines = [
        json.dumps(
            {"id": item.id, "entities": [{"start": s.start, "end": s.end, "label": s.label} for s in sorted(item.spans)]},
            ensure_ascii=False,
        )
        for item in items
    ]
    return "\n".join(lines) + "\n"


def _entity(entry, where: str) -> Span:
    if not isinstance(entry, dict) or not {"start", "end", "label"} <= entry.keys():
        raise FormatError(f"{where}: an entity must be {{start, end, label}}, not {entry!r:.80}")
    if not isinstance(entry["label"], str):
        raise FormatError(f"{where}: label {entry['label']!r:.60} is not a name")
    return Span(strict_offset(entry["start"], f"{where}: start"), strict_offset(entry["end"], f"{where}: end"), entry["label"])


def from_jsonl(data: str, texts: Mapping[str, str], labels: tuple[str, ...] | None = None) -> list[AnnotatedText]:
    """Read the lines; `texts` maps each known unit id to its text."""
    items, seen = [], {}
    for number, line in enumerate(data.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise FormatError(f"{where}: not valid JSON ({error.msg} at column {error.colno})") from None
        except RecursionError:
            raise FormatError(f"{where}: JSON nested too deeply") from None
        if not isinstance(record, dict):
            raise FormatError(f"{where}: a line must be a JSON object, not {type(record).__name__}")
        item_id = record.get("id")
        if not isinstance(item_id, str) or item_id not in texts:
            raise FormatError(f"{where}: unknown unit id {item_id!r:.80}")
        if item_id in seen:
            raise FormatError(f"{where}: unit {item_id} again (first on line {seen[item_id]}); one line per unit")
        seen[item_id] = number
        if not isinstance(record.get("entities"), list):
            raise FormatError(f"{where}: entities must be a list [{{start, end, label}}, ...]")
        spans = tuple(sorted(_entity(e, where) for e in record["entities"]))
        items.append(_checked(AnnotatedText(item_id, texts[item_id], spans, where), labels))
    return items
