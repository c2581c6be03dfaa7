"""What add-plan found in a new plan, and what a person has to check: the
report written to annotations/tasks/<plan>/report.md.

It says what cleaning removed (with each reason), the structure found
(headings by marker and depth, task items, responsibility lists), the lines
that look like lists, tables or assignments but were not parsed as such, the
characters nothing explains, and the pre-annotation counts. Pre-annotation is a
suggestion for annotators; nothing here writes gold. Offsets are code points of
the clean text (corpus/<plan>/text.txt), half-open.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

from builders.corpus.clean import residual_noise
from builders.corpus.segment import load_rules as load_structure_rules
from builders.corpus.segment import match_marker
from builders.markdown import markdown_table

# Lines shaped like a numbered item whose numbering the structure rules do not know
# (1）, 一．, （1. ...): the plan may nest in a way nobody configured.
MARKER_LIKE = re.compile(r"^(?:[（(]?[0-9０-９一二三四五六七八九十]{1,3}[)）.．、，,]|[（(][0-9０-９一二三四五六七八九十]{1,3}[.．、])")
# Words that assign responsibility; a line that has them but no recognised list needs a look.
ASSIGNMENT_WORDS = re.compile(r"牵头|牽頭|责任单位|責任單位|责任部门|責任部門|配合单位|配合單位|按职责分工|按職責分工")
TABLE_LIKE = re.compile(r"[|｜\t]")
EXPECTED_CHARACTER_CATEGORIES = ("L", "N", "P", "Zs")
ALLOWED_SYMBOLS = "%％‰+=<>≤≥×÷~～°℃μ²³/·|｜"  # pipes: flagged as table rows


@dataclass(frozen=True)
class Flag:
    offset: int  # clean-text code point where the line or character starts
    line: int  # 1-based line of the clean text
    what: str
    excerpt: str


@dataclass
class IntakeReport:
    plan_id: str
    title: str | None
    script: str
    edits: Counter = field(default_factory=Counter)  # (kind, reason) -> count
    removed_lines: list[str] = field(default_factory=list)
    headings: Counter = field(default_factory=Counter)  # (marker kind, level) -> count
    outline: list[str] = field(default_factory=list)
    task_items: int = 0
    task_items_with_list: int = 0
    trailers: int = 0
    units: int = 0
    spans: Counter = field(default_factory=Counter)
    units_without_spans: int = 0
    flags: list[Flag] = field(default_factory=list)


class LineNumbers:
    """1-based line numbers of offsets in a text, by bisection over its line
    breaks (counting them from the start for each flag is quadratic in a long plan)."""

    def __init__(self, text: str):
        self.breaks = [m.start() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect_left(self.breaks, offset) + 1


def unparsed_lines(text: str, blocks: list[dict], units: list[dict]) -> list[Flag]:
    """Lines that look like a list, a table or an assignment but were not read as one."""
    rules = load_structure_rules()
    trailer_blocks = {u["block_index"] for u in units if u["kind"] == "trailer"}
    flags = []
    line_number = LineNumbers(text)
    for block in blocks:
        line = text[block["start"] : block["end"]]
        number = line_number(block["start"])
        excerpt = line[:40]
        if TABLE_LIKE.search(line):
            flags.append(Flag(block["start"], number, "table row (pipe or tab separated) kept as text", excerpt))
        if not block["marker"] and MARKER_LIKE.match(line) and not match_marker(line, rules)[0]:
            flags.append(Flag(block["start"], number, "starts like a numbered item, numbering not recognised", excerpt))
        if ASSIGNMENT_WORDS.search(line) and block["index"] not in trailer_blocks:
            flags.append(Flag(block["start"], number, "names a responsibility but no responsibility list was recognised", excerpt))
    return flags


def unexplained_characters(text: str) -> list[Flag]:
    """Characters cleaning left that are neither letters, digits, punctuation nor
    spaces (symbols, private use, replacement characters), and residual noise."""
    line_number = LineNumbers(text)
    flags = [Flag(o, line_number(o), what, text[max(0, o - 8) : o + 8]) for o, what in residual_noise(text)]
    seen = {f.offset for f in flags}
    # Each distinct character is classified once, then found by one search.
    unexpected = sorted(
        char for char in set(text) - {"\n"}
        if not unicodedata.category(char).startswith(EXPECTED_CHARACTER_CATEGORIES) and char not in ALLOWED_SYMBOLS
    )
    if not unexpected:
        return flags
    for match in re.finditer("[" + "".join(re.escape(c) for c in unexpected) + "]", text):
        offset, char = match.start(), match.group()
        if offset in seen:
            continue
        name = unicodedata.name(char, "unnamed")
        flags.append(Flag(offset, line_number(offset), f"U+{ord(char):04X} {name}", text[max(0, offset - 8) : offset + 8]))
    return flags


def intake_report(plan_id: str, metadata: dict, text: str, edits: list[dict], blocks: list[dict], units: list[dict],
                  labels_by_unit: dict[int, list[str]]) -> IntakeReport:
    """What add-plan's report shows; `labels_by_unit` holds the labels of each
    unit's pre-annotated spans."""
    report = IntakeReport(plan_id, metadata.get("title"), metadata.get("script") or "")
    for edit in edits:
        report.edits[(edit["kind"], edit["reason"])] += 1
        if edit["kind"] == "boilerplate" and edit["removed"].strip():
            report.removed_lines.append(edit["removed"].strip())
    trailer_closes = {u["closes_unit"] for u in units if u["kind"] == "trailer"}
    first_unit_of_block = {}
    for unit in units:
        first_unit_of_block.setdefault(unit["block_index"], unit["index"])
    for block in blocks:
        if block["kind"] == "heading":
            report.headings[(block["marker_kind"] or "title", block["level"])] += 1
            report.outline.append("  " * max(block["level"] - 1, 0) + text[block["start"] : block["end"]][:60])
        elif block["kind"] == "task":
            report.task_items += 1
            report.task_items_with_list += first_unit_of_block.get(block["index"]) in trailer_closes
    report.trailers = sum(u["kind"] == "trailer" for u in units)
    report.units = len(units)
    for unit in units:
        labels = labels_by_unit.get(unit["index"], [])
        report.spans.update(labels)
        report.units_without_spans += not labels
    report.flags = unparsed_lines(text, blocks, units) + unexplained_characters(text)
    return report


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell or list item."""
    return "`" + text.replace("\n", " ").replace("|", "\\|").replace("`", "'") + "`"


def render(report: IntakeReport, max_rows: int = 60) -> str:
    """The report as Markdown."""
    lines = [
        f"# add-plan report: {report.plan_id}",
        "",
        f"Title: {report.title or '(none given: add `title` in seeds/plans.yaml)'}; script: {report.script}.",
        "",
        "Pre-annotation is a suggestion for annotators, never gold: nothing was written to "
        "`annotations/gold/`. Every unit still has to be read and annotated (see `annotations/GUIDELINES.md`, "
        "section 10 for plans from outside the seed set).",
        "",
        "## What cleaning removed",
        "",
    ]
    rows = [[kind, reason, count] for (kind, reason), count in sorted(report.edits.items())]
    lines.append(markdown_table(["kind", "reason", "edits"], rows) if rows else "Nothing.")
    if report.removed_lines:
        lines += ["", "Whole lines removed as page furniture or boilerplate (check that none is content):", ""]
        lines += [f"- {_cell(line[:60])}" for line in report.removed_lines[:max_rows]]
    lines += ["", "## Structure found", ""]
    heading_rows = [[kind, level, count] for (kind, level), count in sorted(report.headings.items(), key=lambda kv: (kv[0][1], kv[0][0]))]
    lines.append(markdown_table(["heading marker", "level", "headings"], heading_rows) if heading_rows else "No headings.")
    lines += [
        "",
        f"- task items: {report.task_items}, of which {report.task_items_with_list} close with a responsibility list",
        f"- responsibility lists (trailer units): {report.trailers}",
        f"- units (annotation tasks): {report.units}",
        "",
        "Outline (headings by depth):",
        "",
        "```",
        *report.outline[:max_rows],
        *(["…"] if len(report.outline) > max_rows else []),
        "```",
        "",
        "## Pre-annotation (rules; a suggestion)",
        "",
        markdown_table(["label", "proposed spans"], [[label, count] for label, count in sorted(report.spans.items())])
        if report.spans else "No spans proposed.",
        "",
        f"Units without any proposed span: {report.units_without_spans} of {report.units}.",
        "",
        "## Needs a human",
        "",
    ]
    if report.flags:
        lines.append(markdown_table(["line", "offset", "what", "text"],
                                    [[f.line, f.offset, f.what, _cell(f.excerpt)] for f in report.flags[:max_rows]]))
        if len(report.flags) > max_rows:
            lines.append(f"\n… and {len(report.flags) - max_rows} more.")
    else:
        lines.append("Nothing flagged beyond reading every unit.")
    lines += [
        "",
        "What to do: a table row or an unrecognised numbering kept as text, or a responsibility that no list "
        "recognised, means the structure rules (`builders/config/structure.yaml`) or the cleaning rules "
        "(`builders/config/cleaning.yaml`) do not know this plan's form; fix the rule or note it under "
        "`known_defects` in seeds/plans.yaml, then `plancorpus build`. Unexplained characters are checked "
        "against the raw file (`seeds/raw/`) and repaired only through the reviewed tables in `seeds/`.",
        "",
    ]
    return "\n".join(lines)
