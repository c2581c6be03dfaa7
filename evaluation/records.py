"""Result records: one JSON file per system in evaluation/results/, holding
everything needed to reproduce and compare its scores.

A record says what was run (system, model spec, parameters, the command,
library versions, seeds), on what (the gold fingerprint, config and split or
folds, the sha256 of the predictions) and what came out (P/R/F1 per scheme,
micro, macro and per label, with the bootstrap interval of a single run), and
a summary: mean ± sample standard deviation over seeds, or over folds.

The dataset card's table is generated from these files by
`builders.dataset.results`, which reads them as plain data and marks a record
stale when its gold fingerprint is not the published gold's. Records are
written atomically; the `date` is the only field that changes on a rerun
with the same inputs.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.metadata
import platform
import re
import statistics
from collections.abc import Iterable
from pathlib import Path

from builders.dataset.results import RECORD_SCHEMA, combined_fingerprint, gold_fingerprint
from builders.io import write_json_atomic
from evaluation.scorer import SCHEMES, Entity

RESULTS = Path(__file__).parent / "results"


def units_fingerprint(units: Iterable) -> str:
    """The gold fingerprint of GoldUnits, as the card computes it from a
    plan's rows; `combined_fingerprint` of the plans' ones for a release."""
    return gold_fingerprint((u.id, u.text, [(e.start, e.end, e.label) for e in u.entities]) for u in units)


def release_fingerprint(units: Iterable) -> str:
    """The gold fingerprint of a set of units from several plans, per plan
    then combined, exactly as the card computes it."""
    by_plan: dict[str, list] = {}
    for unit in units:
        by_plan.setdefault(unit.doc_id, []).append(unit)
    return combined_fingerprint({plan: units_fingerprint(members) for plan, members in by_plan.items()})


def published_gold_fingerprint(root: Path, cache_dir: str | None = None) -> str:
    """Fingerprint of all published gold (every split of the `spans` config)."""
    import datasets

    from evaluation.inputs import load_gold

    splits = datasets.get_dataset_split_names(str(Path(root).resolve()), "spans")
    return release_fingerprint(u for split in splits for u in load_gold(root, "spans", split, cache_dir=cache_dir))


def predictions_sha256(entities: Iterable[Entity]) -> str:
    """sha256 of the predictions in a canonical order, one `unit start end
    label` line each: equal predictions hash equal whatever their source."""
    lines = sorted(f"{e.doc_id}\t{e.start}\t{e.end}\t{e.label}\n" for e in entities)
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def library_versions(names: Iterable[str]) -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _r(value: float) -> float:
    return round(value, 4)


def run_entry(evaluation, seed: int | None, pred: list[Entity]) -> dict:
    """One evaluation run as a record entry: config, split, seed, the
    predictions' hash, scores per scheme and label, and bootstrap intervals."""
    scores = {}
    for scheme in SCHEMES:
        s = evaluation.scores[scheme]
        scores[scheme] = {
            "micro": {"precision": _r(s.micro.precision), "recall": _r(s.micro.recall), "f1": _r(s.micro.f1)},
            "macro": {"precision": _r(s.macro.precision), "recall": _r(s.macro.recall), "f1": _r(s.macro.f1)},
            "per_label": {
                label: {"precision": _r(row.precision), "recall": _r(row.recall), "f1": _r(row.f1),
                        "gold": row.possible, "predicted": row.actual}
                for label, row in s.per_label.items()
            },
        }
    entry = {
        "config": evaluation.config,
        "split": evaluation.split,
        "seed": seed,
        "n_gold": evaluation.scores.n_gold,
        "n_pred": evaluation.scores.n_pred,
        "predictions_sha256": predictions_sha256(pred),
        "scores": scores,
    }
    if evaluation.bootstrap:
        intervals = evaluation.bootstrap.intervals["strict"]
        entry["ci95_strict_f1"] = {
            average: [_r(intervals[average]["f1"].low), _r(intervals[average]["f1"].high)] for average in intervals
        }
        entry["bootstrap"] = {"n_resamples": evaluation.bootstrap.n_resamples, "seed": evaluation.bootstrap.seed,
                              "n_units": evaluation.bootstrap.n_units}
    return entry


def _headline(entry: dict) -> dict[str, float]:
    strict = entry["scores"]["strict"]
    values = {
        "strict_micro_f1": strict["micro"]["f1"],
        "strict_macro_f1": strict["macro"]["f1"],
        "partial_micro_f1": entry["scores"]["partial"]["micro"]["f1"],
    }
    values.update({f"strict_f1_{label}": row["f1"] for label, row in strict["per_label"].items()})
    return values


def spread(values: list[float]) -> dict:
    """Mean and sample standard deviation (0 for a single value)."""
    return {"mean": _r(statistics.mean(values)), "sd": _r(statistics.stdev(values)) if len(values) > 1 else 0.0,
            "n": len(values)}


def summarise(runs: list[dict]) -> dict:
    """Per split, each headline figure as mean ± sd over seeds (a single run
    keeps its bootstrap interval); `folds` as mean ± sd over held-out plans."""
    summary: dict[str, dict] = {}
    main = [r for r in runs if not r["config"].startswith("fold-")]
    for split in sorted({r["split"] for r in main}):
        entries = [r for r in main if r["split"] == split]
        headlines = [_headline(r) for r in entries]
        summary[split] = {key: spread([h[key] for h in headlines]) for key in headlines[0]}
        if len(entries) == 1 and "ci95_strict_f1" in entries[0]:
            summary[split]["strict_micro_f1"]["ci95"] = entries[0]["ci95_strict_f1"]["micro"]
    folds = [r for r in runs if r["config"].startswith("fold-")]
    if folds:
        per_fold: dict[str, list[float]] = {}
        for r in folds:
            per_fold.setdefault(r["config"][len("fold-"):], []).append(r["scores"]["strict"]["micro"]["f1"])
        means = {plan: _r(statistics.mean(v)) for plan, v in sorted(per_fold.items())}
        summary["folds"] = {"strict_micro_f1": spread(list(means.values())), "per_fold": means}
    return summary


def make_record(system: str, model: str, parameters: dict, command: str, seeds: list[int], runs: list[dict],
                gold: str, libraries: Iterable[str] = (), description: str = "", caveat: str = "") -> dict:
    from evaluation import __version__

    return {
        "schema": RECORD_SCHEMA,
        "system": system,
        "description": description,
        **({"caveat": caveat} if caveat else {}),
        "model": model,
        "version": __version__,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command,
        "parameters": parameters,
        "seeds": seeds,
        "libraries": library_versions(libraries),
        "gold_fingerprint": gold,
        "offsets": "Unicode code points, half-open [start, end)",
        "runs": runs,
        "summary": summarise(runs),
    }


def record_path(system: str, folder: Path = RESULTS) -> Path:
    return Path(folder) / (re.sub(r"[^A-Za-z0-9._-]+", "-", system).strip("-") + ".json")


def write_record(record: dict, folder: Path = RESULTS) -> Path:
    path = record_path(record["system"], folder)
    write_json_atomic(path, record)
    return path
