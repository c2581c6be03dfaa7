"""The label set, read from annotations/labels.yaml by everything that needs it,
and the `Span` every stage passes around: code-point offsets into the text it
was found in, half-open [start, end), and a label name.

Its order is fixed: a label's id is its position and never changes; new labels
are only appended. BIO tags derive from it: O = 0, B-<label k> = 2k+1,
I-<label k> = 2k+2.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from builders.io import load_yaml
from builders.project import ROOT

LABELS_PATH = ROOT / "annotations" / "labels.yaml"


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    label: str

    def text_in(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass(frozen=True)
class LabelSet:
    names: tuple[str, ...]
    bio_tags: tuple[str, ...]
    descriptions: tuple[str, ...]

    def index(self, label: str) -> int:
        return self.names.index(label)


@cache
def load_labels(path: Path = LABELS_PATH) -> LabelSet:
    config = load_yaml(path)
    labels = config["labels"]
    if [entry["id"] for entry in labels] != list(range(len(labels))):
        raise ValueError(f"{path}: label ids must be 0, 1, 2, ... in order")
    names = tuple(entry["name"] for entry in labels)
    derived = ("O",) + tuple(f"{prefix}-{name}" for name in names for prefix in ("B", "I"))
    stated = tuple(config["bio_tags"])
    if stated != derived:
        raise ValueError(f"{path}: bio_tags {stated} do not follow the label order {derived}")
    return LabelSet(names, stated, tuple(entry["description"] for entry in labels))
