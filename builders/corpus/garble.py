"""Byte model of the garbled GBK runs in the raw seeds, and a checker for their repairs.

Two seeds hold runs of Traditional-script GBK (cp936) bytes decoded one byte
off. What the runs show is explained by two byte-blind steps before decoding
(inferred from the runs themselves, not documented anywhere):

1. the pinyin tool pasted `(pinyin)` after every *byte* match of a character in
   its dictionary, so it also fired on phantom characters formed by the trail
   byte of one character and the lead byte of the next (`償等` = `83 94 b5 c8`:
   `94 b5` is 數, so `(shù)` sits between `b5` and `c8`);
2. the text was cut before full-width punctuation marks, phantom ones included
   (`。科` = `a1 a3 bf c6`: `a3 bf` is ？), and each piece was decoded on its own.
   Not every mark cut the text: one run carries a real ， inside it.

Either way a decoder lands one byte off inside a character, and from there it
pairs the trail byte of each character with the lead byte of the next until an
ASCII byte puts it back in step. What the raw text shows for such a run:

* a CJK character: the two bytes it encodes, i.e. (trail of one original
  character, lead of the next);
* `?` then `pinyin)`: an orphan, a lead byte followed by the `(` of a pasted
  annotation, which the decoder ate with it. The annotation names the character
  formed by the byte before and the orphan byte, so the pinyin pins that byte;
* `?` elsewhere: a lone byte left at the end of a piece (a run that starts at a
  cut starts with one), a folded ？ (`a3 bf`; the files fold full-width forms to
  ASCII), or a pair no decoder could read;
* an ASCII letter: a trail byte in 0x40-0x7e (`業` = `98 49` shows `I`), or a
  folded full-width form (`；` = `a3 bb` shows `;`);
* nothing at all: a pair in a GBK user-defined area decodes to a private-use
  character, and those were stripped. These vanished pairs are invisible, so
  the checker allows one wherever the repaired bytes form such a pair.

One thing the picture does not explain: twice a whole annotated character shows
as a single orphan `?` between characters that decode in step (`全力?gòu)建` is
全力構建). The checker accepts that reading only as an orphan's second choice
and reports it in `Alignment.unusual`.

`check_patch` searches for a reading of the garbled run under these rules that
reproduces, byte for byte, the GBK encoding of a proposed repair; `propose` does
the mechanical half of a repair (re-pairing bytes, narrowing an unknown byte by
the pinyin that follows) and leaves the choice between candidates to a person.

This module is self-contained on purpose: other builders may import it, it
imports nothing from them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

ENCODING = "gbk"
UNRECOVERABLE = "\ufffd"
FOLDED_QUESTION_MARK = (0xA3, 0xBF)  # ？, which the raw files show as ASCII `?`

# Tone-marked vowels as the pinyin tool wrote them; plain letters are added below.
_TONE_LETTERS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňǹḿ"
# A pinyin remnant: the annotation whose `(` was eaten by the byte before it.
_REMNANT = re.compile(rf"[a-z{_TONE_LETTERS}]+\)")
# An intact annotation at the end of a text.
_TRAILING_ANNOTATION = re.compile(rf"\([a-z{_TONE_LETTERS}]+\)$")
# An intact annotation after a non-ASCII character, as the pinyin tool left it.
_ANNOTATION = re.compile(rf"([^\x00-\x7f])\(([a-z{_TONE_LETTERS}]+)\)")

Reading = tuple[int | None, ...]

EVIDENCE_ORDER = ("bytes", "pinyin", "context", "unrecoverable")  # strongest first


@dataclass(frozen=True)
class Token:
    """One visible unit of a garbled run and the byte readings it admits.

    `readings` are alternatives, the canonical (most usual) one first. `remnant`
    is the pinyin that follows an orphan `?` (empty otherwise).
    """

    offset: int
    text: str
    kind: str  # "char" | "ascii" | "qmark" | "orphan"
    readings: tuple[Reading, ...]
    remnant: str = ""


@dataclass(frozen=True)
class ByteSource:
    """Where one byte of the repaired text's GBK encoding was found.

    `token` is None for a byte inside a vanished user-defined pair. `how` is
    `known` (shown by the garbled text), `pinyin` (pinned by a remnant), or
    `free` (not constrained: lost, unreadable or vanished).
    """

    char_index: int
    token: int | None
    how: str


@dataclass(frozen=True)
class Alignment:
    """A reading of a garbled run that reproduces a repair's bytes."""

    tokens: tuple[Token, ...]
    sources: tuple[ByteSource, ...]
    vanished: int  # number of user-defined pairs assumed stripped
    problems: tuple[str, ...] = ()
    unusual: tuple[str, ...] = ()  # readings outside the common picture, for review


@dataclass(frozen=True)
class Slot:
    """One original character as `propose` sees it.

    `candidates` is best first; a single candidate when both bytes are known,
    none when both are unknown (nothing left to narrow by).
    """

    lead: int | None
    trail: int | None
    candidates: tuple[str, ...]
    pinned_by: str = ""


# ---------------------------------------------------------------------------
# GBK facts


def gbk_char(pair: Sequence[int]) -> str | None:
    """The character a GBK byte pair decodes to, or None if it decodes to none."""
    try:
        text = bytes(pair).decode(ENCODING)
    except UnicodeDecodeError:
        return None
    return text if len(text) == 1 else None


def is_user_defined(lead: int, trail: int) -> bool:
    """Whether a pair lies in a GBK user-defined area (decoded to private use, then stripped)."""
    return (
        (0xAA <= lead <= 0xAF and 0xA1 <= trail <= 0xFE)
        or (0xF8 <= lead <= 0xFE and 0xA1 <= trail <= 0xFE)
        or (0xA1 <= lead <= 0xA7 and 0x40 <= trail <= 0xA0 and trail != 0x7F)
    )


def encodings(char: str) -> tuple[Reading, ...]:
    """The byte sequences a repaired character may have had, most usual first.

    ASCII punctuation may stand for its full-width form, because the raw files
    fold full-width forms to ASCII. U+FFFD is an unknown double-byte character.
    """
    if char == UNRECOVERABLE:
        return ((None, None),)
    code = ord(char)
    if 0x21 <= code <= 0x7E:
        return ((code,), (0xA3, code + 0x80))
    return (tuple(char.encode(ENCODING)),)


# ---------------------------------------------------------------------------
# Garbled side


def _qmark_readings(position: int, length: int) -> tuple[Reading, ...]:
    lone: Reading = (None,)
    folded: Reading = FOLDED_QUESTION_MARK
    unreadable: Reading = (None, None)
    # A run starts with the lone byte left at the end of a piece, and a `?` that
    # closes a run is the same thing before the next piece; inside a run a `?`
    # is almost always a folded ？ (the text was cut just before it).
    if position == 0 or position == length - 1:
        return (lone, folded, unreadable)
    return (folded, lone, unreadable)


def tokenize(garbled: str) -> list[Token]:
    """Split a garbled run into tokens, attaching each pinyin remnant to its `?`."""
    tokens: list[Token] = []
    readings: tuple[Reading, ...]
    position = 0
    while position < len(garbled):
        char = garbled[position]
        code = ord(char)
        if char == "?":
            remnant = _REMNANT.match(garbled, position + 1)
            if remnant:
                end = remnant.end()
                # Usually one lead byte; twice in the seeds a whole annotated
                # character shows as one `?` (see `align`), hence the second reading.
                readings = ((None,), (None, None))
                tokens.append(Token(position, garbled[position:end], "orphan", readings, remnant.group()[:-1]))
                position = end
                continue
            tokens.append(Token(position, char, "qmark", _qmark_readings(position, len(garbled))))
        elif code < 0x80:
            if 0x40 <= code <= 0x7E:  # can be a trail byte shown as itself
                readings = ((code,), (0xA3, code + 0x80))
            elif 0x21 <= code <= 0x3F:  # cannot be a trail byte, so a folded full-width form
                readings = ((0xA3, code + 0x80), (code,))
            else:
                readings = ((code,),)
            tokens.append(Token(position, char, "ascii", readings))
        else:
            try:
                readings = (tuple(char.encode(ENCODING)),)
            except UnicodeEncodeError:
                readings = ((None, None),)
            tokens.append(Token(position, char, "char", readings))
        position += 1
    return tokens


def reencode(garbled: str) -> list[int | None]:
    """The byte stream of original characters a garbled run stands for (canonical reading).

    None marks an unknown byte. Pinyin remnants and the `(` they lost are text
    inserted into the stream, not bytes of original characters, so they are left
    out. Vanished user-defined pairs cannot be seen and are not represented.
    """
    return [byte for token in tokenize(garbled) for byte in token.readings[0]]


def pinyin_readings(texts: Iterable[str]) -> dict[str, set[str]]:
    """Readings of the characters the pinyin tool annotated, from its intact annotations.

    The tool's own output is the best dictionary of what it would paste, and it
    also tells which characters it annotates at all (a phantom character outside
    its dictionary cannot explain a remnant).
    """
    found: dict[str, set[str]] = {}
    for text in texts:
        for match in _ANNOTATION.finditer(text):
            found.setdefault(match.group(1), set()).add(match.group(2))
    return found


def pinned_bytes(previous: int, pinyin: str, readings: Mapping[str, set[str]]) -> set[int]:
    """Bytes that, after `previous`, form an annotated character read `pinyin`."""
    pinned = set()
    for char, names in readings.items():
        if pinyin not in names:
            continue
        try:
            encoded = char.encode(ENCODING)
        except UnicodeEncodeError:
            continue
        if len(encoded) == 2 and encoded[0] == previous:
            pinned.add(encoded[1])
    return pinned


def _last_byte(before: str) -> int | None:
    """The last original byte before a run.

    An intact annotation right before the run is skipped: the pinyin tool may
    have pasted it between two bytes that an earlier replacement had already
    matched as a phantom (`動(dòng)?xùn)|`: 訓 = `d3 96` spans 動 and 東).
    """
    before = _TRAILING_ANNOTATION.sub("", before)
    if not before:
        return None
    try:
        return before[-1].encode(ENCODING)[-1]
    except UnicodeEncodeError:
        return None


# ---------------------------------------------------------------------------
# Proposing


def propose(
    garbled: str,
    before: str = "",
    readings: Mapping[str, set[str]] | None = None,
    frequency: Mapping[str, int] | None = None,
    gaps: Sequence[int] = (),
) -> list[Slot]:
    """Re-pair the canonical byte stream of a run into original characters.

    `before` is the raw text just before the run (its last original byte is
    what a leading remnant pairs with). With `readings`, an orphan byte is
    narrowed to the bytes that make the remnant's reading with the byte before
    it. `gaps` are positions in `reencode(garbled)` (odd: between two re-paired
    characters) where a vanished user-defined pair is assumed; nothing in the
    bytes shows where they are, so a person supplies them when a re-paired
    character makes no sense. Candidates are ranked by `frequency` (e.g.
    character counts of the seeds); the choice among them stays a human one.
    """
    stream: list[int | None] = []
    remnants: dict[int, str] = {}
    for token in tokenize(garbled):
        for byte in token.readings[0]:
            if token.kind == "orphan":
                remnants[len(stream)] = token.remnant
            stream.append(byte)
    vanished: set[int] = set()
    for gap in sorted(gaps, reverse=True):
        stream[gap:gap] = [None, None]
        remnants = {(k + 2 if k >= gap else k): v for k, v in remnants.items()}
        vanished = {k + 2 if k >= gap else k for k in vanished} | {gap}
    allowed: dict[int, set[int]] = {}
    for position in vanished:
        # A vanished pair is (trail of one character, lead of the next), so
        # that trail must be a lead byte of a user-defined area.
        allowed[position] = set(range(0xA1, 0xA8)) | set(range(0xAA, 0xB0)) | set(range(0xF8, 0xFF))
    if readings is not None:
        for position, remnant in remnants.items():
            previous = stream[position - 1] if position > 0 else _last_byte(before)
            if previous is not None:
                allowed[position] = pinned_bytes(previous, remnant, readings)
    rank = frequency or {}
    slots = []
    for start in range(0, len(stream), 2):
        lead = stream[start]
        trail = stream[start + 1] if start + 1 < len(stream) else None
        if lead is None and trail is None and start not in allowed and start + 1 not in allowed:
            slots.append(Slot(lead, trail, ()))
            continue
        leads = [lead] if lead is not None else sorted(allowed.get(start, range(0x81, 0xFF)))
        trails = [trail] if trail is not None else sorted(allowed.get(start + 1, range(0x40, 0xFF)))
        found = {
            char
            for a, b in itertools.product(leads, trails)
            if not is_user_defined(a, b) and (char := gbk_char((a, b))) is not None
        }
        candidates = tuple(sorted(found, key=lambda c: (-rank.get(c, 0), c)))
        pinned_by = (remnants.get(start, "") or remnants.get(start + 1, "")) if readings is not None else ""
        slots.append(Slot(lead, trail, candidates, pinned_by))
    return slots


# ---------------------------------------------------------------------------
# Checking


def _fits(token: Token, reading: Reading, repaired: Sequence[int | None]) -> bool:
    """Whether repaired bytes are what `token` shows under `reading`."""
    for shown, byte in zip(reading, repaired):
        if shown is not None and byte is not None and shown != byte:
            return False
    known = [byte for byte in repaired if byte is not None]
    if reading == (None,):
        if not known:
            return True
        # Below 0x80 the decoder would have shown the byte as ASCII. The byte
        # before an eaten `(` must also be a lead byte (0x80 alone is not one).
        return known[0] >= (0x81 if token.kind == "orphan" else 0x80)
    if reading == (None, None) and token.kind == "qmark":
        # An unreadable pair shows `?` only if no decoder could read it and it
        # is not a user-defined pair (those vanish instead).
        if len(known) < 2:
            return repaired[0] is None or repaired[0] >= 0x80
        first, second = repaired
        return first >= 0x80 and gbk_char((first, second)) is None and not is_user_defined(first, second)
    return True


def _may_vanish(first: int | None, second: int | None) -> bool:
    if first is None or second is None:
        return True
    return is_user_defined(first, second)


def _align_stream(
    tokens: Sequence[Token], stream: Sequence[tuple[int | None, int]]
) -> tuple[tuple[int, int, int], list[tuple[str, int, int]]] | None:
    """Best reading of `tokens` that spells `stream` (bytes tagged by char index).

    Returns the score and the steps: ("token", token index, reading index) or
    ("vanish", -1, -1). The score prefers more bytes confirmed by the garbled
    text, then canonical readings (an anomaly is a worse explanation than a
    stripped pair, which is common), then fewer vanished pairs.
    """
    Best = tuple[tuple[int, int, int], list[tuple[str, int, int]]] | None
    memo: dict[tuple[int, int], Best] = {}

    def best(i: int, j: int) -> Best:
        if (i, j) in memo:
            return memo[(i, j)]
        result = None
        if i == len(tokens) and j == len(stream):
            result = ((0, 0, 0), [])
        options = []
        if i < len(tokens):
            for r, reading in enumerate(tokens[i].readings):
                end = j + len(reading)
                if end > len(stream):
                    continue
                chunk = [byte for byte, _ in stream[j:end]]
                if not _fits(tokens[i], reading, chunk):
                    continue
                rest = best(i + 1, end)
                if rest is None:
                    continue
                confirmed = sum(1 for shown, byte in zip(reading, chunk) if shown is not None and byte is not None)
                score = (rest[0][0] + confirmed, rest[0][1] - r, rest[0][2])
                options.append((score, [("token", i, r)] + rest[1]))
        if j + 2 <= len(stream) and _may_vanish(stream[j][0], stream[j + 1][0]):
            rest = best(i, j + 2)
            if rest is not None:
                score = (rest[0][0], rest[0][1], rest[0][2] - 1)
                options.append((score, [("vanish", -1, -1)] + rest[1]))
        if options:
            result = max(options, key=lambda option: option[0])
        memo[(i, j)] = result
        return result

    return best(0, 0)


def _streams(repaired: str) -> list[list[tuple[int | None, int]]]:
    choices = [encodings(char) for char in repaired]
    streams = []
    for combination in itertools.islice(itertools.product(*choices), 256):
        streams.append([(byte, k) for k, encoded in enumerate(combination) for byte in encoded])
    return streams


def align(
    garbled: str,
    repaired: str,
    before: str = "",
    readings: Mapping[str, set[str]] | None = None,
) -> Alignment | None:
    """The best byte-level reading of `garbled` that spells `repaired`, or None.

    `before` is the raw text just before the run. With `readings` (see
    `pinyin_readings`) each remnant is checked against the bytes it follows and
    may pin them; without it no byte counts as pinned. Disagreements go to
    `Alignment.problems`, readings a reviewer should know about to `unusual`.
    """
    tokens = tokenize(garbled)
    found = None
    for stream in _streams(repaired):
        result = _align_stream(tokens, stream)
        if result is not None and (found is None or result[0] > found[0][0]):
            found = (result, stream)
    if found is None:
        return None
    (_, steps), stream = found
    sources: list[ByteSource] = []
    problems: list[str] = []
    unusual: list[str] = []
    vanished = 0
    j = 0
    for step, i, r in steps:
        if step == "vanish":
            sources += [ByteSource(stream[j][1], None, "free"), ByteSource(stream[j + 1][1], None, "free")]
            vanished += 1
            j += 2
            continue
        token = tokens[i]
        reading = token.readings[r]
        for shown in reading:
            sources.append(ByteSource(stream[j][1], i, "known" if shown is not None else "free"))
            j += 1
        if token.kind == "orphan":
            if len(reading) == 2:
                unusual.append(f"`?` at run offset {token.offset} stands for a whole character, not one byte")
            _pin(token, len(reading), stream, sources, before, readings, problems)
        elif token.kind == "qmark" and reading == (None, None):
            unusual.append(f"`?` at run offset {token.offset} read as an undecodable pair")
        elif token.kind == "qmark" and reading == (None,) and 0 < token.offset < len(garbled) - 1:
            unusual.append(f"`?` at run offset {token.offset} read as a lone byte inside the run")
        elif token.kind == "ascii" and r > 0:
            unusual.append(f"{token.text!r} at run offset {token.offset} read as {_hex(reading)}")
    return Alignment(tuple(tokens), tuple(sources), vanished, tuple(problems), tuple(unusual))


def _pin(
    token: Token,
    width: int,
    stream: Sequence[tuple[int | None, int]],
    sources: list[ByteSource],
    before: str,
    readings: Mapping[str, set[str]] | None,
    problems: list[str],
) -> None:
    """Check an orphan's remnant and mark the bytes it pins (in `sources`, in place).

    The remnant names the two bytes that end just before the eaten `(`: the
    byte before the orphan and the orphan byte (or, when the orphan stands for
    a whole character, that character). Those two bytes must form a character
    with that reading. The orphan byte is pinned when the byte before it is
    known and the reading leaves it no alternative. When both bytes belong to
    one repaired character, the remnant is that character's own annotation and
    names it directly, so both bytes count as pinned (homophones with the same
    lead or in a vanished pair are the residual risk, left to the reviewer).
    """
    if readings is None:
        return
    end = len(sources)
    positions = [end - 2, end - 1]  # the two bytes before the eaten `(`
    first = stream[positions[0]][0] if positions[0] >= 0 else _last_byte(before)
    last = stream[positions[1]][0]
    where = f"remnant {token.remnant!r} at run offset {token.offset}"
    if first is None or last is None:
        return
    named = gbk_char((first, last))
    if named is None:
        problems.append(f"{where}: bytes {first:02x} {last:02x} form no character to carry it")
        return
    if token.remnant not in readings.get(named, set()):
        known = sorted(readings.get(named, set())) or "no reading known"
        problems.append(f"{where}: bytes {first:02x} {last:02x} form {named} ({known}), not {token.remnant}")
        return
    own = positions[0] >= 0 and sources[positions[0]].char_index == sources[positions[1]].char_index
    if own:
        pinned = positions
    elif (positions[0] < 0 or sources[positions[0]].how == "known") and pinned_bytes(
        first, token.remnant, readings
    ) == {last}:
        pinned = [positions[1]]
    else:
        pinned = []
    for position in pinned:
        if sources[position].how == "free":
            sources[position] = ByteSource(sources[position].char_index, sources[position].token, "pinyin")


def char_evidence(repaired: str, alignment: Alignment) -> list[str]:
    """Evidence per repaired character: the weakest provenance among its bytes."""
    worst = ["bytes"] * len(repaired)
    rank = {"known": "bytes", "pinyin": "pinyin", "free": "context"}
    for source in alignment.sources:
        kind = rank[source.how]
        if EVIDENCE_ORDER.index(kind) > EVIDENCE_ORDER.index(worst[source.char_index]):
            worst[source.char_index] = kind
    return ["unrecoverable" if char == UNRECOVERABLE else kind for char, kind in zip(repaired, worst)]


def char_offsets(repaired: str, alignment: Alignment) -> list[int]:
    """Offset in the run of the garbled token carrying (most of) each character's bytes.

    Ties go to the earlier token, which is the one holding the lead byte; a
    character whose bytes all vanished takes the offset of the character before.
    """
    offsets = []
    offset = 0
    for index in range(len(repaired)):
        carriers = [s.token for s in alignment.sources if s.char_index == index and s.token is not None]
        if carriers:
            carrier = max(set(carriers), key=lambda t: (carriers.count(t), -t))
            offset = alignment.tokens[carrier].offset
        offsets.append(offset)
    return offsets


def check_patch(
    garbled: str,
    repaired: str,
    before: str = "",
    readings: Mapping[str, set[str]] | None = None,
    evidence: Sequence[str] | None = None,
) -> list[str]:
    """Problems of a proposed repair against the byte model; empty means consistent.

    Every byte the garbled text shows must be reproduced by GBK-encoding
    `repaired` at the right alignment; unknown bytes are free; U+FFFD is a
    character whose bytes are all unknown. With `readings`, remnants must name
    what the bytes say; with `evidence`, no claimed evidence may be stronger
    than what the alignment supports.
    """
    if not repaired:
        return ["empty repair"]
    problems = []
    for char in repaired:
        try:
            encodings(char)
        except UnicodeEncodeError:
            problems.append(f"{char!r} (U+{ord(char):04X}) is not a GBK character")
    if problems:
        return problems
    alignment = align(garbled, repaired, before, readings)
    if alignment is None:
        return [_diagnose(garbled, repaired)]
    problems += alignment.problems
    if evidence is not None:
        if len(evidence) != len(repaired):
            problems.append(f"{len(evidence)} evidence entries for {len(repaired)} characters")
        for char, claimed, supported in zip(repaired, evidence, char_evidence(repaired, alignment)):
            if claimed not in EVIDENCE_ORDER:
                problems.append(f"{char}: unknown evidence {claimed!r}")
            elif EVIDENCE_ORDER.index(claimed) < EVIDENCE_ORDER.index(supported):
                problems.append(f"{char}: evidence {claimed!r} is stronger than the bytes support ({supported})")
    return problems


def _hex(stream: Iterable[int | None]) -> str:
    return " ".join("??" if byte is None else f"{byte:02x}" for byte in stream)


def _diagnose(garbled: str, repaired: str) -> str:
    """Say where the canonical reading and the repair's bytes first disagree."""
    shown = reencode(garbled)
    wanted = [byte for char in repaired for byte in encodings(char)[-1 if char.isascii() else 0]]
    for k, (a, b) in enumerate(zip(shown, wanted)):
        if a is not None and b is not None and a != b:
            return (
                f"no reading of {garbled!r} spells {repaired!r}: first disagreement at byte {k} "
                f"(garbled shows {a:02x}, repair has {b:02x}); garbled {_hex(shown)} vs repair {_hex(wanted)}"
            )
    return f"no reading of {garbled!r} spells {repaired!r}: garbled {_hex(shown)} vs repair {_hex(wanted)}"
