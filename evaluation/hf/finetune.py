"""Fine-tune any local token-classification checkpoint on the dataset, one
character per token, and score it with the project's scorer.

    python -m evaluation.hf.finetune --model PATH/TO/CHECKPOINT --out runs/bert \
        [--config spans] [--epochs 3] [--learning-rate 5e-5] [--warmup-ratio 0] [--batch-size 16] [--seed 0]

PATH is a local directory with a model and its tokenizer (a BERT-style
Chinese checkpoint you downloaded yourself, or one built locally): nothing is
fetched. The classification head is (re)built for the dataset's BIO tags.
The script trains on `train`, evaluates on `validation` each epoch with
`compute_metrics` (the scorer's strict numbers, not token accuracy), saves
model and tokenizer to OUT, and prints the strict scores on `test`. Then
`plancorpus evaluate --model hf:OUT` scores it like any other model.
Deterministic on CPU for a given seed (transformers' `set_seed`, one thread).
"""

from __future__ import annotations

import argparse
import inspect
import json
from collections.abc import Sequence
from pathlib import Path

from builders.annotation.labels import load_labels
from evaluation.hf.chars import IGNORE, encode
from evaluation.scorer import Entity, score
from evaluation.tags import bio_to_spans, spans_to_bio


def strict_metrics(gold_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]]) -> dict[str, float]:
    """The scorer's strict micro and per-label P/R/F1 over sequences of
    per-character BIO tags (sequence i is unit `i`)."""
    gold = [Entity(str(i), s, e, label) for i, tags in enumerate(gold_tags) for s, e, label in bio_to_spans(tags)]
    pred = [Entity(str(i), s, e, label) for i, tags in enumerate(pred_tags) for s, e, label in bio_to_spans(tags)]
    strict = score(gold, pred)["strict"]
    metrics = {"strict_micro_precision": strict.micro.precision, "strict_micro_recall": strict.micro.recall,
               "strict_micro_f1": strict.micro.f1, "strict_macro_f1": strict.macro.f1}
    metrics.update({f"strict_f1_{label}": row.f1 for label, row in strict.per_label.items()})
    return metrics


def make_compute_metrics(id2label: dict[int, str]):
    """A `compute_metrics` for `transformers.Trainer`: the tokens whose label
    is not -100 are the characters (first subwords), in order; their tags
    become spans and the scorer gives strict numbers."""
    import numpy as np

    def compute_metrics(eval_prediction) -> dict[str, float]:
        logits, labels = eval_prediction.predictions, eval_prediction.label_ids
        predicted = np.asarray(logits).argmax(-1)
        gold_tags, pred_tags = [], []
        for row_pred, row_gold in zip(predicted, np.asarray(labels)):
            keep = row_gold != IGNORE
            gold_tags.append([id2label[int(t)] for t in row_gold[keep]])
            pred_tags.append([id2label[int(t)] for t in row_pred[keep]])
        return strict_metrics(gold_tags, pred_tags)

    return compute_metrics


def encode_units(tokenizer, units, tag_ids: dict[str, int], max_length: int = 512) -> list[dict]:
    """Training features: every unit, one character per word, BIO labels on
    first subwords. A unit longer than the model takes is truncated."""
    rows = []
    for unit in units:
        tags = spans_to_bio(len(unit.text), [(e.start, e.end, e.label) for e in unit.entities])
        encoding = encode(tokenizer, list(unit.text), [tag_ids[t] for t in tags], max_length)
        encoding.pop("char_of_token")
        rows.append(encoding)
    return rows


def finetune(train_units, dev_units, checkpoint: Path, out_dir: Path, epochs: float = 3.0, learning_rate: float = 5e-5,
             batch_size: int = 16, seed: int = 0, max_steps: int = -1, warmup_ratio: float = 0.0) -> dict[str, float]:
    """Fine-tune `checkpoint` on `train_units`, evaluate on `dev_units`, save
    to `out_dir`. Returns the last evaluation's metrics."""
    import torch
    from transformers import (
        AutoModelForTokenClassification,
        AutoTokenizer,
        DataCollatorForTokenClassification,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    torch.set_num_threads(1)
    set_seed(seed)
    tags = list(load_labels().bio_tags)
    id2label = dict(enumerate(tags))
    label2id = {t: i for i, t in id2label.items()}
    tokenizer = AutoTokenizer.from_pretrained(str(checkpoint), local_files_only=True)
    model = AutoModelForTokenClassification.from_pretrained(
        str(checkpoint), num_labels=len(tags), id2label=id2label, label2id=label2id,
        ignore_mismatched_sizes=True, local_files_only=True,
    )
    max_length = min(512, getattr(model.config, "max_position_embeddings", 512))
    # transformers 5 reads a float warmup_steps in [0, 1) as a share of the
    # steps and has no warmup_ratio; 4.x has warmup_ratio.
    warmup = ({"warmup_ratio": warmup_ratio} if "warmup_ratio" in inspect.signature(TrainingArguments).parameters
              else {"warmup_steps": float(warmup_ratio)})
    args = TrainingArguments(
        output_dir=str(Path(out_dir) / "checkpoints"), num_train_epochs=epochs, max_steps=max_steps,
        learning_rate=learning_rate, **warmup, per_device_train_batch_size=batch_size,
        per_device_eval_batch_size=batch_size,
        seed=seed, data_seed=seed, eval_strategy="epoch", save_strategy="no", logging_strategy="no",
        report_to=[], use_cpu=True, disable_tqdm=True, dataloader_num_workers=0,
    )
    trainer = Trainer(
        model=model, args=args,
        train_dataset=encode_units(tokenizer, train_units, label2id, max_length),
        eval_dataset=encode_units(tokenizer, dev_units, label2id, max_length),
        data_collator=DataCollatorForTokenClassification(tokenizer, label_pad_token_id=IGNORE),
        compute_metrics=make_compute_metrics(id2label),
    )
    trainer.train()
    metrics = trainer.evaluate()
    trainer.save_model(str(out_dir))
    tokenizer.save_pretrained(str(out_dir))
    return metrics


def main(argv: list[str] | None = None) -> int:
    from evaluation.inputs import load_gold
    from evaluation.models.hf import hf_model
    from evaluation.models import predict

    parser = argparse.ArgumentParser(prog="python -m evaluation.hf.finetune", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="a local checkpoint directory (model and tokenizer)")
    parser.add_argument("--out", required=True, help="where the fine-tuned model and tokenizer are saved")
    parser.add_argument("--root", default=".", help="the dataset folder (default: the current one)")
    parser.add_argument("--config", default="spans", help="spans (default) or fold-<plan id> (then no validation: train is used)")
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--max-steps", type=int, default=-1, help="stop after this many steps (default: run the epochs)")
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--warmup-ratio", type=float, default=0.0,
                        help="share of the steps with a rising learning rate (a model trained from scratch needs some)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    train = load_gold(root, args.config, "train")
    dev = load_gold(root, args.config, "validation") if args.config == "spans" else train
    metrics = finetune(train, dev, Path(args.model), Path(args.out), args.epochs, args.learning_rate, args.batch_size,
                       args.seed, args.max_steps, args.warmup_ratio)
    print(json.dumps({k: round(v, 4) for k, v in metrics.items() if isinstance(v, float)}, indent=1))
    test = load_gold(root, args.config, "test")
    pred = predict(hf_model(str(args.out)), test)
    strict = score([e for u in test for e in u.entities], pred)["strict"]
    print(f"test: strict micro P {strict.micro.precision:.3f} R {strict.micro.recall:.3f} F1 {strict.micro.f1:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
