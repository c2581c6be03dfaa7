"""Consistency audit of the gold: a string annotated with a label somewhere
and left unannotated, or labelled differently, elsewhere.

Peer Chinese NER sets are criticised for annotating repeated mentions once;
this audit lists every such place so each is either fixed in the gold or
justified in `annotations/audit_exceptions.yaml` (with the guideline rule).
"""

from __future__ import annotations

from collections.abc import Callable

from dataclasses import dataclass

from builders.annotation.gold import UnitAnnotation
from builders.annotation.labels import Span
from builders.annotation.prelabel import protected_regions


@dataclass(frozen=True, order=True)
class Finding:
    doc_id: str
    start: int
    end: int
    text: str
    label: str  # the label the string has elsewhere
    found: str  # "unannotated", or the other label/boundary found here

    def key(self) -> tuple[str, int, str, str]:
        return (self.doc_id, self.start, self.text, self.label)


def _covering(spans: list[Span], start: int, end: int) -> list[Span]:
    return [s for s in spans if s.start < end and start < s.end]


def surface_labels(texts: dict[str, str], reviewed: list[UnitAnnotation], min_chars: int = 2) -> dict[str, set[str]]:
    """Every annotated string of at least `min_chars` characters and the labels
    it has, over reviewed units."""
    surfaces: dict[str, set[str]] = {}
    for a in reviewed:
        for span in a.spans:
            surface = texts[a.doc_id][span.start : span.end]
            if len(surface) >= min_chars:
                surfaces.setdefault(surface, set()).add(span.label)
    return surfaces


def audit(
    texts: dict[str, str], annotations: list[UnitAnnotation], min_chars: int = 2
) -> list[Finding]:
    """Findings over reviewed units. An occurrence is consistent when a span of
    the same label covers exactly it, or it lies inside a longer span of the
    same label (市发改委 inside 忻州市发改委), or inside a title or document
    number, where nothing is annotated."""
    reviewed = [a for a in annotations if a.reviewed]
    surfaces = surface_labels(texts, reviewed, min_chars)
    if not surfaces:
        return []
    return sorted(set(audit_units(texts, reviewed, surfaces)))


def surface_automaton(surfaces: dict[str, set[str]]):
    """An Aho-Corasick automaton over the strings of `surfaces`: one pass over
    a text finds every occurrence of every string, overlapping ones
    included, whatever the number of strings (it grows with the corpus)."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for surface in surfaces:
        automaton.add_word(surface, surface)
    automaton.make_automaton()
    return automaton


def audit_units(
    texts: dict[str, str], reviewed: list[UnitAnnotation], surfaces: dict[str, set[str]], automaton=None
) -> list[Finding]:
    """The findings in `reviewed` units against the strings of the whole
    gold (`surfaces`, from `surface_labels`): a plan's findings depend on its
    own text and gold and on `surfaces` only, so a build caches them per plan.
    `automaton` is `surface_automaton(surfaces)`, when the caller has it."""
    if not surfaces:
        return []
    automaton = automaton or surface_automaton(surfaces)
    findings: list[Finding] = []
    for a in reviewed:
        text = texts[a.doc_id]
        unit_text = text[a.start : a.end]
        regions = None
        spans = sorted(a.spans)
        for last, surface in automaton.iter(unit_text):
            offset, local_end = last + 1 - len(surface), last + 1
            if regions is None:
                regions = protected_regions(unit_text)  # only for units where a string occurs
            if any(r0 < local_end and offset < r1 for r0, r1 in regions):
                continue
            start, end = a.start + offset, a.start + local_end
            covering = _covering(spans, start, end)
            for label in sorted(surfaces[surface]):
                exact = any(s.start == start and s.end == end and s.label == label for s in covering)
                inside = any(s.start <= start and end <= s.end and s.label == label for s in covering)
                if exact or inside:
                    continue
                if not covering:
                    found = "unannotated"
                else:
                    found = ", ".join(f"{s.label} {text[s.start:s.end]!r}" for s in covering)
                findings.append(Finding(a.doc_id, start, end, surface, label, found))
    return findings


def unresolved(findings: list[Finding], exceptions: list[dict], key: Callable = Finding.key) -> list[Finding]:
    """Findings no exception justifies. An exception names the plan, the
    offset, the string and the label, plus the rule and the reason. `key`
    gives a finding's (doc_id, start, text, label) (for findings kept in
    another form, such as the build's cached rows)."""
    justified = {(e["doc_id"], int(e["start"]), e["text"], e["label"]) for e in exceptions}
    return [f for f in findings if key(f) not in justified]


def stale_exceptions(findings: list[Finding], exceptions: list[dict], key: Callable = Finding.key) -> list[dict]:
    """Exceptions that no longer match a finding (the gold was fixed since)."""
    keys = {key(f) for f in findings}
    return [e for e in exceptions if (e["doc_id"], int(e["start"]), e["text"], e["label"]) not in keys]
