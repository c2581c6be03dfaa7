"""The relation data model (GUIDELINES.md section 12).

A `Task` is a stretch of plan text that something is assigned to; its `roles`
give each assigned DEPT span one role. A `Measurement` is the one record every
VALUE span gets: the INDICATOR it measures, the DATE it holds at (either may be
None), its kind and whether it is a change. Spans are the gold `Span`s:
document-level code points, half-open [start, end).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from builders.annotation.labels import Span
from builders.io import load_yaml
from builders.project import CONFIG_DIR

ROLES = ("lead", "support", "responsible")
KINDS = ("target", "baseline", "actual")
CONFIG_PATH = CONFIG_DIR / "relations.yaml"


@dataclass(frozen=True, order=True)
class Role:
    dept: Span
    role: str


@dataclass(frozen=True)
class Task:
    doc_id: str
    unit_index: int  # the task's first unit: its key in the plan
    start: int  # the task text, without numbering marker and trailer
    end: int
    units: tuple[int, ...]  # every unit the task and its trailer cover
    roles: tuple[Role, ...] = ()
    deadline: Span | None = None
    lead_rule: tuple[int, int] | None = None  # where the plan says the first listed leads (R3)

    @property
    def key(self) -> str:
        return f"task@{self.unit_index}"

    def with_roles(self, roles, deadline=None, lead_rule=None) -> Task:
        return Task(self.doc_id, self.unit_index, self.start, self.end, self.units, tuple(sorted(roles)), deadline, lead_rule)


@dataclass(frozen=True)
class Measurement:
    doc_id: str
    unit_index: int
    value: Span
    indicator: Span | None
    date: Span | None
    kind: str
    change: bool

    @property
    def key(self) -> str:
        return f"value@{self.value.start}"


@dataclass(frozen=True)
class RelationRecord:
    """One reviewed decision as stored: a task or a measurement, with its review."""

    relation: Task | Measurement
    review: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def reviewed(self) -> bool:
        return self.review.get("status") == "reviewed"


@dataclass(frozen=True)
class RelationRules:
    role_labels: dict[str, tuple[str, ...]]
    role_suffixes: dict[str, tuple[str, ...]]
    first_listed_leads: str
    reference_before: tuple[str, ...]
    reference_after: tuple[str, ...]
    baseline_before: tuple[str, ...]
    baseline_after: tuple[str, ...]
    actual_cues: tuple[str, ...]
    actual_sections: tuple[str, ...]
    change_verbs: tuple[str, ...]
    change_gap: tuple[str, ...]
    level_after_verb: tuple[str, ...]
    deadline_after: tuple[str, ...]
    deadline_before: tuple[str, ...]
    clause_breaks: frozenset[str]
    second_share: float
    second_salt: str


@cache
def load_relation_rules(path: Path = CONFIG_PATH) -> RelationRules:
    config = load_yaml(path)

    def words(key):
        # Longest first, so 按职责分工负责 is tried before 负责.
        return tuple(sorted(config[key], key=len, reverse=True))

    def by_role(key):
        return {role: tuple(sorted(config[key].get(role, []), key=len, reverse=True)) for role in ROLES}

    return RelationRules(
        role_labels=by_role("role_labels"),
        role_suffixes=by_role("role_suffixes"),
        first_listed_leads=config["first_listed_leads"],
        reference_before=words("reference_before"),
        reference_after=words("reference_after"),
        baseline_before=words("baseline_before"),
        baseline_after=words("baseline_after"),
        actual_cues=words("actual_cues"),
        actual_sections=words("actual_sections"),
        change_verbs=words("change_verbs"),
        change_gap=words("change_gap"),
        level_after_verb=words("level_after_verb"),
        deadline_after=words("deadline_after"),
        deadline_before=words("deadline_before"),
        clause_breaks=frozenset(config["clause_breaks"]),
        second_share=float(config["second_share"]),
        second_salt=str(config["second_salt"]),
    )
