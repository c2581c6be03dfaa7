"""Normalisation figures, their bootstrap intervals, the result record and
its table.

Given the gold spans each measure is an accuracy over the gold spans of its
label that the system read or left unread (a span it gave nothing for is
wrong); end to end, P/R/F1 where a predicted span counts only when offsets,
label and normalisation are right. 95% percentile intervals resample units
with the scorer's bootstrap (`evaluation.scorer`); same-body pairs are
counted per plan and get no interval.
"""

from __future__ import annotations

import datetime

from builders.annotation.normalization.model import LABELS
from evaluation.normalization.loaders import NormSpan
from evaluation.normalization.matching import match
from evaluation.normalization.strategies import HEADLINE, MEASURES, end_to_end_counts, prf, same_body_pairs
from evaluation.scorer import _interval, _resampled_sums

RECORD_SCHEMA = "zh-plan-ner/normalization-record/1"
CONFIDENCE = 0.95


def _counters(gold: list[NormSpan], given: list[NormSpan], e2e: list[NormSpan]) -> dict[tuple, dict[str, int]]:
    """unit -> named counts, so that every figure is a ratio of sums over units."""
    per_unit: dict[tuple, dict[str, int]] = {}

    def add(span: NormSpan, name: str, n: int = 1) -> None:
        counts = per_unit.setdefault((span.doc_id, span.unit), {})
        counts[name] = counts.get(name, 0) + n

    given_by_key = {p.key: p for p in given}
    for g in gold:
        pred = given_by_key.get(g.key)
        for measure, judge in MEASURES[g.label].items():
            add(g, f"given|{g.label}|{measure}|of")
            add(g, f"given|{g.label}|{measure}|right", int(pred is not None and judge(g, pred)))
    pairs = match(gold, e2e).pairs
    for g in gold:
        add(g, f"e2e|{g.label}|gold")
    for p in e2e:
        add(p, f"e2e|{p.label}|pred")
    for g, p in pairs:
        add(g, f"e2e|{g.label}|span_tp")
        add(g, f"e2e|{g.label}|tp", int(MEASURES[g.label][HEADLINE[g.label]](g, p)))
    return per_unit


def _figures(sums: dict[str, int], labels: list[str]) -> dict[str, float]:
    out = {}
    for name in {k.rsplit("|", 1)[0] for k in sums if k.startswith("given|")}:
        of = sums.get(f"{name}|of", 0)
        out[name] = sums.get(f"{name}|right", 0) / of if of else 0.0
    tp = gold = pred = 0
    for label in labels:
        row = prf(sums.get(f"e2e|{label}|tp", 0), sums.get(f"e2e|{label}|gold", 0), sums.get(f"e2e|{label}|pred", 0))
        out[f"e2e|{label}"] = row["f1"]
        tp, gold, pred = tp + row["tp"], gold + row["gold"], pred + row["pred"]
    out["e2e|micro"] = prf(tp, gold, pred)["f1"]
    return out


def intervals(per_unit: dict[tuple, dict[str, int]], labels: list[str], n_resamples: int, seed: int = 0) -> dict[str, list[float]]:
    """95% percentile interval of every figure, resampling units."""
    if n_resamples <= 0 or not per_unit:
        return {}
    units = sorted(per_unit)
    names = sorted({name for counts in per_unit.values() for name in counts})
    matrix = [[per_unit[u].get(n, 0) for n in names] for u in units]
    samples = [_figures(dict(zip(names, draw[0])), labels) for draw in _resampled_sums([matrix], n_resamples, seed)]
    full = _figures({n: sum(row[i] for row in matrix) for i, n in enumerate(names)}, labels)
    out = {}
    for key, estimate in full.items():
        interval = _interval(estimate, [s[key] for s in samples], CONFIDENCE)
        out[key] = [round(interval.low, 4), round(interval.high, 4)]
    return out


def evaluate(gold: list[NormSpan], given: list[NormSpan], e2e: list[NormSpan], n_resamples: int = 1000, seed: int = 0) -> dict:
    """Every figure of one system. A label with no gold, or which the
    system predicts nowhere, is reported as not evaluated, with why."""
    labels = [label for label in LABELS if any(g.label == label for g in gold)]
    predicted = {p.label for p in given} | {p.label for p in e2e}
    not_evaluated = {}
    for label in LABELS:
        if label not in labels:
            not_evaluated[label] = "no reviewed normalised gold of this label yet"
        elif label not in predicted:
            not_evaluated[label] = "the system gives no normalisation for this label"
    scored = [label for label in labels if label not in not_evaluated]
    gold_s = [g for g in gold if g.label in scored]
    given_s = [p for p in given if p.label in scored]
    e2e_s = [p for p in e2e if p.label in scored]
    per_unit = _counters(gold_s, given_s, e2e_s)
    sums: dict[str, int] = {}
    for counts in per_unit.values():
        for name, n in counts.items():
            sums[name] = sums.get(name, 0) + n
    ci = intervals(per_unit, scored, n_resamples, seed)
    given_figures = {}
    for label in scored:
        given_figures[label] = {}
        for measure in MEASURES[label]:
            name = f"given|{label}|{measure}"
            right, of = sums.get(f"{name}|right", 0), sums.get(f"{name}|of", 0)
            given_figures[label][measure] = {"right": right, "of": of, "accuracy": round(right / of, 4) if of else 0.0,
                                             "ci95": ci.get(name)}
        unread = sum(1 for p in given_s if p.label == label and p.fields is None)
        given_figures[label]["system_unread"] = unread
    given_pairs = match(gold_s, given_s).pairs
    if "DEPT" in scored:
        pairs = same_body_pairs(given_pairs)
        given_figures["DEPT"]["same_body"] = {"spans": pairs["spans"], **prf(pairs["both"], pairs["gold"], pairs["pred"])}
    counts = end_to_end_counts(gold_s, e2e_s, match(gold_s, e2e_s).pairs)
    e2e_figures = {}
    for label in scored:
        c = counts[label]
        e2e_figures[label] = {**prf(c["tp"], c["gold"], c["pred"]), "span_only": prf(c["span_tp"], c["gold"], c["pred"]),
                              "ci95": ci.get(f"e2e|{label}")}
    total = {k: sum(counts[label][k] for label in scored) for k in ("tp", "span_tp", "gold", "pred")}
    e2e_figures["micro"] = {**prf(total["tp"], total["gold"], total["pred"]),
                            "span_only": prf(total["span_tp"], total["gold"], total["pred"]), "ci95": ci.get("e2e|micro")}
    coverage = {label: {"gold_spans": sum(g.label == label for g in gold),
                        "unresolvable": sum(g.label == label and g.fields is None for g in gold)} for label in LABELS}
    return {"coverage": coverage, "not_evaluated": not_evaluated, "given_gold_spans": given_figures,
            "end_to_end": e2e_figures, "bootstrap": {"n_resamples": n_resamples, "seed": seed, "n_units": len(per_unit)}}


def _pct(value: float, interval: list[float] | None = None) -> str:
    text = f"{100 * value:.1f}"
    return text + (f" ({100 * interval[0]:.1f}–{100 * interval[1]:.1f})" if interval else "")


def markdown_summary(result: dict, system: str) -> str:
    """The card's normalisation rows: one per label, given gold spans and end to end, in %."""
    given, e2e = result["given_gold_spans"], result["end_to_end"]
    rows = ["| system | label | given gold spans: measure | accuracy (95% CI) | end to end: F1 (95% CI) | span-only F1 | gold spans |",
            "|---|---|---|---|---|---|---|"]
    for label in LABELS:
        if label in result["not_evaluated"]:
            rows.append(f"| {system} | {label} | not evaluated: {result['not_evaluated'][label]} | – | – | – | "
                        f"{result['coverage'][label]['gold_spans']} |")
            continue
        measures = [(m, v) for m, v in given[label].items() if isinstance(v, dict) and "accuracy" in v]
        for i, (measure, figure) in enumerate(measures):
            end = e2e[label] if i == 0 else None
            rows.append("| " + " | ".join([
                system, label, measure, _pct(figure["accuracy"], figure["ci95"]) + f" of {figure['of']}",
                _pct(end["f1"], end["ci95"]) if end else "", _pct(end["span_only"]["f1"]) if end else "",
                str(result["coverage"][label]["gold_spans"]) if i == 0 else ""]) + " |")
        if "same_body" in given[label]:
            pairs = given[label]["same_body"]
            rows.append(f"| {system} | {label} | same body, pairwise F1 (P / R) | {_pct(pairs['f1'])} "
                        f"({_pct(pairs['precision'])} / {_pct(pairs['recall'])}; {pairs['gold']} gold pairs) |  |  |  |")
    micro = e2e["micro"]
    rows.append(f"| {system} | all scored labels (micro) |  |  | {_pct(micro['f1'], micro['ci95'])} | {_pct(micro['span_only']['f1'])} |  |")
    return "\n".join(rows)


def make_record(system: str, description: str, command: str, result: dict, gold_fingerprint: str, plans: list[str],
                libraries: dict[str, str]) -> dict:
    from evaluation import __version__

    return {
        "schema": RECORD_SCHEMA,
        "system": system,
        "description": description,
        "version": __version__,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command,
        "libraries": libraries,
        "gold_fingerprint": gold_fingerprint,
        "offsets": "Unicode code points, half-open [start, end)",
        "plans": plans,
        **result,
        "markdown": markdown_summary(result, system),
    }
