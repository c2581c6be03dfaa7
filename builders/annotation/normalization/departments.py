"""DEPT spans -> canonical name and dept_id (GUIDELINES.md N14-N18).

A span is read as [jurisdiction prefix] + [body name]:

- the prefix is a level word (国家, 省, 自治区, 市 …, from
  `builders/config/normalization.yaml`), the plan's city or province written
  in full or short (忻州市, 忻州), a county-level place of the plan's city
  (离石区, 孝义市, from the administrative-division table that `cpca` ships),
  or nothing (elided, D14: the level of the list it stands in, H86, else the
  plan's city, else the central level when only a central entry has the name);
- the body name is an alias of an entry of the reviewed alias table
  `annotations/normalization/departments.yaml` of that level, valid in the
  plan's year (N17).

The public entries are `normalize_dept(text, plan)` for one span and
`normalize_depts(spans, text, plan)` for the spans of a text (elided names
then take their list's level). It never guesses: a span it
cannot read gets a reason code (REASONS) and no name. dept_id is
`<jurisdiction>/<entry id>` (N18); a body that is not in the table (an
annotator's correction) gets `<jurisdiction>/name-<hash>` from `dept_id_for`,
so every id is deterministic.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from builders.annotation.normalization.model import Proposal
from builders.annotation.normalization.tables import Body, Settings, load_departments, load_settings
from builders.project import ROOT, Paths

TABLE_PATH = Paths(ROOT).annotations / "normalization" / "departments.yaml"
CENTRAL = "国家"  # the jurisdiction written in the dept_id of a central body (N18)
SEPARATORS = "、,，和及与 \u3000"  # between the items of a list of bodies (D14, H86)
PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")
COUNTY_SUFFIXES = ("县", "区", "市", "旗")

# Reason codes of a span that gets no proposal (N2, N16).
REASONS = {
    "empty": "the span has no characters to read",
    "jurisdiction_not_named": "the plan's manifest does not name the jurisdiction the prefix refers to",
    "jurisdiction_mismatch": "the prefix names a level the plan's province or city is not (自治区 in a 省)",
    "place_outside_plan": "the span names a place that is not the plan's city, its province or one of the city's counties",
    "unknown_body": "no entry of the alias table has this name at this level",
    "not_valid_in_year": "the name's entry is not valid in the plan's year (a renamed body)",
    "ambiguous": "several entries fit (e.g. the plan's year is unknown and the name changed meaning)",
}


@dataclass(frozen=True)
class PlanPlace:
    """What reading a DEPT needs from the plan's manifest entry."""

    city: str | None
    province: str | None
    year: int | None  # issue year, else the first year of the plan period
    script: str = "Simplified"

    @classmethod
    def from_manifest(cls, entry: dict) -> PlanPlace:
        return cls(entry.get("city") or None, entry.get("province") or None, plan_year(entry),
                   str(entry.get("script") or "Simplified"))


def plan_year(entry: dict) -> int | None:
    """The year bodies are named as (N17): the issue year, else the first year
    of the stated plan period, else unknown (None)."""
    for key in ("issue_date", "plan_period"):
        match = re.match(r"^\s*(\d{4})", str(entry.get(key) or ""))
        if match:
            return int(match.group(1))
    return None


@dataclass(frozen=True)
class DeptNormalization:
    """The reading of one DEPT span: canonical name and id, or a reason code."""

    canonical: str | None
    dept_id: str | None
    reason: str | None = None
    level: str | None = None
    jurisdiction: str | None = None
    entry: str | None = None  # the id of the table entry used

    @property
    def resolved(self) -> bool:
        return self.reason is None

    def proposal(self) -> Proposal:
        if self.reason:
            return Proposal.unread(self.reason)
        return Proposal.of(canonical=self.canonical, dept_id=self.dept_id)

    @classmethod
    def unread(cls, reason: str) -> DeptNormalization:
        assert reason in REASONS, reason
        return cls(None, None, reason)


def short_name(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def dept_id_for(jurisdiction: str, canonical: str) -> str:
    """The id of a body that is not in the alias table: its jurisdiction and a
    hash of its canonical name (NFC), stable across runs and machines."""
    digest = hashlib.sha256(unicodedata.normalize("NFC", canonical).encode("utf-8")).hexdigest()[:12]
    return f"{jurisdiction}/name-{digest}"


# ---------------------------------------------------------------------------
# Places: the county-level divisions of a city


@lru_cache(maxsize=1)
def _divisions() -> tuple[dict[str, str], dict[str, list[str]]]:
    """(adcode -> name, name -> adcodes) of the administrative-division table
    shipped by `cpca` (read as a file: importing cpca would load pandas)."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the package cpca (its administrative-division table) is not installed: pip install cpca")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    names, codes = {}, {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["adcode"][:6]
            names[code] = row["name"]
            codes.setdefault(row["name"], []).append(code)
    return names, codes


def county_of(name: str, city: str | None) -> str | None:
    """The jurisdiction name of `name` when it is one county-level division of
    `city`: a county or county-level city keeps its own name, a district (区)
    takes its city first (H85). None when it is not, or not only one."""
    if not city or not name.endswith(COUNTY_SUFFIXES):
        return None
    names, codes = _divisions()
    city_codes = [c for c in codes.get(city, []) if c.endswith("00") and not c.endswith("0000")]
    if len(city_codes) != 1:
        return None
    prefix = city_codes[0][:4]
    inside = [c for c in codes.get(name, []) if c.startswith(prefix) and not c.endswith("00")]
    if len(inside) != 1:
        return None
    return f"{city}{name}" if name.endswith("区") else name


def is_known_place(name: str) -> bool:
    """Whether `name` is any division of the table (a place outside the plan)."""
    return name in _divisions()[1]


# ---------------------------------------------------------------------------
# Reading a span


@dataclass(frozen=True)
class Jurisdiction:
    level: str
    name: str  # 国家, the province, the city or the county (N18)
    explicit: bool  # written in the span (False: elided)


def split_prefix(text: str, place: PlanPlace, settings: Settings) -> list[tuple[Jurisdiction | str, str]]:
    """Every way to cut `text` into a jurisdiction prefix and a body name,
    longest prefix first. The first element is a Jurisdiction, or a reason
    code when the prefix is a jurisdiction the plan does not name."""
    cuts: list[tuple[Jurisdiction | str, str]] = []
    city, province = place.city, place.province
    named = []
    if city:
        named += [(city, "city", city), (short_name(city, ("市",)), "city", city)]
    if province:
        named += [(province, "province", province), (short_name(province, PROVINCE_SUFFIXES), "province", province)]
    for prefix, level, name in sorted(set(named), key=lambda n: -len(n[0])):
        if text.startswith(prefix) and len(text) >= len(prefix):
            cuts.append((Jurisdiction(level, name, True), text[len(prefix):]))
    # A county-level place of the plan's city, named in full (离石区, 孝义市).
    for end in range(len(text), 1, -1):
        head = text[:end]
        county = county_of(head, city)
        if county:
            cuts.append((Jurisdiction("county", county, True), text[end:]))
        elif head not in (city, province) and is_known_place(head):
            cuts.append(("place_outside_plan", text[end:]))
    for level in ("central", "province", "city", "county"):
        for word in sorted(settings.level_prefixes.get(level, ()), key=len, reverse=True):
            if not text.startswith(word):
                continue
            rest = text[len(word):]
            if level == "central":
                cuts.append((Jurisdiction("central", CENTRAL, True), rest))
            elif level == "province":
                if not province:
                    cuts.append(("jurisdiction_not_named", rest))
                elif word == "自治区" and not province.endswith("自治区"):
                    cuts.append(("jurisdiction_mismatch", rest))
                elif word == "省" and not province.endswith("省"):
                    cuts.append(("jurisdiction_mismatch", rest))
                else:
                    cuts.append((Jurisdiction("province", province, True), rest))
            elif level == "city":
                cuts.append((Jurisdiction("city", city, True) if city else "jurisdiction_not_named", rest))
            else:  # 县/区 with no name: which county is not said
                cuts.append(("jurisdiction_not_named", rest))
    cuts.sort(key=lambda cut: len(cut[1]))  # longest prefix first
    return cuts


def fill(template: str, place: PlanPlace, county: str | None = None) -> str | None:
    values = {
        "{province}": place.province, "{city}": place.city, "{county}": county,
        "{province_short}": short_name(place.province, PROVINCE_SUFFIXES) if place.province else None,
        "{city_short}": short_name(place.city, ("市",)) if place.city else None,
    }
    result = template
    for key, value in values.items():
        if key in result:
            if value is None:
                return None
            result = result.replace(key, value)
    return result


def _entries(table: list[Body], level: str, alias: str, place: PlanPlace) -> list[Body]:
    return [b for b in table if b.level == level and alias in b.aliases and "{" not in alias
            and (not b.cities or place.city in b.cities)]


def _choose(found: list[Body], place: PlanPlace) -> Body | str:
    valid = [b for b in found if b.valid_in(place.year)]
    if not valid:
        return "not_valid_in_year"
    if len(valid) > 1:
        return "ambiguous"
    return valid[0]


def _result(body: Body, jurisdiction: Jurisdiction, place: PlanPlace) -> DeptNormalization:
    county = jurisdiction.name if jurisdiction.level == "county" else None
    canonical = fill(body.canonical, place, county)
    if canonical is None:
        return DeptNormalization.unread("jurisdiction_not_named")
    return DeptNormalization(canonical, f"{jurisdiction.name}/{body.id}", None, body.level, jurisdiction.name, body.id)


def simplified(text: str, script: str) -> str:
    """The span in Simplified script (N14): OpenCC t2s for a Traditional plan."""
    # Names never contain spaces: those inside a span are layout (PDF) spaces.
    text = "".join(unicodedata.normalize("NFC", text).split())
    if script == "Traditional":
        return _converter().convert(text)
    return text


@lru_cache(maxsize=1)
def _converter():
    import opencc  # only Traditional plans need it

    return opencc.OpenCC("t2s")


def normalize_dept(text: str, plan: dict | PlanPlace, table: list[Body] | None = None,
                   list_level: str | None = None, settings: Settings | None = None) -> DeptNormalization:
    """The canonical name and dept_id of the DEPT span `text` in `plan` (a
    manifest entry or a PlanPlace), or a reason code (REASONS).

    `list_level` is the level of the list the span stands in (H86, from
    `list_levels`); it is used only when the span names no jurisdiction."""
    place = plan if isinstance(plan, PlanPlace) else PlanPlace.from_manifest(plan)
    table = default_table() if table is None else table
    settings = settings or load_settings()
    name = simplified(text, place.script)
    if not name:
        return DeptNormalization.unread("empty")
    whole = _whole_span(name, table, place)
    if whole is not None:
        return whole
    reasons = []
    for jurisdiction, rest in split_prefix(name, place, settings):
        if isinstance(jurisdiction, str):
            reasons.append(jurisdiction)
            continue
        if rest == "":
            found = [b for b in table if b.level == jurisdiction.level and b.bare_place] if jurisdiction.level == "county" else []
        else:
            found = _entries(table, jurisdiction.level, rest, place)
        if found:
            chosen = _choose(found, place)
            if isinstance(chosen, str):
                return DeptNormalization.unread(chosen)
            return _result(chosen, jurisdiction, place)
    return _elided(name, table, place, list_level, settings, reasons)


def _whole_span(name: str, table: list[Body], place: PlanPlace) -> DeptNormalization | None:
    """An entry whose alias names the body with its place (人民银行{city}中心支行)."""
    found = []
    for body in table:
        if body.cities and place.city not in body.cities:
            continue
        for alias in body.aliases:
            if "{" in alias and fill(alias, place) == name:
                found.append(body)
    if not found:
        return None
    chosen = _choose(found, place)
    if isinstance(chosen, str):
        return DeptNormalization.unread(chosen)
    jurisdiction = {"central": CENTRAL, "province": place.province, "city": place.city}.get(chosen.level)
    if jurisdiction is None:
        return DeptNormalization.unread("jurisdiction_not_named")
    return _result(chosen, Jurisdiction(chosen.level, jurisdiction, True), place)


def _elided(name: str, table: list[Body], place: PlanPlace, list_level: str | None, settings: Settings,
            reasons: list[str]) -> DeptNormalization:
    """A name with no jurisdiction prefix (D14): the list's level (H86), else
    the elided level (the plan's city), else central when only a central
    entry has the name (A5)."""
    levels = [list_level] if list_level else []
    levels += [settings.elided_level, "central"]
    for level in dict.fromkeys(levels):
        if level == "county":
            continue  # which county is not said
        found = _entries(table, level, name, place)
        if not found:
            continue
        if level == "central" and list_level not in (None, "central"):
            # only a central body has the name, but its list is of another level
            return DeptNormalization.unread("ambiguous")
        jurisdiction = {"central": CENTRAL, "province": place.province, "city": place.city}[level]
        if jurisdiction is None:
            return DeptNormalization.unread("jurisdiction_not_named")
        chosen = _choose(found, place)
        if isinstance(chosen, str):
            return DeptNormalization.unread(chosen)
        return _result(chosen, Jurisdiction(level, jurisdiction, False), place)
    return DeptNormalization.unread(reasons[0] if reasons else "unknown_body")


def explicit_level(text: str, plan: dict | PlanPlace, settings: Settings | None = None) -> str | None:
    """The level a span's own prefix names (市经信委 -> city), None if elided."""
    place = plan if isinstance(plan, PlanPlace) else PlanPlace.from_manifest(plan)
    settings = settings or load_settings()
    for jurisdiction, _ in split_prefix(simplified(text, place.script), place, settings):
        if isinstance(jurisdiction, Jurisdiction):
            return jurisdiction.level
    return None


def list_levels(spans: list[tuple[int, int]], text: str, plan: dict | PlanPlace,
                settings: Settings | None = None) -> dict[tuple[int, int], str]:
    """(start, end) -> the level of the list each DEPT span stands in (H86).

    Spans of one unit form a list when only separators (、 , 和 及 与) lie
    between them. A span is given the level of the nearest span before it in
    its list that names one, else of the nearest after it."""
    spans = sorted(spans)
    groups: list[list[tuple[int, int]]] = []
    for span in spans:
        if groups and all(c in SEPARATORS for c in text[groups[-1][-1][1] : span[0]]):
            groups[-1].append(span)
        else:
            groups.append([span])
    result = {}
    for group in groups:
        levels = [explicit_level(text[s:e], plan, settings) for s, e in group]
        for index, span in enumerate(group):
            before = [lv for lv in reversed(levels[:index]) if lv and lv != "county"]
            after = [lv for lv in levels[index + 1 :] if lv and lv != "county"]
            chosen = (before or after or [None])[0]
            if chosen:
                result[span] = chosen
    return result


def normalize_depts(spans: list[tuple[int, int]], text: str, plan: dict | PlanPlace, table: list[Body] | None = None,
                    settings: Settings | None = None) -> dict[tuple[int, int], DeptNormalization]:
    """(start, end) -> the reading of each DEPT span of one unit (or one
    document) of `text`: `normalize_dept` with the level of the list each
    span stands in (H86). Offsets are code points, half-open."""
    table = default_table() if table is None else table
    settings = settings or load_settings()
    levels = list_levels(spans, text, plan, settings)
    return {span: normalize_dept(text[span[0] : span[1]], plan, table, levels.get(span), settings) for span in spans}


@lru_cache(maxsize=4)
def _table_at(path: str, stamp: float) -> tuple[Body, ...]:
    return tuple(load_departments(Path(path)))


def default_table(path: Path = TABLE_PATH) -> list[Body]:
    """The committed alias table (re-read when the file changes)."""
    path = Path(path)
    return list(_table_at(str(path), path.stat().st_mtime))


def dept_id_of(canonical: str, jurisdiction: str, plan: dict | PlanPlace, table: list[Body] | None = None) -> str:
    """The dept_id of an annotator's canonical name (a corrected span): the
    table entry whose filled canonical name it is, else `dept_id_for`."""
    place = plan if isinstance(plan, PlanPlace) else PlanPlace.from_manifest(plan)
    table = default_table() if table is None else table
    for body in table:
        if body.cities and place.city not in body.cities:
            continue
        county = jurisdiction if body.level == "county" else None
        if body.valid_in(place.year) and fill(body.canonical, place, county) == canonical:
            expected = {"central": CENTRAL, "province": place.province, "city": place.city, "county": county}[body.level]
            if expected == jurisdiction:
                return f"{jurisdiction}/{body.id}"
    return dept_id_for(jurisdiction, canonical)


def inconsistent_bodies(records: list[dict]) -> list[str]:
    """N18 within one plan: one canonical name, one id, and the other way round."""
    by_name: dict[str, set[str]] = {}
    by_id: dict[str, set[str]] = {}
    for record in records:
        fields = record["normalized"]
        if record["label"] != "DEPT" or fields.get("canonical") is None:
            continue
        by_name.setdefault(fields["canonical"], set()).add(fields["dept_id"])
        by_id.setdefault(fields["dept_id"], set()).add(fields["canonical"])
    problems = [f"{name!r} has ids {sorted(ids)}" for name, ids in sorted(by_name.items()) if len(ids) > 1]
    problems += [f"id {id_!r} has names {sorted(names)}" for id_, names in sorted(by_id.items()) if len(names) > 1]
    return problems
