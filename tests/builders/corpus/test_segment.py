"""Structure: headings nest by first appearance, task items carry their
trailers, and units tile the text sentence by sentence."""

import pytest

from builders.corpus.segment import (
    is_unit_list,
    read_assignment,
    load_rules,
    segment,
    sentence_spans,
    trailer_span,
)

RULES = load_rules()


def kinds(text):
    structure = segment(text)
    return [(b.kind, b.marker_kind, b.level) for b in structure.blocks]


def test_heading_levels_follow_the_order_markers_first_appear():
    text = "一、重点任务\n(一)强化基础设施支撑。\n1.完善综合交通网。加快建设。\n(二)推进城镇化。\n1.提升。建设。\n二、工作措施\n全面落实。"
    assert kinds(text) == [
        ("heading", "一、", 1),
        ("heading", "(一)", 2),
        ("task", "1.", 3),
        ("heading", "(一)", 2),
        ("task", "1.", 3),
        ("heading", "一、", 1),
        ("paragraph", "", 0),
    ]


def test_single_sentence_leaf_followed_by_a_sibling_is_a_task_item():
    text = "三、主要目标\n(一)重要领域改革取得突破。\n(二)传统产业新型化取得进展。\n四、重大改革\n全面推进。"
    assert [k for k, _, _ in kinds(text)] == ["heading", "task", "task", "heading", "paragraph"]


def test_issuer_line_is_a_signature_only_above_a_date():
    text = "吕梁市人民政府\n关于印发吕梁市实施方案的通知\n现将方案印发给你们。\n吕梁市人民政府\n2013年5月28日"
    assert [b.kind for b in segment(text).blocks] == ["heading", "heading", "paragraph", "paragraph", "paragraph"]


def test_chapters_and_sections():
    text = "第一章扛起歷史使命\n第一節發展基礎\n綜合實力穩步增強。五年來……"
    structure = segment(text)
    assert [(b.kind, b.marker_kind) for b in structure.blocks] == [
        ("heading", "第X章"),
        ("heading", "第X节"),
        ("paragraph", ""),
    ]
    assert structure.blocks[2].section == ("第一章扛起歷史使命", "第一節發展基礎")


def test_numbered_line_with_body_is_a_task_item_not_a_heading():
    text = "(4)建设美丽宜居乡村。加强农牧民生产生活基础设施建设。(市住建委、财政局、发改委)"
    structure = segment(text)
    assert structure.blocks[0].kind == "task"
    assert [u.kind for u in structure.units] == ["sentence", "sentence", "trailer"]
    assert structure.units[-1].closes_unit == 0


def test_unnumbered_title_and_signature_lines():
    text = "忻州市贯彻落实《促进中部地区崛起“十三五”规划》实施方案\n忻州市人民政府办公厅\n2017年8月9日\n(此件公开发布)\n并政發〔2013〕30號"
    assert [b.kind for b in segment(text).blocks] == ["heading", "paragraph", "paragraph", "paragraph", "paragraph"]


@pytest.mark.parametrize(
    "trailer",
    [
        "(责任单位:市发改委、市商务局、市交通运输局)",
        "(牵头部门:市财政局、市科技局)",
        "(牽頭部門:市政務辦)",
        "(市环保局、发改委、水利局、国土局)",
        "(牵头部门:吕梁市军民融合协同创新研究院,离石区、柳林县、岚县、孝义市政府)",
        "(市发改委牵头,市财政局配合)",
        "(人民银行赤峰中心支行、投资促进局)",
        "(市编办、住建委及相关部门)",
        "(市铁路办)",
    ],
)
def test_responsibility_trailers_are_recognised(trailer):
    line = "加快推进。" + trailer
    assert trailer_span(line, 0, len(line), RULES) == (len("加快推进。"), len(line))


@pytest.mark.parametrize(
    "not_trailer", ["推广政府和社会资本合作(PPP)", "实施方案(2016-2025)", "各县(市、区)", "扶持吕梁科技创新园(孝义)"]
)
def test_other_parentheses_are_not_trailers(not_trailer):
    assert trailer_span(not_trailer, 0, len(not_trailer), RULES) is None


def test_bare_trailing_list_of_units_is_a_trailer():
    line = "完善考核体系。市发改委、市财政局"
    assert trailer_span(line, 0, len(line), RULES) == (len("完善考核体系。"), len(line))
    assert not is_unit_list("全面推进", RULES)


def test_sentences_end_after_closing_quotes_and_never_inside_brackets():
    text = "打造“中国砂都。”推进(一。二)建设。余下"
    spans = sentence_spans(text, 0, len(text), RULES)
    assert [text[a:b] for a, b in spans] == ["打造“中国砂都。”", "推进(一。二)建设。", "余下"]


def test_long_sentences_also_split_at_semicolons():
    clause = "加" * 160 + ";"
    text = clause + "再加;" + "完。"
    pieces = [text[a:b] for a, b in sentence_spans(text, 0, len(text), RULES)]
    assert pieces == [clause, "再加;完。"]


def test_units_tile_the_text_with_only_line_breaks_between():
    text = "一、总体要求\n全面贯彻。统筹推进。\n1.完善网络。加快建设。(责任单位:市发改委)"
    structure = segment(text)
    position = 0
    for unit in structure.units:
        assert set(text[position : unit.start]) <= {"\n"}
        position = unit.end
    assert position == len(text)


@pytest.mark.parametrize(
    "trailer",
    [
        "〔责任单位：市大数据局、市政务服务中心〕",
        "【牵头单位：市自然资源局；配合单位：市农业农村局】",
        "（预期性指标，牵头单位：市发展改革委；责任单位：市统计局，各县市区人民政府）",
        "（市政府办公室、市深化改革工作领导小组办公室牵头，市级各有关部门按职责分工负责）",
        "（市市场监管局牵头，市农业农村局、各县市区人民政府配合）",
        "（市委组织部、市考核办负责）",
        "(牽頭單位:市文化和旅遊局;配合單位:市交通運輸局)",
    ],
)
def test_assignments_in_other_brackets_and_forms_are_trailers(trailer):
    line = "完善机制。" + trailer
    assert trailer_span(line, 0, len(line), RULES) == (len("完善机制。"), len(line))


@pytest.mark.parametrize("not_trailer", ["各县区人民政府(管委会)", "定期会商。（牵头部", "完善储备。（牵头）", "加快推进（各有关部门）"])
def test_label_words_bare_endings_and_collectives_alone_are_not_lists(not_trailer):
    assert trailer_span(not_trailer, 0, len(not_trailer), RULES) is None


def test_collective_items_belong_to_the_list_but_are_not_bodies():
    content = "市发改委牵头，市财政局、各县（市、区）人民政府配合"
    assignment = read_assignment(content, RULES)
    assert [(content[i.start : i.end], i.collective) for i in assignment.items] == [
        ("市发改委", False),
        ("市财政局", False),
        ("各县（市、区）人民政府", True),
    ]
    assert assignment.roles and not assignment.labelled


def test_a_last_sentence_that_assigns_roles_is_a_trailer():
    line = "加强生态修复。实施修复工程。市林业局牵头，市水利局配合。"
    assert trailer_span(line, 0, len(line), RULES) == (len("加强生态修复。实施修复工程。"), len(line))
    plain = "加强生态修复。市林业局要加快实施修复工程。"
    assert trailer_span(plain, 0, len(plain), RULES) is None


def test_assignment_lines_under_a_target_close_it_and_do_not_make_it_a_heading():
    text = "1.地区生产总值增长6%左右。\n牵头单位：区发展改革局\n责任单位：各街道，区统计局\n2.固定资产投资增长8%。\n牵头单位：区发展改革局"
    structure = segment(text)
    assert [b.kind for b in structure.blocks] == ["task", "paragraph", "paragraph", "task", "paragraph"]
    trailers = [u for u in structure.units if u.kind == "trailer"]
    assert [text[u.start : u.end] for u in trailers] == ["牵头单位：区发展改革局", "责任单位：各街道，区统计局", "牵头单位：区发展改革局"]
    assert [u.closes_unit for u in trailers] == [0, 0, 3]


def test_signatures_of_any_body_above_a_date_are_not_headings():
    text = "现印发给你们。\n中共某市委办公室\n某市人民政府办公室\n二O二四年三月八日"
    assert [b.kind for b in segment(text).blocks] == ["paragraph"] * 4
    title = "某市人民政府办公室关于印发某市行动方案的通知\n现印发给你们。"
    assert segment(title).blocks[0].kind == "heading"


def test_boxes_nest_inside_their_section_and_full_width_markers_count():
    text = "（一）完善基础设施\n加快建设。\n专栏2 重大工程\n１．交通工程：新建公路10公里。\n２．水利工程：新建水库1座。\n（二）提升服务\n推进均等化。"
    assert kinds(text) == [
        ("heading", "(一)", 1),
        ("paragraph", "", 0),
        ("heading", "专栏", 2),
        ("task", "1.", 3),
        ("task", "1.", 3),
        ("heading", "(一)", 1),
        ("paragraph", "", 0),
    ]


def test_label_lines_under_a_target_leader_lines_and_chained_collectives():
    text = (
        "1.地区生产总值增长6%左右。\n"
        "牵头负责领导：李某。\n"
        "牵头责任单位：市发展改革委。\n"
        "协同责任单位：市统计局等，各县、市、区政府。"
    )
    structure = segment(text)
    # A leader line names a person: it is no list, and it does not make the target a heading.
    assert [b.kind for b in structure.blocks] == ["task", "paragraph", "paragraph", "paragraph"]
    trailers = [text[u.start : u.end] for u in structure.units if u.kind == "trailer"]
    assert trailers == ["牵头责任单位：市发展改革委。", "协同责任单位：市统计局等，各县、市、区政府。"]
    rules = load_rules()
    assignment = read_assignment("协同责任单位：市统计局等，各县、市、区政府", rules)
    bodies = [("协同责任单位：市统计局等，各县、市、区政府")[i.start : i.end] for i in assignment.items if not i.collective]
    assert bodies == ["市统计局"]  # 市 and 区政府 follow 各 through 、: collective


def test_numbered_actions_of_an_action_plan_are_headings():
    structure = segment("行动一：实施清洁生产改造\n到2025年，完成清洁生产审核80家。")
    assert [b.kind for b in structure.blocks] == ["heading", "paragraph"]
