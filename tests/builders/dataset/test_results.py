"""The card's results table is generated from the result records, and a
record computed on other gold is marked stale."""

import json

import pytest

from builders.annotation.labels import load_labels
from builders.dataset.results import (
    RECORD_SCHEMA,
    gold_fingerprint,
    read_records,
    results_markdown,
    rows_fingerprint,
    stale_records,
)


def spread(mean, sd=0.0, n=1):
    return {"mean": mean, "sd": sd, "n": n}


def record(system, fingerprint, n=1):
    split = {"strict_micro_f1": spread(0.5, 0.04 if n > 1 else 0.0, n), "strict_macro_f1": spread(0.4, 0, n),
             "partial_micro_f1": spread(0.6, 0, n)}
    split |= {f"strict_f1_{label}": spread(0.25, 0, n) for label in load_labels().names}
    if n == 1:
        split["strict_micro_f1"]["ci95"] = [0.45, 0.55]
    return {"schema": RECORD_SCHEMA, "system": system, "gold_fingerprint": fingerprint, "seeds": list(range(n)),
            "summary": {"test": split, "folds": {"strict_micro_f1": spread(0.6, 0.1, 2), "per_fold": {"a": 0.5, "b": 0.7}}}}


def test_fingerprint_ignores_order_and_sees_every_change():
    units = [("u2", "乙", [(0, 1, "DATE")]), ("u1", "市发改委", [(0, 4, "DEPT")])]
    assert gold_fingerprint(units) == gold_fingerprint(list(reversed(units)))
    assert gold_fingerprint(units) != gold_fingerprint([units[0], ("u1", "市发改委", [(1, 4, "DEPT")])])
    assert gold_fingerprint(units) != gold_fingerprint([units[0], ("u1", "市发改委", [(0, 4, "VALUE")])])


def test_rows_fingerprint_reads_class_ids():
    labels = load_labels()
    rows = [{"id": "u1", "text": "市发改委", "entities": [{"start": 0, "end": 4, "label": labels.names.index("DEPT")}]}]
    assert rows_fingerprint(rows, labels) == gold_fingerprint([("u1", "市发改委", [(0, 4, "DEPT")])])


def test_table_shows_mean_sd_interval_and_stale_rows():
    text = results_markdown([record("crf", "abc"), record("spacy", "old", n=3)], "abc", load_labels())
    crf = next(line for line in text.splitlines() if line.startswith("| crf | test"))
    spacy = next(line for line in text.splitlines() if line.startswith("| spacy | test"))
    assert "50.0 (45.0–55.0)" in crf and "current" in crf
    assert "50.0 ± 4.0" in spacy and "3 seeds" in spacy and "stale" in spacy
    assert "| crf | 60.0 ± 10.0 | 50.0–70.0 | 2 |" in text
    assert stale_records([record("crf", "abc"), record("spacy", "old")], "abc") == ["spacy"]


def test_no_records_says_how_to_make_them():
    assert "plancorpus baselines" in results_markdown([], "abc", load_labels())


def test_read_records_skips_other_json_and_names_a_broken_file(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(record("a", "x")), encoding="utf-8")
    (tmp_path / "notes.json").write_text("{}", encoding="utf-8")
    assert [r["system"] for r in read_records(tmp_path)] == ["a"]
    (tmp_path / "b.json").write_text('{"schema":\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"b\.json:2: not valid JSON"):
        read_records(tmp_path)


def test_a_caveat_is_shown_with_the_system_name():
    tiny = record("tiny-bert", "abc", n=3) | {"caveat": "tiny BERT from scratch (recipe check, no pre-training)"}
    text = results_markdown([tiny], "abc", load_labels())
    assert "| tiny-bert: tiny BERT from scratch (recipe check, no pre-training) | test | 50.0 ± 4.0 |" in text
