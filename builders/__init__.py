"""Builders: turn the raw seed plans into a clean, traceable corpus and dataset.

Stages, each a module of small pure functions over dataclasses, data flowing
one way: `seeds` (read and check) -> `clean` (repair noise, log edits, map
offsets) -> `segment` (headings, task items, sentences, trailers) -> `corpus`
(write and read the built documents). `build` wires them; `cli` is the
command line. Offsets are Unicode code points, half-open [start, end).
"""

__version__ = "0.1.0"
