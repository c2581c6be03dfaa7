"""Read the seeds (corpus stage, step 1 of 4).

The seeds are the raw plans exactly as received plus the curated files beside
them (`plans.yaml`, `errata.yaml`, `garbled_runs.yaml`). This module only reads
and checks them; it never repairs anything, so a problem in a seed surfaces here
with the file and position named, before any later stage runs.

Offsets are Unicode code points into the raw text decoded as UTF-8, half-open.
"""

from __future__ import annotations

import os
import stat

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from builders.io import load_yaml, sha256_bytes
from builders.transaction import build_dir

PLAN_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MANIFEST_NAME = "plans.yaml"
ERRATA_NAME = "errata.yaml"
GARBLED_RUNS_NAME = "garbled_runs.yaml"
NOISE_NAME = "noise.yaml"


def parse_cache(seeds_dir: Path) -> Path | None:
    """Where the seeds' YAML parses are kept across builds (builders.io.load_yaml):
    the project's .build/cache/_yaml/, once the project has a .build folder."""
    build = build_dir(Path(seeds_dir).parent)
    return build / "cache" / "_yaml" if build.is_dir() else None


class SeedError(ValueError):
    """A seed or a curated seed file is missing, damaged or inconsistent."""


@dataclass(frozen=True)
class Plan:
    """One plan's curated metadata, as in `seeds/plans.yaml`."""

    id: str
    raw_file: str
    sha256: str
    script: str
    title: str | None
    city: str | None
    metadata: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Erratum:
    """A character sequence lost in scraping, restored by hand with a reason."""

    doc_id: str
    raw_offset: int
    before: str
    after: str
    reason: str


@dataclass(frozen=True)
class NoiseRemoval:
    """Noise found by reading (a footnote marker), removed only through the table."""

    doc_id: str
    raw_offset: int
    text: str
    kind: str
    reason: str


class RestoredChar(NamedTuple):
    """One character of a repaired run (a named tuple: a garbled-run table
    holds one per character, and a large corpus's tables tens of thousands)."""

    char: str
    raw_offset: int
    evidence: str  # bytes | pinyin | context | unrecoverable


@dataclass(frozen=True)
class GarbledRun:
    """A run of GBK bytes decoded one byte off, with its reviewed repair."""

    doc_id: str
    raw_start: int
    raw_end: int
    raw_text: str
    repaired: str
    chars: tuple[RestoredChar, ...]
    note: str


@dataclass(frozen=True)
class Seed:
    plan: Plan
    raw_text: str
    path: Path


# Ids become file and folder names on every platform the dataset is used on.
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
MAX_PLAN_ID = 100  # characters; with the unit suffix and extensions well under any file-name limit


def validate_plan_id(plan_id: str) -> str:
    if not isinstance(plan_id, str) or not PLAN_ID_PATTERN.match(plan_id):
        raise SeedError(
            f"plan id {str(plan_id)[:120]!r} is not allowed: use lower-case letters, digits and single hyphens "
            "(e.g. taiyuan-2013-transformation); no path characters"
        )
    if plan_id.split("-")[0] in WINDOWS_RESERVED or plan_id in WINDOWS_RESERVED:
        raise SeedError(f"plan id {plan_id!r} is not allowed: {plan_id.split('-')[0]!r} is a reserved file name on Windows")
    if len(plan_id) > MAX_PLAN_ID:
        raise SeedError(f"plan id of {len(plan_id)} characters is not allowed (limit {MAX_PLAN_ID}): {plan_id[:40]!r}…")
    return plan_id


def load_manifest(seeds_dir: Path) -> list[Plan]:
    path = Path(seeds_dir) / MANIFEST_NAME
    if not path.exists():
        raise SeedError(f"{path}: manifest not found")
    entries = load_yaml(path, parse_cache(seeds_dir))
    if not isinstance(entries, list) or not entries:
        shape = "is empty" if not entries else f"holds a {type(entries).__name__}"
        raise SeedError(f"{path}:1: {shape}; it must be a list of plans (nothing was built or changed)")
    plans: list[Plan] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        where = f"{path}: entry {index + 1}"
        if not isinstance(entry, dict):
            raise SeedError(f"{where}: a plan must be a mapping of fields, not {type(entry).__name__}")
        for key in ("id", "raw_file", "sha256", "script"):
            if key not in entry or entry[key] in (None, ""):
                raise SeedError(f"{where}: missing required key {key!r}")
        for key in ("title", "city"):
            if key not in entry:
                raise SeedError(f"{where}: missing key {key!r} (null is allowed when the text does not say)")
        plan_id = validate_plan_id(entry["id"])
        if plan_id in seen:
            raise SeedError(f"{where}: duplicate plan id {plan_id!r} (first at entry {seen[plan_id]})")
        seen[plan_id] = index + 1
        check_raw_file(entry["raw_file"], where)
        if entry["script"] not in ("Traditional", "Simplified"):
            raise SeedError(f"{where}: script must be Traditional or Simplified, not {entry['script']!r}")
        plans.append(
            Plan(
                id=plan_id,
                raw_file=entry["raw_file"],
                sha256=entry["sha256"],
                script=entry["script"],
                title=entry["title"],
                city=entry["city"],
                metadata=dict(entry),
            )
        )
    hashes: dict[str, str] = {}
    for plan in plans:
        if plan.sha256 in hashes:
            raise SeedError(f"{path}: plans {hashes[plan.sha256]!r} and {plan.id!r} have the same sha256")
        hashes[plan.sha256] = plan.id
    return plans


def select_plans(plans: list[Plan], ids: list[str] | None) -> list[Plan]:
    if not ids:
        return plans
    known = {plan.id: plan for plan in plans}
    unknown = [plan_id for plan_id in ids if plan_id not in known]
    if unknown:
        raise SeedError(f"unknown plan id(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return [known[plan_id] for plan_id in ids]


def decode_seed(data: bytes, path: Path, encoding: str) -> str:
    """The seed's text in the encoding its manifest entry records (UTF-8 for
    the original five; `add-plan` records what it detected)."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SeedError(
            f"{path}: not valid {encoding} at byte {error.start} (line {line}): {error.reason}; "
            "add a plan with `add-plan`, which detects the encoding"
        ) from error
    except LookupError as error:
        raise SeedError(f"{path}: unknown source_encoding {encoding!r} in the manifest") from error
    # A BOM is an encoding artefact, not text; offsets are counted after it.
    return text[1:] if text.startswith("\ufeff") else text


# A long plan is about 1 MB; this leaves room for a whole volume of plans in one
# file (a build's memory grows with its largest plan: see bench_build.py
# --big-plan-mb) and refuses /dev/zero.
MAX_SEED_BYTES = 64 * 1024 * 1024


def check_raw_file(raw_file, where: str) -> str:
    """A manifest's raw_file must name a file inside seeds/raw/: never an
    absolute path or one that climbs out with '..' (it would be published)."""
    text = str(raw_file).replace("\\", "/")
    parts = text.split("/")
    if not isinstance(raw_file, str) or text.startswith("/") or ":" in text or len(parts) != 2 or parts[0] != "raw" or parts[1] in ("", ".", ".."):
        raise SeedError(f"{where}: raw_file {str(raw_file)[:80]!r} must be raw/<file name>, inside seeds/raw/")
    return text


def seed_path(seeds_dir: Path, plan: Plan) -> Path:
    """The plan's raw file, checked: a regular file (not a link out, a device
    or a folder) inside seeds/raw/, within MAX_SEED_BYTES."""
    path = Path(seeds_dir) / check_raw_file(plan.raw_file, f"{Path(seeds_dir) / MANIFEST_NAME}: plan {plan.id!r}")
    try:
        status = os.lstat(path)  # one call: a build checks every seed
    except FileNotFoundError:
        raise SeedError(f"{path}: seed file of plan {plan.id!r} is missing") from None
    except OSError as error:
        raise SeedError(f"{path}: seed file of plan {plan.id!r} cannot be read ({error.strerror})") from None
    if not stat.S_ISREG(status.st_mode):
        raise SeedError(f"{path}: seed file of plan {plan.id!r} is not a regular file (a link, folder or device)")
    size = status.st_size
    if size > MAX_SEED_BYTES:
        raise SeedError(f"{path}: {size} bytes, over the {MAX_SEED_BYTES} byte limit of a plan (see README, Tutorial: add your city's plan)")
    return path


def read_seed(seeds_dir: Path, plan: Plan) -> Seed:
    path = seed_path(seeds_dir, plan)
    data = path.read_bytes()
    digest = sha256_bytes(data)
    if digest != plan.sha256:
        raise SeedError(
            f"{path}: sha256 is {digest} but {MANIFEST_NAME} records {plan.sha256} for plan {plan.id!r}; "
            "the seed changed since it was curated"
        )
    encoding = plan.metadata.get("source_encoding") or "utf-8"
    return Seed(plan=plan, raw_text=decode_seed(data, path, encoding), path=path)


def load_errata(seeds_dir: Path) -> list[Erratum]:
    path = Path(seeds_dir) / ERRATA_NAME
    if not path.exists():
        return []
    errata = []
    for index, entry in enumerate(load_yaml(path, parse_cache(seeds_dir)) or []):
        try:
            errata.append(
                Erratum(
                    doc_id=entry["doc_id"],
                    raw_offset=int(entry["raw_offset"]),
                    before=entry["before"],
                    after=entry["after"],
                    reason=entry["reason"],
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            raise SeedError(f"{path}: entry {index + 1}: malformed erratum ({error})") from error
    return errata


def load_garbled_runs(seeds_dir: Path) -> list[GarbledRun]:
    path = Path(seeds_dir) / GARBLED_RUNS_NAME
    if not path.exists():
        return []
    runs = []
    for index, entry in enumerate(load_yaml(path, parse_cache(seeds_dir)) or []):
        try:
            chars = tuple([RestoredChar(c["char"], int(c["raw_offset"]), c["evidence"]) for c in entry["chars"]])
            runs.append(
                GarbledRun(
                    doc_id=entry["doc_id"],
                    raw_start=int(entry["raw_start"]),
                    raw_end=int(entry["raw_end"]),
                    raw_text=entry["raw_text"],
                    repaired=entry["repaired"],
                    chars=chars,
                    note=entry.get("note", ""),
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            raise SeedError(f"{path}: entry {index + 1}: malformed garbled run ({error})") from error
        run = runs[-1]
        if "".join(c.char for c in run.chars) != run.repaired:
            raise SeedError(f"{path}: entry {index + 1}: chars do not spell `repaired` {run.repaired!r}")
    return runs


def load_noise(seeds_dir: Path) -> list[NoiseRemoval]:
    path = Path(seeds_dir) / NOISE_NAME
    if not path.exists():
        return []
    removals = []
    for index, entry in enumerate(load_yaml(path, parse_cache(seeds_dir)) or []):
        try:
            removals.append(
                NoiseRemoval(entry["doc_id"], int(entry["raw_offset"]), entry["text"], entry["kind"], entry["reason"])
            )
        except (KeyError, TypeError, ValueError) as error:
            raise SeedError(f"{path}: entry {index + 1}: malformed noise removal ({error})") from error
    return removals


SPLITS = ("train", "validation", "test")
