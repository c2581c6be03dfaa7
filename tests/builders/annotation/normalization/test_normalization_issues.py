"""The report of normalisation issues: every gold span whose normalisation is
null, with its reason; the committed report is the generated one."""

from __future__ import annotations

import json
import shutil

from builders.annotation.normalization.workflow import (
    NOT_NORMALIZED,
    READ_BUT_UNRESOLVABLE,
    gold_path,
    issues_path,
    normalization_issues,
    write_issues,
)
from builders.io import read_jsonl, write_jsonl_atomic
from builders.project import Paths


def test_committed_issue_report_is_the_generated_one(paths):
    committed = [row for _, row in read_jsonl(issues_path(paths))]
    assert committed == normalization_issues(paths)


def test_an_unresolvable_span_is_reported_with_its_reason(tmp_path, paths):
    for name in ("seeds", "corpus", "annotations"):
        shutil.copytree(paths.root / name, tmp_path / name)
    copy = Paths(tmp_path)
    before = {(i["item"], i["reason"]) for i in normalization_issues(copy)}
    doc_id = sorted(p.name[: -len(".jsonl")] for p in gold_path(copy, "x").parent.glob("*.jsonl"))[0]
    records = [row for _, row in read_jsonl(gold_path(copy, doc_id))]
    first = records[0]
    first.update(status="unresolvable", reason="invented_reason", note="test", outcome="unresolvable",
                 normalized={k: None for k in first["normalized"]})
    removed = records.pop()  # a span without any record is reported too
    write_jsonl_atomic(gold_path(copy, doc_id), records)
    path, issues = write_issues(copy)
    found = {(i["item"], i["reason"]) for i in issues}
    code = first["proposal"]["reason"] or READ_BUT_UNRESOLVABLE
    assert found - before == {(first["item"], code), (removed["item"], NOT_NORMALIZED)}
    entry = next(i for i in issues if i["item"] == first["item"])
    assert entry["annotator_reason"] == "invented_reason"
    assert entry["text"] == first["text"] and (entry["start"], entry["end"]) == (first["start"], first["end"])
    assert json.loads(path.read_text(encoding="utf-8").splitlines()[0])["doc_id"]
    assert write_issues(copy)[1] == issues  # deterministic
