"""Writes are atomic: a failure leaves the previous file or folder untouched."""

import pytest

from builders.io import staged_directory, write_text_atomic


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "a.txt"
    write_text_atomic(target, "old")
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_failed_staged_directory_keeps_previous_state(tmp_path):
    target = tmp_path / "corpus"
    target.mkdir()
    (target / "kept.txt").write_text("last good state")
    with pytest.raises(RuntimeError):
        with staged_directory(target) as staging:
            (staging / "half.txt").write_text("half written")
            raise RuntimeError("step failed")
    assert sorted(p.name for p in target.iterdir()) == ["kept.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["corpus"]


def test_successful_staged_directory_replaces_folder(tmp_path):
    target = tmp_path / "corpus"
    target.mkdir()
    (target / "stale.txt").write_text("stale")
    with staged_directory(target) as staging:
        (staging / "fresh.txt").write_text("fresh")
    assert sorted(p.name for p in target.iterdir()) == ["fresh.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["corpus"]


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_follow_the_umask(tmp_path, umask, mode):
    import os
    import stat

    from builders.io import staged_directory, write_bytes_atomic

    old = os.umask(umask)
    try:
        write_bytes_atomic(tmp_path / "out.txt", b"x")
        with staged_directory(tmp_path / "folder") as staging:
            (staging / "a").write_bytes(b"a")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.txt").stat().st_mode) == mode
    assert stat.S_IMODE((tmp_path / "folder").stat().st_mode) == mode | 0o111 & ~umask


# --- YAML parses reused by content -------------------------------------------

MANIFEST = "- id: a-plan\n  issue_date: 2024-01-02\n  title: 示例规划\n  tags: [x, y]\n- id: b-plan\n  split: test\n"


@pytest.fixture
def parses(monkeypatch):
    """Counts real parses, with an empty in-process memo."""
    import builders.io as io_module

    monkeypatch.setattr(io_module, "_PARSED", type(io_module._PARSED)())
    calls = []
    real = io_module._parse_yaml
    monkeypatch.setattr(io_module, "_parse_yaml", lambda data, path: calls.append(path.name) or real(data, path))
    return calls


def test_an_unchanged_file_is_parsed_once_and_each_caller_gets_its_own_copy(tmp_path, parses):
    import datetime

    from builders.io import load_yaml

    path = tmp_path / "plans.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    first = load_yaml(path)
    assert first[0]["issue_date"] == datetime.date(2024, 1, 2) and first[1]["split"] == "test"
    first[0]["title"] = "changed by a caller"
    again = load_yaml(path)
    assert again[0]["title"] == "示例规划" and again == load_yaml(path)
    assert parses == ["plans.yaml"]
    path.write_text(MANIFEST.replace("split: test", "split: train"), encoding="utf-8")
    assert load_yaml(path)[1]["split"] == "train" and parses == ["plans.yaml"] * 2


def test_a_stored_parse_is_reused_by_the_next_process_and_replaced_when_the_file_changes(tmp_path, parses, monkeypatch):
    import builders.io as io_module
    from builders.io import load_yaml

    cache = tmp_path / "cache"
    path = tmp_path / "plans.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    value = load_yaml(path, cache)
    monkeypatch.setattr(io_module, "_PARSED", type(io_module._PARSED)())  # as in a new process
    assert load_yaml(path, cache) == value and parses == ["plans.yaml"]
    path.write_text(MANIFEST + "- id: c-plan\n", encoding="utf-8")
    assert [e["id"] for e in load_yaml(path, cache)] == ["a-plan", "b-plan", "c-plan"]
    assert len(list((cache / "plans.yaml").iterdir())) == 1  # one stored parse per file
    [stored] = (cache / "plans.yaml").iterdir()
    stored.write_bytes(b"damaged")
    monkeypatch.setattr(io_module, "_PARSED", type(io_module._PARSED)())
    assert [e["id"] for e in load_yaml(path, cache)] == ["a-plan", "b-plan", "c-plan"]
    assert parses == ["plans.yaml"] * 3


def test_a_stored_parse_holding_anything_but_yaml_values_is_refused(tmp_path, monkeypatch):
    import pickle

    import builders.io as io_module
    from builders.io import load_yaml

    cache = tmp_path / "cache"
    path = tmp_path / "table.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    load_yaml(path, cache)
    [stored] = (cache / "table.yaml").iterdir()
    stored.write_bytes(pickle.dumps(tmp_path))  # a class YAML never gives
    monkeypatch.setattr(io_module, "_PARSED", type(io_module._PARSED)())
    assert load_yaml(path, cache) == {"a": 1}


def test_errors_name_the_file_and_line_even_after_a_good_parse_was_kept(tmp_path, parses):
    from builders.io import InputError, load_yaml

    cache = tmp_path / "cache"
    path = tmp_path / "plans.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    load_yaml(path, cache)
    path.write_text(MANIFEST.replace("  split: test\n", "  split: test\n  split: train\n"), encoding="utf-8")
    for _ in range(2):  # an error is never kept: reported every time
        with pytest.raises(InputError, match=r"plans\.yaml:7: invalid YAML: duplicate key 'split' \(first on line 6\)"):
            load_yaml(path, cache)
    path.write_bytes("标签: [".encode("gbk"))
    with pytest.raises(InputError, match=r"plans\.yaml: byte offset 0: not UTF-8"):
        load_yaml(path, cache)
    path.write_text("a: [1, 2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"plans\.yaml:2: invalid YAML"):
        load_yaml(path, cache)


def test_an_unwritable_parse_cache_costs_a_parse_not_an_error(tmp_path, parses):
    from builders.io import load_yaml

    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    path = tmp_path / "plans.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    assert load_yaml(path, blocked)[1]["split"] == "test"


def test_read_json_reads_what_the_standard_library_reads(tmp_path):
    import json

    from builders.io import dumps_json, read_json

    value = {"plan": "示例", "counts": [0, 1, 2**40], "share": 0.1 + 0.2, "nested": {"a": None, "b": True}}
    path = tmp_path / "summary.json"
    path.write_text(dumps_json(value), encoding="utf-8")
    assert read_json(path) == json.loads(path.read_text(encoding="utf-8")) == value
    path.write_text('{"big": 123456789012345678901234567890, "nan": NaN}', encoding="utf-8")  # orjson refuses both
    loaded = read_json(path)
    assert loaded["big"] == 123456789012345678901234567890 and loaded["nan"] != loaded["nan"]


def test_indented_json_is_the_standard_librarys_text():
    import json
    import random

    from builders.io import dumps_indented, dumps_json

    rng = random.Random(16)
    atoms = [0, 1, -5, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 0.1, 1e-05, 2.5e-07, 1e16, 1e22, 100.0, -0.0, float("nan"), float("inf"),
             True, False, None, "", "中文", "a\"b\\c", "\n\t\x01\x1f\x7f\u2028", "\ud800"]

    def value(depth):
        if depth > 3 or rng.random() < 0.3:
            return rng.choice(atoms)
        if rng.random() < 0.5:
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        keys = rng.sample(["b", "a", "中", "Z", "é", "a b", "10", "9"], rng.randint(0, 4))
        made = {key: value(depth + 1) for key in keys}
        if rng.random() < 0.1:
            made[3] = 1  # a key json writes as a string
        if rng.random() < 0.1:
            return tuple(made.values())
        return made

    for _ in range(3000):
        item = value(0)
        for indent in (1, 2, 4):
            for sort_keys in (False, True):
                try:
                    expected = json.dumps(item, ensure_ascii=False, indent=indent, sort_keys=sort_keys)
                except TypeError:  # int and str keys together cannot be sorted: the same error either way
                    with pytest.raises(TypeError):
                        dumps_indented(item, indent, sort_keys=sort_keys)
                    continue
                assert dumps_indented(item, indent, sort_keys=sort_keys) == expected
                if sort_keys:
                    assert dumps_json(item, indent=indent) == expected
