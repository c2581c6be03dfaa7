"""The rule pre-annotator: spans over the clean text.

Two things live here: the rule-based pre-annotator (patterns and general
conventions from `config/prelabel.yaml`), which proposes spans for annotators
and is the `rules` baseline, and the mechanical span rules every span set must
obey.

The conventions, stated once and applied everywhere (no lists of the seeds' names):
- a body is a level prefix (市, 省 ...) or a place word, a name and an
  institutional ending; it starts a word (jieba decides where a name starts
  after another character); collective words (各, 有关, 相关) and meeting words
  disqualify it; bodies named in a responsibility assignment, a signature, a
  notice title's issuer or a 以下简称 definition are bodies wherever the plan
  names them again (`plan_bodies`, `pre_annotate_document`);
- a VALUE is a number with a unit; numbers inside quoted slogans, after 第, or
  counts restating a list or a known set are not;
- an INDICATOR is the phrase right before a value (a cue verb is optional), or,
  after a bare counting verb, the noun after a count (新建3个产业园), split at
  、/和 when 分别 assigns one value to each.

A `Span` has code-point offsets into the text it was found in, half-open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from builders.annotation.labels import Span, load_labels
from builders.corpus.segment import load_rules as load_structure_rules
from builders.corpus.segment import match_marker, names_a_unit, read_assignment
from builders.io import load_yaml
from builders.project import CONFIG_DIR

CONFIG_PATH = CONFIG_DIR / "prelabel.yaml"

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class PrelabelRules:
    value: re.Pattern
    bare_value_after_cue: re.Pattern
    dates: tuple[re.Pattern, ...]
    departments: tuple[str, ...]
    department_pattern: re.Pattern
    not_departments: frozenset[str]
    place_suffixes: frozenset[str]
    not_place_words: frozenset[str]
    collective_after: re.Pattern
    collective_before: re.Pattern
    meeting_after: re.Pattern
    title_issuer: re.Pattern
    abbreviation: re.Pattern
    indicator_max_chars: int
    indicator_drop_prefixes: tuple[str, ...]
    indicator_drop_suffixes: tuple[str, ...]
    comparison_words: tuple[str, ...]
    comparison_periods: tuple[str, ...]
    clause_place_chars: tuple[int, ...]
    not_place_starts: frozenset[str]
    not_place_flags: frozenset[str]
    verbs_before_bodies: tuple[str, ...]
    weak_department_endings: tuple[str, ...]
    weak_department_prefixes: tuple[str, ...]
    indicator_stop_chars: frozenset[str]
    value_cues: tuple[str, ...]
    count_measure_words: tuple[str, ...]
    count_verbs: frozenset[str]
    definite_before_count: tuple[str, ...]
    chinese_count: re.Pattern
    name_excluded: str = ""  # characters a body's name never contains


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@cache
def load_rules(path: Path = CONFIG_PATH) -> PrelabelRules:
    config = load_yaml(path)
    number, joiners = config["number"], config["range_joiners"]
    units = _alternation(config["units"])
    bounds = _alternation(config["bound_words"])
    chinese, chinese_units = config["chinese_number"], _alternation(config["chinese_numeral_units"])
    digit = "0-9０-９.．"
    value = re.compile(
        rf"(?<![{digit}]){number}(?:{joiners}{number})?(?:{_alternation(config['time_units'])})(?:(?:{bounds})|(?![\u4e00-\u9fff]))"
        rf"|(?<![{digit}]){number}[%％]{joiners}{number}[%％]"
        rf"|(?<![{digit}]){number}(?:{joiners}{number})?(?:{units})(?:{units})?(?:{bounds})?{config['capacity_suffix']}?"
        rf"|(?<![一二两三四五六七八九十百千]){chinese}(?:{chinese_units})(?:{bounds})?"
    )
    cues = _alternation(config["value_cues"])
    bare = re.compile(rf"(?:{cues})({number})(?![{digit}%％年月日])")
    prefixes = _alternation(config["department_prefixes"])
    endings = _alternation(config["department_endings"])
    excluded = re.escape(config["department_name_excluded"])
    conjunction = re.escape(config["department_name_conjunction"])
    name_char = rf"(?:[^\W\d_{excluded}]|{conjunction}(?!{prefixes}))"
    longest = config["department_max_name_chars"]
    # prefix, name, ending; then more name parts with an ending, none starting a new body.
    department_pattern = re.compile(
        rf"(?:{prefixes}){name_char}{{0,{longest}}}?(?:{endings})(?:(?!{prefixes}){name_char}{{0,6}}?(?:{endings}))*"
    )
    return PrelabelRules(
        value=value,
        bare_value_after_cue=bare,
        dates=tuple(re.compile(p) for p in config["dates"]),
        departments=tuple(config["departments"]),
        department_pattern=department_pattern,
        not_departments=frozenset(config["not_departments"]),
        place_suffixes=frozenset(config["place_suffixes"]),
        not_place_words=frozenset(config["not_place_words"]),
        collective_after=re.compile(config["collective_after"]),
        collective_before=re.compile(config["collective_before"]),
        meeting_after=re.compile(config["meeting_after"]),
        title_issuer=re.compile(config["title_issuer"]),
        abbreviation=re.compile(config["abbreviation"]),
        indicator_max_chars=config["indicator_max_chars"],
        indicator_drop_prefixes=tuple(sorted(config["indicator_drop_prefixes"], key=len, reverse=True)),
        indicator_drop_suffixes=tuple(sorted(config["indicator_drop_suffixes"], key=len, reverse=True)),
        comparison_words=tuple(sorted(config["comparison_words"], key=len, reverse=True)),
        comparison_periods=tuple(sorted(config["comparison_periods"], key=len, reverse=True)),
        clause_place_chars=tuple(config["clause_place_chars"]),
        not_place_starts=frozenset(config["not_place_starts"]),
        not_place_flags=frozenset(config["not_place_flags"]),
        verbs_before_bodies=tuple(config["verbs_before_bodies"]),
        weak_department_endings=tuple(config["weak_department_endings"]),
        weak_department_prefixes=tuple(config["weak_department_prefixes"]),
        indicator_stop_chars=frozenset(config["indicator_stop_chars"]),
        value_cues=tuple(sorted(config["value_cues"], key=len, reverse=True)),
        count_measure_words=tuple(sorted(config["count_measure_words"], key=len, reverse=True)),
        count_verbs=frozenset(config["count_verbs"]),
        definite_before_count=tuple(config["definite_before_count"]),
        chinese_count=re.compile(rf"^{chinese}"),
        name_excluded=config["department_name_excluded"],
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


def _quoted_regions(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"“[^“”]*”|‘[^‘’]*’|「[^「」]*」", text)]


def _restates_a_list(text: str, start: int) -> bool:
    """A count right after a list it restates (东区、西区两个园区, H28): the
    clause before the count names items separated by 、 or 和 and runs up to it."""
    clause_start = max((text.rfind(c, 0, start) for c in "，,。；;：:"), default=-1) + 1
    clause = text[clause_start:start]
    return bool(clause) and HAN.match(clause[-1]) is not None and bool(re.search(r"[\u4e00-\u9fff][、和及与與][\u4e00-\u9fff]", clause))


def find_values(text: str, rules: PrelabelRules) -> list[Span]:
    spans = [Span(m.start(), m.end(), "VALUE") for m in rules.value.finditer(text)]
    spans += [Span(m.start(1), m.end(1), "VALUE") for m in rules.bare_value_after_cue.finditer(text)]
    quoted = _quoted_regions(text)
    kept = []
    for span in spans:
        if _inside((span.start, span.end), quoted):
            continue  # slogans and programme names in quotes (V9, V10, H50)
        if span.start > 0 and text[span.start - 1] in "第":
            continue  # ordinals (V11)
        if re.fullmatch(r"[一二两三四五六七八九十百千]+[万萬亿億]", text[span.start : span.end]) and text[span.end : span.end + 1] in "级級":
            continue  # a grade (百亿级产业集群) is no quantity (V11)
        if rules.chinese_count.match(text[span.start : span.end]):
            before = text[: span.start]
            if before.endswith(rules.definite_before_count) or _restates_a_list(text, span.start):
                continue  # a known set (确定的六项指标) or a restated list (H28)
        kept.append(span)
    return kept


def find_trailer_departments(text: str) -> list[Span]:
    """Every body named in a responsibility assignment: a bracketed list
    (责任单位：…, A、B牵头), or a line that starts with an assignment label.
    Collective items (各县市区人民政府, 市级有关部门) are part of the list but
    never a body."""
    rules = load_structure_rules()
    openers = "".join(re.escape(o) for o in rules.trailer_brackets)
    closers = "".join(re.escape(c) for c in rules.trailer_brackets.values())
    groups = [(m.start(1), m.end(1)) for m in re.finditer(rf"[{openers}]([^{openers}{closers}]+)[{closers}]", text)]
    # (以下简称X) defines a short name; it assigns nothing.
    abbreviations = [(m.start(), m.end()) for m in load_rules().abbreviation.finditer(text)]
    groups = [g for g in groups if not any(a < g[0] and g[1] < b for a, b in abbreviations)]
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


@lru_cache(maxsize=512)
def _gazetteer(names: frozenset[str]) -> re.Pattern:
    """The names as one alternation, longest first (compiled once per set of names)."""
    return re.compile(_alternation(names))


@cache
def _jieba():
    import jieba  # imported lazily: only names after another character need it
    import jieba.posseg

    jieba.setLogLevel(60)
    return jieba


def _name_start(text: str, start: int, rules: PrelabelRules) -> int | None:
    """Where a body name found at `start` really starts, or None if `start` is
    inside a word. Right after a non-Han character it starts there; otherwise
    jieba decides: a word boundary (批转|市|发改委) starts it; a place word
    ending with the prefix character (临江市, 高新区) and the place names
    before it (东湖) belong to it; anything else (城市|管理局) is no name."""
    if start == 0 or not HAN.match(text[start - 1]):
        return start
    # A place name of a few characters at the start of a clause (青石县人民政府).
    boundary = max((i for i in range(max(0, start - 4), start) if not HAN.match(text[i])), default=None)
    clause_start = boundary + 1 if boundary is not None else 0 if start <= 4 else -1
    if clause_start >= 0 and start - clause_start in rules.clause_place_chars:
        place = text[clause_start:start]
        excluded = rules.name_excluded
        flags = {token.flag[:1] for token in _jieba().posseg.cut(_simplified(place))}
        if (
            place[0] not in rules.not_place_starts
            and not any(c in rules.place_suffixes or c in "委府部局办辦" for c in place)
            and not any(c in excluded for c in place)
            and (place + text[start]) not in rules.not_place_words
            and not flags & rules.not_place_flags
            and not place.startswith(rules.verbs_before_bodies)
        ):
            return clause_start
    window_start = max(0, start - 10)
    # jieba knows Simplified words far better: it reads a same-length Simplified copy.
    window = _simplified(text[window_start : start + 4])
    jieba = _jieba()
    # A place name tagged `ns` that ends with the prefix character (南屿市) starts the name.
    tagged_tokens, offset = [], window_start
    for token in jieba.posseg.cut(window):
        tagged_tokens.append((offset, offset + len(token.word), token.flag))
        offset += len(token.word)
    place = next((t for t in tagged_tokens if t[0] < start and t[1] == start + 1 and t[2] == "ns"), None)
    if (
        place
        and text[place[0] : place[1]] not in rules.not_place_words
        and not text.startswith(rules.verbs_before_bodies, place[0])
        and not text.startswith(tuple(rules.count_verbs), place[0])
    ):
        begin = place[0]
        for a, b, flag in reversed([t for t in tagged_tokens if t[1] <= place[0]]):
            if flag != "ns" or b != begin:
                break
            begin = a
        return begin
    tokens = [(window_start + a, window_start + b) for _, a, b in jieba.tokenize(window)]
    if any(a == start for a, _ in tokens):
        return start
    containing = next(((a, b) for a, b in tokens if a < start < b or (a < start and b == start + 1)), None)
    if containing is None or containing[1] != start + 1:
        return None
    word = text[containing[0] : containing[1]]
    excluded = rules.name_excluded
    if all(c in excluded for c in word[:-1]) or word.startswith(rules.verbs_before_bodies):
        return start  # a preposition or verb glued to the prefix (由市|财政局, 会同县|住建局)
    if word in rules.not_place_words or word[-1] not in rules.place_suffixes or any(c in excluded for c in word):
        return None
    begin = containing[0]
    # Place names right before the place word (东湖 in 东湖高新区).
    tagged = list(jieba.posseg.cut(_simplified(text[window_start:begin])))
    for token in reversed(tagged):
        if token.flag != "ns" or not HAN.match(token.word[0]):
            break
        begin -= len(token.word)
    return begin


def _simplified(window: str) -> str:
    """A Simplified copy of a short window of either script, of the same length
    (the window itself when conversion would change its length)."""
    from builders.corpus.clean import SIMPLIFY_CONFIG, _converter

    converted = _converter(SIMPLIFY_CONFIG).convert(window)
    return converted if len(converted) == len(window) else window


def _prefix_ends_a_word(text: str, start: int) -> bool:
    """Whether a word ends right after the level prefix at `start` (由市|自然资源, not 县城)."""
    window_start = max(0, start - 4)
    tokens = _jieba().tokenize(_simplified(text[window_start : start + 8]))
    return any(window_start + b == start + 1 for _, a, b in tokens)


def _prefix_stands_alone(text: str, start: int) -> bool:
    """Whether the level prefix at `start` is a word of its own (区|财政所), not the
    first character of a longer word (区域|中心)."""
    window_start = max(0, start - 4)
    tokens = _jieba().tokenize(_simplified(text[window_start : start + 8]))
    return any(window_start + a == start and window_start + b == start + 1 for _, a, b in tokens)


def _ends_a_word(text: str, end: int) -> bool:
    """A name ends where a word ends: not inside 办法 or 委托 (jieba decides)."""
    if end >= len(text) or not HAN.match(text[end]):
        return True
    window_start = max(0, end - 6)
    tokens = _jieba().tokenize(_simplified(text[window_start : end + 6]))
    return any(window_start + b == end for _, _, b in tokens)


def _is_collective_or_meeting(text: str, start: int, end: int, rules: PrelabelRules) -> bool:
    after = text[end : end + 12]
    if rules.collective_after.match(after) or rules.meeting_after.match(after):
        return True
    if rules.collective_before.search(text[max(0, start - 2) : start]):
        return True
    # A name inside a list that 各 opens (各县、区人民政府) is collective too.
    clause_start = max((text.rfind(c, 0, start) for c in "，,。；;：:（(）)"), default=-1) + 1
    clause = text[clause_start:start]
    return clause.startswith("各") and re.fullmatch(r"各[^，,。；;：:]*[、和及]", clause) is not None


def title_issuer(line: str, rules: PrelabelRules | None = None) -> str | None:
    """The issuing body of a notice title (X关于印发…的通知), if it names one."""
    rules = rules or load_rules()
    match = rules.title_issuer.match(line)
    if match and names_a_unit(match.group("issuer"), load_structure_rules()):
        issuer = match.group("issuer")
        if not load_structure_rules().collective.search(issuer):
            return issuer
    return None


def _whole_line_body(text: str) -> bool:
    """A line that only names a body: a signature (某市人民政府办公室)."""
    structure = load_structure_rules()
    return bool(structure.signature.match(text)) and names_a_unit(text, structure) and not structure.collective.search(text)


def find_departments(text: str, rules: PrelabelRules, known: tuple[str, ...] = ()) -> list[Span]:
    spans = find_trailer_departments(text)
    if _whole_line_body(text):
        spans.append(Span(0, len(text), "DEPT"))
    issuer = title_issuer(text, rules)
    if issuer:
        start = text.index(issuer)
        spans.append(Span(start, start + len(issuer), "DEPT"))
    candidates = []
    for match in rules.department_pattern.finditer(text):
        start = _name_start(text, match.start(), rules)
        name = match.group()
        if name.endswith(rules.weak_department_endings) and not _prefix_stands_alone(text, match.start()):
            continue
        if name.startswith(rules.weak_department_prefixes):
            after_place = start is not None and start < match.start()
            opens_clause = match.start() == 0 or not HAN.match(text[match.start() - 1])
            if not (after_place or (opens_clause and _prefix_stands_alone(text, match.start()))):
                continue
            if len(name) < 4 and not name.endswith("政府"):
                continue
        if "和" in name and (not 1 <= name.index("和") - 1 <= 4 or not _prefix_ends_a_word(text, match.start())):
            continue  # 和 joins two short parts of one name only (市自然资源和规划局)
        if start is None or match.group() in rules.not_departments or not _ends_a_word(text, match.end()):
            continue
        candidates.append(Span(start, match.end(), "DEPT"))
    defined = []
    for match in rules.abbreviation.finditer(text):
        # 以下简称X right after a body's name names the same body.
        if any(c.end == match.start() for c in candidates + spans):
            spans.append(Span(match.start("short"), match.end("short"), "DEPT"))
            defined.append(match.group("short"))
    names = set(rules.departments) | set(known) | set(defined) | {s.text_in(text) for s in spans}
    if names:
        gazetteer = _gazetteer(frozenset(names))
        candidates += [Span(m.start(), m.end(), "DEPT") for m in gazetteer.finditer(text) if _ends_a_word(text, m.end())]
    spans += [c for c in candidates if not _is_collective_or_meeting(text, c.start, c.end, rules)]
    return spans


def _strip_between(text: str, start: int, end: int, rules: PrelabelRules, dates: dict[int, int]) -> tuple[int, bool, bool]:
    """End of the phrase before a value once cue words, adverbs and a base-year
    comparison (比2020年) are removed; whether a cue was found; whether 分别 was."""
    cue = respectively = False
    changed = True
    while changed and end > start:
        changed = False
        found = next((c for c in rules.value_cues if text.endswith(c, start, end)), None)
        if found:
            end, cue, changed = end - len(found), True, True
            continue
        found = next((w for w in rules.indicator_drop_suffixes if text.endswith(w, start, end)), None)
        if found:
            respectively = respectively or found in ("分别", "分別")
            end, changed = end - len(found), True
            continue
        period = next((p for p in rules.comparison_periods if text.endswith(p, start, end)), None)
        word = period and next((w for w in rules.comparison_words if text.endswith(w, start, end - len(period))), None)
        if word:  # 比上年: comparison and period both go
            end, changed = end - len(period) - len(word), True
            continue
        if end in dates:  # 比2020年: the comparison goes, the date stays a DATE
            date_start = dates[end]
            word = next((w for w in rules.comparison_words if text.endswith(w, start, date_start)), None)
            if word:
                end, changed = date_start - len(word), True
    return end, cue, respectively


def _phrase_start(text: str, end: int, rules: PrelabelRules, taken_ends: set[int], allow_list: bool) -> int:
    start = end
    while start > 0 and end - start < rules.indicator_max_chars + (20 if allow_list else 0):
        char = text[start - 1]
        if start in taken_ends or (char in rules.indicator_stop_chars and not (allow_list and char in "、")):
            break
        start -= 1
    return start


def _trim(text: str, start: int, end: int, rules: PrelabelRules, date_starts: dict[int, int]) -> tuple[int, int]:
    marker, _ = match_marker(text[start:end], load_structure_rules())
    start += len(marker)
    changed = True
    while changed and start < end:
        changed = False
        for prefix in rules.indicator_drop_prefixes:
            if text.startswith(prefix, start, end) and start + len(prefix) < end:
                start, changed = start + len(prefix), True
        if start in date_starts:
            start, changed = date_starts[start], True
    while end > start and text[end - 1] in "的":
        end -= 1
    while start < end and text[start] in "的，,、和及":
        start += 1
    return start, end


def _noun_after(text: str, value: Span, rules: PrelabelRules, taken_starts: set[int]) -> tuple[int, int] | None:
    """The counted noun phrase after a count (3个|新材料产业园), up to punctuation or the next span."""
    unit = text[value.start : value.end]
    if not unit.rstrip("以上下内內左右").endswith(rules.count_measure_words):
        return None
    end = value.end
    while end < len(text) and end - value.end < rules.indicator_max_chars and end not in taken_starts:
        if text[end] in rules.indicator_stop_chars or text[end] in "。":
            break
        end += 1
    while end > value.end and text[end - 1] in "的":
        end -= 1
    return (value.end, end) if end - value.end >= 2 and HAN.match(text[value.end]) else None


def _split_coordination(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Pieces of `A、B和C` at 、/和/及/与, never inside brackets."""
    pieces, depth, piece = [], 0, start
    for index in range(start, end):
        char = text[index]
        depth += char in "(（[［"
        depth -= char in ")）]］"
        if not depth and char in "、和及与與":
            pieces.append((piece, index))
            piece = index + 1
    pieces.append((piece, end))
    return [(a, b) for a, b in pieces if b > a]


def _values_in_list(text: str, first: Span, values: list[Span]) -> int:
    """How many values form the list that starts at `first` (12%、10%和8%)."""
    count, end = 1, first.end
    for value in values:
        if value.start <= first.start:
            continue
        if value.start - end == 1 and text[end] in "、和及与與,，":
            count, end = count + 1, value.end
        elif value.start > end:
            break
    return count


def find_indicators(text: str, values: list[Span], dates: list[Span], rules: PrelabelRules) -> list[Span]:
    """What each value measures (I1-I9): the phrase before the value (a cue verb
    is optional), trimmed of scope words, adverbs and achievement verbs; after a
    bare counting verb, the noun after the count (I7); one phrase per value
    when 分别 pairs coordinated indicators with listed values (H43)."""
    spans: list[Span] = []
    values = sorted(values)
    date_ends = {d.end: d.start for d in dates}
    date_starts = {d.start: d.end for d in dates}
    taken_ends = {v.end for v in values} | set(date_ends)
    taken_starts = {v.start for v in values} | set(date_starts)
    covered: set[Span] = set()
    for value in values:
        if value in covered:
            continue
        end, cue, respectively = _strip_between(text, 0, value.start, rules, date_ends)
        start = _phrase_start(text, end, rules, taken_ends, respectively)
        start, end = _trim(text, start, end, rules, date_starts)
        phrase = text[start:end]
        if (not phrase or phrase in rules.count_verbs) and (after := _noun_after(text, value, rules, taken_starts)):
            spans.append(Span(after[0], after[1], "INDICATOR"))
            continue
        if end - start < 2 or phrase in rules.count_verbs:
            continue
        if respectively:
            pieces = _split_coordination(text, start, end)
            listed = _values_in_list(text, value, values)
            if len(pieces) == listed > 1:
                spans += [Span(a, b, "INDICATOR") for a, b in pieces]
                covered |= {v for v in values if value.start <= v.start and v.end <= value.start + 200}
                continue
            start = max((a for a, _ in pieces), default=start) if "、" in phrase and not cue else start
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


def plan_bodies(text: str, units: list[dict]) -> tuple[str, ...]:
    """The plan-level first pass: bodies the plan names where a name is certain
    (responsibility assignments, signatures, notice-title issuers, 以下简称
    definitions), to be recognised in every unit of the plan."""
    rules = load_rules()
    names = set()
    for unit in units:
        unit_text = text[unit["start"] : unit["end"]]
        names |= {unit_text[s.start : s.end] for s in find_trailer_departments(unit_text)}
        if _whole_line_body(unit_text):
            names.add(unit_text)
        if issuer := title_issuer(unit_text, rules):
            names.add(issuer)
        names |= {m.group("short") for m in rules.abbreviation.finditer(unit_text) if rules.department_pattern.search(unit_text[: m.start()])}
    # A bare place stands for its government only inside an assignment list (D15).
    places = frozenset(rules.place_suffixes)
    return tuple(sorted(n for n in names if len(n) >= 2 and n[-1] not in places))


def pre_annotate_document(text: str, units: list[dict]) -> dict[int, list[Span]]:
    """Pre-annotation per unit, in document offsets, with the plan-level pass:
    the bodies of `plan_bodies` are looked for in all the plan's units."""
    known = plan_bodies(text, units)
    result = {}
    for unit in units:
        unit_text = text[unit["start"] : unit["end"]]
        result[unit["index"]] = [Span(s.start + unit["start"], s.end + unit["start"], s.label) for s in pre_annotate(unit_text, known)]
    return result


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
