"""The rule proposer on invented plan text: roles from assignment wording
(R2, R3, R4, R6) and measurement links, kind and change (R8-R15)."""

from __future__ import annotations

from builders.annotation.labels import Span
from builders.annotation.relations.items import PlanView, structural_tasks
from builders.annotation.relations.propose import propose_measurements, propose_tasks


def make_plan(text: str, marks: list[tuple[str, str]], doc_id: str = "test-plan") -> PlanView:
    """A plan from invented text; `marks` are (surface, label) in reading order."""
    spans, cursor = [], 0
    for surface, label in marks:
        at = text.index(surface, cursor)
        spans.append(Span(at, at + len(surface), label))
        cursor = at + len(surface)
    return PlanView.from_text(doc_id, text, spans)


def roles_by_name(plan: PlanView) -> dict[str, str]:
    return {plan.text[r.dept.start : r.dept.end]: r.role for t in propose_tasks(plan) for r in t.roles}


TASKS = (
    "一、重点任务\n"
    "1.推进智慧交通平台建设。完善数据共享。(牵头单位:市交通局;配合单位:市公安局、市数据中心)\n"
    "2.完善农村客运网络。积极争取省交通厅支持。(责任单位:市运管局、市财政局)\n"
    "3.加快物流园区建设。(市商务局、市住建局)\n"
)


def test_labels_give_lead_support_and_responsible():
    plan = make_plan(TASKS, [("市交通局", "DEPT"), ("市公安局", "DEPT"), ("市数据中心", "DEPT"), ("省交通厅", "DEPT"),
                             ("市运管局", "DEPT"), ("市财政局", "DEPT"), ("市商务局", "DEPT"), ("市住建局", "DEPT")])
    roles = roles_by_name(plan)
    assert roles == {
        "市交通局": "lead", "市公安局": "support", "市数据中心": "support",
        "市运管局": "responsible", "市财政局": "responsible",
        "市商务局": "responsible", "市住建局": "responsible",
    }
    # R4: a body mentioned in the task text gets no role.
    assert "省交通厅" not in roles


def test_task_text_leaves_out_marker_and_trailer():
    plan = make_plan(TASKS, [])
    first = structural_tasks(plan)[0]
    assert plan.text[first.start : first.end] == "推进智慧交通平台建设。完善数据共享。"


def test_first_listed_leads_when_the_plan_says_so():
    text = "各项任务排在第一位的为牵头单位。\n一、任务\n1.建设污水管网。(市住建局、市环保局、市财政局)\n"
    plan = make_plan(text, [("市住建局", "DEPT"), ("市环保局", "DEPT"), ("市财政局", "DEPT")])
    assert roles_by_name(plan) == {"市住建局": "lead", "市环保局": "support", "市财政局": "support"}
    [task] = [t for t in propose_tasks(plan) if t.roles]
    assert text[task.lead_rule[0] : task.lead_rule[1]].startswith("排在第一位")


def test_prose_assignment_makes_a_sentence_task():
    text = "加强组织领导。由市发改委牵头,市统计局、市财政局配合,按季度通报进展。市环保局提出了意见。\n"
    plan = make_plan(text, [("市发改委", "DEPT"), ("市统计局", "DEPT"), ("市财政局", "DEPT"), ("市环保局", "DEPT")])
    assert roles_by_name(plan) == {"市发改委": "lead", "市统计局": "support", "市财政局": "support"}


def measurements(text: str, marks) -> dict[str, tuple]:
    plan = make_plan(text, marks)
    name = lambda s: None if s is None else plan.text[s.start : s.end]  # noqa: E731
    return {name(m.value): (name(m.indicator), name(m.date), m.kind, m.change) for m in propose_measurements(plan)}


def test_continuing_clauses_link_to_the_subject_and_reference_years_are_not_dates():
    text = "到2025年,工业增加值从120亿元增加到180亿元,年均增长8.5%;单位能耗比2020年下降13%。\n"
    found = measurements(text, [("2025年", "DATE"), ("工业增加值", "INDICATOR"), ("120亿元", "VALUE"), ("180亿元", "VALUE"),
                                ("8.5%", "VALUE"), ("单位能耗", "INDICATOR"), ("2020年", "DATE"), ("13%", "VALUE")])
    assert found["120亿元"] == ("工业增加值", "2025年", "baseline", False)
    assert found["180亿元"] == ("工业增加值", "2025年", "target", False)
    assert found["8.5%"] == ("工业增加值", "2025年", "target", True)
    # R13: 比2020年 is the reference of the change, so the value keeps the target date.
    assert found["13%"] == ("单位能耗", "2025年", "target", True)


def test_distributive_lists_pair_in_order_and_counts_link_to_their_noun():
    text = "城镇调查失业率、农村低保覆盖率分别达到5%和98%,建成3个示范园区。\n"
    found = measurements(text, [("城镇调查失业率", "INDICATOR"), ("农村低保覆盖率", "INDICATOR"), ("5%", "VALUE"),
                                ("98%", "VALUE"), ("3个", "VALUE"), ("示范园区", "INDICATOR")])
    assert found["5%"][0] == "城镇调查失业率"
    assert found["98%"][0] == "农村低保覆盖率"
    assert found["3个"][0] == "示范园区"


def test_results_in_a_review_section_are_actual():
    text = "一、发展基础\n过去五年,全市地区生产总值已达到800亿元。\n"
    found = measurements(text, [("地区生产总值", "INDICATOR"), ("800亿元", "VALUE")])
    assert found["800亿元"][2] == "actual"
