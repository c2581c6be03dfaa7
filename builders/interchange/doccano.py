"""doccano sequence-labelling JSONL, one text per line, offsets in UTF-16 code
units (converted here). Both of doccano's export forms are read::

    {"id": "...-00012", "text": "...", "label": [[0, 4, "DEPT"]]}
    {"id": "...-00012", "text": "...", "entities": [{"start_offset": 0, "end_offset": 4, "label": "DEPT"}]}

doccano keeps no review state: a line with an empty list is a text someone
found no entity in only if the user says the unit was reviewed (see
`builders.interchange.imports`). A line with no label key at all was never
labelled and is left out, reported in `skipped`.
"""

from __future__ import annotations

import json

from builders.annotation.labels import Span
from builders.interchange.base import (
    AnnotatedText,
    FormatError,
    _checked,
    codepoint_offset,
    strict_offset,
    utf16_offset,
)


def doccano_line(item: AnnotatedText) -> str:
    """One doccano JSONL record (without its line break); offsets in UTF-16 code units."""
    label = [[utf16_offset(item.text, s.start), utf16_offset(item.text, s.end), s.label] for s in sorted(item.spans)]
    return json.dumps({"id": item.id, "text": item.text, "label": label}, ensure_ascii=False)


def to_doccano(items: list[AnnotatedText]) -> str:
    return "\n".join(doccano_line(item) for item in items) + "\n"


def _entries(record: dict, where: str):
    """(start16, end16, label) triples of either export form."""
    if "entities" in record:
        entities = record["entities"]
        if not isinstance(entities, list):
            raise FormatError(f"{where}: entities must be a list")
        for entity in entities:
            if not isinstance(entity, dict) or not {"start_offset", "end_offset", "label"} <= entity.keys():
                raise FormatError(f"{where}: entity {entity!r:.80} is not {{start_offset, end_offset, label}}")
            yield entity["start_offset"], entity["end_offset"], entity["label"]
        return
    entries = record["label"] if "label" in record else record["labels"]
    if not isinstance(entries, list):
        raise FormatError(f"{where}: label must be a list of [start, end, label]")
    for entry in entries:
        if not isinstance(entry, list) or len(entry) != 3:
            raise FormatError(f"{where}: label entry {entry!r:.80} is not [start, end, label]")
        yield tuple(entry)


def from_doccano(data: str, labels: tuple[str, ...] | None = None, skipped: list[str] | None = None) -> list[AnnotatedText]:
    skipped = [] if skipped is None else skipped
    items, seen = [], {}
    for line_number, line in enumerate(data.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"line {line_number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise FormatError(f"{where}: not valid JSON ({error.msg} at column {error.colno})") from None
        except RecursionError:
            raise FormatError(f"{where}: JSON nested too deeply") from None
        if not isinstance(record, dict):
            raise FormatError(f"{where}: a line must be a JSON object, not {type(record).__name__}")
        text = record.get("text")
        if not isinstance(text, str):
            raise FormatError(f"{where}: no text")
        item_id = record.get("id", line_number)
        if isinstance(item_id, bool) or not isinstance(item_id, (str, int)):
            raise FormatError(f"{where}: id must be a string, not {item_id!r:.60}")
        item_id = str(item_id)
        if item_id in seen:
            raise FormatError(f"{where}: id {item_id!r} again (first on line {seen[item_id]})")
        seen[item_id] = line_number
        if not ({"label", "labels", "entities"} & record.keys()):
            skipped.append(f"{where} ({item_id}): no labels at all, never labelled")
            continue
        spans = []
        for start16, end16, label in _entries(record, where):
            if not isinstance(label, str):
                raise FormatError(f"{where}: label {label!r:.60} is not a name")
            try:
                start = codepoint_offset(text, strict_offset(start16, "start"))
                end = codepoint_offset(text, strict_offset(end16, "end"))
            except FormatError as error:
                raise FormatError(f"{where}: {error}") from None
            spans.append(Span(start, end, label))
        items.append(_checked(AnnotatedText(item_id, text, tuple(sorted(spans)), where), labels))
    return items
