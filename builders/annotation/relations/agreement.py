"""Agreement between the first relation pass and the blind second annotation,
and the adjudication list (GUIDELINES.md 12.4, items 3-4).

Compared on the items of the second worksheet only, per relation type:

- roles: every DEPT span of an item carries `lead`, `support`, `responsible`
  or `none`; Cohen's kappa over those labels, and F1 of (DEPT, role) pairs
  per role;
- indicator and date links: per VALUE, the linked span or none; agreement
  (share of values linked identically, none included), kappa-free because
  the choices differ per value, and F1 of the non-empty (VALUE, span) links;
- kind and change: Cohen's kappa over the VALUEs;
- deadline: share of tasks with the same deadline (or both none).

The first pass is the gold as recorded before adjudication: a gold record
whose review holds an `adjudication` entry is compared in its first-pass form
(`adjudication.first`), so adjudication cannot inflate the figures.
"""

from __future__ import annotations

from collections import Counter

from builders.annotation.agreement import cohen_kappa
from builders.annotation.labels import Span
from builders.annotation.relations.model import ROLES, Measurement, RelationRecord, Task

NONE = "none"


def _f1(first: set, second: set) -> dict:
    both = len(first & second)
    total = len(first) + len(second)
    return {"first": len(first), "second": len(second), "both": both, "f1": round(2 * both / total, 4) if total else 1.0}


def first_pass_view(records: list[RelationRecord]) -> tuple[dict[tuple[str, Span], str], dict[tuple[str, Span], Measurement], dict[tuple[str, int], Span | None]]:
    """(doc, DEPT) -> role, (doc, VALUE) -> measurement and (doc, task unit) -> deadline,
    as the first annotator left them."""
    roles, measurements, deadlines = {}, {}, {}
    for record in records:
        relation = record.relation
        first = (record.review.get("adjudication") or {}).get("first")
        if isinstance(relation, Task):
            for role in relation.roles:
                roles[(relation.doc_id, role.dept)] = role.role
            deadlines[(relation.doc_id, relation.unit_index)] = relation.deadline
            if first:
                for entry in first.get("roles", []):
                    span = Span(entry["start"], entry["end"], "DEPT")
                    if entry["role"] == NONE:
                        roles.pop((relation.doc_id, span), None)
                    else:
                        roles[(relation.doc_id, span)] = entry["role"]
        else:
            if first:
                relation = Measurement(
                    relation.doc_id, relation.unit_index, relation.value,
                    *(None if first[k] is None else Span(first[k]["start"], first[k]["end"], label)
                      for k, label in (("indicator", "INDICATOR"), ("date", "DATE"))),
                    first["kind"], first["change"],
                )
            measurements[(relation.doc_id, relation.value)] = relation
    return roles, measurements, deadlines


def compare(worksheet: list[dict], filled: dict, records: list[RelationRecord]) -> tuple[dict, list[dict]]:
    """Agreement figures and the disagreements, over the filled worksheet items."""
    roles1, meas1, deadlines1 = first_pass_view(records)
    role_pairs, indicator_pairs, date_pairs, kinds, changes, deadline_pairs = [], [], [], [], [], []
    disagreements = []
    for row in worksheet:
        if row["item"] not in filled:
            continue
        task2, measurements2, _ = filled[row["item"]]
        doc = row["doc_id"]
        roles2 = {r.dept: r.role for r in task2.roles} if task2 else {}
        for span in row["spans"]:
            key = Span(span["start"], span["end"], span["label"])
            if key.label == "DEPT":
                a, b = roles1.get((doc, key), NONE), roles2.get(key, NONE)
                role_pairs.append((doc, key, a, b))
                if a != b:
                    disagreements.append({"item": row["item"], "relation": "role", "span": span["text"], "start": key.start,
                                          "end": key.end, "first": a, "second": b})
        if row["type"] == "task":
            a = deadlines1.get((doc, row["units"][0]))
            b = task2.deadline if task2 else None
            deadline_pairs.append(a == b)
            if a != b:
                disagreements.append({"item": row["item"], "relation": "deadline",
                                      "first": None if a is None else [a.start, a.end], "second": None if b is None else [b.start, b.end]})
        by_value2 = {m.value: m for m in measurements2}
        for value, m2 in sorted(by_value2.items()):
            m1 = meas1.get((doc, value))
            if m1 is None:
                continue
            indicator_pairs.append((doc, value, m1.indicator, m2.indicator))
            date_pairs.append((doc, value, m1.date, m2.date))
            kinds.append((m1.kind, m2.kind))
            changes.append((m1.change, m2.change))
            for name in ("indicator", "date", "kind", "change"):
                a, b = getattr(m1, name), getattr(m2, name)
                if a != b:
                    as_json = (lambda v: [v.start, v.end] if isinstance(v, Span) else v)  # noqa: E731
                    disagreements.append({"item": row["item"], "relation": name, "value": [value.start, value.end],
                                          "first": as_json(a), "second": as_json(b)})
    figures = {
        "items": sum(row["item"] in filled for row in worksheet),
        "roles": {
            "dept_spans": len(role_pairs),
            "kappa": round(cohen_kappa([p[2] for p in role_pairs], [p[3] for p in role_pairs]), 4),
            "per_role": {
                role: _f1({(d, s) for d, s, a, _ in role_pairs if a == role}, {(d, s) for d, s, _, b in role_pairs if b == role})
                for role in ROLES
            },
            "confusion": dict(sorted(Counter(f"{a}->{b}" for *_, a, b in role_pairs).items())),
        },
        "values": len(indicator_pairs),
    }
    for name, pairs in (("indicator", indicator_pairs), ("date", date_pairs)):
        figures[name] = {
            "agreement": round(sum(a == b for *_, a, b in pairs) / len(pairs), 4) if pairs else 1.0,
            "link_f1": _f1({(d, v, a) for d, v, a, _ in pairs if a}, {(d, v, b) for d, v, _, b in pairs if b}),
        }
    figures["kind"] = {"kappa": round(cohen_kappa([a for a, _ in kinds], [b for _, b in kinds]), 4),
                       "agreement": round(sum(a == b for a, b in kinds) / len(kinds), 4) if kinds else 1.0}
    figures["change"] = {"kappa": round(cohen_kappa([str(a) for a, _ in changes], [str(b) for _, b in changes]), 4),
                         "agreement": round(sum(a == b for a, b in changes) / len(changes), 4) if changes else 1.0}
    figures["deadline"] = {"tasks": len(deadline_pairs),
                           "agreement": round(sum(deadline_pairs) / len(deadline_pairs), 4) if deadline_pairs else 1.0}
    return figures, disagreements


def adjudication_entries(disagreements: list[dict], existing: list[dict]) -> list[dict]:
    """Every disagreement as an adjudication entry; decisions already taken are
    kept. `decision` is `first` or `second`, `rule` the R/H id it follows."""
    def key(entry):
        return (entry["item"], entry["relation"], tuple(entry.get("value") or ()), entry.get("start"))

    decided = {key(e): e for e in existing}
    entries = []
    for d in disagreements:
        old = decided.get(key(d), {})
        entries.append(dict(d, decision=old.get("decision"), rule=old.get("rule"), note=old.get("note", "")))
    return entries
