"""The committed rules normalisation record is the one measured now, and the
card's normalisation section reads records and agreement as they are."""

from __future__ import annotations

import json

from builders.dataset.card import normalization_blocks
from evaluation.normalization.baseline import record_path, rules_record

VOLATILE = ("date", "libraries")


def test_committed_rules_record_is_the_measured_one(paths):
    committed = json.loads(record_path(paths).read_text(encoding="utf-8"))
    measured = rules_record(paths, n_resamples=committed["bootstrap"]["n_resamples"])
    assert {k: v for k, v in measured.items() if k not in VOLATILE} == {k: v for k, v in committed.items() if k not in VOLATILE}


def test_card_marks_a_record_on_other_gold_stale_and_shows_agreement():
    record = {"system": "demo", "markdown": "| demo | VALUE |", "gold_fingerprint": "aaa", "command": "plancorpus evaluate-normalization"}
    agreement = {"items_compared": 4, "second_annotators": ["ann-N9, an AI annotator"],
                 "per_label": {"DATE": {"spans": 4, "span_exact_agreement": 0.75, "fields": {"date_from": 1.0, "date_to": 0.75}}}}
    blocks = normalization_blocks({"records": [record], "agreement": agreement, "gold_fingerprint": "aaa"})
    assert blocks["normalization_baselines"] == "| demo | VALUE |"
    assert "| DATE | `date_to` | 4 | 0.750 |" in blocks["normalization_agreement"] and "ann-N9" in blocks["normalization_agreement"]
    stale = normalization_blocks({"records": [record], "agreement": None, "gold_fingerprint": "bbb"})
    assert "**Stale**" in stale["normalization_baselines"] and "Not yet measured" in stale["normalization_agreement"]
    assert "Not yet run" in normalization_blocks(None)["normalization_baselines"]
