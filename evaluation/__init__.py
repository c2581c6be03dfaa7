"""Evaluation: score extraction models against the gold spans.

Takes: the published dataset (`data/`, through `datasets`) and predictions,
from a JSONL file or a model in `evaluation.models`. Gives: scores, bootstrap
intervals and reports (`evaluation.report`); baselines on the card. It comes
last: nothing in `builders` imports it except the command line.

    scorer     the SemEval-2013 schemes, per label, plan; bootstrap
    inputs     gold from the dataset; predictions as offsets, strings, ids or BIO tags
    tags       per-character BIO tags and spans, both ways
    relations  relation scoring (strict, relaxed, per type, role, kind) and the rules relation baseline
    run        one evaluation run, end to end
    baselines  the reproducible baselines (rules, jieba, CRF, spaCy)
    records    result records: one JSON per system in evaluation/results/
    compare    two systems on the same units: paired bootstrap
    hf/        the transformers path: characters as tokens, fine-tuning
    models/    one module per model family
    report/    JSON, Markdown and HTML reports

Offsets are Unicode code points, half-open [start, end).
"""

from builders import __version__  # one version for the whole package

__all__ = ["__version__"]
