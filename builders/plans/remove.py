"""Removing a plan and everything made from it, as one recoverable operation.

`remove_plan` deletes a plan's raw file, its manifest entry, its entries in
the repair tables (errata, garbled runs, noise) and in the curated
annotation tables (audit exceptions, adjudication), its annotation files
(gold, first and second pass, normalised and relation gold, history, tasks,
worksheets), then rebuilds. The curated YAML files are edited as text, entry
by entry, so their comments stay; after add-plan and remove-plan of the same
plan the tree is byte-identical to the tree before.

A plan with reviewed gold is kept unless `force` is given (the refusal lists
what would go). A plan in a measured second-annotation sample (relations or
normalisation) is always refused: the sample and its agreement must be
redrawn first, by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from builders.build import build
from builders.corpus.seeds import SeedError, load_manifest, validate_plan_id
from builders.io import iter_lines
from builders.plans import pending
from builders.plans.pending import begin_operation, finish_operation, recover_locked, undo_operation
from builders.project import Paths
from builders.transaction import Transaction, acquire

# Curated top-level YAML lists whose entries name a plan by `doc_id` (or `id`).
ENTRY_TABLES = {
    "seeds/plans.yaml": "id",
    "seeds/errata.yaml": "doc_id",
    "seeds/garbled_runs.yaml": "doc_id",
    "seeds/noise.yaml": "doc_id",
    "annotations/audit_exceptions.yaml": "doc_id",
    "annotations/adjudication.yaml": "doc_id",
}
# Measured samples shared by all plans: a plan in them cannot just be cut out.
SAMPLES = (
    "annotations/relations/second/worksheet.jsonl",
    "annotations/relations/second/filled.jsonl",
    "annotations/relations/adjudication.yaml",
    "annotations/normalized/second/worksheet.jsonl",
    "annotations/normalized/second/filled.jsonl",
    "annotations/normalized/adjudication.yaml",
)
ITEM_START = re.compile(r"^-(?: |$)")


@dataclass
class Removal:
    """What removing a plan changes."""

    plan: str
    paths: list[str] = field(default_factory=list)  # files and folders removed
    edits: dict[str, tuple[str, int]] = field(default_factory=dict)  # table -> (new text, entries removed)
    reviewed_units: int = 0

    def lines(self) -> list[str]:
        found = [f"remove {rel}" for rel in self.paths]
        found += [f"remove {count} entr{'y' if count == 1 else 'ies'} from {rel}" for rel, (_, count) in self.edits.items()]
        return found


def without_entries(text: str, key: str, plan_id: str, where: str) -> tuple[str, int]:
    """`text` (a YAML list of mappings) without the entries whose `key` is
    `plan_id`, edited line by line so comments and layout stay; one blank
    line before a removed entry goes with it. Refuses a file whose layout it
    cannot edit safely (checked by parsing the result)."""
    entries = yaml.safe_load(text) or []
    if not isinstance(entries, list):
        raise SeedError(f"{where}: not a list of entries; remove the plan's entries by hand")
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if ITEM_START.match(line)]
    if len(starts) != len(entries):
        raise SeedError(f"{where}: {len(entries)} entries but {len(starts)} lines start one; remove the plan's entries by hand")
    drop = set()
    for number, (start, entry) in enumerate(zip(starts, entries)):
        if not (isinstance(entry, dict) and entry.get(key) == plan_id):
            continue
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1  # blank lines and comments after the entry belong to what follows
        drop.update(range(start, end))
        if start > 0 and not lines[start - 1].strip():
            drop.add(start - 1)
    if not drop:
        return text, 0
    kept = [line for i, line in enumerate(lines) if i not in drop]
    result = "\n".join(kept)
    result = result.rstrip("\n") + "\n" if result.strip() else ""
    wanted = [e for e in entries if not (isinstance(e, dict) and e.get(key) == plan_id)]
    if (yaml.safe_load(result) or []) != wanted:
        raise SeedError(f"{where}: cannot remove the entries of {plan_id!r} line by line; remove them by hand")
    return result, len(entries) - len(wanted)


def plan_paths(paths: Paths, plan_id: str, raw_file: str) -> list[str]:
    """The files and folders that belong to one plan alone and exist."""
    candidates = [f"seeds/{raw_file}"]
    candidates += [f"annotations/{folder}/{plan_id}.jsonl" for folder in ("gold", "first", "second", "normalized", "relations")]
    candidates += [f"annotations/history/{plan_id}", f"annotations/tasks/{plan_id}"]
    for folder in ("annotations/worksheets", "annotations/relations/worksheets"):
        candidates += sorted(p.relative_to(paths.root).as_posix() for p in (paths.root / folder).glob(f"{plan_id}.*"))
    return [rel for rel in candidates if (paths.root / rel).exists() or (paths.root / rel).is_symlink()]


def _mentions(path: Path, plan_id: str) -> bool:
    if not path.is_file():
        return False
    needle = plan_id
    for _, line in iter_lines(path):
        if line is not None and re.search(rf"(?<![a-z0-9-]){re.escape(needle)}(?![a-z0-9-])", line):
            return True
    return False


def plan_removal(paths: Paths, plan_id: str) -> Removal:
    """What removing `plan_id` would change; writes nothing."""
    validate_plan_id(plan_id)
    plans = load_manifest(paths.seeds)
    plan = next((p for p in plans if p.id == plan_id), None)
    if plan is None:
        raise SeedError(f"{paths.seeds / 'plans.yaml'}: no plan {plan_id!r}")
    if len(plans) == 1:
        raise SeedError(f"{paths.seeds / 'plans.yaml'}: {plan_id!r} is the only plan; a project keeps at least one")
    in_samples = [rel for rel in SAMPLES if _mentions(paths.root / rel, plan_id)]
    if in_samples:
        raise SeedError(
            f"{paths.root / in_samples[0]}: plan {plan_id!r} is in a measured second-annotation sample "
            f"({', '.join(in_samples)}); redraw the sample and measure the agreement again before removing it"
        )
    removal = Removal(plan_id, plan_paths(paths, plan_id, plan.raw_file))
    for rel, key in ENTRY_TABLES.items():
        path = paths.root / rel
        if path.is_file():
            text, count = without_entries(path.read_text(encoding="utf-8"), key, plan_id, str(path))
            if count:
                removal.edits[rel] = (text, count)
    gold = paths.annotations / "gold" / f"{plan_id}.jsonl"
    if gold.is_file():
        removal.reviewed_units = sum(1 for _, line in iter_lines(gold) if line and line.strip())
    return removal


def remove_plan(paths: Paths, plan_id: str, force: bool = False, dry_run: bool = False) -> Removal:
    """Remove a plan and everything made from it, then rebuild (see the
    module docstring). A failure or a kill leaves the plan in place."""
    lock = acquire(paths.root)
    try:
        recover_locked(paths)
        removal = plan_removal(paths, plan_id)
        if removal.reviewed_units and not force and not dry_run:
            raise SeedError(
                f"{paths.annotations / 'gold' / f'{plan_id}.jsonl'}: plan {plan_id!r} has {removal.reviewed_units} reviewed "
                "unit(s) of gold; give --force to remove them with the plan. It would:\n" + "\n".join(removal.lines())
            )
        if dry_run:
            return removal
        operation = begin_operation(paths, f"remove-plan {plan_id}", [*removal.paths, *removal.edits])
        try:
            with Transaction(paths.root, f"remove-plan {plan_id}") as tx:
                for rel, (text, _) in removal.edits.items():
                    tx.write_text(rel, text)
                for rel in removal.paths:
                    tx.remove(rel)
            pending.checkpoint("removed")
            build(paths)
            pending.checkpoint("built")
        except BaseException:
            undo_operation(paths, operation)
            raise
        finish_operation(paths)
        return removal
    finally:
        lock.release()
