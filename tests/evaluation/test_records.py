"""Result records: one JSON per system, everything needed to reproduce and
compare, summaries over seeds and folds, written atomically."""

import json

from builders.annotation.labels import load_labels
from builders.dataset.results import RECORD_SCHEMA, read_records, rows_fingerprint
from evaluation.inputs import GoldUnit
from evaluation.records import (
    make_record,
    predictions_sha256,
    run_entry,
    spread,
    units_fingerprint,
    write_record,
)
from evaluation.report.result import Evaluation
from evaluation.scorer import Entity, align, bootstrap, boundary_errors, confusion_table, score

UNITS = [
    GoldUnit("u-1", "d", "市发改委牵头,到2020年达到90%", (Entity("u-1", 0, 4, "DEPT"), Entity("u-1", 17, 20, "VALUE"))),
    GoldUnit("u-2", "d", "市财政局负责", (Entity("u-2", 0, 4, "DEPT"),)),
]


def evaluation_of(pred, config="spans", split="test", resamples=20):
    gold = [e for u in UNITS for e in u.entities]
    alignment = align(gold, pred)
    return Evaluation("m", config, split, score(gold, pred), {},
                      bootstrap(gold, pred, units=[u.id for u in UNITS], n_resamples=resamples) if resamples else None,
                      confusion_table(alignment), boundary_errors(alignment), alignment)


def test_gold_fingerprint_agrees_with_the_card():
    labels = load_labels()
    rows = [{"id": u.id, "text": u.text, "entities": [{"start": e.start, "end": e.end, "label": labels.names.index(e.label)}
                                                      for e in u.entities]} for u in UNITS]
    assert units_fingerprint(UNITS) == rows_fingerprint(rows, labels)


def test_predictions_hash_ignores_order():
    a, b = Entity("u-1", 0, 4, "DEPT"), Entity("u-2", 0, 4, "DEPT")
    assert predictions_sha256([a, b]) == predictions_sha256([b, a]) != predictions_sha256([a])


def test_entry_has_scores_per_label_and_interval():
    pred = [Entity("u-1", 0, 4, "DEPT"), Entity("u-2", 0, 3, "DEPT")]
    entry = run_entry(evaluation_of(pred), 7, pred)
    assert entry["seed"] == 7 and entry["n_gold"] == 3 and entry["n_pred"] == 2
    assert entry["scores"]["strict"]["per_label"]["DEPT"]["f1"] == 0.5
    assert entry["scores"]["partial"]["per_label"]["DEPT"]["f1"] == 0.75
    assert entry["scores"]["strict"]["micro"]["f1"] == round(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3), 4)
    low, high = entry["ci95_strict_f1"]["micro"]
    assert 0 <= low <= high <= 1


def test_record_summarises_seeds_and_folds_and_round_trips(tmp_path):
    perfect = [e for u in UNITS for e in u.entities]
    half = perfect[:1]
    runs = [run_entry(evaluation_of(perfect), 0, perfect), run_entry(evaluation_of(half), 1, half),
            run_entry(evaluation_of(perfect, config="fold-a", resamples=0), 0, perfect),
            run_entry(evaluation_of(half, config="fold-b", resamples=0), 0, half)]
    record = make_record("my system", "python:m:f", {"c": 1}, "cmd", [0, 1], runs, units_fingerprint(UNITS), ["pyyaml"])
    micro = record["summary"]["test"]["strict_micro_f1"]
    assert micro == spread([1.0, 0.5]) and micro["n"] == 2 and abs(micro["sd"] - 0.3536) < 1e-4
    assert record["summary"]["folds"]["per_fold"] == {"a": 1.0, "b": 0.5}
    assert record["libraries"]["pyyaml"] != "not installed"
    path = write_record(record, tmp_path)
    assert path.name == "my-system.json"
    assert json.loads(path.read_text(encoding="utf-8")) == record
    assert read_records(tmp_path)[0]["schema"] == RECORD_SCHEMA
    assert not list(tmp_path.glob(".*.tmp"))
