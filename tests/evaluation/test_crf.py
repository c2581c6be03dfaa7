"""The CRF baseline: character features, deterministic training, and a
model that learns what it is shown (invented plan-like text)."""

import pytest

from evaluation.inputs import GoldUnit
from evaluation.models import AdapterError, load_model
from evaluation.models.crf import assignment_marks, char_class, features, lexicon_marks, load_crf_config, train_crf
from evaluation.scorer import Entity

pytest.importorskip("pycrfsuite")


def unit(i, text, spans):
    return GoldUnit(f"u-{i}", "d", text, tuple(Entity(f"u-{i}", s, e, label) for s, e, label in spans))


DEPTS = ["市水利局", "市交通局", "市教育局", "市农业局", "市商务局", "市民政局"]
def labelled(i, text, strings):
    """A unit whose spans are the given strings, found left to right."""
    spans, cursor = [], 0
    for string, label in strings:
        start = text.index(string, cursor)
        spans.append((start, start + len(string), label))
        cursor = start + len(string)
    return unit(i, text, spans)


TRAIN = [
    labelled(i, f"到{2020 + i}年建成{10 + i}座水厂。责任单位:{a}、{b}",
             [(f"{2020 + i}年", "DATE"), (f"{10 + i}座", "VALUE"), (a, "DEPT"), (b, "DEPT")])
    for i, (a, b) in enumerate(zip(DEPTS, DEPTS[1:] + DEPTS[:1]))
]


def test_character_classes_and_marks():
    config = load_crf_config()
    assert [char_class(c, config["classes"]) for c in "2二%局、"] == ["digit", "numeral", "unit", "han", "list_sep"]
    marks = assignment_marks("建成水厂。责任单位:市水利局、市交通局", config["assignment_labels"])
    assert marks[0] == "-" and marks[-1] == "assign_list"
    assert lexicon_marks("由市水利局负责", frozenset({"市水利局"}), 4) == ["-", "B", "M", "M", "E", "-", "-"]
    rows = features("到2025年", config)
    assert len(rows) == 6 and "k[0]=digit" in rows[1] and "c[0]=2" in rows[1]


def test_training_is_deterministic_and_learns(tmp_path):
    first = train_crf(TRAIN, tmp_path / "a.crfsuite")
    second = train_crf(list(reversed(TRAIN)), tmp_path / "b.crfsuite")
    assert first.read_bytes() == second.read_bytes()
    model = load_model(f"crf:{first}")
    text = "到2030年建成15座水厂。责任单位:市水利局、市教育局"
    expected = labelled(9, text, [("2030年", "DATE"), ("市水利局", "DEPT"), ("市教育局", "DEPT")]).entities
    assert set(model(text)) >= {(e.start, e.end, e.label) for e in expected}
    assert model("") == []


def test_missing_model_is_named():
    with pytest.raises(AdapterError, match="crf:/no/such: no trained model"):
        load_model("crf:/no/such")
