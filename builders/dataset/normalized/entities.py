"""The `normalized` struct of an entity, read from the plan's reviewed
normalised gold (annotations/normalized/<plan>.jsonl, GUIDELINES.md
section 11), and how many entities of each label it covers.

Every entity of `spans` and `documents` carries all eight fields; the ones
that do not apply to its label are null. A VALUE, DATE or DEPT entity with
no normalisation has only nulls, and `PlanNormalization.reason` says why: the
record's reason code (status `unresolvable`), or `no_record` when the gold has
no reviewed record for the span. Those reasons are counted per plan
(`coverage`) for the card. Records are matched by document-level
[start, end) in code points and label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from builders.annotation.labels import Span
from builders.annotation.normalization.model import FIELDS, LABEL_FIELDS, check_fields, empty
from builders.io import InputError, read_jsonl

NO_RECORD = "no_record"  # a VALUE, DATE or DEPT span the normalised gold has no reviewed record for
STATUSES = ("normalized", "unresolvable")


@dataclass(frozen=True)
class PlanNormalization:
    """One plan's reviewed normalised records, by (start, end, label)."""

    path: Path | None = None
    records: dict[tuple[int, int, str], tuple[int, dict]] = field(default_factory=dict)  # -> (line, record)

    def _record(self, span: Span, text: str) -> dict | None:
        found = self.records.get((span.start, span.end, span.label))
        if found is None:
            return None
        line, record = found
        written = text[span.start : span.end]
        if record.get("text") != written:
            # The span gold moved under the record: publishing it would attach
            # another span's meaning.
            raise InputError(
                f"{self.path}:{line}: the record's text {record.get('text')!r} is not the span's text {written!r} "
                f"at [{span.start}, {span.end}); normalise the span again"
            )
        return record

    def fields(self, span: Span, text: str) -> dict:
        """All eight fields for `span` (nulls when none apply or none were decided)."""
        record = self._record(span, text)
        if record is None or record["status"] != "normalized":
            return empty()
        return {name: _typed(name, record["normalized"].get(name)) for name in FIELDS}

    def reason(self, span: Span, text: str) -> str | None:
        """Why a VALUE, DATE or DEPT span has null fields; None when it has
        them or when its label is not normalised."""
        if span.label not in LABEL_FIELDS:
            return None
        record = self._record(span, text)
        if record is None:
            return NO_RECORD
        return None if record["status"] == "normalized" else record["reason"]


def _typed(name: str, value):
    # lo and hi are float64 in the dataset; JSON writes 7 for 7.0.
    return float(value) if name in ("lo", "hi") and value is not None else value


def load_plan_normalization(path: Path | None) -> PlanNormalization:
    """The reviewed records of one plan's file; an empty set when there is no
    file. A malformed record is an error naming the file and line."""
    if path is None or not Path(path).exists():
        return PlanNormalization(path)
    records: dict[tuple[int, int, str], tuple[int, dict]] = {}
    for line, record in read_jsonl(Path(path)):
        where = f"{path}:{line}"
        if not isinstance(record, dict):
            raise InputError(f"{where}: a record must be a JSON object")
        try:
            key = (int(record["start"]), int(record["end"]), str(record["label"]))
            status, fields = record["status"], record["normalized"]
        except (KeyError, TypeError, ValueError) as error:
            raise InputError(f"{where}: a record needs start, end, label, status and normalized ({error})") from None
        if status not in STATUSES:
            raise InputError(f"{where}: status {status!r} must be one of {', '.join(STATUSES)}")
        if not isinstance(fields, dict):
            raise InputError(f"{where}: normalized must be an object of the eight fields")
        if status == "normalized":
            problems = check_fields(key[2], fields)
            if problems:
                raise InputError(f"{where}: {'; '.join(problems)}")
        elif any(value is not None for value in fields.values()) or not record.get("reason"):
            raise InputError(f"{where}: an unresolvable record has only null fields and says why (`reason`)")
        if key in records:
            raise InputError(f"{where}: a second record for [{key[0]}, {key[1]}) {key[2]} (first on line {records[key][0]})")
        records[key] = (line, record)
    return PlanNormalization(Path(path), records)


REASON_HEAD_CHARS = 40


def reason_head(reason: str | None) -> str | None:
    """What a reason is counted as: its code, or the head of a written reason
    before its colon (`A26(d): shortened name …` counts as `A26(d)`); the
    full reason stays in the record."""
    if reason is None:
        return None
    head = reason.split(":", 1)[0].strip()
    return head if head and len(head) <= REASON_HEAD_CHARS else reason


def coverage(spans: list[Span], text: str, normalization: PlanNormalization) -> dict[str, dict]:
    """Per normalised label: its entities, how many have fields, and the
    reasons of the others (`reason_head` -> count)."""
    result = {label: {"entities": 0, "normalized": 0, "reasons": {}} for label in LABEL_FIELDS}
    for span in spans:
        if span.label not in result:
            continue
        entry = result[span.label]
        entry["entities"] += 1
        reason = reason_head(normalization.reason(span, text))
        if reason is None:
            entry["normalized"] += 1
        else:
            entry["reasons"][reason] = entry["reasons"].get(reason, 0) + 1
    for entry in result.values():
        entry["reasons"] = dict(sorted(entry["reasons"].items()))
    return result
