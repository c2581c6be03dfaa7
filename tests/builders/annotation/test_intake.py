"""The add-plan report: what cleaning removed, the structure found, the
pre-annotation counts and the lines and characters a person must check."""

from builders.annotation.intake import intake_report, render
from builders.corpus.segment import segment
from builders.corpus.store import block_record, unit_record

TEXT = (
    "一、总体目标\n"
    "1.完善机制。加快建设。（责任单位：市发展改革委）\n"
    "2.推进改革。由市财政局牵头推进。\n"
    "一）另一种编号的项目\n"
    "指标|目标值|属性\n"
    "全面完成★任务。"
)


def report_for(text=TEXT, edits=()):
    structure = segment(text)
    blocks = [block_record(b) for b in structure.blocks]
    units = [unit_record("p", u, text) for u in structure.units]
    labels = {units[2]["index"]: ["DEPT"]}
    return intake_report("p", {"title": "某市方案", "script": "Simplified"}, text, list(edits), blocks, units, labels)


def test_structure_and_counts():
    report = report_for()
    assert report.headings[("一、", 1)] == 1
    assert (report.task_items, report.task_items_with_list, report.trailers) == (2, 1, 1)
    assert report.spans == {"DEPT": 1}
    assert report.units_without_spans == report.units - 1


def test_flags_name_line_offset_and_reason():
    flags = {(f.line, f.what.split(" ")[0]) for f in report_for().flags}
    assert (3, "names") in flags  # 牵头 in a sentence, no list recognised
    assert (4, "starts") in flags  # 一） is not a configured marker
    assert (5, "table") in flags  # pipe-separated row
    assert any(f.line == 6 and "BLACK STAR" in f.what for f in report_for().flags)
    assert not any("VERTICAL LINE" in f.what for f in report_for().flags)  # a table row is flagged once


def test_rendered_report_says_it_is_not_gold_and_lists_removed_lines():
    edit = {"kind": "boilerplate", "reason": "page number between dashes", "removed": "— 3 —\n"}
    text = render(report_for(edits=[edit]))
    assert "never gold" in text and "`— 3 —`" in text and "page number between dashes" in text
    assert "指标\\|目标值" in text  # pipes escaped inside the table


def test_a_paragraph_rejoined_across_a_page_break_is_reported():
    from pathlib import Path

    from builders.corpus.clean import clean_seed
    from builders.corpus.seeds import Plan, Seed
    import json

    from builders.corpus.store import edit_rows, edits_file

    raw = "到2025年，农村自来水普及率达到\n- 7 -\n92%。"
    plan = Plan(id="p", raw_file="", sha256="", script="Simplified", title=None, city=None)
    doc = clean_seed(Seed(plan, raw, Path("<p>")))
    structure = segment(doc.text)
    blocks = [block_record(b) for b in structure.blocks]
    units = [unit_record("p", u, doc.text) for u in structure.units]
    edits = edit_rows(json.loads(edits_file(doc.edits)))
    text = render(intake_report("p", {"title": "某市方案", "script": "Simplified"}, doc.text, edits, blocks, units, {}))
    assert "page break inside a paragraph, rejoined" in text and "`- 7 -`" in text
