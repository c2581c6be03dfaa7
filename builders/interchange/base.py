"""What every interchange format shares: a text with its spans, the format
error, and the UTF-16 <-> code point offset conversion some tools need.

Internally offsets are Unicode code points, half-open [start, end).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from builders.annotation.labels import Span
from builders.io import InputError


class FormatError(InputError):
    pass


@dataclass(frozen=True)
class AnnotatedText:
    id: str
    text: str
    spans: tuple[Span, ...]
    # Where the item was read ("line 12", "task 3"), for messages; and what the
    # tool recorded about who annotated it. Neither is part of the identity.
    where: str = field(default="", compare=False)
    provenance: dict | None = field(default=None, compare=False, hash=False)


def strict_offset(value, what: str) -> int:
    """An offset as the file gave it: an integer, never a float, string or
    bool silently truncated (7.9 is not 7)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise FormatError(f"{what} must be an integer, not {value!r}")
    return value


def utf16_offset(text: str, offset: int) -> int:
    """UTF-16 code units before code point `offset`."""
    return offset + sum(1 for char in text[:offset] if ord(char) > 0xFFFF)


def codepoint_offset(text: str, offset16: int) -> int:
    """Code point offset of UTF-16 offset `offset16`; an offset inside a
    surrogate pair is an error, never rounded silently."""
    units = 0
    for index, char in enumerate(text):
        if units == offset16:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
        if units > offset16:
            raise FormatError(f"UTF-16 offset {offset16} falls inside the surrogate pair of {char!r} at {index}")
    if units == offset16:
        return len(text)
    raise FormatError(f"UTF-16 offset {offset16} is beyond the text ({units} code units)")


def _checked(item: AnnotatedText, labels: tuple[str, ...] | None = None) -> AnnotatedText:
    name = item.where or item.id
    for span in item.spans:
        if not (0 <= span.start < span.end <= len(item.text)):
            raise FormatError(f"{name}: span [{span.start}, {span.end}) is outside the text ({len(item.text)} characters)")
        if labels is not None and span.label not in labels:
            raise FormatError(f"{name}: unknown label {span.label!r} (known: {', '.join(labels)})")
    return item

