"""Two systems on the same units: a paired bootstrap (Koehn 2004, in
`evaluation.scorer.paired_bootstrap`) of strict F1, micro, macro and per
label. Each side is a predictions file (any form `evaluation.inputs` reads)
or a model spec; both are scored on the same config and split, and every
resample draws the same units for both."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evaluation.inputs import load_gold, read_prediction_file
from evaluation.models import load_model, predict
from evaluation.report.result import percent
from evaluation.scorer import PairedBootstrapResult, paired_bootstrap


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    config: str
    split: str
    rows: dict[str, PairedBootstrapResult]  # average (micro, macro, label) -> result

    def to_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "config": self.config, "split": self.split,
                "paired_bootstrap": {k: r.to_dict() for k, r in self.rows.items()}}

    def markdown(self) -> str:
        first = next(iter(self.rows.values()))
        lines = [
            f"**A** = `{self.a}`, **B** = `{self.b}` on `{self.config}` / `{self.split}`: strict F1 in %, paired bootstrap "
            f"over {first.n_units} units ({first.n_resamples} resamples, seed {first.seed}). p is the estimated probability "
            "that A is not better than B.",
            "",
            "| average | A | B | A − B | 95% CI of A − B | p |",
            "|---|---|---|---|---|---|",
        ]
        for name, r in self.rows.items():
            lines.append(f"| {name} | {percent(r.a)} | {percent(r.b)} | {percent(r.delta.estimate)} | "
                         f"{percent(r.delta.low)}–{percent(r.delta.high)} | {r.p_value:.3f} |")
        return "\n".join(lines) + "\n"


def _entities(source: str, units: list, progress):
    if Path(source).is_file():
        return read_prediction_file(Path(source), units).entities
    return predict(load_model(source), units, progress)


def compare(root: Path, a: str, b: str, config: str = "spans", split: str = "test", n_resamples: int = 1000,
            seed: int = 0, progress=lambda items: items) -> Comparison:
    units = load_gold(root, config, split)
    gold = [e for u in units for e in u.entities]
    pred_a, pred_b = _entities(a, units, progress), _entities(b, units, progress)
    ids = [u.id for u in units]
    labels = sorted({e.label for e in gold})
    rows = {
        average: paired_bootstrap(gold, pred_a, pred_b, average=average, units=ids, n_resamples=n_resamples, seed=seed)
        for average in ("micro", "macro", *labels)
    }
    return Comparison(a, b, config, split, rows)
