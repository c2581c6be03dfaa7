"""Adding a plan is one recoverable operation: a process killed (or failing)
at any step of add-plan leaves, once the next command has run, the project as
it was before the plan or as it is with the whole plan, byte for byte; never a
half-added plan.

The faults are real: add-plan runs in a child process that kills itself with
SIGKILL at a named step (builders.plans.pending.checkpoint) or at the N-th
rename of a transaction's swap.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from builders.build import build
from builders.cli import main
from builders.project import Paths

ROOT = Path(__file__).resolve().parents[2]
SEED = "xinzhou-2017-central-rise"
NEW = "jinzhong-2025-water"
# An invented plan, short so that its build is quick.
NEW_PLAN = (
    "晋中市城乡供水保障三年行动方案(2025-2027年)\n"
    "一、工作目标\n"
    "到2027年,全市农村自来水普及率达到98%以上,新建改造供水管网1200公里。\n"
    "二、重点任务\n"
    "1.实施水源提升工程。新建水厂6座。(市水利局牵头,市财政局配合)\n"
)

CHILD = """
import os, signal, sys
from pathlib import Path
import builders.plans.pending as pending
import builders.transaction as transaction
from builders.plans import add_plan
from builders.project import Paths

root, source, fault = sys.argv[1], sys.argv[2], sys.argv[3]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if fault.startswith("rename-"):
    # kill at the N-th rename of any transaction's swap
    limit, count, move = int(fault.split("-")[1]), [0], transaction._move
    def counting_move(a, b):
        count[0] += 1
        if count[0] == limit:
            die()
        move(a, b)
    transaction._move = counting_move
else:
    mode, _, step = fault.partition(":")
    failed = []
    def checkpoint(name):
        if name == step and mode == "kill":
            die()
        if name == step and mode == "raise" and not failed:
            failed.append(name)
            raise RuntimeError("fault injected at " + name)
        if mode == "raise-then-kill" and failed and name == "undo-restored":
            die()
        if mode == "raise-then-kill" and name == step and not failed:
            failed.append(name)
            raise RuntimeError("fault injected at " + name)
    pending.checkpoint = checkpoint
if sys.argv[4] == "add":
    add_plan(Paths(Path(root)), Path(source), "%s", {"city": "晋中市", "province": "山西省"})
else:
    from builders.plans.remove import remove_plan
    remove_plan(Paths(Path(root)), "%s", force=True)
""" % (NEW, NEW)


def _small_project(target: Path) -> Paths:
    """One seed with its annotations: enough for a build."""
    (target / "seeds" / "raw").mkdir(parents=True)
    manifest = [p for p in yaml.safe_load((ROOT / "seeds" / "plans.yaml").read_text(encoding="utf-8")) if p["id"] == SEED]
    shutil.copyfile(ROOT / "seeds" / manifest[0]["raw_file"], target / "seeds" / manifest[0]["raw_file"])
    (target / "seeds" / "plans.yaml").write_text("# a manifest comment that must survive\n\n" + yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for table in ("errata.yaml", "garbled_runs.yaml", "noise.yaml"):
        (target / "seeds" / table).write_text("[]\n", encoding="utf-8")
    (target / "annotations").mkdir()
    for name in ("labels.yaml", "audit_exceptions.yaml"):
        shutil.copyfile(ROOT / "annotations" / name, target / "annotations" / name)
    for folder in ("gold", "first", "second"):
        (target / "annotations" / folder).mkdir()
        shutil.copyfile(ROOT / "annotations" / folder / f"{SEED}.jsonl", target / "annotations" / folder / f"{SEED}.jsonl")
    return Paths(target)


def tree(root: Path) -> dict[str, bytes]:
    """Every file of the project outside .build/, by path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".build" not in p.relative_to(root).parts
    }


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """A built project before the plan (with its build cache), the plan
    file, and the tree after a complete add-plan."""
    base = tmp_path_factory.mktemp("operations")
    before = _small_project(base / "before")
    build(before, jobs=1)
    source = base / "plan.txt"
    source.write_bytes(NEW_PLAN.encode("gb18030"))
    after = base / "after"
    shutil.copytree(before.root, after, symlinks=True)
    _child(after, source, "none")
    return before.root, source, tree(before.root), tree(after), after


def _child(root: Path, source: Path, fault: str, operation: str = "add") -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", CHILD, str(root), str(source), fault, operation], env=env,
                          capture_output=True, text=True, timeout=300)


def _copy(states, tmp_path, which: int = 0) -> Path:
    root = tmp_path / "project"
    shutil.copytree(states[which], root, symlinks=True)
    return root


def _next_command(root: Path, capsys) -> str:
    """Any command: this one fails on a missing file, after the recovery
    every command runs first."""
    main(["--root", str(root), "import-annotations", str(root / "missing.json"), "--format", "jsonl",
          "--plan", SEED, "--annotator", "tester", "--all-units"])
    return capsys.readouterr().err


def test_the_complete_add_plan_changes_only_what_it_adds(states):
    _, _, before, after, _ = states
    added = sorted(set(after) - set(before))
    assert f"seeds/raw/{NEW}.txt" in added and f"annotations/tasks/{NEW}/labelstudio.json" in added
    assert any(rel.startswith(f"corpus/{NEW}/") for rel in added)
    assert after["seeds/plans.yaml"].startswith(before["seeds/plans.yaml"].rstrip(b"\n"))
    assert after["README.md"] != before["README.md"]


@pytest.mark.parametrize(
    "fault, expected",
    [
        ("kill:journal-written", "before"),  # nothing written yet but the journal
        ("kill:seed-written", "before"),  # raw file and manifest entry committed, not built
        ("rename-5", "before"),  # inside the build's swap (corpus of the new plan half in)
        ("kill:built", "before"),  # corpus, data and card include the plan; no tasks
        ("kill:tasks-written", "before"),  # everything written, the journal not yet deleted
        ("kill:journal-deleted", "after"),  # decided: the plan is complete
        ("raise-then-kill:built", "before"),  # a failure, then a kill during its undo
    ],
)
def test_add_plan_killed_at_a_step_is_recovered_by_the_next_command(states, tmp_path, capsys, fault, expected):
    _, source, before, after, _ = states
    root = _copy(states, tmp_path)
    result = _child(root, source, fault)
    assert result.returncode != 0, result.stderr
    err = _next_command(root, capsys)
    assert "Traceback" not in err
    found = tree(root)
    wanted = before if expected == "before" else after
    assert sorted(found) == sorted(wanted)
    assert found == wanted
    if expected == "before":
        assert f"undid the interrupted 'add-plan {NEW}'" in err
    assert not (root / ".build" / "operation.json").exists()
    assert not (root / ".build" / "operation").exists()


def test_a_failing_step_is_undone_at_once(states, tmp_path):
    _, source, before, _, _ = states
    root = _copy(states, tmp_path)
    result = _child(root, source, "raise:tasks-written")
    assert "fault injected at tasks-written" in result.stderr
    assert tree(root) == before
    assert not (root / ".build" / "operation.json").exists()


def test_a_live_operation_is_not_undone_by_another_process(states, tmp_path):
    """While add-plan holds the project lock, another command does not touch
    its journal: it refuses with "another build is running"."""
    root = _copy(states, tmp_path)
    (root / ".build" / "operation.json").write_text('{"name": "add-plan x", "restore": [], "created": ["seeds/raw/x.txt"]}\n')
    script = "import sys, time; from builders.transaction import acquire; acquire(sys.argv[1]); print('held', flush=True); time.sleep(30)"
    holder = subprocess.Popen([sys.executable, "-c", script, str(root)], stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["--root", str(root), "build"]) == 1
        assert (root / ".build" / "operation.json").exists()
    finally:
        holder.kill()
        holder.wait()


# --- remove-plan ----------------------------------------------------------------


def test_remove_plan_undoes_add_plan_byte_for_byte(states, tmp_path, capsys):
    _, _, before, _, _ = states
    root = _copy(states, tmp_path, which=4)
    assert main(["--root", str(root), "remove-plan", NEW]) == 0
    out = capsys.readouterr().out
    assert f"remove seeds/raw/{NEW}.txt" in out and f"remove annotations/tasks/{NEW}" in out
    assert "remove 1 entry from seeds/plans.yaml" in out
    assert tree(root) == before


def test_remove_plan_with_reviewed_gold_needs_force_and_lists_what_would_go(states, tmp_path, capsys):
    _, _, before, _, _ = states
    root = _copy(states, tmp_path, which=4)
    gold = root / "annotations" / "gold" / f"{NEW}.jsonl"
    gold.write_text('{"doc_id": "%s", "start": 0, "end": 5, "spans": [], "review": {"status": "reviewed"}}\n' % NEW, encoding="utf-8")
    history = root / "annotations" / "history" / NEW
    history.mkdir(parents=True)
    (history / "0001.jsonl").write_text("", encoding="utf-8")
    unchanged = tree(root)
    assert main(["--root", str(root), "remove-plan", NEW]) == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert f"gold/{NEW}.jsonl: plan '{NEW}' has 1 reviewed unit(s) of gold; give --force" in errors[0]
    assert f"error: remove annotations/gold/{NEW}.jsonl" in err and f"error: remove annotations/history/{NEW}" in err
    assert tree(root) == unchanged
    assert main(["--root", str(root), "remove-plan", NEW, "--dry-run"]) == 0
    assert tree(root) == unchanged
    assert main(["--root", str(root), "remove-plan", NEW, "--force"]) == 0
    assert tree(root) == before


@pytest.mark.parametrize("fault", ["kill:journal-written", "kill:removed", "rename-4", "kill:built"])
def test_remove_plan_killed_at_a_step_leaves_the_plan_in_place(states, tmp_path, capsys, fault):
    _, source, _, after, _ = states
    root = _copy(states, tmp_path, which=4)
    result = _child(root, source, fault, operation="remove")
    assert result.returncode != 0, result.stderr
    err = _next_command(root, capsys)
    assert "Traceback" not in err and f"undid the interrupted 'remove-plan {NEW}'" in err
    assert tree(root) == after


def test_entries_are_removed_line_by_line_keeping_comments():
    from builders.plans.remove import without_entries

    text = (
        "# a table\n\n"
        "# --- first part ---\n\n"
        "- doc_id: a\n  raw_offset: 1  # why\n\n"
        "- doc_id: gone\n  raw_offset: 2\n\n"
        "# --- second part ---\n\n"
        "- doc_id: gone\n  raw_offset: 3\n"
        "- doc_id: b\n  raw_offset: 4\n"
    )
    result, count = without_entries(text, "doc_id", "gone", "t.yaml")
    assert count == 2
    assert result == (
        "# a table\n\n"
        "# --- first part ---\n\n"
        "- doc_id: a\n  raw_offset: 1  # why\n\n"
        "# --- second part ---\n"
        "- doc_id: b\n  raw_offset: 4\n"
    )


def test_a_table_that_cannot_be_edited_by_lines_is_refused():
    from builders.corpus.seeds import SeedError
    from builders.plans.remove import without_entries

    with pytest.raises(SeedError, match=r"t\.yaml: 2 entries but 0 lines start one"):
        without_entries("[{doc_id: gone}, {doc_id: b}]\n", "doc_id", "gone", "t.yaml")
