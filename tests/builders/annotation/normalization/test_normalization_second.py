"""The blind second normalisation worksheet: stratified, hash-chosen,
deterministic, blind; filled rows are checked and named by file and line;
agreement is counted field by field."""

from __future__ import annotations

import json
import math

import pytest

from builders.annotation.normalization.second import (
    FilledError,
    agreement,
    marked_context,
    read_filled,
    sample,
    worksheet_row,
)
from builders.annotation.normalization.tables import load_settings
from builders.annotation.normalization.workflow import plan_spans, second_dir
from builders.io import read_jsonl, write_jsonl_atomic

FILL_FIELDS = {"lo", "hi", "unit", "bound", "date_from", "date_to", "canonical", "unresolvable", "note"}


def test_committed_worksheet_holds_current_gold_spans_and_is_blind(paths):
    committed = [row for _, row in read_jsonl(second_dir(paths) / "worksheet.jsonl")]
    plans = {p.doc.doc_id: p for p in plan_spans(paths)}
    for row in committed:
        plan = plans[row["doc_id"]]
        gold = {(s["start"], s["end"]): s["label"] for s in plan.spans}
        assert gold.get((row["start"], row["end"])) == row["label"], row["item"]
        assert plan.doc.text[row["start"] : row["end"]] == row["text"]
        assert f"⟦{row['text']}⟧" in row["context"]
        filled = {k: v for k, v in row.items() if k in FILL_FIELDS - {"note"}}
        assert all(v is None for v in filled.values()), row["item"]
        assert "proposal" not in row and "proposed" not in row
    assert {row["doc_id"] for row in committed} == set(plans)


def test_sample_is_a_stratified_share_and_deterministic(paths):
    settings = load_settings()
    for plan in plan_spans(paths):
        chosen = sample(plan.spans, settings)
        assert chosen == sample(list(reversed(plan.spans)), settings)
        for label in {s["label"] for s in plan.spans}:
            total = sum(s["label"] == label for s in plan.spans)
            taken = sum(s["label"] == label for s in chosen)
            assert taken == math.ceil(settings.second_share * total), (plan.doc.doc_id, label)


def test_sample_of_one_plan_does_not_move_when_another_plan_is_added():
    settings = load_settings()
    first = [{"doc_id": "a", "start": i * 10, "end": i * 10 + 3, "label": "VALUE"} for i in range(40)]
    other = [{"doc_id": "b", "start": i * 10, "end": i * 10 + 3, "label": "VALUE"} for i in range(40)]
    alone = sample(first, settings)
    together = [s for s in sample(first + other, settings) if s["doc_id"] == "a"]
    assert alone == together


TEXT = "到2025年,两项参保率分别达到92%和96%以上(责任单位:市人社局)。"


def _sheet_rows():
    unit = {"index": 0, "start": 0, "end": len(TEXT), "section": ["一、目标"]}
    plan = {"city": "某市", "province": "某省", "issue_date": "2021-03-01", "plan_period": "2021-2025", "script": "Simplified"}
    spans = []
    for text, label in [("2025年", "DATE"), ("92%", "VALUE"), ("96%以上", "VALUE"), ("市人社局", "DEPT")]:
        start = TEXT.index(text)
        spans.append({"doc_id": "demo", "start": start, "end": start + len(text), "label": label, "unit": 0})
    return [worksheet_row(span, TEXT, unit, plan) for span in spans]


def test_worksheet_row_shows_only_the_fields_of_its_label():
    date, value, _, dept = _sheet_rows()
    assert {"date_from", "date_to"} <= set(date) and "lo" not in date and "canonical" not in date
    assert {"lo", "hi", "unit", "bound"} <= set(value) and "date_from" not in value
    assert "canonical" in dept and "dept_id" not in dept
    assert value["context"] == "到2025年,两项参保率分别达到⟦92%⟧和96%以上(责任单位:市人社局)。"


def test_marked_context_cuts_long_units():
    text = "甲" * 200 + "95%" + "乙" * 200
    unit = {"start": 0, "end": len(text)}
    context = marked_context(text, unit, 200, 203, chars=5)
    assert context == "…甲甲甲甲甲⟦95%⟧乙乙乙乙乙…"


def _fill(row, **fields):
    return {**row, "annotator": "ann-N9, an AI annotator", **fields}


def test_filled_rows_are_read_and_problems_named_by_line(tmp_path):
    rows = _sheet_rows()
    sheet = tmp_path / "worksheet.jsonl"
    write_jsonl_atomic(sheet, rows)
    good = [
        _fill(rows[0], date_from="2025", date_to="2025"),
        _fill(rows[1], lo=92, hi=None, unit="%", bound="ge"),
        _fill(rows[2], lo=96, hi=None, unit="%", bound="ge"),
        _fill(rows[3], canonical="某市人力资源和社会保障局"),
    ]
    filled = tmp_path / "filled.jsonl"
    write_jsonl_atomic(filled, good)
    decisions = read_filled(filled, sheet)
    assert decisions[rows[1]["item"]]["fields"] == {"lo": 92, "hi": None, "unit": "%", "bound": "ge"}

    bad = [
        _fill(rows[0], date_from="2025-13", date_to="2025"),
        _fill(rows[1], lo=92, hi=92, unit="%", bound="ge"),
        {**_fill(rows[2], lo=96, hi=96, unit="%", bound="eq"), "text": "96%"},
        _fill(rows[3], canonical="x", unresolvable="no jurisdiction"),
    ]
    write_jsonl_atomic(filled, bad)
    with pytest.raises(FilledError) as caught:
        read_filled(filled, sheet)
    message = str(caught.value)
    for line, words in [(1, "no month 13"), (2, "ge needs lo and hi = null"), (3, "text differs"), (4, "all its fields null")]:
        assert f"filled.jsonl:{line}:" in message and words in message, message


def test_fractions_are_accepted_as_numbers(tmp_path):
    rows = _sheet_rows()
    sheet, filled = tmp_path / "w.jsonl", tmp_path / "f.jsonl"
    write_jsonl_atomic(sheet, rows)
    write_jsonl_atomic(filled, [_fill(rows[1], lo="2/3", hi="2/3", unit="", bound="approx")])
    assert read_filled(filled, sheet)[rows[1]["item"]]["fields"]["lo"] == pytest.approx(2 / 3)


def test_agreement_per_field_and_label():
    first = {
        "v1": {"label": "VALUE", "fields": {"lo": 92.0, "hi": None, "unit": "%", "bound": "ge"}, "unresolvable": None},
        "v2": {"label": "VALUE", "fields": {"lo": 2 / 3, "hi": 2 / 3, "unit": "", "bound": "approx"}, "unresolvable": None},
        "d1": {"label": "DATE", "fields": {"date_from": "2021", "date_to": "2025"}, "unresolvable": None},
        "p1": {"label": "DEPT", "fields": {"canonical": "某市财政局"}, "unresolvable": None},
    }
    second = {
        "v1": {"label": "VALUE", "fields": {"lo": 92, "hi": 92, "unit": "%", "bound": "eq"}, "unresolvable": None},
        "v2": {"label": "VALUE", "fields": {"lo": 0.6666666667, "hi": 0.6666666667, "unit": "", "bound": "approx"}, "unresolvable": None},
        "d1": {"label": "DATE", "fields": {"date_from": "2021", "date_to": "2025"}, "unresolvable": None},
        "p1": {"label": "DEPT", "fields": None, "unresolvable": "unknown body"},
    }
    figures = agreement(first, second)
    assert figures["items_compared"] == 4
    assert figures["per_label"]["VALUE"]["fields"] == {"lo": 1.0, "hi": 0.5, "unit": 1.0, "bound": 0.5}
    assert figures["per_label"]["VALUE"]["span_exact_agreement"] == 0.5
    assert figures["per_label"]["DATE"]["span_exact_agreement"] == 1.0
    assert figures["per_label"]["DEPT"]["fields"] == {"canonical": 0.0}
    assert figures["per_field"]["bound"] == {"agree": 1, "of": 2, "agreement": 0.5}
    assert [d["item"] for d in figures["disagreements"]] == ["p1", "v1"]
    json.dumps(figures)


def test_agreement_over_a_checkout_writes_figures_and_disagreements(tmp_path, paths):
    import shutil

    from builders.annotation.normalization.adjudication import measure_agreement
    from builders.annotation.normalization.workflow import normalized_dir
    from builders.project import Paths

    copy = Paths(tmp_path)
    shutil.copytree(normalized_dir(paths), normalized_dir(copy))
    # The checkout holds the real filled sheet; this test starts from one without it.
    (second_dir(copy) / "filled.jsonl").unlink(missing_ok=True)
    with pytest.raises(FileNotFoundError, match="no filled second worksheet"):
        measure_agreement(copy)
    rows = [row for _, row in read_jsonl(second_dir(copy) / "worksheet.jsonl")]
    first = {}
    for path in normalized_dir(copy).glob("*.jsonl"):
        first.update({row["item"]: row for _, row in read_jsonl(path)})
    values = [r for r in rows if r["label"] == "VALUE"][:2]
    filled = []
    for row in values:
        decided = {k: first[row["item"]]["normalized"][k] for k in ("lo", "hi", "unit", "bound")}
        filled.append({**row, "annotator": "ann-N9, an AI annotator", **decided})
    filled[1]["unit"] = filled[1]["unit"] + "x"
    write_jsonl_atomic(second_dir(copy) / "filled.jsonl", filled)
    figures = measure_agreement(copy)
    assert figures["items_compared"] == 2 and figures["per_field"]["unit"] == {"agree": 1, "of": 2, "agreement": 0.5}
    assert (normalized_dir(copy) / "agreement.json").exists()
    assert "decision: null" in (normalized_dir(copy) / "adjudication.yaml").read_text(encoding="utf-8")
    assert figures["second_annotators"] == ["ann-N9, an AI annotator"] and figures["disagreements"] == 1
