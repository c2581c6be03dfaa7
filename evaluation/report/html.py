"""A self-contained HTML page: scores, and each unit with an error shown with
gold and predicted spans side by side, errors listed by kind.
"""

from __future__ import annotations

import html

from evaluation.report.result import Evaluation, percent
from evaluation.scorer import SCHEMES, Entity, boundary_kind

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top}
.u{margin:.4rem 0}.t{font-family:serif;font-size:1.1rem;line-height:1.9}
mark{border-radius:3px;padding:0 1px}mark small{font-size:.6rem;margin-left:2px;color:#333}
.DEPT{background:#cfe8ff}.INDICATOR{background:#ffe7b3}.VALUE{background:#d4f5d4}.DATE{background:#f2d6ff}
.err{color:#a00}h2{margin-top:2rem}
"""


def _highlight(text: str, spans: list[Entity]) -> str:
    out, cursor = [], 0
    for span in sorted(spans, key=lambda e: (e.start, e.end)):
        if span.start < cursor:
            continue
        out.append(html.escape(text[cursor : span.start]))
        out.append(f'<mark class="{html.escape(span.label)}">{html.escape(text[span.start:span.end])}<small>{html.escape(span.label)}</small></mark>')
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
    parts.append("</table><h2>Errors by kind</h2>")
    for kind in sorted(errors):
        parts.append(f"<details><summary>{html.escape(kind)}: {len(errors[kind])}</summary><ul>")
        parts += [f"<li><a href='#{html.escape(u)}'>{html.escape(u)}</a>: {html.escape(msg)}</li>" for u, msg in errors[kind][:500]]
        parts.append("</ul></details>")
    parts.append(f"<h2>Units with errors ({len(error_units)})</h2><table><tr><th>unit</th><th>gold</th><th>predicted</th></tr>")
    for unit_id in error_units[:max_units]:
        parts.append(
            f"<tr id='{html.escape(unit_id)}'><td>{html.escape(unit_id)}</td>"
            f"<td class='t'>{_highlight(texts[unit_id], gold_by.get(unit_id, []))}</td>"
            f"<td class='t'>{_highlight(texts[unit_id], pred_by.get(unit_id, []))}</td></tr>"
        )
    parts.append("</table></body></html>\n")
    return "".join(parts)

