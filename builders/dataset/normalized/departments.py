"""The `departments` config: one row per body (dept_id) of the reviewed DEPT
normalised gold, across the plans, with the alias table
(annotations/normalization/departments.yaml) for its level.

Each plan's build keeps a compact summary of its bodies (`plan_bodies`: id,
canonical name, the names as written with their counts, the level its
jurisdiction has in that plan), so the corpus-wide rows (`department_rows`)
are added up from the plans' summaries, never from their rows. Rows are in id
order, and every list in a row is sorted: the same summaries give the same
bytes.
"""

from __future__ import annotations

from builders.annotation.normalization.departments import CENTRAL, county_of
from builders.annotation.normalization.tables import Body

NAME_ID = "name-"  # `<jurisdiction>/name-<hash>`: a body the alias table lacks (GUIDELINES A27)
LEVEL_ORDER = ("central", "province", "city", "county")


def jurisdiction_level(jurisdiction: str, plan: dict) -> str | None:
    """The level the dept_id's jurisdiction has for a plan: 国家, the plan's
    province, its city, or a county-level place of its city; else unknown."""
    if jurisdiction == CENTRAL:
        return "central"
    if jurisdiction and jurisdiction == plan.get("province"):
        return "province"
    if jurisdiction and jurisdiction == plan.get("city"):
        return "city"
    if jurisdiction and county_of(jurisdiction, plan.get("city")):
        return "county"
    return None


def plan_bodies(entities: list[dict], plan: dict) -> list[dict]:
    """A plan's bodies from its published DEPT entities (the `documents`
    row's, with `normalized`): one entry per dept_id, in id order."""
    bodies: dict[str, dict] = {}
    for entity in entities:
        fields = entity["normalized"]
        if not fields.get("dept_id"):
            continue
        dept_id = fields["dept_id"]
        body = bodies.setdefault(
            dept_id,
            {"dept_id": dept_id, "canonical": fields["canonical"],
             "level": jurisdiction_level(dept_id.split("/", 1)[0], plan), "written": {}},
        )
        body["written"][entity["text"]] = body["written"].get(entity["text"], 0) + 1
    for body in bodies.values():
        body["written"] = dict(sorted(body["written"].items()))
    return [bodies[k] for k in sorted(bodies)]


def table_level(dept_id: str, levels: set[str], table: list[Body]) -> str | None:
    """The level of the alias-table entry the id names, when one level fits;
    None for a body the table lacks (name-<hash>) or an entry it does not hold."""
    entry = dept_id.split("/", 1)[-1]
    if entry.startswith(NAME_ID):
        return None
    candidates = {body.level for body in table if body.id == entry}
    if len(candidates) == 1:
        return next(iter(candidates))
    fitting = candidates & levels
    return next(iter(fitting)) if len(fitting) == 1 else None


def department_rows(summaries: list[dict], table: list[Body] | None) -> list[dict]:
    """One row per body across the plans' summaries (`departments` in each):
    dept_id, canonical name, the names as written, level, plans, mentions.
    No rows when there is no alias table (the card says so)."""
    if table is None:
        return []
    merged: dict[str, dict] = {}
    for summary in summaries:
        for body in summary.get("departments") or []:
            row = merged.setdefault(body["dept_id"], {"canonical": set(), "written": {}, "levels": set(), "plans": set()})
            row["canonical"].add(body["canonical"])
            row["plans"].add(summary["doc_id"])
            if body["level"]:
                row["levels"].add(body["level"])
            for text, count in body["written"].items():
                row["written"][text] = row["written"].get(text, 0) + count
    rows = []
    for dept_id in sorted(merged):
        row = merged[dept_id]
        if len(row["canonical"]) > 1:
            # One body, one name (N18): the id fixes the name, so two names are a gold error.
            raise ValueError(
                f"annotations/normalized/: dept_id {dept_id!r} has the names {sorted(row['canonical'])} "
                f"in plans {sorted(row['plans'])}; give the body one canonical name"
            )
        level = table_level(dept_id, row["levels"], table)
        if level is None and row["levels"]:
            level = min(row["levels"], key=LEVEL_ORDER.index)
        rows.append(
            {
                "dept_id": dept_id,
                "canonical": next(iter(row["canonical"])),
                "aliases": sorted(row["written"]),
                "level": level,
                "plans": sorted(row["plans"]),
                "mentions": sum(row["written"].values()),
            }
        )
    return rows
