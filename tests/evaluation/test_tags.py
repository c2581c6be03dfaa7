"""Per-character BIO tags and spans, both ways."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.tags import bio_to_spans, spans_to_bio


def test_round_trip_and_lenient_decoding():
    spans = [(0, 4, "DEPT"), (4, 6, "DEPT"), (8, 9, "VALUE")]
    tags = spans_to_bio(10, spans)
    assert tags[:6] == ["B-DEPT", "I-DEPT", "I-DEPT", "I-DEPT", "B-DEPT", "I-DEPT"]
    assert bio_to_spans(tags) == spans
    assert bio_to_spans(["I-DATE", "I-DATE", "I-VALUE", "O"]) == [(0, 2, "DATE"), (2, 3, "VALUE")]


def test_overlapping_or_outside_spans_are_refused():
    with pytest.raises(ValueError, match="overlaps"):
        spans_to_bio(5, [(0, 3, "DEPT"), (2, 4, "DATE")])
    with pytest.raises(ValueError, match="outside"):
        spans_to_bio(3, [(2, 4, "DATE")])


@given(st.lists(st.tuples(st.integers(1, 4), st.integers(0, 3), st.sampled_from(["DEPT", "DATE"])), max_size=6))
def test_any_non_overlapping_spans_survive(pieces):
    spans, cursor = [], 0
    for length, gap, label in pieces:
        spans.append((cursor + gap, cursor + gap + length, label))
        cursor += gap + length
    assert bio_to_spans(spans_to_bio(cursor + 1, spans)) == spans
