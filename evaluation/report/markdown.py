"""The Markdown report: micro scores per scheme and per-label strict scores,
for the terminal and the dataset card.
"""

from __future__ import annotations

from evaluation.report.result import Evaluation, percent
from evaluation.scorer import SCHEMES


def markdown(evaluation: Evaluation) -> str:
    scores = evaluation.scores
    labels = list(scores["strict"].per_label)
    lines = [
        f"**{evaluation.model}** on `{evaluation.config}` / `{evaluation.split}` "
        f"({scores.n_gold} gold spans, {scores.n_pred} predicted); P / R / F1 in %.",
        "",
        "| scheme | " + " | ".join(labels) + " | micro | macro F1 |",
        "|---|" + "---|" * (len(labels) + 2),
    ]
    for scheme in SCHEMES:
        s = scores[scheme]
        cells = [f"{percent(s.per_label[l].precision)} / {percent(s.per_label[l].recall)} / {percent(s.per_label[l].f1)}" for l in labels]
        micro = f"{percent(s.micro.precision)} / {percent(s.micro.recall)} / {percent(s.micro.f1)}"
        lines.append(f"| {scheme} | " + " | ".join(cells) + f" | {micro} | {percent(s.macro.f1)} |")
    if evaluation.bootstrap:
        interval = evaluation.bootstrap.intervals["strict"]["micro"]["f1"]
        lines += ["", f"Strict micro F1 {percent(interval.estimate)} (95% bootstrap CI {percent(interval.low)}–{percent(interval.high)}, "
                  f"{evaluation.bootstrap.n_resamples} resamples of {evaluation.bootstrap.n_units} units)."]
    if evaluation.bootstrap:
        intervals = evaluation.bootstrap.intervals["strict"]
        lines += ["", "| label | strict F1 | 95% CI |", "|---|---|---|"]
        for label in labels:
            i = intervals[label]["f1"]
            lines.append(f"| {label} | {percent(i.estimate)} | {percent(i.low)}–{percent(i.high)} |")
    for name, slices in evaluation.slices.items():
        lines += ["", f"Strict scores by {name}:", "", "| slice | gold | predicted | P | R | F1 |", "|---|---|---|---|---|---|"]
        lines += [f"| {s.name} | {s.gold} | {s.predicted} | {percent(s.precision)} | {percent(s.recall)} | {percent(s.f1)} |" for s in slices]
    if evaluation.string_entities:
        lines += ["", f"Predicted strings not found in their unit's text (unaligned, e.g. hallucinated): "
                  f"{len(evaluation.unaligned)} of {evaluation.string_entities} ({percent(evaluation.unaligned_rate)}%); "
                  "they count as nothing predicted."]
    if evaluation.per_plan:
        lines += ["", "| plan | strict P | strict R | strict F1 |", "|---|---|---|---|"]
        for plan, s in evaluation.per_plan.items():
            m = s["strict"].micro
            lines.append(f"| {plan} | {percent(m.precision)} | {percent(m.recall)} | {percent(m.f1)} |")
    return "\n".join(lines) + "\n"

