"""Transactions: staged writes swapped in all together, a journal that lets the
next command finish an interrupted swap, and a lock against concurrent builds."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from filelock import FileLock

import builders.transaction as transaction
from builders.transaction import BuildLockedError, Transaction, recover

ROOT = Path(__file__).resolve().parents[2]


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "data" / "spans").mkdir(parents=True)
    (root / "data" / "spans" / "old.parquet").write_bytes(b"old shard")
    (root / "README.md").write_text("old card", encoding="utf-8")
    (root / "corpus").mkdir()
    (root / "corpus" / "gone.txt").write_text("to be removed", encoding="utf-8")
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".build" not in p.relative_to(root).parts
    }


def _write_three(root: Path) -> None:
    with Transaction(root, "test") as tx:
        tx.write_text("README.md", "new card")
        folder = tx.directory("data")
        (folder / "spans").mkdir()
        (folder / "spans" / "new.parquet").write_bytes(b"new shard")
        tx.remove("corpus/gone.txt")
        tx.write_bytes("corpus/added.txt", b"added")


AFTER = {
    "README.md": b"new card",
    "corpus/added.txt": b"added",
    "data/spans/new.parquet": b"new shard",
}


def test_commit_applies_everything_and_leaves_no_trace(tmp_path):
    root = _project(tmp_path)
    _write_three(root)
    assert _snapshot(root) == AFTER
    build = root / ".build"
    assert not (build / "swap.json").exists()
    assert not any((build / "staging").iterdir()) and not any((build / "backup").iterdir())


def test_exception_inside_the_block_changes_nothing(tmp_path):
    root = _project(tmp_path)
    before = _snapshot(root)
    with pytest.raises(RuntimeError, match="plan failed"):
        with Transaction(root, "test") as tx:
            tx.write_text("README.md", "half a card")
            tx.remove("corpus/gone.txt")
            raise RuntimeError("plan failed")
    assert _snapshot(root) == before
    assert not any((root / ".build" / "staging").iterdir())


def _interrupt_after(monkeypatch, renames: int, error: BaseException) -> None:
    real_move = transaction._move
    calls = {"n": 0}

    def flaky_move(source, target):
        calls["n"] += 1
        if calls["n"] > renames:
            raise error
        real_move(source, target)

    monkeypatch.setattr(transaction, "_move", flaky_move)


class SimulatedKill(BaseException):
    """Stands for the process dying: nothing in the transaction may catch it."""


@pytest.mark.parametrize("renames", [0, 1, 2, 3, 4])
def test_swap_killed_between_two_renames_is_completed_by_recover(tmp_path, monkeypatch, renames):
    root = _project(tmp_path)
    _interrupt_after(monkeypatch, renames, SimulatedKill())
    with pytest.raises(SimulatedKill):
        _write_three(root)
    assert (root / ".build" / "swap.json").exists()
    monkeypatch.undo()
    # The process died, and with it its lock: a fresh command recovers.
    transaction._locks.clear()
    recovery = recover(root)
    assert recovery.completed == ["test"]
    assert _snapshot(root) == AFTER
    assert not (root / ".build" / "swap.json").exists()
    assert recover(root).completed == []


def test_ordinary_error_mid_swap_is_completed_at_once(tmp_path, monkeypatch):
    root = _project(tmp_path)
    real_move = transaction._move
    failed = []

    def fail_once(source, target):
        if len(failed) == 0 and Path(target).name == "data":
            failed.append(target)
            raise PermissionError("simulated")
        real_move(source, target)

    monkeypatch.setattr(transaction, "_move", fail_once)
    _write_three(root)
    assert failed
    assert _snapshot(root) == AFTER


def test_kill_while_staging_is_rolled_back(tmp_path):
    root = _project(tmp_path)
    before = _snapshot(root)
    tx = Transaction(root, "test").begin()
    tx.write_text("README.md", "never committed")
    tx._release()  # the process dies: its lock goes, its staging stays
    transaction._locks.clear()
    recovery = recover(root)
    assert recovery.discarded and not recovery.completed
    assert _snapshot(root) == before
    assert not any((root / ".build" / "staging").iterdir())


def test_real_process_killed_mid_swap_is_recovered_by_the_next_call(tmp_path):
    root = _project(tmp_path)
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        import builders.transaction as t
        real, calls = t._move, []
        def move(source, target):
            calls.append(target)
            if len(calls) == 2:
                os.kill(os.getpid(), signal.SIGKILL)
            real(source, target)
        t._move = move
        with t.Transaction({str(root)!r}, "killed") as tx:
            tx.write_text("README.md", "new card")
            tx.write_text("corpus/added.txt", "added")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert result.returncode == -9, result.stderr
    journal = json.loads((root / ".build" / "swap.json").read_text(encoding="utf-8"))
    assert journal["name"] == "killed"
    assert recover(root).completed == ["killed"]
    snapshot = _snapshot(root)
    assert snapshot["README.md"] == b"new card" and snapshot["corpus/added.txt"] == b"added"


def test_second_concurrent_build_fails_with_a_clear_message(tmp_path):
    root = _project(tmp_path)
    (root / ".build").mkdir()
    other = FileLock(root / ".build" / "lock")  # another process's lock, in effect
    with other:
        with pytest.raises(BuildLockedError, match=r"another build is running \(lock file .*\.build/lock\)"):
            with Transaction(root, "second"):
                pass
        assert recover(root).skipped_locked
    with Transaction(root, "after") as tx:
        tx.write_text("README.md", "fine now")
    assert (root / "README.md").read_text(encoding="utf-8") == "fine now"


def test_nested_transaction_in_one_process_is_reentrant(tmp_path):
    root = _project(tmp_path)
    with Transaction(root, "outer") as outer:
        outer.write_text("corpus/added.txt", "added")
        with Transaction(root, "inner") as inner:
            inner.write_text("README.md", "new card")
        assert (root / "README.md").read_text(encoding="utf-8") == "new card"
        assert not (root / "corpus" / "added.txt").exists()
    assert (root / "corpus" / "added.txt").read_text(encoding="utf-8") == "added"


@pytest.mark.parametrize("bad", ["/etc/passwd", "../outside", "a/../../b", ".build/lock", ""])
def test_paths_outside_the_project_are_refused(tmp_path, bad):
    root = _project(tmp_path)
    with pytest.raises(ValueError):
        with Transaction(root, "test") as tx:
            tx.write_text(bad, "x")
    assert _snapshot(root) == _snapshot(_project(tmp_path / "again"))


def test_writes_inside_a_replaced_folder_and_conflicts(tmp_path):
    root = _project(tmp_path)
    with Transaction(root, "test") as tx:
        tx.directory("data")
        tx.write_bytes("data/tokens/t.parquet", b"tokens")
        tx.remove("data/never-written")  # inside a folder replaced whole: nothing to do
        assert tx.operations == [("put", "data")]
        tx.remove("corpus")
        with pytest.raises(ValueError, match="removes"):
            tx.write_text("corpus/x.txt", "x")
    assert _snapshot(root) == {"README.md": b"old card", "data/tokens/t.parquet": b"tokens"}


def test_recover_on_a_project_that_never_built_creates_nothing(tmp_path):
    root = _project(tmp_path)
    assert not recover(root)
    assert not (root / ".build").exists()


def test_every_command_first_recovers_an_interrupted_swap(tmp_path, monkeypatch, capsys):
    from builders.cli import main

    root = _project(tmp_path)
    _interrupt_after(monkeypatch, 1, SimulatedKill())
    with pytest.raises(SimulatedKill):
        _write_three(root)
    monkeypatch.undo()
    transaction._locks.clear()
    main(["--root", str(root), "validate"])  # any command; this one then fails for want of annotations
    assert _snapshot(root) == AFTER
    assert "completed the interrupted write 'test'" in capsys.readouterr().err


def test_command_refused_while_another_build_holds_the_lock(tmp_path, capsys):
    from builders.cli import main

    root = _project(tmp_path)
    (root / ".build").mkdir()
    (root / "seeds").mkdir()
    with FileLock(root / ".build" / "lock"):
        assert main(["--root", str(root), "build"]) == 1
    assert "another build is running (lock file" in capsys.readouterr().err
