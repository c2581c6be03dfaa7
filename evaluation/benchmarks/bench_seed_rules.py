"""Score the rule pre-annotation on the seed gold, per plan and per split.

    python evaluation/benchmarks/bench_seed_rules.py

Reads the reviewed gold (annotations/gold/) and the committed corpus, runs the
rule pre-annotation two ways and prints strict per-label P/R/F1 (SemEval-2013
strict) per split and per plan:

- `unit`: each unit alone, as the `rules` baseline (`plancorpus evaluate --model rules`);
- `plan`: the plan-level pass used by add-plan and the worksheets (bodies named in
  the plan's responsibility lists, signature and 以下简称 definitions are looked for
  in every unit).

The rules learn nothing from the gold, so each plan's row is already a
held-out score for it; the configuration was written by people who had read
the seed plans, which is why the challenge set (bench_challenge.py) is scored too.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from builders.annotation.gold import pre_annotate_document, read_annotations  # noqa: E402
from builders.annotation.prelabel import pre_annotate  # noqa: E402
from builders.corpus.seeds import load_manifest  # noqa: E402
from builders.corpus.store import read_document  # noqa: E402
from builders.project import Paths  # noqa: E402
from evaluation.scorer import Entity, score  # noqa: E402


def plan_entities(paths: Paths, plan_id: str) -> tuple[list[Entity], dict[str, list[Entity]]]:
    doc = read_document(paths.corpus, plan_id)
    gold_units = [a for a in read_annotations(paths.annotations / "gold" / f"{plan_id}.jsonl") if a.reviewed]
    units = {u["index"]: u for u in doc.units}
    reviewed = [units[a.unit_index] for a in gold_units]
    gold = [Entity(f"{plan_id}:{a.unit_index}", s.start, s.end, s.label) for a in gold_units for s in a.spans]
    predicted: dict[str, list[Entity]] = {"unit": [], "plan": []}
    for unit in reviewed:
        text = doc.text[unit["start"] : unit["end"]]
        predicted["unit"] += [Entity(f"{plan_id}:{unit['index']}", s.start + unit["start"], s.end + unit["start"], s.label)
                              for s in pre_annotate(text)]
    document_pass = pre_annotate_document(doc.text, doc.units)
    for unit in reviewed:
        predicted["plan"] += [Entity(f"{plan_id}:{unit['index']}", s.start, s.end, s.label) for s in document_pass[unit["index"]]]
    return gold, predicted


def row(name: str, gold: list[Entity], pred: list[Entity]) -> str:
    strict = score(gold, pred)["strict"]
    cells = [f"{strict.per_label[label].f1:.3f}" for label in strict.per_label] + [f"{strict.micro.f1:.3f}"]
    return f"| {name} | " + " | ".join(cells) + f" | {strict.micro.precision:.3f} | {strict.micro.recall:.3f} |"


def main() -> int:
    paths = Paths()
    by_split: dict[str, dict[str, list]] = defaultdict(lambda: {"gold": [], "unit": [], "plan": []})
    lines = ["| rows | DEPT F1 | INDICATOR F1 | VALUE F1 | DATE F1 | micro F1 | micro P | micro R |", "|---|---|---|---|---|---|---|---|"]
    plan_lines = []
    for plan in load_manifest(paths.seeds):
        gold, predicted = plan_entities(paths, plan.id)
        split = plan.metadata.get("split", "train")
        by_split[split]["gold"] += gold
        for mode in ("unit", "plan"):
            by_split[split][mode] += predicted[mode]
            plan_lines.append(row(f"{plan.id} ({split}), {mode}", gold, predicted[mode]))
    for split in ("train", "validation", "test"):
        for mode in ("unit", "plan"):
            if by_split[split]["gold"]:
                lines.append(row(f"{split}, {mode}", by_split[split]["gold"], by_split[split][mode]))
    print("\n".join(lines + plan_lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
