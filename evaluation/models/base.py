"""What a model is, for every adapter: a function from a unit's text to
(start, end, label) triples, offsets in code points, half-open."""

from __future__ import annotations

from collections.abc import Callable

Model = Callable[[str], list[tuple[int, int, str]]]


class AdapterError(ValueError):
    """A model that cannot be loaded, or predicted something impossible."""
