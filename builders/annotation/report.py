"""Checks and reports over everything under annotations/: file validation,
inter-annotator agreement, the consistency audit and the generated
annotations/README.md.

The same outputs come two ways, byte for byte: from all the annotation files
at once (`agreement_result`, `annotation_report`, `run_audit`), or, in a
build, from small per-plan parts kept in a cache (`incremental_outputs`), so
a change to one plan re-reads that plan only:

- agreement: each plan's additive counts (agreement.plan_counts), keyed on
  its first and second files;
- statistics: each plan's part of the tables (stats.plan_statistics), built
  with the plan (`plan_part`);
- audit: each plan's findings, keyed on the plan's fingerprint and a hash of
  the strings annotated anywhere in the gold (the audit's one corpus-wide
  input). A new annotated string re-audits every plan with reviewed units;
  a plan added without reviewed gold re-audits nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import orjson

from builders.annotation.agreement import Agreement, from_counts, markdown, measure, plan_counts
from builders.annotation.audit import (
    Finding,
    audit,
    audit_units,
    stale_exceptions,
    surface_automaton,
    surface_labels,
    unresolved,
)
from builders.annotation.gold import (
    REVIEWED,
    Problem,
    UnitAnnotation,
    read_annotations,
    validate_gold_file,
)
from builders.annotation.labels import Span, load_labels
from builders.annotation.stats import merge_statistics, plan_statistics
from builders.annotation.worksheets import FIRST, GOLD, SECOND
from builders.corpus.seeds import load_manifest
from builders.corpus.store import read_corpus, read_document
from builders.io import dumps_json, load_yaml, sha256_bytes, write_json_atomic, write_text_atomic
from builders.markdown import markdown_table, render_template
from builders.project import TEMPLATES_DIR, Paths


def validate_annotations(paths: Paths) -> list[Problem]:
    problems: list[Problem] = []
    known = {p.id for p in load_manifest(paths.seeds)}
    for folder in (GOLD, FIRST, SECOND):
        for path in sorted((paths.annotations / folder).glob("*.jsonl")):
            plan_id = path.stem
            if plan_id not in known:
                problems.append(Problem(str(path), 0, f"no plan {plan_id!r} in seeds/plans.yaml"))
                continue
            doc = read_document(paths.corpus, plan_id)
            problems += validate_gold_file(path, doc.text, doc.units)
    return problems


def read_folder(paths: Paths, folder: str) -> list[UnitAnnotation]:
    annotations = []
    for path in sorted((paths.annotations / folder).glob("*.jsonl")):
        annotations += read_annotations(path)
    return annotations


def measure_agreement(paths: Paths) -> dict:
    """Agreement of the first pass with the second annotation, overall and per
    plan; writes annotations/agreement.json (the card and annotations/README.md
    show it)."""
    result = agreement_result(paths)
    write_json_atomic(paths.annotations / "agreement.json", result)
    return result


def agreement_result(paths: Paths) -> dict:
    """What measure_agreement writes, without writing it."""
    names = load_labels(paths.annotations / "labels.yaml").names
    first, second = read_folder(paths, FIRST), read_folder(paths, SECOND)
    overall = measure(first, second, names)
    per_plan = {
        plan: measure([a for a in first if a.doc_id == plan], [b for b in second if b.doc_id == plan], names)
        for plan in sorted({b.doc_id for b in second})
    }
    return _agreement_dict(overall, per_plan, names)


def _agreement_dict(overall: Agreement, per_plan: dict[str, Agreement], names: tuple[str, ...]) -> dict:
    result = overall.to_dict()
    result["per_plan"] = {plan: a.to_dict() for plan, a in per_plan.items()}
    result["markdown"] = markdown(overall, per_plan, names)
    return result


AUDIT_EXCEPTIONS = "audit_exceptions.yaml"


def run_audit(paths: Paths, texts: dict[str, str] | None = None):
    """(all findings, findings no exception justifies, exceptions that match
    nothing). `texts` (plan -> clean text) defaults to the built corpus."""
    if texts is None:
        texts = {d.doc_id: d.text for d in read_corpus(paths.corpus)}
    return _with_exceptions(paths, audit(texts, read_folder(paths, GOLD)))


def _with_exceptions(paths: Paths, findings: list, key: Callable = Finding.key):
    path = paths.annotations / AUDIT_EXCEPTIONS
    exceptions = (load_yaml(path) or []) if path.exists() else []
    return findings, unresolved(findings, exceptions, key), stale_exceptions(findings, exceptions, key)


def _row_key(row: list) -> tuple:
    """A finding row's (doc_id, start, text, label), as `Finding.key`."""
    return (row[0], row[1], row[3], row[4])


def write_annotation_report(paths: Paths) -> None:
    """annotations/README.md, generated from the annotation files."""
    docs = read_corpus(paths.corpus)
    text = annotation_report({d.doc_id: len(d.units) for d in docs}, {d.doc_id: d.text for d in docs}, paths)
    write_text_atomic(paths.annotations / "README.md", text)


def annotation_report(units: dict[str, int], texts: dict[str, str], paths: Paths, agreement_json: str | None = None) -> str:
    """The text of annotations/README.md, from the annotation files, each
    plan's unit count and clean text (in corpus order), and the agreement
    (default: annotations/agreement.json)."""
    names = load_labels(paths.annotations / "labels.yaml").names
    gold = read_folder(paths, GOLD)
    agreement_path = paths.annotations / "agreement.json"
    if agreement_json is None and agreement_path.exists():
        agreement_json = agreement_path.read_text(encoding="utf-8")
    audited = tuple(len(found) for found in run_audit(paths, texts))
    return _render_report(units, merge_statistics([plan_statistics(gold, names)], names), names, agreement_json, audited)


def _render_report(
    units: dict[str, int], statistics: dict, names: tuple[str, ...], agreement_json: str | None, audited: tuple[int, int, int]
) -> str:
    """`audited`: the numbers of findings, of open findings and of stale exceptions."""
    empty = statistics["units_without_spans"]
    coverage_rows = [
        [doc_id, count, empty.get(doc_id, (0, 0))[1], empty.get(doc_id, (0, 0))[0]] for doc_id, count in units.items()
    ]
    per_plan = statistics["spans_per_label"]
    spans_rows = [[doc_id] + [row[n] for n in names] + [sum(row.values())] for doc_id, row in per_plan.items()]
    totals = [sum(r[i + 1] for r in spans_rows) for i in range(len(names) + 1)]
    spans_rows.append(["**all**"] + totals)
    lengths = statistics["lengths"]
    length_rows = [
        [n] + [lengths[n].get(k, "") for k in ("count", "min", "median", "mean", "max")] for n in names
    ]
    changes = statistics["review_changes"]
    review_rows = [[doc_id] + [c[k] for k in ("kept", "changed", "added", "removed")] for doc_id, c in changes.items()]
    agreement = json.loads(agreement_json)["markdown"] if agreement_json else "Not yet measured."
    findings, open_findings, stale = audited  # counts
    audit_text = (
        f"{findings} finding(s): {findings - open_findings} justified in `audit_exceptions.yaml`, "
        f"{open_findings} open; {stale} stale exception(s). Run `plancorpus audit` to list them."
    )
    blocks = {
        "coverage": markdown_table(["plan", "units in corpus", "units reviewed", "reviewed units without spans"], coverage_rows),
        "spans_table": markdown_table(["plan"] + list(names) + ["all"], spans_rows),
        "lengths_table": markdown_table(["label", "count", "min", "median", "mean", "max"], length_rows),
        "review_table": markdown_table(["plan", "kept", "changed", "added", "removed"], review_rows)
        if review_rows
        else "No reviewed unit yet.",
        "agreement": agreement,
        "audit": audit_text,
    }
    template = (TEMPLATES_DIR / "annotations_README.md").read_text(encoding="utf-8")
    return render_template(template, blocks)



# ---------------------------------------------------------------------------
# Incremental: the same outputs from per-plan parts


def plan_part(doc_id: str, text: str, gold: list[UnitAnnotation], names: tuple[str, ...]) -> dict | None:
    """What one plan's gold file contributes to annotations/README.md: its
    statistics and the strings annotated in it, with their labels (JSON-ready).
    None when the file holds units of another plan, which only the reading of
    all files at once attributes correctly."""
    if any(a.doc_id != doc_id for a in gold):
        return None
    reviewed = [a for a in gold if a.reviewed]
    surfaces = surface_labels({doc_id: text}, reviewed)
    return {
        "statistics": plan_statistics(gold, names),
        "surfaces": {surface: sorted(labels) for surface, labels in sorted(surfaces.items())},
        "reviewed_units": len(reviewed),
    }


@dataclass(frozen=True)
class PlanParts:
    """One plan, as `incremental_outputs` needs it."""

    doc_id: str
    fingerprint: str  # of everything the plan's text and gold come from
    units: int
    part: dict | None  # from plan_part
    reviewed_file: Path | None = None  # the plan's reviewed units (reviewed_units_file); None or missing: read its gold file
    surfaces_file: Path | None = None  # the part's "surfaces", when the part was stored without them

    def surfaces(self) -> dict[str, list[str]]:
        """The strings the plan's reviewed gold annotates, with their labels."""
        if "surfaces" in self.part:
            return self.part["surfaces"]
        return orjson.loads(Path(self.surfaces_file).read_bytes())


def reviewed_units_file(doc_id: str, gold: list[UnitAnnotation]) -> bytes:
    """The reviewed units of a plan's gold, compactly: what the audit reads
    (`[[unit_index, start, end, [[start, end, label], ...]], ...]`), so the
    gold file is parsed once per build of the plan."""
    units = [[a.unit_index, a.start, a.end, [[s.start, s.end, s.label] for s in a.spans]] for a in gold if a.reviewed]
    return (dumps_json({"doc_id": doc_id, "units": units}) + "\n").encode("utf-8")


def read_reviewed_units(path: Path) -> list[UnitAnnotation]:
    record = json.loads(Path(path).read_text(encoding="utf-8"))
    review = {"status": REVIEWED}
    return [
        UnitAnnotation(record["doc_id"], index, start, end, tuple(Span(*span) for span in spans), review)
        for index, start, end, spans in record["units"]
    ]


Mapper = Callable[[Callable, list], list]  # map(function, items) -> results, in order


def serial_map(function: Callable, items: list) -> list:
    return [function(item) for item in items]


def incremental_outputs(
    paths: Paths,
    plans: list[PlanParts],
    text_path: Callable[[str], Path],
    cache: Path,
    file_sha256: Callable[[Path], str],
    code_version: str,
    mapper: Mapper = serial_map,
) -> dict[str, str] | None:
    """annotations/agreement.json (when a second annotation exists) and
    annotations/README.md, equal to `agreement_result` and
    `annotation_report`, from per-plan parts cached under `cache`
    (one small file per plan and output). `text_path` gives the file of a
    plan's clean text. The parts missing from the cache are computed with
    `mapper` (a process pool's map in a parallel build; the functions and
    their items are picklable). None when a part cannot be had (an
    annotation file holding another plan's units, or a gold file of a plan
    the manifest lacks): then the caller computes over everything."""
    names = load_labels(paths.annotations / "labels.yaml").names
    known = {plan.doc_id for plan in plans}
    if any(path.stem not in known for path in (paths.annotations / GOLD).glob("*.jsonl")):
        return None
    if any(plan.part is None for plan in plans):
        return None
    outputs = {}
    labels_sha = file_sha256(paths.annotations / "labels.yaml")
    agreement = _incremental_agreement(paths, names, cache / "agreement", file_sha256, f"{code_version} {labels_sha}", mapper)
    if agreement is False:
        return None
    if agreement is not None:
        outputs["annotations/agreement.json"] = agreement
    audited = _incremental_audit(paths, plans, text_path, cache / "audit", file_sha256, mapper)
    statistics = _merged_statistics(plans, names, cache / "statistics")
    outputs["annotations/README.md"] = _render_report(
        {plan.doc_id: plan.units for plan in plans}, statistics, names, outputs.get("annotations/agreement.json"), audited
    )
    return outputs


_MISSING = object()
STATISTICS = "_statistics.json"  # in cache/statistics/: the merged statistics, under the plans that have any


def _merged_statistics(plans: list[PlanParts], names: tuple[str, ...], cache: Path) -> dict:
    """`merge_statistics` of the plans' parts, kept whole under the plans
    whose part holds anything (a plan without gold adds nothing: it is
    added to the corpus without a merge, and read back as JSON, so tuples
    come back as lists, as the report reads them)."""
    counted = [plan for plan in plans if any(plan.part["statistics"].values())]
    key = sha256_bytes(dumps_json([list(names), sorted([plan.doc_id, plan.fingerprint] for plan in counted)]).encode("utf-8"))
    stored = _load_cached(cache / STATISTICS, key)
    if stored is not _MISSING:
        return stored
    merged = merge_statistics([plan.part["statistics"] for plan in counted], names)
    _store(cache / STATISTICS, key, merged)
    return orjson.loads(dumps_json(merged))  # as a later build reads it back


def _load_cached(path: Path, key: str):
    """The value stored in `path` under `key`, or _MISSING (also for a
    missing or damaged file: a cache is only ever recomputed)."""
    try:
        stored = orjson.loads(path.read_bytes())  # a build reads one per plan and part
    except (OSError, ValueError):
        return _MISSING  # none yet, or damaged: computed again
    if isinstance(stored, dict) and stored.get("key") == key:
        return stored["value"]
    return _MISSING


def _store(path: Path, key: str, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.tmp")
    scratch.write_text(dumps_json({"key": key, "value": value}), encoding="utf-8")
    scratch.replace(path)


def _cached_parts(cache: Path, keyed: dict[str, tuple[str, object]], compute: Callable, mapper: Mapper) -> dict[str, object]:
    """Each plan's part: from `cache/<plan>.json` when stored under the plan's
    key, otherwise `compute(item)` (through `mapper`) and stored. `keyed`:
    plan -> (key, item)."""
    parts = {plan: _load_cached(cache / f"{plan}.json", key) for plan, (key, _) in keyed.items()}
    missing = [plan for plan, value in parts.items() if value is _MISSING]
    for plan, value in zip(missing, mapper(compute, [keyed[plan][1] for plan in missing])):
        _store(cache / f"{plan}.json", keyed[plan][0], value)
        parts[plan] = value
    return parts


MERGED = "_merged.json"  # in a part's cache folder; no plan id starts with "_"


def _merged_parts(cache: Path, keyed: dict[str, tuple[str, object]], compute: Callable, mapper: Mapper, merge: Callable):
    """`merge` of every plan's part (`_cached_parts`), kept whole under the
    plans' keys together: while no plan's key changed (a plan added without
    annotations, say) no part is read again."""
    key = sha256_bytes(dumps_json(sorted([plan, part_key] for plan, (part_key, _) in keyed.items())).encode("utf-8"))
    stored = _load_cached(cache / MERGED, key)
    if stored is not _MISSING:
        return stored
    value = merge(_cached_parts(cache, keyed, compute, mapper))
    _store(cache / MERGED, key, value)
    return value


def _agreement_counts(job: tuple[str, str, str], names: tuple[str, ...]) -> dict | None:
    """One plan's agreement counts (a worker's task): None when a file holds
    another plan's units."""
    plan, first_path, second_path = job
    first, second = read_annotations(Path(first_path)), read_annotations(Path(second_path))
    if any(a.doc_id != plan for a in first + second):
        return None
    return {"present": bool(second), "counts": plan_counts(first, second, names)}


def _incremental_agreement(paths: Paths, names: tuple[str, ...], cache: Path, file_sha256, version: str, mapper: Mapper = serial_map):
    """The text of annotations/agreement.json from each plan's counts
    (kept with the merged counts: a corpus of hundreds of plans writes it
    in about a second); None without a second annotation, False when a
    plan's counts cannot be had."""
    second_files = sorted((paths.annotations / SECOND).glob("*.jsonl"))
    if not second_files:
        return None
    keyed = {}
    for second_path in second_files:
        first_path = paths.annotations / FIRST / second_path.name
        key = sha256_bytes(f"{version} {file_sha256(first_path)} {file_sha256(second_path)}".encode())
        keyed[second_path.stem] = (key, (second_path.stem, str(first_path), str(second_path)))

    def merge(values: dict[str, dict | None]) -> str | bool:
        parts, per_plan = [], {}
        for plan in keyed:
            value = values[plan]
            if value is None or value["counts"] is None:
                return False
            parts.append(value["counts"])
            if value["present"]:
                per_plan[plan] = from_counts([value["counts"]], names)
        return dumps_json(_agreement_dict(from_counts(parts, names), per_plan, names), indent=1) + "\n"

    return _merged_parts(cache, keyed, partial(_agreement_counts, names=names), mapper, merge)


_AUTOMATA: dict[str, object] = {}  # a worker's automaton, built once per set of strings


def _audit_plan(job: tuple[str, str, str, str], surfaces: dict[str, set[str]], surfaces_sha: str) -> list[list]:
    """One plan's findings (a worker's task), as lists (JSON-ready)."""
    plan_id, units_path, gold_path, text_path = job
    if surfaces_sha not in _AUTOMATA:
        _AUTOMATA.clear()
        _AUTOMATA[surfaces_sha] = surface_automaton(surfaces)
    if units_path and os.path.exists(units_path):
        reviewed = read_reviewed_units(Path(units_path))
    else:  # a cache entry without the compact file: the gold file itself
        reviewed = [a for a in read_annotations(Path(gold_path)) if a.reviewed]
    text = Path(text_path).read_bytes().decode("utf-8")
    return [[f.doc_id, f.start, f.end, f.text, f.label, f.found] for f in audit_units({plan_id: text}, reviewed, surfaces, _AUTOMATA[surfaces_sha])]


AUDITED = "_audited.json"  # the audit's counts, kept under the annotated plans' fingerprints and the exceptions


def _incremental_audit(
    paths: Paths, plans: list[PlanParts], text_path: Callable[[str], Path], cache: Path, file_sha256, mapper: Mapper = serial_map
) -> tuple[int, int, int]:
    """(findings, findings no exception justifies, stale exceptions), as
    the report counts them. The findings depend only on the plans with
    reviewed units (their fingerprints cover their text and gold, hence
    the strings audited): while those and audit_exceptions.yaml are the
    same (a plan added without annotations, say), the counts are read back
    without merging the strings or the findings."""
    annotated = [plan for plan in plans if plan.part["reviewed_units"]]
    exceptions = paths.annotations / AUDIT_EXCEPTIONS
    whole_key = sha256_bytes(
        dumps_json([sorted([plan.doc_id, plan.fingerprint] for plan in annotated), file_sha256(exceptions)]).encode("utf-8")
    )
    stored = _load_cached(cache / AUDITED, whole_key)
    if stored is not _MISSING:
        return tuple(stored)
    findings, open_findings, stale = _with_exceptions(paths, _audit_rows(paths, annotated, text_path, cache, mapper), _row_key)
    counts = (len(findings), len(open_findings), len(stale))
    _store(cache / AUDITED, whole_key, list(counts))
    return counts


def _audit_rows(paths: Paths, plans: list[PlanParts], text_path: Callable[[str], Path], cache: Path, mapper: Mapper) -> list[list]:
    surfaces: dict[str, set[str]] = {}
    for plan in plans:
        for surface, labels in plan.surfaces().items():
            surfaces.setdefault(surface, set()).update(labels)
    if not surfaces:
        return []
    surfaces_sha = sha256_bytes(dumps_json({s: sorted(labels) for s, labels in surfaces.items()}).encode("utf-8"))
    keyed = {
        plan.doc_id: (
            hashlib.sha256(f"{plan.fingerprint} {surfaces_sha}".encode()).hexdigest(),
            (plan.doc_id, str(plan.reviewed_file or ""), str(paths.annotations / GOLD / f"{plan.doc_id}.jsonl"), str(text_path(plan.doc_id))),
        )
        for plan in plans  # the annotated plans (`_incremental_audit`)
    }

    def merge(parts: dict[str, list[list]]) -> list[list]:
        return [list(row) for row in sorted({tuple(row) for rows in parts.values() for row in rows})]

    return _merged_parts(cache, keyed, partial(_audit_plan, surfaces=surfaces, surfaces_sha=surfaces_sha), mapper, merge)
