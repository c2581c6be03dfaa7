"""Baselines, each reproducible from one command (`plancorpus baselines`):

- `rules`: the built-in rule pre-annotator (`evaluation.models.rules`);
- `jieba`: a reference from a tool nobody here wrote (`evaluation.models.jieba`);
- `spacy`: a spaCy NER pipeline (blank zh, one token per character) trained on
  the train split with `evaluation/configs/spacy_ner.cfg` on CPU, once per
  seed (mean ± sd over seeds); also leave-one-plan-out (`fold-<plan>`).

Each system's runs go to one result record, evaluation/results/<system>.json
(`evaluation.records`); the next `plancorpus build` puts them on the card.
Training is made as deterministic as the libraries allow: one thread for
the linear algebra, fixed seeds.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from builders.annotation.labels import Span
from builders.interchange.base import AnnotatedText
from builders.interchange.spacy import to_docbin
from builders.io import write_bytes_atomic
from evaluation.inputs import load_gold
from evaluation.records import make_record, published_gold_fingerprint, run_entry, write_record
from evaluation.run import evaluate as run_evaluate
from evaluation.run import write_reports

CONFIG = Path(__file__).parent / "configs" / "spacy_ner.cfg"

SYSTEMS = ("rules", "jieba", "crf", "spacy")
DESCRIPTIONS = {
    "rules": "the rule pre-annotator (builders.annotation.prelabel); annotators saw its output as a suggestion",
    "jieba": "jieba.posseg tags mapped to labels (evaluation.models.jieba); never predicts INDICATOR",
}


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


def plan_ids(root: Path) -> list[str]:
    import yaml

    return [p["id"] for p in yaml.safe_load((Path(root) / "seeds" / "plans.yaml").read_text(encoding="utf-8"))]


def _single_thread() -> None:
    # Multi-threaded BLAS sums in a varying order; one thread makes reruns
    # repeat to the last bit where the library allows it.
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass


def run_baselines(root: Path, work_dir: Path | None = None, folds: bool = True, seeds: list[int] | tuple[int, ...] = (0, 1, 2),
                  max_steps: int | None = None, systems: tuple[str, ...] = SYSTEMS, results_dir: Path | None = None,
                  progress=lambda items: items, log=print, n_resamples: int = 1000) -> dict[str, dict]:
    """Run each system on validation and test (learned ones once per seed,
    and leave-one-plan-out unless `folds` is false) and write one result
    record per system. Returns the records by system."""
    from evaluation.records import RESULTS

    root = Path(root).resolve()
    results_dir = Path(results_dir or RESULTS)
    work_dir = Path(work_dir or tempfile.mkdtemp(prefix="baselines-"))
    reports_dir = root / "evaluation" / "reports"
    gold = published_gold_fingerprint(root)
    _single_thread()
    records = {}
    seeds = list(seeds)

    def scored(name, model, config, split, seed, resamples=n_resamples):
        evaluation, units = run_evaluate(root, model=model, config=config, split=split, progress=progress, n_resamples=resamples)
        stem = f"{name}.{config}.{split}" + (f".seed{seed}" if seed is not None else "")
        write_reports(evaluation, units, reports_dir, stem)
        pred = list(evaluation.alignment.spurious) + [p for _, p in evaluation.alignment.pairs]
        log(f"{name} {config}/{split}" + (f" seed {seed}" if seed is not None else "") +
            f": strict micro F1 {evaluation.scores['strict'].micro.f1:.3f}")
        return run_entry(evaluation, seed, pred)

    command = "plancorpus baselines --systems {name}" + ("" if folds else " --no-folds")
    for name in ("rules", "jieba"):
        if name in systems:
            runs = [scored(name, name, "spans", split, None) for split in ("validation", "test")]
            records[name] = make_record(name, name, {}, command.format(name=name), [], runs, gold,
                                        ["jieba"] if name == "jieba" else [], DESCRIPTIONS[name])
    if "crf" in systems:
        from evaluation.models.crf import CONFIG as CRF_CONFIG
        from evaluation.models.crf import load_crf_config, train_crf

        parameters = load_crf_config()
        runs = []
        # python-crfsuite's L-BFGS training has no random state: one run per
        # split is the whole distribution (the seed is recorded as None).
        model_path = train_crf(load_gold(root, split="train"), work_dir / "crf" / "main.crfsuite", parameters)
        runs += [scored("crf", f"crf:{model_path}", "spans", split, None) for split in ("validation", "test")]
        if folds:
            for plan in plan_ids(root):
                config = f"fold-{plan}"
                fold_model = train_crf(load_gold(root, config, "train"), work_dir / "crf" / f"{config}.crfsuite", parameters)
                runs.append(scored("crf", f"crf:{fold_model}", config, "test", None, resamples=0))
        records["crf"] = make_record(
            "crf", "crf", {"config": str(CRF_CONFIG.relative_to(root)) if CRF_CONFIG.is_relative_to(root) else str(CRF_CONFIG),
                           **parameters}, command.format(name="crf"), [], runs, gold, ["python-crfsuite"],
            "linear-chain CRF over character features (python-crfsuite, L-BFGS), BIO tags per character")
    if "spacy" in systems:
        runs = []
        for seed in seeds:
            pipeline = train_spacy(load_gold(root, split="train"), load_gold(root, split="validation"), work_dir / f"spacy-seed{seed}", seed, max_steps)
            runs += [scored("spacy", f"spacy:{pipeline}", "spans", split, seed) for split in ("validation", "test")]
        if folds:
            for plan in plan_ids(root):
                config = f"fold-{plan}"
                train_units = load_gold(root, config, "train")
                # No plan is left for a dev set: model selection on the training
                # plans themselves, then scored on the held-out plan.
                fold_pipeline = train_spacy(train_units, train_units, work_dir / config, seeds[0], max_steps)
                runs.append(scored("spacy", f"spacy:{fold_pipeline}", config, "test", seeds[0], resamples=0))
        parameters = {"config": str(CONFIG.relative_to(root)) if CONFIG.is_relative_to(root) else str(CONFIG), "max_steps": max_steps}
        records["spacy"] = make_record(
            "spacy", "spacy", parameters, command.format(name="spacy") + " --seeds " + " ".join(map(str, seeds)), seeds, runs, gold,
            ["spacy", "thinc"], "spaCy NER (blank zh, one token per character), trained on train, model-best on validation")
    for record in records.values():
        write_record(record, results_dir)
    return records
