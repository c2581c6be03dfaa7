"""The blind second normalisation against the first pass: agreement per
field and label, the disagreements to adjudicate, and the decisions applied.

    agreement   `measure_agreement`: second/filled.jsonl against the first
                pass, written to annotations/normalized/agreement.json; each
                disagreement becomes an entry of adjudication.yaml (decisions
                already taken are kept)
    adjudicate  `apply_adjudication`: every entry decided `second` replaces
                the first pass's fields in annotations/normalized/<plan>.jsonl;
                every decided entry is recorded in its gold record under
                `adjudication` (the first-pass fields, both readings, the
                decision, the rule and the note)

Agreement is always measured on the first pass as it was before
adjudication (`adjudication.first` of a changed record), so adjudicating
never moves the published figure. Nothing is written when an input has a
problem; writes are atomic.
"""

from __future__ import annotations

from pathlib import Path

from builders.annotation.normalization.model import DECIDED_FIELDS, check_fields
from builders.annotation.normalization.second import agreement, read_filled
from builders.annotation.normalization.workflow import gold_path, normalized_dir, second_dir
from builders.io import dump_yaml, load_yaml, read_jsonl, write_json_atomic, write_jsonl_atomic, write_text_atomic
from builders.project import Paths

DECISIONS = ("first", "second")
ABOUT = ("Disagreements between the first normalisation pass and the blind second one (annotations/normalized/"
         "second/filled.jsonl). Set decision to first or second and rule to the N/H/A id it follows, with a note; "
         "a DEPT entry decided second whose canonical name no other span of the plan has also needs jurisdiction "
         "(the place written in its dept_id). Then run `plancorpus normalization adjudicate`.")


def filled_path(paths: Paths) -> Path:
    return second_dir(paths) / "filled.jsonl"


def adjudication_path(paths: Paths) -> Path:
    return normalized_dir(paths) / "adjudication.yaml"


def agreement_path(paths: Paths) -> Path:
    return normalized_dir(paths) / "agreement.json"


def _decided(row: dict) -> dict | None:
    return None if row["status"] == "unresolvable" else {k: row["normalized"][k] for k in DECIDED_FIELDS[row["label"]]}


def gold_records(paths: Paths) -> dict[str, list[dict]]:
    """plan -> its normalised gold records, for every annotations/normalized/<plan>.jsonl."""
    return {path.stem: [row for _, row in read_jsonl(path)] for path in sorted(normalized_dir(paths).glob("*.jsonl"))}


def first_decisions(records: dict[str, list[dict]]) -> dict[str, dict]:
    """item -> the first pass's decision, as it was before any adjudication."""
    decisions = {}
    for rows in records.values():
        for row in rows:
            adjudicated = row.get("adjudication")
            fields = adjudicated["first"] if adjudicated and adjudicated.get("changed") else _decided(row)
            decisions[row["item"]] = {"label": row["label"], "fields": fields}
    return decisions


def measure_agreement(paths: Paths) -> dict:
    """Agreement per field and per label of second/filled.jsonl with the
    first pass, over the items both annotated; writes agreement.json and
    adjudication.yaml (an entry's decision, rule and note are kept when the
    same disagreement is measured again)."""
    filled = filled_path(paths)
    if not filled.exists():
        raise FileNotFoundError(f"{filled}: no filled second worksheet yet (see {second_dir(paths) / 'README.md'})")
    read = read_filled(filled, second_dir(paths) / "worksheet.jsonl")
    first = first_decisions(gold_records(paths))
    second = {item: {"label": d["row"]["label"], "fields": d["fields"]} for item, d in read.items()}
    figures = agreement(first, second)
    figures["items_filled"] = len(second)
    figures["items_without_first_pass"] = sorted(set(second) - set(first))
    figures["second_annotators"] = sorted({d["row"]["annotator"] for d in read.values()})
    disagreements = figures.pop("disagreements")
    figures["disagreements"] = len(disagreements)
    existing = {}
    if adjudication_path(paths).exists():
        existing = {e.get("item"): e for e in (load_yaml(adjudication_path(paths)) or {}).get("entries") or []}
    entries = []
    for d in disagreements:
        item = d["item"]
        entry = {"item": item, "label": d["label"], "text": read[item]["row"]["text"], "fields": d["fields"],
                 "first": first[item]["fields"], "second": second[item]["fields"],
                 "second_note": read[item]["row"].get("note") or "", "decision": None, "rule": None, "note": ""}
        kept = existing.get(item)
        if kept and kept.get("first") == entry["first"] and kept.get("second") == entry["second"]:
            entry.update({k: kept.get(k) for k in ("decision", "rule", "note", "jurisdiction") if kept.get(k) is not None})
        entries.append(entry)
    write_json_atomic(agreement_path(paths), figures)
    write_text_atomic(adjudication_path(paths), dump_yaml({"about": ABOUT, "entries": entries}))
    return figures


def _entries(paths: Paths) -> list[dict]:
    path = adjudication_path(paths)
    if not path.exists():
        raise FileNotFoundError(f"{path}: nothing to adjudicate yet (run `plancorpus normalization agreement`)")
    data = load_yaml(path) or {}
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a mapping with a list `entries`")
    return entries


def _second_fields(entry: dict, row: dict, plan_rows: list[dict], manifest: dict, where: str) -> dict | None:
    """The full normalised fields the second reading gives the record (None: unresolvable)."""
    second = entry.get("second")
    if second is None:
        return None
    fields = {name: None for name in row["normalized"]}
    fields.update(second)
    if row["label"] == "DEPT":
        same = {r["normalized"]["dept_id"] for r in plan_rows if r["item"] != row["item"] and r["normalized"]["canonical"] == second["canonical"]}
        if len(same) == 1:
            fields["dept_id"] = same.pop()
        elif entry.get("jurisdiction"):
            from builders.annotation.normalization.departments import dept_id_of

            fields["dept_id"] = dept_id_of(second["canonical"], entry["jurisdiction"], manifest)
        else:
            raise ValueError(f"{where}: DEPT decided second: {second['canonical']!r} is no other span's body in the plan; "
                             "give `jurisdiction` (the place of its dept_id)")
    problems = check_fields(row["label"], fields)
    if problems:
        raise ValueError(f"{where}: the second reading does not fit the record: {'; '.join(problems)}")
    return fields


def apply_adjudication(paths: Paths) -> dict[str, int]:
    """Apply every decided entry to the first-pass gold; returns counts.
    Undecided entries are counted and left; an entry with a bad decision, no
    rule, or an item without a gold record is an error naming it, and then
    nothing is written."""
    from builders.corpus.seeds import load_manifest

    path = adjudication_path(paths)
    entries = _entries(paths)
    records = gold_records(paths)
    by_item = {row["item"]: (plan, i) for plan, rows in records.items() for i, row in enumerate(rows)}
    manifest = {p.id: p.metadata for p in load_manifest(paths.seeds)}
    counts = {"entries": len(entries), "undecided": 0, "kept first": 0, "applied second": 0}
    problems, changed_plans = [], set()
    for number, entry in enumerate(entries, 1):
        where = f"{path}: entry {number} ({entry.get('item') if isinstance(entry, dict) else entry!r})"
        if not isinstance(entry, dict):
            problems.append(f"{where}: not a mapping")
            continue
        decision = entry.get("decision")
        if decision is None:
            counts["undecided"] += 1
            continue
        if decision not in DECISIONS:
            problems.append(f"{where}: decision must be first or second, got {decision!r}")
            continue
        if not entry.get("rule"):
            problems.append(f"{where}: a decision needs the rule it follows (N/H/A id)")
            continue
        if entry.get("item") not in by_item:
            problems.append(f"{where}: no gold record with this item")
            continue
        plan, index = by_item[entry["item"]]
        row = dict(records[plan][index])
        previous = row.get("adjudication") or {}
        first_fields = previous["first"] if previous.get("changed") else _decided(row)
        if first_fields != entry.get("first"):
            problems.append(f"{where}: `first` is not the first pass's reading any more; measure agreement again")
            continue
        record = {"decision": decision, "rule": entry["rule"], "note": entry.get("note") or "",
                  "first": first_fields, "second": entry.get("second"), "changed": False}
        if decision == "second":
            try:
                fields = _second_fields(entry, row, records[plan], manifest.get(plan, {}), where)
            except ValueError as error:
                problems.append(str(error))
                continue
            record["changed"] = True
            # The whole first-pass record state, so a later `first` restores it exactly.
            record["first_state"] = previous.get("first_state") or {
                key: row.get(key) for key in ("normalized", "status", "reason", "outcome", "note")}
            row["normalized"] = fields if fields is not None else {name: None for name in row["normalized"]}
            row["status"] = "normalized" if fields is not None else "unresolvable"
            row["reason"] = None if fields is not None else (entry.get("note") or entry["rule"])
            # The outcome stays relative to the normaliser's proposal.
            proposed = (row.get("proposal") or {}).get("fields") or {}
            if fields is None:
                row["outcome"] = "unresolvable"
            elif all(fields.get(k) == v for k, v in proposed.items()) and (row.get("proposal") or {}).get("reason") is None:
                row["outcome"] = "accepted"
            else:
                row["outcome"] = "corrected"
            row["note"] = f"adjudicated ({entry['rule']}): {entry.get('note') or 'the second reading'}"
            counts["applied second"] += 1
        else:
            if previous.get("changed"):  # a decision changed back to first restores the first pass
                row.update(previous["first_state"])
            counts["kept first"] += 1
        row["adjudication"] = record
        if row != records[plan][index]:
            records[plan][index] = row
            changed_plans.add(plan)
    if problems:
        raise ValueError("\n".join(problems))
    for plan in sorted(changed_plans):
        write_jsonl_atomic(gold_path(paths, plan), records[plan])
    return counts
