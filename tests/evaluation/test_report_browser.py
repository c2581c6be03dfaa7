"""The HTML report in a real browser: headless Chromium loads a generated
report (invented units) and must log nothing to its console (the page has no
script, so any console line is a parse, CSP or resource problem); the DOM it
built must hold the per-label table, the SVG plots with laid-out bars and the
CJK font stack as the computed font of the page.

Skipped, with the reason, only when no Chromium or Chrome is installed (set
PLANCORPUS_CHROMIUM to a browser binary to point at one)."""

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from evaluation.inputs import GoldUnit, Unaligned
from evaluation.report.html import FONTS, html_report
from evaluation.report.result import Evaluation
from evaluation.report.slices import all_slices
from evaluation.scorer import Entity, align, bootstrap, boundary_errors, confusion_table, score, score_by


def find_browser() -> str | None:
    candidates = [os.environ.get("PLANCORPUS_CHROMIUM", "")] + ["chromium", "chromium-browser", "google-chrome",
                                                                "google-chrome-stable", "chrome"]
    return next((shutil.which(c) for c in candidates if c and shutil.which(c)), None)


BROWSER = find_browser()
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no headless browser found (chromium, google-chrome; "
                                                        "or set PLANCORPUS_CHROMIUM): the report is not checked in a browser")
# Chromium writes every console message of a page to stderr as
# `[pid:tid:time:INFO:CONSOLE:LINE] "message", source: URL (LINE)` (older
# versions: `CONSOLE(LINE)`), whatever its level.
CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\]? ?(.*)")


def load(page: Path, profile: Path) -> tuple[str, list[str]]:
    """Load `page` in headless Chromium: the DOM it built, and its console lines."""
    done = subprocess.run(
        [BROWSER, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions",
         "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=2000", "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, [m.group(1) for line in done.stderr.splitlines() if (m := CONSOLE.search(line))]


UNITS = [
    GoldUnit("p1-1", "plan-a", "市水利局牵头,到2025年水资源利用率达到90%",
             (Entity("p1-1", 0, 4, "DEPT"), Entity("p1-1", 8, 13, "DATE"), Entity("p1-1", 13, 19, "INDICATOR"),
              Entity("p1-1", 21, 24, "VALUE")), "sentence"),
    GoldUnit("p2-1", "plan-b", "二、推進<城鄉>融合&協調發展", (), "heading"),
    GoldUnit("p2-2", "plan-b", "縣交通運輸局負責,2026年底前完成", (Entity("p2-2", 0, 6, "DEPT"), Entity("p2-2", 9, 14, "DATE")),
             "sentence"),
]
PRED = [Entity("p1-1", 0, 4, "DEPT"), Entity("p1-1", 8, 12, "DATE"), Entity("p1-1", 21, 24, "DATE"),
        Entity("p2-1", 4, 8, "INDICATOR"), Entity("p2-2", 0, 6, "DEPT")]


def report(tmp_path: Path) -> Path:
    gold = [e for u in UNITS for e in u.entities]
    alignment = align(gold, PRED)
    evaluation = Evaluation(
        "llm:invented<model>", "spans", "test", score(gold, PRED), score_by(gold, PRED, key=lambda u: u.split("-")[0]),
        bootstrap(gold, PRED, units=[u.id for u in UNITS], n_resamples=50), confusion_table(alignment),
        boundary_errors(alignment), alignment,
        unaligned=[Unaligned("p2-2", "市规划局", "DEPT", "preds.jsonl:3")], string_entities=6,
        slices=all_slices(UNITS, gold, PRED, frozenset({"市水利局"}), {"plan-a": "Simplified", "plan-b": "Traditional"}),
    )
    path = tmp_path / "report.html"
    path.write_text(html_report(evaluation, UNITS), encoding="utf-8")
    return path


# Run in a copy of the page only (the report itself has no script): the
# layout facts the browser computed, written into the DOM it dumps.
PROBE = """<script>
addEventListener("load", () => {
  const svgs = [...document.querySelectorAll("svg")];
  const out = {
    font: getComputedStyle(document.body).fontFamily,
    svg_text_font: getComputedStyle(document.querySelector("svg text")).fontFamily,
    svgs: svgs.map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; }),
    bars: svgs.map(s => [...s.querySelectorAll("rect")].filter(r => r.getBBox().width > 0).length),
    wrong_outline: getComputedStyle(document.querySelector("mark.wrong")).outlineStyle,
  };
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


class Tables(HTMLParser):
    """The browser's DOM as text: headings, and each table's rows of cells."""

    def __init__(self):
        super().__init__()
        self.headings, self.tables, self.svgs, self.cell, self.heading = [], [], 0, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append((self.headings[-1] if self.headings else "", []))
        elif tag == "tr":
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self.cell = ""
        elif tag == "h2":
            self.heading = ""
        elif tag == "svg":
            self.svgs += 1

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.heading is not None:
            self.heading += data

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][1][-1].append(self.cell)
            self.cell = None
        elif tag == "h2":
            self.headings.append(self.heading)
            self.heading = None


def test_report_loads_without_console_messages_and_has_its_tables_plots_and_fonts(tmp_path):
    page = report(tmp_path)
    dom, console = load(page, tmp_path / "profile")
    assert console == []
    tables = Tables()
    tables.feed(dom)
    by_heading = {heading: rows for heading, rows in tables.tables}
    per_label = by_heading["Per label (strict)"]
    assert per_label[0] == ["label", "P", "R", "F1", "F1 95% CI", "gold", "predicted"]
    assert [row[0] for row in per_label[1:]] == ["DEPT", "INDICATOR", "VALUE", "DATE", "micro"]
    assert per_label[1][3] == "100.0" and re.fullmatch(r"\d+\.\d–\d+\.\d", per_label[-1][4])
    for heading in ("Per plan (strict micro)", "Confusion of labels", "Boundary errors (same label, other boundaries)",
                    "By entity length (characters)", "By script", "By unit kind", "Unaligned strings"):
        assert heading in by_heading, heading
    assert by_heading["Unaligned strings"][1] == ["p2-2", "市规划局", "DEPT", "preds.jsonl:3"]
    assert tables.svgs == 6  # per label, and one per slice
    assert "&lt;城鄉&gt;融合&amp;協調" in dom and "llm:invented&lt;model&gt;" in dom

    probed = tmp_path / "probed.html"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom, console = load(probed, tmp_path / "profile")
    assert console == []
    facts = json.loads(re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S).group(1))
    stack = [name.strip().strip('"') for name in FONTS.split(",")]
    assert [name.strip().strip('"') for name in facts["font"].split(",")] == stack
    assert [name.strip().strip('"') for name in facts["svg_text_font"].split(",")] == stack
    assert len(facts["svgs"]) == 6 and all(width > 100 and height > 20 for width, height in facts["svgs"])
    assert all(bars > 0 for bars in facts["bars"]) and facts["wrong_outline"] == "solid"


def test_the_console_check_catches_a_broken_page(tmp_path):
    """The check above can fail: a page that throws and logs an error."""
    page = tmp_path / "broken.html"
    page.write_text("<!doctype html><meta charset='utf-8'><p>中文</p><script>console.error('坏了'); notDefined();</script>",
                    encoding="utf-8")
    _, console = load(page, tmp_path / "profile")
    assert any("坏了" in line for line in console) and any("notDefined" in line for line in console)
