"""`plancorpus baselines --check`: a rerun's entries against the committed
record's of the same config, split and seed (invented records)."""

from evaluation.baselines import reproduction_rows


def entry(split, seed, f1, sha, config="spans"):
    return {"config": config, "split": split, "seed": seed, "predictions_sha256": sha,
            "scores": {"strict": {"micro": {"f1": f1}}}}


COMMITTED = {
    "system": "spacy", "gold_fingerprint": "g1",
    "runs": [entry("test", 0, 0.595, "a"), entry("test", 1, 0.643, "b"), entry("validation", 0, 0.60, "c"),
             entry("test", 0, 0.5, "d", config="fold-p")],
    "summary": {"test": {"strict_micro_f1": {"mean": 0.596, "sd": 0.047, "n": 3}},
                "validation": {"strict_micro_f1": {"mean": 0.607, "sd": 0.041, "n": 3}}},
}


def verdicts(rerun_runs, gold="g1", committed=COMMITTED):
    return [(r["split"], r["seed"], r["verdict"]) for r in
            reproduction_rows(committed, {"system": "spacy", "gold_fingerprint": gold, "runs": rerun_runs})]


def test_identical_within_sd_and_not():
    rows = reproduction_rows(COMMITTED, {"system": "spacy", "gold_fingerprint": "g1", "runs": [
        entry("test", 0, 0.595, "a"), entry("test", 1, 0.62, "x"), entry("validation", 0, 0.50, "y")]})
    assert [r["verdict"] for r in rows] == ["identical predictions", "within sd", "NOT within sd"]
    assert rows[1]["difference"] == -0.023 and rows[1]["sd"] == 0.047 and rows[2]["difference"] == -0.1


def test_a_single_run_system_reproduces_only_with_identical_predictions():
    single = {"system": "crf", "gold_fingerprint": "g1", "runs": [entry("test", None, 0.62, "a")],
              "summary": {"test": {"strict_micro_f1": {"mean": 0.62, "sd": 0.0, "n": 1}}}}
    assert verdicts([entry("test", None, 0.62, "a")], committed=single) == [("test", None, "identical predictions")]
    assert verdicts([entry("test", None, 0.62, "b")], committed=single) == [("test", None, "within sd")]
    assert verdicts([entry("test", None, 0.621, "b")], committed=single) == [("test", None, "NOT within sd")]


def test_other_gold_or_a_missing_run_is_not_comparable():
    assert verdicts([entry("test", 0, 0.595, "a")], gold="g2")[0][2].startswith("not comparable: the committed record is on other gold")
    assert verdicts([entry("test", 7, 0.6, "z")])[0][2] == "not comparable: no committed run with this config, split and seed"
    assert verdicts([entry("test", 0, 0.5, "d", config="fold-p")])[0][2] == "identical predictions"
    assert verdicts([entry("test", 0, 0.6, "e", config="fold-p")])[0][2] == "NOT within sd"
