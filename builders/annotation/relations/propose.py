"""The rule proposer for relations (GUIDELINES.md section 12). Its output is a
suggestion shown to the first annotator and the `rules` relation baseline; it
never becomes gold by itself (store.py records whether the annotator accepted
or corrected each proposal).

- Roles (R2, R3, R6): the role label a DEPT stands under (`牵头部门:`), else a
  role word right after its list (`A、B牵头`, `C配合`), else `responsible` for
  a bare trailer list (lead/support when the plan states that the first listed
  leads), else no role (a mention, R4).
- Measurements (R8-R15): the indicator next to or before the value in its
  clause (across 、 lists and 分别, continuing the previous clause's subject), the
  nearest date before it that is not a reference year, kind and change from the
  words around it.

All offsets are document-level code points, half-open.
"""

from __future__ import annotations

import re

from builders.annotation.labels import Span
from builders.annotation.relations.items import (
    PlanView,
    prose_units_with_departments,
    sentence_task,
    structural_tasks,
    value_units,
)
from builders.annotation.relations.model import (
    Measurement,
    RelationRules,
    Role,
    Task,
    load_relation_rules,
)

LIST_JOINERS = "、和及与與"
SEGMENT_BREAKS = "()（）;；。"


# ---------------------------------------------------------------------------
# Responsibility


def first_listed_leads(text: str, rules: RelationRules) -> tuple[int, int] | None:
    """R3: where the plan states that the first unit listed leads, if it does."""
    match = re.search(rules.first_listed_leads, text)
    return (match.start(), match.end()) if match else None


def _label_role(text: str, span: Span, floor: int, rules: RelationRules) -> str | None:
    """The role label governing `span`: the last label before it in its segment."""
    index = span.start
    while index > floor and text[index - 1] not in SEGMENT_BREAKS:
        index -= 1
    before = text[index : span.start]
    best, best_at = None, -1
    for role, labels in rules.role_labels.items():
        for label in labels:
            at = before.rfind(label)
            if at > best_at:
                best, best_at = role, at
    return best


def _list_groups(text: str, depts: list[Span]) -> list[list[Span]]:
    """DEPT spans joined only by list joiners (A、B和C) form one list."""
    groups: list[list[Span]] = []
    for span in depts:
        if groups and all(c in LIST_JOINERS for c in text[groups[-1][-1].end : span.start]) and groups[-1][-1].end <= span.start:
            groups[-1].append(span)
        else:
            groups.append([span])
    return groups


def _suffix_role(text: str, position: int, rules: RelationRules) -> str | None:
    rest = text[position : position + 12]
    for filler in ("等部门", "等部門", "及相关部门", "及相關部門", "及有关部门", "及有關部門", "等相关部门", "等", "共同", "负责", ""):
        if rest.startswith(filler):
            tail = rest[len(filler) :]
            for role in ("lead", "support", "responsible"):
                for word in rules.role_suffixes[role]:
                    if tail.startswith(word):
                        # `X负责` after a lead in the same sentence is support (R2); decided by the caller.
                        return role
    return None


def propose_roles(plan: PlanView, task: Task, lead_rule: tuple[int, int] | None, rules: RelationRules) -> list[Role]:
    text = plan.text
    trailer_units = {u for u in task.units if plan.units[u]["kind"] == "trailer"}
    roles: list[Role] = []
    for unit_index in task.units:
        unit = plan.units[unit_index]
        depts = plan.spans([unit_index], "DEPT")
        in_trailer = unit_index in trailer_units
        lead_seen = False
        for group in _list_groups(text, depts):
            labelled = _label_role(text, group[0], unit["start"], rules)
            if labelled:
                roles.extend(Role(s, labelled) for s in group)
                continue
            suffixed = _suffix_role(text, group[-1].end, rules)
            if suffixed == "lead":
                lead_seen = True
            elif suffixed == "responsible" and lead_seen:
                suffixed = "support"  # `A牵头, B按职责负责`
            if suffixed:
                roles.extend(Role(s, suffixed) for s in group)
            elif in_trailer and lead_rule is not None:
                roles.append(Role(group[0], "lead"))
                roles.extend(Role(s, "support") for s in group[1:])
            elif in_trailer:
                roles.extend(Role(s, "responsible") for s in group)
    # A bare trailer list split by commas is still one list (H93): with R3, only its very first unit leads.
    if lead_rule is not None:
        firsts = [r for r in roles if r.role == "lead"]
        if len(firsts) > 1 and all(plan.units[u]["kind"] == "trailer" for u in trailer_units):
            keep = min(firsts)
            roles = [r if r == keep or r not in firsts else Role(r.dept, "support") for r in roles]
    return sorted(set(roles))


def propose_deadline(plan: PlanView, task: Task, rules: RelationRules) -> Span | None:
    """R7: the last DATE of the task text followed or preceded by a deadline word."""
    text = plan.text
    found = None
    for span in plan.spans(task.units, "DATE"):
        if not (task.start <= span.start and span.end <= task.end):
            continue
        after = text[span.end : span.end + 3]
        before = text[max(task.start, span.start - 1) : span.start]
        if any(after.startswith(w) for w in rules.deadline_after) or any(before.endswith(w) for w in rules.deadline_before):
            found = span
    return found


def propose_tasks(plan: PlanView, rules: RelationRules | None = None) -> list[Task]:
    """Structural tasks with proposed roles, plus prose sentences whose words assign (R1c)."""
    rules = rules or load_relation_rules()
    lead_rule = first_listed_leads(plan.text, rules)
    tasks = []
    for task in structural_tasks(plan):
        if not plan.reviewed(task.units):
            continue
        tasks.append(task.with_roles(propose_roles(plan, task, lead_rule, rules), propose_deadline(plan, task, rules), lead_rule))
    for unit_index in prose_units_with_departments(plan):
        task = sentence_task(plan, unit_index)
        roles = propose_roles(plan, task, None, rules)
        if roles:
            tasks.append(task.with_roles(roles, propose_deadline(plan, task, rules)))
    return sorted(tasks, key=lambda t: t.unit_index)


# ---------------------------------------------------------------------------
# Measurement


def clause_bounds(text: str, start: int, end: int, position: int, rules: RelationRules) -> tuple[int, int]:
    """The clause of [start, end) around `position`."""
    left = position
    while left > start and text[left - 1] not in rules.clause_breaks:
        left -= 1
    right = position
    while right < end and text[right] not in rules.clause_breaks:
        right += 1
    return left, right


def is_reference_date(text: str, span: Span, rules: RelationRules) -> bool:
    """R13: 比2020年, 较2015年, 与2020年相比: the reference of a change."""
    before = text[max(0, span.start - 2) : span.start]
    after = text[span.end : span.end + 4]
    return any(before.endswith(w) for w in rules.reference_before) or any(
        after.startswith(w) or after[1:].startswith(w) for w in rules.reference_after
    )


def _strip_gap(prefix: str, rules: RelationRules) -> str:
    changed = True
    while changed:
        changed = False
        for word in rules.change_gap:
            if prefix.endswith(word):
                prefix, changed = prefix[: -len(word)], True
    return prefix


def propose_change(prefix: str, rules: RelationRules) -> bool:
    """R15: a change verb just before the value (gap words allowed), and no 到 after it."""
    prefix = _strip_gap(prefix, rules)
    if any(prefix.endswith(w) for w in rules.level_after_verb):
        return False
    return any(prefix.endswith(v) for v in rules.change_verbs)


def propose_kind(prefix: str, after: str, section: list[str], rules: RelationRules) -> str:
    """R14 from the words around the value and the section it stands in."""
    near = prefix[-12:]
    if any(w in near for w in rules.baseline_before) and any(after.startswith(w) for w in rules.baseline_after):
        return "baseline"
    if any(w in heading for heading in section for w in rules.actual_sections) or any(w in prefix for w in rules.actual_cues):
        return "actual"
    return "target"


def _indicator_for(text: str, value: Span, indicators: list[Span], values: list[Span], clause: tuple[int, int], unit: tuple[int, int]) -> Span | None:
    before = [s for s in indicators if s.end == value.start]
    if before:
        return before[0]
    after = [s for s in indicators if s.start == value.end]
    if after:
        return after[0]
    in_clause = [s for s in indicators if clause[0] <= s.start and s.end <= clause[1]]
    preceding = [s for s in in_clause if s.end <= value.start]
    distributive = text.find("分别", clause[0], value.start)
    if distributive < 0:
        distributive = text.find("分別", clause[0], value.start)
    if distributive >= 0 and len(preceding) > 1:
        listed = [s for s in preceding if s.end <= distributive]
        shared = [v for v in values if distributive < v.start and v.end <= clause[1]]
        if len(listed) == len(shared) and value in shared:
            return listed[shared.index(value)]
    if preceding:
        return preceding[-1]
    following = [s for s in in_clause if s.start >= value.end]
    if following:
        return following[0]
    # R10: a clause without its own indicator continues the subject before it.
    earlier = [s for s in indicators if unit[0] <= s.start and s.end <= clause[0]]
    return earlier[-1] if earlier else None


def _date_for(text: str, value: Span, dates: list[Span], clause: tuple[int, int], rules: RelationRules) -> Span | None:
    usable = [d for d in dates if not is_reference_date(text, d, rules)]
    preceding = [d for d in usable if d.end <= value.start]
    in_clause = [d for d in preceding if d.start >= clause[0]]
    if in_clause:
        return in_clause[-1]
    following = [d for d in usable if d.start >= value.end and d.end <= clause[1]]
    if following:
        return following[0]
    return preceding[-1] if preceding else None


def propose_measurements(plan: PlanView, rules: RelationRules | None = None) -> list[Measurement]:
    rules = rules or load_relation_rules()
    text = plan.text
    result = []
    for unit_index in value_units(plan):
        unit = plan.units[unit_index]
        spans = plan.spans([unit_index])
        values = [s for s in spans if s.label == "VALUE"]
        indicators = [s for s in spans if s.label == "INDICATOR"]
        dates = [s for s in spans if s.label == "DATE"]
        for value in values:
            clause = clause_bounds(text, unit["start"], unit["end"], value.start, rules)
            prefix = text[clause[0] : value.start]
            after = text[value.end : clause[1]]
            result.append(
                Measurement(
                    plan.doc_id,
                    unit_index,
                    value,
                    _indicator_for(text, value, indicators, values, clause, (unit["start"], unit["end"])),
                    _date_for(text, value, dates, clause, rules),
                    propose_kind(text[unit["start"] : value.start], after, unit["section"], rules),
                    propose_change(prefix, rules),
                )
            )
    return result
