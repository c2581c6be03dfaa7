"""Baselines, each reproducible from one command (`plancorpus baselines`):

- `rules`: the built-in rule pre-annotator (`evaluation.models.rules`);
- `jieba`: a reference from a tool nobody here wrote (`evaluation.models.jieba`);
- `spacy`: a spaCy NER pipeline (blank zh, one token per character) trained on
  the train split with `evaluation/configs/spacy_ner.cfg` on CPU, once per
  seed (mean ± sd over seeds); also leave-one-plan-out (`fold-<plan>`);
- `crf`: a linear-chain CRF over character features (`evaluation.models.crf`);
- `tiny-bert`: the transformers recipe check: a tiny BERT with random weights
  and a character vocabulary from train (`evaluation.hf.tiny`), fine-tuned
  with `evaluation.hf.finetune` once per seed and scored through `hf:PATH`.
  No pre-training, so it is a floor for the recipe, not a strong model; no
  leave-one-plan-out.

`plancorpus baselines --check` reruns systems into a scratch folder and
compares each run with the committed record's run of the same config, split
and seed (`reproduction_rows`): identical predictions, or the F1 difference
against the record's sd over seeds.

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

SYSTEMS = ("rules", "jieba", "crf", "spacy", "tiny-bert")
TINY_BERT_CAVEAT = "tiny BERT from scratch (recipe check, no pre-training)"
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
                  progress=lambda items: items, log=print, n_resamples: int = 1000,
                  reports_dir: Path | None = None) -> dict[str, dict]:
    """Run each system on validation and test (learned ones once per seed,
    and leave-one-plan-out unless `folds` is false) and write one result
    record per system. Returns the records by system."""
    from evaluation.records import RESULTS

    root = Path(root).resolve()
    results_dir = Path(results_dir or RESULTS)
    work_dir = Path(work_dir or tempfile.mkdtemp(prefix="baselines-"))
    reports_dir = Path(reports_dir or root / "evaluation" / "reports")
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
    if "tiny-bert" in systems:
        from evaluation.hf.finetune import finetune
        from evaluation.hf.tiny import CONFIG as TINY_CONFIG
        from evaluation.hf.tiny import build_tiny_bert, load_tiny_config

        tiny = load_tiny_config()
        training = tiny["training"]
        train_units, dev_units = load_gold(root, split="train"), load_gold(root, split="validation")
        runs = []
        for seed in seeds:
            folder = work_dir / f"tiny-bert-seed{seed}"
            initial = build_tiny_bert(train_units, folder / "initial", seed, tiny)
            finetune(train_units, dev_units, initial, folder / "model", epochs=training["epochs"],
                     learning_rate=training["learning_rate"], batch_size=training["batch_size"], seed=seed,
                     max_steps=max_steps if max_steps is not None else -1, warmup_ratio=training.get("warmup_ratio", 0.0))
            runs += [scored("tiny-bert", f"hf:{folder / 'model'}", "spans", split, seed) for split in ("validation", "test")]
        parameters = {"config": str(TINY_CONFIG.relative_to(root)) if TINY_CONFIG.is_relative_to(root) else str(TINY_CONFIG),
                      "max_steps": max_steps, **tiny}
        records["tiny-bert"] = make_record(
            "tiny-bert", "hf", parameters, "plancorpus baselines --systems tiny-bert --no-folds --seeds " + " ".join(map(str, seeds)),
            seeds, runs, gold, ["torch", "transformers"],
            "a BERT of 2 layers, hidden size 128, random weights, a character vocabulary from train; fine-tuned on train "
            "with python -m evaluation.hf.finetune's recipe, predicted on characters through hf:PATH; model weights are "
            "not kept (rerun the command)", caveat=TINY_BERT_CAVEAT)
    for record in records.values():
        write_record(record, results_dir)
    return records


def reproduction_rows(committed: dict, rerun: dict) -> list[dict]:
    """Each rerun entry against the committed record's entry of the same
    config, split and seed: `identical` when the predictions' sha256 match,
    else the strict micro F1 difference and whether it is within the
    committed sd over seeds for that split (a single-run system has sd 0,
    so only identical predictions reproduce it)."""
    rows = []
    same_gold = committed.get("gold_fingerprint") == rerun.get("gold_fingerprint")
    by_key = {(r["config"], r["split"], r["seed"]): r for r in committed.get("runs", [])}
    for entry in rerun["runs"]:
        key = (entry["config"], entry["split"], entry["seed"])
        before = by_key.get(key)
        f1 = entry["scores"]["strict"]["micro"]["f1"]
        row = {"system": rerun["system"], "config": key[0], "split": key[1], "seed": key[2], "rerun_f1": f1,
               "committed_f1": None, "difference": None, "sd": None, "identical": False, "verdict": ""}
        if not same_gold:
            row["verdict"] = "not comparable: the committed record is on other gold"
        elif before is None:
            row["verdict"] = "not comparable: no committed run with this config, split and seed"
        else:
            summary = committed.get("summary", {}).get(key[1], {}).get("strict_micro_f1", {}) if not key[0].startswith("fold-") else {}
            row.update(committed_f1=before["scores"]["strict"]["micro"]["f1"], sd=summary.get("sd", 0.0),
                       identical=before["predictions_sha256"] == entry["predictions_sha256"])
            row["difference"] = round(f1 - row["committed_f1"], 6)
            row["verdict"] = ("identical predictions" if row["identical"]
                              else "within sd" if abs(row["difference"]) <= row["sd"] else "NOT within sd")
        rows.append(row)
    return rows
