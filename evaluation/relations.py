"""Scoring relations (GUIDELINES.md section 12), and the rules relation baseline.

A relation is scored as a tuple:

    role       (DEPT span)            -> lead | support | responsible
    indicator  (VALUE span, INDICATOR span)
    date       (VALUE span, DATE span)
    kind       (VALUE span)           -> target | baseline | actual
    change     (VALUE span)           -> true | false
    deadline   (task, DATE span)

`strict`: every argument's offsets equal, and the same role or kind; `relaxed`:
every argument overlaps its gold partner (one-to-one, greedy by overlap), same
role or kind. Empty links (no indicator, no date, no role) are not relations.
Figures per relation type and per role and kind, micro P/R/F1, with a 95%
bootstrap interval over units (the unit that holds the head argument).

Two settings: `gold spans` (relations predicted over the reviewed gold spans,
so only relation errors count) and `end to end` (spans predicted too, by the
rules pre-annotator; an error in a span is an error in its relations).
Offsets are document-level code points, half-open [start, end).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from builders.annotation.gold import UnitAnnotation, pre_annotate_document
from builders.annotation.relations.items import PlanView
from builders.annotation.relations.model import Measurement, RelationRecord, Task
from builders.annotation.relations.propose import propose_measurements, propose_tasks

RELATION_TYPES = ("role", "indicator", "date", "kind", "change", "deadline")


@dataclass(frozen=True, order=True)
class RelationTuple:
    type: str
    doc_id: str
    unit: int  # the unit holding the head argument (bootstrap resamples units)
    head: tuple[int, int]
    tail: tuple[int, int] | None
    label: str


def tuples_of(plan: PlanView, tasks: list[Task], measurements: list[Measurement]) -> list[RelationTuple]:
    def unit(offset):
        found = plan.unit_of(offset)
        return found["index"] if found else -1

    out = []
    for task in tasks:
        for role in task.roles:
            out.append(RelationTuple("role", plan.doc_id, unit(role.dept.start), (role.dept.start, role.dept.end), None, role.role))
        if task.deadline is not None:
            out.append(RelationTuple("deadline", plan.doc_id, task.unit_index, (task.start, task.end), (task.deadline.start, task.deadline.end), "deadline"))
    for m in measurements:
        head = (m.value.start, m.value.end)
        if m.indicator is not None:
            out.append(RelationTuple("indicator", plan.doc_id, m.unit_index, head, (m.indicator.start, m.indicator.end), "INDICATOR"))
        if m.date is not None:
            out.append(RelationTuple("date", plan.doc_id, m.unit_index, head, (m.date.start, m.date.end), "DATE"))
        out.append(RelationTuple("kind", plan.doc_id, m.unit_index, head, None, m.kind))
        out.append(RelationTuple("change", plan.doc_id, m.unit_index, head, None, "true" if m.change else "false"))
    return sorted(out)


def gold_tuples(plan: PlanView, records: list[RelationRecord]) -> list[RelationTuple]:
    reviewed = [r.relation for r in records if r.reviewed]
    return tuples_of(plan, [r for r in reviewed if isinstance(r, Task)], [r for r in reviewed if isinstance(r, Measurement)])


def rule_tuples(plan: PlanView) -> list[RelationTuple]:
    """The rules baseline over whatever spans `plan` holds."""
    return tuples_of(plan, propose_tasks(plan), propose_measurements(plan))


def with_predicted_spans(plan: PlanView) -> PlanView:
    """The same plan with the rule pre-annotator's spans in place of the gold,
    for scoring end to end."""
    predicted = pre_annotate_document(plan.text, list(plan.units))
    gold = {
        index: UnitAnnotation(plan.doc_id, index, a.start, a.end, tuple(sorted(predicted.get(index, []))), a.review)
        for index, a in plan.gold.items()
    }
    return replace(plan, gold=gold)


# ---------------------------------------------------------------------------
# Matching and counts


def _overlaps(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a[0] < b[1] and b[0] < a[1]


def _overlap_size(a, b) -> int:
    if a is None or b is None:
        return 0
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def match(gold: list[RelationTuple], pred: list[RelationTuple], relaxed: bool) -> list[tuple[RelationTuple, RelationTuple]]:
    """One-to-one pairs of equal tuples (strict), or of tuples whose type,
    label and plan agree and whose arguments overlap (relaxed; larger overlap
    first, then text order)."""
    if not relaxed:
        left = Counter(gold)
        pairs = []
        for p in pred:
            if left[p] > 0:
                left[p] -= 1
                pairs.append((p, p))
        return pairs
    candidates = []
    by_key = defaultdict(list)
    for g in gold:
        by_key[(g.type, g.doc_id, g.label)].append(g)
    for pi, p in enumerate(pred):
        for gi, g in enumerate(by_key[(p.type, p.doc_id, p.label)]):
            if _overlaps(g.head, p.head) and _overlaps(g.tail, p.tail):
                size = _overlap_size(g.head, p.head) + _overlap_size(g.tail, p.tail)
                candidates.append((-size, g, p, gi, pi))
    candidates.sort()
    used_g, used_p, pairs = set(), set(), []
    for _, g, p, gi, pi in candidates:
        key = (g.type, g.doc_id, g.label, gi)
        if key in used_g or pi in used_p:
            continue
        used_g.add(key)
        used_p.add(pi)
        pairs.append((g, p))
    return pairs


def _prf(tp: int, n_gold: int, n_pred: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "gold": n_gold, "pred": n_pred, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def counts(gold: list[RelationTuple], pred: list[RelationTuple], relaxed: bool) -> dict[str, dict]:
    """P/R/F1 per relation type, and per role (`role:lead`) and kind (`kind:target`)."""
    pairs = match(gold, pred, relaxed)
    result = {}
    groups = [(t, lambda x, t=t: x.type == t) for t in RELATION_TYPES]
    groups += [(f"role:{r}", lambda x, r=r: x.type == "role" and x.label == r) for r in ("lead", "support", "responsible")]
    groups += [(f"kind:{k}", lambda x, k=k: x.type == "kind" and x.label == k) for k in ("target", "baseline", "actual")]
    for name, keep in groups:
        result[name] = _prf(sum(keep(g) for g, _ in pairs), sum(map(keep, gold)), sum(map(keep, pred)))
    return result


def bootstrap_f1(gold: list[RelationTuple], pred: list[RelationTuple], n_resamples: int = 1000, seed: int = 0) -> dict[str, list[float]]:
    """95% percentile intervals of strict F1 per relation type, resampling units."""
    units = sorted({(t.doc_id, t.unit) for t in gold + pred})
    if not units or n_resamples <= 0:
        return {}
    per_unit = {}
    pairs = match(gold, pred, relaxed=False)
    for u in units:
        per_unit[u] = {t: [0, 0, 0] for t in RELATION_TYPES}
    for g in gold:
        per_unit[(g.doc_id, g.unit)][g.type][1] += 1
    for p in pred:
        per_unit[(p.doc_id, p.unit)][p.type][2] += 1
    for g, _ in pairs:
        per_unit[(g.doc_id, g.unit)][g.type][0] += 1
    rng = random.Random(seed)
    samples = {t: [] for t in RELATION_TYPES}
    for _ in range(n_resamples):
        total = {t: [0, 0, 0] for t in RELATION_TYPES}
        for _ in range(len(units)):
            u = per_unit[units[rng.randrange(len(units))]]
            for t in RELATION_TYPES:
                for i in range(3):
                    total[t][i] += u[t][i]
        for t in RELATION_TYPES:
            samples[t].append(_prf(*total[t])["f1"])
    intervals = {}
    for t, values in samples.items():
        values.sort()
        intervals[t] = [values[int(0.025 * (len(values) - 1))], values[int(0.975 * (len(values) - 1))]]
    return intervals


def evaluate_relations(plans: list[PlanView], gold: dict[str, list[RelationRecord]], n_resamples: int = 1000) -> dict:
    """The rules relation baseline, given gold spans and end to end, per setting:
    strict and relaxed counts and strict bootstrap intervals."""
    gold_all, given, e2e = [], [], []
    for plan in plans:
        gold_all += gold_tuples(plan, gold.get(plan.doc_id, []))
        given += rule_tuples(plan)
        e2e += rule_tuples(with_predicted_spans(plan))
    result = {"plans": [p.doc_id for p in plans], "gold_relations": len(gold_all)}
    for name, pred in (("gold_spans", given), ("end_to_end", e2e)):
        result[name] = {
            "strict": counts(gold_all, pred, relaxed=False),
            "relaxed": counts(gold_all, pred, relaxed=True),
            "strict_f1_interval": bootstrap_f1(gold_all, pred, n_resamples),
        }
    return result


def markdown_summary(result: dict) -> str:
    rows = ["| relation | given gold spans: strict F1 [95% CI] | relaxed F1 | end to end: strict F1 [95% CI] | relaxed F1 | gold |",
            "|---|---|---|---|---|---|"]
    names = list(RELATION_TYPES) + [f"role:{r}" for r in ("lead", "support", "responsible")] + [f"kind:{k}" for k in ("target", "baseline", "actual")]
    for name in names:
        cells = [name]
        for setting in ("gold_spans", "end_to_end"):
            strict = result[setting]["strict"][name]
            if strict["gold"] == 0 and strict["pred"] == 0:
                cells += ["n/a (none in gold or predictions)", "n/a"]
                continue
            interval = result[setting]["strict_f1_interval"].get(name)
            cells.append(f"{strict['f1']:.3f}" + (f" [{interval[0]:.3f}, {interval[1]:.3f}]" if interval else ""))
            cells.append(f"{result[setting]['relaxed'][name]['f1']:.3f}")
        cells.append(str(result["gold_spans"]["strict"][name]["gold"]))
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)
