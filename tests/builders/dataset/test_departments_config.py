"""The `departments` config: one row per dept_id, added up from the plans'
compact summaries, with the alias table's level; deterministic; empty, with
a card line saying why, when the project has no alias table."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from builders.annotation.normalization.tables import Body
from builders.build import build
from builders.dataset.normalized.departments import department_rows, plan_bodies

PLAN_A = {"city": "甲州市", "province": "乙省"}
PLAN_B = {"city": "丙州市", "province": "乙省"}
TABLE = [Body(id="development-reform", canonical="{city}发展和改革委员会", level="city", aliases=("发改委",)),
         Body(id="development-reform", canonical="{province}发展和改革委员会", level="province", aliases=("发改委",))]


def dept(text: str, canonical: str | None, dept_id: str | None) -> dict:
    fields = dict.fromkeys(("lo", "hi", "unit", "bound", "date_from", "date_to"))
    return {"label": 0, "text": text, "normalized": {**fields, "canonical": canonical, "dept_id": dept_id}}


def summaries() -> list[dict]:
    a = [dept("市发改委", "甲州市发展和改革委员会", "甲州市/development-reform"),
         dept("发改委", "甲州市发展和改革委员会", "甲州市/development-reform"),
         dept("省发改委", "乙省发展和改革委员会", "乙省/development-reform"),
         dept("人才办", None, None),  # unresolvable: no row
         dept("某某园区管委会", "甲州市某某园区管理委员会", "甲州市/name-0123456789ab")]
    b = [dept("省发展改革委", "乙省发展和改革委员会", "乙省/development-reform")]
    return [{"doc_id": "plan-a", "departments": plan_bodies(a, PLAN_A)}, {"doc_id": "plan-b", "departments": plan_bodies(b, PLAN_B)}]


def test_one_row_per_body_across_plans_with_names_as_written_and_level():
    rows = department_rows(summaries(), TABLE)
    assert [r["dept_id"] for r in rows] == ["乙省/development-reform", "甲州市/development-reform", "甲州市/name-0123456789ab"]
    province, city, unlisted = rows
    assert province == {"dept_id": "乙省/development-reform", "canonical": "乙省发展和改革委员会", "aliases": ["省发展改革委", "省发改委"],
                        "level": "province", "plans": ["plan-a", "plan-b"], "mentions": 2}
    assert city["aliases"] == ["发改委", "市发改委"] and city["mentions"] == 2 and city["level"] == "city"
    assert unlisted["level"] == "city" and unlisted["plans"] == ["plan-a"]  # a body the table lacks: its jurisdiction's level


def test_rows_do_not_depend_on_plan_order_and_need_the_table():
    assert department_rows(summaries(), TABLE) == department_rows(summaries()[::-1], TABLE)
    assert department_rows(summaries(), None) == []


def test_one_id_with_two_names_is_an_error_naming_the_plans():
    broken = summaries()
    broken[1]["departments"][0]["canonical"] = "乙省发改委"
    with pytest.raises(ValueError, match="plan-a.*plan-b|one canonical name"):
        department_rows(broken, TABLE)


PLANS = ("xinzhou-2017-central-rise", "chifeng-2017-northeast-revitalization")  # the conftest project's plans




def departments_file(root: Path) -> list[dict]:
    (path,) = (root / "data" / "departments").glob("*.parquet")
    return pq.read_table(path).to_pylist()


def test_the_build_publishes_every_normalised_body_once(tmp_path, make_two_plan_project):
    paths = make_two_plan_project(tmp_path / "project", with_table=True)
    build(paths, jobs=1)
    rows = departments_file(paths.root)
    gold = [r for p in PLANS for r in map(json.loads, (paths.annotations / "normalized" / f"{p}.jsonl").read_text(encoding="utf-8").splitlines())
            if r["label"] == "DEPT" and r["normalized"]["dept_id"]]
    assert sorted(r["dept_id"] for r in rows) == sorted({r["normalized"]["dept_id"] for r in gold})
    assert sum(r["mentions"] for r in rows) == len(gold)
    assert all(r["level"] in ("central", "province", "city", "county", None) for r in rows)
    card = (paths.root / "README.md").read_text(encoding="utf-8")
    assert f"{len(rows)} bodies (" in card and "config_name: departments" in card


def test_without_an_alias_table_the_config_is_empty_and_the_card_says_why(tmp_path, make_two_plan_project):
    paths = make_two_plan_project(tmp_path / "project", with_table=False)
    build(paths, jobs=1)
    assert departments_file(paths.root) == []
    assert "no alias table" in (paths.root / "README.md").read_text(encoding="utf-8")
