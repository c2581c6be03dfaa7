"""What gets scored: gold units from the published dataset, and predictions
from a JSONL file or a model adapter.

A unit is identified by the dataset's `id`. Entity offsets are code points
into the unit's `text`, half-open [start, end).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from builders.annotation.labels import load_labels
from builders.io import iter_lines, write_jsonl_atomic
from evaluation.scorer import Entity


@dataclass(frozen=True)
class GoldUnit:
    id: str
    doc_id: str
    text: str
    entities: tuple[Entity, ...]
    unit_kind: str = ""  # heading, sentence, trailer... (the spans config's unit_kind)


MAX_LINE_CHARS = 1_000_000
MAX_PROBLEMS = 1000


class PredictionError(ValueError):
    """Predictions that cannot be scored; the message names file and line."""


def load_gold(root: Path, config: str = "spans", split: str = "test", cache_dir: str | None = None) -> list[GoldUnit]:
    """Gold units of one config and split of the published dataset (any
    `spans`-shaped config, including the `fold-<plan>` ones)."""
    import datasets

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    dataset = datasets.load_dataset(str(Path(root).resolve()), config, split=split, cache_dir=cache_dir)
    names = dataset.features["entities"].feature["label"].names
    return [
        GoldUnit(
            row["id"],
            row["doc_id"],
            row["text"],
            tuple(Entity(row["id"], e["start"], e["end"], names[e["label"]]) for e in row["entities"]),
            row.get("unit_kind") or "",
        )
        for row in dataset
    ]


def load_scripts(root: Path, cache_dir: str | None = None) -> dict[str, str]:
    """The script (Simplified, Traditional) of every published plan, from the
    `documents` config."""
    import datasets

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    documents = datasets.load_dataset(str(Path(root).resolve()), "documents", cache_dir=cache_dir)
    return {row["doc_id"]: row["script"] for split in documents for row in documents[split].select_columns(["doc_id", "script"])}


@dataclass(frozen=True)
class Unaligned:
    """A predicted string that could not be placed in its unit's text (a
    hallucination, or more mentions than the text has)."""

    unit_id: str
    text: str
    label: str
    where: str  # file:line

    def to_dict(self) -> dict:
        return {"unit": self.unit_id, "text": self.text, "label": self.label, "where": self.where}


@dataclass
class ReadPredictions:
    """Predictions read from a file, what was skipped, and the strings that
    did not align (`string_entities` counts every string-form entity)."""

    entities: list[Entity] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unaligned: list[Unaligned] = field(default_factory=list)
    string_entities: int = 0


def align_string(text: str, string: str, taken: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The alignment rule for predictions given as strings: the leftmost
    exact occurrence of `string` in `text` that overlaps no span already
    placed in this unit (`taken`, updated). None when there is none."""
    start = text.find(string)
    while string and start != -1:
        end = start + len(string)
        if all(end <= s or start >= e for s, e in taken):
            taken.append((start, end))
            return start, end
        start = text.find(string, start + 1)
    return None


def read_prediction_file(
    path: Path, units: list[GoldUnit], lenient: bool = False, labels: tuple[str, ...] | None = None
) -> ReadPredictions:
    """Predictions from JSONL, one line per unit with its `id` and either

    - `entities`: a list whose items are `{"start", "end", "label"}` (code
      points, half-open) or `{"text", "label"}` / `[text, label]` (a string,
      placed by `align_string`: leftmost unused occurrence, in the order
      given); a label is a name or the dataset's ClassLabel id; or
    - `tags`: one BIO tag per character of the unit text, names (`B-DEPT`)
      or the `tokens` config's ids.

    Every problem names the file and line; with `lenient` the bad line or
    entity is skipped and reported instead of stopping the run. A unit with
    no line counts as predicting nothing. Strings not found in the text are
    not errors: they are counted as `unaligned`.

    The file is streamed: one line in memory at a time, a line longer than
    MAX_LINE_CHARS is refused without being read whole, and at most
    MAX_PROBLEMS problems are kept (then a count), so memory is bounded by
    the gold split, not by the file."""
    from evaluation.tags import bio_to_spans

    label_set = load_labels()
    labels = labels or label_set.names
    bio = label_set.bio_tags
    texts = {u.id: u.text for u in units}
    result = ReadPredictions()
    seen: dict[str, int] = {}
    dropped = 0

    def problem(line: int, message: str) -> None:
        nonlocal dropped
        text = f"{path}:{line}: {message}"
        if not lenient:
            raise PredictionError(text)
        if len(result.problems) < MAX_PROBLEMS:
            result.problems.append(text)
        else:
            dropped += 1

    def label_of(value) -> str | None:
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return labels[value] if 0 <= value < len(labels) else None
        return str(value) if str(value) in labels else None

    try:
        for line_number, line in iter_lines(path, MAX_LINE_CHARS):
            if line is None:
                problem(line_number, f"line longer than {MAX_LINE_CHARS} characters; one unit's prediction is far shorter")
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                problem(line_number, f"not valid JSON ({error.msg} at column {error.colno})")
                continue
            unit_id = record.get("id") if isinstance(record, dict) else None
            if unit_id not in texts:
                problem(line_number, f"unknown unit id {unit_id!r}")
                continue
            if unit_id in seen:
                problem(line_number, f"unit {unit_id!r} already predicted on line {seen[unit_id]}")
                continue
            seen[unit_id] = line_number
            text = texts[unit_id]
            if "tags" in record and "entities" not in record:
                tags = record["tags"]
                if not isinstance(tags, list) or len(tags) != len(text):
                    problem(line_number, f"`tags` must be a list of one BIO tag per character ({len(text)} here)")
                    continue
                names = [bio[t] if isinstance(t, int) and not isinstance(t, bool) and 0 <= t < len(bio) else t for t in tags]
                bad = next((i for i, t in enumerate(names) if t not in bio), None)
                if bad is not None:
                    problem(line_number, f"tag {bad + 1}: unknown tag {tags[bad]!r} (known: {', '.join(bio)} or their ids)")
                    continue
                result.entities += [Entity(unit_id, s, e, label) for s, e, label in bio_to_spans(names)]
                continue
            raw_entities = record.get("entities")
            if not isinstance(raw_entities, list):
                problem(line_number, "needs `entities` (a list) or `tags` (one BIO tag per character)")
                continue
            taken: list[tuple[int, int]] = []
            for number, entity in enumerate(raw_entities, start=1):
                if isinstance(entity, list) and len(entity) == 2:
                    entity = {"text": entity[0], "label": entity[1]}
                if not isinstance(entity, dict) or "label" not in entity:
                    problem(line_number, f"entity {number}: needs integer start, end and a label, or a text and a label")
                    continue
                label = label_of(entity["label"])
                if label is None:
                    problem(line_number, f"entity {number}: unknown label {entity['label']!r} (known: {', '.join(labels)} or their ids 0-{len(labels) - 1})")
                    continue
                if "start" not in entity and "end" not in entity and isinstance(entity.get("text"), str):
                    result.string_entities += 1
                    place = align_string(text, entity["text"], taken)
                    if place is None:
                        result.unaligned.append(Unaligned(unit_id, entity["text"], label, f"{path}:{line_number}"))
                    else:
                        result.entities.append(Entity(unit_id, place[0], place[1], label))
                    continue
                try:
                    start, end = entity["start"], entity["end"]
                    if isinstance(start, bool) or isinstance(end, bool) or int(start) != start or int(end) != end:
                        raise TypeError
                    start, end = int(start), int(end)
                except (KeyError, TypeError, ValueError):
                    problem(line_number, f"entity {number}: needs integer start, end and a label, or a text and a label")
                    continue
                if not (0 <= start < end <= len(text)):
                    problem(line_number, f"entity {number}: [{start}, {end}) is out of bounds for a unit of {len(text)} characters")
                    continue
                result.entities.append(Entity(unit_id, start, end, label))
    except ValueError as error:
        if isinstance(error, PredictionError):
            raise
        raise PredictionError(str(error)) from None  # undecodable bytes, named by file and line
    if dropped:
        result.problems.append(f"{path}: {dropped} more problem(s) not listed")
    return result


def read_predictions(
    path: Path, units: list[GoldUnit], lenient: bool = False, labels: tuple[str, ...] | None = None
) -> tuple[list[Entity], list[str]]:
    """Entities and skipped problems of `read_prediction_file`."""
    result = read_prediction_file(path, units, lenient, labels)
    return result.entities, result.problems


def write_predictions(path: Path, units: list[GoldUnit], entities: list[Entity]) -> None:
    by_unit: dict[str, list[Entity]] = {}
    for entity in entities:
        by_unit.setdefault(entity.doc_id, []).append(entity)
    write_jsonl_atomic(
        path,
        (
            {"id": u.id, "entities": [{"start": e.start, "end": e.end, "label": e.label} for e in sorted(by_unit.get(u.id, []))]}
            for u in units
        ),
    )
