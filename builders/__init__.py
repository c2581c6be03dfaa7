"""Builders: the raw seed plans to a clean, traceable corpus, reviewed gold and
a Hugging Face dataset.

Stages, each a package of small pure functions over dataclasses, data flowing
one way: `corpus` (seeds -> clean -> segment -> store) -> `annotation` (labels,
pre-annotation, gold, agreement, audit) -> `dataset` (parquet shards and the
card). `interchange` carries spans to and from outside tools; `plans` adds a
plan; `build` wires the stages; `cli` is the command line. Offsets are Unicode
code points, half-open [start, end).
"""

from pathlib import Path

# The one version of the code and the data (README, "Versions"): pyproject,
# the card, croissant.json and CITATION.cff all take it from this file.
__version__ = (Path(__file__).resolve().parent / "config" / "VERSION").read_text(encoding="utf-8").strip()
