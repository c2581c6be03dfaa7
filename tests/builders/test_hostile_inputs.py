"""Hostile inputs, in one place: every bad file or argument the command line
may meet gets one plain `error:` line naming the file and the line or offset,
exit code 1, no traceback, and the project tree is byte-identical afterwards.

Each case is named by what it tries. The inputs are written here (invented),
never taken from a real export.
"""

import hashlib
import json
import os
import shutil

import pytest

from builders.cli import main

PLAN = "lvliang-2013-transformation"
UNIT0 = f"{PLAN}-00000"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, paths):
    root = tmp_path_factory.mktemp("pristine")
    for name in ("seeds", "corpus", "annotations"):
        shutil.copytree(paths.root / name, root / name, ignore=shutil.ignore_patterns("tasks", "history"))
    return root


@pytest.fixture
def project(tmp_path, pristine):
    root = tmp_path / "project"
    shutil.copytree(pristine, root)
    return root


def tree_digest(root):
    """sha256 of every path and file under `root` (the lock folder aside)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if ".build" in path.relative_to(root).parts:
            continue
        digest.update(path.relative_to(root).as_posix().encode())
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def unit_text(root, index=0):
    units = (root / "corpus" / PLAN / "units.jsonl").read_text(encoding="utf-8").splitlines()
    return json.loads(units[index])["text"]


# Each case: (name, files to write outside the project {name: bytes or callable(root) -> bytes},
#             edits inside the project {relative path: bytes or callable(root) -> bytes}, argv, expected in the message)
def _ls(result):
    return json.dumps([{"data": {"id": UNIT0, "text": None}, "annotations": [{"result": result}]}])


def _ls_task(root, value):
    task = {"data": {"id": UNIT0, "text": unit_text(root)}, "annotations": [{"result": [{"type": "labels", "value": value}]}]}
    return json.dumps([task], ensure_ascii=False).encode()


def _jsonl(root, entities, repeat=1):
    return ((json.dumps({"id": UNIT0, "entities": entities}) + "\n") * repeat).encode()


def _manifest_with(root, old, new):
    return (root / "seeds" / "plans.yaml").read_bytes().replace(old, new, 1)


IMPORT = ["import-annotations", "{in}", "--plan", PLAN, "--annotator", "tester"]
CASES = [
    # --- JSON / JSONL -----------------------------------------------------------------
    ("labelstudio-truncated-json", b'[{"data": {"id": "x", "te', None, IMPORT + ["--format", "labelstudio"], r"in\.json:1:\d+: not valid JSON"),
    ("labelstudio-empty-file", b"", None, IMPORT + ["--format", "labelstudio"], r"in\.json:1:1: not valid JSON"),
    ("labelstudio-infinity", b'[{"data": {"id": "x", "text": "a"}, "n": Infinity}]', None, IMPORT + ["--format", "labelstudio"], r"in\.json: Infinity is not a JSON number"),
    ("labelstudio-200k-deep", b"[" * 200_000, None, IMPORT + ["--format", "labelstudio"], r"in\.json: JSON nested too deeply"),
    ("labelstudio-mapping-not-list", b'{"data": {"text": "a"}}', None, IMPORT + ["--format", "labelstudio"], r"in\.json: a Label Studio export is a JSON list of tasks"),
    ("labelstudio-task-not-object", b"[1, 2]", None, IMPORT + ["--format", "labelstudio"], r"in\.json: task 1: a task must be an object"),
    ("labelstudio-annotation-ids-only", lambda r: json.dumps([{"data": {"id": UNIT0, "text": unit_text(r)}, "annotations": [4, 5]}]).encode(), None, IMPORT + ["--format", "labelstudio"], r"in\.json: task 1 .*annotations hold ids"),
    ("labelstudio-float-offset", lambda r: _ls_task(r, {"start": 0.5, "end": 3, "labels": ["DEPT"]}), None, IMPORT + ["--format", "labelstudio"], r"in\.json: task 1 .*start must be an integer"),
    ("labelstudio-offset-beyond-text", lambda r: _ls_task(r, {"start": 0, "end": 10_000, "labels": ["DEPT"]}), None, IMPORT + ["--format", "labelstudio"], r"in\.json: task 1 .*outside the text"),
    ("labelstudio-unknown-label", lambda r: _ls_task(r, {"start": 0, "end": 3, "labels": ["ORG"]}), None, IMPORT + ["--format", "labelstudio"], r"in\.json: task 1 .*unknown label 'ORG'"),
    ("labelstudio-only-predictions", lambda r: json.dumps([{"data": {"id": UNIT0, "text": unit_text(r)}, "predictions": [{"result": []}]}]).encode(), None, IMPORT + ["--format", "labelstudio", "--dry-run"], None),
    ("jsonl-not-utf8", "市发改委".encode("gbk"), None, IMPORT + ["--format", "jsonl", "--all-units"], r"in\.json:1: byte offset 0: not UTF-8"),
    ("jsonl-duplicate-unit", lambda r: _jsonl(r, [], repeat=2), None, IMPORT + ["--format", "jsonl", "--all-units"], r"in\.json: line 2: unit .* again \(first on line 1\)"),
    ("jsonl-string-offset", lambda r: _jsonl(r, [{"start": "0", "end": 3, "label": "DEPT"}]), None, IMPORT + ["--format", "jsonl", "--all-units"], r"in\.json: line 1: start must be an integer"),
    ("jsonl-bool-offset", lambda r: _jsonl(r, [{"start": True, "end": 3, "label": "DEPT"}]), None, IMPORT + ["--format", "jsonl", "--all-units"], r"in\.json: line 1: start must be an integer"),
    ("jsonl-overlapping-spans", lambda r: _jsonl(r, [{"start": 0, "end": 4, "label": "DEPT"}, {"start": 2, "end": 6, "label": "DEPT"}]), None, IMPORT + ["--format", "jsonl", "--all-units"], r"in\.json: line 1: spans \[0, 4\) DEPT and \[2, 6\) DEPT overlap"),
    ("jsonl-line-not-object", b'"just a string"\n', None, IMPORT + ["--format", "jsonl", "--all-units"], r"in\.json: line 1: a line must be a JSON object"),
    ("jsonl-unknown-unit", b'{"id": "lvliang-2013-transformation-99999", "entities": []}\n', None, IMPORT + ["--format", "jsonl", "--all-units"], r"in\.json: line 1: unknown unit id"),
    ("jsonl-id-as-list", b'{"id": ["a"], "entities": []}\n', None, IMPORT + ["--format", "jsonl", "--all-units"], r"in\.json: line 1: unknown unit id"),
    ("jsonl-without-units", b"\n", None, IMPORT + ["--format", "jsonl"], r"in\.json: jsonl records no review state"),
    ("jsonl-bad-units-range", b"\n", None, IMPORT + ["--format", "jsonl", "--units", "9:2"], r"--units '9:2'"),
    ("doccano-moved-unit", lambda r: (json.dumps({"id": UNIT0, "text": unit_text(r) + "x", "label": []}, ensure_ascii=False) + "\n").encode(), None, IMPORT + ["--format", "doccano", "--all-units"], r"in\.json: line 1: unit 0 text differs from the corpus"),
    ("doccano-offset-in-surrogate-pair", lambda r: (json.dumps({"id": UNIT0, "text": "𠀋" + unit_text(r), "label": [[1, 3, "DEPT"]]}, ensure_ascii=False) + "\n").encode(), None, IMPORT + ["--format", "doccano", "--all-units"], r"in\.json: line 1: UTF-16 offset 1 falls inside the surrogate pair"),
    ("doccano-mixed-newlines-and-bad-line", lambda r: b"\r\n\n\r\n{oops\n", None, IMPORT + ["--format", "doccano", "--all-units"], r"in\.json: line 4: not valid JSON"),
    ("brat-not-text-bound", b"T1\tDEPT 0\n", None, IMPORT + ["--format", "brat", "--all-units"], r"in\.json: lvliang-2013-transformation\.ann:1: not a brat text-bound annotation"),
    ("brat-discontinuous", b"T1\tDEPT 0 2;3 5\tab cd\n", None, IMPORT + ["--format", "brat", "--all-units"], r"\.ann:1: not a brat text-bound annotation"),
    ("conll-bad-tag", b"# id = x\n\xe5\xb8\x82\tX-DEPT\n", None, IMPORT + ["--format", "conll", "--all-units"], r"in\.json: line 2: unknown tag 'X-DEPT'"),
    ("spacy-not-a-docbin", b"\x00\x01not msgpack", None, IMPORT + ["--format", "spacy", "--all-units"], r"in\.json: not a spaCy DocBin"),
    ("giant-single-line", b"[" + b" " * 3_000_000 + b"1", None, IMPORT + ["--format", "labelstudio"], r"in\.json:1:\d+: not valid JSON"),
    # --- files that are not files ---------------------------------------------------------
    ("input-is-a-folder", "folder", None, IMPORT + ["--format", "jsonl", "--all-units"], r"in\.json: is a folder"),
    ("input-missing", "missing", None, IMPORT + ["--format", "jsonl", "--all-units"], r"in\.json: no such file"),
    ("input-symlink-to-device", "dev-zero", None, IMPORT + ["--format", "jsonl", "--all-units"], r"in\.json: not a regular file"),
    ("markup-in-file-name", b"[1]", None, ["import-annotations", "{dir}/plan[red]x[/].json", "--plan", PLAN, "--annotator", "t", "--format", "labelstudio"], r"plan\[red\]x\[/\]\.json"),
    # --- the project's own files ------------------------------------------------------------
    ("manifest-duplicate-key", None, {"seeds/plans.yaml": lambda r: _manifest_with(r, b"  split: test\n", b"  split: test\n  split: train\n")}, ["build"], r"plans\.yaml:\d+: invalid YAML: duplicate key 'split'"),
    ("manifest-empty", None, {"seeds/plans.yaml": b""}, ["build"], r"plans\.yaml:1: is empty"),
    ("manifest-mapping", None, {"seeds/plans.yaml": b"a: 1\n"}, ["build"], r"plans\.yaml:1: holds a dict"),
    ("manifest-truncated", None, {"seeds/plans.yaml": lambda r: (r / "seeds" / "plans.yaml").read_bytes().split(b"raw_file")[0] + b'raw_file: "raw/'}, ["build"], r"plans\.yaml:\d+: invalid YAML"),
    ("manifest-raw-file-escapes", None, {"seeds/plans.yaml": lambda r: _manifest_with(r, b"raw_file: raw/", b"raw_file: ../../")}, ["build"], r"plans\.yaml: entry \d+: raw_file .* must be raw/<file name>"),
    ("manifest-raw-file-absolute", None, {"seeds/plans.yaml": lambda r: _manifest_with(r, b"raw_file: raw/xinzhou-2017-central-rise.txt", b"raw_file: /dev/zero")}, ["build"], r"plans\.yaml: entry \d+: raw_file '/dev/zero'"),
    ("errata-unknown-plan", None, {"seeds/errata.yaml": lambda r: (r / "seeds" / "errata.yaml").read_bytes().replace(b"doc_id: ", b"doc_id: nowhere-", 1)}, ["build"], r"errata\.yaml: an entry names plan 'nowhere-"),
    ("labels-not-utf8", lambda r: _jsonl(r, []), {"annotations/labels.yaml": "标签: [".encode("gbk")}, IMPORT + ["--format", "jsonl", "--all-units"], r"labels\.yaml: byte offset \d+: not UTF-8"),
    ("gold-line-truncated", lambda r: _jsonl(r, []), {f"annotations/gold/{PLAN}.jsonl": lambda r: (r / "annotations" / "gold" / f"{PLAN}.jsonl").read_bytes()[:-40]}, IMPORT + ["--format", "jsonl", "--all-units"], rf"gold/{PLAN}\.jsonl:\d+: not valid JSON"),
    # --- add-plan arguments --------------------------------------------------------------------
    ("add-plan-path-traversal-id", "十四五规划。".encode(), None, ["add-plan", "{in}", "--id", "../../etc"], r"plan id '\.\./\.\./etc' is not allowed"),
    ("add-plan-windows-reserved-id", "十四五规划。".encode(), None, ["add-plan", "{in}", "--id", "con"], r"plan id 'con' is not allowed: 'con' is a reserved file name on Windows"),
    ("add-plan-overlong-id", "十四五规划。".encode(), None, ["add-plan", "{in}", "--id", "a" * 300], r"plan id of 300 characters is not allowed"),
    ("add-plan-ideographic-spaces-only", "\u3000\u3000\n\u3000".encode(), None, ["add-plan", "{in}", "--id", "blank-plan"], r"in\.json: no text, only whitespace"),
    ("add-plan-bom-only", b"\xef\xbb\xbf", None, ["add-plan", "{in}", "--id", "bom-plan"], r"in\.json: (the file is empty|no text)"),
    ("add-plan-no-chinese", b"Plan for growth.\n", None, ["add-plan", "{in}", "--id", "latin-plan"], r"in\.json: no Chinese character"),
    ("add-plan-bad-issue-date", "十四五规划。".encode(), None, ["add-plan", "{in}", "--id", "date-plan", "--issue-date", "not a date"], r"issue_date 'not a date' is not a date"),
    ("add-plan-same-text-other-encoding", lambda r: (r / "seeds" / "raw" / "xinzhou-2017-central-rise.txt").read_bytes().decode("utf-8").replace("\n", "\r\n").encode("gb18030"), None, ["add-plan", "{in}", "--id", "xinzhou-copy"], r"in\.json: the same text .* is already seed 'xinzhou-2017-central-rise'"),
    ("add-plan-missing-file", "missing", None, ["add-plan", "{in}", "--id", "gone-plan"], r"in\.json: no such file"),
    ("add-plan-gbk-with-a-utf8-line", "一、发展目标\n".encode("gb18030") + "二、重点任务\n".encode("utf-8") + "三、保障措施\n".encode("gb18030"), None, ["add-plan", "{in}", "--id", "mixed-plan"], r"in\.json:2: this line is UTF-8 but line 1 is not"),
    ("remove-plan-unknown-id", None, None, ["remove-plan", "nowhere-2020-plan"], r"plans\.yaml: no plan 'nowhere-2020-plan'"),
    ("remove-plan-path-traversal-id", None, None, ["remove-plan", "../seeds"], r"plan id '\.\./seeds' is not allowed"),
    ("remove-plan-in-a-measured-sample", None, None, ["remove-plan", PLAN, "--force"], r"second/worksheet\.jsonl: plan 'lvliang-2013-transformation' is in a measured second-annotation sample"),
    ("remove-plan-reviewed-gold-without-force", None, {"annotations/relations/second/worksheet.jsonl": b"", "annotations/relations/second/filled.jsonl": b"", "annotations/relations/adjudication.yaml": b"entries: []\n", "annotations/normalized/second/worksheet.jsonl": b"", "annotations/normalized/second/filled.jsonl": b""}, ["remove-plan", PLAN], r"gold/lvliang-2013-transformation\.jsonl: plan 'lvliang-2013-transformation' has \d+ reviewed unit\(s\) of gold; give --force"),
]


@pytest.mark.parametrize("name, given, edits, argv, message", CASES, ids=[c[0] for c in CASES])
def test_hostile_input_gets_one_clear_error_and_changes_nothing(project, tmp_path, capsys, name, given, edits, argv, message):
    source = tmp_path / "in.json"
    if given == "folder":
        source.mkdir()
    elif given == "dev-zero":
        os.symlink("/dev/zero", source)
    elif given == "missing":
        pass
    elif callable(given):
        source.write_bytes(given(project))
    elif given is not None:
        source.write_bytes(given)
    if "{dir}/plan[red]x[/].json" in argv:
        (tmp_path / "plan[red]x[").mkdir()
        (tmp_path / "plan[red]x[" / "].json").write_bytes(given)
    for rel, content in (edits or {}).items():
        (project / rel).write_bytes(content(project) if callable(content) else content)
    before = tree_digest(project)
    args = [a.replace("{in}", str(source)).replace("{dir}", str(tmp_path)) for a in argv]
    code = main(["--root", str(project), *args])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert tree_digest(project) == before
    if message is None:  # refused quietly as nothing to import: a dry run that reports
        assert code == 0 and "predictions only" in err
        return
    assert code == 1, err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert errors, err
    import re

    assert re.search(message, errors[0]), errors[0]
