"""Adding a plan is a short, safe path: every bad input gets a clear error and
changes nothing; a good plan goes from file to `load_dataset` end to end."""

import json
import shutil

import pytest

from builders.annotation.gold import AnnotationError
from builders.corpus.seeds import SeedError
from builders.interchange.base import FormatError, codepoint_offset
from builders.interchange.imports import import_annotations
from builders.plans import add_plan, detect_encoding
from builders.project import Paths

NEW_PLAN = (
    "太原市推進數字經濟發展實施方案(2024-2026年)\r\n"
    "一、主要目標\r\n"
    "到2026年,全市數字經濟核心產業增加值佔地區生產總值比重達到10%以上。\r\n"
    "二、重點任務\r\n"
    "1.建設𠀋村數據中心。新建5G基站3000個,著力打造算力樞紐。(市發改委牽頭,市財政局配合)\r\n"
    "2.培育數字企業。培育規上數字企業50家。(市工信局牽頭,市科技局配合)\r\n"
)


@pytest.fixture
def workspace(tmp_path, paths):
    """A scratch copy of the project data (seeds, corpus, annotations)."""
    for name in ("seeds", "corpus", "annotations"):
        shutil.copytree(paths.root / name, tmp_path / name, ignore=shutil.ignore_patterns("tasks"))
    return Paths(tmp_path)


def snapshot(root):
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


# --- encodings ---------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, bom, expected",
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("gb18030", b"", "gb18030"),
        ("big5", b"", "big5"),
        ("utf-16-le", b"\xff\xfe", "utf-16"),
    ],
)
def test_encodings_are_detected(encoding, bom, expected):
    # Big5 and GB18030 differ in coverage: test with characters all of them have.
    text = NEW_PLAN.replace("5G", "五G").replace("𠀋", "") if encoding == "big5" else NEW_PLAN
    detected = detect_encoding(bom + text.encode(encoding), "plan.txt")
    assert detected.encoding == expected
    assert detected.text == text
    assert detected.line_endings == "CRLF"


def test_utf16_without_bom_is_detected():
    detected = detect_encoding("Plan 2024: 數字經濟\n".encode("utf-16-le"), "plan.txt")
    assert detected.encoding == "utf-16-le"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"  \r\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" * 50, "binary"),
        (bytes([0x81, 0x20, 0xFF, 0x30]) * 10, "not UTF-8, UTF-16, GB18030 or Big5"),
    ],
)
def test_unreadable_input_is_refused(data, message):
    with pytest.raises(SeedError, match=message):
        detect_encoding(data, "bad.txt")


def test_a_50_megabyte_single_line_is_refused_with_its_length():
    with pytest.raises(SeedError, match=r"a line of 50000000 characters"):
        detect_encoding(b"a" * 50_000_000, "huge.txt")


# --- add-plan refuses bad requests and changes nothing ------------------------


@pytest.mark.parametrize("bad_id", ["../x", "a/b", "X Y", ""])
def test_ids_with_path_characters_are_refused(workspace, tmp_path, bad_id):
    source = tmp_path / "plan.txt"
    source.write_bytes(NEW_PLAN.encode("gb18030"))
    before = snapshot(workspace.root / "seeds")
    with pytest.raises(SeedError, match="not allowed"):
        add_plan(workspace, source, bad_id, rebuild=False)
    assert snapshot(workspace.root / "seeds") == before


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(workspace, tmp_path):
    from builders.corpus.seeds import MAX_SEED_BYTES

    source = tmp_path / "volume.txt"
    with open(source, "wb") as handle:  # sparse: no disk space and nothing read
        handle.truncate(MAX_SEED_BYTES + 1)
    before = snapshot(workspace.root / "seeds")
    with pytest.raises(SeedError, match=rf"volume\.txt: {MAX_SEED_BYTES + 1} bytes, over the {MAX_SEED_BYTES} byte limit"):
        add_plan(workspace, source, "volume", rebuild=False)
    assert snapshot(workspace.root / "seeds") == before


def test_duplicate_id_and_duplicate_bytes_are_refused(workspace, tmp_path):
    before = snapshot(workspace.root / "seeds")
    source = tmp_path / "plan.txt"
    source.write_bytes(NEW_PLAN.encode("gb18030"))
    with pytest.raises(SeedError, match="already in seeds/plans.yaml"):
        add_plan(workspace, source, "taiyuan-2013-transformation", rebuild=False)
    existing = workspace.seeds / "raw" / "chifeng-2017-northeast-revitalization.txt"
    with pytest.raises(SeedError, match="already seed 'chifeng-2017-northeast-revitalization'"):
        add_plan(workspace, existing, "chifeng-copy", rebuild=False)
    assert snapshot(workspace.root / "seeds") == before


def test_failure_after_writing_restores_seeds_and_manifest(workspace, tmp_path):
    source = tmp_path / "plan.txt"
    source.write_bytes(NEW_PLAN.encode("gb18030"))
    before = snapshot(workspace.root / "seeds")
    def failing_model(text):
        raise RuntimeError("the model failed")

    with pytest.raises(RuntimeError, match="the model failed"):
        add_plan(workspace, source, "taiyuan-2024-digital", pre_annotator=failing_model, model_name="failing")
    assert snapshot(workspace.root / "seeds") == before
    assert not (workspace.annotations / "tasks" / "taiyuan-2024-digital").exists()


# --- the whole path -----------------------------------------------------------


def test_new_plan_end_to_end(workspace, tmp_path):
    datasets = pytest.importorskip("datasets")
    source = tmp_path / "taiyuan-digital.txt"
    source.write_bytes(NEW_PLAN.encode("gb18030"))
    summary = add_plan(workspace, source, "taiyuan-2024-digital", {"city": "太原市", "province": "山西省"})
    assert (summary["encoding"], summary["line endings"], summary["script"], summary["split"]) == ("gb18030", "CRLF", "Traditional", "train")
    raw = workspace.seeds / "raw" / "taiyuan-2024-digital.txt"
    assert raw.read_bytes() == source.read_bytes()

    # The responsibility list in a form the seeds do not have is a trailer of its own.
    units = [json.loads(l) for l in (workspace.corpus / "taiyuan-2024-digital" / "units.jsonl").read_text(encoding="utf-8").splitlines()]
    trailers = [u["text"] for u in units if u["kind"] == "trailer"]
    assert trailers == ["(市發改委牽頭,市財政局配合)", "(市工信局牽頭,市科技局配合)"]

    # Label Studio round trip: the tasks carry pre-annotations as predictions;
    # an annotator accepts them (as `annotations`) and fixes one unit.
    tasks_dir = workspace.annotations / "tasks" / "taiyuan-2024-digital"
    tasks = json.loads((tasks_dir / "labelstudio.json").read_text(encoding="utf-8"))
    assert all("predictions" in t for t in tasks)
    # The add-plan report says what was found; pre-annotation never becomes gold by itself.
    report = (tasks_dir / "report.md").read_text(encoding="utf-8")
    assert "responsibility lists (trailer units): 2" in report and "never gold" in report
    assert not (workspace.annotations / "gold" / "taiyuan-2024-digital.jsonl").exists()
    reviewed = []
    for task in tasks:
        result = task["predictions"][0]["result"]
        reviewed.append({"data": task["data"], "annotations": [{"result": result}]})
    exported = tmp_path / "ls-export.json"
    exported.write_text(json.dumps(reviewed, ensure_ascii=False), encoding="utf-8")
    summary = import_annotations(workspace, exported, "labelstudio", "taiyuan-2024-digital", "tester")
    assert summary["added"] == len(units)

    # The doccano task file holds rule pre-annotations nobody reviewed: refused.
    doccano = tasks_dir / "doccano.jsonl"
    gold_path = workspace.annotations / "gold" / "taiyuan-2024-digital.jsonl"
    before = gold_path.read_bytes()
    with pytest.raises(FormatError, match="task file add-plan wrote"):
        import_annotations(workspace, doccano, "doccano", "taiyuan-2024-digital", "tester", all_units=True)
    # doccano's own export of the reviewed units (same spans): nothing changes,
    # every unit keeps its first review record, no --force needed.
    exported_doccano = tmp_path / "doccano-export.jsonl"
    exported_doccano.write_text(doccano.read_text(encoding="utf-8").replace('"label"', '"labels"'), encoding="utf-8")
    summary = import_annotations(workspace, exported_doccano, "doccano", "taiyuan-2024-digital", "tester", all_units=True)
    assert (summary["unchanged"], summary["added"], summary["replaced"]) == (len(units), 0, 0)
    assert gold_path.read_bytes() == before

    from builders.build import build

    build(workspace)
    rows = datasets.load_dataset(str(workspace.root), split="train", cache_dir=str(tmp_path / "cache"))
    new_rows = [r for r in rows if r["doc_id"] == "taiyuan-2024-digital"]
    assert len(new_rows) == len(units)
    assert any(e["text"] == "市發改委" for r in new_rows for e in r["entities"])
    card = (workspace.root / "README.md").read_text(encoding="utf-8")
    assert "| taiyuan-2024-digital | train |" in card


# --- bad imports ----------------------------------------------------------------


@pytest.fixture(scope="module")
def added(tmp_path_factory, paths):
    """One added plan shared by the import tests (a refused import writes nothing)."""
    root = tmp_path_factory.mktemp("added")
    for name in ("seeds", "corpus", "annotations"):
        shutil.copytree(paths.root / name, root / name, ignore=shutil.ignore_patterns("tasks"))
    workspace = Paths(root)
    source = root / "plan.txt"
    source.write_bytes(NEW_PLAN.encode("gb18030"))
    add_plan(workspace, source, "taiyuan-2024-digital")
    tasks = json.loads((workspace.annotations / "tasks" / "taiyuan-2024-digital" / "labelstudio.json").read_text(encoding="utf-8"))
    return workspace, tasks


def write_tasks(tmp_path, tasks):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


def one_span(task, start, end, label, text=None):
    value = {"start": start, "end": end, "labels": [label]}
    if text is not None:
        value["text"] = text
    return {"data": task["data"], "annotations": [{"result": [{"type": "labels", "value": value}]}]}


def test_import_refuses_span_text_that_does_not_match(added, tmp_path):
    workspace, tasks = added
    task = next(t for t in tasks if "市發改委" in t["data"]["text"])
    start = task["data"]["text"].index("市發改委")
    path = write_tasks(tmp_path, [one_span(task, start, start + 4, "DEPT", "市財政局")])
    with pytest.raises(FormatError, match="does not match"):
        import_annotations(workspace, path, "labelstudio", "taiyuan-2024-digital", "t")
    assert not (workspace.annotations / "gold" / "taiyuan-2024-digital.jsonl").exists()


def test_import_refuses_offsets_out_of_range_and_unknown_labels(added, tmp_path):
    workspace, tasks = added
    path = write_tasks(tmp_path, [one_span(tasks[0], 0, 999, "DEPT")])
    with pytest.raises(FormatError, match="outside the text"):
        import_annotations(workspace, path, "labelstudio", "taiyuan-2024-digital", "t")
    path = write_tasks(tmp_path, [one_span(tasks[0], 0, 2, "ORG")])
    with pytest.raises(FormatError, match="unknown label 'ORG'"):
        import_annotations(workspace, path, "labelstudio", "taiyuan-2024-digital", "t")


def test_label_studio_result_without_value_text_is_checked_by_offsets(added, tmp_path):
    workspace, tasks = added
    task = next(t for t in tasks if "市發改委" in t["data"]["text"])
    start = task["data"]["text"].index("市發改委")
    path = write_tasks(tmp_path, [one_span(task, start, start + 4, "DEPT")])
    summary = import_annotations(workspace, path, "labelstudio", "taiyuan-2024-digital", "t", force=True)
    assert summary["added"] + summary["replaced"] + summary["unchanged"] == 1


def test_doccano_offsets_after_a_character_outside_the_bmp(added, tmp_path):
    workspace, tasks = added
    # A text edited in the tool no longer matches the corpus: refused by name.
    text = "𠀋" + tasks[0]["data"]["text"]
    line = json.dumps({"id": tasks[0]["data"]["id"], "text": text, "label": [[2, 4, "DATE"]]}, ensure_ascii=False)
    path = tmp_path / "doccano.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match="text differs from the corpus"):
        import_annotations(workspace, path, "doccano", "taiyuan-2024-digital", "t", all_units=True)
    assert codepoint_offset(text, 2) == 1


def test_script_guess_counts_traditional_only_against_simplified_only_characters():
    from builders.plans import _guess_script

    mostly_simplified = "某市国民经济和社会发展规划纲要。推进经济高质量发展，" * 20 + "引用臺灣與澳門的經驗"
    assert _guess_script(mostly_simplified) == "Simplified"
    assert _guess_script("某市國民經濟和社會發展規劃綱要。推進經濟高質量發展") == "Traditional"


def test_a_given_title_reaches_the_card_in_simplified():
    from builders.plans import Detected, manifest_entry

    detected = Detected("utf-8", False, "LF", "某市國民經濟發展規劃")
    entry = manifest_entry("x-2024", b"x", detected, {"title": "某市數字經濟發展規劃"}, "x.txt")
    assert (entry["script"], entry["title_simplified"]) == ("Traditional", "某市数字经济发展规划")
    entry = manifest_entry("x-2024", b"x", detected, {"title": "某市规划", "script": "Simplified"}, "x.txt")
    assert entry["title_simplified"] == "某市规划"


# --- mixed and BOM-less encodings ------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_chinese_utf16_without_bom_is_detected(encoding):
    text = NEW_PLAN.replace("\r\n", "\n")
    detected = detect_encoding(text.encode(encoding), "plan.txt")
    assert (detected.encoding, detected.text) == (encoding, text)


def test_utf16_without_bom_that_is_not_chinese_text_is_refused():
    with pytest.raises(SeedError, match=r"bad\.txt: (looks binary|not UTF-8)"):
        detect_encoding(bytes(range(1, 256)) * 4, "bad.txt")


def test_a_gbk_file_with_a_utf8_line_is_refused_naming_the_line():
    lines = NEW_PLAN.split("\r\n")
    data = "\r\n".join(lines[:2]).encode("gb18030") + b"\r\n" + lines[2].encode("utf-8") + b"\r\n" + "\r\n".join(lines[3:]).encode("gb18030")
    with pytest.raises(SeedError, match=r"mixed\.txt:3: this line is UTF-8 but line 1 is not .*convert it to one encoding"):
        detect_encoding(data, "mixed.txt")
    # the same file in one encoding is fine
    assert detect_encoding(NEW_PLAN.encode("gb18030"), "plan.txt").encoding == "gb18030"


def test_a_near_duplicate_of_a_seed_is_named_and_a_different_plan_is_not(paths):
    from builders.corpus.seeds import load_manifest
    from builders.plans import near_duplicates

    plans = load_manifest(paths.seeds)
    seed = (paths.seeds / "raw" / "xinzhou-2017-central-rise.txt").read_text(encoding="utf-8")
    lines = seed.split("\n")
    # a revised version: every fifth line rewritten, a paragraph added
    revised = "\n".join("本条内容已作修订,以最新文件为准。" if i % 5 == 0 else line for i, line in enumerate(lines)) + "\n新增一段关于数字经济的内容。"
    found = near_duplicates(paths, plans, revised)
    assert [plan_id for plan_id, _ in found] == ["xinzhou-2017-central-rise"]
    assert 0.3 <= found[0][1] < 1
    assert near_duplicates(paths, plans, NEW_PLAN) == []


def test_add_plan_warns_about_a_near_duplicate_and_adds_it(workspace, tmp_path):
    seed = (workspace.seeds / "raw" / "chifeng-2017-northeast-revitalization.txt").read_text(encoding="utf-8")
    source = tmp_path / "revised.txt"
    source.write_text(seed.replace("。", "。\n", 3) + "\n附:本方案自印发之日起施行。\n", encoding="utf-8")
    summary = add_plan(workspace, source, "chifeng-2018-revised", rebuild=False)
    [warning] = summary["warnings"]
    assert "revised.txt" in warning and "seed 'chifeng-2017-northeast-revitalization'" in warning
    from builders.corpus.seeds import load_manifest

    assert "chifeng-2018-revised" in [p.id for p in load_manifest(workspace.seeds)]
