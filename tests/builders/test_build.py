"""The build costs what changed: unchanged plans come from the cache, a no-op
writes nothing, adding a plan renames no other plan's files, serial and
parallel builds write the same bytes, and a build killed mid-commit leaves the
last good state or is completed by the next command."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml

import builders.transaction as transaction
from builders.build import build
from builders.project import Paths

ROOT = Path(__file__).resolve().parents[2]
SMALL = ("xinzhou-2017-central-rise", "chifeng-2017-northeast-revitalization")  # two short plans, two splits


def small_project(target: Path, plan_ids=SMALL) -> Paths:
    """A project with a few of the seeds, their gold and annotations."""
    (target / "seeds" / "raw").mkdir(parents=True)
    manifest = yaml.safe_load((ROOT / "seeds" / "plans.yaml").read_text(encoding="utf-8"))
    entries = [p for p in manifest if p["id"] in plan_ids]
    for plan in entries:
        shutil.copyfile(ROOT / "seeds" / plan["raw_file"], target / "seeds" / plan["raw_file"])
    (target / "seeds" / "plans.yaml").write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for table in ("errata.yaml", "garbled_runs.yaml", "noise.yaml"):
        # Only the chosen plans' entries: an entry for a plan the manifest lacks is an error.
        rows = [r for r in yaml.safe_load((ROOT / "seeds" / table).read_text(encoding="utf-8")) or [] if r["doc_id"] in plan_ids]
        (target / "seeds" / table).write_text(yaml.safe_dump(rows, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (target / "annotations").mkdir()
    for name in ("labels.yaml", "audit_exceptions.yaml"):
        shutil.copyfile(ROOT / "annotations" / name, target / "annotations" / name)
    for folder in ("gold", "first", "second"):
        (target / "annotations" / folder).mkdir()
        for plan_id in plan_ids:
            source = ROOT / "annotations" / folder / f"{plan_id}.jsonl"
            if source.exists():
                shutil.copyfile(source, target / "annotations" / folder / source.name)
    return Paths(target)


def outputs(root: Path) -> dict[str, bytes]:
    """Every file a build publishes."""
    found = {}
    for folder in ("corpus", "data"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                found[path.relative_to(root).as_posix()] = path.read_bytes()
    for name in ("README.md", "annotations/README.md", "annotations/agreement.json"):
        if (root / name).exists():
            found[name] = (root / name).read_bytes()
    return found


def add_copy_of(paths: Paths, source_id: str, new_id: str, split: str = "train") -> None:
    """A new plan: a seed's bytes plus one extra paragraph, with its gold."""
    manifest = yaml.safe_load((paths.seeds / "plans.yaml").read_text(encoding="utf-8"))
    source = next(p for p in manifest if p["id"] == source_id)
    raw = (paths.seeds / source["raw_file"]).read_bytes() + "\n另行补充一段说明。\n".encode("utf-8")
    (paths.seeds / "raw" / f"{new_id}.txt").write_bytes(raw)
    manifest.append(dict(source, id=new_id, raw_file=f"raw/{new_id}.txt", sha256=hashlib.sha256(raw).hexdigest(), split=split))
    (paths.seeds / "plans.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    gold = (paths.annotations / "gold" / f"{source_id}.jsonl").read_text(encoding="utf-8")
    (paths.annotations / "gold" / f"{new_id}.jsonl").write_text(gold.replace(source_id, new_id), encoding="utf-8")


@pytest.fixture(scope="module")
def built_small(tmp_path_factory):
    paths = small_project(tmp_path_factory.mktemp("small") / "project")
    report = build(paths, jobs=1)
    return paths, report


def test_first_build_builds_every_plan(built_small):
    paths, report = built_small
    assert report.built == list(SMALL)
    assert (paths.root / "corpus" / "index.json").exists() and report.published_units > 0


def test_noop_rebuild_builds_and_writes_nothing(built_small):
    paths, _ = built_small
    before = outputs(paths.root)
    again = build(paths, jobs=1)
    assert again.built == [] and again.written == []
    assert outputs(paths.root) == before


def test_adding_a_plan_builds_only_it_and_renames_no_other_file(tmp_path):
    paths = small_project(tmp_path / "project")
    build(paths, jobs=1)
    before = outputs(paths.root)
    add_copy_of(paths, SMALL[1], "copy-2017-extra")
    report = build(paths, jobs=1)
    assert report.built == ["copy-2017-extra"]
    after = outputs(paths.root)
    others = {k: v for k, v in before.items() if k.startswith("data/") or k.startswith(f"corpus/{SMALL[0]}")}
    assert all(after.get(k) == v for k, v in others.items()), "a file of another plan changed or was renamed"
    new = [k for k in after if k not in before]
    assert sorted(k.split("/")[1] for k in new if k.startswith("data/")) == ["documents", "spans", "tokens"]
    assert all("copy-2017-extra" in k for k in new)


def test_changed_gold_rebuilds_that_plan_only_and_renames_its_files(tmp_path):
    paths = small_project(tmp_path / "project")
    build(paths, jobs=1)
    before = outputs(paths.root)
    gold = paths.annotations / "gold" / f"{SMALL[0]}.jsonl"
    lines = gold.read_text(encoding="utf-8").splitlines(keepends=True)
    gold.write_text("".join(lines[1:]), encoding="utf-8")  # the first unit loses its reviewed gold
    report = build(paths, jobs=1)
    assert report.built == [SMALL[0]]
    after = outputs(paths.root)
    changed_data = sorted(k for k in set(before) ^ set(after) if k.startswith("data/"))
    assert changed_data and all(SMALL[0] in k for k in changed_data)
    assert all(after[k] == before[k] for k in before if k.startswith("data/") and SMALL[1] in k)


def test_a_noop_parses_nothing_when_no_input_byte_changed(tmp_path, monkeypatch):
    import builders.build as build_module

    paths = small_project(tmp_path / "project")
    first = build(paths, jobs=1)
    full = build(paths, jobs=1)  # compare: the no-op found by the full check
    real = build_module.plan_inputs
    monkeypatch.setattr(build_module, "plan_inputs", lambda *a, **k: pytest.fail("the manifest was parsed"))
    quick = build(paths, jobs=1)
    assert quick.built == [] and quick.written == []
    assert quick.summaries == full.summaries == first.summaries and quick.fingerprint == full.fingerprint
    assert [s["doc_id"] for s in quick.summaries] == list(SMALL)  # manifest order
    # add-plan's tasks are no build input
    (paths.annotations / "tasks" / SMALL[0]).mkdir(parents=True)
    (paths.annotations / "tasks" / SMALL[0] / "doccano.jsonl").write_text("{}\n", encoding="utf-8")
    assert build(paths, jobs=1).written == []

    # Any byte changed in an input folder: the full check decides (here: still nothing to do).
    calls = []
    monkeypatch.setattr(build_module, "plan_inputs", lambda *a, **k: calls.append(1) or real(*a, **k))
    errata = paths.seeds / "errata.yaml"
    errata.write_text(errata.read_text(encoding="utf-8") + "# reviewed again\n", encoding="utf-8")
    again = build(paths, jobs=1)
    assert calls == [1] and again.built == [] and again.written == []
    build(paths, jobs=1)
    assert calls == [1]  # and the key of the new bytes is remembered
    # A real change is built.
    add_copy_of(paths, SMALL[1], "copy-2017-extra")
    assert build(paths, jobs=1).built == ["copy-2017-extra"] and calls == [1, 1]


def test_the_build_keeps_a_sketch_per_plan_and_add_plan_reads_only_candidates(built_small, monkeypatch):
    import builders.corpus.seeds as seeds
    import builders.corpus.similarity as similarity
    from builders.corpus.seeds import load_manifest
    from builders.plans import near_duplicates

    paths, _ = built_small
    [folder] = list((paths.root / ".build" / "cache" / "_sketches").iterdir())
    assert len(list(folder.glob("*.json"))) == len(SMALL)
    assert (folder / "pack.npz").exists()  # and every current sketch in one file, which add-plan reads
    for table in ("plans.yaml", "garbled_runs.yaml"):  # the seeds' tables are parsed again only when they change
        assert len(list((paths.root / ".build" / "cache" / "_yaml" / table).iterdir())) == 1
    read = []
    real = seeds.decode_seed

    def counting(data, path, encoding):
        read.append(Path(path).stem)
        return real(data, path, encoding)

    monkeypatch.setattr(seeds, "decode_seed", counting)
    monkeypatch.setattr(similarity, "decode_seed", counting)
    plans = load_manifest(paths.seeds)
    unrelated = "示例市推进数字经济发展实施方案\n一、主要目标\n到2026年,新建5G基站3000个。(市发改委牵头)\n"
    assert near_duplicates(paths, plans, unrelated) == [] and read == []
    seed = (paths.seeds / "raw" / f"{SMALL[1]}.txt").read_text(encoding="utf-8")
    [(plan_id, similarity_)] = near_duplicates(paths, plans, seed + "\n附:本方案自印发之日起施行。\n")
    assert plan_id == SMALL[1] and 0.9 < similarity_ < 1 and read == [SMALL[1]]


def test_serial_and_parallel_builds_write_the_same_bytes(tmp_path, built_small):
    paths, _ = built_small
    parallel = small_project(tmp_path / "parallel")
    report = build(parallel, jobs=2)
    assert report.built == list(SMALL)
    assert outputs(parallel.root) == outputs(paths.root)


class SimulatedKill(BaseException):
    pass


def test_build_killed_mid_commit_is_completed_by_the_next_command(tmp_path, monkeypatch):
    from builders.cli import main

    paths = small_project(tmp_path / "project")
    build(paths, jobs=1)
    add_copy_of(paths, SMALL[0], "copy-2017-killed", split="test")
    real, calls = transaction._move, []

    def dies_on_the_third_rename(source, target):
        calls.append(target)
        if len(calls) == 3:
            raise SimulatedKill
        real(source, target)

    monkeypatch.setattr(transaction, "_move", dies_on_the_third_rename)
    with pytest.raises(SimulatedKill):
        build(paths, jobs=1)
    monkeypatch.undo()
    transaction._locks.clear()  # the dead process's lock died with it
    assert (paths.root / ".build" / "swap.json").exists()
    main(["--root", str(paths.root), "validate"])
    reference = small_project(tmp_path / "reference")
    add_copy_of(reference, SMALL[0], "copy-2017-killed", split="test")
    build(reference, jobs=1)
    assert outputs(paths.root) == outputs(reference.root)


def test_failed_plan_leaves_the_last_good_state(tmp_path):
    paths = small_project(tmp_path / "project")
    build(paths, jobs=1)
    before = outputs(paths.root)
    add_copy_of(paths, SMALL[1], "copy-2017-broken")
    manifest = paths.seeds / "plans.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("copy-2017-broken.txt", "missing.txt"), encoding="utf-8")
    with pytest.raises(ValueError, match="missing.txt"):
        build(paths, jobs=2)
    assert outputs(paths.root) == before


def test_a_touched_corpus_file_is_restored_from_the_cache(built_small):
    paths, _ = built_small
    text = paths.corpus / SMALL[0] / "text.txt"
    good = text.read_bytes()
    text.write_bytes(b"edited by hand")
    report = build(paths, jobs=1)
    assert report.built == [] and ("put", f"corpus/{SMALL[0]}") in report.written
    assert text.read_bytes() == good


def test_a_deleted_data_file_is_restored_and_a_stray_one_removed(built_small):
    paths, _ = built_small
    shard = sorted((paths.root / "data" / "spans").glob("*.parquet"))[0]
    good = shard.read_bytes()
    shard.unlink()
    stray = paths.root / "data" / "spans" / "old-plan-0123456789abcdef.parquet"
    stray.write_bytes(b"left over")
    report = build(paths, jobs=1)
    assert report.built == [] and shard.read_bytes() == good and not stray.exists()


def test_changed_second_annotation_updates_the_agreement_without_rebuilding_plans(tmp_path):
    paths = small_project(tmp_path / "project")
    build(paths, jobs=1)
    agreement = (paths.annotations / "agreement.json").read_bytes()
    second = paths.annotations / "second" / f"{SMALL[0]}.jsonl"
    second.write_text("".join(second.read_text(encoding="utf-8").splitlines(keepends=True)[1:]), encoding="utf-8")
    report = build(paths, jobs=1)
    assert report.built == []
    assert ("put", "annotations/agreement.json") in report.written
    assert (paths.annotations / "agreement.json").read_bytes() != agreement


def test_editing_the_cards_text_rebuilds_no_plan_and_editing_a_rule_rebuilds_all(tmp_path, monkeypatch):
    import builders.build as build_module

    package = tmp_path / "builders"
    shutil.copytree(ROOT / "builders", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(build_module, "PACKAGE_DIR", package)
    monkeypatch.setattr(build_module, "TEMPLATES_DIR", package / "templates")
    paths = small_project(tmp_path / "project")
    build(paths, jobs=1)
    template = package / "templates" / "README.md"
    template.write_text(template.read_text(encoding="utf-8") + "\nA sentence added to the card.\n", encoding="utf-8")
    report = build(paths, jobs=1)
    assert report.built == []
    assert "A sentence added to the card." in (paths.root / "README.md").read_text(encoding="utf-8")
    rules = package / "config" / "cleaning.yaml"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert build(paths, jobs=1).built == list(SMALL)


def test_the_repair_tables_are_grouped_once_per_content(tmp_path, monkeypatch):
    import builders.build as build_module
    from builders.build import REPAIRS_CACHE, plan_inputs
    from builders.corpus.seeds import SeedError, load_garbled_runs

    paths = small_project(tmp_path / "project", ("lvliang-2013-transformation", "taiyuan-2013-transformation"))  # errata, runs
    (paths.root / ".build").mkdir()  # a project built before: its cache is kept
    build_module._REPAIRS_SEEN.clear()
    plan_inputs(paths)
    stored = list((paths.root / ".build" / "cache" / REPAIRS_CACHE).glob("*.pickle"))
    assert len(stored) == 1
    expected = {r.doc_id: [] for r in load_garbled_runs(paths.seeds)}
    for run in load_garbled_runs(paths.seeds):
        expected[run.doc_id].append(run)
    assert expected  # the small project has garbled runs to group

    loads = []
    real = build_module.load_garbled_runs
    monkeypatch.setattr(build_module, "load_garbled_runs", lambda seeds: loads.append(1) or real(seeds))
    build_module._REPAIRS_SEEN.clear()
    inputs = plan_inputs(paths)
    assert loads == []  # read back from .build/cache/_repairs
    assert {p.plan.id: list(p.runs) for p in inputs if p.runs} == expected
    fingerprints = [p.fingerprint() for p in inputs]

    stored[0].write_bytes(b"not a pickle")  # damaged: grouped again, same inputs
    build_module._REPAIRS_SEEN.clear()
    again = plan_inputs(paths)
    assert loads == [1] and [p.fingerprint() for p in again] == fingerprints

    rows = yaml.safe_load((paths.seeds / "noise.yaml").read_text(encoding="utf-8")) or []
    rows.append({"doc_id": "no-such-plan", "raw_offset": 0, "text": "*", "kind": "footnote", "reason": "test"})
    (paths.seeds / "noise.yaml").write_text(yaml.safe_dump(rows, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SeedError, match=r"noise\.yaml: an entry names plan 'no-such-plan', which seeds/plans\.yaml does not hold"):
        plan_inputs(paths)
