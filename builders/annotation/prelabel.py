"""The rule pre-annotator: spans over the clean text.

Two things live here: the rule-based pre-annotator (gazetteer and patterns
from `config/prelabel.yaml`), which proposes spans for annotators and is the
`rules` baseline, and the mechanical span rules every span set must obey.

A `Span` has code-point offsets into the text it was found in, half-open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from builders.annotation.labels import Span, load_labels
from builders.corpus.segment import read_assignment
from builders.corpus.segment import load_rules as load_structure_rules
from builders.io import load_yaml
from builders.project import CONFIG_DIR

CONFIG_PATH = CONFIG_DIR / "prelabel.yaml"


@dataclass(frozen=True)
class PrelabelRules:
    value: re.Pattern
    bare_value_after_cue: re.Pattern
    dates: tuple[re.Pattern, ...]
    departments: tuple[str, ...]
    department_pattern: re.Pattern
    not_departments: frozenset[str]
    indicator_max_chars: int
    indicator_drop_prefixes: tuple[str, ...]
    indicator_stop_chars: frozenset[str]
    value_cues: tuple[str, ...]


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@cache
def load_rules(path: Path = CONFIG_PATH) -> PrelabelRules:
    config = load_yaml(path)
    number, joiners = config["number"], config["range_joiners"]
    units = _alternation(config["units"])
    bounds = _alternation(config["bound_words"])
    chinese, chinese_units = config["chinese_number"], _alternation(config["chinese_numeral_units"])
    value = re.compile(
        rf"(?<![0-9.]){number}%{joiners}{number}%"
        rf"|(?<![0-9.]){number}(?:{joiners}{number})?(?:{units})(?:{units})?(?:{bounds})?{config['capacity_suffix']}?"
        rf"|(?<![一二两三四五六七八九十百千]){chinese}(?:{chinese_units})(?:{bounds})?"
    )
    cues = _alternation(config["value_cues"])
    bare = re.compile(rf"(?:{cues})(\d+(?:\.\d+)?)(?![0-9.%年月日])")
    prefixes = _alternation(config["department_prefixes"])
    endings = _alternation(config["department_endings"])
    department_pattern = re.compile(rf"(?:{prefixes})[\u4e00-\u9fff]{{1,8}}?(?:{endings})")
    return PrelabelRules(
        value=value,
        bare_value_after_cue=bare,
        dates=tuple(re.compile(p) for p in config["dates"]),
        departments=tuple(config["departments"]),
        department_pattern=department_pattern,
        not_departments=frozenset(config["not_departments"]),
        indicator_max_chars=config["indicator_max_chars"],
        indicator_drop_prefixes=tuple(sorted(config["indicator_drop_prefixes"], key=len, reverse=True)),
        indicator_stop_chars=frozenset(config["indicator_stop_chars"]),
        value_cues=tuple(sorted(config["value_cues"], key=len, reverse=True)),
    )


# ---------------------------------------------------------------------------
# Where nothing may be annotated

TITLE = re.compile(r"《[^《》]*》|〈[^〈〉]*〉")
DOCUMENT_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[［][0-9]{4}[〕\]］][0-9]+[号號]")


def protected_regions(text: str) -> list[tuple[int, int]]:
    """Titles in 《》/〈〉 and document numbers (晋政办发〔2017〕55号)."""
    return sorted((m.start(), m.end()) for pattern in (TITLE, DOCUMENT_NUMBER) for m in pattern.finditer(text))


def _inside(span: tuple[int, int], regions: list[tuple[int, int]]) -> bool:
    return any(start < span[1] and span[0] < end for start, end in regions)


# ---------------------------------------------------------------------------
# Finders


def find_dates(text: str, rules: PrelabelRules) -> list[Span]:
    spans = []
    for pattern in rules.dates:
        spans += [Span(m.start(), m.end(), "DATE") for m in pattern.finditer(text)]
    return spans


def find_values(text: str, rules: PrelabelRules) -> list[Span]:
    spans = [Span(m.start(), m.end(), "VALUE") for m in rules.value.finditer(text)]
    spans += [Span(m.start(1), m.end(1), "VALUE") for m in rules.bare_value_after_cue.finditer(text)]
    return spans


def find_trailer_departments(text: str) -> list[Span]:
    """Every body named in a responsibility assignment: a bracketed list
    (责任单位：…, A、B牵头), or a line that starts with an assignment label.
    Collective items (各县市区人民政府, 市级有关部门) are part of the list but
    never a body."""
    rules = load_structure_rules()
    openers = "".join(re.escape(o) for o in rules.trailer_brackets)
    closers = "".join(re.escape(c) for c in rules.trailer_brackets.values())
    groups = [(m.start(1), m.end(1)) for m in re.finditer(rf"[{openers}]([^{openers}{closers}]+)[{closers}]", text)]
    groups += [(m.start(), m.end()) for m in re.finditer(r"(?m)^[^:：，,。\n]{2,8}[:：][^\n]*$", text)]
    # A whole sentence that only assigns roles (市自然资源局牵头，市林业局配合。).
    whole = text.rstrip("。；;")
    if whole and (assignment := read_assignment(whole, rules)) is not None and (assignment.roles or assignment.labelled):
        groups.append((0, len(whole)))
    spans = []
    for start, end in groups:
        assignment = read_assignment(text[start:end], rules)
        if assignment is None:
            continue
        for item in assignment.items:
            if not item.collective and item.end - item.start >= 2:
                spans.append(Span(start + item.start, start + item.end, "DEPT"))
    return spans


def find_departments(text: str, rules: PrelabelRules, known: tuple[str, ...] = ()) -> list[Span]:
    spans = find_trailer_departments(text)
    names = sorted(set(rules.departments) | set(known) | {s.text_in(text) for s in spans}, key=len, reverse=True)
    if names:
        gazetteer = re.compile(_alternation(names))
        spans += [Span(m.start(), m.end(), "DEPT") for m in gazetteer.finditer(text)]
    for match in rules.department_pattern.finditer(text):
        # A prefix in the middle of a word (开发区管委会) is not where a name starts.
        if match.start() > 0 and "\u4e00" <= text[match.start() - 1] <= "\u9fff":
            continue
        if match.group() not in rules.not_departments:
            spans.append(Span(match.start(), match.end(), "DEPT"))
    return spans


def find_indicators(text: str, values: list[Span], dates: list[Span], rules: PrelabelRules) -> list[Span]:
    """The phrase before a cue word that introduces a VALUE (学前教育毛入学率达到90%)."""
    spans = []
    date_ends = {d.end: d.start for d in dates}
    for value in values:
        cue_end = value.start
        cue = next((c for c in rules.value_cues if text.endswith(c, 0, cue_end)), None)
        if cue is None:
            continue
        end = cue_end - len(cue)
        start = end
        while start > 0 and end - start < rules.indicator_max_chars and text[start - 1] not in rules.indicator_stop_chars:
            if start in date_ends:
                break
            start -= 1
        changed = True
        while changed and start < end:
            changed = False
            for prefix in rules.indicator_drop_prefixes:
                if text.startswith(prefix, start, end):
                    start += len(prefix)
                    changed = True
            if start in date_ends.values():
                start = next(e for e, s in date_ends.items() if s == start)
                changed = True
        while end > start and text[end - 1] in "的":
            end -= 1
        if end - start >= 2:
            spans.append(Span(start, end, "INDICATOR"))
    return spans


def resolve(spans: list[Span], label_order: tuple[str, ...]) -> list[Span]:
    """No overlaps: longer spans win, then the label order; deterministic."""
    ranked = sorted(set(spans), key=lambda s: (-(s.end - s.start), label_order.index(s.label), s.start))
    chosen: list[Span] = []
    for span in ranked:
        if all(span.end <= other.start or other.end <= span.start for other in chosen):
            chosen.append(span)
    return sorted(chosen)


def pre_annotate(text: str, known_departments: tuple[str, ...] = (), rules: PrelabelRules | None = None) -> list[Span]:
    """Proposed spans for a text: a suggestion, never gold."""
    rules = rules or load_rules()
    labels = load_labels().names
    dates = find_dates(text, rules)
    values = [v for v in find_values(text, rules) if not any(d.start < v.end and v.start < d.end for d in dates)]
    departments = find_departments(text, rules, known_departments)
    indicators = find_indicators(text, values, dates, rules)
    regions = protected_regions(text)
    kept = [s for s in dates + values + departments + indicators if not _inside((s.start, s.end), regions)]
    return resolve(kept, labels)
