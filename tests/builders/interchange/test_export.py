"""`plancorpus export` writes every format so that importing it back gives
the reviewed spans unchanged."""

import json

import pytest

from builders.interchange.brat import from_brat
from builders.interchange.conll import from_conll
from builders.interchange.doccano import from_doccano
from builders.interchange.export import export, reviewed_documents, reviewed_units
from builders.interchange.labelstudio import from_label_studio
from builders.interchange.spacy import from_docbin


@pytest.fixture(scope="module")
def exported(paths, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    for fmt in ("spacy", "conll", "brat", "labelstudio", "doccano"):
        export(paths, fmt, out / fmt)
    return out


@pytest.fixture(scope="module")
def units(paths):
    return reviewed_units(paths)


@pytest.mark.parametrize(
    "fmt, name, read",
    [
        ("spacy", "{split}.spacy", lambda p: from_docbin(p.read_bytes())),
        ("conll", "{split}.bio", lambda p: from_conll(p.read_text(encoding="utf-8"))),
        ("labelstudio", "{split}.labelstudio.json", lambda p: from_label_studio(json.loads(p.read_text(encoding="utf-8")))),
        ("doccano", "{split}.doccano.jsonl", lambda p: from_doccano(p.read_text(encoding="utf-8"))),
    ],
)
def test_unit_formats_round_trip(exported, units, fmt, name, read):
    for split, items in units.items():
        if items:
            assert read(exported / fmt / name.format(split=split)) == items


def test_brat_round_trips_whole_documents(paths, exported):
    for doc in reviewed_documents(paths):
        ann = (exported / "brat" / f"{doc.id}.ann").read_text(encoding="utf-8")
        text = (exported / "brat" / f"{doc.id}.txt").read_text(encoding="utf-8")
        assert from_brat(doc.id, text, ann) == doc


def test_no_span_is_lost_in_the_character_docbin(units):
    total = sum(len(item.spans) for items in units.values() for item in items)
    assert total > 0
