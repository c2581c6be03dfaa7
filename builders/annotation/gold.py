"""Gold annotations: standoff files, annotation worksheets, and the mechanical
checks every annotation file must pass.

Gold lives in `annotations/gold/<doc_id>.jsonl`, one line per unit:

    {"doc_id": ..., "unit_index": 12, "start": 340, "end": 402,
     "spans": [{"start": 350, "end": 356, "label": "DEPT", "text": "市发改委"}],
     "review": {"status": "reviewed", "annotator": "A1", "note": "..."}}

Span offsets are document-level code points into the clean text (`text.txt`),
half-open. A unit without a `reviewed` status is not gold and is never
published.

Annotators work on worksheets (JSONL, one unit per line) where spans are
written as `[text, label]` pairs in reading order; `resolve_worksheet_spans`
turns them into offsets, so nobody counts characters by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from builders.annotation.labels import Span, load_labels
from builders.annotation.prelabel import (  # noqa: F401  (pre_annotate_document is re-exported)
    pre_annotate_document,
    protected_regions,
)
from builders.io import read_jsonl

REVIEWED = "reviewed"


@dataclass(frozen=True)
class UnitAnnotation:
    doc_id: str
    unit_index: int
    start: int
    end: int
    spans: tuple[Span, ...]
    review: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def reviewed(self) -> bool:
        return self.review.get("status") == REVIEWED


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class AnnotationError(ValueError):
    pass


def span_record(span: Span, text: str) -> dict:
    return {"start": span.start, "end": span.end, "label": span.label, "text": text[span.start : span.end]}


def unit_record(annotation: UnitAnnotation, text: str) -> dict:
    return {
        "doc_id": annotation.doc_id,
        "unit_index": annotation.unit_index,
        "start": annotation.start,
        "end": annotation.end,
        "text": text[annotation.start : annotation.end],
        "spans": [span_record(s, text) for s in sorted(annotation.spans)],
        "review": annotation.review,
    }


def read_annotations(path: Path) -> list[UnitAnnotation]:
    """The unit annotations of one file; none when the file does not exist yet."""
    return [a for _, a, _ in read_gold_file(path)] if Path(path).exists() else []


def read_gold_file(path: Path) -> list[tuple[int, UnitAnnotation, dict]]:
    """(line number, annotation, raw record) for each line; structural errors
    (missing keys, bad types) raise with the file and line."""
    rows = []
    for line_number, record in read_jsonl(path):
        try:
            spans = tuple(Span(int(s["start"]), int(s["end"]), str(s["label"])) for s in record["spans"])
            annotation = UnitAnnotation(
                doc_id=record["doc_id"],
                unit_index=int(record["unit_index"]),
                start=int(record["start"]),
                end=int(record["end"]),
                spans=spans,
                review=dict(record.get("review") or {}),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise AnnotationError(f"{path}:{line_number}: malformed unit annotation ({error!r})") from error
        rows.append((line_number, annotation, record))
    return rows


# ---------------------------------------------------------------------------
# Mechanical checks (GUIDELINES.md, general rules)


def check_spans(spans: list[Span], text: str, unit: tuple[int, int] | None = None) -> list[str]:
    """Problems with a span set over `text`; empty when it obeys the rules."""
    problems = []
    labels = load_labels().names
    regions = protected_regions(text)
    ordered = sorted(spans)
    for span in ordered:
        where = f"span [{span.start}, {span.end}) {span.label}"
        if span.label not in labels:
            problems.append(f"{where}: unknown label (known: {', '.join(labels)})")
        if not (0 <= span.start < span.end <= len(text)):
            problems.append(f"{where}: offsets out of range (text has {len(text)} characters)")
            continue
        if unit and not (unit[0] <= span.start and span.end <= unit[1]):
            problems.append(f"{where}: outside its unit [{unit[0]}, {unit[1]})")
        covered = text[span.start : span.end]
        if covered != covered.strip() or "\n" in covered:
            problems.append(f"{where}: starts or ends in whitespace or crosses a line")
        for start, end in regions:
            if start < span.end and span.start < end:
                problems.append(f"{where}: inside a title or document number {text[start:end]!r}")
                break
    for previous, current in zip(ordered, ordered[1:]):
        if current.start < previous.end:
            problems.append(
                f"spans [{previous.start}, {previous.end}) {previous.label} and "
                f"[{current.start}, {current.end}) {current.label} overlap"
            )
    return problems


def validate_gold_file(path: Path, text: str, units: list[dict]) -> list[Problem]:
    """Every check of `validate` for one plan's gold file."""
    problems: list[Problem] = []
    try:
        rows = read_gold_file(path)
    except (AnnotationError, ValueError) as error:
        message = str(error)
        match = re.match(r"(.*?):(\d+): (.*)", message)
        return [Problem(str(path), int(match.group(2)), match.group(3))] if match else [Problem(str(path), 0, message)]
    by_index = {u["index"]: u for u in units}
    seen: dict[int, int] = {}
    for line, annotation, record in rows:
        unit = by_index.get(annotation.unit_index)
        if unit is None:
            problems.append(Problem(str(path), line, f"unit {annotation.unit_index} does not exist"))
            continue
        if annotation.unit_index in seen:
            problems.append(Problem(str(path), line, f"unit {annotation.unit_index} already annotated on line {seen[annotation.unit_index]}"))
        seen[annotation.unit_index] = line
        if (annotation.start, annotation.end) != (unit["start"], unit["end"]):
            problems.append(
                Problem(str(path), line, f"unit {annotation.unit_index} is [{unit['start']}, {unit['end']}) in the corpus, not [{annotation.start}, {annotation.end})")
            )
        for span_data, span in zip(record["spans"], annotation.spans):
            if "text" in span_data and 0 <= span.start <= span.end <= len(text) and text[span.start : span.end] != span_data["text"]:
                problems.append(
                    Problem(str(path), line, f"span [{span.start}, {span.end}) text {span_data['text']!r} does not match the corpus {text[span.start:span.end]!r}")
                )
        for message in check_spans(list(annotation.spans), text, (unit["start"], unit["end"])):
            problems.append(Problem(str(path), line, message))
        if annotation.review.get("status") not in (REVIEWED, "draft"):
            problems.append(Problem(str(path), line, f"review status {annotation.review.get('status')!r} is neither 'reviewed' nor 'draft'"))
    return problems


# ---------------------------------------------------------------------------
# Worksheets


def resolve_worksheet_spans(unit_text: str, unit_start: int, pairs: list) -> list[Span]:
    """Turn `[text, label]` pairs in reading order into document offsets.

    Each pair is looked up from the end of the previous one, so repeated
    strings resolve to the occurrence the annotator meant; `[text, label, n]`
    takes the n-th occurrence instead of the first.
    """
    spans, cursor = [], 0
    # Nothing is ever annotated inside a title or document number, so an
    # occurrence there is never the one meant (全市“十三五”规划 after 《…“十三五”…》).
    regions = protected_regions(unit_text)
    for index, pair in enumerate(pairs):
        valid = (
            isinstance(pair, (list, tuple))
            and len(pair) in (2, 3)
            and isinstance(pair[0], str)
            and isinstance(pair[1], str)
            and (len(pair) == 2 or (isinstance(pair[2], int) and pair[2] >= 1))
        )
        if not valid:
            raise AnnotationError(f"span {index + 1}: expected [text, label] or [text, label, occurrence], got {pair!r}")
        surface, label = pair[0], pair[1]
        # An optional third element picks the n-th occurrence after the previous
        # span, for a string that also occurs, unannotated, before the one meant.
        wanted = pair[2] if len(pair) == 3 else 1
        found, seen = cursor - 1, 0
        while seen < wanted:
            found = unit_text.find(surface, found + 1) if surface else -1
            if found < 0:
                break
            if not any(start < found + len(surface) and found < end for start, end in regions):
                seen += 1
        if found < 0:
            hint = " (listed out of reading order?)" if surface and surface in unit_text else ""
            raise AnnotationError(f"span {index + 1}: {surface!r} not found after offset {cursor} of the unit{hint}")
        spans.append(Span(unit_start + found, unit_start + found + len(surface), label))
        cursor = found + len(surface)
    return spans


def worksheet_pairs(spans: list[Span], text: str) -> list[list[str]]:
    return [[text[s.start : s.end], s.label] for s in sorted(spans)]


# ---------------------------------------------------------------------------
# Comparing two span sets (pre-annotation against gold, annotator against annotator)


def compare_spans(before: list[Span], after: list[Span]) -> dict[str, int]:
    """How review changed a span set: kept as is, changed (same place, other
    boundary or label), added, removed."""
    before_set, after_set = set(before), set(after)
    kept = before_set & after_set
    old = sorted(before_set - kept)
    new = sorted(after_set - kept)
    changed = 0
    used: set[Span] = set()
    for span in old:
        partner = next((n for n in new if n not in used and n.start < span.end and span.start < n.end), None)
        if partner is not None:
            used.add(partner)
            changed += 1
    return {
        "kept": len(kept),
        "changed": changed,
        "removed": len(old) - changed,
        "added": len(new) - len(used),
    }


# ---------------------------------------------------------------------------
# The annotation round trip: corpus units -> worksheet -> reviewed gold


def worksheet_rows(doc_id: str, text: str, units: list[dict], pre: dict[int, list[Span]] | None) -> list[dict]:
    rows = []
    for unit in units:
        row = {
            "doc_id": doc_id,
            "unit_index": unit["index"],
            "kind": unit["kind"],
            "section": unit["section"],
            "text": text[unit["start"] : unit["end"]],
        }
        if pre is not None:
            row["pre"] = worksheet_pairs(pre[unit["index"]], text)
        row["spans"] = None
        row["note"] = ""
        rows.append(row)
    return rows


def annotations_from_worksheet(
    rows: list[tuple[int, dict]], text: str, units: list[dict], annotator: str, source: str
) -> list[UnitAnnotation]:
    """Reviewed unit annotations from a filled worksheet; every problem names
    the worksheet line. A row whose `spans` is still null was not reviewed."""
    by_index = {u["index"]: u for u in units}
    result, problems = [], []
    for line, row in rows:
        unit = by_index.get(row.get("unit_index"))
        if unit is None:
            problems.append(f"{source}:{line}: unit {row.get('unit_index')!r} does not exist")
            continue
        if text[unit["start"] : unit["end"]] != row.get("text"):
            problems.append(f"{source}:{line}: unit text differs from the corpus (was the corpus rebuilt?)")
            continue
        if row.get("spans") is None:
            continue
        try:
            spans = resolve_worksheet_spans(row["text"], unit["start"], row["spans"])
        except AnnotationError as error:
            problems.append(f"{source}:{line}: {error}")
            continue
        for message in check_spans(spans, text, (unit["start"], unit["end"])):
            problems.append(f"{source}:{line}: {message}")
        review = {"status": REVIEWED, "annotator": annotator}
        if row.get("note"):
            review["note"] = row["note"]
        result.append(UnitAnnotation(row["doc_id"], unit["index"], unit["start"], unit["end"], tuple(sorted(spans)), review))
    if problems:
        raise AnnotationError("\n".join(problems))
    return result


def second_annotation_sample(doc_id: str, units: list[dict], share: float = 0.17) -> list[int]:
    """Units for the independent second annotation: a fixed, hash-chosen share
    of every plan's units, so the sample is spread over all plans and parts and
    does not move when other plans change."""
    import hashlib

    chosen = []
    for unit in units:
        digest = hashlib.sha256(f"{doc_id}:{unit['index']}".encode()).digest()
        if int.from_bytes(digest[:4], "big") / 2**32 < share:
            chosen.append(unit["index"])
    return chosen


def merge_annotations(existing: list[UnitAnnotation], new: list[UnitAnnotation], force: bool) -> list[UnitAnnotation]:
    """Add new unit annotations; replacing a reviewed unit needs `force`."""
    by_index = {a.unit_index: a for a in existing}
    clashes = [a.unit_index for a in new if a.unit_index in by_index and by_index[a.unit_index].reviewed]
    if clashes and not force:
        raise AnnotationError(
            f"units {clashes[:10]}{' …' if len(clashes) > 10 else ''} already have reviewed gold; pass --force to replace them"
        )
    for annotation in new:
        by_index[annotation.unit_index] = annotation
    return [by_index[i] for i in sorted(by_index)]


def load_gold(gold_dir: Path, doc_ids: list[str]) -> dict[str, dict[int, UnitAnnotation]]:
    gold: dict[str, dict[int, UnitAnnotation]] = {}
    for doc_id in doc_ids:
        path = Path(gold_dir) / f"{doc_id}.jsonl"
        gold[doc_id] = {a.unit_index: a for a in read_annotations(path)}
    return gold
