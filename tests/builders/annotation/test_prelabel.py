"""The rule pre-annotator states conventions, not names: bodies by their form,
collectives and meetings excluded, values with units, indicators with or
without a cue, and a plan-level pass. All examples are invented."""

import pytest

from builders.annotation.prelabel import plan_bodies, pre_annotate, pre_annotate_document


def spans(text, known=()):
    return [(text[s.start : s.end], s.label) for s in pre_annotate(text, known)]


def depts(text, known=()):
    return [t for t, label in spans(text, known) if label == "DEPT"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("经市政府同意，转发市文广旅局的意见。", ["市政府", "市文广旅局"]),
        ("西岭市人民政府办公室关于印发某方案的通知", ["西岭市人民政府办公室"]),
        ("南坪县农业农村局", ["南坪县农业农村局"]),
        ("由市委宣传部牵头。", ["市委宣传部"]),
        ("市应急管理工作领导小组办公室负责调度。", ["市应急管理工作领导小组办公室"]),
    ],
)
def test_bodies_are_found_by_their_form(text, expected):
    assert depts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "市政府各部门要抓好落实。",
        "各县、区人民政府要加强领导。",
        "市人大五届二次会议审议通过。",
        "市委农村工作会议作出部署。",
        "完善城市管理局职能。",
        "按照省委托事项办理。",
    ],
)
def test_collectives_meetings_and_words_inside_words_are_not_bodies(text):
    assert depts(text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("城市污水处理率达到９５％。", [("城市污水处理率", "INDICATOR"), ("９５％", "VALUE")]),
        ("新增绿地面积120公顷。", [("新增绿地面积", "INDICATOR"), ("120公顷", "VALUE")]),
        ("二氧化氮年均浓度控制在30微克/立方米以下。", [("二氧化氮年均浓度", "INDICATOR"), ("30微克/立方米以下", "VALUE")]),
        ("培育8家领军企业。", [("8家", "VALUE"), ("领军企业", "INDICATOR")]),
        ("耕地保有量比2020年提高3个百分点。", [("耕地保有量", "INDICATOR"), ("2020年", "DATE"), ("3个百分点", "VALUE")]),
        (
            "化学需氧量和氨氮排放量分别下降9%和8%。",
            [("化学需氧量", "INDICATOR"), ("氨氮排放量", "INDICATOR"), ("9%", "VALUE"), ("8%", "VALUE")],
        ),
    ],
)
def test_indicators_and_values(text, expected):
    assert spans(text) == expected


@pytest.mark.parametrize("text", ["落实“两个坚持”要求。", "位列全省第五。", "确定的四项重点任务全部完成。", "甲镇、乙镇两个片区率先启动。"])
def test_numbers_in_slogans_ordinals_and_restated_counts_are_not_values(text):
    assert [label for _, label in spans(text)] == []


@pytest.mark.parametrize("text, date", [("展望二O四O年。", "二O四O年"), ("到２０３０年。", "２０３０年"), ("二〇二五年三月一日", "二〇二五年三月一日")])
def test_dates_in_any_digits(text, date):
    assert (date, "DATE") in spans(text)


def test_the_plan_level_pass_recognises_bodies_from_lists_signatures_and_definitions():
    text = (
        "由市乡村振兴服务局（以下简称市振兴局）统筹。\n"
        "完善机制。（责任单位：市数据资源服务局、甲县）\n"
        "交由市数据资源服务局归集，市振兴局复核，甲县配合。\n"
        "乙市人民政府办公室\n"
        "2025年1月2日"
    )
    lines, units, start = text.split("\n"), [], 0
    for index, line in enumerate(lines):
        units.append({"index": index, "start": start, "end": start + len(line)})
        start += len(line) + 1
    assert set(plan_bodies(text, units)) >= {"市数据资源服务局", "市振兴局", "乙市人民政府办公室"}
    assert "甲县" not in plan_bodies(text, units)  # a bare place stands for a body only in a list (D15)
    third = pre_annotate_document(text, units)[2]
    assert [text[s.start : s.end] for s in third if s.label == "DEPT"] == ["市数据资源服务局", "市振兴局"]


@pytest.mark.parametrize(
    "text, expected",
    [
        # A place name no word list knows, at the start of a clause, before the level prefix.
        ("柳湾县人民政府负责组织实施。", ["柳湾县人民政府"]),
        ("桐溪镇人民政府牵头，镇财政所配合。", ["桐溪镇人民政府", "镇财政所"]),
        # Either script: jieba reads a Simplified copy of the window.
        ("設立南嶼市城市更新工作領導小組。", ["南嶼市城市更新工作領導小組"]),
        # 和 inside one name; a preposition or a verb glued to the prefix is not a place.
        ("由市住房和城乡建设局统筹。", ["市住房和城乡建设局"]),
        ("青岗县人民政府会同县自然资源和规划局开展排查。", ["青岗县人民政府", "县自然资源和规划局"]),
    ],
)
def test_bodies_with_unseen_places_and_names_joined_by_he(text, expected):
    assert depts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "批转市场主体登记办法。",  # 批转 is a verb, not a place
        "优化城乡空间布局。",  # 城乡: 乡 is no prefix inside a word
        "建成现代化区域中心城市。",
        "促进县城和中心镇协调发展。",  # 县城 is a word, so 县 starts no body
        "市委市政府高度重视。",  # two bodies, never one with a place 市委
    ],
)
def test_words_that_only_look_like_places_or_prefixes_make_no_body(text):
    assert "市委市政府" not in depts(text) and all(len(d) <= 3 for d in depts(text))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("全年居民消费价格比上年上涨2.1%。", [("居民消费价格", "INDICATOR"), ("2.1%", "VALUE")]),
        ("社会消费品零售总额850亿元，比上年增长4.2%。", [("社会消费品零售总额", "INDICATOR"), ("850亿元", "VALUE"), ("4.2%", "VALUE")]),
        ("企业开办时间压缩至2个工作日以内。", [("企业开办时间", "INDICATOR"), ("2个工作日以内", "VALUE")]),
        ("重污染天数控制在4天以内。", [("重污染天数", "INDICATOR"), ("4天以内", "VALUE")]),
        ("推动12万亩天然林纳入保护范围。", [("12万亩", "VALUE"), ("天然林纳入保护范围", "INDICATOR")]),
        ("年内培育2个千亿级产业集群。", [("2个", "VALUE"), ("千亿级产业集群", "INDICATOR")]),
    ],
)
def test_comparisons_with_the_previous_year_durations_and_grades(text, expected):
    assert spans(text) == expected
