"""The committed normalised gold: valid fields, every VALUE, DATE and DEPT span
of the reviewed span gold covered, the proposal and its outcome recorded; the
DEPT records are the committed decisions applied to the normaliser's proposals."""

from __future__ import annotations

import re
import shutil

import pytest

from builders.annotation.normalization.departments import dept_id_for, inconsistent_bodies
from builders.annotation.normalization.model import FIELDS, LABEL_FIELDS, check_fields
from builders.annotation.normalization.second import span_key
from builders.annotation.normalization.workflow import (
    decisions_path, gold_path, import_dept_decisions, plan_spans, read_dept_decisions,
)
from builders.io import read_jsonl
from builders.project import Paths

COVERED = ("VALUE", "DATE", "DEPT")
DEPT_ID = re.compile(r"^[^/]+/(?:[a-z0-9]+(?:-[a-z0-9]+)*)$")


def test_normalized_gold_is_valid_and_complete(paths):
    for plan in plan_spans(paths):
        path = gold_path(paths, plan.doc.doc_id)
        records = {row["item"]: (line, row) for line, row in read_jsonl(path)}
        expected = {span_key(plan.doc.doc_id, s["start"], s["end"]): s for s in plan.spans if s["label"] in COVERED}
        assert set(records) == set(expected), path
        for item, (line, row) in records.items():
            where = f"{path}:{line}"
            span = expected[item]
            assert row["label"] == span["label"] and row["text"] == plan.doc.text[span["start"] : span["end"]], where
            assert set(row["normalized"]) == set(FIELDS), where
            assert row["outcome"] in ("accepted", "corrected", "unresolvable"), where
            assert "AI annotator" in row["annotator"], where
            if row["status"] == "unresolvable":
                assert row["reason"] and all(v is None for v in row["normalized"].values()), where
            else:
                assert check_fields(row["label"], row["normalized"]) == [], where
            if row["outcome"] == "accepted":
                proposed = row["proposal"]["fields"]
                assert row["proposal"]["reason"] is None
                assert {k: row["normalized"][k] for k in LABEL_FIELDS[row["label"]]} == proposed, where


def test_dept_gold_has_one_name_and_id_per_body(paths):
    for plan in plan_spans(paths):
        path = gold_path(paths, plan.doc.doc_id)
        records = [row for _, row in read_jsonl(path) if row["label"] == "DEPT"]
        assert inconsistent_bodies(records) == [], path
        for row in records:
            dept_id = row["normalized"]["dept_id"]
            if row["status"] == "unresolvable":
                continue
            assert DEPT_ID.match(dept_id), (path, row["item"], dept_id)
            if "/name-" in dept_id:  # a body the table lacks: the documented hash of its name
                assert dept_id == dept_id_for(dept_id.split("/")[0], row["normalized"]["canonical"]), row["item"]
            if row["outcome"] == "corrected":
                assert row["note"], row["item"]


def test_committed_decisions_reproduce_the_dept_gold(paths, tmp_path):
    """Re-importing the filled worksheets into a scratch copy gives the
    committed records byte for byte (the proposals are the normaliser's)."""
    copy = Paths(tmp_path)
    for name in ("seeds", "corpus", "annotations"):
        shutil.copytree(paths.root / name, tmp_path / name)
    for plan in plan_spans(paths):
        written, counts = import_dept_decisions(copy, decisions_path(copy, plan.doc.doc_id))
        assert written.read_bytes() == gold_path(paths, plan.doc.doc_id).read_bytes(), plan.doc.doc_id
        assert sum(counts.values()) == sum(s["label"] == "DEPT" for s in plan.spans)


def test_bad_decisions_name_file_and_entry(paths, tmp_path):
    path = tmp_path / "x.dept.yaml"
    path.write_text("plan: p\nannotator: a\ndecisions:\n- {item: p@1-4, outcome: maybe}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"x.dept.yaml: decision 1 \(p@1-4\): outcome"):
        read_dept_decisions(path)
    path.write_text("plan: p\nannotator: a\ndecisions:\n- {item: p@1-4, outcome: corrected, canonical: 某市某局}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="needs `canonical` and `jurisdiction`"):
        read_dept_decisions(path)
    plan = plan_spans(paths)[0]
    span = next(s for s in plan.spans if s["label"] == "DEPT")
    item = f"{plan.doc.doc_id}@{span['start']}-{span['end']}"
    path.write_text(f"plan: {plan.doc.doc_id}\nannotator: a\ndecisions:\n- {{item: {item}, text: 某某局, outcome: accepted}}\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match=r"text '某某局' is not the gold span's"):
        import_dept_decisions(paths, path)


def test_dept_worksheet_and_import_from_the_command_line(paths, tmp_path, capsys):
    from builders.cli import main
    from builders.io import load_yaml

    for name in ("seeds", "corpus", "annotations"):
        shutil.copytree(paths.root / name, tmp_path / name)
    plan = plan_spans(paths)[0]
    sheet = tmp_path / "sheet.yaml"
    assert main(["--root", str(tmp_path), "normalization", "dept-worksheet", "--plan", plan.doc.doc_id, "--out", str(sheet)]) == 0
    rows = load_yaml(sheet)["decisions"]
    assert len(rows) == sum(s["label"] == "DEPT" for s in plan.spans)
    assert all(r["outcome"] is None and "⟦" in r["context"] for r in rows)
    # an unfilled worksheet is refused with the file and the entry named, and nothing is written
    before = gold_path(Paths(tmp_path), plan.doc.doc_id).read_bytes()
    capsys.readouterr()
    assert main(["--root", str(tmp_path), "normalization", "import-dept", "--file", str(sheet)]) == 1
    assert "sheet.yaml: needs `plan`, `annotator`" in capsys.readouterr().err
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("annotator: null", "annotator: someone"), encoding="utf-8")
    assert main(["--root", str(tmp_path), "normalization", "import-dept", "--file", str(sheet)]) == 1
    assert "sheet.yaml: decision 1" in capsys.readouterr().err
    assert gold_path(Paths(tmp_path), plan.doc.doc_id).read_bytes() == before
    assert main(["--root", str(tmp_path), "normalization", "summary"]) == 0
