"""Every entity carries the `normalized` struct from the reviewed normalised
gold: fields by label, nulls with a counted reason, a bad record named by
file and line, and a changed record rebuilds only its plan (the record is
part of the plan's fingerprint, so the cache never serves stale rows)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from builders.annotation.labels import Span
from builders.build import build
from builders.dataset.normalized.entities import NO_RECORD, coverage, load_plan_normalization, reason_head
from builders.io import InputError

TEXT = "到2025年，市发改委牵头，产值达到120亿元以上。"
DATE, DEPT, VALUE = Span(1, 6, "DATE"), Span(7, 11, "DEPT"), Span(18, 25, "VALUE")
NULLS = dict.fromkeys(("lo", "hi", "unit", "bound", "date_from", "date_to", "canonical", "dept_id"))


def record(span: Span, status="normalized", reason=None, **fields) -> dict:
    return {"start": span.start, "end": span.end, "label": span.label, "text": TEXT[span.start : span.end],
            "status": status, "reason": reason, "normalized": {**NULLS, **fields}}


def write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_fields_follow_the_label_and_nulls_carry_a_reason(tmp_path):
    assert TEXT[DATE.start : DATE.end] == "2025年" and TEXT[DEPT.start : DEPT.end] == "市发改委"
    assert TEXT[VALUE.start : VALUE.end] == "120亿元以上"
    path = write(tmp_path / "p.jsonl", [
        record(DATE, date_from="2025", date_to="2025"),
        record(DEPT, "unresolvable", "A26(d): shortened name nobody expands"),
        record(VALUE, lo=12000000000, unit="元", bound="ge"),
    ])
    gold = load_plan_normalization(path)
    value = gold.fields(VALUE, TEXT)
    assert value == {**NULLS, "lo": 12000000000.0, "unit": "元", "bound": "ge"} and isinstance(value["lo"], float)
    assert gold.fields(DATE, TEXT) == {**NULLS, "date_from": "2025", "date_to": "2025"}
    assert gold.fields(DEPT, TEXT) == NULLS and reason_head(gold.reason(DEPT, TEXT)) == "A26(d)"
    indicator = Span(12, 14, "INDICATOR")
    assert gold.fields(indicator, TEXT) == NULLS and gold.reason(indicator, TEXT) is None
    other = Span(0, 1, "VALUE")
    assert gold.fields(other, TEXT) == NULLS and gold.reason(other, TEXT) == NO_RECORD
    counted = coverage([DATE, DEPT, VALUE, other, indicator], TEXT, gold)
    assert counted["VALUE"] == {"entities": 2, "normalized": 1, "reasons": {NO_RECORD: 1}}
    assert counted["DEPT"] == {"entities": 1, "normalized": 0, "reasons": {"A26(d)": 1}}
    assert counted["DATE"] == {"entities": 1, "normalized": 1, "reasons": {}}


@pytest.mark.parametrize(
    "bad, message",
    [
        (lambda r: {**r, "status": "maybe"}, "status"),
        (lambda r: {**r, "normalized": {**r["normalized"], "canonical": "x"}}, "canonical must be null"),
        (lambda r: {**r, "status": "unresolvable", "reason": None}, "says why"),
        (lambda r: {k: v for k, v in r.items() if k != "label"}, "needs start, end, label"),
    ],
)
def test_a_bad_record_is_named_by_file_and_line(tmp_path, bad, message):
    good = record(DATE, date_from="2025", date_to="2025")
    path = write(tmp_path / "p.jsonl", [record(VALUE, lo=1, hi=1, unit="", bound="eq"), bad(good)])
    with pytest.raises(InputError, match=message) as error:
        load_plan_normalization(path)
    assert f"{path}:2:" in str(error.value)


def test_a_record_whose_span_text_moved_is_an_error_not_a_wrong_meaning(tmp_path):
    path = write(tmp_path / "p.jsonl", [record(DATE, date_from="2025", date_to="2025")])
    gold = load_plan_normalization(path)
    with pytest.raises(InputError, match=rf"{path}:1: the record's text"):
        gold.fields(DATE, "到2026年" + TEXT[6:])


def test_a_duplicate_record_is_an_error(tmp_path):
    path = write(tmp_path / "p.jsonl", [record(DATE, date_from="2025", date_to="2025")] * 2)
    with pytest.raises(InputError, match="second record"):
        load_plan_normalization(path)


# --- the build: a changed record rebuilds its plan only --------------------

PLANS = ("xinzhou-2017-central-rise", "chifeng-2017-northeast-revitalization")  # the conftest project's plans




def data_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in (root / "data").glob("*/*.parquet")}


def entity_fields(root: Path, plan_id: str) -> dict[tuple[int, int], dict]:
    """(document start, end) -> normalized, from the plan's spans file."""
    (path,) = (root / "data" / "spans").glob(f"{plan_id}-*.parquet")
    return {
        (row["doc_offset"] + e["start"], row["doc_offset"] + e["end"]): e["normalized"]
        for row in pq.read_table(path).to_pylist() for e in row["entities"]
    }


def test_a_changed_normalised_record_changes_its_plans_rows_and_no_other_plans_files(tmp_path, make_two_plan_project):
    paths = make_two_plan_project(tmp_path / "project")
    build(paths, jobs=1)
    before_files, before_rows = data_files(paths.root), entity_fields(paths.root, PLANS[0])
    gold = paths.annotations / "normalized" / f"{PLANS[0]}.jsonl"
    records = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    changed = next(r for r in records if r["label"] == "VALUE" and r["normalized"]["lo"] is not None)
    assert before_rows[(changed["start"], changed["end"])]["lo"] == float(changed["normalized"]["lo"])
    changed["normalized"]["lo"] = changed["normalized"]["lo"] + 1
    if changed["normalized"]["hi"] is not None:
        changed["normalized"]["hi"] = changed["normalized"]["hi"] + 1
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")

    report = build(paths, jobs=1)
    assert report.built == [PLANS[0]]
    after_files, after_rows = data_files(paths.root), entity_fields(paths.root, PLANS[0])
    assert after_rows[(changed["start"], changed["end"])]["lo"] == float(changed["normalized"]["lo"])
    assert {k: v for k, v in after_rows.items() if k != (changed["start"], changed["end"])} == {
        k: v for k, v in before_rows.items() if k != (changed["start"], changed["end"])
    }
    renamed = before_files ^ after_files
    assert renamed and all(PLANS[0] in name for name in renamed), renamed


def test_croissant_maps_the_struct_inside_each_entity():
    from builders.annotation.labels import load_labels
    from builders.dataset.croissant import field_entries
    from builders.dataset.features import span_features

    fields = {f["name"]: f for f in field_entries(span_features(load_labels()), "rs", "fs", {})}
    normalized = next(s for s in fields["entities"]["subField"] if s["name"] == "normalized")
    assert [s["name"] for s in normalized["subField"]] == ["lo", "hi", "unit", "bound", "date_from", "date_to", "canonical", "dept_id"]
    assert normalized["subField"][0]["dataType"] == "sc:Float"
    assert normalized["subField"][0]["source"]["transform"] == {"jsonPath": "normalized.lo"}
