"""The normaliser on invented plan-like phrases (GUIDELINES.md N3-N13,
H70-H84): every case is a decision of section 11."""

from __future__ import annotations

import pytest

from builders.annotation.normalization.dates import normalize_date
from builders.annotation.normalization.model import check_date, check_fields
from builders.annotation.normalization.numbers import as_number, leading_number
from builders.annotation.normalization.tables import TableError, load_departments, load_periods, load_settings
from builders.annotation.normalization.values import list_bounds, normalize_value
from builders.project import ROOT

SETTINGS = load_settings()
PERIODS = load_periods(ROOT / "annotations" / "normalization" / "periods.yaml")


@pytest.mark.parametrize("text, number, rest", [
    ("3000亿元", 300000000000, "元"),
    ("6.7万立方米/日", 67000, "立方米/日"),
    ("十座", 10, "座"),
    ("10万吨级", 100000, "吨级"),
    ("百万人口", 1000000, "人口"),
    ("千万千瓦级", 10000000, "千瓦级"),
    ("120万千瓦", 1200000, "千瓦"),
    ("23.50%", 23.5, "%"),
    ("３５０万元", 3500000, "元"),
    ("两座", 2, "座"),
])
def test_numbers_fold_scale_words_exactly(text, number, rest):
    value, left = leading_number(text, SETTINGS)
    assert as_number(value) == number and left == rest


def test_fractions_and_no_number():
    value, rest = leading_number("三分之一左右", SETTINGS)
    assert float(value) == pytest.approx(1 / 3) and rest == "左右"
    assert leading_number("若干", SETTINGS) is None


def fields(proposal, names=("lo", "hi", "unit", "bound")):
    assert proposal.resolved, proposal.reason
    return tuple(proposal.fields[n] for n in names)


@pytest.mark.parametrize("text, before, expected", [
    ("95%以上", "覆盖率达到", (95, None, "%", "ge")),
    ("4.5%以内", "失业率控制在", (None, 4.5, "%", "le")),
    ("6%", "失业率控制在", (None, 6, "%", "le")),
    ("300克", "煤耗不超过", (None, 300, "克", "le")),
    ("450亿元", "总投资约", (45000000000, 45000000000, "元", "approx")),
    ("1万亿元", "收入突破", (1000000000000, None, "元", "gt")),
    ("20余个", "建成", (20, None, "个", "gt")),
    ("90%", "力争达到", (90, 90, "%", "eq")),
    ("90%", "确保", (90, 90, "%", "eq")),
    ("1%-2%", "占比", (1, 2, "%", "range")),
    ("3—5个", "建设", (3, 5, "个", "range")),
    ("0", "发生率降为", (0, 0, "", "eq")),
    ("7%", "年均增长", (7, 7, "%", "eq")),
    ("亿元以上", "培育营业收入", (100000000, None, "元", "ge")),
    ("低于5%", "", None),
])
def test_values(text, before, expected):
    proposal = normalize_value(text, before, SETTINGS)
    if expected is None:
        assert not proposal.resolved and proposal.reason == "value_unreadable"
    else:
        assert fields(proposal) == expected
        assert check_fields("VALUE", proposal.fields) == []


def test_comparator_only_in_the_same_clause():
    assert fields(normalize_value("80%", "成本不超过。覆盖率达到", SETTINGS))[3] == "eq"
    assert normalize_value("5%", "低于", SETTINGS).fields["bound"] == "lt"


def test_contradictory_bounds_are_not_guessed():
    proposal = normalize_value("90%以下", "不低于", SETTINGS)
    assert not proposal.resolved and proposal.reason == "contradictory_bounds"


def test_bound_after_the_last_value_of_a_fenbie_list_applies_to_all():
    text = "两项参保率分别达到92%和96%以上,覆盖率达到80%。"
    spans = [(text.index("92%"), text.index("92%") + 3), (text.index("96%以上"), text.index("96%以上") + 5),
             (text.index("80%"), text.index("80%") + 3)]
    lists = list_bounds(spans, text, SETTINGS)
    assert lists[spans[0]] == ("ge", None) and spans[2] not in lists
    first = normalize_value("92%", text[: spans[0][0]], SETTINGS, list_bound="ge")
    assert fields(first) == (92, None, "%", "ge")


def test_comparator_before_a_fenbie_list():
    text = "两项比例分别不低于85%、90%。"
    spans = [(text.index("85%"), text.index("85%") + 3), (text.index("90%"), text.index("90%") + 3)]
    assert list_bounds(spans, text, SETTINGS)[spans[1]] == (None, "ge")


@pytest.mark.parametrize("text, interval", [
    ("2030年", ("2030", "2030")),
    ("2019年6月30日", ("2019-06-30", "2019-06-30")),
    ("2019年6月", ("2019-06", "2019-06")),
    ("二〇三〇年", ("2030", "2030")),
    ("2016-2018年", ("2016", "2018")),
    ("2019年底", ("2019-12", "2019-12")),
    ("2024年上半年", ("2024-01", "2024-06")),
    ("2024年第三季度", ("2024-07", "2024-09")),
    ("“十三五”期间", ("2016", "2020")),
    ("十四五", ("2021", "2025")),
    ("“十四五”末", ("2025", "2025")),
    ("十三五初", ("2016", "2016")),
    ("“十二五”后三年", ("2013", "2015")),
    ("第十五个五年", ("2026", "2030")),
    ("十五五时期", ("2026", "2030")),
])
def test_dates(text, interval):
    proposal = normalize_date(text, PERIODS, SETTINGS)
    assert fields(proposal, ("date_from", "date_to")) == interval
    assert check_fields("DATE", proposal.fields) == []


@pytest.mark.parametrize("text, reason", [("2020年以来", "date_suffix_unknown"), ("近年", "date_unreadable"),
                                          ("十四五中期", "period_suffix_unknown")])
def test_unreadable_dates_get_a_reason(text, reason):
    assert normalize_date(text, PERIODS, SETTINGS).reason == reason


def test_date_and_field_checks():
    assert check_date("2021-02-29") and check_date("2021-13") and check_date("21") and not check_date("2024-02-29")
    assert check_fields("VALUE", {"lo": 1, "hi": 1, "unit": "", "bound": "ge"}) == ["ge needs lo and hi = null"]
    assert check_fields("DATE", {"date_from": "2025", "date_to": "2021"}) == ["date_from is after date_to"]
    assert "unit must be null" in check_fields("DATE", {"date_from": "2021", "date_to": "2021", "unit": "%"})[0]


def test_bad_tables_name_file_and_entry(tmp_path):
    path = tmp_path / "departments.yaml"
    review = "review: {by: x, decision: accepted}"
    path.write_text(f"- {{id: Bad Id, canonical: x, level: city, aliases: [a], source: s, {review}}}\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"departments.yaml: entry 1 \(Bad Id\): id 'Bad Id'"):
        load_departments(path)
    path.write_text(
        f"- {{id: a, canonical: x, level: city, aliases: [财政局], source: s, {review}}}\n"
        f"- {{id: b, canonical: y, level: city, aliases: [财政局], source: s, {review}}}\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"entry 2 \(b\): alias '财政局'"):
        load_departments(path)
    periods = tmp_path / "periods.yaml"
    periods.write_text("- {number: 1, names: [一五], first: 1957, last: 1953}\n", encoding="utf-8")
    with pytest.raises(TableError, match="periods.yaml: entry 1"):
        load_periods(periods)


@pytest.mark.parametrize("text, expected", [
    ("百分之八十五", (85, 85, "%", "eq")),
    ("百分之七十以上", (70, None, "%", "ge")),
    ("百分之五至百分之八", (5, 8, "%", "range")),
    ("千分之三", (3, 3, "‰", "eq")),
    ("五分之一", (0.2, 0.2, "", "eq")),
])
def test_a_percentage_written_out_is_its_numerator_in_percent(text, expected):
    # A29: 百分之X is X %, 千分之X is X ‰; other fractions stay quotients.
    assert fields(normalize_value(text, "", SETTINGS)) == expected


@pytest.mark.parametrize("text, years", [("“十三五”末期", ("2020", "2020")), ("十四五初期", ("2021", "2021"))])
def test_early_and_late_stage_of_a_period(text, years):
    proposal = normalize_date(text, PERIODS, SETTINGS)
    assert (proposal.fields["date_from"], proposal.fields["date_to"]) == years
