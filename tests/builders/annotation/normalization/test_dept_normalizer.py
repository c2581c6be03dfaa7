"""DEPT normalisation (GUIDELINES.md N14-N18) on invented names in invented
plans: the jurisdiction from the prefix or the manifest, the alias table, the
plan's year, Traditional script, and a reason code instead of a guess."""

from __future__ import annotations

import pytest

from builders.annotation.normalization.departments import (
    REASONS, PlanPlace, default_table, dept_id_for, list_levels, normalize_dept, normalize_depts, plan_year,
)
from builders.annotation.normalization.tables import TableError, load_departments

DATONG = {"city": "大同市", "province": "山西省", "issue_date": "2016-03-01", "script": "Simplified"}
LATER = {**DATONG, "issue_date": "2021-05-01"}
TRAD = {**DATONG, "script": "Traditional"}
REGION = {"city": "乌海市", "province": "内蒙古自治区", "issue_date": None, "plan_period": "2016-2020", "script": "Simplified"}


def read(text, plan=DATONG, **kw):
    return normalize_dept(text, plan, **kw)


def test_forms_of_one_body_get_one_name_and_id():
    forms = ["市发改委", "市发展改革委", "发改委", "大同市发展和改革委员会", "大同发改委"]
    results = {(read(f).canonical, read(f).dept_id) for f in forms}
    assert results == {("大同市发展和改革委员会", "大同市/development-reform")}


def test_traditional_span_is_read_in_simplified():
    result = read("市發改委", TRAD)
    assert result.canonical == "大同市发展和改革委员会" and result.dept_id == "大同市/development-reform"
    assert read("市環保局", TRAD).canonical == "大同市环境保护局"


def test_levels_from_prefixes():
    assert read("省政府").canonical == "山西省人民政府"
    assert read("省委").canonical == "中国共产党山西省委员会"
    assert read("自治区政府", REGION).dept_id == "内蒙古自治区/government"
    assert read("自治区党委", REGION).canonical == "中国共产党内蒙古自治区委员会"
    assert read("国家发改委").dept_id == "国家/development-reform"
    assert read("党中央").canonical == "中国共产党中央委员会"
    assert read("市委组织部").canonical == "中国共产党大同市委员会组织部"
    assert read("市政协").canonical == "中国人民政治协商会议大同市委员会"


def test_counties_keep_their_name_and_districts_take_their_city():
    assert read("阳高县政府").canonical == "阳高县人民政府"
    assert read("阳高县").dept_id == "阳高县/government"  # bare place in a list (D15)
    assert read("新荣区政府").canonical == "大同市新荣区人民政府"


def test_renamed_bodies_follow_the_plan_year():
    assert read("国土局").canonical == "大同市国土资源局"
    assert read("国土局", LATER).reason == "not_valid_in_year"
    assert read("自然资源局", LATER).dept_id == "大同市/natural-resources"
    assert read("卫计委").reason is None and read("卫生局").reason == "not_valid_in_year"


def test_common_bodies_of_each_level_and_their_successors():
    assert read("省财政厅").canonical == "山西省财政厅"
    assert read("国家统计局").dept_id == "国家/statistics" and read("统计局").dept_id == "大同市/statistics"
    assert read("市安监局").reason is None and read("市应急管理局").reason == "not_valid_in_year"
    assert read("市应急管理局", LATER).canonical == "大同市应急管理局"
    assert read("国务院国资委").canonical == "国务院国有资产监督管理委员会"
    assert read("市 发改委").dept_id == "大同市/development-reform"  # a layout space


def test_plan_year_from_issue_date_then_period():
    assert plan_year(DATONG) == 2016 and plan_year(REGION) == 2016
    assert plan_year({"issue_date": None, "plan_period": None}) is None


@pytest.mark.parametrize("text, plan, reason", [
    ("自治区政府", DATONG, "jurisdiction_mismatch"),
    ("省政府", REGION, "jurisdiction_mismatch"),
    ("县政府", DATONG, "jurisdiction_not_named"),
    ("市发改委", {**DATONG, "city": None}, "jurisdiction_not_named"),
    ("朔州市政府", DATONG, "place_outside_plan"),
    ("市星河办", DATONG, "unknown_body"),
    ("云梦湖开发指挥部", DATONG, "unknown_body"),
    ("", DATONG, "empty"),
])
def test_unreadable_spans_get_a_reason_and_no_name(text, plan, reason):
    result = read(text, plan)
    assert result.reason == reason and result.canonical is None and result.dept_id is None
    assert result.proposal().reason == reason and reason in REASONS


def test_elided_names_take_their_lists_level():
    text = "列入国家发改委、能源局规划,由市经信委、发改委、财政局牵头"
    spans = [(text.index(w), text.index(w) + len(w)) for w in ("国家发改委", "能源局", "市经信委")]
    second_fgw = text.index("发改委", text.index("市经信委"))
    spans += [(second_fgw, second_fgw + 3), (text.index("财政局"), text.index("财政局") + 3)]
    levels = list_levels(spans, text, DATONG)
    assert levels[spans[1]] == "central" and levels[spans[3]] == "city" and levels[spans[4]] == "city"
    assert read("能源局", list_level="central").dept_id == "国家/energy-administration"
    assert read("发改委", list_level="city").dept_id == "大同市/development-reform"
    assert read("发改委", list_level="central").dept_id == "国家/development-reform"
    readings = normalize_depts(spans, text, DATONG)
    assert [readings[s].dept_id for s in spans] == [
        "国家/development-reform", "国家/energy-administration", "大同市/economy-information",
        "大同市/development-reform", "大同市/finance"]


def test_whole_span_aliases_name_branches_with_their_city():
    assert read("人民银行大同市中心支行").canonical == "中国人民银行大同市中心支行"
    assert read("人民银行大同中心支行").dept_id == "大同市/peoples-bank-branch"
    assert read("大同银监分局").canonical == "中国银行业监督管理委员会大同监管分局"


def test_ids_of_bodies_outside_the_table_are_deterministic():
    a = dept_id_for("大同市", "大同市云梦湖开发指挥部")
    assert a == dept_id_for("大同市", "大同市云梦湖开发指挥部") and a.startswith("大同市/name-") and len(a.split("-")[-1]) == 12
    assert a != dept_id_for("大同市", "大同市星河办公室")


def test_committed_table_is_reviewed():
    table = default_table()
    assert len(table) >= 50
    for body in table:
        assert body.review["by"] and body.review["decision"] in ("accepted", "corrected"), body.id
        assert body.source
    assert isinstance(PlanPlace.from_manifest(DATONG).year, int)


def _table(tmp_path, text):
    path = tmp_path / "departments.yaml"
    path.write_text(text, encoding="utf-8")
    return path


REVIEW = "review: {by: x, decision: accepted}"


def test_alias_table_errors_name_file_and_entry(tmp_path):
    with pytest.raises(TableError, match=r"departments.yaml: entry 1: missing review"):
        load_departments(_table(tmp_path, "- {id: a, canonical: x, level: city, aliases: [财政局], source: s}\n"))
    with pytest.raises(TableError, match=r"entry 1 \(a\): unknown placeholder \{town\}"):
        load_departments(_table(tmp_path, f"- {{id: a, canonical: '{{town}}局', level: city, aliases: [局], source: s, {REVIEW}}}\n"))
    with pytest.raises(TableError, match=r"entry 1 \(a\): review needs"):
        load_departments(_table(tmp_path, "- {id: a, canonical: x, level: city, aliases: [局], source: s, review: {by: x, decision: maybe}}\n"))


def test_same_alias_in_two_periods_is_ambiguous_without_a_year(tmp_path):
    path = _table(tmp_path, (
        f"- {{id: old-name, canonical: '{{city}}甲局', level: city, aliases: [甲局], valid_to: 2017, source: s, {REVIEW}}}\n"
        f"- {{id: new-name, canonical: '{{city}}乙局', level: city, aliases: [甲局], valid_from: 2018, source: s, {REVIEW}}}\n"))
    table = load_departments(path)
    assert normalize_dept("市甲局", DATONG, table).canonical == "大同市甲局"
    assert normalize_dept("市甲局", LATER, table).canonical == "大同市乙局"
    assert normalize_dept("市甲局", {**DATONG, "issue_date": None}, table).reason == "ambiguous"
