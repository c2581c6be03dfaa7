"""Predictions paired with gold spans: same plan, offsets and label.

Normalisation is judged only on a span both sides have; a predicted span
with other offsets is a span error, counted end to end (strategies.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from evaluation.normalization.loaders import NormSpan


@dataclass(frozen=True)
class Matching:
    pairs: list[tuple[NormSpan, NormSpan]]  # (gold, predicted), in gold order
    missed: list[NormSpan]  # gold spans without a predicted span at the same offsets
    spurious: list[NormSpan]  # predicted spans at no gold span


def match(gold: list[NormSpan], pred: list[NormSpan]) -> Matching:
    by_key = {p.key: p for p in pred}
    gold_keys = {g.key for g in gold}
    pairs = [(g, by_key[g.key]) for g in gold if g.key in by_key]
    missed = [g for g in gold if g.key not in by_key]
    spurious = [p for p in pred if p.key not in gold_keys]
    return Matching(pairs, missed, spurious)
