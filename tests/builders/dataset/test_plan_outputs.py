"""One plan's outputs: the lazy unit records of a long plan equal the
records a short plan gets as a list, and a plan builds the same bytes
whichever form the dataset reads."""

import pytest

from builders.build import build_documents
from builders.corpus.store import unit_record
from builders.dataset import plan_outputs
from builders.dataset.plan_outputs import UnitRecords, stored_view


@pytest.fixture(scope="module")
def doc(paths):
    return build_documents(paths.seeds, ["xinzhou-2017-central-rise"])[0]


def test_unit_records_made_when_read_equal_the_list(doc):
    eager = [unit_record(doc.doc_id, u, doc.clean.text) for u in doc.structure.units]
    lazy = UnitRecords(doc)
    assert len(lazy) == len(eager)
    assert list(lazy) == eager
    assert lazy[-1] == eager[-1] and lazy[3:7] == eager[3:7]


def test_the_dataset_rows_do_not_depend_on_the_form_of_the_unit_records(doc, paths, monkeypatch):
    from builders.annotation.gold import read_annotations
    from builders.annotation.labels import load_labels
    from builders.dataset.relations import load_relations
    from builders.dataset.tables import plan_rows

    labels = load_labels(paths.annotations / "labels.yaml")
    gold = {a.unit_index: a for a in read_annotations(paths.annotations / "gold" / f"{doc.doc_id}.jsonl")}
    relations = load_relations(paths.annotations / "relations", [doc.doc_id])[doc.doc_id]
    eager = plan_rows(stored_view(doc), doc.plan, gold, labels, relations)
    assert eager["tasks"]  # the relation rows read units by index
    monkeypatch.setattr(plan_outputs, "EAGER_UNITS", 0)
    view = stored_view(doc)
    assert isinstance(view.units, UnitRecords)
    assert plan_rows(view, doc.plan, gold, labels, relations) == eager
