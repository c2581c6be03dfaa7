"""Benchmark the scorer against seqeval and nervaluate on one synthetic corpus.

    python evaluation/benchmarks/bench_scorer.py [--units 20000] [--length 50] [--runs 5]

The corpus has 20,000 units of 50 characters (1,000,000 character tokens) and
the labels of annotations/labels.yaml. Gold spans do not overlap. Predictions
perturb them: most are kept, and some get shifted boundaries, a swapped label,
or are dropped, and spurious spans are added. Predictions are kept
non-overlapping, so the same data can be written as BIO for seqeval.

Each tool gets its own input format, built before timing: Entity lists for this
scorer, BIO sequences for seqeval, inclusive-end dicts for nervaluate. The
timings are medians over `--runs` runs in this process. Strict P/R/F1 depend
only on COR and the numbers of gold spans and predictions. Predictions do not
overlap each other, so no other prediction can take a gold span away from its
identical prediction (N2 in evaluation/scorer.py), and COR, hence the strict
figures, must agree across the three tools. The script checks this and exits 1
if they differ. The type scheme may differ from nervaluate (N2-N4).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from builders.annotation.labels import load_labels  # noqa: E402
from evaluation.scorer import Entity, score  # noqa: E402


def synthetic_corpus(n_units: int, length: int, labels: tuple[str, ...], seed: int = 13):
    """Gold and perturbed predicted Entity lists over `n_units` units of `length` chars."""
    rng = random.Random(seed)
    gold: list[Entity] = []
    pred: list[Entity] = []
    for u in range(n_units):
        doc_id = f"unit-{u:06d}"
        unit_gold = []
        pos = rng.randint(0, 4)
        while True:
            size = rng.randint(2, 8)
            if pos + size > length:
                break
            unit_gold.append((pos, pos + size, rng.choice(labels)))
            pos += size + rng.randint(1, 8)
        unit_pred = []
        for start, end, label in unit_gold:
            roll = rng.random()
            if roll < 0.70:  # kept as is
                unit_pred.append((start, end, label))
            elif roll < 0.80:  # boundary moved by one or two characters
                start = max(0, start + rng.choice((-2, -1, 0, 1)))
                end = min(length, end + rng.choice((-1, 0, 1, 2)))
                if start < end:
                    unit_pred.append((start, end, label))
            elif roll < 0.88:  # label swapped
                unit_pred.append((start, end, rng.choice([x for x in labels if x != label])))
            # else dropped
        for _ in range(rng.randint(0, 1)):  # spurious span somewhere
            start = rng.randrange(0, length - 2)
            unit_pred.append((start, start + rng.randint(1, 3), rng.choice(labels)))
        # Keep predictions well-formed BIO: drop any span overlapping an earlier one.
        unit_pred.sort()
        kept, last_end = [], 0
        for start, end, label in unit_pred:
            if start >= last_end:
                kept.append((start, end, label))
                last_end = end
        gold += [Entity(doc_id, s, e, lab) for s, e, lab in unit_gold]
        pred += [Entity(doc_id, s, e, lab) for s, e, lab in kept]
    return gold, pred


def to_bio(entities: list[Entity], unit_ids: list[str], length: int) -> list[list[str]]:
    index = {u: i for i, u in enumerate(unit_ids)}
    sequences = [["O"] * length for _ in unit_ids]
    for e in entities:
        tags = sequences[index[e.doc_id]]
        tags[e.start] = f"B-{e.label}"
        for i in range(e.start + 1, e.end):
            tags[i] = f"I-{e.label}"
    return sequences


def to_nervaluate(entities: list[Entity], unit_ids: list[str]) -> list[list[dict]]:
    index = {u: i for i, u in enumerate(unit_ids)}
    docs: list[list[dict]] = [[] for _ in unit_ids]
    for e in entities:  # nervaluate's dict `end` is inclusive
        docs[index[e.doc_id]].append({"label": e.label, "start": e.start, "end": e.end - 1})
    return docs


def median_time(fn, runs: int):
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--length", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from nervaluate import Evaluator
    from seqeval.metrics import classification_report, f1_score
    from seqeval.scheme import IOB2

    labels = load_labels().names
    gold, pred = synthetic_corpus(args.units, args.length, labels)
    unit_ids = [f"unit-{u:06d}" for u in range(args.units)]
    y_true, y_pred = to_bio(gold, unit_ids, args.length), to_bio(pred, unit_ids, args.length)
    n_true, n_pred = to_nervaluate(gold, unit_ids), to_nervaluate(pred, unit_ids)
    print(
        f"corpus: {args.units:,} units x {args.length} chars = {args.units * args.length:,} character tokens; "
        f"{len(gold):,} gold spans, {len(pred):,} predicted spans; labels {', '.join(labels)}"
    )

    def run_seqeval():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = classification_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True)
            return report, f1_score(y_true, y_pred, mode="strict", scheme=IOB2)

    def run_nervaluate():
        return Evaluator(n_true, n_pred, tags=list(labels), loader="dict").evaluate()

    t_ours, ours = median_time(lambda: score(gold, pred), args.runs)
    t_seq, (report, seq_f1) = median_time(run_seqeval, args.runs)
    t_ner, ner = median_time(run_nervaluate, args.runs)

    strict = ours["strict"].micro
    ner_strict = ner["overall"]["strict"]
    micro = report["micro avg"]
    print(
        f"strict micro (ours):       COR={strict.correct} INC={strict.incorrect} MIS={strict.missed} "
        f"SPU={strict.spurious} P={strict.precision:.6f} R={strict.recall:.6f} F1={strict.f1:.6f}"
    )
    print(
        f"strict micro (seqeval):    P={micro['precision']:.6f} R={micro['recall']:.6f} "
        f"F1={micro['f1-score']:.6f} f1_score={seq_f1:.6f}"
    )
    print(
        f"strict micro (nervaluate): COR={ner_strict.correct} INC={ner_strict.incorrect} "
        f"MIS={ner_strict.missed} SPU={ner_strict.spurious} "
        f"P={ner_strict.precision:.6f} R={ner_strict.recall:.6f} F1={ner_strict.f1:.6f}"
    )
    agree = (
        (strict.precision, strict.recall, strict.f1)
        == (micro["precision"], micro["recall"], micro["f1-score"])
        == (ner_strict.precision, ner_strict.recall, ner_strict.f1)
        and strict.f1 == seq_f1
        and all(
            (ours["strict"].per_label[lab].precision, ours["strict"].per_label[lab].recall, ours["strict"].per_label[lab].f1)
            == (report[lab]["precision"], report[lab]["recall"], report[lab]["f1-score"])
            for lab in labels
            if lab in report
        )
    )
    print(f"strict numbers identical across tools (micro and per label vs seqeval): {agree}")
    for name, ner_name in (("exact", "exact"), ("partial", "partial"), ("type", "ent_type")):
        o, n = ours[name].micro, ner["overall"][ner_name]
        print(
            f"  {name:8s} ours P/R/F1={o.precision:.6f}/{o.recall:.6f}/{o.f1:.6f}   "
            f"nervaluate {n.precision:.6f}/{n.recall:.6f}/{n.f1:.6f}"
        )
    print(f"timings (median of {args.runs} runs):")
    print(f"  ours, all four schemes:              {t_ours * 1000:9.1f} ms")
    print(f"  seqeval strict (report + f1_score):  {t_seq * 1000:9.1f} ms   ratio seqeval/ours    = {t_seq / t_ours:6.1f}x (target >= 30x)")
    print(f"  nervaluate, all schemes:             {t_ner * 1000:9.1f} ms   ratio nervaluate/ours = {t_ner / t_ours:6.1f}x (target >= 10x)")
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()
