"""CoNLL-style BIO, one character per line, a blank line between texts::

    # id = xinzhou-2017-central-rise-00012
    市<TAB>B-DEPT
    发<TAB>I-DEPT
    ...

Whitespace characters are written as `\\s`, `\\t` and `\\n` so the columns survive.
"""

from __future__ import annotations

from builders.annotation.labels import Span
from builders.interchange.base import AnnotatedText, FormatError


def to_conll(items: list[AnnotatedText]) -> str:
    blocks = []
    for item in items:
        tags = ["O"] * len(item.text)
        for span in sorted(item.spans):
            tags[span.start] = f"B-{span.label}"
            for index in range(span.start + 1, span.end):
                tags[index] = f"I-{span.label}"
        lines = [f"# id = {item.id}"]
        for char, tag in zip(item.text, tags):
            # Whitespace characters would vanish in a whitespace-separated column file.
            shown = {" ": "\\s", "\t": "\\t", "\n": "\\n"}.get(char, char)
            lines.append(f"{shown}\t{tag}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def from_conll(data: str) -> list[AnnotatedText]:
    """Read texts; every error names the line of the file."""
    items: list[AnnotatedText] = []
    lines = data.split("\n")
    item_id: str | None = None
    chars: list[str] = []
    spans: list[Span] = []
    open_span: list | None = None
    first_line = 0

    def close() -> None:
        nonlocal item_id, chars, spans, open_span
        if open_span:
            spans.append(Span(*open_span))
        if item_id is not None:
            items.append(AnnotatedText(item_id, "".join(chars), tuple(spans), f"line {first_line}"))
        item_id, chars, spans, open_span = None, [], [], None

    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r")
        if not line.strip():
            close()
            continue
        if item_id is None:
            if not line.startswith("# id = "):
                raise FormatError(f"line {number}: a text must start with '# id = ...', got {line!r:.60}")
            item_id, first_line = line[len("# id = ") :], number
            continue
        try:
            shown, tag = line.split("\t")
        except ValueError:
            raise FormatError(f"line {number}: {line!r:.60} is not 'char<TAB>tag'") from None
        char = {"\\s": " ", "\\t": "\t", "\\n": "\n"}.get(shown, shown)
        if len(char) != 1:
            raise FormatError(f"line {number}: {shown!r:.60} is not one character")
        index = len(chars)
        chars.append(char)
        if tag.startswith("I-") and open_span and open_span[2] == tag[2:]:
            open_span[1] = index + 1
            continue
        if open_span:
            spans.append(Span(*open_span))
            open_span = None
        if tag.startswith(("B-", "I-")) and len(tag) > 2:
            open_span = [index, index + 1, tag[2:]]
        elif tag != "O":
            raise FormatError(f"line {number}: unknown tag {tag!r:.60}")
    close()
    return items
