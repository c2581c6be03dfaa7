"""The structure of a clean document (corpus stage, step 3 of 4).

A clean document holds one paragraph per line. Each line becomes a `Block`
(a heading, a numbered task item, or a plain paragraph) and is cut into
`Unit`s: sentence-sized pieces that become the dataset's rows. A
responsibility trailer such as `(责任单位:市发改委、市财政局)` is a unit of its
own and records the first unit of the task it closes.

Units cover the text in order; the only characters between two units are the
line breaks that separate paragraphs. Offsets are code points into the clean
text, half-open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from builders.io import load_yaml
from builders.project import CONFIG_DIR

CONFIG_PATH = CONFIG_DIR / "structure.yaml"

BLOCK_KINDS = ("heading", "task", "paragraph")
UNIT_KINDS = ("heading", "sentence", "trailer")


@dataclass(frozen=True)
class StructureRules:
    markers: tuple[tuple[str, re.Pattern], ...]
    heading_max_chars: int
    title_max_chars: int
    title_forbidden: frozenset[str]
    not_title: tuple[re.Pattern, ...]
    signature: re.Pattern
    date_line: re.Pattern
    sentence_end: frozenset[str]
    closers: frozenset[str]
    semicolons: frozenset[str]
    long_sentence_chars: int
    trailer_brackets: dict[str, str]
    trailer_label: re.Pattern
    attribute_line: re.Pattern
    trailer_qualifier: re.Pattern
    trailer_separators: str
    trailer_item_suffixes: tuple[str, ...]
    collective: re.Pattern
    role_words: re.Pattern
    unit_name_endings: tuple[str, ...]
    unit_name_min_chars: int


@dataclass(frozen=True)
class Block:
    index: int
    kind: str  # heading | task | paragraph
    start: int
    end: int
    marker: str  # the numbering as written ("(一)", "1.", "第二章"), "" if none
    marker_kind: str  # the marker's kind ("(一)"), "title" for an unnumbered heading, "" otherwise
    level: int  # depth of a heading or task item, 0 for plain paragraphs
    section: tuple[str, ...]  # headings above this block, outermost first


@dataclass(frozen=True)
class Unit:
    index: int
    kind: str  # heading | sentence | trailer
    start: int
    end: int
    block_index: int
    section: tuple[str, ...]
    # For a trailer: index of the first unit of the task it closes.
    closes_unit: int | None = None


@dataclass(frozen=True)
class Structure:
    blocks: tuple[Block, ...]
    units: tuple[Unit, ...]

    def counts(self) -> dict[str, int]:
        return {
            "headings": sum(b.kind == "heading" for b in self.blocks),
            "task_items": sum(b.kind == "task" for b in self.blocks),
            "responsibility_trailers": sum(u.kind == "trailer" for u in self.units),
            "paragraphs": sum(b.kind == "paragraph" for b in self.blocks),
            "units": len(self.units),
        }


@cache
def load_rules(path: Path = CONFIG_PATH) -> StructureRules:
    config = load_yaml(path)
    return StructureRules(
        markers=tuple((m["kind"], re.compile(m["pattern"])) for m in config["markers"]),
        heading_max_chars=config["heading_max_chars"],
        title_max_chars=config["title_max_chars"],
        title_forbidden=frozenset(config["title_forbidden"]),
        not_title=tuple(re.compile(p) for p in config["not_title_patterns"]),
        signature=re.compile(config["signature_pattern"]),
        date_line=re.compile(config["date_line_pattern"]),
        sentence_end=frozenset(config["sentence_end"]),
        closers=frozenset(config["closers"]),
        semicolons=frozenset(config["semicolons"]),
        long_sentence_chars=config["long_sentence_chars"],
        trailer_brackets=dict(config["trailer_brackets"]),
        trailer_label=re.compile(config["trailer_label"]),
        attribute_line=re.compile(config["attribute_line"]),
        trailer_qualifier=re.compile(config["trailer_qualifier"]),
        trailer_separators=config["trailer_item_separators"],
        trailer_item_suffixes=tuple(sorted(config["trailer_item_suffixes"], key=len, reverse=True)),
        collective=re.compile(config["collective"]),
        role_words=re.compile(config["role_words"]),
        unit_name_endings=tuple(sorted(config["unit_name_endings"], key=len, reverse=True)),
        unit_name_min_chars=config["unit_name_min_chars"],
    )


# ---------------------------------------------------------------------------
# Lines


def line_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in re.finditer("\n", text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def match_marker(line: str, rules: StructureRules) -> tuple[str, str]:
    """(marker as written, marker kind) at the start of a line, or ("", "")."""
    for kind, pattern in rules.markers:
        match = pattern.match(line)
        if match:
            return match.group(), kind
    return "", ""


def is_title_line(line: str, rules: StructureRules) -> bool:
    if len(line) > rules.title_max_chars or any(c in rules.title_forbidden for c in line):
        return False
    return not any(p.search(line) for p in rules.not_title)


BRACKETS = {"（": "）", "(": ")", "《": "》", "“": "”", "〈": "〉", "「": "」", "『": "』", "‘": "’", "〔": "〕", "【": "】"}
QUOTE_CLOSERS = "”’」』"


@cache
def _sentence_marks(sentence_end: frozenset[str], semicolons: frozenset[str]) -> re.Pattern:
    """The characters where `sentence_spans` may change its state: every
    other character is skipped in one regex search instead of one loop step."""
    marks = set(BRACKETS) | set(BRACKETS.values()) | set(QUOTE_CLOSERS) | sentence_end | semicolons
    return re.compile("[" + "".join(re.escape(c) for c in sorted(marks)) + "]")


def sentence_spans(text: str, start: int, end: int, rules: StructureRules) -> list[tuple[int, int]]:
    """Cut [start, end) after sentence-final punctuation, keeping closers with
    the sentence; never inside brackets or quotes that are still open."""
    spans: list[tuple[int, int]] = []
    marks = _sentence_marks(rules.sentence_end, rules.semicolons)
    stack: list[str] = []
    piece_start, index = start, start
    while index < end:
        found = marks.search(text, index, end)
        if found is None:
            break
        index = found.start()
        char = text[index]
        if char in BRACKETS:
            stack.append(BRACKETS[char])
        elif stack and char == stack[-1]:
            stack.pop()
        cut = None
        if not stack and char in QUOTE_CLOSERS and index > piece_start and text[index - 1] in rules.sentence_end:
            # A quotation that ends with its own full stop ends the sentence too.
            cut = index + 1
        elif not stack and char in rules.sentence_end:
            cut = index + 1
        elif not stack and char in rules.semicolons and index + 1 - piece_start > rules.long_sentence_chars:
            cut = index + 1
        if cut is not None:
            while cut < end and text[cut] in rules.closers and not (text[cut] in ")）" and not stack):
                cut += 1
            spans.append((piece_start, cut))
            piece_start, index = cut, cut
            continue
        index += 1
    if piece_start < end:
        spans.append((piece_start, end))
    return spans


# ---------------------------------------------------------------------------
# Responsibility trailers


@dataclass(frozen=True)
class AssignmentItem:
    """One name in a responsibility assignment, offsets into the assignment text."""

    start: int
    end: int
    collective: bool  # 各县市区人民政府, 市级有关部门: part of the list, never a body


@dataclass(frozen=True)
class Assignment:
    labelled: bool  # has a 牵头单位:/责任单位: label
    items: tuple[AssignmentItem, ...]
    roles: bool  # an item carried a role word (牵头, 配合, 负责 ...)


def _clauses(content: str, rules: StructureRules) -> list[tuple[int, int]]:
    """[start, end) of the pieces between separators, never cutting inside brackets."""
    pieces, depth, piece_start = [], 0, 0
    openers = set(rules.trailer_brackets) | {"“", "‘", "《"}
    closers = set(rules.trailer_brackets.values()) | {"”", "’", "》"}
    for index, char in enumerate(content):
        if char in openers:
            depth += 1
        elif char in closers and depth:
            depth -= 1
        elif not depth and char in rules.trailer_separators:
            pieces.append((piece_start, index))
            piece_start = index + 1
    pieces.append((piece_start, len(content)))
    return [(a, b) for a, b in pieces if b > a]


def _strip_roles(content: str, start: int, end: int, rules: StructureRules) -> tuple[int, bool]:
    """End of the name once the role words after it are removed; and whether any were."""
    stripped, changed = False, True
    while changed:
        changed = False
        for suffix in rules.trailer_item_suffixes:
            if content.endswith(suffix, start, end) and end - len(suffix) > start:
                end -= len(suffix)
                stripped = changed = True
                break
    return end, stripped


def names_a_unit(name: str, rules: StructureRules) -> bool:
    """A body's name: long enough, ends with an institutional ending and is longer
    than it, and does not start with a role word or an opening bracket (a
    cut-off （牵头部 is no body)."""
    if len(name) < rules.unit_name_min_chars or rules.role_words.match(name) or name[0] in rules.trailer_brackets:
        return False
    ending = next((e for e in rules.unit_name_endings if name.endswith(e)), None)
    return ending is not None and len(name) > len(ending)


def read_assignment(content: str, rules: StructureRules) -> Assignment | None:
    """The responsibility assignment written in `content`, or None if it is not one.

    Labelled (牵头单位：A；配合单位：B、C, optionally after a qualifier such as
    约束性指标) or bare (A、B牵头，C按职责分工负责). Every item of a bare list
    must be a body or a collective reference, and at least one must be a body."""
    items: list[AssignmentItem] = []
    labelled = roles = each_chain = False
    content = content.rstrip("。；;")  # a label line may end like a sentence
    for start, end in _clauses(content, rules):
        while start < end and content[start].isspace():
            start += 1
        colon = next((i for i in range(start, end) if content[i] in ":："), None)
        if colon is not None:
            if not rules.trailer_label.match(content[start:colon].strip()):
                return None
            labelled, start = True, colon + 1
        elif not items and not labelled and rules.trailer_qualifier.match(content[start:end]):
            continue
        name_end, stripped = _strip_roles(content, start, end, rules)
        roles = roles or stripped
        name = content[start:name_end]
        if not name:
            continue
        collective = bool(rules.collective.search(name))
        # 各县、市、区政府: the items a 各 opens, joined by 、, are all collective.
        chained = start > 0 and content[start - 1] == "、" and each_chain
        collective = collective or chained
        each_chain = chained or name.startswith("各")
        if not collective and not labelled and not names_a_unit(name, rules):
            return None
        items.append(AssignmentItem(start, name_end, collective))
    if not labelled and not any(not item.collective for item in items):
        return None
    if labelled and not items:
        return None
    return Assignment(labelled, tuple(items), roles)


def is_unit_list(content: str, rules: StructureRules) -> bool:
    """A list of responsible units, with or without a 责任单位: label."""
    return read_assignment(content.strip(), rules) is not None


def is_trailer_line(line: str, rules: StructureRules) -> bool:
    """A line of its own that assigns units under a label (牵头单位：市发改委)."""
    assignment = read_assignment(line, rules)
    return assignment is not None and assignment.labelled and bool(re.match(r"^[^:：，,。]{2,8}[:：]", line))


def trailer_span(text: str, start: int, end: int, rules: StructureRules) -> tuple[int, int] | None:
    """The responsibility trailer closing the line [start, end), if any."""
    if end - start < 3:
        return None
    closer = text[end - 1]
    openers = [o for o, c in rules.trailer_brackets.items() if c == closer]
    if openers:
        depth, index = 0, end - 1
        while index >= start:
            if text[index] == closer:
                depth += 1
            elif text[index] in openers:
                depth -= 1
                if depth == 0:
                    break
            index -= 1
        if index > start and depth == 0 and is_unit_list(text[index + 1 : end - 1], rules):
            return index, end
        return None
    ends = [i for i in range(start, end) if text[i] in rules.sentence_end]
    if ends and ends[-1] == end - 1:
        # A whole last sentence that assigns roles (市自然资源局牵头，市林业局配合。).
        previous = ends[-2] + 1 if len(ends) > 1 else None
        if previous is not None and previous < end - 1:
            assignment = read_assignment(text[previous : end - 1], rules)
            if assignment is not None and (assignment.roles or assignment.labelled):
                return previous, end
        return None
    # A bare list of units as the last sentence of the line.
    if ends and ends[-1] + 1 < end and is_unit_list(text[ends[-1] + 1 : end], rules):
        return ends[-1] + 1, end
    return None


# ---------------------------------------------------------------------------
# The whole stage


def _title_of(text: str, rules: StructureRules) -> str:
    """A heading's or task item's name for section paths: up to its first sentence end."""
    for index, char in enumerate(text):
        if char in rules.sentence_end:
            return text[:index]
    return text


def _line_kinds(text: str, spans: list[tuple[int, int]], rules: StructureRules) -> list[tuple[str, str]]:
    """(marker, marker kind) per line; unnumbered title lines get kind "title",
    lines that only assign units (牵头单位：…) kind "trailer"."""
    lines = [text[start:end] for start, end in spans]
    # A signature is a run of body-name lines directly above a date line
    # (中共某市委 / 某市人民政府 / 2024年3月8日); found from the bottom up.
    signed = [False] * len(lines)
    for index in range(len(lines) - 2, -1, -1):
        following = lines[index + 1]
        if rules.signature.match(lines[index]) and (rules.date_line.match(following) or signed[index + 1]):
            signed[index] = True
    result = []
    for index, line in enumerate(lines):
        marker, kind = match_marker(line, rules)
        if not marker and is_trailer_line(line, rules):
            kind = "trailer"
        elif not marker and rules.attribute_line.match(line):
            kind = "attribute"
        elif not marker and is_title_line(line, rules):
            kind = "" if signed[index] else "title"
        result.append((marker, kind))
    return result


def segment(text: str, rules: StructureRules | None = None) -> Structure:
    rules = rules or load_rules()
    blocks: list[Block] = []
    units: list[Unit] = []
    kind_depth: list[str] = []  # marker kinds currently open, outermost first
    open_headings: list[str] = []  # heading names, parallel to kind_depth
    spans = line_spans(text)
    kinds = _line_kinds(text, spans, rules)
    last_task_unit: int | None = None  # first unit of the latest task item
    for block_index, (start, end) in enumerate(spans):
        line = text[start:end]
        marker, marker_kind = kinds[block_index]
        if marker_kind == "trailer":
            # A line of its own that assigns units closes the task item above it.
            section = tuple(open_headings)
            blocks.append(Block(block_index, "paragraph", start, end, "", "", 0, section))
            units.append(Unit(len(units), "trailer", start, end, block_index, section, last_task_unit))
            continue
        trailer = trailer_span(text, start, end, rules)
        body_end = trailer[0] if trailer else end
        if marker:
            if marker_kind in kind_depth:
                cut = kind_depth.index(marker_kind)
                del kind_depth[cut:], open_headings[cut:]
            rest = text[start + len(marker) : body_end]
            single = len(sentence_spans(rest, 0, len(rest), rules)) <= 1
            following = next((k for k in kinds[block_index + 1 :] if k[1] not in ("trailer", "attribute")), ("", "title"))
            next_marker, next_kind = following
            # Content under a heading is a deeper numbered line or a plain paragraph.
            has_content = (next_marker and next_kind not in kind_depth and next_kind != marker_kind) or (
                not next_marker and next_kind != "title"
            )
            heading = single and not trailer and has_content and len(line) <= rules.heading_max_chars
            kind = "heading" if heading else "task"
            section = tuple(open_headings)
            level = len(kind_depth) + 1
            kind_depth.append(marker_kind)
            open_headings.append(line if heading else marker + _title_of(rest, rules))
        elif marker_kind == "title" and not trailer:
            # An unnumbered title (a document or part title) closes every open
            # heading; it is not itself part of the section paths below it.
            kind, level = "heading", 0
            del kind_depth[:], open_headings[:]
            section = ()
        else:
            kind, level, marker_kind = "paragraph", 0, ""
            section = tuple(open_headings)
        blocks.append(Block(block_index, kind, start, end, marker, marker_kind, level, section))
        unit_section = section + ((open_headings[-1],) if kind == "task" else ())
        if kind == "heading":
            units.append(Unit(len(units), "heading", start, end, block_index, section))
            continue
        first_unit = len(units)
        if kind == "task":
            last_task_unit = first_unit
        for piece_start, piece_end in sentence_spans(text, start, body_end, rules):
            units.append(Unit(len(units), "sentence", piece_start, piece_end, block_index, unit_section))
        if trailer:
            closes = first_unit if len(units) > first_unit else None
            units.append(Unit(len(units), "trailer", trailer[0], trailer[1], block_index, unit_section, closes))
    return Structure(tuple(blocks), tuple(units))
