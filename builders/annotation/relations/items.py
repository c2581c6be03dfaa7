"""The relation items of one plan (GUIDELINES.md R1, R16), from its structure
and its reviewed span gold.

- Structural tasks: every numbered task item, and every other paragraph a
  responsibility trailer closes. The task text is the block without its
  numbering marker and without the trailer.
- Sentence tasks (R1c) are found by reading; `sentence_task` gives the skeleton
  for one sentence unit.
- Value sentences: every reviewed unit holding a VALUE span.

Only units whose span gold is reviewed take part: relations join gold spans.
Offsets are document-level code points, half-open.
"""

from __future__ import annotations

from dataclasses import dataclass

from builders.annotation.gold import UnitAnnotation
from builders.annotation.labels import Span
from builders.annotation.relations.model import Task
from builders.corpus.store import StoredDocument


@dataclass(frozen=True)
class PlanView:
    """A plan as the relation layer sees it: text, structure and gold spans."""

    doc_id: str
    text: str
    units: tuple[dict, ...]
    blocks: tuple[dict, ...]
    gold: dict[int, UnitAnnotation]  # reviewed units only

    @classmethod
    def of(cls, doc: StoredDocument, gold: dict[int, UnitAnnotation]) -> PlanView:
        reviewed = {index: a for index, a in gold.items() if a.reviewed}
        return cls(doc.doc_id, doc.text, tuple(doc.units), tuple(doc.blocks), reviewed)

    @classmethod
    def from_text(cls, doc_id: str, text: str, spans: list[Span]) -> PlanView:
        """A plan from a clean text and its spans (document offsets), segmented
        here and taken as reviewed: for relation extraction on text outside the
        corpus, and for tests."""
        from builders.corpus.segment import segment

        structure = segment(text)
        units = tuple(
            {"index": u.index, "kind": u.kind, "start": u.start, "end": u.end, "block_index": u.block_index,
             "section": list(u.section), "closes_unit": u.closes_unit}
            for u in structure.units
        )
        blocks = tuple(
            {"index": b.index, "kind": b.kind, "start": b.start, "end": b.end, "marker": b.marker, "level": b.level}
            for b in structure.blocks
        )
        gold = {
            u["index"]: UnitAnnotation(doc_id, u["index"], u["start"], u["end"],
                                       tuple(sorted(s for s in spans if u["start"] <= s.start < u["end"])), {"status": "reviewed"})
            for u in units
        }
        return cls(doc_id, text, units, blocks, gold)

    def spans(self, unit_indices, label: str | None = None) -> list[Span]:
        found = [s for i in unit_indices if i in self.gold for s in self.gold[i].spans]
        return sorted(s for s in found if label is None or s.label == label)

    def unit_of(self, offset: int) -> dict | None:
        return next((u for u in self.units if u["start"] <= offset < u["end"]), None)

    def reviewed(self, unit_indices) -> bool:
        return all(i in self.gold for i in unit_indices)


def structural_tasks(plan: PlanView) -> list[Task]:
    """R1a/b: numbered task items and trailer-closed paragraphs, in text order."""
    by_block: dict[int, list[dict]] = {}
    for unit in plan.units:
        by_block.setdefault(unit["block_index"], []).append(unit)
    tasks = []
    for block in plan.blocks:
        units = by_block.get(block["index"], [])
        trailer = next((u for u in units if u["kind"] == "trailer"), None)
        if not units or (block["kind"] != "task" and trailer is None):
            continue
        body = [u for u in units if u["kind"] != "trailer"]
        start = block["start"] + len(block.get("marker") or "")
        end = trailer["start"] if trailer else block["end"]
        if body:
            start = max(start, body[0]["start"])
            end = min(end, body[-1]["end"]) if trailer else end
        tasks.append(Task(plan.doc_id, units[0]["index"], start, end, tuple(u["index"] for u in units)))
    return tasks


def sentence_task(plan: PlanView, unit_index: int) -> Task:
    """R1c: a sentence that carries an assignment in its own words."""
    unit = plan.units[unit_index]
    return Task(plan.doc_id, unit_index, unit["start"], unit["end"], (unit_index,))


def units_in_structural_tasks(plan: PlanView) -> set[int]:
    return {i for task in structural_tasks(plan) for i in task.units}


def value_units(plan: PlanView) -> list[int]:
    """R16: reviewed units that hold at least one VALUE."""
    return [i for i in sorted(plan.gold) if any(s.label == "VALUE" for s in plan.gold[i].spans)]


def prose_units_with_departments(plan: PlanView) -> list[int]:
    """Reviewed units outside structural tasks that name a DEPT: where a sentence
    task (R1c) may stand, or only mentions (R4)."""
    inside = units_in_structural_tasks(plan)
    return [
        i for i in sorted(plan.gold)
        if i not in inside and any(s.label == "DEPT" for s in plan.gold[i].spans)
    ]
