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
    items = []
    for block_number, block in enumerate(b for b in data.split("\n\n") if b.strip()):
        lines = block.strip("\n").split("\n")
        if not lines[0].startswith("# id = "):
            raise FormatError(f"text {block_number + 1}: first line must be '# id = ...', got {lines[0]!r}")
        item_id, chars, spans = lines[0][len("# id = ") :], [], []
        open_span: list | None = None
        for line in lines[1:]:
            try:
                shown, tag = line.split("\t")
            except ValueError:
                raise FormatError(f"{item_id}: line {line!r} is not 'char<TAB>tag'") from None
            char = {"\\s": " ", "\\t": "\t", "\\n": "\n"}.get(shown, shown)
            index = len(chars)
            chars.append(char)
            if tag.startswith("I-") and open_span and open_span[2] == tag[2:]:
                open_span[1] = index + 1
                continue
            if open_span:
                spans.append(Span(*open_span))
                open_span = None
            if tag.startswith(("B-", "I-")):
                open_span = [index, index + 1, tag[2:]]
            elif tag != "O":
                raise FormatError(f"{item_id}: unknown tag {tag!r}")
        if open_span:
            spans.append(Span(*open_span))
        items.append(AnnotatedText(item_id, "".join(chars), tuple(spans)))
    return items

