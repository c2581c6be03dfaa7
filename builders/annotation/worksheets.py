"""Worksheets out, reviewed gold in: the annotation round trip over files.

A worksheet is JSONL, one unit per line, with the unit text and (first pass)
the rule pre-annotation as `pre`: [[text, label], ...]. The annotator fills
`spans` the same way; importing resolves the pairs to document offsets, checks
them, and merges them into annotations/gold/<plan>.jsonl with a review record.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from builders.annotation.gold import (
    UnitAnnotation,
    annotations_from_worksheet,
    compare_spans,
    merge_annotations,
    pre_annotate_document,
    read_annotations,
    resolve_worksheet_spans,
    second_annotation_sample,
    unit_record,
    worksheet_rows,
)
from builders.corpus.seeds import load_manifest, select_plans
from builders.corpus.store import read_document
from builders.io import read_jsonl, write_jsonl_atomic
from builders.project import Paths

GOLD = "gold"


FIRST = "first"  # the first pass exactly as imported; agreement is measured on it


SECOND = "second"


def _plan_document(paths: Paths, plan_id: str):
    select_plans(load_manifest(paths.seeds), [plan_id])
    return read_document(paths.corpus, plan_id)


def write_worksheet(
    paths: Paths, plan_id: str, out: Path, second: bool = False, unit_range: tuple[int, int] | None = None
) -> tuple[Path, int]:
    doc = _plan_document(paths, plan_id)
    units = doc.units
    if unit_range is not None:
        units = [u for u in units if unit_range[0] <= u["index"] < unit_range[1]]
    if second:
        chosen = set(second_annotation_sample(plan_id, units))
        units = [u for u in units if u["index"] in chosen]
        pre = None
    else:
        pre = pre_annotate_document(doc.text, units)
    rows = worksheet_rows(plan_id, doc.text, units, pre)
    write_jsonl_atomic(out, rows)
    return out, len(rows)


def import_worksheet(
    paths: Paths,
    worksheet: Path,
    annotator: str,
    second: bool = False,
    force: bool = False,
    dry_run: bool = False,
    revision: bool = False,
) -> dict:
    """Import a filled worksheet.

    A first pass goes to gold/ and first/; a second annotation to second/; a
    revision (adjudication or audit fix) replaces units in gold/ only, keeping
    each unit's original review record and appending the revision to it.
    """
    rows = list(read_jsonl(worksheet))
    plan_ids = sorted({row.get("doc_id") for _, row in rows})
    if len(plan_ids) != 1:
        raise ValueError(f"{worksheet}: a worksheet holds one plan, found {plan_ids}")
    plan_id = plan_ids[0]
    doc = _plan_document(paths, plan_id)
    new = annotations_from_worksheet(rows, doc.text, doc.units, annotator, str(worksheet))
    if revision:
        current = {a.unit_index: a for a in read_annotations(paths.annotations / GOLD / f"{plan_id}.jsonl")}
        new = [_as_revision(a, current.get(a.unit_index), annotator) for a in new]
        force = True
    elif not second:
        pre_by_unit = {row["unit_index"]: row.get("pre") for _, row in rows}
        new = [_with_pre_comparison(a, pre_by_unit.get(a.unit_index), doc.text) for a in new]
    targets = [SECOND] if second else [GOLD] if revision else [GOLD, FIRST]
    merged_by_target = {}
    for folder in targets:
        target = paths.annotations / folder / f"{plan_id}.jsonl"
        merged_by_target[target] = merge_annotations(read_annotations(target), new, force)
    if dry_run:
        return {"plan": plan_id, "checked units": len(new), "file": "(dry run: nothing written)"}
    for target, merged in merged_by_target.items():
        if target.exists():
            shutil.copy2(target, target.with_suffix(".jsonl.bak"))
        write_jsonl_atomic(target, [unit_record(a, doc.text) for a in merged])
    first_target = next(iter(merged_by_target))
    return {"plan": plan_id, "imported units": len(new), "units in file": len(merged_by_target[first_target]), "file": str(first_target)}


def _as_revision(new: UnitAnnotation, old: UnitAnnotation | None, annotator: str) -> UnitAnnotation:
    """Keep the unit's original review record and append this revision."""
    if old is None:
        raise ValueError(f"unit {new.unit_index} has no gold to revise; import it as a first pass")
    review = dict(old.review)
    entry = {"annotator": annotator, "note": new.review.get("note", "")}
    if set(old.spans) != set(new.spans):
        entry["removed"] = [[s.start, s.end, s.label] for s in sorted(set(old.spans) - set(new.spans))]
        entry["added"] = [[s.start, s.end, s.label] for s in sorted(set(new.spans) - set(old.spans))]
    review["revisions"] = list(review.get("revisions", [])) + [entry]
    return UnitAnnotation(new.doc_id, new.unit_index, new.start, new.end, new.spans, review)


def _with_pre_comparison(annotation: UnitAnnotation, pre_pairs, text: str) -> UnitAnnotation:
    """Record how review changed the pre-annotation of this unit."""
    if pre_pairs is None:
        return annotation
    pre = resolve_worksheet_spans(text[annotation.start : annotation.end], annotation.start, pre_pairs)
    review = dict(annotation.review)
    review["pre_annotation"] = compare_spans(pre, list(annotation.spans))
    return UnitAnnotation(annotation.doc_id, annotation.unit_index, annotation.start, annotation.end, annotation.spans, review)

