"""`plancorpus compare`: two systems, the same units, a paired bootstrap."""

from evaluation.compare import compare
from evaluation.inputs import load_gold, write_predictions


def test_gold_beats_rules_and_a_system_ties_itself(paths, tmp_path):
    units = load_gold(paths.root, split="validation")
    perfect = tmp_path / "gold.jsonl"
    write_predictions(perfect, units, [e for u in units for e in u.entities])
    result = compare(paths.root, str(perfect), "rules", split="validation", n_resamples=200)
    micro = result.rows["micro"]
    assert micro.a == 1.0 and micro.b < 1.0 and micro.p_value < 0.05
    assert micro.n_units == len(units) and {"micro", "macro", "DEPT"} <= set(result.rows)
    assert "| micro | 100.0 |" in result.markdown()
    same = compare(paths.root, str(perfect), str(perfect), split="validation", n_resamples=50).rows["micro"]
    assert same.delta.estimate == 0.0 and same.p_value == 1.0
