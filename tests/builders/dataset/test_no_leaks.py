"""Unreviewed units and plans never look like gold in any config: a plan
without a reviewed unit has no rows at all, and a document row says which
stretches a person annotated (`reviewed_ranges`)."""

import dataclasses

from builders.annotation.gold import load_gold
from builders.annotation.labels import load_labels
from builders.corpus.seeds import load_manifest
from builders.corpus.store import read_document
from builders.dataset.tables import plan_rows

PLAN = "lvliang-2013-transformation"


def _inputs(paths):
    doc = read_document(paths.corpus, PLAN)
    plan = next(p.metadata for p in load_manifest(paths.seeds) if p.id == PLAN)
    gold = load_gold(paths.annotations / "gold", [PLAN])[PLAN]
    return doc, plan, gold, load_labels(paths.annotations / "labels.yaml")


def _as_draft(annotation):
    return dataclasses.replace(annotation, review={**annotation.review, "status": "draft"})


def test_a_plan_nobody_reviewed_has_no_rows_in_any_config(paths):
    doc, plan, gold, labels = _inputs(paths)
    drafts = {i: _as_draft(a) for i, a in gold.items()}
    assert plan_rows(doc, plan, drafts, labels) == {}
    assert plan_rows(doc, plan, {}, labels) == {}


def test_document_row_states_the_reviewed_ranges_and_only_their_entities(paths):
    doc, plan, gold, labels = _inputs(paths)
    units = doc.units
    # Units 3..9 left unreviewed: the ranges skip them and no entity comes from them.
    partial = {i: (_as_draft(a) if 3 <= i < 10 else a) for i, a in gold.items()}
    row = plan_rows(doc, plan, partial, labels)["documents"][0]
    reviewed = [u for u in units if partial.get(u["index"]) is not None and partial[u["index"]].reviewed]
    assert row["units_reviewed"] == len(reviewed)
    ranges = row["reviewed_ranges"]
    assert ranges[0] == {"start": units[0]["start"], "end": units[2]["end"]}
    assert ranges[1]["start"] == units[10]["start"]
    inside = lambda e: any(r["start"] <= e["start"] and e["end"] <= r["end"] for r in ranges)
    assert row["entities"] and all(inside(e) for e in row["entities"])
    hidden = {(s.start, s.end) for i in range(3, 10) for s in gold[i].spans}
    assert not hidden & {(e["start"], e["end"]) for e in row["entities"]}
    span_ids = {r["unit_index"] for r in plan_rows(doc, plan, partial, labels)["spans"]}
    assert span_ids.isdisjoint(range(3, 10))
