"""The reports: slices by length, seen/unseen, unit kind, script and plan;
the HTML page is well formed (checked with a parser), self-contained, with
inline SVG plots, a CJK font stack and the wrong spans marked."""

from html.parser import HTMLParser

from evaluation.inputs import GoldUnit
from evaluation.report.html import html_report
from evaluation.report.markdown import markdown
from evaluation.report.result import Evaluation
from evaluation.report.slices import all_slices, length_bucket, span_slices
from evaluation.report.svg import bar_chart
from evaluation.scorer import Entity, align, bootstrap, boundary_errors, confusion_table, score, score_by

VOID = {"meta", "br", "img", "input", "link", "hr", "col", "source", "wbr"}


class Checker(HTMLParser):
    """Every element closed in order; no script, no external resource."""

    def __init__(self):
        super().__init__()
        self.stack, self.problems, self.tags = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "script" or any(k in ("src", "href") and v and not v.startswith("#") for k, v in attrs):
            self.problems.append(f"external or script: {tag} {attrs}")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'} at {self.getpos()}")
        else:
            self.stack.pop()


def check(page: str) -> Checker:
    checker = Checker()
    checker.feed(page)
    checker.close()
    assert checker.problems == [] and checker.stack == [], (checker.problems, checker.stack)
    return checker


UNITS = [
    GoldUnit("u-1", "a", "市水利局牵头,2025年达到90%", (Entity("u-1", 0, 4, "DEPT"), Entity("u-1", 7, 12, "DATE"),
                                                   Entity("u-1", 14, 17, "VALUE")), "sentence"),
    GoldUnit("u-2", "b", "一、加强<管理>&协调", (), "heading"),
]
PRED = [Entity("u-1", 0, 4, "DEPT"), Entity("u-1", 7, 11, "DATE"), Entity("u-2", 4, 6, "INDICATOR")]


def evaluation_with_slices():
    gold = [e for u in UNITS for e in u.entities]
    alignment = align(gold, PRED)
    slices = all_slices(UNITS, gold, PRED, frozenset({"市水利局"}), {"a": "Simplified", "b": "Traditional"})
    return Evaluation("m<x>", "spans", "test", score(gold, PRED), score_by(gold, PRED, key=lambda u: u.split("-")[0]),
                      bootstrap(gold, PRED, units=[u.id for u in UNITS], n_resamples=50), confusion_table(alignment),
                      boundary_errors(alignment), alignment, slices=slices)


def test_span_slices_count_each_side_in_its_own_bucket():
    gold = [Entity("u", 0, 4, "DEPT"), Entity("u", 5, 10, "DATE")]
    pred = [Entity("u", 0, 4, "DEPT"), Entity("u", 5, 9, "DATE")]
    rows = {s.name: s for s in span_slices(gold, pred, lambda e: length_bucket(e.end - e.start))}
    assert (rows["3-4"].gold, rows["3-4"].predicted, rows["3-4"].precision, rows["3-4"].recall) == (1, 2, 0.5, 1.0)
    assert (rows["5-8"].gold, rows["5-8"].predicted, rows["5-8"].f1) == (1, 0, 0.0)
    assert [length_bucket(n) for n in (1, 2, 3, 9, 40)] == ["1-2", "1-2", "3-4", "9-16", "17+"]


def test_every_slice_is_computed():
    slices = evaluation_with_slices().slices
    assert set(slices) == {"entity length (characters)", "plan", "unit kind", "script", "entity string in train"}
    seen = {s.name: s for s in slices["entity string in train"]}
    assert (seen["seen"].gold, seen["seen"].f1) == (1, 1.0) and seen["unseen"].gold == 2
    kinds = {s.name: s for s in slices["unit kind"]}
    assert kinds["heading"].predicted == 1 and kinds["heading"].precision == 0.0


def test_html_report_is_well_formed_and_complete():
    evaluation = evaluation_with_slices()
    page = html_report(evaluation, UNITS)
    checker = check(page)
    assert checker.tags.count("svg") == 1 + len(evaluation.slices)
    for heading in ("Per label (strict)", "Confusion of labels", "Boundary errors", "By entity length", "By script",
                    "By entity string in train", "By unit kind", "Per plan"):
        assert heading in page
    assert "Noto Sans CJK SC" in page and "m&lt;x&gt;" in page and "&lt;管理&gt;&amp;" in page
    assert page.count('class="DATE wrong"') == 2  # the gold DATE and the too-short prediction
    assert 'class="DEPT wrong"' not in page


def test_svg_chart_escapes_and_clamps():
    svg = bar_chart("a<b", [("x&y", 1.5, (0.2, 0.9)), ("z", -1, None)])
    check(svg)
    assert "a&lt;b" in svg and "x&amp;y" in svg and "150" not in svg


def test_markdown_has_intervals_and_slices():
    text = markdown(evaluation_with_slices())
    assert "| label | strict F1 | 95% CI |" in text and "Strict scores by entity string in train:" in text
