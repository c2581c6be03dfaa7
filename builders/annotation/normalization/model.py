"""The normalised fields of a span (GUIDELINES.md 11.1) and how two
normalisations are compared.

Every span gets all eight fields; those that do not apply to its label are
null. A normaliser returns a `Proposal`: the fields, or none with a reason
code saying why it could not read the span (it never guesses).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

FIELDS = ("lo", "hi", "unit", "bound", "date_from", "date_to", "canonical", "dept_id")
LABEL_FIELDS = {
    "VALUE": ("lo", "hi", "unit", "bound"),
    "DATE": ("date_from", "date_to"),
    "DEPT": ("canonical", "dept_id"),
}
# The fields an annotator decides; dept_id follows from canonical and the table.
DECIDED_FIELDS = {"VALUE": ("lo", "hi", "unit", "bound"), "DATE": ("date_from", "date_to"), "DEPT": ("canonical",)}
LABELS = tuple(LABEL_FIELDS)
BOUNDS = ("eq", "ge", "gt", "le", "lt", "approx", "range")
NUMERIC = ("lo", "hi")
# Two numbers agree when they differ by less than this share (fractions such
# as 三分之二 are written as decimals by hand).
RELATIVE_TOLERANCE = 1e-9


def empty() -> dict:
    return {name: None for name in FIELDS}


@dataclass(frozen=True)
class Proposal:
    """A normaliser's reading of one span: `fields` (all eight), or a
    `reason` code when it could not read the span (then its fields are null)."""

    fields: dict = field(default_factory=empty)
    reason: str | None = None

    @property
    def resolved(self) -> bool:
        return self.reason is None

    @classmethod
    def unread(cls, reason: str) -> Proposal:
        return cls(empty(), reason)

    @classmethod
    def of(cls, **values) -> Proposal:
        fields = empty()
        for key, value in values.items():
            if key not in fields:
                raise KeyError(f"unknown normalised field {key!r}")
            fields[key] = value
        return cls(fields, None)


def same_value(name: str, a, b) -> bool:
    """Field equality for agreement and evaluation: numbers within a relative
    tolerance, everything else exactly (null equals only null)."""
    if a is None or b is None:
        return a is None and b is None
    if name in NUMERIC:
        a, b = float(a), float(b)
        return math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)
    return a == b


def check_fields(label: str, fields: dict) -> list[str]:
    """What is wrong with a filled set of fields for a span of `label`."""
    problems = []
    if label not in LABEL_FIELDS:
        return [f"label {label!r} is not normalised (only {', '.join(LABELS)})"]
    unknown = set(fields) - set(FIELDS)
    if unknown:
        problems.append(f"unknown field(s) {sorted(unknown)}")
    for name in FIELDS:
        if name not in LABEL_FIELDS[label] and fields.get(name) is not None:
            problems.append(f"{name} must be null for a {label} span")
    if label == "VALUE":
        lo, hi, bound = fields.get("lo"), fields.get("hi"), fields.get("bound")
        for name in NUMERIC:
            value = fields.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                problems.append(f"{name} must be a number or null, got {value!r}")
        if bound not in BOUNDS:
            problems.append(f"bound must be one of {', '.join(BOUNDS)}, got {bound!r}")
        if not isinstance(fields.get("unit"), str):
            problems.append("unit must be a string (\"\" for a bare number)")
        if not problems:
            problems += _bound_shape(bound, lo, hi)
    elif label == "DATE":
        for name in ("date_from", "date_to"):
            problem = check_date(fields.get(name))
            if problem:
                problems.append(f"{name}: {problem}")
        if not problems and fields["date_from"] > fields["date_to"]:
            problems.append("date_from is after date_to")
    elif label == "DEPT":
        if not isinstance(fields.get("canonical"), str) or not fields["canonical"].strip():
            problems.append("canonical must be a non-empty name")
    return problems


def _bound_shape(bound: str, lo, hi) -> list[str]:
    if bound in ("eq", "approx"):
        return [] if lo is not None and hi is not None and lo == hi else [f"{bound} needs lo = hi"]
    if bound == "range":
        return [] if lo is not None and hi is not None and lo < hi else ["range needs lo < hi"]
    if bound in ("ge", "gt"):
        return [] if lo is not None and hi is None else [f"{bound} needs lo and hi = null"]
    return [] if hi is not None and lo is None else [f"{bound} needs hi and lo = null"]


DATE_FORMAT = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def check_date(value) -> str | None:
    """None when `value` is YYYY, YYYY-MM or YYYY-MM-DD with a real month and day."""
    import calendar

    if not isinstance(value, str):
        return f"must be a date string, got {value!r}"
    match = DATE_FORMAT.match(value)
    if not match:
        return f"{value!r} is not YYYY, YYYY-MM or YYYY-MM-DD"
    year, month, day = match.groups()
    if month and not 1 <= int(month) <= 12:
        return f"{value!r} has no month {month}"
    if day and not 1 <= int(day) <= calendar.monthrange(int(year), int(month))[1]:
        return f"{value!r} has no day {day}"
    return None
