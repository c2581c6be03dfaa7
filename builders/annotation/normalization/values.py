"""VALUE spans -> lo, hi, unit, bound (GUIDELINES.md N3-N8).

The span is read on its Simplified text. The bound comes from a bound word at
the end of the span (N5), from 余/多 after the number (H76), from a comparator
just before the span in its clause (N6), or, in a 分别 list, from the list's
last value and first comparator (N7, H79). Unreadable spans get a reason code.
"""

from __future__ import annotations

from decimal import Decimal

from builders.annotation.normalization.model import Proposal
from builders.annotation.normalization.numbers import as_number, leading_number
from builders.annotation.normalization.tables import Settings

CLAUSE_ENDS = "。;；!！?？\n"
MORE_THAN = ("余", "多")


def bound_suffix(text: str, settings: Settings) -> tuple[str, str | None]:
    """(text without its bound word, the bound it gives or None)."""
    for word in sorted(settings.bound_suffixes, key=len, reverse=True):
        if text.endswith(word):
            return text[: -len(word)], settings.bound_suffixes[word]
    return text, None


def comparator_before(before: str, settings: Settings) -> str | None:
    """The bound of a comparator at the end of `before` (the clause up to the
    span), after skipping the words that do not stop it (N6)."""
    rest = before
    changed = True
    while changed:
        changed = False
        for word in sorted(settings.skip_before, key=len, reverse=True):
            if rest.endswith(word):
                # 控制在 ends with 在: a skip word must not eat a comparator.
                if any(rest.endswith(c) for c in settings.comparators_before if c.endswith(word) and len(c) > len(word)):
                    continue
                rest = rest[: -len(word)]
                changed = True
                break
    for word in sorted(settings.comparators_before, key=len, reverse=True):
        if rest.endswith(word):
            return settings.comparators_before[word]
    return None


def read_amount(text: str, settings: Settings) -> tuple[Decimal, Decimal, str, str | None] | None:
    """(lo, hi, unit, bound from 余/多 or range) of a span without its bound word."""
    first = leading_number(text, settings)
    if first is None:
        return None
    lo, rest = first
    bound = None
    if rest[:1] in MORE_THAN:
        rest, bound = rest[1:], "gt"
    for dash in settings.range_dashes:
        head, sep, tail = rest.partition(dash)
        if sep and (second := leading_number(tail, settings)) is not None:
            hi, unit = second
            if head and head != unit:
                return None  # two different units (H75)
            return lo, hi, unit, "range"
    return lo, lo, rest, bound


def normalize_value(text: str, before: str = "", settings: Settings | None = None, *,
                    list_bound: str | None = None, list_comparator: str | None = None) -> Proposal:
    """lo, hi, unit, bound of one VALUE span (`text` and `before` in Simplified).
    `list_bound`/`list_comparator`: the bound word of the last value and the
    comparator before the first value of the 分别 list the span is in (N7)."""
    if settings is None:
        from builders.annotation.normalization.tables import load_settings

        settings = load_settings()
    body, own = bound_suffix(text, settings)
    amount = read_amount(body, settings)
    if amount is None:
        return Proposal.unread("value_unreadable")
    lo, hi, unit, kind = amount
    clause = before
    for end in CLAUSE_ENDS:
        clause = clause.rsplit(end, 1)[-1]
    comparator = comparator_before(clause, settings) or list_comparator
    word = own or list_bound
    bounds = {b for b in (kind if kind != "range" else None, word, comparator) if b}
    if kind == "range":
        if bounds:
            return Proposal.unread("range_with_bound")
        return Proposal.of(lo=as_number(lo), hi=as_number(hi), unit=unit, bound="range")
    if len(bounds) > 1:
        # 控制在…以内 and 不低于…以上 say the same thing twice; anything else contradicts.
        return Proposal.unread("contradictory_bounds")
    bound = bounds.pop() if bounds else "eq"
    number = as_number(lo)
    if bound in ("ge", "gt"):
        return Proposal.of(lo=number, hi=None, unit=unit, bound=bound)
    if bound in ("le", "lt"):
        return Proposal.of(lo=None, hi=number, unit=unit, bound=bound)
    return Proposal.of(lo=number, hi=number, unit=unit, bound=bound)


def list_bounds(spans: list[tuple[int, int]], text: str, settings: Settings) -> dict[tuple[int, int], tuple[str | None, str | None]]:
    """For VALUE spans of one unit (offsets into `text`, Simplified), the
    (bound word of the last value, comparator before the first value) of each
    分别 list they belong to (N7, H79)."""
    result = {}
    spans = sorted(spans)
    index = 0
    while index < len(spans):
        chain = [spans[index]]
        while index + 1 < len(spans):
            gap = text[chain[-1][1] : spans[index + 1][0]]
            if gap and all(gap == s or gap.strip() == s for s in [gap]) and gap in settings.list_separators:
                chain.append(spans[index + 1])
                index += 1
            else:
                break
        index += 1
        if len(chain) < 2:
            continue
        lead = text[max(0, chain[0][0] - 20) : chain[0][0]]
        for end in CLAUSE_ENDS:
            lead = lead.rsplit(end, 1)[-1]
        if not any(marker in lead for marker in settings.list_markers):
            continue
        last_word = bound_suffix(text[chain[-1][0] : chain[-1][1]], settings)[1]
        comparator = comparator_before(lead, settings)
        for span in chain:
            result[span] = (last_word, comparator)
    return result
