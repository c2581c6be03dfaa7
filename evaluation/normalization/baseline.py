"""The rules normalisation baseline: the rule pre-annotator's spans (end to
end) or the gold spans, read by the normaliser of
builders/annotation/normalization/, scored against the reviewed gold and
written as evaluation/results/normalization/rules.json."""

from __future__ import annotations

import bisect
from pathlib import Path

from builders.annotation.normalization.workflow import gold_fingerprint
from builders.io import write_json_atomic
from builders.project import Paths
from evaluation.normalization.loaders import read_gold, rules_predictions
from evaluation.normalization.report import evaluate, make_record
from evaluation.records import library_versions

SYSTEM = "rules"
DESCRIPTION = ("the rule pre-annotator (builders.annotation.prelabel) for the spans and the normaliser "
               "(builders.annotation.normalization) for their meaning; the normaliser proposed the gold's values")


def record_path(paths: Paths) -> Path:
    return paths.results / "normalization" / f"{SYSTEM}.json"


def rules_record(paths: Paths, n_resamples: int = 1000, seed: int = 0) -> dict:
    gold = read_gold(paths)
    given, e2e, units = rules_predictions(paths)
    result = evaluate(gold, given, e2e, n_resamples, seed)
    libraries = ["cn2an", "opencc", "cpca"]
    command = "plancorpus evaluate-normalization" + (f" --bootstrap {n_resamples}" if n_resamples != 1000 else "")
    return make_record(SYSTEM, DESCRIPTION, command, result, gold_fingerprint(paths), sorted(units), library_versions(libraries))


def write_rules_record(paths: Paths, n_resamples: int = 1000) -> tuple[Path, dict]:
    record = rules_record(paths, n_resamples)
    path = record_path(paths)
    write_json_atomic(path, record)
    return path, record


def predictions_record(paths: Paths, predictions: Path, system: str, n_resamples: int = 1000) -> dict:
    """A system's predictions file (loaders.read_predictions) scored like the
    rules baseline: its spans at gold offsets give the given-gold figures,
    all its spans the end-to-end ones."""
    from builders.corpus.store import read_document
    from evaluation.normalization.loaders import read_predictions, reviewed_units

    gold = read_gold(paths)
    plans = sorted({g.doc_id for g in gold})
    units = reviewed_units(paths, plans)
    doc_units = {doc_id: sorted(read_document(paths.corpus, doc_id).units, key=lambda u: u["start"]) for doc_id in plans}
    starts = {doc_id: [u["start"] for u in us] for doc_id, us in doc_units.items()}

    def unit_of(doc_id: str, offset: int) -> int | None:
        i = bisect.bisect_right(starts[doc_id], offset) - 1
        unit = doc_units[doc_id][i] if i >= 0 else None
        return unit["index"] if unit and offset < unit["end"] else None

    pred = [p for p in read_predictions(predictions, units, unit_of) if p.unit in set(units[p.doc_id])]
    result = evaluate(gold, pred, pred, n_resamples)
    command = f"plancorpus evaluate-normalization --predictions {predictions} --system {system}"
    from builders.io import sha256_bytes

    record = make_record(system, f"predictions file {predictions.name}", command, result, gold_fingerprint(paths), plans,
                         library_versions([]))
    record["predictions_sha256"] = sha256_bytes(predictions.read_bytes())
    return record
