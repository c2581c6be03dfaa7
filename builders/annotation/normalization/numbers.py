"""Numerals as exact decimals (GUIDELINES.md N3): Arabic digits (also
full-width), Chinese numerals (read with cn2an), fractions (三分之二) and the
scale words 万, 亿, 千, 百, 十 folded in.

`leading_number` splits a string into the number at its start and the rest;
a scale character that begins a unit (千瓦) stays with the unit.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import cn2an

from builders.annotation.normalization.tables import Settings

FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
ARABIC = re.compile(r"^\d+(?:\.\d+)?")
CHINESE_DIGITS = "零〇一二两三四五六七八九"
CHINESE = re.compile(rf"^[{CHINESE_DIGITS}十百千万亿]+")
FRACTION = re.compile(rf"^([{CHINESE_DIGITS}十百千]+|\d+)分之([{CHINESE_DIGITS}十百千]+|\d+)")


def chinese_numeral(text: str) -> Decimal | None:
    """A Chinese numeral as a number. cn2an rejects a numeral that starts with a
    scale word (百万, 千亿), which plans write for 一百万, 一千亿: one is added."""
    if not text:
        return None
    if text[0] in "十百千万亿" and text[0] != "十":
        text = "一" + text
    try:
        value = cn2an.cn2an(text, "smart")
    except (ValueError, KeyError, IndexError):
        return None
    return Decimal(str(value)).normalize() if value is not None else None


def _fold_scales(scales: str, settings: Settings) -> Decimal:
    factor = Decimal(1)
    for char in scales:
        factor *= Decimal(settings.scale_words[char])
    return factor


def _scale_run(text: str, settings: Settings) -> str:
    """The scale characters at the start of `text` that multiply the number,
    stopping where a unit that begins with a scale character starts."""
    run = ""
    for index, char in enumerate(text):
        if char not in settings.scale_words:
            break
        if any(text[index:].startswith(unit) for unit in settings.units_starting_with_scale):
            break
        run += char
    return run


def leading_number(text: str, settings: Settings) -> tuple[Decimal, str] | None:
    """(number, rest) for the number at the start of `text`, or None."""
    text = text.translate(FULL_WIDTH)
    match = FRACTION.match(text)
    if match:
        bottom, top = (_plain(part) for part in match.groups())
        if bottom is None or top is None or bottom == 0:
            return None
        # 百分之九十五 is a percentage as a word, 95 %, and 千分之五 is 5 ‰ (A29);
        # any other fraction is its quotient.
        if match.group(1) in settings.percent_words:
            return top, settings.percent_words[match.group(1)] + text[match.end():]
        return top / bottom, text[match.end():]
    match = ARABIC.match(text)
    if match:
        rest = text[match.end():]
        scales = _scale_run(rest, settings)
        return Decimal(match.group()) * _fold_scales(scales, settings), rest[len(scales):]
    match = CHINESE.match(text)
    if match:
        numeral = match.group()
        # Give back trailing scale characters that begin a unit (千万千瓦 -> 千万 + 千瓦).
        while numeral and any(text[len(numeral) - 1:].startswith(u) for u in settings.units_starting_with_scale):
            numeral = numeral[:-1]
        value = chinese_numeral(numeral)
        if value is None:
            return None
        return value, text[len(numeral):]
    return None


def _plain(part: str) -> Decimal | None:
    if part.isdigit():
        return Decimal(part)
    return chinese_numeral(part)


def as_number(value: Decimal) -> float | int:
    """The JSON number of a decimal: an int when whole, else a float."""
    value = value.normalize()
    try:
        if value == value.to_integral_value():
            return int(value)
    except InvalidOperation:
        pass
    return float(value)
