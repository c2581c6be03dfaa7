"""One evaluation run: gold from the dataset, predictions from a file or a
model, scores and reports. The CLI's `evaluate` calls `evaluate` here."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from builders.io import write_text_atomic
from evaluation.inputs import ReadPredictions, load_gold, load_scripts, read_prediction_file
from evaluation.models import load_model, predict
from evaluation.report.html import html_report
from evaluation.report.markdown import markdown
from evaluation.report.result import Evaluation
from evaluation.report.slices import all_slices
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
    responses: Path | None = None,
    client=None,
) -> tuple[Evaluation, list]:
    """Score a model or a predictions file on one config and split. An
    `llm:MODEL` is asked through `client` (default: the openai client on the
    configured endpoint); its responses are saved to `responses` and scored
    as a predictions file, so unaligned strings are counted."""
    if (model is None) == (predictions is None):
        raise ValueError("give either a model or a predictions file")
    units = load_gold(root, config, split, cache_dir=cache_dir)
    if model is not None and model.startswith("llm:"):
        from evaluation.models.llm import run_llm

        if responses is None:
            raise ValueError("llm: give a file for the responses")
        train = load_gold(root, config, "train", cache_dir=cache_dir)
        predictions = run_llm(model[len("llm:"):], units, train, responses, client=client, progress=progress)
    gold = [e for u in units for e in u.entities]
    read = ReadPredictions()
    if predictions is not None:
        read = read_prediction_file(predictions, units, lenient=lenient)
        pred = read.entities
        name = model or str(predictions)
    else:
        pred = predict(load_model(model), units, progress)
        name = model
    plan_of = {u.id: u.doc_id for u in units}
    unit_ids = [u.id for u in units]
    alignment = align(gold, pred)
    train = units if split == "train" else load_gold(root, config, "train", cache_dir=cache_dir)
    train_strings = frozenset(u.text[e.start : e.end] for u in train for e in u.entities)
    slices = all_slices(units, gold, pred, train_strings, load_scripts(root, cache_dir=cache_dir))
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
        problems=read.problems,
        unaligned=read.unaligned,
        string_entities=read.string_entities,
        slices=slices,
    )
    return evaluation, units


def write_reports(evaluation: Evaluation, units: list, out_dir: Path, stem: str) -> list[Path]:
    out_dir = Path(out_dir)
    paths = [out_dir / f"{stem}.json", out_dir / f"{stem}.md", out_dir / f"{stem}.html"]
    write_text_atomic(paths[0], json.dumps(evaluation.to_dict(), ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    write_text_atomic(paths[1], markdown(evaluation))
    write_text_atomic(paths[2], html_report(evaluation, units))
    return paths
