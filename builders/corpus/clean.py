"""Raw text to clean text (corpus stage, step 2 of 4), with a log of every edit and an offset map.

Cleaning is a fixed sequence of passes over a `Draft` (text plus, per
character, the raw offset it came from). Each pass is a pure function that
proposes `Change`s in the draft's own coordinates; `apply_changes` performs them
and logs each as an `Edit` in raw coordinates. Because every draft character
carries its raw offset, the passes compose without any of them knowing what
the others did, and the final map from clean to raw offsets is exact.

Pass order matters and is fixed:
1. restore: reviewed repairs of garbled GBK runs and errata, and reviewed
   removals of noise no pattern can tell from content (raw coordinates; must
   run first because later passes would destroy the byte evidence),
2. line endings: a carriage return alone (old Mac files) is a line break,
   rewritten as "\n" (a CR before "\n" goes with the whitespace pass),
3. NFC: decomposed characters (a base and its combining marks, as macOS file
   names and some converters write them) composed to NFC, so pinyin with
   combining tone marks is recognised and spans compare equal; each composed
   character traces to the raw offset of its base,
4. pinyin pasted after characters,
5. web boilerplate,
6. private-use and invisible characters (zero-width and bidirectional
   controls such as U+202E, which would reorder a name on screen),
7. layout whitespace.

Offsets everywhere are Unicode code points, half-open [start, end).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import NamedTuple
from functools import cache
from pathlib import Path

from builders.corpus.seeds import Erratum, GarbledRun, NoiseRemoval, Seed, SeedError
from builders.io import load_yaml
from builders.project import CONFIG_DIR

CONFIG_PATH = CONFIG_DIR / "cleaning.yaml"

# Edit kinds, in pass order. `erratum` and `garble` are the only kinds that put
# new characters into the text; `line_ending` and `nfc` replace characters by
# their equivalent (a line break, a composed character); every other kind only
# removes.
RESTORING_KINDS = ("erratum", "garble")
EQUIVALENT_KINDS = ("line_ending", "nfc")
INSERTING_KINDS = RESTORING_KINDS + EQUIVALENT_KINDS
EDIT_KINDS = RESTORING_KINDS + ("footnote_marker",) + EQUIVALENT_KINDS + ("pinyin", "boilerplate", "private_use", "invisible", "whitespace")


@dataclass(frozen=True)
class CleaningRules:
    pinyin: re.Pattern
    boilerplate_lines: tuple[tuple[re.Pattern, str], ...]
    boilerplate_inline: tuple[tuple[re.Pattern, str], ...]
    horizontal_space: frozenset[str]
    invisible: frozenset[str]
    bidi_controls: frozenset[str]
    running_header_min_repeats: int
    running_header_max_chars: int
    running_header_forbidden: frozenset[str]


class Change(NamedTuple):
    """A proposed change to a draft, in the draft's coordinates. (A named
    tuple, not a dataclass: a garbled plan proposes one per pinyin
    syllable, and a tuple is made several times faster.)"""

    start: int
    end: int
    replacement: str
    kind: str
    reason: str
    # Raw offset for each replacement character; None means "derive from the span".
    replacement_raw_offsets: tuple[int, ...] | None = None
    evidence: tuple[str, ...] | None = None


class Edit(NamedTuple):
    """One logged change from raw to clean text (a named tuple, like Change).

    `raw_start`/`raw_end` delimit the raw extent of the change; `removed` is
    what the change took out (characters an earlier pass already removed inside
    that extent are logged by that pass, not here) and `inserted` what it put in.
    `clean_start`/`clean_end` delimit the inserted text in the final clean text
    (equal for a pure removal). `evidence` gives, per inserted character of a
    garble repair, how it was established; `context` marks low confidence.
    """

    kind: str
    raw_start: int
    raw_end: int
    removed: str
    inserted: str
    reason: str
    clean_start: int = -1
    clean_end: int = -1
    evidence: tuple[str, ...] | None = None

    @property
    def low_confidence(self) -> bool:
        return bool(self.evidence) and any(e in ("context", "unrecoverable") for e in self.evidence)


# Raw offsets are kept in a typed array of 32-bit ints (4 bytes a character),
# not a list of Python ints (36): a long plan has millions of characters and
# every pass copies the map. A plan is at most 64 MiB (seeds.MAX_SEED_BYTES),
# far below 2**31 characters.
OFFSET_TYPE = "i"
assert array(OFFSET_TYPE).itemsize == 4


@dataclass
class Draft:
    text: str
    raw_offsets: array  # of OFFSET_TYPE: the raw offset of each draft character
    raw_length: int


@dataclass(frozen=True)
class CleanDocument:
    doc_id: str
    raw_text: str
    text: str
    raw_offsets: array  # of OFFSET_TYPE, one per clean character; treat as read-only
    edits: tuple[Edit, ...] = field(default_factory=tuple)


@cache
def load_rules(path: Path = CONFIG_PATH) -> CleaningRules:
    config = load_yaml(path)
    letters = config["pinyin"]["letters"]
    tones = config["pinyin"]["tone_marks"]
    # A syllable is lower-case letters with at least one tone mark, directly
    # after a Han character; that is what the pinyin tool pasted.
    pinyin = re.compile(
        rf"(?<=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f])"
        rf"\([{letters}{tones}]*[{tones}][{letters}{tones}]*\)"
    )
    return CleaningRules(
        pinyin=pinyin,
        boilerplate_lines=tuple((re.compile(r["pattern"]), r["reason"]) for r in config["boilerplate_lines"]),
        boilerplate_inline=tuple((re.compile(r["pattern"]), r["reason"]) for r in config["boilerplate_inline"]),
        horizontal_space=frozenset(config["horizontal_space"]),
        invisible=frozenset(config["invisible"]),
        bidi_controls=frozenset(config["bidi_controls"]),
        running_header_min_repeats=config["running_headers"]["min_repeats"],
        running_header_max_chars=config["running_headers"]["max_chars"],
        running_header_forbidden=frozenset(config["running_headers"]["sentence_punctuation"]),
    )


# ---------------------------------------------------------------------------
# Applying changes


def _aligned_offsets(old: str, new: str, raw_start: int, raw_end: int) -> tuple[int, ...]:
    """Raw offsets for `new` replacing raw `old`: kept characters point at
    themselves, inserted ones at the next kept raw character (or the last)."""
    if raw_end <= raw_start:
        return tuple([raw_start] * len(new))
    if not new:  # a deletion (most edits: pinyin, layout spaces) has nothing to align
        return ()
    offsets: list[int | None] = [None] * len(new)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            offsets[block.b + k] = raw_start + block.a + k
    following = raw_end - 1
    for index in range(len(new) - 1, -1, -1):
        if offsets[index] is None:
            offsets[index] = following
        else:
            following = offsets[index]
    return tuple(offsets)  # type: ignore[arg-type]


def apply_changes(draft: Draft, changes: list[Change]) -> tuple[Draft, list[Edit]]:
    """Apply non-overlapping changes to a draft; log each as an Edit in raw offsets."""
    applied, logged = _apply(draft, changes)
    return applied, [Edit(*fields[:6], evidence=fields[6]) for fields in logged]


# An edit's fields before its place in the clean text is known: Edit's first
# six (kind, raw_start, raw_end, removed, inserted, reason), then its evidence.
LoggedEdit = tuple[str, int, int, str, str, str, "tuple[str, ...] | None"]


def _apply(draft: Draft, changes: list[Change]) -> tuple[Draft, list[LoggedEdit]]:
    """apply_changes, logging plain tuples: `clean_seed` makes each Edit once,
    with its clean span (a garbled plan logs an edit per pinyin syllable)."""
    ordered = sorted(changes, key=lambda c: (c.start, c.end))
    text, offsets = draft.text, draft.raw_offsets
    length = len(text)
    out_text: list[str] = []
    out_offsets = array(OFFSET_TYPE)
    edits: list[LoggedEdit] = []
    cursor = 0
    # One unpacking per change and no call for a pure removal: a garbled
    # plan has a change per pasted pinyin syllable.
    for start, end, replacement, kind, reason, replacement_raw_offsets, evidence in ordered:
        if start < cursor:
            raise SeedError(f"overlapping {kind} changes at draft offset {start}")
        if not (0 <= start <= end <= length):
            raise SeedError(f"{kind} change [{start}, {end}) outside the text")
        out_text.append(text[cursor:start])
        out_offsets.extend(offsets[cursor:start])
        raw_start = offsets[start] if start < length else draft.raw_length
        raw_end = offsets[end - 1] + 1 if end > start else raw_start
        removed = text[start:end]
        if replacement:
            out_text.append(replacement)
            if replacement_raw_offsets is not None:
                out_offsets.extend(replacement_raw_offsets)
            else:
                out_offsets.extend(_aligned_offsets(removed, replacement, raw_start, raw_end))
        edits.append((kind, raw_start, raw_end, removed, replacement, reason, evidence))
        cursor = end
    out_text.append(text[cursor:])
    out_offsets.extend(offsets[cursor:])
    return Draft("".join(out_text), out_offsets, draft.raw_length), edits


# ---------------------------------------------------------------------------
# Passes: each returns the changes it proposes for the draft it is given.


def _expect(raw_text: str, table: str, what: str, doc_id: str, start: int, expected: str) -> int:
    """End of a table entry's raw text; an entry that no longer matches is an error."""
    end = start + len(expected)
    found = raw_text[start:end]
    if found != expected:
        raise SeedError(
            f"{table}: {what} of {doc_id} at raw offset {start} expects {expected!r} but the raw text has {found!r}"
        )
    return end


def restore_changes(
    raw_text: str, doc_id: str, errata: list[Erratum], runs: list[GarbledRun], noise: list[NoiseRemoval] = ()
) -> list[Change]:
    """Reviewed repairs and removals, in raw coordinates. A table entry that no
    longer matches the raw text is an error, never silently skipped."""
    changes = []
    for removal in (r for r in noise if r.doc_id == doc_id):
        end = _expect(raw_text, "noise.yaml", "removal", doc_id, removal.raw_offset, removal.text)
        changes.append(Change(removal.raw_offset, end, "", removal.kind, removal.reason))
    for run in (r for r in runs if r.doc_id == doc_id):
        _expect(raw_text, "garbled_runs.yaml", "run", doc_id, run.raw_start, run.raw_text)
        changes.append(
            Change(
                start=run.raw_start,
                end=run.raw_end,
                replacement=run.repaired,
                kind="garble",
                reason=run.note or "GBK bytes decoded one byte off, repaired by hand",
                replacement_raw_offsets=tuple(c.raw_offset for c in run.chars),
                evidence=tuple(c.evidence for c in run.chars),
            )
        )
    for erratum in (e for e in errata if e.doc_id == doc_id):
        end = _expect(raw_text, "errata.yaml", "erratum", doc_id, erratum.raw_offset, erratum.before)
        changes.append(Change(erratum.raw_offset, end, erratum.after, "erratum", erratum.reason))
    changes.sort(key=lambda c: c.start)
    for previous, current in zip(changes, changes[1:]):
        if current.start < previous.end:
            raise SeedError(
                f"{doc_id}: {previous.kind} at raw offset {previous.start} overlaps "
                f"{current.kind} at raw offset {current.start}"
            )
    return changes


def line_ending_changes(text: str) -> list[Change]:
    """A carriage return not followed by a line feed ends a line: it becomes
    "\n", traced to the CR's raw offset."""
    return [Change(m.start(), m.end(), "\n", "line_ending", "carriage return alone as a line break") for m in re.finditer("\r(?!\n)", text)]


def nfc_changes(text: str, raw_offsets: list[int]) -> list[Change]:
    """Compose decomposed characters to NFC, cluster by cluster (a starter and
    the combining marks after it), each composed character traced to the raw
    offset of its starter."""
    if unicodedata.is_normalized("NFC", text):
        return []
    changes = []
    index = 0
    while index < len(text):
        end = index + 1
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        cluster = text[index:end]
        composed = unicodedata.normalize("NFC", cluster)
        if composed != cluster:
            names = ", ".join(f"U+{ord(c):04X}" for c in cluster)
            changes.append(Change(index, end, composed, "nfc", f"composed to NFC ({names})", tuple([raw_offsets[index]] * len(composed))))
        index = end
    return changes


def pinyin_changes(text: str, rules: CleaningRules) -> list[Change]:
    return [
        Change(m.start(), m.end(), "", "pinyin", "pinyin pasted after a character")
        for m in rules.pinyin.finditer(text)
    ]


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line without its line break."""
    spans, start = [], 0
    for match in re.finditer(r"\n", text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _running_header_lines(text: str, rules: CleaningRules) -> set[int]:
    """Start offsets of the lines that repeat a running header or footer: a
    short line without sentence punctuation seen min_repeats times or more;
    its first occurrence stays."""
    occurrences: dict[str, list[int]] = {}
    for start, end in _lines(text):
        stripped = text[start:end].strip()
        if stripped and len(stripped) <= rules.running_header_max_chars and not rules.running_header_forbidden & set(stripped):
            occurrences.setdefault(stripped, []).append(start)
    return {start for starts in occurrences.values() if len(starts) >= rules.running_header_min_repeats for start in starts[1:]}


# A line that a page break cut off: it has inner punctuation (so it is running text,
# not a heading) and does not end as a sentence, a list or a bracket does.
PAGE_BREAK_INNER = re.compile(r"[，,、；;。：:]")
PAGE_BREAK_ENDS = "。！？!?；;：:”’」』）)》〉〕】"
# A line that starts a new item is never the rest of the line above.
NEW_ITEM = re.compile(r"^(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十0-9０-９]{1,3}[)）]|[0-9０-９]{1,2}[.．、](?![0-9０-９])|[①-⑳]|第[一二三四五六七八九十百0-9]+[章节節部])")


def _rejoins(text: str, lines: list[tuple[int, int]], before: int, after: int) -> bool:
    """Whether the content lines before and after removed page furniture are one
    paragraph cut by the page break."""
    first = text[lines[before][0] : lines[before][1]].strip()
    second = text[lines[after][0] : lines[after][1]].strip()
    body = first[NEW_ITEM.match(first).end() :] if NEW_ITEM.match(first) else first  # 一、 is no inner punctuation
    return bool(body and second) and body[-1] not in PAGE_BREAK_ENDS and bool(PAGE_BREAK_INNER.search(body)) and not NEW_ITEM.match(second)


def boilerplate_changes(text: str, rules: CleaningRules) -> list[Change]:
    changes = []
    repeated = _running_header_lines(text, rules)
    lines = _lines(text)
    furniture: list[int] = []  # indexes of whole lines removed as furniture
    for index, (start, end) in enumerate(lines):
        line = text[start:end]
        stripped = line.strip()
        matched = next((reason for pattern, reason in rules.boilerplate_lines if pattern.match(stripped)), None)
        if stripped and start in repeated:
            matched = matched or f"running header or footer repeated on every page ({stripped[:20]})"
        if stripped and matched:
            # The line goes with its line break so no empty line is left behind.
            changes.append(Change(start, min(end + 1, len(text)), "", "boilerplate", matched))
            furniture.append(index)
            continue
        for pattern, reason in rules.boilerplate_inline:
            for m in pattern.finditer(line):
                if m.end() > m.start():
                    changes.append(Change(start + m.start(), start + m.end(), "", "boilerplate", reason))
    return _rejoin_page_breaks(text, lines, furniture, changes)


def _rejoin_page_breaks(text: str, lines: list[tuple[int, int]], furniture: list[int], changes: list[Change]) -> list[Change]:
    """Where removed furniture (a page number, a running header) stood inside a
    paragraph, the paragraph is rejoined: everything from the end of the line above
    to the start of the line below goes, logged as one edit."""
    removed, blank = set(furniture), {i for i, (a, b) in enumerate(lines) if not text[a:b].strip()}
    joined: list[Change] = []
    index = 0
    while index < len(lines):
        if index not in removed:
            index += 1
            continue
        first = index
        while index < len(lines) and (index in removed or index in blank):
            index += 1
        before = first - 1
        while before >= 0 and before in blank:
            before -= 1
        if before >= 0 and index < len(lines) and _rejoins(text, lines, before, index):
            start, end = lines[before][1], lines[index][0]
            reasons = "; ".join(c.reason for c in changes if start <= c.start < end)
            joined.append(Change(start, end, "", "boilerplate", f"page break inside a paragraph, rejoined ({reasons})"))
    if not joined:
        return changes
    inside = lambda change: any(j.start <= change.start and change.end <= j.end for j in joined)  # noqa: E731
    return sorted([c for c in changes if not inside(c)] + joined, key=lambda c: c.start)


# Every private-use character (category Co): the BMP area and planes 15 and 16.
PRIVATE_USE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"


@cache
def _candidates(chars: frozenset[str], ranges: str = PRIVATE_USE) -> re.Pattern:
    """A pattern matching any one of `chars` or a character in `ranges`: the
    passes below look only at what it finds instead of at every character."""
    return re.compile("[" + ranges + "".join(re.escape(c) for c in sorted(chars)) + "]")


def invisible_changes(text: str, rules: CleaningRules) -> list[Change]:
    changes = []
    for match in _candidates(rules.invisible | rules.bidi_controls).finditer(text):
        index, char = match.start(), match.group()
        if unicodedata.category(char) == "Co":
            changes.append(Change(index, index + 1, "", "private_use", f"private-use character U+{ord(char):04X}"))
        elif char in rules.invisible:
            changes.append(Change(index, index + 1, "", "invisible", f"invisible character U+{ord(char):04X}"))
        elif char in rules.bidi_controls:
            changes.append(Change(index, index + 1, "", "invisible", f"bidirectional control U+{ord(char):04X}"))
    return changes


def _is_latin_or_digit(char: str) -> bool:
    return char.isascii() and char.isalnum()


def whitespace_changes(text: str, rules: CleaningRules) -> list[Change]:
    """Layout whitespace: carriage returns, indentation, trailing spaces, blank
    lines, and spaces inside Chinese text. The result holds one paragraph per
    line, lines joined by a single line break, no break at the end."""
    space = rules.horizontal_space
    changes: list[Change] = []
    changes += [Change(m.start(), m.end(), "", "whitespace", "carriage return") for m in re.finditer("\r", text)]
    content_lines = []
    for start, end in _lines(text):
        if end > start and text[end - 1] == "\r":
            end -= 1
        runs = [(m.start(), m.end()) for m in re.finditer("[" + re.escape("".join(sorted(space))) + "]+", text[start:end])]
        if text[start:end].strip("".join(space)):
            content_lines.append((start, end))
        for a, b in runs:
            run_start, run_end = start + a, start + b
            before = text[run_start - 1] if run_start > start else ""
            after = text[run_end] if run_end < end else ""
            if before and after and _is_latin_or_digit(before) and _is_latin_or_digit(after):
                changes += _single_space(text, run_start, run_end)
            else:
                reason = "indentation" if not before else "trailing space" if not after else "layout space in Chinese text"
                changes.append(Change(run_start, run_end, "", "whitespace", reason))
    # Keep exactly one line break after each content line that has a successor.
    kept = set()
    for (_, end), _next in zip(content_lines, content_lines[1:]):
        kept.add(text.index("\n", end))
    changes += [
        Change(m.start(), m.end(), "", "whitespace", "blank line" if content_lines and m.start() < content_lines[-1][0] else "line break at end of text")
        for m in re.finditer("\n", text)
        if m.start() not in kept
    ]
    return _merge_removals(changes)


def _single_space(text: str, start: int, end: int) -> list[Change]:
    """Reduce a run between Latin letters or digits to one plain space."""
    if text[start:end] == " ":
        return []
    keep = text.find(" ", start, end)
    if keep < 0:
        return [Change(start, end, " ", "whitespace", "odd space between words")]
    return [
        Change(a, b, "", "whitespace", "extra space between words")
        for a, b in ((start, keep), (keep + 1, end))
        if b > a
    ]


def _merge_removals(changes: list[Change]) -> list[Change]:
    """Adjacent whitespace removals become one logged edit."""
    merged: list[Change] = []
    for change in sorted(changes, key=lambda c: c.start):
        last = merged[-1] if merged else None
        if last and not last.replacement and not change.replacement and last.end == change.start:
            reasons = last.reason.split(" + ")
            reason = last.reason if change.reason in reasons else f"{last.reason} + {change.reason}"
            merged[-1] = Change(last.start, change.end, "", "whitespace", reason)
        else:
            merged.append(change)
    return merged


# ---------------------------------------------------------------------------
# The whole stage


def clean_seed(
    seed: Seed,
    errata: list[Erratum] = (),  # type: ignore[assignment]
    runs: list[GarbledRun] = (),  # type: ignore[assignment]
    rules: CleaningRules | None = None,
    noise: list[NoiseRemoval] = (),  # type: ignore[assignment]
) -> CleanDocument:
    rules = rules or load_rules()
    raw = seed.raw_text
    draft = Draft(raw, array(OFFSET_TYPE, range(len(raw))), len(raw))
    logged: list[LoggedEdit] = []
    passes = (
        lambda text: restore_changes(raw, seed.plan.id, list(errata), list(runs), list(noise)),
        line_ending_changes,
        lambda text: nfc_changes(text, draft.raw_offsets),  # the draft this pass is given (bound at call time)
        lambda text: pinyin_changes(text, rules),
        lambda text: boilerplate_changes(text, rules),
        lambda text: invisible_changes(text, rules),
        lambda text: whitespace_changes(text, rules),
    )
    for propose in passes:
        draft, found = _apply(draft, propose(draft.text))
        logged.extend(found)
    offsets = draft.raw_offsets
    if not _non_decreasing(offsets):
        raise SeedError(f"{seed.path}: offset map is not monotonic; a repair table has out-of-order offsets")
    placed = []
    for kind, raw_start, raw_end, removed, inserted, reason, evidence in logged:
        # The map is monotonic, so an edit's place in the clean text is where its raw extent falls.
        clean_start = bisect_left(offsets, raw_start)
        placed.append(Edit(kind, raw_start, raw_end, removed, inserted, reason, clean_start, clean_start + len(inserted), evidence))
    rank = {kind: index for index, kind in enumerate(EDIT_KINDS)}
    placed.sort(key=lambda e: (e.raw_start, e.raw_end, rank[e.kind]))
    return CleanDocument(seed.plan.id, raw, draft.text, offsets, tuple(placed))


def _non_decreasing(offsets: array) -> bool:
    import numpy as np  # imported here: only a build cleans

    return not len(offsets) or bool((np.diff(np.frombuffer(offsets, dtype=np.int32)) >= 0).all())


def residual_noise(text: str, rules: CleaningRules | None = None) -> list[tuple[int, str]]:
    """Noise that cleaning should have removed: (clean offset, description)."""
    rules = rules or load_rules()
    found = []
    for match in _candidates(frozenset("?") | (rules.horizontal_space - {" "})).finditer(text):
        index, char = match.start(), match.group()
        if char == "?":
            found.append((index, "unexplained '?'"))
        elif unicodedata.category(char) == "Co":
            found.append((index, f"private-use U+{ord(char):04X}"))
        elif char in rules.horizontal_space and char != " ":
            found.append((index, f"odd space U+{ord(char):04X}"))
    for match in re.finditer("[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]", text):
        found.append((match.start(), f"tone-marked letter {match.group()} (pinyin remnant?)"))
    return sorted(found)


# ---------------------------------------------------------------------------
# Script conversion


class ScriptConversionError(ValueError):
    pass


@cache
def _converter(config: str):
    import opencc  # imported lazily: only Traditional plans need it

    return opencc.OpenCC(config)


# Taiwan-standard tables turn 著 into 着 where it is the aspect particle or the
# verb (著力, 著眼, 隨著) and keep it in 著名/顯著; plain t2s leaves 著 everywhere.
SIMPLIFY_CONFIG = "tw2s"


def to_simplified(text: str, script: str, *, doc_id: str = "") -> str:
    """Simplified text with exactly the same length, so one set of offsets
    serves both scripts. A Simplified plan is returned unchanged."""
    if script == "Simplified":
        return text
    converter = _converter(SIMPLIFY_CONFIG)
    # Line by line: a line break ends every OpenCC phrase match anyway, and a
    # length change can then be located cheaply.
    lines = text.split("\n")
    converted = [converter.convert(line) for line in lines]
    offset = 0
    for line, result in zip(lines, converted):
        if len(line) != len(result):
            position = next(
                (offset + k - 1 for k in range(1, len(line) + 1) if len(converter.convert(line[:k])) != k),
                offset,
            )
            raise ScriptConversionError(
                f"{doc_id}: OpenCC {SIMPLIFY_CONFIG} changes the length at clean offset {position} "
                f"({text[max(0, position - 5): position + 5]!r}); offsets could not be shared"
            )
        offset += len(line) + 1
    return "\n".join(converted)
