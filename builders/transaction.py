"""All-or-nothing writes into a project: staged outputs, a swap journal, a lock.

Any step that changes several files of a project (a build, adding or removing a
plan) writes through a `Transaction`:

    from builders.transaction import Transaction

    with Transaction(root, "add-plan") as tx:
        tx.write_bytes("seeds/raw/new-plan.txt", data)     # staged, not yet visible
        tx.write_text("seeds/plans.yaml", manifest_text)
        tx.remove("annotations/tasks/old-plan")            # a file or a whole folder
        folder = tx.directory("data")                      # replace a folder whole:
        (folder / "spans").mkdir()                         #   fill the staged copy
    # leaving the block without an exception commits; an exception discards it all

How it stays all-or-nothing. Everything lives under `.build/` at the project
root (gitignored):

    .build/lock                  held for the life of a transaction (`filelock`)
    .build/staging/<id>/<path>   new files and folders
    .build/backup/<id>/<path>    what the swap moved aside
    .build/swap.json             the journal: present only while a swap runs

1. Writes go to `.build/staging/<id>/`, mirroring the project's paths. Nothing
   the project shows changes; an exception (or a kill) here loses only the
   staging folder, which the next transaction or `recover` deletes.
2. On commit every staged file is flushed to disk (fsync, by a pool of threads),
   then the journal
   `.build/swap.json` is written atomically, listing every operation. From
   then on the transaction is decided: it will happen.
3. Each operation moves the old path (if any) into `.build/backup/<id>/` and
   renames the staged path into place (renames within one file system).
   Each step is idempotent, so repeating the list after a crash is safe.
4. The journal is deleted, then the staging and backup folders.

`recover(root)` runs at the start of every `plancorpus` command (and of every
transaction): if a journal is present, the interrupted swap is completed from
it; staging and backup folders left without a journal are deleted. A project
therefore always shows either the state before a transaction or the state
after it, once any command has run.

Only one transaction runs per project at a time: a second process fails at
once with `BuildLockedError` ("another build is running (lock file ...)")
instead of interleaving its writes. Within one process the lock is re-entrant,
so a transaction may call code that opens its own (e.g. add-plan calling the
build); each commits separately.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from filelock import FileLock, Timeout

BUILD_DIR = ".build"
JOURNAL = "swap.json"
JOURNAL_FORMAT = 1

_locks: dict[str, FileLock] = {}


class BuildLockedError(RuntimeError):
    """Another process holds the project's build lock."""


def build_dir(root: Path) -> Path:
    return Path(root) / BUILD_DIR


def lock_path(root: Path) -> Path:
    return build_dir(root) / "lock"


def project_lock(root: Path) -> FileLock:
    """The project's lock; one object per project in this process, so that
    acquiring it again (a transaction inside a transaction) is re-entrant."""
    path = lock_path(Path(root).resolve())
    key = str(path)
    if key not in _locks:
        _locks[key] = FileLock(path, timeout=0)
    return _locks[key]


def acquire(root: Path, timeout: float = 0) -> FileLock:
    """Take the project's lock (re-entrant within this process), or raise
    BuildLockedError naming the lock file."""
    lock = project_lock(root)
    build_dir(root).mkdir(parents=True, exist_ok=True)
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise BuildLockedError(
            f"another build is running (lock file {lock.lock_file}); wait for it to finish and run the command again"
        ) from None
    return lock


def _relative(rel_path: str | os.PathLike) -> str:
    """A project-relative POSIX path, refused if it escapes the project or
    points into .build/."""
    text = os.fspath(rel_path).replace("\\", "/")
    path = PurePosixPath(text)
    if not text or path.is_absolute() or any(part in ("..", "") for part in text.split("/")) or text == ".":
        raise ValueError(f"{rel_path!r}: a transaction takes paths relative to the project root, without '..'")
    if path.parts[0] == BUILD_DIR:
        raise ValueError(f"{rel_path!r}: {BUILD_DIR}/ belongs to the transaction machinery")
    return path.as_posix()


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


FSYNC_THREADS = 16  # fsync waits on the disk with the GIL released; the file system batches concurrent flushes


def _fsync_tree(folder: Path) -> None:
    """Flush every file under `folder`, then its folders. The files are
    flushed by a pool of threads: a cold build stages thousands of files,
    and one fsync after another (about half a millisecond each here) cost
    seconds."""
    files, folders = [], []
    for directory, _, names in os.walk(folder):
        files += [Path(directory) / name for name in names]
        folders.append(Path(directory))
    if len(files) > 1:
        with ThreadPoolExecutor(max_workers=FSYNC_THREADS) as pool:
            list(pool.map(_fsync_file, files))
    elif files:
        _fsync_file(files[0])
    for directory in folders:
        _fsync_dir(directory)


def _exists(path: Path) -> bool:
    return os.path.lexists(path)


def _discard(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif _exists(path):
        path.unlink()


def _move(source: Path, target: Path) -> None:
    """One rename; the unit of work of a swap (tests interrupt here)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


@dataclass
class Recovery:
    """What `recover` found and did."""

    completed: list[str] = field(default_factory=list)  # transactions whose swap was finished
    discarded: list[str] = field(default_factory=list)  # staging/backup folders of dead transactions
    skipped_locked: bool = False  # another process holds the lock: nothing touched

    def __bool__(self) -> bool:
        return bool(self.completed or self.discarded)

    def describe(self) -> str:
        parts = [f"completed the interrupted write '{name}'" for name in self.completed]
        if self.discarded:
            parts.append(f"discarded {len(self.discarded)} unfinished staging folder(s)")
        return "; ".join(parts)


def _apply(root: Path, staging: Path, backup: Path, operation: dict) -> None:
    """Apply one journalled operation; idempotent, so it can be repeated after
    a crash at any point inside it."""
    rel = operation["path"]
    target, staged, moved_aside = root / rel, staging / rel, backup / rel
    if operation["op"] == "put":
        if not _exists(staged):
            return  # already in place
        if _exists(target):
            if _exists(moved_aside):
                _discard(target)  # a crash left both: the old one is saved already
            else:
                _move(target, moved_aside)
        _move(staged, target)
    elif operation["op"] == "remove":
        if _exists(target):
            if _exists(moved_aside):
                _discard(target)
            else:
                _move(target, moved_aside)
    else:
        raise ValueError(f"{build_dir(root) / JOURNAL}: unknown operation {operation!r}")


def _run_journal(root: Path, journal: dict) -> None:
    staging = root / journal["staging"]
    backup = root / journal["backup"]
    for operation in journal["operations"]:
        _apply(root, staging, backup, operation)
    (build_dir(root) / JOURNAL).unlink(missing_ok=True)
    _fsync_dir(build_dir(root))
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(backup, ignore_errors=True)


def _recover_locked(root: Path) -> Recovery:
    recovery = Recovery()
    journal_path = build_dir(root) / JOURNAL
    if journal_path.exists():
        try:
            journal = json.loads(journal_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            # The journal is written atomically, so this is outside damage.
            raise ValueError(f"{journal_path}: unreadable swap journal ({error}); inspect it, then delete it") from None
        _run_journal(root, journal)
        recovery.completed.append(journal.get("name", "?"))
    for folder in ("staging", "backup"):
        for leftover in sorted((build_dir(root) / folder).glob("*")):
            shutil.rmtree(leftover, ignore_errors=True)
            recovery.discarded.append(f"{folder}/{leftover.name}")
    return recovery


def recover(root: Path) -> Recovery:
    """Finish or roll back whatever an interrupted transaction left.

    A swap whose journal exists is completed; staging folders without a
    journal are deleted (their transaction never committed, so the project
    still shows the state before it). If another process holds the lock, it
    is alive and nothing is touched. Cheap when there is nothing to do."""
    root = Path(root)
    if not build_dir(root).is_dir():
        return Recovery()
    lock = project_lock(root)
    if lock.is_locked:
        return Recovery()  # this process is inside a transaction: nothing is dead
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return Recovery(skipped_locked=True)
    try:
        return _recover_locked(root)
    finally:
        lock.release()


class Transaction:
    """A set of file and folder replacements and removals under `root`,
    applied all together on commit, or not at all.

    Paths are relative to the project root, with forward slashes. Use it as a
    context manager (commits on normal exit, discards on an exception), or
    call `begin`, `commit` and `abort` yourself.
    """

    def __init__(self, root: Path, name: str, timeout: float = 0):
        self.root = Path(root).resolve()
        self.name = name
        self.timeout = timeout
        self.id = f"{name.replace('/', '-')}-{uuid.uuid4().hex[:12]}"
        self.staging = build_dir(self.root) / "staging" / self.id
        self.backup = build_dir(self.root) / "backup" / self.id
        self._operations: dict[str, str] = {}  # path -> "put" | "remove", in order of first mention
        self._folders: dict[str, str] = {}  # folder -> "put" | "remove": one operation covers its subtree
        self._lock: FileLock | None = None
        self.committed = False

    # -- life cycle ---------------------------------------------------------

    def begin(self) -> Transaction:
        lock = project_lock(self.root)
        outermost = not lock.is_locked
        self._lock = acquire(self.root, self.timeout)
        if outermost:
            _recover_locked(self.root)
        self.staging.mkdir(parents=True)
        return self

    def __enter__(self) -> Transaction:
        return self.begin()

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()

    def abort(self) -> None:
        """Forget every staged change; the project is as it was."""
        try:
            shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self._release()

    def commit(self) -> None:
        """Swap every staged change in (see the module docstring)."""
        if self._lock is None:
            raise RuntimeError("commit() outside begin()")
        try:
            if self._operations:
                self._swap()
            else:
                shutil.rmtree(self.staging, ignore_errors=True)
            self.committed = True
        finally:
            self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _swap(self) -> None:
        for rel, op in self._operations.items():
            if op == "put" and not _exists(self.staging / rel):
                raise FileNotFoundError(f"{self.staging / rel}: staged path for {rel!r} was never written")
        _fsync_tree(self.staging)  # the journal must never point at unflushed bytes
        journal = {
            "format": JOURNAL_FORMAT,
            "name": self.name,
            "staging": self.staging.relative_to(self.root).as_posix(),
            "backup": self.backup.relative_to(self.root).as_posix(),
            "operations": [{"op": op, "path": rel} for rel, op in self._operations.items()],
        }
        journal_path = build_dir(self.root) / JOURNAL
        tmp = journal_path.with_name(f".{JOURNAL}.tmp")
        tmp.write_text(json.dumps(journal, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        _fsync_file(tmp)
        os.replace(tmp, journal_path)
        _fsync_dir(journal_path.parent)
        # Decided: from here the swap is completed, now or by the next `recover`.
        try:
            _run_journal(self.root, journal)
        except Exception:
            # An ordinary error mid-swap (e.g. a permission problem): try once
            # more from the journal, so the project is not left half-swapped.
            _run_journal(self.root, json.loads(journal_path.read_text(encoding="utf-8")))

    # -- staging ------------------------------------------------------------

    def _register(self, rel: str, op: str, whole_folder: bool) -> bool:
        """Record an operation on `rel`; False when `rel` lies inside a folder
        this transaction already replaces whole (its staged copy is written
        directly and needs no operation of its own)."""
        if self._lock is None:
            raise RuntimeError("the transaction has not begun (use `with Transaction(...) as tx`)")
        for parent in list(PurePosixPath(rel).parents)[:-1]:
            folder_op = self._folders.get(parent.as_posix())
            if folder_op == "remove":
                raise ValueError(f"{rel!r}: inside {parent.as_posix()!r}, which this transaction removes")
            if folder_op == "put":
                if op == "remove" or whole_folder:
                    _discard(self.staging / rel)
                return False
        if whole_folder or op == "remove":
            prefix = rel + "/"
            nested = [p for p in self._operations if p.startswith(prefix)]
            if nested:
                raise ValueError(f"{rel!r}: this transaction already writes {nested[0]!r} inside it")
            self._folders[rel] = op
        else:
            self._folders.pop(rel, None)
        if op == "remove" or whole_folder:
            _discard(self.staging / rel)
        self._operations.pop(rel, None)  # a path changed twice takes the order of its last change
        self._operations[rel] = op
        return True

    def path(self, rel_path: str | os.PathLike) -> Path:
        """The staging path for `rel_path`, for writers that want a path
        (e.g. pyarrow). The caller must create the file before commit."""
        rel = _relative(rel_path)
        self._register(rel, "put", whole_folder=False)
        staged = self.staging / rel
        staged.parent.mkdir(parents=True, exist_ok=True)
        return staged

    def write_bytes(self, rel_path: str | os.PathLike, data: bytes) -> None:
        """Stage `data` as the new content of `rel_path`."""
        with open(self.path(rel_path), "wb") as handle:
            handle.write(data)

    def write_text(self, rel_path: str | os.PathLike, text: str) -> None:
        self.write_bytes(rel_path, text.encode("utf-8"))

    def directory(self, rel_path: str | os.PathLike) -> Path:
        """An empty staged folder that replaces `rel_path` whole on commit:
        files of the old folder not written again disappear. Files may be
        written into it directly or with `write_bytes("<folder>/...")`."""
        rel = _relative(rel_path)
        self._register(rel, "put", whole_folder=True)
        staged = self.staging / rel
        staged.mkdir(parents=True, exist_ok=True)
        return staged

    def remove(self, rel_path: str | os.PathLike) -> None:
        """Remove a file or a whole folder on commit (nothing if absent)."""
        self._register(_relative(rel_path), "remove", whole_folder=False)

    @property
    def operations(self) -> list[tuple[str, str]]:
        """(op, path) pairs, in the order they will be applied."""
        return [(op, rel) for rel, op in self._operations.items()]
