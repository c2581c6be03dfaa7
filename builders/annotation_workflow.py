"""The annotation workflow over files: worksheets out, reviewed gold in,
validation of everything under annotations/.

These functions do the I/O around the pure functions of `builders.gold`; the
CLI calls them, and so can anyone from Python.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .build import Paths
from .corpus import read_document
from .gold import (
    Problem,
    UnitAnnotation,
    annotations_from_worksheet,
    compare_spans,
    merge_annotations,
    pre_annotate_document,
    read_annotations,
    second_annotation_sample,
    unit_record,
    validate_gold_file,
    worksheet_rows,
)
from .io import read_jsonl, write_jsonl_atomic
from .seeds import load_manifest, select_plans

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
    from .gold import resolve_worksheet_spans

    if pre_pairs is None:
        return annotation
    pre = resolve_worksheet_spans(text[annotation.start : annotation.end], annotation.start, pre_pairs)
    review = dict(annotation.review)
    review["pre_annotation"] = compare_spans(pre, list(annotation.spans))
    return UnitAnnotation(annotation.doc_id, annotation.unit_index, annotation.start, annotation.end, annotation.spans, review)


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
    from .agreement import markdown, measure
    from .io import write_json_atomic
    from .labels import load_labels

    names = load_labels(paths.annotations / "labels.yaml").names
    first, second = read_folder(paths, FIRST), read_folder(paths, SECOND)
    overall = measure(first, second, names)
    per_plan = {
        plan: measure([a for a in first if a.doc_id == plan], [b for b in second if b.doc_id == plan], names)
        for plan in sorted({b.doc_id for b in second})
    }
    result = overall.to_dict()
    result["per_plan"] = {plan: a.to_dict() for plan, a in per_plan.items()}
    result["markdown"] = markdown(overall, per_plan, names)
    write_json_atomic(paths.annotations / "agreement.json", result)
    return result


AUDIT_EXCEPTIONS = "audit_exceptions.yaml"


def run_audit(paths: Paths):
    """(all findings, findings no exception justifies, exceptions that match nothing)."""
    from .audit import audit, stale_exceptions, unresolved
    from .corpus import read_corpus
    from .io import load_yaml

    texts = {d.doc_id: d.text for d in read_corpus(paths.corpus)}
    findings = audit(texts, read_folder(paths, GOLD))
    path = paths.annotations / AUDIT_EXCEPTIONS
    exceptions = (load_yaml(path) or []) if path.exists() else []
    return findings, unresolved(findings, exceptions), stale_exceptions(findings, exceptions)


def write_annotation_report(paths: Paths) -> None:
    """annotations/README.md, generated from the annotation files."""
    from .corpus import read_corpus
    from .io import write_text_atomic
    from .labels import load_labels
    from .publish import markdown_table, render_template
    from .stats import length_distribution, review_changes, spans_per_label, units_without_spans

    names = load_labels(paths.annotations / "labels.yaml").names
    gold = read_folder(paths, GOLD)
    docs = {d.doc_id: d for d in read_corpus(paths.corpus)}
    empty = units_without_spans(gold)
    coverage_rows = [
        [doc_id, len(doc.units), empty.get(doc_id, (0, 0))[1], empty.get(doc_id, (0, 0))[0]] for doc_id, doc in docs.items()
    ]
    per_plan = spans_per_label(gold, names)
    spans_rows = [[doc_id] + [row[n] for n in names] + [sum(row.values())] for doc_id, row in per_plan.items()]
    totals = [sum(r[i + 1] for r in spans_rows) for i in range(len(names) + 1)]
    spans_rows.append(["**all**"] + totals)
    lengths = length_distribution(gold, names)
    length_rows = [
        [n] + [lengths[n].get(k, "") for k in ("count", "min", "median", "mean", "max")] for n in names
    ]
    changes = review_changes(gold)
    review_rows = [[doc_id] + [c[k] for k in ("kept", "changed", "added", "removed")] for doc_id, c in changes.items()]
    agreement_path = paths.annotations / "agreement.json"
    if agreement_path.exists():
        import json

        agreement = json.loads(agreement_path.read_text(encoding="utf-8"))["markdown"]
    else:
        agreement = "Not yet measured."
    findings, open_findings, stale = run_audit(paths)
    audit_text = (
        f"{len(findings)} finding(s): {len(findings) - len(open_findings)} justified in `audit_exceptions.yaml`, "
        f"{len(open_findings)} open; {len(stale)} stale exception(s). Run `plancorpus audit` to list them."
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
    template = (Path(__file__).parent / "templates" / "annotations_README.md").read_text(encoding="utf-8")
    write_text_atomic(paths.annotations / "README.md", render_template(template, blocks))
