"""Only reviewed work becomes gold: predictions, cancelled annotations and
pre-annotation task files never do; formats without review state touch only
the units the user names; --force reports what it replaces and keeps history."""

import json
import shutil

import pytest

from builders.annotation.gold import AnnotationError, read_annotations
from builders.corpus.store import read_document, unit_id
from builders.interchange.base import AnnotatedText, FormatError
from builders.interchange.brat import to_brat
from builders.interchange.imports import import_annotations, parse_units
from builders.interchange.labelstudio import to_label_studio
from builders.project import Paths

PLAN = "lvliang-2013-transformation"


@pytest.fixture
def workspace(tmp_path, paths):
    for name in ("corpus", "annotations"):
        shutil.copytree(paths.root / name, tmp_path / "project" / name, ignore=shutil.ignore_patterns("tasks", "history"))
    return Paths(tmp_path / "project")


def tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and ".build" not in p.parts}


def unit_items(workspace, indices, spans_of=lambda unit, text: ()):
    doc = read_document(workspace.corpus, PLAN)
    units = {u["index"]: u for u in doc.units}
    return [
        AnnotatedText(unit_id(PLAN, i), doc.text[units[i]["start"] : units[i]["end"]], spans_of(units[i], doc.text))
        for i in indices
    ]


def gold_by_unit(workspace):
    return {a.unit_index: a for a in read_annotations(workspace.annotations / "gold" / f"{PLAN}.jsonl")}


def test_brat_without_named_units_is_refused_and_nothing_changes(workspace, tmp_path):
    doc = read_document(workspace.corpus, PLAN)
    ann = tmp_path / "one.ann"
    ann.write_text(to_brat(AnnotatedText(PLAN, doc.text, ())), encoding="utf-8")
    before = tree(workspace.root)
    with pytest.raises(FormatError, match="records no review state.*--units"):
        import_annotations(workspace, ann, "brat", PLAN, "p", force=True)
    assert tree(workspace.root) == before


def test_brat_with_units_touches_only_those_and_force_reports_and_keeps_history(workspace, tmp_path):
    gold = gold_by_unit(workspace)
    doc = read_document(workspace.corpus, PLAN)
    # One unit whose gold has spans; the brat file holds only one of them.
    index = next(i for i, a in gold.items() if len(a.spans) >= 2)
    kept_span = sorted(gold[index].spans)[0]
    ann = tmp_path / "one.ann"
    ann.write_text(to_brat(AnnotatedText(PLAN, doc.text, (kept_span,))), encoding="utf-8")
    with pytest.raises(AnnotationError, match="--force"):
        import_annotations(workspace, ann, "brat", PLAN, "p", units=str(index))
    previous = (workspace.annotations / "gold" / f"{PLAN}.jsonl").read_bytes()
    summary = import_annotations(workspace, ann, "brat", PLAN, "p", units=str(index), force=True)
    assert (summary["replaced"], summary["added"]) == (1, 0)
    assert summary["replaced_units"][0]["unit"] == index
    assert summary["replaced_units"][0]["added"] == "none"
    after = gold_by_unit(workspace)
    assert after[index].spans == (kept_span,)
    assert after[index].review["annotator"] == "p"
    assert {i: a.spans for i, a in after.items() if i != index} == {i: a.spans for i, a in gold.items() if i != index}
    assert {i: a.review for i, a in after.items() if i != index} == {i: a.review for i, a in gold.items() if i != index}
    assert (workspace.annotations / "history" / PLAN / "0001.jsonl").read_bytes() == previous


def test_unchanged_units_keep_their_review_record(workspace, tmp_path):
    gold = gold_by_unit(workspace)
    doc = read_document(workspace.corpus, PLAN)
    before = tree(workspace.root)
    ann = tmp_path / "same.ann"
    ann.write_text(to_brat(AnnotatedText(PLAN, doc.text, tuple(s for a in gold.values() for s in a.spans))), encoding="utf-8")
    summary = import_annotations(workspace, ann, "brat", PLAN, "someone-else", all_units=True, force=True)
    assert summary["unchanged"] == len(gold) and summary["replaced"] == 0
    assert tree(workspace.root) == before


def test_label_studio_predictions_and_cancelled_annotations_are_skipped_and_counted(workspace, tmp_path):
    items = unit_items(workspace, [0, 1, 2])
    tasks = to_label_studio(items)
    tasks[0] = to_label_studio(items[:1], as_predictions=True)[0]
    tasks[1]["annotations"][0]["was_cancelled"] = True
    tasks[2]["predictions"] = [3]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    summary = import_annotations(workspace, path, "labelstudio", PLAN, "p", force=True)
    assert summary["skipped"] == 2 and summary["units read"] == 1
    assert any("predictions only" in r for r in summary["skipped_reasons"])
    assert any("cancelled" in r for r in summary["skipped_reasons"])


@pytest.mark.parametrize(
    "lines, message",
    [
        (['{"id": "lvliang-2013-transformation-99999", "entities": []}'], r"one\.jsonl: line 1: unknown unit id"),
        (['{"id": "lvliang-2013-transformation-00000", "entities": []}'] * 2, r"line 2: unit .* again \(first on line 1\)"),
        (['{"id": "lvliang-2013-transformation-00000", "entities": [{"start": 0.0, "end": 3, "label": "DEPT"}]}'], r"line 1: start must be an integer"),
        (['[1, 2]'], r"line 1: a line must be a JSON object"),
        (['{"id": "lvliang-2013-transformation-00000", "entities": {}}'], r"line 1: entities must be a list"),
    ],
    ids=["unknown-unit", "duplicate-id", "float-offset", "not-an-object", "mapping-for-list"],
)
def test_bad_jsonl_names_file_and_line_and_writes_nothing(workspace, tmp_path, lines, message):
    path = tmp_path / "one.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = tree(workspace.root)
    with pytest.raises(FormatError, match=message):
        import_annotations(workspace, path, "jsonl", PLAN, "p", all_units=True)
    assert tree(workspace.root) == before


def test_moved_unit_is_refused_naming_the_line(workspace, tmp_path):
    item = unit_items(workspace, [3])[0]
    line = json.dumps({"id": item.id, "text": item.text + "。", "label": []}, ensure_ascii=False)
    path = tmp_path / "d.jsonl"
    path.write_text("\n" + line + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"d\.jsonl: line 2: unit 3 text differs from the corpus"):
        import_annotations(workspace, path, "doccano", PLAN, "p", all_units=True)


def test_units_outside_the_named_range_are_left_alone_and_reported(workspace, tmp_path):
    items = unit_items(workspace, [0, 1])
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps({"id": i.id, "text": i.text, "label": []}, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    summary = import_annotations(workspace, path, "doccano", PLAN, "p", units="1:2", dry_run=True)
    assert summary["units read"] == 1
    assert "outside --units" in summary["skipped_reasons"][0]
    with pytest.raises(FormatError, match="--units names unit 5, which the export does not hold"):
        import_annotations(workspace, path, "doccano", PLAN, "p", units="0:2,5", dry_run=True)


@pytest.mark.parametrize("spec, message", [("5:2", "outside"), ("a:b", "not START:END"), ("0:99999", "outside")])
def test_bad_unit_ranges_are_refused(spec, message):
    with pytest.raises(FormatError, match=message):
        parse_units(spec, 100)


def test_unit_ranges():
    assert parse_units("0:3,7", 10) == {0, 1, 2, 7}
    assert parse_units("8:", 10) == {8, 9}
