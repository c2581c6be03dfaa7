"""A self-contained HTML page (inline CSS and SVG, no script): scores per
scheme, per-label P/R/F1 with bootstrap intervals, per-plan, confusion and
boundary tables, slices (entity length, seen/unseen, unit kind, script,
plan) as tables and bar charts, unaligned predicted strings, errors by kind,
and each unit with an error shown with gold and predicted spans side by
side, the wrong spans marked.
"""

from __future__ import annotations

import html

from evaluation.report.result import Evaluation, percent
from evaluation.report.svg import bar_chart
from evaluation.scorer import MISSED, SPURIOUS, SCHEMES, Entity, boundary_kind

# A CJK font stack: Chinese text renders with a Chinese face wherever one is installed.
FONTS = ('"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",'
         '"WenQuanYi Micro Hei","Noto Sans CJK TC","PingFang TC","Microsoft JhengHei",system-ui,sans-serif')
STYLE = """
body{font-family:FONTS;margin:2rem;max-width:80rem}
svg text{font-family:FONTS;font-size:12px}.ct{font-weight:bold;font-size:13px}.tk{fill:#666;font-size:10px}
mark.wrong{outline:2px solid #c00}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top}
.u{margin:.4rem 0}.t{font-family:serif;font-size:1.1rem;line-height:1.9}
mark{border-radius:3px;padding:0 1px}mark small{font-size:.6rem;margin-left:2px;color:#333}
.DEPT{background:#cfe8ff}.INDICATOR{background:#ffe7b3}.VALUE{background:#d4f5d4}.DATE{background:#f2d6ff}
.err{color:#a00}h2{margin-top:2rem}
""".replace("FONTS", FONTS)


def _highlight(text: str, spans: list[Entity], right: set[Entity] = frozenset()) -> str:
    """The text with its spans marked; a span not in `right` (no identical
    counterpart on the other side) is outlined as wrong."""
    out, cursor = [], 0
    for span in sorted(spans, key=lambda e: (e.start, e.end)):
        if span.start < cursor:
            continue
        wrong = "" if span in right else " wrong"
        out.append(html.escape(text[cursor : span.start]))
        out.append(f'<mark class="{html.escape(span.label)}{wrong}">{html.escape(text[span.start:span.end])}<small>{html.escape(span.label)}</small></mark>')
        cursor = span.end
    out.append(html.escape(text[cursor:]))
    return "".join(out)


def error_kind(gold: Entity, pred: Entity) -> str:
    if (gold.start, gold.end) == (pred.start, pred.end):
        return "label" if gold.label != pred.label else "correct"
    kind = boundary_kind(gold, pred)
    return f"boundary ({kind})" if gold.label == pred.label else f"label and boundary ({kind})"


def html_report(evaluation: Evaluation, units: list, max_units: int = 2000) -> str:
    """A single HTML file: the score table, errors by kind, and units with
    errors shown with gold and predicted spans side by side."""
    texts = {u.id: u.text for u in units}
    gold_by = {u.id: list(u.entities) for u in units}
    pred_by: dict[str, list[Entity]] = {}
    for g, p in evaluation.alignment.pairs:
        pred_by.setdefault(p.doc_id, []).append(p)
    for p in evaluation.alignment.spurious:
        pred_by.setdefault(p.doc_id, []).append(p)
    errors: dict[str, list[tuple[str, str]]] = {}
    for g, p in evaluation.alignment.pairs:
        kind = error_kind(g, p)
        if kind != "correct":
            errors.setdefault(kind, []).append((g.doc_id, f"gold {texts[g.doc_id][g.start:g.end]} {g.label} → predicted {texts[p.doc_id][p.start:p.end]} {p.label}"))
    for g in evaluation.alignment.missed:
        errors.setdefault("missed", []).append((g.doc_id, f"{texts[g.doc_id][g.start:g.end]} {g.label}"))
    for p in evaluation.alignment.spurious:
        errors.setdefault("spurious", []).append((p.doc_id, f"{texts[p.doc_id][p.start:p.end]} {p.label}"))
    error_units = sorted({unit_id for items in errors.values() for unit_id, _ in items})
    right = {g for g, p in evaluation.alignment.pairs if g == p}
    parts = [
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'>",
        f"<title>Evaluation: {html.escape(evaluation.model)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(evaluation.model)} on {html.escape(evaluation.config)}/{html.escape(evaluation.split)}</h1>",
        "<p>Offsets are Unicode code points, half-open.</p><h2>Scores</h2><table><tr><th>scheme</th><th>P</th><th>R</th><th>F1</th><th>COR</th><th>INC</th><th>PAR</th><th>MIS</th><th>SPU</th></tr>",
    ]
    for scheme in SCHEMES:
        m = evaluation.scores[scheme].micro
        parts.append(f"<tr><td>{scheme}</td><td>{percent(m.precision)}</td><td>{percent(m.recall)}</td><td>{percent(m.f1)}</td>"
                     f"<td>{m.correct}</td><td>{m.incorrect}</td><td>{m.partial}</td><td>{m.missed}</td><td>{m.spurious}</td></tr>")
    parts.append("</table>")
    parts += _tables_and_plots(evaluation)
    parts.append("<h2>Errors by kind</h2>")
    for kind in sorted(errors):
        parts.append(f"<details><summary>{html.escape(kind)}: {len(errors[kind])}</summary><ul>")
        parts += [f"<li><a href='#{html.escape(u)}'>{html.escape(u)}</a>: {html.escape(msg)}</li>" for u, msg in errors[kind][:500]]
        parts.append("</ul></details>")
    parts.append(f"<h2>Units with errors ({len(error_units)})</h2><table><tr><th>unit</th><th>gold</th><th>predicted</th></tr>")
    for unit_id in error_units[:max_units]:
        parts.append(
            f"<tr id='{html.escape(unit_id)}'><td>{html.escape(unit_id)}</td>"
            f"<td class='t'>{_highlight(texts[unit_id], gold_by.get(unit_id, []), right)}</td>"
            f"<td class='t'>{_highlight(texts[unit_id], pred_by.get(unit_id, []), right)}</td></tr>"
        )
    parts.append("</table></body></html>\n")
    return "".join(parts)



def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _tables_and_plots(evaluation: Evaluation) -> list[str]:
    """Per-label scores with intervals, per-plan, confusion, boundary and
    slice tables, with their bar charts."""
    strict = evaluation.scores["strict"]
    labels = list(strict.per_label)
    intervals = evaluation.bootstrap.intervals["strict"] if evaluation.bootstrap else {}

    def ci(average: str) -> str:
        if average not in intervals:
            return ""
        i = intervals[average]["f1"]
        return f"{percent(i.low)}–{percent(i.high)}"

    rows = [[label, percent(row.precision), percent(row.recall), percent(row.f1), ci(label), row.possible, row.actual]
            for label, row in strict.per_label.items()]
    rows.append(["micro", percent(strict.micro.precision), percent(strict.micro.recall), percent(strict.micro.f1), ci("micro"),
                 strict.micro.possible, strict.micro.actual])
    parts = ["<h2>Per label (strict)</h2>",
             _table(["label", "P", "R", "F1", "F1 95% CI", "gold", "predicted"], rows),
             bar_chart("strict F1 per label, with 95% bootstrap interval",
                       [(label, strict.per_label[label].f1,
                         (intervals[label]["f1"].low, intervals[label]["f1"].high) if label in intervals else None) for label in labels])]
    if evaluation.string_entities:
        parts.append(f"<h2>Unaligned strings</h2><p>{len(evaluation.unaligned)} of {evaluation.string_entities} predicted strings "
                     f"({percent(evaluation.unaligned_rate)}%) are not in their unit's text (e.g. hallucinated); they count as "
                     "nothing predicted.</p>")
        parts.append(_table(["unit", "string", "label", "where"], [[u.unit_id, u.text, u.label, u.where] for u in evaluation.unaligned[:200]]))
    if evaluation.per_plan:
        parts.append("<h2>Per plan (strict micro)</h2>")
        parts.append(_table(["plan", "P", "R", "F1"], [[plan, percent(s["strict"].micro.precision), percent(s["strict"].micro.recall),
                                                        percent(s["strict"].micro.f1)] for plan, s in evaluation.per_plan.items()]))
    confusion = evaluation.confusion
    parts.append("<h2>Confusion of labels</h2><p>Rows: gold label; columns: predicted label of the matched prediction.</p>")
    parts.append(_table(["gold \\ predicted", *confusion.labels, MISSED],
                        [[g, *(confusion[g, p] for p in (*confusion.labels, MISSED))] for g in confusion.labels]
                        + [[SPURIOUS, *(confusion[SPURIOUS, p] for p in confusion.labels), ""]]))
    boundaries = evaluation.boundaries.to_dict()
    kinds = list(boundaries["total"])
    parts.append("<h2>Boundary errors (same label, other boundaries)</h2>")
    parts.append(_table(["label", *kinds], [[label, *(row[k] for k in kinds)] for label, row in boundaries["per_label"].items()]
                        + [["total", *(boundaries["total"][k] for k in kinds)]]))
    for name, slices in evaluation.slices.items():
        parts.append(f"<h2>By {html.escape(name)}</h2>")
        parts.append(_table(["slice", "gold", "predicted", "P", "R", "F1"],
                            [[s.name, s.gold, s.predicted, percent(s.precision), percent(s.recall), percent(s.f1)] for s in slices]))
        parts.append(bar_chart(f"strict F1 by {name}", [(s.name, s.f1, None) for s in slices]))
    return parts
