"""One evaluation run: gold from the dataset, predictions from a file or a
model, scores and reports. The CLI's `evaluate` calls `evaluate` here."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from builders.io import write_text_atomic
from evaluation.inputs import load_gold, read_predictions
from evaluation.models import load_model, predict
from evaluation.report.html import html_report
from evaluation.report.markdown import markdown
from evaluation.report.result import Evaluation
from evaluation.scorer import (
    align,
    bootstrap,
    boundary_errors,
    confusion_table,
    score,
    score_by,
)


def evaluate(
    root: Path,
    model: str | None = None,
    predictions: Path | None = None,
    config: str = "spans",
    split: str = "test",
    lenient: bool = False,
    n_resamples: int = 1000,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
    cache_dir: str | None = None,
) -> tuple[Evaluation, list]:
    if (model is None) == (predictions is None):
        raise ValueError("give either a model or a predictions file")
    units = load_gold(root, config, split, cache_dir=cache_dir)
    gold = [e for u in units for e in u.entities]
    problems: list[str] = []
    if predictions is not None:
        pred, problems = read_predictions(predictions, units, lenient=lenient)
        name = str(predictions)
    else:
        pred = predict(load_model(model), units, progress)
        name = model
    plan_of = {u.id: u.doc_id for u in units}
    unit_ids = [u.id for u in units]
    alignment = align(gold, pred)
    evaluation = Evaluation(
        model=name,
        config=config,
        split=split,
        scores=score(gold, pred),
        per_plan=score_by(gold, pred, key=plan_of.__getitem__, units=unit_ids),
        bootstrap=bootstrap(gold, pred, units=unit_ids, n_resamples=n_resamples) if n_resamples else None,
        confusion=confusion_table(alignment),
        boundaries=boundary_errors(alignment),
        alignment=alignment,
        problems=problems,
    )
    return evaluation, units


def write_reports(evaluation: Evaluation, units: list, out_dir: Path, stem: str) -> list[Path]:
    out_dir = Path(out_dir)
    paths = [out_dir / f"{stem}.json", out_dir / f"{stem}.md", out_dir / f"{stem}.html"]
    write_text_atomic(paths[0], json.dumps(evaluation.to_dict(), ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    write_text_atomic(paths[1], markdown(evaluation))
    write_text_atomic(paths[2], html_report(evaluation, units))
    return paths
