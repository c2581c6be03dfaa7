"""Atomic, deterministic file writing shared by every stage that writes.

A failed step must leave the last good state on disk, so every write goes to a
temporary file in the target directory and is renamed over the target only once
it is complete. JSON is written with sorted keys and no ASCII escaping so the
same data always produces the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import pickle
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import yaml


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    return sha256_bytes(Path(path).read_bytes())


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file 0600; a published file is readable as the
        # umask allows, like any file the user writes.
        os.chmod(tmp, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


# One encoder for the compact form: json.dumps with options builds a new
# encoder on every call, which showed in the build's profile (a call per
# edit, unit and block record). Same settings, same text.
_COMPACT = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def dumps_json(value: Any, *, indent: int | None = None) -> str:
    if indent is None:
        return _COMPACT.encode(value)
    return dumps_indented(value, indent, sort_keys=True)


def dumps_indented(value: Any, indent: int = 1, *, sort_keys: bool = False) -> str:
    """`json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=sort_keys)`,
    the same text, made by orjson when it gives that text: the standard
    library writes indented JSON in Python, which showed for the release
    files of a large corpus. orjson writes two-space indents (halved here
    for one: raw line breaks in its output are all indentation, since it
    escapes those in strings) and other float and integer text in a few
    cases, so a value holding anything but str keys, finite floats it
    writes as `repr` does, 64-bit integers, strings, lists, tuples, dicts,
    booleans and None is written by the standard library."""
    if indent in (1, 2) and _plain(value):
        try:
            data = orjson.dumps(value, option=orjson.OPT_INDENT_2 | (orjson.OPT_SORT_KEYS if sort_keys else 0))
        except TypeError:  # a string orjson refuses (a lone surrogate, say)
            data = None
        if data is not None:
            if indent == 1:  # drop the first half of each line's leading spaces
                data = b"\n".join([line[(len(line) - len(line.lstrip(b" "))) // 2 :] for line in data.split(b"\n")])
            return data.decode("utf-8")
    return json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, indent=indent)


def _plain(value: Any) -> bool:
    """True when orjson writes `value` as the standard library does (see
    `dumps_indented`)."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or item is None or kind is bool:
            continue
        if kind is dict:
            if any(type(key) is not str for key in item):
                return False
            stack.extend(item.values())
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif kind is int:
            if not -(2**63) <= item < 2**64:
                return False
        elif kind is float:
            if not math.isfinite(item) or orjson.dumps(item) != repr(item).encode("ascii"):
                return False
        else:
            return False
    return True


def write_json_atomic(path: Path, value: Any) -> None:
    write_text_atomic(path, dumps_json(value, indent=1) + "\n")


def write_jsonl_atomic(path: Path, rows: Iterable[Any]) -> None:
    write_text_atomic(path, "".join(dumps_json(row) + "\n" for row in rows))


MAX_LINE_CHARS = 1_000_000  # a JSONL record of this project is far shorter; a longer line is not one


def iter_lines(path: Path, max_chars: int = MAX_LINE_CHARS) -> Iterator[tuple[int, str | None]]:
    """Yield (line_number, line) from a UTF-8 text file, one line in memory at
    a time; a line longer than `max_chars` characters is never held whole: it
    is skipped and yielded as None, so the caller can name it. Bytes that are
    not UTF-8 raise ValueError naming the line. Line numbers are 1-based."""
    limit = 4 * max_chars + 1  # bytes: a UTF-8 character takes at most four
    with open(path, "rb") as handle:
        line_number = 0
        while True:
            data = handle.readline(limit)
            if not data:
                return
            line_number += 1
            if len(data) == limit and not data.endswith(b"\n"):
                while data and not data.endswith(b"\n"):  # skip the rest of the overlong line
                    data = handle.readline(limit)
                yield line_number, None
                continue
            try:
                line = data.decode("utf-8")
            except UnicodeDecodeError as error:
                raise ValueError(f"{path}:{line_number}: not valid UTF-8 (byte {error.start} of the line: {error.reason})") from None
            yield line_number, (None if len(line.rstrip("\r\n")) > max_chars else line)


def _loads(line: str) -> Any:
    """json.loads, through orjson (three times faster on the annotation files,
    which a build reads for every plan); a line orjson refuses is read by the
    standard library, which decides as before and names the error the same way."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


def read_json(path: Path) -> Any:
    """A JSON file the project wrote (a plan's summary, read for every plan
    by every build), through orjson with the standard library deciding what
    orjson refuses, as `_loads`."""
    data = Path(path).read_bytes()
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data.decode("utf-8"))


def read_jsonl(path: Path, max_chars: int = MAX_LINE_CHARS) -> Iterator[tuple[int, Any]]:
    """Yield (line_number, value) pairs, streaming; line numbers are 1-based
    for messages. A line longer than `max_chars` is an error naming it."""
    for line_number, line in iter_lines(path, max_chars):
        if line is None:
            raise ValueError(f"{path}:{line_number}: line longer than {max_chars} characters; not a JSONL record of this project")
        if line.strip():
            try:
                yield line_number, _loads(line)
            except json.JSONDecodeError as error:
                raise InputError(f"{path}:{line_number}: not valid JSON: {error.msg}") from error
            except RecursionError:
                raise InputError(f"{path}:{line_number}: JSON nested too deeply") from None


# libyaml's safe loader when PyYAML was built with it: the same documents, read
# about ten times faster (the repair tables grow with the corpus).
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class InputError(ValueError):
    """Bad input from a file the user gave or the project reads; the message
    names the file and the line (or offset) and is meant to be shown as is."""


class SAFE_LOADER(_BASE_LOADER):  # noqa: N801  (kept under its old name: callers pass it to yaml.load)
    """The safe loader, refusing duplicate mapping keys: with PyYAML the last
    value would win silently (`split: test` then `split: train` moves a plan)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:
                    continue  # an unhashable key: the base constructor reports it
                if first is not None:
                    raise yaml.constructor.ConstructorError(
                        None, None,
                        f"duplicate key {key!r} (first on line {first.line + 1})",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def dump_yaml(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=100)


def load_yaml(path: Path, cache_dir: Path | None = None) -> Any:
    """Read a YAML file strictly: UTF-8, no duplicate keys; errors name the
    file and the line.

    A file's parse is reused while its bytes are the same: within the process
    always, and across processes when `cache_dir` is given (a project's
    `.build/cache/_yaml/`): the repair tables and the manifest grow with the
    corpus and every build reads them. Only a successful parse is kept, so a
    file with an error is parsed, and reported, every time."""
    path = Path(path)
    data = path.read_bytes()  # FileNotFoundError as before
    key = hashlib.sha256(_PARSE_KEY + data).hexdigest()
    stored = Path(cache_dir) / path.name / f"{key}.pickle" if cache_dir is not None else None
    pickled = _PARSED.get(key)
    if pickled is None and stored is not None:
        try:
            pickled = stored.read_bytes()
            value = _unpickle(pickled)
            _remember(key, pickled)
            return value
        except Exception:  # noqa: BLE001  (missing or damaged: parsed again below)
            pickled = None
    if pickled is None:
        value = _parse_yaml(data, path)
        pickled = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    else:
        value = _unpickle(pickled)
    _remember(key, pickled)
    if stored is not None and not stored.exists():
        try:
            store_only_pickle(stored, pickled)
        except OSError:
            pass  # a cache: a read-only or full disk costs a parse next time, nothing else
    return value


def _parse_yaml(data: bytes, path: Path) -> Any:
    try:
        return yaml.load(data.decode("utf-8"), Loader=SAFE_LOADER)
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: byte offset {error.start}: not UTF-8 ({error.reason})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputError(f"{where}: invalid YAML: {problem}") from error
    except RecursionError:
        raise InputError(f"{path}: nested too deeply to be a configuration file") from None


# Parses by content: sha256 of (this prefix + the file's bytes) -> pickled value.
# The prefix names the loader, so another PyYAML or another loader parses again.
_PARSE_KEY = f"yaml-parse 1 pyyaml {yaml.__version__} {_BASE_LOADER.__name__}\n".encode("utf-8")
_PARSED: OrderedDict[str, bytes] = OrderedDict()
_PARSED_KEPT = 32  # files; a build reads about a dozen


def _remember(key: str, pickled: bytes) -> None:
    _PARSED[key] = pickled
    _PARSED.move_to_end(key)
    while len(_PARSED) > _PARSED_KEPT:
        _PARSED.popitem(last=False)


def store_only_pickle(stored: Path, pickled: bytes) -> None:
    """Write a cache's pickle whole (no fsync: a cache lost in a crash is
    made again) and drop the other pickles of its folder: one stored value
    per folder (a YAML file's parse, the grouped repair tables)."""
    stored.parent.mkdir(parents=True, exist_ok=True)
    scratch = stored.with_name(f".{stored.name}.{os.getpid()}.tmp")
    scratch.write_bytes(pickled)
    os.replace(scratch, stored)
    for old in stored.parent.glob("*.pickle"):
        if old != stored:
            old.unlink(missing_ok=True)


# What a YAML safe load produces besides plain containers: dates and times.
YAML_VALUES = frozenset({("datetime", "date"), ("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta"),
                         ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "bytes")})


class _SafeUnpickler(pickle.Unpickler):
    """Plain containers and the classes named in `allowed`, nothing else: a
    cache under .build/ is read back, never run."""

    def __init__(self, file, allowed: frozenset[tuple[str, str]]):
        super().__init__(file)
        self.allowed = allowed

    def find_class(self, module, name):
        if (module, name) not in self.allowed:
            raise pickle.UnpicklingError(f"{module}.{name} is not a value this cache holds")
        return super().find_class(module, name)


def unpickle_restricted(pickled: bytes, allowed: frozenset[tuple[str, str]] = YAML_VALUES) -> Any:
    return _SafeUnpickler(io.BytesIO(pickled), allowed).load()


_unpickle = unpickle_restricted  # the YAML parse cache's reader


def parse_json(text: str, where: str) -> Any:
    """`json.loads` with the errors a hostile file can cause turned into one
    line naming `where` and the line and column: bad syntax, NaN/Infinity (not
    JSON), nesting deep enough to exhaust the stack."""

    def refuse_constant(name: str):
        raise InputError(f"{where}: {name} is not a JSON number")

    try:
        return json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as error:
        raise InputError(f"{where}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}") from None
    except RecursionError:
        raise InputError(f"{where}: JSON nested too deeply") from None


def read_text_strict(path: Path) -> str:
    """A UTF-8 text file given by the user (a BOM is allowed and dropped);
    refuses folders, missing files and other encodings with one clear line."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file (a device, pipe or socket)")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: byte offset {error.start}: not UTF-8 ({error.reason}); save the file as UTF-8") from None


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Build a whole directory beside `target` and swap it in only on success.

    The caller writes into the yielded path; if the block raises, the staging
    directory is removed and `target` is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".staging", dir=target.parent))
    os.chmod(staging, 0o777 & ~current_umask())  # mkdtemp makes it 0700
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    backup = target.with_name(f".{target.name}.previous")
    if backup.exists():
        shutil.rmtree(backup)
    if target.exists():
        os.replace(target, backup)
    os.replace(staging, target)
    shutil.rmtree(backup, ignore_errors=True)
