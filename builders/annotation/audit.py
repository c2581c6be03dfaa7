"""Consistency audit of the gold: a string annotated with a label somewhere
and left unannotated, or labelled differently, elsewhere.

Peer Chinese NER sets are criticised for annotating repeated mentions once;
this audit lists every such place so each is either fixed in the gold or
justified in `annotations/audit_exceptions.yaml` (with the guideline rule).
"""

from __future__ import annotations

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


def audit(
    texts: dict[str, str], annotations: list[UnitAnnotation], min_chars: int = 2
) -> list[Finding]:
    """Findings over reviewed units. An occurrence is consistent when a span of
    the same label covers exactly it, or it lies inside a longer span of the
    same label (市发改委 inside 忻州市发改委), or inside a title or document
    number, where nothing is annotated."""
    reviewed = [a for a in annotations if a.reviewed]
    surfaces: dict[str, set[str]] = {}
    for a in reviewed:
        for span in a.spans:
            surface = texts[a.doc_id][span.start : span.end]
            if len(surface) >= min_chars:
                surfaces.setdefault(surface, set()).add(span.label)
    if not surfaces:
        return []
    # Index the strings by their first character: one pass over each unit finds
    # every occurrence, overlapping ones included, without a scan per string.
    by_first: dict[str, list[str]] = {}
    for surface in surfaces:
        by_first.setdefault(surface[0], []).append(surface)
    findings: list[Finding] = []
    for a in reviewed:
        text = texts[a.doc_id]
        unit_text = text[a.start : a.end]
        regions = protected_regions(unit_text)
        spans = sorted(a.spans)
        for offset, char in enumerate(unit_text):
            for surface in by_first.get(char, ()):
                if not unit_text.startswith(surface, offset):
                    continue
                local_end = offset + len(surface)
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
    return sorted(set(findings))


def unresolved(findings: list[Finding], exceptions: list[dict]) -> list[Finding]:
    """Findings no exception justifies. An exception names the plan, the
    offset, the string and the label, plus the rule and the reason."""
    justified = {(e["doc_id"], int(e["start"]), e["text"], e["label"]) for e in exceptions}
    return [f for f in findings if f.key() not in justified]


def stale_exceptions(findings: list[Finding], exceptions: list[dict]) -> list[dict]:
    """Exceptions that no longer match a finding (the gold was fixed since)."""
    keys = {f.key() for f in findings}
    return [e for e in exceptions if (e["doc_id"], int(e["start"]), e["text"], e["label"]) not in keys]
