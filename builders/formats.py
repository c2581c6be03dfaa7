"""Import and export of annotated texts in the formats people annotate and
train with: spaCy DocBin, CoNLL-style BIO, brat standoff, Label Studio tasks
and doccano JSONL.

Every exporter has an importer, and export followed by import gives back the
same spans (tests check it, with a character outside the Basic Multilingual
Plane). Internally offsets are Unicode code points, half-open [start, end).
doccano counts offsets in UTF-16 code units, so its converters translate;
Label Studio's `<Text>` and brat use code points like this project.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .annotate import Span


class FormatError(ValueError):
    pass


@dataclass(frozen=True)
class AnnotatedText:
    id: str
    text: str
    spans: tuple[Span, ...]


# ---------------------------------------------------------------------------
# Code points and UTF-16 code units


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
    for span in item.spans:
        if not (0 <= span.start < span.end <= len(item.text)):
            raise FormatError(f"{item.id}: span [{span.start}, {span.end}) is outside the text ({len(item.text)} characters)")
        if labels is not None and span.label not in labels:
            raise FormatError(f"{item.id}: unknown label {span.label!r} (known: {', '.join(labels)})")
    return item


# ---------------------------------------------------------------------------
# CoNLL-style BIO: one character per line, `char<TAB>tag`, a blank line between
# texts, and a `# id = ...` comment opening each text.


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


# ---------------------------------------------------------------------------
# brat standoff: a .txt and an .ann per text; offsets in code points.


def to_brat(item: AnnotatedText) -> str:
    lines = []
    for number, span in enumerate(sorted(item.spans), start=1):
        lines.append(f"T{number}\t{span.label} {span.start} {span.end}\t{item.text[span.start:span.end]}")
    return "\n".join(lines) + ("\n" if lines else "")


def from_brat(item_id: str, text: str, ann: str) -> AnnotatedText:
    spans = []
    for line_number, line in enumerate(ann.splitlines(), start=1):
        if not line.startswith("T"):
            continue  # relations, notes: not part of this dataset
        try:
            _, middle, surface = line.split("\t")
            label, start, end = middle.split(" ")
            span = Span(int(start), int(end), label)
        except ValueError:
            raise FormatError(f"{item_id}.ann:{line_number}: not a brat text-bound annotation: {line!r}") from None
        if text[span.start : span.end] != surface:
            raise FormatError(
                f"{item_id}.ann:{line_number}: span text {surface!r} does not match the text {text[span.start:span.end]!r}"
            )
        spans.append(span)
    return _checked(AnnotatedText(item_id, text, tuple(sorted(spans))))


# ---------------------------------------------------------------------------
# Label Studio: tasks with `data.text`; spans as annotation (or prediction)
# results of a `<Labels name="label" toName="text">` control.

LABEL_STUDIO_CONFIG = """<View>
  <Labels name="label" toName="text">
{labels}
  </Labels>
  <Text name="text" value="$text"/>
</View>
"""


def label_studio_config(labels: tuple[str, ...]) -> str:
    return LABEL_STUDIO_CONFIG.format(labels="\n".join(f'    <Label value="{name}"/>' for name in labels))


def to_label_studio(items: list[AnnotatedText], as_predictions: bool = False, model_version: str = "rules") -> list[dict]:
    tasks = []
    for item in items:
        result = [
            {
                "id": f"{item.id}-{number}",
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {"start": s.start, "end": s.end, "text": item.text[s.start : s.end], "labels": [s.label]},
            }
            for number, s in enumerate(sorted(item.spans))
        ]
        task = {"data": {"id": item.id, "text": item.text}}
        if as_predictions:
            task["predictions"] = [{"model_version": model_version, "result": result}]
        else:
            task["annotations"] = [{"result": result}]
        tasks.append(task)
    return tasks


def from_label_studio(tasks: list[dict], labels: tuple[str, ...] | None = None) -> list[AnnotatedText]:
    """Read exported tasks; the latest annotation of each task counts. A result
    without `value.text` is accepted when its offsets are valid (Label Studio
    omits it in some exports); a present `value.text` must match."""
    items = []
    for number, task in enumerate(tasks, start=1):
        data = task.get("data") or {}
        if "text" not in data:
            raise FormatError(f"task {number}: no data.text")
        text, item_id = data["text"], str(data.get("id", task.get("id", number)))
        annotations = task.get("annotations") or task.get("predictions") or []
        results = annotations[-1].get("result", []) if annotations else []
        spans = []
        for result in results:
            if result.get("type") != "labels":
                continue
            value = result.get("value") or {}
            try:
                span = Span(int(value["start"]), int(value["end"]), value["labels"][0])
            except (KeyError, IndexError, TypeError, ValueError):
                raise FormatError(f"task {item_id}: result {result.get('id')!r} lacks start/end/labels") from None
            if not (0 <= span.start < span.end <= len(text)):
                raise FormatError(f"task {item_id}: span [{span.start}, {span.end}) is outside the text")
            if "text" in value and text[span.start : span.end] != value["text"]:
                raise FormatError(
                    f"task {item_id}: span [{span.start}, {span.end}) text {value['text']!r} does not match "
                    f"{text[span.start:span.end]!r} (were offsets counted in UTF-16?)"
                )
            spans.append(span)
        items.append(_checked(AnnotatedText(item_id, text, tuple(sorted(spans))), labels))
    return items


# ---------------------------------------------------------------------------
# doccano sequence labelling JSONL: {"text", "label": [[start, end, label]]},
# offsets in UTF-16 code units.


def to_doccano(items: list[AnnotatedText]) -> str:
    lines = []
    for item in items:
        label = [[utf16_offset(item.text, s.start), utf16_offset(item.text, s.end), s.label] for s in sorted(item.spans)]
        lines.append(json.dumps({"id": item.id, "text": item.text, "label": label}, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def from_doccano(data: str, labels: tuple[str, ...] | None = None) -> list[AnnotatedText]:
    items = []
    for line_number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise FormatError(f"line {line_number}: not valid JSON ({error.msg})") from None
        text = record.get("text")
        if not isinstance(text, str):
            raise FormatError(f"line {line_number}: no text")
        spans = []
        for entry in record.get("label", record.get("labels", [])):
            try:
                start16, end16, label = entry
            except (TypeError, ValueError):
                raise FormatError(f"line {line_number}: label entry {entry!r} is not [start, end, label]") from None
            try:
                spans.append(Span(codepoint_offset(text, int(start16)), codepoint_offset(text, int(end16)), label))
            except FormatError as error:
                raise FormatError(f"line {line_number}: {error}") from None
        item = AnnotatedText(str(record.get("id", line_number)), text, tuple(sorted(spans)))
        try:
            items.append(_checked(item, labels))
        except FormatError as error:
            raise FormatError(f"line {line_number}: {error}") from None
    return items


# ---------------------------------------------------------------------------
# spaCy DocBin with one token per character, so no span is lost to token
# misalignment (a blank `zh` pipeline with the character segmenter tokenizes
# the same way).


def to_docbin(items: list[AnnotatedText]) -> bytes:
    from spacy.tokens import Doc, DocBin
    from spacy.vocab import Vocab

    vocab = Vocab()
    doc_bin = DocBin(attrs=["ENT_IOB", "ENT_TYPE"], store_user_data=True)
    for item in items:
        doc = Doc(vocab, words=list(item.text), spaces=[False] * len(item.text))
        doc.ents = [doc.char_span(s.start, s.end, label=s.label) for s in sorted(item.spans)]
        doc.user_data["id"] = item.id
        doc_bin.add(doc)
    return doc_bin.to_bytes()


def from_docbin(data: bytes) -> list[AnnotatedText]:
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    items = []
    for doc in DocBin().from_bytes(data).get_docs(Vocab()):
        spans = tuple(Span(e.start_char, e.end_char, e.label_) for e in doc.ents)
        items.append(AnnotatedText(str(doc.user_data.get("id", "")), doc.text, spans))
    return items
