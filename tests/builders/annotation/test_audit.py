"""The consistency audit finds repeated mentions annotated once, and the
committed gold has no open finding."""

from builders.annotation.audit import Finding, audit, stale_exceptions, unresolved
from builders.annotation.gold import UnitAnnotation
from builders.annotation.labels import Span


def test_unannotated_repeat_is_found_but_titles_and_longer_spans_are_not():
    text = "市发改委牵头。《市发改委》忻州市发改委负责。市发改委"
    units = [
        UnitAnnotation("d", 0, 0, 7, (Span(0, 4, "DEPT"),), {"status": "reviewed"}),
        UnitAnnotation("d", 1, 7, 22, (Span(13, 19, "DEPT"),), {"status": "reviewed"}),
        UnitAnnotation("d", 2, 22, 26, (), {"status": "reviewed"}),
    ]
    findings = audit({"d": text}, units)
    assert findings == [Finding("d", 22, 26, "市发改委", "DEPT", "unannotated")]


def test_exceptions_justify_findings_and_stale_ones_are_reported():
    finding = Finding("d", 22, 26, "市发改委", "DEPT", "unannotated")
    exception = {"doc_id": "d", "start": 22, "text": "市发改委", "label": "DEPT", "rule": "D8", "reason": "r"}
    stale = dict(exception, start=99)
    assert unresolved([finding], [exception]) == []
    assert stale_exceptions([finding], [exception, stale]) == [stale]


def test_committed_gold_has_no_open_audit_finding(paths):
    from builders.annotation.report import run_audit

    findings, open_findings, stale = run_audit(paths)
    assert open_findings == [], f"{len(open_findings)} open audit finding(s): run `plancorpus audit`"
    assert stale == []
