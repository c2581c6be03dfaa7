"""The card's results table, from the result records in evaluation/results/.

A result record is one JSON file per system (written by `evaluation.records`);
here it is read as plain data, so the dataset stage never imports evaluation.
Each record carries the gold fingerprint it was computed on; a record whose
fingerprint differs from the gold being published is stale, and the table
says so on its row instead of passing old numbers off as current.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from builders.annotation.labels import LabelSet
from builders.markdown import markdown_table

RECORD_SCHEMA = "zh-plan-ner/result-record/1"


# One encoder for every line: json.dumps with options builds a new one per call.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def gold_fingerprint(units: Iterable[tuple[str, str, Iterable[tuple[int, int, str]]]]) -> str:
    """sha256 of the gold: every unit's id, text and (start, end, label)
    spans, in id order. The same on the published rows (here) and on the
    units an evaluation loads (`evaluation.records`)."""
    digest = hashlib.sha256()
    for unit_id, text, spans in sorted(units, key=lambda unit: unit[0]):
        line = [unit_id, text, sorted([int(s), int(e), str(label)] for s, e, label in spans)]
        digest.update(_COMPACT.encode(line).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def rows_fingerprint(rows: Iterable[dict], labels: LabelSet) -> str:
    """`gold_fingerprint` of published `spans` rows (labels as class ids)."""
    return gold_fingerprint(
        (row["id"], row["text"], [(e["start"], e["end"], labels.names[e["label"]]) for e in row["entities"]]) for row in rows
    )


def combined_fingerprint(per_plan: dict[str, str]) -> str:
    """The gold fingerprint of a release: its plans' gold fingerprints
    (`gold_fingerprint` of each plan's published units), in plan-id order."""
    lines = "".join(f"{plan} {fingerprint}\n" for plan, fingerprint in sorted(per_plan.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def read_records(folder: Path) -> list[dict]:
    """Every result record in `folder` (files `*.json` with the record schema),
    in file-name order. A file that is not valid JSON raises with its path."""
    records = []
    for path in sorted(Path(folder).glob("*.json")) if Path(folder).is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from error
        if isinstance(data, dict) and data.get("schema") == RECORD_SCHEMA:
            records.append(data)
    return records


def stale_records(records: list[dict], fingerprint: str) -> list[str]:
    """Systems whose record was computed on other gold than `fingerprint`."""
    return [r["system"] for r in records if r.get("gold_fingerprint") != fingerprint]


def _cell(summary: dict | None, key: str) -> str:
    if not summary or key not in summary:
        return "–"
    value = summary[key]
    text = f"{100 * value['mean']:.1f}"
    if value.get("n", 1) > 1:
        text += f" ± {100 * value['sd']:.1f}"
    elif value.get("ci95"):
        text += f" ({100 * value['ci95'][0]:.1f}–{100 * value['ci95'][1]:.1f})"
    return text


def results_markdown(records: list[dict], fingerprint: str, labels: LabelSet) -> str:
    """The card's baseline table: one row per system and split, learned
    systems as mean ± sd over seeds, then leave-one-plan-out where run."""
    if not records:
        return "Not yet run: `plancorpus baselines` writes the records in `evaluation/results/`."
    names = list(labels.names)
    rows, fold_rows = [], []
    for record in records:
        status = "current" if record.get("gold_fingerprint") == fingerprint else "**stale**: other gold"
        seeds = record.get("seeds") or []
        runs = f"{len(seeds)} seeds" if len(seeds) > 1 else "1 run"
        # A record may say what its figures are not (e.g. no pre-training).
        name = record["system"] + (f": {record['caveat']}" if record.get("caveat") else "")
        for split in ("validation", "test"):
            summary = record.get("summary", {}).get(split)
            if summary is None:
                continue
            rows.append(
                [name, split, _cell(summary, "strict_micro_f1"), _cell(summary, "strict_macro_f1"),
                 _cell(summary, "partial_micro_f1")]
                + [_cell(summary, f"strict_f1_{label}") for label in names]
                + [runs, status]
            )
        folds = record.get("summary", {}).get("folds")
        if folds:
            per_fold = folds["per_fold"]
            fold_rows.append(
                [record["system"], _cell(folds, "strict_micro_f1"),
                 f"{100 * min(per_fold.values()):.1f}–{100 * max(per_fold.values()):.1f}", len(per_fold), status]
            )
    text = (
        "Strict span F1 in % (SemEval-2013 strict: exact boundaries and label). A system run once shows its "
        "95% bootstrap interval over units; a learned system shows mean ± standard deviation over its training "
        "seeds. Generated from `evaluation/results/*.json`; a row marked stale was computed on gold other than "
        "this release's and needs a rerun (`plancorpus baselines`).\n\n"
        + markdown_table(["system", "split", "micro F1", "macro F1", "partial micro F1"] + names + ["runs", "results"], rows)
    )
    if fold_rows:
        text += (
            "\n\nLeave-one-plan-out (train on the other plans, test on the held-out one), strict micro F1 in %, "
            "mean ± standard deviation over folds:\n\n"
            + markdown_table(["system", "mean ± sd", "range", "folds", "results"], fold_rows)
        )
    return text
