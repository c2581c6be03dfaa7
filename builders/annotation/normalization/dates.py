"""DATE spans -> date_from, date_to (GUIDELINES.md N9-N13): an inclusive
interval, each end YYYY, YYYY-MM or YYYY-MM-DD. Years, year ranges, months,
days, parts of a year, and plan periods from the period table. The span is
read on its Simplified text; unreadable spans get a reason code.
"""

from __future__ import annotations

import re

from builders.annotation.normalization.model import Proposal
from builders.annotation.normalization.numbers import chinese_numeral
from builders.annotation.normalization.tables import Period, Settings

QUOTES = "“”\"'‘’「」"
YEAR = r"(\d{4}|[〇零一二三四五六七八九]{4})"
YEAR_RANGE = re.compile(rf"^{YEAR}年?[-—–～~至到]{YEAR}年$")
YEAR_DATE = re.compile(rf"^{YEAR}年(?:(\d{{1,2}}|[一二三四五六七八九十]{{1,3}})月(?:(\d{{1,2}}|[一二三四五六七八九十]{{1,3}})日)?)?(.*)$")
DIGIT_OF = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}


def _year(text: str) -> int:
    return int(text) if text.isdigit() else int("".join(DIGIT_OF[c] for c in text))


def _small(text: str | None) -> int | None:
    if text is None:
        return None
    if text.isdigit():
        return int(text)
    value = chinese_numeral(text)
    return None if value is None else int(value)


def normalize_date(text: str, periods: list[Period], settings: Settings) -> Proposal:
    """date_from and date_to of one DATE span (`text` in Simplified)."""
    bare = "".join(c for c in text if c not in QUOTES)
    period = _period(bare, periods, settings)
    if period is not None:
        return period
    match = YEAR_RANGE.match(bare)
    if match:
        first, last = _year(match.group(1)), _year(match.group(2))
        if first > last:
            return Proposal.unread("date_range_reversed")
        return Proposal.of(date_from=str(first), date_to=str(last))
    match = YEAR_DATE.match(bare)
    if not match:
        return Proposal.unread("date_unreadable")
    year, month, day, rest = _year(match.group(1)), _small(match.group(2)), _small(match.group(3)), match.group(4)
    if month is not None:
        if rest or not 1 <= month <= 12:
            return Proposal.unread("date_unreadable")
        end = f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day is not None else "")
        return Proposal.of(date_from=end, date_to=end)
    if not rest:
        return Proposal.of(date_from=str(year), date_to=str(year))
    if rest in settings.whole_suffixes:
        return Proposal.of(date_from=str(year), date_to=str(year))
    part = settings.year_parts.get(rest)
    if part is None:
        return Proposal.unread("date_suffix_unknown")
    return Proposal.of(date_from=f"{year:04d}-{part[0]:02d}", date_to=f"{year:04d}-{part[1]:02d}")


def _period(text: str, periods: list[Period], settings: Settings) -> Proposal | None:
    names = sorted(((name, p) for p in periods for name in p.names), key=lambda item: len(item[0]), reverse=True)
    for name, period in names:
        if not text.startswith(name):
            continue
        rest = text[len(name):]
        if rest.startswith("个五年") or rest.startswith("五年"):
            continue  # 十五 inside 第十五个五年 is matched by the longer name
        if rest == "" or rest in settings.whole_suffixes:
            return Proposal.of(date_from=str(period.first), date_to=str(period.last))
        part = settings.period_parts.get(rest)
        if part is None:
            return Proposal.unread("period_suffix_unknown")
        first, last = period.first, period.last
        span = {"last": (last, last), "first": (first, first), "last3": (last - 2, last), "first3": (first, first + 2),
                "last2": (last - 1, last), "first2": (first, first + 1)}[part]
        return Proposal.of(date_from=str(span[0]), date_to=str(span[1]))
    return None
