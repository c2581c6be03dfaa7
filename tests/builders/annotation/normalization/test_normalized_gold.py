"""The committed normalised gold: valid fields, every VALUE and DATE span of
the reviewed span gold covered, the proposal and its outcome recorded."""

from __future__ import annotations

from builders.annotation.normalization.model import FIELDS, LABEL_FIELDS, check_fields
from builders.annotation.normalization.second import span_key
from builders.annotation.normalization.workflow import gold_path, plan_spans
from builders.io import read_jsonl

COVERED = ("VALUE", "DATE")  # DEPT is not normalised yet (see annotations/normalized/README.md)


def test_normalized_gold_is_valid_and_complete(paths):
    for plan in plan_spans(paths):
        path = gold_path(paths, plan.doc.doc_id)
        records = {row["item"]: (line, row) for line, row in read_jsonl(path)}
        expected = {span_key(plan.doc.doc_id, s["start"], s["end"]): s for s in plan.spans if s["label"] in COVERED}
        assert set(records) == set(expected), path
        for item, (line, row) in records.items():
            where = f"{path}:{line}"
            span = expected[item]
            assert row["label"] == span["label"] and row["text"] == plan.doc.text[span["start"] : span["end"]], where
            assert set(row["normalized"]) == set(FIELDS), where
            assert row["outcome"] in ("accepted", "corrected", "unresolvable"), where
            assert "AI annotator" in row["annotator"], where
            if row["status"] == "unresolvable":
                assert row["reason"] and all(v is None for v in row["normalized"].values()), where
            else:
                assert check_fields(row["label"], row["normalized"]) == [], where
            if row["outcome"] == "accepted":
                proposed = row["proposal"]["fields"]
                assert row["proposal"]["reason"] is None
                assert {k: row["normalized"][k] for k in LABEL_FIELDS[row["label"]]} == proposed, where
