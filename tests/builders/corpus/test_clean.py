"""Cleaning removes noise, restores only through reviewed tables, and keeps
every clean character traceable to its raw offset."""

import unicodedata
from array import array
from pathlib import Path

import pytest

from builders.corpus import clean as clean_module
from builders.corpus.clean import (
    OFFSET_TYPE,
    Change,
    Draft,
    ScriptConversionError,
    apply_changes,
    clean_seed,
    residual_noise,
    to_simplified,
)
from builders.corpus.seeds import (
    Erratum,
    GarbledRun,
    Plan,
    RestoredChar,
    Seed,
    SeedError,
)


def make_seed(raw: str, script: str = "Simplified", doc_id: str = "test-plan") -> Seed:
    return Seed(Plan(doc_id, "raw/x.txt", "0" * 64, script, "t", "c"), raw, Path("raw/x.txt"))


def clean_text(raw: str, **kwargs) -> str:
    return clean_seed(make_seed(raw), **kwargs).text


def traced(doc) -> bool:
    return all(doc.raw_text[o] == c for c, o in zip(doc.text, doc.raw_offsets))


# --- pinyin -----------------------------------------------------------------


def test_pinyin_after_a_character_is_removed():
    assert clean_text("發(fā)展和規(guī)劃") == "發展和規劃"


@pytest.mark.parametrize(
    "kept",
    ["(责任单位:市发改委)", "推广政府和社会资本合作(PPP)模式", "规划(2016-2025)", "地区生产总值( GDP )"],
)
def test_real_parentheses_are_kept(kept):
    assert clean_text(kept) == kept.replace(" ", "")


def test_pinyin_not_after_a_han_character_is_left_for_review():
    # Only a pinyin directly after a Han character is the pasted kind.
    assert "(fā)" in clean_text("A(fā)B")
    assert residual_noise(clean_text("A(fā)B"))


# --- boilerplate, invisible characters, whitespace ---------------------------


def test_web_footer_lines_are_removed():
    raw = "正文。\n\n扫一扫在手机打开当前页面\n\n首页\xa0 | \xa0 网站地图\xa0 | 联系我们\n"
    assert clean_text(raw) == "正文。"


def test_stray_url_is_removed_with_its_space():
    raw = "严格落实国家《控制污染物排放许可制实施方案》 <http://zfs.mep.gov.cn/a.shtml>和《排污许可证管理暂行规定》"
    assert clean_text(raw) == "严格落实国家《控制污染物排放许可制实施方案》和《排污许可证管理暂行规定》"


def test_private_use_and_odd_spaces_are_removed():
    raw = "三、工作措施\ue004\n\n\u2002\u2002(一)严格责任落实。\ue004"
    assert clean_text(raw) == "三、工作措施\n(一)严格责任落实。"


def test_pdf_spaces_inside_numbers_and_quotes_are_removed():
    assert clean_text("完成 543.8 億元, “ 十四五 ” 時期") == "完成543.8億元,“十四五”時期"


def test_space_between_two_numbers_is_kept_so_they_never_merge():
    assert clean_text("深化 “13710 6 ” 制度") == "深化“13710 6”制度"
    assert clean_text("A\u2002B") == "A B"


def test_paragraphs_end_up_one_per_line():
    raw = "\r\n  一、总体要求\r\n\r\n  全面贯彻落实。  \r\n\r\n"
    assert clean_text(raw) == "一、总体要求\n全面贯彻落实。"


# --- restoration through the reviewed tables --------------------------------


def test_erratum_restores_and_logs_with_reason():
    raw = "吕梁市人民政府\n2013528\n"
    erratum = Erratum("test-plan", 8, "2013528", "2013年5月28日", "年/月/日 lost in scraping")
    doc = clean_seed(make_seed(raw), errata=[erratum])
    assert doc.text == "吕梁市人民政府\n2013年5月28日"
    [edit] = [e for e in doc.edits if e.kind == "erratum"]
    assert (edit.raw_start, edit.raw_end, edit.removed, edit.inserted) == (8, 15, "2013528", "2013年5月28日")
    assert doc.text[edit.clean_start : edit.clean_end] == "2013年5月28日"


def test_erratum_that_no_longer_matches_is_an_error():
    erratum = Erratum("test-plan", 0, "2013528", "2013年5月28日", "r")
    with pytest.raises(SeedError, match="expects '2013528'"):
        clean_seed(make_seed("2013年5月28日"), errata=[erratum])


def test_garble_repair_is_applied_before_pinyin_and_marks_context_as_low_confidence():
    raw = "構(gòu)建??萍纪度雽?shí)現(xiàn)增長"
    start = raw.index("??")
    run_text = "??萍纪度雽?shí)"
    chars = tuple(
        RestoredChar(c, start + k, "context" if k == 0 else "bytes") for k, c in enumerate("。科技投入實")
    )
    run = GarbledRun("test-plan", start, start + len(run_text), run_text, "。科技投入實", chars, "example")
    doc = clean_seed(make_seed(raw, "Traditional"), runs=[run])
    assert doc.text == "構建。科技投入實現增長"
    [edit] = [e for e in doc.edits if e.kind == "garble"]
    assert edit.low_confidence and edit.evidence[0] == "context"
    assert doc.text[edit.clean_start : edit.clean_end] == "。科技投入實"


def test_garble_entry_that_no_longer_matches_is_an_error():
    run = GarbledRun("test-plan", 0, 2, "??", "。", (RestoredChar("。", 0, "context"),), "")
    with pytest.raises(SeedError, match="garbled_runs.yaml"):
        clean_seed(make_seed("ab"), runs=[run])


def test_overlapping_repairs_are_refused():
    errata = [Erratum("test-plan", 0, "abc", "x", "r"), Erratum("test-plan", 1, "bc", "y", "r")]
    with pytest.raises(SeedError, match="overlaps"):
        clean_seed(make_seed("abcd"), errata=errata)


# --- the offset map ---------------------------------------------------------


def test_every_removed_raw_character_is_logged_and_every_clean_one_traced():
    raw = "  發(fā)展 543.8 億元\ue004\n\n扫一扫在手机打开当前页面"
    doc = clean_seed(make_seed(raw, "Traditional"))
    assert traced(doc)
    kept = set(doc.raw_offsets)
    removed = sorted(i for i in range(len(raw)) if i not in kept)
    logged = sorted(
        i for e in doc.edits for i in range(e.raw_start, e.raw_end) if i not in kept and raw[i] in e.removed
    )
    assert removed == sorted(set(logged))


def test_apply_changes_logs_raw_coordinates_through_earlier_passes():
    draft = Draft("ab", array(OFFSET_TYPE, [3, 7]), 9)
    new, [edit] = apply_changes(draft, [Change(1, 2, "", "whitespace", "r")])
    assert (new.text, list(new.raw_offsets)) == ("a", [3])
    assert (edit.raw_start, edit.raw_end, edit.removed) == (7, 8, "b")


# --- script conversion ------------------------------------------------------


@pytest.mark.parametrize(
    "traditional, simplified",
    [("著力", "着力"), ("著眼", "着眼"), ("隨著", "随着"), ("著名", "著名"), ("顯著", "显著"), ("發展規劃", "发展规划")],
)
def test_simplified_text_uses_taiwan_standard_tables(traditional, simplified):
    assert to_simplified(traditional, "Traditional") == simplified


def test_simplified_plan_is_not_converted():
    assert to_simplified("著力 乾坤", "Simplified") == "著力 乾坤"


def test_conversion_that_changes_length_names_the_first_position(monkeypatch):
    class Stretching:
        def convert(self, text):
            return text.replace("乙", "乙乙")

    monkeypatch.setattr(clean_module, "_converter", lambda config: Stretching())
    with pytest.raises(ScriptConversionError, match="clean offset 4"):
        to_simplified("甲甲\n甲乙甲", "Traditional", doc_id="d")


def test_reviewed_noise_removal_applies_and_a_stale_entry_is_an_error():
    from builders.corpus.seeds import NoiseRemoval

    raw = "加快構建 “ 五縱六橫 7 ” ,暢通"
    marker = NoiseRemoval("test-plan", raw.index("7"), "7", "footnote_marker", "footnote reference")
    doc = clean_seed(make_seed(raw, "Traditional"), noise=[marker])
    assert doc.text == "加快構建“五縱六橫”,暢通"
    assert [e.kind for e in doc.edits if e.removed == "7"] == ["footnote_marker"]
    stale = NoiseRemoval("test-plan", 0, "7", "footnote_marker", "r")
    with pytest.raises(SeedError, match="noise.yaml"):
        clean_seed(make_seed(raw, "Traditional"), noise=[stale])


# --- page furniture ------------------------------------------------------------


@pytest.mark.parametrize(
    "furniture",
    [
        "— 7 —",
        "- 18 -",
        "第 3 页 共 41 页",
        "第５页",
        "12/40",
        "索引号 | 000014349/2023-00077 | 发布机构 | 某县人民政府",
        "发文字号｜某政发〔2023〕4号｜成文日期｜2023-05-06",
        "全文",
        "打印本页 关闭窗口",
        "【字体：大 中 小】",
        "当前位置：首页 > 政务公开 > 计划规划",
    ],
)
def test_page_furniture_lines_are_removed_and_logged(furniture):
    raw = f"一、总体目标\n{furniture}\n到2030年基本建成。"
    doc = clean_seed(make_seed(raw))
    assert doc.text == "一、总体目标\n到2030年基本建成。"
    removed = [e for e in doc.edits if e.kind == "boilerplate"]
    assert len(removed) == 1 and furniture.strip() in removed[0].removed and removed[0].reason
    assert traced(doc)


def test_lines_that_only_look_like_furniture_stay():
    raw = "全文共分五章。\n发布机构改革方案后实施。\n首页设计大赛由市文旅局承办。"
    assert clean_text(raw) == raw


def test_running_header_keeps_its_first_occurrence_only():
    header = "某市城乡融合发展规划（2025—2035年）"
    raw = "\n".join([header, "第一章总则", "加快发展。", header, "第二章布局", "优化布局。", header, "第三章保障", "强化保障。"])
    doc = clean_seed(make_seed(raw))
    assert doc.text.count(header) == 1 and doc.text.startswith(header + "\n第一章总则")
    assert sum("running header" in e.reason for e in doc.edits) == 2
    assert traced(doc)


def test_a_line_seen_twice_is_not_a_running_header():
    raw = "某市人民政府\n现印发。\n某市人民政府\n2024年1月2日"
    assert clean_text(raw) == raw


# --- hostile encodings: line endings, bidi controls, NFD ----------------------


def traced_through_equivalents(doc) -> bool:
    """Every clean character equals its raw character, or is the NFC or line
    break a logged equivalence edit put in for the raw characters it covers."""
    from builders.corpus.clean import EQUIVALENT_KINDS

    allowed = {}  # raw offset -> the characters an equivalence edit put in for it
    for edit in doc.edits:
        if edit.kind in EQUIVALENT_KINDS:
            assert edit.inserted == ("\n" if edit.kind == "line_ending" else unicodedata.normalize("NFC", edit.removed))
            assert doc.raw_text[edit.raw_start : edit.raw_end] == edit.removed
            allowed[edit.raw_start] = edit.inserted
    return all(doc.raw_text[o] == c or c in allowed.get(o, "") for c, o in zip(doc.text, doc.raw_offsets))


def test_carriage_returns_alone_are_line_breaks():
    raw = "一、发展目标\r到2025年,新增就业岗位1万个。\r二、重点任务\r"
    doc = clean_seed(make_seed(raw))
    assert doc.text == "一、发展目标\n到2025年,新增就业岗位1万个。\n二、重点任务"
    breaks = [e for e in doc.edits if e.kind == "line_ending"]
    assert [e.raw_start for e in breaks] == [6, 24, 31]
    assert traced_through_equivalents(doc)
    # CRLF and LF files are unchanged by this pass: CRLF's CR is whitespace.
    assert clean_text(raw.replace("\r", "\r\n")) == doc.text
    assert not [e for e in clean_seed(make_seed(raw.replace("\r", "\r\n"))).edits if e.kind == "line_ending"]


@pytest.mark.parametrize("control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u200b", "\u2060"])
def test_bidi_and_zero_width_controls_are_removed_and_logged(control):
    raw = f"由市{control}发展改革委{control}牵头。"
    doc = clean_seed(make_seed(raw))
    assert doc.text == "由市发展改革委牵头。"
    [edit_a, edit_b] = [e for e in doc.edits if e.kind == "invisible"]
    assert (edit_a.raw_start, edit_a.raw_end, edit_a.removed) == (2, 3, control)
    assert f"U+{ord(control):04X}" in edit_a.reason
    assert (edit_b.raw_start, edit_b.removed) == (8, control)
    assert traced(doc)


def test_decomposed_text_is_composed_to_nfc_traced_and_its_pinyin_removed():
    composed = "發(fā)展數字經濟,café 项目"
    raw = unicodedata.normalize("NFD", composed)
    assert raw != composed
    doc = clean_seed(make_seed(raw, "Traditional"))
    assert doc.text == "發展數字經濟,café项目"  # the layout space before Han goes too
    nfc = [e for e in doc.edits if e.kind == "nfc"]
    assert [(e.removed, e.inserted) for e in nfc] == [("a\u0304", "ā"), ("e\u0301", "é")]
    assert "U+0301" in nfc[1].reason
    # the composed é traces to its base letter e in the raw text
    index = doc.text.index("é")
    assert raw[doc.raw_offsets[index]] == "e"
    assert traced_through_equivalents(doc)
    assert all(b >= a for a, b in zip(doc.raw_offsets, doc.raw_offsets[1:]))


@pytest.mark.parametrize("furniture", ["— 7 —", "- 12 -", "第 6 页 共 18 页"])
def test_a_paragraph_cut_by_a_page_break_is_rejoined_and_the_edit_logged(furniture):
    raw = f"到2025年，农村自来水普及率达到\n{furniture}\n92%，供水保障能力明显提升。"
    doc = clean_seed(make_seed(raw))
    assert doc.text == "到2025年，农村自来水普及率达到92%，供水保障能力明显提升。"
    assert any("page break inside a paragraph" in edit.reason for edit in doc.edits)


@pytest.mark.parametrize(
    "first, second",
    [
        ("全年完成植树造林2.6万亩。", "新建城市公园6个。"),  # the line above ends a sentence
        ("（三）推进城乡供水一体化", "到2025年，普及率达到92%。"),  # a heading: no inner punctuation
        ("到2025年，主要目标如下，", "1.地区生产总值增长6%。"),  # the line below starts an item
    ],
)
def test_lines_around_a_page_break_stay_apart_when_they_are_not_one_paragraph(first, second):
    doc = clean_seed(make_seed(f"{first}\n- 4 -\n{second}"))
    assert doc.text == f"{first}\n{second}"
