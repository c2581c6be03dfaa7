"""The normaliser's curated tables and settings, read and checked.

- `builders/config/normalization.yaml`: words (bounds, comparators, scale
  words, date suffixes) and the second-annotation sample settings;
- `annotations/normalization/periods.yaml`: the five-year plan periods;
- `annotations/normalization/departments.yaml`: the reviewed alias table of
  public bodies (canonical name, aliases, level, valid years, source).

Every problem names the file and the entry, and nothing half-read is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from builders.io import load_yaml
from builders.project import CONFIG_DIR

CONFIG_PATH = CONFIG_DIR / "normalization.yaml"
TABLES_DIR = "normalization"  # under annotations/
LEVELS = ("central", "province", "city", "county")
ENTRY_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Filled from the plan's manifest and the jurisdiction a span names (N15-N16):
# the full names, the names without their 省/市/自治区 suffix, and the county.
PLACEHOLDERS = ("{province}", "{city}", "{county}", "{province_short}", "{city_short}")
REVIEW_DECISIONS = ("accepted", "corrected")


class TableError(ValueError):
    """A curated table or setting is malformed; the message names file and entry."""


@dataclass(frozen=True)
class Settings:
    scale_words: dict[str, int]
    units_starting_with_scale: tuple[str, ...]
    bound_suffixes: dict[str, str]
    comparators_before: dict[str, str]
    skip_before: tuple[str, ...]
    list_markers: tuple[str, ...]
    list_separators: tuple[str, ...]
    range_dashes: tuple[str, ...]
    year_parts: dict[str, tuple[int, int]]
    whole_suffixes: tuple[str, ...]
    period_parts: dict[str, str]
    level_prefixes: dict[str, tuple[str, ...]]
    elided_level: str
    second_share: float
    second_salt: str
    percent_words: dict[str, str] = field(default_factory=dict)


def load_settings(path: Path = CONFIG_PATH) -> Settings:
    data = load_yaml(path) or {}
    try:
        settings = Settings(
            scale_words={str(k): int(v) for k, v in data["scale_words"].items()},
            units_starting_with_scale=tuple(data["units_starting_with_scale"]),
            bound_suffixes=dict(data["bound_suffixes"]),
            comparators_before=dict(data["comparators_before"]),
            skip_before=tuple(data["skip_before"]),
            list_markers=tuple(data["list_markers"]),
            list_separators=tuple(data["list_separators"]),
            range_dashes=tuple(data["range_dashes"]),
            year_parts={k: (int(v[0]), int(v[1])) for k, v in data["year_parts"].items()},
            whole_suffixes=tuple(data["whole_suffixes"]),
            period_parts=dict(data["period_parts"]),
            level_prefixes={k: tuple(v) for k, v in data["level_prefixes"].items()},
            elided_level=str(data["elided_level"]),
            second_share=float(data["second_share"]),
            second_salt=str(data["second_salt"]),
            percent_words={str(k): str(v) for k, v in (data.get("percent_words") or {}).items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        raise TableError(f"{path}: missing or malformed setting: {error}") from error
    if not 0 < settings.second_share <= 1:
        raise TableError(f"{path}: second_share must be in (0, 1], got {settings.second_share}")
    if settings.elided_level not in LEVELS:
        raise TableError(f"{path}: elided_level must be one of {LEVELS}")
    return settings


@dataclass(frozen=True)
class Period:
    """A five-year plan period: its names (十四五, 第十四个五年) and years."""

    number: int
    names: tuple[str, ...]
    first: int
    last: int


def load_periods(path: Path) -> list[Period]:
    entries = load_yaml(path) or []
    periods, seen = [], set()
    for index, entry in enumerate(entries, start=1):
        where = f"{path}: entry {index}"
        try:
            period = Period(int(entry["number"]), tuple(entry["names"]), int(entry["first"]), int(entry["last"]))
        except (KeyError, TypeError, ValueError) as error:
            raise TableError(f"{where}: needs number, names, first, last ({error})") from error
        if period.first > period.last or not period.names:
            raise TableError(f"{where}: first must not be after last, and names must not be empty")
        for name in period.names:
            if name in seen:
                raise TableError(f"{where}: name {name!r} is listed twice")
            seen.add(name)
        periods.append(period)
    return periods


@dataclass(frozen=True)
class Body:
    """One entry of the alias table: a type of body at one level.

    `canonical` holds placeholders ({province}, {city}, {county},
    {province_short}, {city_short}) filled from the plan's manifest and the
    jurisdiction the span names. `aliases` are the names of the body without
    any jurisdiction prefix (发改委, 发展改革委); an alias with a placeholder
    (人民银行{city}中心支行) is matched against the whole span. `bare_place`
    marks the entry a bare county name stands for in a responsibility list
    (D15, H85). `review` records who read the entry against N14-N18 and what
    they decided."""

    id: str
    canonical: str
    level: str
    aliases: tuple[str, ...]
    valid_from: int | None = None
    valid_to: int | None = None
    cities: tuple[str, ...] = ()  # empty: any city
    source: str = ""
    note: str = ""
    bare_place: bool = False
    review: dict = field(default_factory=dict, compare=False)
    line: int = field(default=0, compare=False)

    def valid_in(self, year: int | None) -> bool:
        if year is None:
            return True
        return (self.valid_from is None or self.valid_from <= year) and (self.valid_to is None or year <= self.valid_to)

    @property
    def years(self) -> str:
        return f"{self.valid_from or '…'}–{self.valid_to or '…'}"


def load_departments(path: Path) -> list[Body]:
    """The alias table, checked: required fields, ids, levels, years,
    placeholders, a review record per entry, and no alias of two entries of
    one level for overlapping years (the clash check)."""
    entries = load_yaml(path) or []
    if not isinstance(entries, list):
        raise TableError(f"{path}: must be a list of entries")
    bodies, keys, ids = [], {}, {}
    for index, entry in enumerate(entries, start=1):
        where = f"{path}: entry {index}"
        if not isinstance(entry, dict):
            raise TableError(f"{where}: must be a mapping")
        missing = [k for k in ("id", "canonical", "level", "aliases", "source", "review") if not entry.get(k)]
        if missing:
            raise TableError(f"{where}: missing {', '.join(missing)}")
        where = f"{path}: entry {index} ({entry['id']})"
        if not isinstance(entry["aliases"], list) or not all(isinstance(a, str) and a for a in entry["aliases"]):
            raise TableError(f"{where}: aliases must be a list of non-empty names")
        review = entry["review"]
        if not isinstance(review, dict) or not review.get("by") or review.get("decision") not in REVIEW_DECISIONS:
            raise TableError(f"{where}: review needs `by` and a `decision` ({', '.join(REVIEW_DECISIONS)})")
        body = Body(
            id=str(entry["id"]), canonical=str(entry["canonical"]), level=str(entry["level"]),
            aliases=tuple(entry["aliases"]), valid_from=entry.get("valid_from"),
            valid_to=entry.get("valid_to"), cities=tuple(entry.get("cities") or ()), source=str(entry["source"]),
            note=str(entry.get("note") or ""), bare_place=bool(entry.get("bare_place")), review=dict(review), line=index,
        )
        if not ENTRY_ID.match(body.id):
            raise TableError(f"{where}: id {body.id!r} must be lower-case ASCII words joined by hyphens")
        if body.level not in LEVELS:
            raise TableError(f"{where}: level {body.level!r} must be one of {', '.join(LEVELS)}")
        for year in (body.valid_from, body.valid_to):
            if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
                raise TableError(f"{where}: valid_from/valid_to must be years, got {year!r}")
        if body.valid_from and body.valid_to and body.valid_from > body.valid_to:
            raise TableError(f"{where}: valid_from is after valid_to")
        for text in (body.canonical, *body.aliases):
            for name in re.findall(r"\{[^}]*\}", text):
                if name not in PLACEHOLDERS:
                    raise TableError(f"{where}: unknown placeholder {name} (known: {', '.join(PLACEHOLDERS)})")
        if "{county}" in body.canonical and body.level != "county":
            raise TableError(f"{where}: {{county}} is only known for a county-level entry")
        previous = ids.get((body.level, body.id))
        if previous and _overlap(previous, body):
            raise TableError(f"{where}: id {body.id!r} ({body.level}) is also entry {previous.line} for overlapping years")
        ids[(body.level, body.id)] = body
        for alias in body.aliases:
            for city in body.cities or ("*",):
                key = (body.level, alias, city)
                for clash in keys.get(key, []):
                    if _overlap(clash, body):
                        raise TableError(f"{where}: alias {alias!r} ({body.level}) is also in entry {clash.line} ({clash.id}) for overlapping years")
                keys.setdefault(key, []).append(body)
        bodies.append(body)
    return bodies


def _overlap(a: Body, b: Body) -> bool:
    lo = max(a.valid_from or 0, b.valid_from or 0)
    hi = min(a.valid_to or 9999, b.valid_to or 9999)
    return lo <= hi


def tables_dir(annotations: Path) -> Path:
    return Path(annotations) / TABLES_DIR
