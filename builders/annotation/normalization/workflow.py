"""The normalisation round trip over a project checkout.

    spans        every VALUE, DATE and DEPT span of the reviewed gold, with
                 its unit and the plan's manifest entry
    first pass   `propose_plan` (the normaliser's proposals), for DEPT the
                 review worksheet `dept_worksheet` and `import_dept_decisions`,
                 which writes the reviewed records into <plan>.jsonl next to
                 the other labels' records (`first_pass_records`, `merge_gold`)
    second pass  `write_second_worksheet`: the blind, stratified sample
                 (second.py) at annotations/normalized/second/worksheet.jsonl

Nothing is written unless the whole input is valid; writes are atomic.
Offsets are document-level code points, half-open.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builders.annotation.gold import load_gold
from builders.annotation.normalization.model import LABELS
from builders.annotation.normalization.dates import normalize_date
from builders.annotation.normalization.departments import (
    default_table, dept_id_of, inconsistent_bodies, normalize_depts,
)
from builders.annotation.normalization.model import DECIDED_FIELDS, LABEL_FIELDS, Proposal, check_fields
from builders.annotation.normalization.second import sample, span_key, worksheet_row
from builders.annotation.normalization.tables import load_periods, load_settings, tables_dir
from builders.annotation.normalization.values import list_bounds, normalize_value
from builders.corpus.seeds import load_manifest
from builders.corpus.store import StoredDocument, read_document
from builders.io import write_jsonl_atomic
from builders.project import Paths

NORMALIZED_DIR = "normalized"


def normalized_dir(paths: Paths) -> Path:
    return paths.annotations / NORMALIZED_DIR


def second_dir(paths: Paths) -> Path:
    return normalized_dir(paths) / "second"


@dataclass(frozen=True)
class PlanSpans:
    """One plan's normalisable gold spans, with what reading them needs."""

    doc: StoredDocument
    plan: dict  # the manifest entry
    spans: list[dict]  # {doc_id, start, end, label, unit} in text order

    def unit(self, index: int) -> dict:
        return self.doc.units[index]


def plan_spans(paths: Paths, doc_ids: list[str] | None = None) -> list[PlanSpans]:
    """Every VALUE, DATE and DEPT span of the reviewed units, plan by plan in
    manifest order."""
    manifest = load_manifest(paths.seeds)
    wanted = [p for p in manifest if doc_ids is None or p.id in doc_ids]
    gold = load_gold(paths.annotations / "gold", [p.id for p in wanted])
    result = []
    for plan in wanted:
        units = gold.get(plan.id) or {}
        if not any(a.reviewed for a in units.values()):
            continue
        doc = read_document(paths.corpus, plan.id)
        spans = [
            {"doc_id": plan.id, "start": s.start, "end": s.end, "label": s.label, "unit": index}
            for index, annotation in sorted(units.items())
            if annotation.reviewed
            for s in sorted(annotation.spans)
            if s.label in LABELS
        ]
        result.append(PlanSpans(doc, plan.metadata, spans))
    return result


def second_worksheet_rows(plans: list[PlanSpans]) -> list[dict]:
    settings = load_settings()
    rows = []
    for plan in plans:
        for span in sample(plan.spans, settings):
            rows.append(worksheet_row(span, plan.doc.text, plan.unit(span["unit"]), plan.plan))
    return rows


def write_second_worksheet(paths: Paths) -> tuple[Path, int]:
    rows = second_worksheet_rows(plan_spans(paths))
    path = second_dir(paths) / "worksheet.jsonl"
    write_jsonl_atomic(path, rows)
    return path, len(rows)


# ---------------------------------------------------------------------------
# Proposals and the first pass


def propose_plan(paths: Paths, plan: PlanSpans, labels: tuple[str, ...] = ("VALUE", "DATE")) -> dict[str, Proposal]:
    """item -> the normaliser's proposal for every span of `labels` in the plan."""
    settings = load_settings()
    periods = load_periods(tables_dir(paths.annotations) / "periods.yaml")
    simple = plan.doc.text_simplified
    proposals = {}
    by_unit: dict[int, list[tuple[int, int]]] = {}
    for span in plan.spans:
        if span["label"] == "VALUE":
            by_unit.setdefault(span["unit"], []).append((span["start"], span["end"]))
    lists = {}
    for spans in by_unit.values():
        lists.update(list_bounds(spans, simple, settings))
    depts = {}
    if "DEPT" in labels:
        table = default_table(tables_dir(paths.annotations) / "departments.yaml")
        dept_units: dict[int, list[tuple[int, int]]] = {}
        for span in plan.spans:
            if span["label"] == "DEPT":
                dept_units.setdefault(span["unit"], []).append((span["start"], span["end"]))
        for spans in dept_units.values():
            depts.update(normalize_depts(spans, plan.doc.text, plan.plan, table, settings))
    for span in plan.spans:
        if span["label"] not in labels:
            continue
        text = simple[span["start"] : span["end"]]
        unit = plan.unit(span["unit"])
        if span["label"] == "VALUE":
            last_word, comparator = lists.get((span["start"], span["end"]), (None, None))
            proposal = normalize_value(text, simple[unit["start"] : span["start"]], settings,
                                       list_bound=last_word, list_comparator=comparator)
        elif span["label"] == "DEPT":
            proposal = depts[(span["start"], span["end"])].proposal()
        else:
            proposal = normalize_date(text, periods, settings)
        proposals[span_key(plan.doc.doc_id, span["start"], span["end"])] = proposal
    return proposals


def first_pass_records(paths: Paths, plan: PlanSpans, decisions: dict[str, dict], annotator: str,
                       labels: tuple[str, ...] = ("VALUE", "DATE")) -> list[dict]:
    """The reviewed normalisation of every span of `labels` in the plan.

    `decisions` maps item -> {"outcome": "accepted"} or {"outcome":
    "corrected", "fields": {...}, "note": why} or {"outcome": "unresolvable",
    "reason": why}; a span without a decision is refused (every span is read).
    Each record keeps the proposal, so how often the normaliser was wrong can
    be measured."""
    proposals = propose_plan(paths, plan, labels)
    records, missing = [], []
    for span in plan.spans:
        if span["label"] not in labels:
            continue
        item = span_key(plan.doc.doc_id, span["start"], span["end"])
        decision = decisions.get(item)
        if decision is None:
            missing.append(item)
            continue
        proposal = proposals[item]
        fields = dict(proposal.fields)
        outcome = decision["outcome"]
        if outcome == "accepted" and not proposal.resolved:
            raise ValueError(f"{item}: the proposal is unread ({proposal.reason}); it cannot be accepted")
        if outcome == "corrected":
            fields = {**{name: None for name in fields}, **decision["fields"]}
            if span["label"] == "DEPT" and fields.get("dept_id") is None and fields.get("canonical"):
                fields["dept_id"] = dept_id_of(fields["canonical"], decision["jurisdiction"], plan.plan,
                                               default_table(tables_dir(paths.annotations) / "departments.yaml"))
        elif outcome == "unresolvable":
            fields = {name: None for name in fields}
        record = {
            "item": item, "doc_id": plan.doc.doc_id, "start": span["start"], "end": span["end"],
            "label": span["label"], "text": plan.doc.text[span["start"] : span["end"]], "unit_index": span["unit"],
            "normalized": fields, "status": "unresolvable" if outcome == "unresolvable" else "normalized",
            "reason": decision.get("reason"),
            "proposal": {"fields": {k: proposal.fields[k] for k in LABEL_FIELDS[span["label"]]}, "reason": proposal.reason},
            "outcome": outcome, "annotator": annotator, "note": decision.get("note", ""),
        }
        problems = [] if outcome == "unresolvable" else check_fields(span["label"], fields)
        if problems:
            raise ValueError(f"{item}: {'; '.join(problems)}")
        records.append(record)
    if missing:
        raise ValueError(f"{plan.doc.doc_id}: no decision for {len(missing)} span(s), e.g. {missing[:3]}")
    clashes = inconsistent_bodies(records)
    if clashes:
        raise ValueError(f"{plan.doc.doc_id}: one body, one name and id (N18): {'; '.join(clashes)}")
    return records


def gold_path(paths: Paths, doc_id: str) -> Path:
    return normalized_dir(paths) / f"{doc_id}.jsonl"


def write_gold(paths: Paths, doc_id: str, records: list[dict]) -> Path:
    path = gold_path(paths, doc_id)
    write_jsonl_atomic(path, records)
    return path


def merge_gold(paths: Paths, doc_id: str, records: list[dict], labels: tuple[str, ...]) -> Path:
    """Replace the records of `labels` in <plan>.jsonl by `records`, keeping
    the other labels' records; in text order. One atomic write."""
    from builders.io import read_jsonl

    path = gold_path(paths, doc_id)
    kept = [row for _, row in read_jsonl(path) if row["label"] not in labels] if path.exists() else []
    merged = sorted(kept + records, key=lambda row: (row["start"], row["end"], row["label"]))
    return write_gold(paths, doc_id, merged)


# ---------------------------------------------------------------------------
# The DEPT review: a worksheet of proposals in context, decisions read back

DECISIONS_DIR = "decisions"  # under annotations/normalized/: the annotators' filled DEPT worksheets
OUTCOMES = ("accepted", "corrected", "unresolvable")


def decisions_path(paths: Paths, doc_id: str) -> Path:
    return normalized_dir(paths) / DECISIONS_DIR / f"{doc_id}.dept.yaml"


def dept_worksheet(paths: Paths, doc_id: str) -> dict:
    """The DEPT review worksheet of one plan: every DEPT span in text order
    with its context and the normaliser's proposal, `outcome` left open."""
    from builders.annotation.normalization.second import marked_context

    plans = plan_spans(paths, [doc_id])
    if not plans:
        raise ValueError(f"{doc_id}: no reviewed gold units")
    plan = plans[0]
    proposals = propose_plan(paths, plan, ("DEPT",))
    rows = []
    for span in plan.spans:
        if span["label"] != "DEPT":
            continue
        item = span_key(doc_id, span["start"], span["end"])
        proposal = proposals[item]
        rows.append({
            "item": item, "text": plan.doc.text[span["start"] : span["end"]],
            "context": marked_context(plan.doc.text, plan.unit(span["unit"]), span["start"], span["end"], 40),
            "proposal": proposal.fields["canonical"] if proposal.resolved else None,
            "proposal_id": proposal.fields["dept_id"] if proposal.resolved else None,
            "proposal_reason": proposal.reason, "outcome": None,
        })
    return {"plan": doc_id, "annotator": None, "decisions": rows}


def read_dept_decisions(path: Path) -> tuple[str, str, dict[str, dict]]:
    """(plan, annotator, item -> decision) of a filled DEPT worksheet; every
    problem names the file and the entry."""
    from builders.io import load_yaml

    data = load_yaml(path) or {}
    if not isinstance(data, dict) or not data.get("plan") or not data.get("annotator"):
        raise ValueError(f"{path}: needs `plan`, `annotator` and `decisions`")
    decisions = {}
    for index, row in enumerate(data.get("decisions") or [], start=1):
        name = row.get("item") if isinstance(row, dict) else repr(row)
        where = f"{path}: decision {index} ({name})"
        if not isinstance(row, dict) or row.get("outcome") not in OUTCOMES:
            raise ValueError(f"{where}: outcome must be one of {', '.join(OUTCOMES)}")
        if row["item"] in decisions:
            raise ValueError(f"{where}: item decided twice")
        decision = {"outcome": row["outcome"], "note": row.get("note") or "", "text": row.get("text")}
        if row["outcome"] == "corrected":
            if not row.get("canonical") or not row.get("jurisdiction"):
                raise ValueError(f"{where}: a correction needs `canonical` and `jurisdiction`")
            decision |= {"fields": {"canonical": row["canonical"]}, "jurisdiction": row["jurisdiction"]}
        if row["outcome"] == "unresolvable":
            if not row.get("reason"):
                raise ValueError(f"{where}: an unresolvable span needs a `reason`")
            decision["reason"] = row["reason"]
        if row["outcome"] == "corrected" and not decision["note"]:
            raise ValueError(f"{where}: a correction needs a `note` saying why")
        decisions[row["item"]] = decision
    return str(data["plan"]), str(data["annotator"]), decisions


def import_dept_decisions(paths: Paths, path: Path) -> tuple[Path, dict[str, int]]:
    """Write the reviewed DEPT records of a filled worksheet into the plan's
    normalised gold (the VALUE and DATE records are kept). Refuses a worksheet
    whose span text differs from the gold, or that misses a span."""
    doc_id, annotator, decisions = read_dept_decisions(path)
    plans = plan_spans(paths, [doc_id])
    if not plans:
        raise ValueError(f"{path}: plan {doc_id!r} has no reviewed gold units")
    plan = plans[0]
    for item, decision in decisions.items():
        _, _, offsets = item.rpartition("@")
        start, _, end = offsets.partition("-")
        written = plan.doc.text[int(start) : int(end)] if start.isdigit() and end.isdigit() else None
        if decision["text"] is not None and decision["text"] != written:
            raise ValueError(f"{path}: {item}: text {decision['text']!r} is not the gold span's {written!r}")
    records = first_pass_records(paths, plan, decisions, annotator, ("DEPT",))
    extra = sorted(set(decisions) - {r["item"] for r in records})
    if extra:
        raise ValueError(f"{path}: decisions for spans that are not DEPT gold: {extra[:3]}")
    counts = {outcome: sum(r["outcome"] == outcome for r in records) for outcome in OUTCOMES}
    return merge_gold(paths, doc_id, records, ("DEPT",)), counts


# ---------------------------------------------------------------------------
# Agreement and adjudication of the blind second pass: adjudication.py.


# ---------------------------------------------------------------------------
# What the committed normalised gold holds


def gold_summary(paths: Paths) -> list[dict]:
    """Per label: gold spans, records, normalised, unresolvable, the outcomes,
    and the share of proposals the annotator accepted unchanged (the
    normaliser's accuracy against the reviewed gold); for DEPT also distinct
    bodies and how many ids come from the alias table."""
    from builders.io import read_jsonl

    spans = {label: 0 for label in LABELS}
    records = {label: [] for label in LABELS}
    for plan in plan_spans(paths):
        for span in plan.spans:
            spans[span["label"]] += 1
        path = gold_path(paths, plan.doc.doc_id)
        if path.exists():
            for _, row in read_jsonl(path):
                records[row["label"]].append(row)
    rows = []
    for label in LABELS:
        rows_of = records[label]
        counts = {o: sum(r["outcome"] == o for r in rows_of) for o in ("accepted", "corrected", "unresolvable")}
        row = {
            "label": label, "gold spans": spans[label], "records": len(rows_of),
            "normalized": sum(r["status"] == "normalized" for r in rows_of),
            "unresolvable": counts["unresolvable"], "accepted": counts["accepted"], "corrected": counts["corrected"],
            "proposals unread": sum(r["proposal"]["reason"] is not None for r in rows_of),
            "proposal accuracy": round(counts["accepted"] / len(rows_of), 4) if rows_of else None,
        }
        if label == "DEPT":
            ids = {(r["doc_id"], r["normalized"]["dept_id"]) for r in rows_of if r["normalized"]["dept_id"]}
            row["bodies (per plan)"] = len(ids)
            row["bodies with a table id"] = sum("/name-" not in i for _, i in ids)
        rows.append(row)
    return rows


def gold_fingerprint(paths: Paths) -> str:
    """sha256 of the normalised gold: every annotations/normalized/<plan>.jsonl,
    name and bytes, in name order. A normalisation result record carries it;
    the card marks a record computed on other gold stale."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(normalized_dir(paths).glob("*.jsonl")):
        digest.update(f"{path.name}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


# ---------------------------------------------------------------------------
# The report of normalisation issues: nothing fails silently

NOT_NORMALIZED = "not_yet_normalized"  # a gold span without a reviewed normalisation record
READ_BUT_UNRESOLVABLE = "annotator_unresolvable"  # the normaliser read it; the annotator found no single meaning


def issues_path(paths: Paths) -> Path:
    return normalized_dir(paths) / "report" / "issues.jsonl"  # not beside the plans: globs of <plan>.jsonl stay clean


def normalization_issues(paths: Paths) -> list[dict]:
    """Every VALUE, DATE and DEPT span of the reviewed span gold whose
    normalisation is null: gold marked unresolvable (`reason`: the
    normaliser's reason code, or `annotator_unresolvable` when it had read
    the span; `annotator_reason`: why the annotator left it null) or without
    any normalised record yet (`not_yet_normalized`).
    In plan (manifest) then text order; offsets are document-level code
    points, half-open."""
    from builders.io import read_jsonl

    issues = []
    for plan in plan_spans(paths):
        doc_id = plan.doc.doc_id
        records = {}
        path = gold_path(paths, doc_id)
        if path.exists():
            records = {row["item"]: row for _, row in read_jsonl(path)}
        for span in plan.spans:
            item = span_key(doc_id, span["start"], span["end"])
            record = records.get(item)
            if record is not None and record["status"] != "unresolvable":
                continue
            if record is None:
                reason, why = NOT_NORMALIZED, ""
            else:
                # The normaliser's reason code when it could not read the span;
                # one it read but the annotator found unresolvable gets READ_BUT_UNRESOLVABLE.
                reason = (record.get("proposal") or {}).get("reason") or READ_BUT_UNRESOLVABLE
                why = record.get("reason") or ""
            issues.append({"item": item, "doc_id": doc_id, "label": span["label"], "start": span["start"], "end": span["end"],
                           "text": plan.doc.text[span["start"] : span["end"]], "unit_index": span["unit"], "reason": reason,
                           "annotator_reason": why})
    return issues


def write_issues(paths: Paths) -> tuple[Path, list[dict]]:
    issues = normalization_issues(paths)
    path = issues_path(paths)
    write_jsonl_atomic(path, issues)
    return path, issues
