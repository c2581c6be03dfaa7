"""Baselines, each reproducible from one command (`plancorpus baselines`):

- `rules`: the built-in rule pre-annotator (`evaluation.models.rules`);
- `jieba`: a reference from a tool nobody here wrote (`evaluation.models.jieba`);
- `spacy`: a spaCy NER pipeline (blank zh, one token per character) trained on
  the train split with `evaluation/configs/spacy_ner.cfg`, fixed seed, on CPU;
  also run leave-one-plan-out (`fold-<plan>` configs) for mean and spread.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from builders.annotation.labels import Span
from builders.interchange.base import AnnotatedText
from builders.interchange.spacy import to_docbin
from builders.io import write_bytes_atomic, write_json_atomic
from evaluation.inputs import load_gold
from evaluation.run import evaluate as run_evaluate
from evaluation.run import write_reports

CONFIG = Path(__file__).parent / "configs" / "spacy_ner.cfg"


RESULTS = Path(__file__).parent / "results"


def _docbin(units, path: Path) -> None:
    items = [AnnotatedText(u.id, u.text, tuple(Span(e.start, e.end, e.label) for e in u.entities)) for u in units]
    write_bytes_atomic(path, to_docbin(items))


def train_spacy(train_units, dev_units, out_dir: Path, seed: int = 0, max_steps: int | None = None) -> Path:
    """Train the spaCy baseline; returns the pipeline directory (model-best)."""
    from spacy.cli.train import train

    out_dir = Path(out_dir)
    corpus = out_dir / "corpus"
    _docbin(train_units, corpus / "train.spacy")
    _docbin(dev_units, corpus / "dev.spacy")
    overrides = {
        "paths.train": str(corpus / "train.spacy"),
        "paths.dev": str(corpus / "dev.spacy"),
        "system.seed": seed,
    }
    if max_steps is not None:
        overrides["training.max_steps"] = max_steps
    train(CONFIG, out_dir / "pipeline", overrides=overrides)
    return out_dir / "pipeline" / "model-best"


def _row(name: str, evaluation) -> dict:
    strict = evaluation.scores["strict"]
    return {
        "model": name,
        "split": evaluation.split,
        "strict_micro_f1": round(strict.micro.f1, 4),
        "strict_macro_f1": round(strict.macro.f1, 4),
        "partial_micro_f1": round(evaluation.scores["partial"].micro.f1, 4),
        "per_label_strict_f1": {label: round(s.f1, 4) for label, s in strict.per_label.items()},
        "ci95_strict_micro_f1": (
            [round(evaluation.bootstrap.intervals["strict"]["micro"]["f1"].low, 4),
             round(evaluation.bootstrap.intervals["strict"]["micro"]["f1"].high, 4)]
            if evaluation.bootstrap else None
        ),
    }


def markdown_table(rows: list[dict], folds: dict | None) -> str:
    labels = list(rows[0]["per_label_strict_f1"]) if rows else []
    lines = [
        "Strict span F1 in % (SemEval-2013 strict: exact boundaries and label), micro with its 95% bootstrap "
        "interval over units; `plancorpus baselines` reproduces the table.",
        "",
        "| model | split | micro F1 (95% CI) | macro F1 | partial micro F1 | " + " | ".join(labels) + " |",
        "|---|---|---|---|---|" + "---|" * len(labels),
    ]
    for r in rows:
        ci = f" ({100 * r['ci95_strict_micro_f1'][0]:.1f}–{100 * r['ci95_strict_micro_f1'][1]:.1f})" if r["ci95_strict_micro_f1"] else ""
        lines.append(
            f"| {r['model']} | {r['split']} | {100 * r['strict_micro_f1']:.1f}{ci} | {100 * r['strict_macro_f1']:.1f} | "
            f"{100 * r['partial_micro_f1']:.1f} | " + " | ".join(f"{100 * r['per_label_strict_f1'][l]:.1f}" for l in labels) + " |"
        )
    if folds:
        scores = [f["strict_micro_f1"] for f in folds.values()]
        lines += [
            "",
            f"spaCy leave-one-plan-out (train on four plans, test on the fifth): strict micro F1 mean "
            f"{100 * statistics.mean(scores):.1f}, standard deviation {100 * statistics.pstdev(scores):.1f}, "
            f"range {100 * min(scores):.1f}–{100 * max(scores):.1f} over {len(scores)} folds.",
            "",
            "| held-out plan | strict micro F1 |",
            "|---|---|",
        ] + [f"| {plan} | {100 * f['strict_micro_f1']:.1f} |" for plan, f in sorted(folds.items())]
    return "\n".join(lines) + "\n"


def run_baselines(root: Path, work_dir: Path | None = None, folds: bool = True, seed: int = 0, max_steps: int | None = None,
                  progress=lambda items: items, log=print) -> dict:
    """Score rules, jieba and spaCy on validation and test; spaCy also
    leave-one-plan-out. Writes evaluation/results/baselines.json (the dataset
    card reads its Markdown)."""
    def evaluate(root, model, config="spans", split="test", progress=progress, n_resamples=1000):
        evaluation, units = run_evaluate(root, model=model, config=config, split=split, progress=progress, n_resamples=n_resamples)
        name = model.split(":")[0] if not model.startswith("spacy:") else ("spacy" if config == "spans" else f"spacy-{config}")
        write_reports(evaluation, units, reports_dir, f"{name}.{config}.{split}")
        return evaluation, units

    root = Path(root).resolve()
    work_dir = Path(work_dir or tempfile.mkdtemp(prefix="spacy-baseline-"))
    reports_dir = root / "evaluation" / "reports"
    rows = []
    for model in ("rules", "jieba"):
        for split in ("validation", "test"):
            evaluation, _ = evaluate(root, model=model, split=split, progress=progress)
            rows.append(_row(model, evaluation))
            log(f"{model} {split}: strict micro F1 {rows[-1]['strict_micro_f1']:.3f}")
    pipeline = train_spacy(load_gold(root, split="train"), load_gold(root, split="validation"), work_dir / "main", seed, max_steps)
    for split in ("validation", "test"):
        evaluation, _ = evaluate(root, model=f"spacy:{pipeline}", split=split, progress=progress)
        rows.append(_row("spacy (char NER)", evaluation))
        log(f"spacy {split}: strict micro F1 {rows[-1]['strict_micro_f1']:.3f}")
    fold_results = {}
    if folds:
        import yaml

        plans = [p["id"] for p in yaml.safe_load((root / "seeds" / "plans.yaml").read_text(encoding="utf-8"))]
        for plan in plans:
            config = f"fold-{plan}"
            train_units = load_gold(root, config, "train")
            # No plan is left for a dev set: model selection on the training
            # plans themselves, then scored on the held-out plan.
            fold_pipeline = train_spacy(train_units, train_units, work_dir / config, seed, max_steps)
            evaluation, _ = evaluate(root, model=f"spacy:{fold_pipeline}", config=config, split="test", progress=progress, n_resamples=0)
            fold_results[plan] = {"strict_micro_f1": round(evaluation.scores["strict"].micro.f1, 4)}
            log(f"fold {plan}: strict micro F1 {fold_results[plan]['strict_micro_f1']:.3f}")
    result = {
        "config": str(CONFIG.relative_to(root)) if CONFIG.is_relative_to(root) else str(CONFIG),
        "seed": seed,
        "rows": rows,
        "folds": fold_results,
        "markdown": markdown_table(rows, fold_results),
    }
    write_json_atomic(RESULTS / "baselines.json", result)
    return result

