"""Checks and reports over everything under annotations/: file validation,
inter-annotator agreement, the consistency audit and the generated
annotations/README.md.
"""

from __future__ import annotations

import json

from builders.annotation.agreement import markdown, measure
from builders.annotation.audit import audit, stale_exceptions, unresolved
from builders.annotation.gold import (
    Problem,
    UnitAnnotation,
    read_annotations,
    validate_gold_file,
)
from builders.annotation.labels import load_labels
from builders.annotation.stats import (
    length_distribution,
    review_changes,
    spans_per_label,
    units_without_spans,
)
from builders.annotation.worksheets import FIRST, GOLD, SECOND
from builders.corpus.seeds import load_manifest
from builders.corpus.store import read_corpus, read_document
from builders.io import load_yaml, write_json_atomic, write_text_atomic
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
    findings = audit(texts, read_folder(paths, GOLD))
    path = paths.annotations / AUDIT_EXCEPTIONS
    exceptions = (load_yaml(path) or []) if path.exists() else []
    return findings, unresolved(findings, exceptions), stale_exceptions(findings, exceptions)


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
    empty = units_without_spans(gold)
    coverage_rows = [
        [doc_id, count, empty.get(doc_id, (0, 0))[1], empty.get(doc_id, (0, 0))[0]] for doc_id, count in units.items()
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
    if agreement_json is None and agreement_path.exists():
        agreement_json = agreement_path.read_text(encoding="utf-8")
    agreement = json.loads(agreement_json)["markdown"] if agreement_json else "Not yet measured."
    findings, open_findings, stale = run_audit(paths, texts)
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
    template = (TEMPLATES_DIR / "annotations_README.md").read_text(encoding="utf-8")
    return render_template(template, blocks)

