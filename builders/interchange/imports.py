"""Reviewed annotations in: read an export of Label Studio, doccano, brat,
CoNLL, spaCy or JSONL, check every span against the corpus text of its unit and
the guidelines' mechanical rules, and merge the result into
annotations/gold/<plan>.jsonl in one transaction.

Only what a person reviewed becomes gold:

- Label Studio records review: its annotations are read (never its
  predictions), cancelled ones are skipped and counted.
- brat, doccano, CoNLL, spaCy and JSONL record none, so the user names the
  units a person reviewed (`units="0:120"`, or `all_units=True`); only those
  are touched. For Label Studio `units` narrows the import further.
- The task files add-plan writes (rule pre-annotations) are refused outright.
- A reviewed unit is replaced only with `force`; a unit whose spans did not
  change keeps its record. Every earlier version of the gold file is kept in
  annotations/history/<plan>/NNNN.jsonl, and the replaced units, with the spans
  removed and added, are returned for the command to print.
"""

from __future__ import annotations

import json
from pathlib import Path

from builders.annotation.gold import (
    REVIEWED,
    AnnotationError,
    UnitAnnotation,
    check_spans,
    read_annotations,
    unit_record,
)
from builders.annotation.labels import Span, load_labels
from builders.corpus.seeds import validate_plan_id
from builders.corpus.store import read_document, unit_id
from builders.interchange.base import AnnotatedText, FormatError
from builders.interchange.brat import from_brat
from builders.interchange.conll import from_conll
from builders.interchange.doccano import from_doccano
from builders.interchange.jsonl import from_jsonl
from builders.interchange.labelstudio import from_label_studio
from builders.io import dumps_json, parse_json, read_text_strict, sha256_bytes
from builders.project import Paths
from builders.transaction import Transaction

IMPORT_FORMATS = ("labelstudio", "doccano", "brat", "conll", "spacy", "jsonl")
WITH_REVIEW_STATE = ("labelstudio",)
MAX_IMPORT_BYTES = 200 * 1024 * 1024  # far beyond any plan's annotations; refuses /dev/zero and the like


def parse_units(spec: str, count: int) -> set[int]:
    """Unit indices from `START:END` ranges (half-open) and single indices,
    comma-separated: "0:120", "3,7,10:12"."""
    chosen: set[int] = set()
    for part in str(spec).split(","):
        part = part.strip()
        try:
            if ":" in part:
                start_text, end_text = part.split(":")
                start, end = int(start_text or 0), int(end_text) if end_text else count
            else:
                start = int(part)
                end = start + 1
        except ValueError:
            raise FormatError(f"--units {spec!r}: {part!r} is not START:END or an index") from None
        if not (0 <= start < end <= count):
            raise FormatError(f"--units {spec!r}: {part!r} is outside the plan's units [0, {count})")
        chosen.update(range(start, end))
    return chosen


def _task_file_digests(paths: Paths, plan_id: str) -> dict[str, str]:
    folder = paths.annotations / "tasks" / plan_id
    return {sha256_bytes(p.read_bytes()): p.name for p in sorted(folder.glob("*")) if p.is_file()} if folder.is_dir() else {}


def read_export(paths: Paths, plan_id: str, source: Path, fmt: str, skipped: list[str] | None = None):
    """(unit index, unit-relative AnnotatedText) pairs from an export, checked
    against the corpus text of each unit; tasks left out go to `skipped`."""
    skipped = [] if skipped is None else skipped
    if fmt not in IMPORT_FORMATS:
        raise FormatError(f"unknown format {fmt!r}; choose one of {', '.join(IMPORT_FORMATS)}")
    labels = load_labels(paths.annotations / "labels.yaml").names
    doc = read_document(paths.corpus, plan_id)
    by_id = {unit_id(plan_id, u["index"]): u for u in doc.units}
    source = Path(source)
    if source.is_file() and source.stat().st_size > MAX_IMPORT_BYTES:
        raise FormatError(f"{source}: {source.stat().st_size} bytes, over the {MAX_IMPORT_BYTES} byte limit of an export")
    if fmt == "spacy":
        raw = source.read_bytes() if source.is_file() else None
        if raw is None:
            raise FormatError(f"{source}: no such file")
    else:
        raw = read_text_strict(source).encode("utf-8")
    if sha256_bytes(raw if fmt == "spacy" else source.read_bytes()) in _task_file_digests(paths, plan_id):
        raise FormatError(
            f"{source}: this is a task file add-plan wrote (rule pre-annotations nobody reviewed); "
            "import the export of the tool after a person has reviewed the units"
        )
    try:
        if fmt == "labelstudio":
            items = from_label_studio(parse_json(raw.decode("utf-8"), str(source)), labels, skipped)
        elif fmt == "doccano":
            items = from_doccano(raw.decode("utf-8"), labels, skipped)
        elif fmt == "jsonl":
            texts = {uid: doc.text[u["start"] : u["end"]] for uid, u in by_id.items()}
            items = from_jsonl(raw.decode("utf-8"), texts, labels)
        elif fmt == "conll":
            items = from_conll(raw.decode("utf-8"))
        elif fmt == "spacy":
            from builders.interchange.spacy import from_docbin

            try:
                items = from_docbin(raw)
            except Exception as error:  # spaCy raises a variety of errors on a bad file
                raise FormatError(f"not a spaCy DocBin ({type(error).__name__})") from None
        else:
            document = from_brat(plan_id, doc.text, raw.decode("utf-8"))
            items = []
            for unit in doc.units:
                inside = tuple(
                    Span(s.start - unit["start"], s.end - unit["start"], s.label)
                    for s in document.spans
                    if unit["start"] <= s.start and s.end <= unit["end"]
                )
                items.append(AnnotatedText(unit_id(plan_id, unit["index"]), doc.text[unit["start"] : unit["end"]], inside, f"unit {unit['index']}"))
            outside = [s for s in document.spans if not any(u["start"] <= s.start and s.end <= u["end"] for u in doc.units)]
            if outside:
                raise FormatError(f"offset {outside[0].start}: span [{outside[0].start}, {outside[0].end}) crosses a unit boundary")
    except FormatError as error:
        message = str(error)
        raise FormatError(message if message.startswith(str(source)) else f"{source}: {message}") from None
    by_text: dict[str, list[dict]] = {}
    for unit in doc.units:
        by_text.setdefault(doc.text[unit["start"] : unit["end"]], []).append(unit)
    result, seen = [], {}
    for item in items:
        where = f"{source}: {item.where or item.id}"
        unit = by_id.get(item.id)
        if unit is None and item.id == "":
            # JSON-MIN without the unit id: the text names the unit when it is unique.
            matches = by_text.get(item.text, [])
            if len(matches) != 1:
                raise FormatError(f"{where}: no unit id, and the text matches {len(matches)} units of {plan_id}")
            unit = matches[0]
        if unit is None:
            raise FormatError(f"{where}: unknown unit id {item.id!r} (ids of this plan look like {unit_id(plan_id, 0)})")
        expected = doc.text[unit["start"] : unit["end"]]
        if item.text != expected:
            raise FormatError(f"{where}: unit {unit['index']} text differs from the corpus (edited in the tool, or the corpus rebuilt since?)")
        if unit["index"] in seen:
            raise FormatError(f"{where}: unit {unit['index']} again (first at {seen[unit['index']]})")
        seen[unit["index"]] = item.where or item.id
        result.append((unit["index"], item))
    return result


def _span_text(spans, text: str) -> str:
    return ", ".join(f"[{s.start},{s.end}) {s.label} {text[s.start:s.end]}" for s in sorted(spans)) or "none"


def import_annotations(
    paths: Paths,
    source: Path,
    fmt: str,
    plan_id: str,
    annotator: str,
    force: bool = False,
    units: str | None = None,
    all_units: bool = False,
    dry_run: bool = False,
) -> dict:
    """Merge reviewed annotations into annotations/gold/<plan>.jsonl; see the
    module docstring. Returns a summary; `replaced` lists each replaced unit
    with the spans removed and added. Nothing is written on any error."""
    validate_plan_id(plan_id)
    if fmt not in IMPORT_FORMATS:
        raise FormatError(f"unknown format {fmt!r}; choose one of {', '.join(IMPORT_FORMATS)}")
    if units is not None and all_units:
        raise FormatError("give --units or --all-units, not both")
    if fmt not in WITH_REVIEW_STATE and units is None and not all_units:
        raise FormatError(
            f"{source}: {fmt} records no review state, so it cannot tell which units a person read; "
            "name them with --units START:END (unit indices, half-open) or pass --all-units"
        )
    doc = read_document(paths.corpus, plan_id)
    unit_by_index = {u["index"]: u for u in doc.units}
    chosen = parse_units(units, len(doc.units)) if units is not None else None
    skipped: list[str] = []
    pairs = read_export(paths, plan_id, source, fmt, skipped)
    if chosen is not None:
        outside = [index for index, _ in pairs if index not in chosen]
        if outside:
            skipped.append(f"{len(outside)} unit(s) in the export outside --units left alone (first: unit {outside[0]})")
        present = {index for index, _ in pairs}
        missing = sorted(chosen - present)
        if missing:
            raise FormatError(f"{source}: --units names unit {missing[0]}, which the export does not hold ({len(missing)} missing)")
        pairs = [(index, item) for index, item in pairs if index in chosen]
    source_sha = sha256_bytes(Path(source).read_bytes())
    new, problems = [], []
    for index, item in pairs:
        unit = unit_by_index[index]
        spans = tuple(sorted(Span(s.start + unit["start"], s.end + unit["start"], s.label) for s in item.spans))
        problems += [f"{source}: {item.where or item.id}: {m}" for m in check_spans(list(spans), doc.text, (unit["start"], unit["end"]))]
        review = {"status": REVIEWED, "annotator": annotator, "source": f"{fmt}:{Path(source).name}", "source_sha256": source_sha}
        if item.provenance:
            review["tool"] = dict(item.provenance)
        new.append(UnitAnnotation(plan_id, index, unit["start"], unit["end"], spans, review))
    if problems:
        raise AnnotationError("\n".join(problems))
    target = paths.annotations / "gold" / f"{plan_id}.jsonl"
    existing = {a.unit_index: a for a in read_annotations(target)}
    replaced, clashes, added, unchanged = [], [], 0, 0
    merged = dict(existing)
    for annotation in new:
        old = existing.get(annotation.unit_index)
        if old is not None and old.reviewed and set(old.spans) == set(annotation.spans):
            unchanged += 1  # the same decision again: the first review record stays
            continue
        if old is not None and old.reviewed:
            clashes.append(annotation.unit_index)
            removed, gained = set(old.spans) - set(annotation.spans), set(annotation.spans) - set(old.spans)
            replaced.append({"unit": annotation.unit_index, "removed": _span_text(removed, doc.text), "added": _span_text(gained, doc.text)})
        else:
            added += 1
        merged[annotation.unit_index] = annotation
    if clashes and not force:
        raise AnnotationError(
            f"{source}: units {clashes[:10]}{' …' if len(clashes) > 10 else ''} already have other reviewed gold; "
            "nothing written. Pass --force to replace them (the replaced version is kept in annotations/history/)"
        )
    summary = {
        "plan": plan_id,
        "units read": len(pairs),
        "added": added,
        "replaced": len(replaced),
        "unchanged": unchanged,
        "skipped": len(skipped),
        "file": str(target),
        "skipped_reasons": skipped,
        "replaced_units": replaced,
    }
    if dry_run or (not added and not replaced):
        return summary
    rows = "".join(dumps_json(unit_record(merged[i], doc.text)) + "\n" for i in sorted(merged))
    with Transaction(paths.root, "import-annotations") as tx:
        if target.exists():
            history = paths.annotations / "history" / plan_id
            number = len(list(history.glob("*.jsonl"))) + 1 if history.is_dir() else 1
            tx.write_bytes(f"annotations/history/{plan_id}/{number:04d}.jsonl", target.read_bytes())
            summary["previous version"] = f"annotations/history/{plan_id}/{number:04d}.jsonl"
        tx.write_text(f"annotations/gold/{plan_id}.jsonl", rows)
    return summary
