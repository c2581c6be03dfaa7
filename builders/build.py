"""The main job: seeds to corpus, annotation report, dataset and card, at the
cost of what changed.

This module wires the stages together in one direction and holds no rules of
its own. A build:

1. takes the project's lock and opens a transaction (builders.transaction);
2. fingerprints every plan's inputs (builders.dataset.plan_outputs) and
   builds, in a process pool (`jobs`), only the plans whose fingerprint has
   no entry in the cache `.build/cache/<plan>/<fingerprint>/`; each worker
   builds one plan, writes it and lets it go, so memory is bounded by the
   largest plan;
3. stages only the outputs that differ from what is on disk: a changed
   plan's corpus folder and data files, corpus/index.json, the annotation
   report and the card (corpus-wide outputs come from per-plan summaries);
4. commits: everything changes together, or nothing does.

A build whose inputs did not change writes nothing. Serial and parallel
builds write the same bytes: every plan's outputs depend on its inputs only,
and corpus-wide outputs are assembled in manifest order.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import os
import pickle
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from builders.annotation.labels import LabelSet, load_labels
from builders.corpus.clean import clean_seed, to_simplified
from builders.corpus.seeds import (
    ERRATA_NAME,
    GARBLED_RUNS_NAME,
    NOISE_NAME,
    SeedError,
    load_errata,
    load_garbled_runs,
    load_manifest,
    load_noise,
    read_seed,
    seed_path,
    select_plans,
)
from builders.corpus.segment import segment
from builders.corpus.store import BuiltDocument, index_file
from builders.dataset.plan_outputs import REVIEWED_UNITS, SURFACES, PlanInputs, build_plan, repairs_sha256
from builders.dataset.results import combined_fingerprint, read_records, stale_records
from builders.io import YAML_VALUES, dumps_json, load_yaml, read_json, sha256_bytes, store_only_pickle, unpickle_restricted
from builders.project import CONFIG_DIR, PACKAGE_DIR, TEMPLATES_DIR, Paths
from builders.transaction import Transaction, build_dir

CACHE_DIR = "cache"  # under .build/
STATE_FILE = "state.json"  # under .build/: what the last build left on disk
KEEP_PER_PLAN = 2  # cached builds kept per plan: the current one and the one before


@dataclass
class BuildReport:
    summaries: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    fingerprint: str = ""
    published_units: int = 0
    built: list[str] = field(default_factory=list)  # plans built this time; the others came from the cache
    written: list[tuple[str, str]] = field(default_factory=list)  # (op, path) committed; empty for a no-op
    stale_results: list[str] = field(default_factory=list)  # systems in evaluation/results scored on other gold

    def rows(self) -> list[dict]:
        return [s["report_row"] for s in self.summaries]

    def noise(self) -> dict[str, list[tuple[int, str]]]:
        return {s["doc_id"]: [tuple(found) for found in s["residual_noise"]] for s in self.summaries}


def build_documents(
    seeds_dir: Path,
    ids: list[str] | None = None,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> list[BuiltDocument]:
    """The corpus documents in memory (for tests and tools; `build` builds
    plan by plan instead)."""
    plans = select_plans(load_manifest(seeds_dir), ids)
    errata = load_errata(seeds_dir)
    runs = load_garbled_runs(seeds_dir)
    noise = load_noise(seeds_dir)
    docs = []
    for plan in progress(plans):
        seed = read_seed(seeds_dir, plan)
        clean = clean_seed(seed, errata, runs, noise=noise)
        text_simplified = to_simplified(clean.text, plan.script, doc_id=plan.id)
        docs.append(BuiltDocument(plan.id, plan.metadata, clean, text_simplified, segment(clean.text)))
    return docs


# Files that shape only the corpus-wide outputs (the card, the annotation
# report, croissant.json and CITATION.cff), never a plan's own: editing the
# card's text re-renders those (build_key covers them), not every plan.
CORPUS_WIDE_ONLY = ("templates/README.md", "templates/annotations_README.md", "config/card.yaml", "config/croissant.yaml", "config/citation.yaml")


def code_version() -> str:
    """A hash of the code, configuration and templates that build a plan:
    any change to them rebuilds every plan."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        relative = path.relative_to(PACKAGE_DIR)
        if not path.is_file() or "__pycache__" in relative.parts or "benchmarks" in relative.parts:
            continue
        if relative.as_posix() in CORPUS_WIDE_ONLY:
            continue
        if path.suffix not in (".py", ".yaml", ".yml", ".md", ".json", ".txt"):
            continue
        digest.update(f"{relative.as_posix()}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class FileHashes:
    """sha256 of input files, remembered by (size, modification time, inode)
    in .build/cache/hashes.json, so an unchanged corpus is not read again
    to find that it is unchanged (as git's index does)."""

    def __init__(self, root: Path):
        self.path = build_dir(root) / CACHE_DIR / "hashes.json"
        self.known: dict[str, list] = _optional_json(self.path) or {}
        self.seen: dict[str, list] = {}

    def __call__(self, path: Path | str) -> str:
        key = os.fspath(path)  # a str is taken as is: no Path made per file
        try:
            stat = os.stat(key)
        except FileNotFoundError:
            return ""
        signature = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        known = self.known.get(key)
        if known and known[:3] == signature:
            digest = known[3]
        else:
            with open(key, "rb") as handle:
                digest = sha256_bytes(handle.read())
        self.seen[key] = signature + [digest]
        return digest

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(dumps_json(self.seen), encoding="utf-8")


def _file_sha256(path: Path | str) -> str:
    path = Path(path)
    return sha256_bytes(path.read_bytes()) if path.exists() else ""


RepairEntries = tuple  # (errata, runs, noise, repairs_sha256) of one plan
REPAIRS_CACHE = "_repairs"  # under .build/cache/: the repair tables grouped by plan
# What that cache holds besides plain containers: the tables' records.
_REPAIR_RECORDS = frozenset(
    {("builders.corpus.seeds", name) for name in ("Erratum", "GarbledRun", "RestoredChar", "NoiseRemoval")}
)
_REPAIRS_SEEN: dict[str, dict[str, RepairEntries]] = {}  # within a process, by key


def repairs_by_plan(paths: Paths, version: str, file_sha256: Callable[[Path], str] = _file_sha256) -> dict[str, RepairEntries]:
    """Each plan's entries in the three repair tables, with their digest
    (`repairs_sha256`), by plan id in table order. The tables grow with the
    corpus and every build reads them, so the grouping is kept in
    .build/cache/_repairs/ under the tables' bytes and the code version: a
    build whose tables did not change reads one file instead of making
    tens of thousands of records. A table with an error is never kept."""
    key = sha256_bytes(" ".join([version] + [file_sha256(paths.seeds / name) for name in (ERRATA_NAME, GARBLED_RUNS_NAME, NOISE_NAME)]).encode())
    if key in _REPAIRS_SEEN:
        return _REPAIRS_SEEN[key]
    stored = build_dir(paths.root) / CACHE_DIR / REPAIRS_CACHE / f"{key}.pickle"
    try:
        grouped = unpickle_restricted(stored.read_bytes(), YAML_VALUES | _REPAIR_RECORDS)
    except Exception:  # noqa: BLE001  (missing or damaged: a cache, made again below)
        grouped = None
    if not isinstance(grouped, dict):
        lists: dict[str, tuple[list, list, list]] = {}
        for column, entries in enumerate((load_errata(paths.seeds), load_garbled_runs(paths.seeds), load_noise(paths.seeds))):
            for entry in entries:
                lists.setdefault(entry.doc_id, ([], [], []))[column].append(entry)
        grouped = {}
        for doc_id, (errata, runs, noise) in lists.items():
            grouped[doc_id] = (tuple(errata), tuple(runs), tuple(noise), repairs_sha256(tuple(errata), tuple(runs), tuple(noise)))
        if build_dir(paths.root).is_dir():
            try:
                store_only_pickle(stored, pickle.dumps(grouped, protocol=pickle.HIGHEST_PROTOCOL))  # one grouping is enough
            except OSError:
                pass  # a cache: unwritable, the tables are grouped again next time
    _REPAIRS_SEEN.clear()
    _REPAIRS_SEEN[key] = grouped
    return grouped


def plan_inputs(paths: Paths, file_sha256: Callable[[Path], str] = _file_sha256) -> list[PlanInputs]:
    """Every plan's inputs, in manifest order."""
    plans = load_manifest(paths.seeds)
    version = code_version()
    repairs = repairs_by_plan(paths, version, file_sha256)
    known = {plan.id for plan in plans}
    for doc_id, entries in repairs.items():
        if doc_id not in known:
            table = next(name for name, column in zip((ERRATA_NAME, GARBLED_RUNS_NAME, NOISE_NAME), entries) if column)
            raise SeedError(f"{paths.seeds / table}: an entry names plan {doc_id!r}, which seeds/plans.yaml does not hold")
    labels_sha = file_sha256(paths.annotations / "labels.yaml")
    no_repairs = ((), (), (), repairs_sha256((), (), ()))
    # The folders once: a path per plan and file showed at hundreds of plans.
    seeds_dir = paths.seeds
    gold_dir, relations_dir, normalized_dir = (paths.annotations / name for name in ("gold", "relations", "normalized"))
    inputs = []
    for plan in plans:
        raw = seed_path(seeds_dir, plan)
        errata, runs, noise, repairs_digest = repairs.get(plan.id, no_repairs)
        name = f"{plan.id}.jsonl"
        inputs.append(
            PlanInputs(
                plan=plan,
                errata=errata,
                runs=runs,
                noise=noise,
                repairs_sha256=repairs_digest,
                seeds_dir=seeds_dir,
                gold_dir=gold_dir,
                raw_sha256=file_sha256(raw),
                gold_sha256=file_sha256(gold_dir / name),
                relations_dir=relations_dir,
                relations_sha256=file_sha256(relations_dir / name),
                normalized_dir=normalized_dir,
                normalized_sha256=file_sha256(normalized_dir / name),
                labels_sha256=labels_sha,
                code_version=version,
            )
        )
    return inputs


def _cache_entry(root: Path, plan_id: str, fingerprint: str) -> Path:
    # One path made from a string: joining four parts showed at hundreds of plans.
    return Path(f"{_cache_root(str(root))}/{plan_id}/{fingerprint}")


@functools.lru_cache(maxsize=8)
def _cache_root(root: str) -> str:
    return str(build_dir(Path(root)) / CACHE_DIR)


def _build_into_cache(job: tuple[PlanInputs, LabelSet, Path]) -> dict:
    """Build one plan into its cache entry (a worker's task). The entry
    appears whole or not at all: it is built under a temporary name and
    renamed."""
    inputs, labels, entry = job
    scratch = entry.with_name(f".{entry.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        summary = build_plan(inputs, labels, scratch)
        if entry.exists():
            shutil.rmtree(entry)
        os.replace(scratch, entry)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _keep_sketch(entry.parent.parent, inputs)  # here, in the pool: a cold build has hundreds
    return summary


class Workers:
    """The build's process pool, shared by the plans' builds and the
    per-plan parts of the annotation report; None of it exists for a
    serial build (`jobs` 1) or before the first parallel task."""

    def __init__(self, jobs: int, progress: Callable[[Iterable], Iterable] = lambda items: items):
        self.jobs = jobs
        self.progress = progress  # shown while `map` runs
        self.pool: ProcessPoolExecutor | None = None

    def executor(self) -> ProcessPoolExecutor:
        if self.pool is None:
            # Imported before the pool forks, so workers inherit pyarrow and
            # datasets instead of each importing them again (about a second each).
            import builders.dataset.tables  # noqa: F401

            self.pool = ProcessPoolExecutor(max_workers=self.jobs)
        return self.pool

    def map(self, function: Callable, items: list) -> list:
        """`[function(item) for item in items]`, in a pool when it pays, in
        chunks (the function is pickled once per chunk), with progress."""
        if self.jobs < 2 or len(items) < 2:
            return [function(item) for item in self.progress(items)]
        size = max(1, len(items) // (8 * self.jobs))
        pool = self.executor()
        futures = [pool.submit(_run_chunk, function, items[i : i + size]) for i in range(0, len(items), size)]
        return [result for future in self.progress(futures) for result in future.result()]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None


def _run_chunk(function: Callable, items: list) -> list:
    return [function(item) for item in items]


def _summaries(
    root: Path, inputs: list[PlanInputs], labels: LabelSet, workers: Workers, progress: Callable[[Iterable], Iterable]
) -> tuple[list[dict], list[str]]:
    """Every plan's summary, in manifest order, building the plans missing
    from the cache (in the pool when there are workers and more than one plan)."""
    summaries: dict[str, dict] = {}
    todo = []
    for plan in inputs:
        entry = _cache_entry(root, plan.plan.id, plan.fingerprint())
        summary_path = entry / "summary.json"
        if summary_path.exists():
            summaries[plan.plan.id] = read_json(summary_path)
        else:
            entry.parent.mkdir(parents=True, exist_ok=True)
            todo.append((plan, labels, entry))
    if len(todo) > 1 and workers.jobs > 1:
        pool = workers.executor()
        futures = [pool.submit(_build_into_cache, job) for job in todo]
        for job, future in zip(todo, progress(futures)):
            summaries[job[0].plan.id] = future.result()
    else:
        for job in progress(todo):
            summaries[job[0].plan.id] = _build_into_cache(job)
    return [summaries[plan.plan.id] for plan in inputs], [job[0].plan.id for job in todo]


def _signature(folder: Path) -> dict[str, list[int]]:
    """Size and modification time of a folder's files: enough to tell that
    nothing touched them since the last build recorded them."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)  # os, not pathlib: called per plan
    except (FileNotFoundError, NotADirectoryError):
        return {}
    signature = {}
    for entry in entries:
        stat = entry.stat()
        signature[entry.name] = [stat.st_size, stat.st_mtime_ns]
    return signature


def _differs(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() != data
    except FileNotFoundError:
        return True


def _stage_corpus(tx: Transaction, paths: Paths, summaries: list[dict], state: dict) -> None:
    recorded = state.get("corpus", {})
    wanted = set()
    for summary in summaries:
        plan_id, fingerprint = summary["doc_id"], summary["fingerprint"]
        wanted.add(plan_id)
        folder = paths.corpus / plan_id
        known = recorded.get(plan_id)
        if known and known["fingerprint"] == fingerprint and known["files"] == _signature(folder):
            continue
        staged = tx.directory(f"corpus/{plan_id}")
        source = _cache_entry(paths.root, plan_id, fingerprint) / "corpus"
        for path in sorted(source.iterdir()):
            shutil.copyfile(path, staged / path.name)
    if paths.corpus.is_dir():
        for path in sorted(paths.corpus.iterdir()):
            if path.is_dir() and not path.name.startswith(".") and path.name not in wanted:
                tx.remove(f"corpus/{path.name}")  # a plan no longer in the manifest
    index = index_file([s["index_entry"] for s in summaries])
    if _differs(paths.corpus / "index.json", index):
        tx.write_bytes("corpus/index.json", index)


def _stage_data(tx: Transaction, paths: Paths, summaries: list[dict], files: dict[str, str], corpus_data: dict[str, bytes]) -> None:
    source_of: dict[str, Path | bytes] = dict(corpus_data)  # corpus-wide files (`departments`) come as bytes
    for summary in summaries:
        entry = _cache_entry(paths.root, summary["doc_id"], summary["fingerprint"])
        for kind in summary["kinds"]:
            source_of[files[f"{kind}/{summary['doc_id']}"]] = entry / "data" / f"{kind}.parquet"
    present = set()  # data/<kind>/<file>.parquet on disk, with os: thousands of files at 100x
    data = paths.root / "data"
    for kind in os.scandir(data) if data.is_dir() else ():
        if kind.is_dir():
            present.update(f"data/{kind.name}/{entry.name}" for entry in os.scandir(kind.path) if entry.name.endswith(".parquet"))
    for rel in sorted(source_of):
        if rel in present:
            continue
        if isinstance(source_of[rel], bytes):
            tx.write_bytes(rel, source_of[rel])
        else:
            shutil.copyfile(source_of[rel], tx.path(rel))
    for rel in sorted(present - set(source_of)):
        tx.remove(rel)  # an older version of a plan's rows, or a plan removed


def build_key(paths: Paths, inputs: list[PlanInputs], file_sha256: Callable[[Path], str]) -> str:
    """A hash of everything a build reads: when it equals the last build's
    and the outputs on disk are as that build left them, there is nothing to do."""
    digest = hashlib.sha256((inputs[0].code_version if inputs else code_version()).encode())
    for name in CORPUS_WIDE_ONLY:
        digest.update(f"{name} {file_sha256(PACKAGE_DIR / name)}\n".encode())
    for plan in inputs:
        digest.update(f"plan {plan.plan.id} {plan.fingerprint()}\n".encode())
    for folder in ("first", "second", "gold"):
        for path in sorted((paths.annotations / folder).glob("*.jsonl")):
            digest.update(f"{folder}/{path.name} {file_sha256(path)}\n".encode())
    for path in (paths.annotations / "audit_exceptions.yaml", paths.annotations / "labels.yaml"):
        digest.update(f"{path.name} {file_sha256(path)}\n".encode())
    # The card's results table reads every result record.
    for path in sorted(paths.results.glob("*.json")):
        digest.update(f"results/{path.name} {file_sha256(path)}\n".encode())
    relation_results = paths.results / "relations" / "rules.json"  # the relation baseline on the card
    relation_agreement = paths.annotations / "relations" / "agreement.json"  # on the card too
    if relation_agreement.exists():
        digest.update(f"relations/agreement.json {file_sha256(relation_agreement)}\n".encode())
    if relation_results.exists():
        digest.update(f"results/relations/rules.json {file_sha256(relation_results)}\n".encode())
    # The normalisation section of the card: result records, agreement, and the
    # normalised gold their fingerprint is checked against.
    normalized = paths.annotations / "normalized"
    for path in sorted(paths.results.glob("normalization/*.json")) + sorted(normalized.glob("*.jsonl")) + sorted(normalized.glob("*.json")):
        digest.update(f"{path.relative_to(paths.root).as_posix()} {file_sha256(path)}\n".encode())
    # The `departments` config reads the alias table.
    table = paths.annotations / "normalization" / "departments.yaml"
    digest.update(f"normalization/departments.yaml {file_sha256(table)}\n".encode())
    # The release files read the version, its date in the changelog and the
    # adjudication count (VERSION has no suffix, so code_version skips it).
    for path in (CONFIG_DIR / "VERSION", paths.root / "CHANGELOG.md", paths.annotations / "adjudication.yaml"):
        digest.update(f"{path.name} {file_sha256(path)}\n".encode())
    return digest.hexdigest()


def input_files_key(paths: Paths, file_sha256: Callable[[Path], str]) -> str:
    """A hash of every file a build may read, taken before any is parsed:
    the code and configuration, VERSION, CHANGELOG.md, and every file under
    seeds/, annotations/ and evaluation/results/. More than `build_key`
    covers, never less (a build reads nothing else; see below), so when it equals the
    last build's and the outputs are as that build left them, the build has
    nothing to do; when it differs, `build_key` decides."""
    # Left out: the build's own outputs in annotations/ (`_as_left` checks
    # them) and add-plan's annotation tasks, which no build step reads.
    # Walked with os and plain strings: pathlib's per-path cost showed at 100x.
    outputs = {str(paths.annotations / "README.md"), str(paths.annotations / "agreement.json")}
    tasks = str(paths.annotations / "tasks")
    found = []
    for folder in (paths.seeds, paths.annotations, paths.results):
        for directory, subfolders, names in os.walk(folder):
            subfolders[:] = [name for name in subfolders if os.path.join(directory, name) != tasks]
            found += [os.path.join(directory, name) for name in names]
    digest = hashlib.sha256(code_version().encode())
    for path in [PACKAGE_DIR / name for name in CORPUS_WIDE_ONLY] + [CONFIG_DIR / "VERSION", paths.root / "CHANGELOG.md"]:
        digest.update(f"{path.name} {file_sha256(path)}\n".encode())
    prefix = os.path.join(str(paths.root), "")
    for path in sorted(found):
        if path not in outputs and os.path.isfile(path):
            # relpath's normalising showed at thousands of files; the walk's paths start with the root as given
            relative = path[len(prefix):] if path.startswith(prefix) else os.path.relpath(path, paths.root)
            digest.update(f"{relative} {file_sha256(path)}\n".encode())
    return digest.hexdigest()


def _annotation_outputs(
    paths: Paths, summaries: list[dict], key: str, file_sha256: Callable[[Path], str], version: str, workers: Workers
) -> dict[str, bytes]:
    """annotations/README.md and (with a second annotation) agreement.json.

    Cached whole on the build key (which covers everything they read), and
    otherwise assembled from per-plan parts (annotation.report's
    incremental_outputs): the statistics come with each plan's summary, the
    agreement counts and audit findings from small per-plan cache files, so
    only changed plans are read again."""
    # Imported here: the audit's modules are needed only when something changed.
    from builders.annotation.report import PlanParts, agreement_result, annotation_report, incremental_outputs

    cache = build_dir(paths.root) / CACHE_DIR / "annotations"
    cached = cache / "outputs" / key
    if (cached / "outputs.json").exists():
        return {rel: data.encode("utf-8") for rel, data in json.loads((cached / "outputs.json").read_text(encoding="utf-8")).items()}

    def text_path(plan_id: str, fingerprints={s["doc_id"]: s["fingerprint"] for s in summaries}) -> Path:
        return _cache_entry(paths.root, plan_id, fingerprints[plan_id]) / "corpus" / "text.txt"

    def text_of(plan_id: str) -> str:
        return text_path(plan_id).read_bytes().decode("utf-8")

    def reviewed_file(summary: dict) -> Path:
        # Not checked here: the audit reads the gold file when an entry lacks it (read only for a plan that changed).
        return _cache_entry(paths.root, summary["doc_id"], summary["fingerprint"]) / REVIEWED_UNITS

    def surfaces_file(summary: dict) -> Path:
        return _cache_entry(paths.root, summary["doc_id"], summary["fingerprint"]) / SURFACES

    plans = [
        PlanParts(s["doc_id"], s["fingerprint"], s["units_total"], s.get("annotation_part"), reviewed_file(s), surfaces_file(s))
        for s in summaries
    ]
    outputs = incremental_outputs(paths, plans, text_path, cache, file_sha256, version, workers.map)
    if outputs is None:  # an annotation file the per-plan parts cannot account for: read everything
        outputs = {}
        if any((paths.annotations / "second").glob("*.jsonl")):
            outputs["annotations/agreement.json"] = dumps_json(agreement_result(paths), indent=1) + "\n"
        units = {s["doc_id"]: s["units_total"] for s in summaries}
        texts = {s["doc_id"]: text_of(s["doc_id"]) for s in summaries}
        # The report shows the agreement just measured, so it reads the staged value.
        outputs["annotations/README.md"] = annotation_report(units, texts, paths, outputs.get("annotations/agreement.json"))
    shutil.rmtree(cached.parent, ignore_errors=True)  # one cached report is enough
    cached.mkdir(parents=True)
    (cached / "outputs.json").write_text(dumps_json(outputs), encoding="utf-8")
    return {rel: data.encode("utf-8") for rel, data in outputs.items()}


def release_inputs(paths: Paths = Paths()):
    """The curated release metadata, the changelog and the adjudication count
    (a `ReleaseInputs`)."""
    from builders.dataset.publish import ReleaseInputs  # with publish: only when something changed

    changelog = paths.root / "CHANGELOG.md"
    adjudication = paths.annotations / "adjudication.yaml"
    return ReleaseInputs(
        croissant=load_yaml(CONFIG_DIR / "croissant.yaml"),
        citation=load_yaml(CONFIG_DIR / "citation.yaml"),
        changelog=changelog.read_text(encoding="utf-8") if changelog.exists() else "",
        adjudicated_units=len(load_yaml(adjudication) or []) if adjudication.exists() else 0,
    )


def _optional_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def build(
    paths: Paths = Paths(),
    progress: Callable[[Iterable], Iterable] = lambda items: items,
    jobs: int | None = None,
    parts_progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> BuildReport:
    """Bring corpus/, data/, the card and the annotation report up to date
    with the seeds and annotations, rebuilding only plans whose inputs
    changed (see the module docstring). Nothing changes unless every plan
    builds; the previous state stays in place on failure, and an interrupted
    build is recovered by the next command. `progress` wraps the plans'
    builds, `parts_progress` the per-plan parts of the annotation report
    (agreement counts, audit findings) that the cache lacks."""
    with _long_lived_frozen():
        return _build(paths, progress, jobs, parts_progress)


@contextmanager
def _long_lived_frozen():
    """Within, `gc.freeze()` keeps what a build holds to the end (the
    modules, the manifest, the repair tables, every plan's summary, frozen
    again as they are read) out of the collector's full collections, which
    otherwise walk them all, again and again, in a corpus of hundreds of
    plans; workers forked meanwhile do not touch them either (the Python
    documentation's advice before a fork). Objects made later are
    collected as usual; everything is unfrozen at the end."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _build(paths: Paths, progress: Callable[[Iterable], Iterable], jobs: int | None, parts_progress: Callable[[Iterable], Iterable]) -> BuildReport:
    started = time.perf_counter()
    jobs = jobs or default_jobs()
    state_path = build_dir(paths.root) / STATE_FILE
    with Transaction(paths.root, "build") as tx:
        hashes = FileHashes(paths.root)
        state = _optional_json(state_path) or {}
        files_key = input_files_key(paths, hashes)
        if state.get("input_files") == files_key and state.get("plans") and _as_left(paths, state):
            # Not a byte of input changed: nothing is parsed (the manifest, the repair tables).
            summaries = [
                read_json(_cache_entry(paths.root, plan_id, state["corpus"][plan_id]["fingerprint"]) / "summary.json")
                for plan_id in state["plans"]
            ]
            hashes.save()
            return BuildReport(summaries, time.perf_counter() - started, state["fingerprint"], state["published_units"],
                               stale_results=_stale(paths, summaries, read_records(paths.results)))
        inputs = plan_inputs(paths, hashes)
        gc.freeze()  # the manifest and the repair tables, held to the end
        key = build_key(paths, inputs, hashes)
        if state.get("key") == key and _as_left(paths, state):
            summaries = [
                read_json(_cache_entry(paths.root, p.plan.id, p.fingerprint()) / "summary.json")
                for p in inputs
            ]
            if state.get("input_files") != files_key:  # bytes changed, meaning did not: the next no-op is quick
                state.update(input_files=files_key, plans=[p.plan.id for p in inputs])
                state_path.write_text(dumps_json(state) + "\n", encoding="utf-8")
            hashes.save()
            return BuildReport(summaries, time.perf_counter() - started, state["fingerprint"], state["published_units"],
                               stale_results=_stale(paths, summaries, read_records(paths.results)))
        workers = Workers(jobs, parts_progress)
        try:
            summaries, built = _summaries(paths.root, inputs, load_labels(paths.annotations / "labels.yaml"), workers, progress)
            gc.freeze()  # every plan's summary, held to the end
            _keep_sketches(paths, inputs)
            _stage_corpus(tx, paths, summaries, state)
            version = inputs[0].code_version if inputs else code_version()
            outputs = _annotation_outputs(paths, summaries, key, hashes, version, workers)
        finally:
            workers.close()
        records = read_records(paths.results)
        publication = _publish(paths, inputs, summaries, outputs.get("annotations/agreement.json"), records)
        _stage_data(tx, paths, summaries, publication.files, publication.data)
        outputs["README.md"] = publication.readme.encode("utf-8")
        outputs.update(publication.release_files)  # croissant.json, CITATION.cff
        for rel, data in outputs.items():
            if _differs(paths.root / rel, data):
                tx.write_bytes(rel, data)
        written = tx.operations
    # Recorded after the commit: what is on disk now, for the next no-op check.
    state = {
        "key": key,
        "input_files": files_key,  # as read when this build started: a file changed since does not match
        "plans": [s["doc_id"] for s in summaries],  # manifest order
        "fingerprint": publication.fingerprint,
        "published_units": publication.published_units,
        "corpus": {
            s["doc_id"]: {"fingerprint": s["fingerprint"], "files": _signature(paths.corpus / s["doc_id"])} for s in summaries
        },
        "outputs": _output_signatures(paths),
    }
    state_path.write_text(dumps_json(state) + "\n", encoding="utf-8")
    hashes.save()
    _prune_cache(paths.root, {s["doc_id"]: s["fingerprint"] for s in summaries})
    return BuildReport(summaries, time.perf_counter() - started, publication.fingerprint, publication.published_units, built, written,
                       _stale(paths, summaries, records))


def _keep_sketch(cache: Path, plan: PlanInputs) -> None:
    """The plan's n-gram sketch in the cache, so add-plan's near-duplicate
    check reads sketches, not every seed (builders.corpus.similarity)."""
    from builders.corpus.similarity import SketchStore, load_params  # numpy: only when something changed

    SketchStore(cache, load_params()).ensure(plan.seeds_dir, plan.plan, plan.raw_sha256)


def _keep_sketches(paths: Paths, inputs: list[PlanInputs]) -> None:
    """Every plan's sketch present (those of plans built this time were made
    by their worker), and none of texts no plan has any more."""
    from builders.corpus.similarity import SketchStore, load_params

    store = SketchStore(build_dir(paths.root) / CACHE_DIR, load_params())
    for plan in inputs:
        store.ensure(paths.seeds, plan.plan, plan.raw_sha256)
    keep = [(plan.plan, plan.raw_sha256) for plan in inputs]
    store.prune(keep)
    store.write_pack(paths.seeds, keep)


def _stale(paths: Paths, summaries: list[dict], records: list[dict]) -> list[str]:
    """Systems whose result record was scored on other gold than the plans'."""
    return stale_records(records, combined_fingerprint({s["doc_id"]: s["gold_fingerprint"] for s in summaries if s["units_published"]}))


def _publish(paths: Paths, inputs: list[PlanInputs], summaries: list[dict], agreement: bytes | None, records: list[dict]):
    from builders.dataset.publish import publish  # pyarrow and datasets: only when something changed

    return publish(
        summaries,
        {plan.plan.id: plan.plan.metadata for plan in inputs},
        load_labels(paths.annotations / "labels.yaml"),
        load_yaml(CONFIG_DIR / "card.yaml"),
        (TEMPLATES_DIR / "README.md").read_text(encoding="utf-8"),
        json.loads(agreement) if agreement else _optional_json(paths.annotations / "agreement.json"),
        records,
        release=release_inputs(paths),
        relation_baselines=_optional_json(paths.results / "relations" / "rules.json"),
        relation_agreement=_optional_json(paths.annotations / "relations" / "agreement.json"),
        normalization=_normalization_inputs(paths),
        dept_table=_dept_table(paths),
    )


def _dept_table(paths: Paths):
    """The alias table's entries (checked; a bad entry is an error naming it),
    or None when the project has none: the `departments` config is then empty
    and the card says why."""
    from builders.annotation.normalization.tables import load_departments

    path = paths.annotations / "normalization" / "departments.yaml"
    return load_departments(path) if path.exists() else None


def _normalization_inputs(paths: Paths) -> dict:
    """What the card's normalisation section reads: the result records of
    evaluation/results/normalization/, the agreement of the blind second
    pass, and the normalised gold's fingerprint (a record on other gold is stale)."""
    from builders.annotation.normalization.workflow import gold_fingerprint, normalized_dir

    folder = paths.results / "normalization"
    records = [_optional_json(path) for path in sorted(folder.glob("*.json"))] if folder.is_dir() else []
    return {"records": records, "agreement": _optional_json(normalized_dir(paths) / "agreement.json"),
            "gold_fingerprint": gold_fingerprint(paths)}


def _output_signatures(paths: Paths) -> dict[str, list[int]]:
    """Size and modification time of every corpus-wide output and data file."""
    found = {}
    candidates = [paths.root / "README.md", paths.corpus / "index.json", paths.annotations / "README.md", paths.annotations / "agreement.json"]
    candidates += [paths.root / "croissant.json", paths.root / "CITATION.cff"]
    for path in candidates:
        if path.exists():
            stat = path.stat()
            found[path.relative_to(paths.root).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    data = paths.root / "data"
    for kind in sorted(os.scandir(data), key=lambda entry: entry.name) if data.is_dir() else ():
        if kind.is_dir():  # data/<kind>/*.parquet, with os: thousands of files at 100x
            for entry in sorted(os.scandir(kind.path), key=lambda entry: entry.name):
                if entry.name.endswith(".parquet") and os.path.exists(entry.path):
                    stat = entry.stat()
                    found[f"data/{kind.name}/{entry.name}"] = [stat.st_size, stat.st_mtime_ns]
    return found


def _as_left(paths: Paths, state: dict) -> bool:
    """True when every output is as the last build left it (by size and
    modification time) and every plan's cache entry is still there."""
    if state.get("outputs") != _output_signatures(paths):
        return False
    for plan_id, known in state.get("corpus", {}).items():
        if known["files"] != _signature(paths.corpus / plan_id):
            return False
        if not (_cache_entry(paths.root, plan_id, known["fingerprint"]) / "summary.json").exists():
            return False
    corpus_dirs = {p.name for p in paths.corpus.iterdir() if p.is_dir() and not p.name.startswith(".")} if paths.corpus.is_dir() else set()
    return corpus_dirs == set(state.get("corpus", {}))


def _prune_cache(root: Path, current: dict[str, str]) -> None:
    """Keep each plan's current cache entry and the one before; drop plans
    that left the manifest."""
    cache = build_dir(root) / CACHE_DIR
    if not cache.is_dir():
        return
    for folder in cache.iterdir():
        if folder.name == "annotations" or folder.name.startswith("_") or not folder.is_dir():
            continue  # not a plan's (no plan id starts with "_"): sketches, parsed tables
        if folder.name not in current:
            shutil.rmtree(folder, ignore_errors=True)
            continue
        entries = sorted((e for e in folder.iterdir() if e.name != current[folder.name]), key=lambda e: e.stat().st_mtime_ns)
        for old in entries[: max(0, len(entries) - (KEEP_PER_PLAN - 1))]:
            shutil.rmtree(old, ignore_errors=True)

