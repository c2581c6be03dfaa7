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
