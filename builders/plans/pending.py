"""A plan operation (add-plan, remove-plan) as one recoverable unit.

Adding or removing a plan takes several steps that cannot share one
`Transaction`: the seeds change, then the build reads them from disk, then
add-plan writes annotation tasks from the built corpus. Each step commits
atomically by itself; this module makes the sequence all-or-nothing.

Before the first step, `begin_operation` saves what the operation may change
(copies of the files it rewrites or deletes, the list of paths it creates)
under `.build/operation/`, then writes the journal `.build/operation.json`
atomically. While the journal exists the operation is undecided. It is decided
by deleting the journal once the last step has committed.

If a step raises, the operation is undone at once; if the process dies,
`recover_project` (run by every `plancorpus` command before its work) finds
the journal and undoes it: the saved files go back and the created paths go,
in one Transaction, then the build runs so corpus/ and data/ match the
restored inputs again. Every part of the undo can be repeated, so a kill
during the undo is recovered by the next command the same way. The project
therefore shows the state before the operation or the state after it, never
a plan half added or half removed.

The whole operation holds the project's lock (`builders.transaction`), so no
other command can run, or "recover" an operation that is still alive.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from builders.build import build
from builders.io import write_text_atomic
from builders.project import Paths
from builders.transaction import BuildLockedError, Transaction, _recover_locked, acquire, build_dir, project_lock

JOURNAL = "operation.json"
SAVED = "operation"  # .build/operation/<path>: the saved copies


def checkpoint(step: str) -> None:
    """A named step of a plan operation has committed. Does nothing; the
    fault-injection tests replace it to kill or fail the process there."""


@dataclass(frozen=True)
class Operation:
    """What an operation in progress may change, enough to undo it."""

    name: str  # e.g. "add-plan taiyuan-2024-digital"
    restore: tuple[str, ...]  # project paths saved before the operation, put back on undo
    created: tuple[str, ...]  # project paths absent before the operation, removed on undo

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "restore": list(self.restore), "created": list(self.created)},
                          ensure_ascii=False, indent=1) + "\n"


def journal_path(root: Path) -> Path:
    return build_dir(root) / JOURNAL


def begin_operation(paths: Paths, name: str, changes: list[str]) -> Operation:
    """Save every path in `changes` that exists (files or folders) and note
    the ones that do not, then write the journal. The caller holds the lock."""
    saved = build_dir(paths.root) / SAVED
    shutil.rmtree(saved, ignore_errors=True)
    restore, created = [], []
    for rel in changes:
        source = paths.root / rel
        if source.is_dir():
            shutil.copytree(source, saved / rel, symlinks=True)
            restore.append(rel)
        elif source.exists():
            (saved / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, saved / rel)
            restore.append(rel)
        else:
            created.append(rel)
    operation = Operation(name, tuple(restore), tuple(created))
    write_text_atomic(journal_path(paths.root), operation.to_json())  # fsynced: the undo is on disk from here
    checkpoint("journal-written")
    return operation


def finish_operation(paths: Paths) -> None:
    """The operation is decided: delete the journal, then the saved copies."""
    journal_path(paths.root).unlink(missing_ok=True)
    checkpoint("journal-deleted")
    shutil.rmtree(build_dir(paths.root) / SAVED, ignore_errors=True)


def undo_operation(paths: Paths, operation: Operation) -> None:
    """Put the saved paths back, remove the created ones, rebuild, and delete
    the journal. Repeatable: a kill anywhere in it is undone again."""
    saved = build_dir(paths.root) / SAVED
    with Transaction(paths.root, f"undo {operation.name}") as tx:
        for rel in operation.restore:
            copy = saved / rel
            if copy.is_dir():
                shutil.copytree(copy, tx.directory(rel), symlinks=True, dirs_exist_ok=True)
            else:
                tx.write_bytes(rel, copy.read_bytes())
        for rel in operation.created:
            if os.path.lexists(paths.root / rel):
                tx.remove(rel)
    checkpoint("undo-restored")
    build(paths)
    finish_operation(paths)


def read_operation(root: Path) -> Operation | None:
    path = journal_path(root)
    if not path.exists():
        return None
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        return Operation(found["name"], tuple(found["restore"]), tuple(found["created"]))
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as error:
        # Written atomically, so this is outside damage: never guess an undo.
        raise ValueError(f"{path}: unreadable operation journal ({error}); inspect it, then delete it") from None


@dataclass
class ProjectRecovery:
    swaps: str = ""  # what builders.transaction.recover did
    undone: str = ""  # the plan operation undone, if any

    def __bool__(self) -> bool:
        return bool(self.swaps or self.undone)

    def describe(self) -> str:
        parts = [self.swaps] if self.swaps else []
        if self.undone:
            parts.append(f"undid the interrupted '{self.undone}' (the project is as before it)")
        return "; ".join(parts)


def recover_locked(paths: Paths) -> ProjectRecovery:
    """Recovery for a caller that holds the lock: finish interrupted swaps,
    then undo an interrupted plan operation."""
    recovery = ProjectRecovery(_recover_locked(paths.root).describe())
    operation = read_operation(paths.root)
    if operation is not None:
        undo_operation(paths, operation)
        recovery.undone = operation.name
    else:
        # Saved copies of an operation decided just before a kill.
        shutil.rmtree(build_dir(paths.root) / SAVED, ignore_errors=True)
    return recovery


def recover_project(paths: Paths) -> ProjectRecovery:
    """What every command runs first (see the module docstring). Does nothing
    when another process holds the lock: that process is alive."""
    if not build_dir(paths.root).is_dir():
        return ProjectRecovery()
    lock = project_lock(paths.root)
    if lock.is_locked:
        return ProjectRecovery()  # inside an operation of this process
    try:
        acquire(paths.root)
    except BuildLockedError:
        return ProjectRecovery()  # another process holds it: alive
    try:
        return recover_locked(paths)
    finally:
        lock.release()
