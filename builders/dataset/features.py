"""The features (schema) of each row kind, declared once for parquet and for
the card's `dataset_info`.
"""

from __future__ import annotations

from datasets import ClassLabel, Features, List, Value

from builders.annotation.labels import LabelSet


# The normalised meaning of an entity (GUIDELINES.md section 11): all eight
# fields on every entity, null where they do not apply to its label or where
# the span could not be normalised (the card counts why).
NORMALIZED = {
    "lo": Value("float64"),
    "hi": Value("float64"),
    "unit": Value("string"),
    "bound": Value("string"),
    "date_from": Value("string"),
    "date_to": Value("string"),
    "canonical": Value("string"),
    "dept_id": Value("string"),
}


def entity_features(labels: LabelSet) -> List:
    return List(
        {
            "start": Value("int32"),
            "end": Value("int32"),
            "label": ClassLabel(names=list(labels.names)),
            "text": Value("string"),
            "normalized": dict(NORMALIZED),
        }
    )


def span_features(labels: LabelSet) -> Features:
    return Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "unit_index": Value("int32"),
            "unit_kind": Value("string"),
            "section": List(Value("string")),
            "text": Value("string"),
            "text_simplified": Value("string"),
            "doc_offset": Value("int32"),
            "entities": entity_features(labels),
        }
    )


def token_features(labels: LabelSet) -> Features:
    return Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "unit_index": Value("int32"),
            "tokens": List(Value("string")),
            "tokens_simplified": List(Value("string")),
            "ner_tags": List(ClassLabel(names=list(labels.bio_tags))),
        }
    )


DOCUMENT_METADATA = (
    "title", "title_simplified", "city", "province", "issuing_body", "document_number",
    "issue_date", "plan_period", "script", "split", "raw_file", "sha256",
)


# Relations inside a `documents` row: indices into the row's `entities`
# (-1 for none), so a task or measurement is read against the same spans.
DOCUMENT_TASK = {
    "start": Value("int32"),
    "end": Value("int32"),
    "lead": List(Value("int32")),
    "support": List(Value("int32")),
    "responsible": List(Value("int32")),
}
DOCUMENT_MEASUREMENT = {
    "value": Value("int32"),
    "indicator": Value("int32"),
    "date": Value("int32"),
    "kind": Value("string"),
    "change": Value("bool"),
}


def task_features() -> Features:
    """`tasks`: one row per task (GUIDELINES.md R1), who leads, supports or is
    responsible, as the names are written and, in lists of the same order,
    their canonical names and dept_ids (null where the body could not be
    normalised), and the deadline if one is stated, with its interval."""
    return Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "unit_index": Value("int32"),
            "section": List(Value("string")),
            "text": Value("string"),
            "text_simplified": Value("string"),
            "start": Value("int32"),
            "end": Value("int32"),
            "lead": List(Value("string")),
            "support": List(Value("string")),
            "responsible": List(Value("string")),
            "lead_canonical": List(Value("string")),
            "lead_dept_id": List(Value("string")),
            "support_canonical": List(Value("string")),
            "support_dept_id": List(Value("string")),
            "responsible_canonical": List(Value("string")),
            "responsible_dept_id": List(Value("string")),
            "deadline": Value("string"),
            "deadline_from": Value("string"),
            "deadline_to": Value("string"),
        }
    )


def measurement_features() -> Features:
    """`measurements`: one row per VALUE (GUIDELINES.md R8-R16), with the
    value's normalised amount and the date's interval."""
    return Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "unit_index": Value("int32"),
            "section": List(Value("string")),
            "sentence": Value("string"),
            "indicator": Value("string"),
            "value": Value("string"),
            "date": Value("string"),
            "kind": Value("string"),
            "change": Value("bool"),
            "value_start": Value("int32"),
            "value_end": Value("int32"),
            # the value's and the date's normalised fields, declared once above
            **{name: NORMALIZED[name] for name in ("lo", "hi", "unit", "bound", "date_from", "date_to")},
        }
    )


def department_features() -> Features:
    """`departments`: one row per body (dept_id) of the DEPT normalised gold."""
    return Features(
        {
            "dept_id": Value("string"),
            "canonical": Value("string"),
            "aliases": List(Value("string")),
            "level": Value("string"),
            "plans": List(Value("string")),
            "mentions": Value("int32"),
        }
    )


def document_features(labels: LabelSet) -> Features:
    fields = {"doc_id": Value("string")}
    fields.update({key: Value("string") for key in DOCUMENT_METADATA})
    fields.update(
        {
            "known_defects": List(Value("string")),
            "text": Value("string"),
            "text_simplified": Value("string"),
            "units_total": Value("int32"),
            "units_reviewed": Value("int32"),
            "reviewed_ranges": List({"start": Value("int32"), "end": Value("int32")}),
            "entities": entity_features(labels),
            "tasks": List(DOCUMENT_TASK),
            "measurements": List(DOCUMENT_MEASUREMENT),
        }
    )
    return Features(fields)

