"""What gets scored: gold units from the published dataset, and predictions
from a JSONL file or a model adapter.

A unit is identified by the dataset's `id`. Entity offsets are code points
into the unit's `text`, half-open [start, end).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
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
        )
        for row in dataset
    ]


def read_predictions(
    path: Path, units: list[GoldUnit], lenient: bool = False, labels: tuple[str, ...] | None = None
) -> tuple[list[Entity], list[str]]:
    """Predicted entities from JSONL lines `{"id": ..., "entities": [{"start",
    "end", "label"}, ...]}`. Every problem names the file and line; with
    `lenient` the bad line or entity is skipped and reported instead of
    stopping the run. A unit with no line counts as predicting nothing.

    The file is streamed: one line in memory at a time, a line longer than
    MAX_LINE_CHARS is refused without being read whole, and at most
    MAX_PROBLEMS problems are kept (then a count), so memory is bounded by
    the gold split, not by the file."""
    labels = labels or load_labels().names
    texts = {u.id: u.text for u in units}
    entities: list[Entity] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    dropped = 0

    def problem(line: int, message: str) -> None:
        nonlocal dropped
        text = f"{path}:{line}: {message}"
        if not lenient:
            raise PredictionError(text)
        if len(problems) < MAX_PROBLEMS:
            problems.append(text)
        else:
            dropped += 1

    try:
        lines = iter_lines(path, MAX_LINE_CHARS)
        for line_number, line in lines:
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
            raw_entities = record.get("entities")
            if not isinstance(raw_entities, list):
                problem(line_number, "`entities` must be a list")
                continue
            for number, entity in enumerate(raw_entities, start=1):
                try:
                    start, end, label = int(entity["start"]), int(entity["end"]), str(entity["label"])
                except (KeyError, TypeError, ValueError):
                    problem(line_number, f"entity {number}: needs integer start, end and a label")
                    continue
                if label not in labels:
                    problem(line_number, f"entity {number}: unknown label {label!r} (known: {', '.join(labels)})")
                    continue
                if not (0 <= start < end <= len(texts[unit_id])):
                    problem(line_number, f"entity {number}: [{start}, {end}) is out of bounds for a unit of {len(texts[unit_id])} characters")
                    continue
                entities.append(Entity(unit_id, start, end, label))
    except ValueError as error:
        if isinstance(error, PredictionError):
            raise
        raise PredictionError(str(error)) from None  # undecodable bytes, named by file and line
    if dropped:
        problems.append(f"{path}: {dropped} more problem(s) not listed")
    return entities, problems


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
