"""The features (schema) of each row kind, declared once for parquet and for
the card's `dataset_info`.
"""

from __future__ import annotations

from datasets import ClassLabel, Features, List, Value

from builders.annotation.labels import LabelSet


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
            "entities": List(
                {
                    "start": Value("int32"),
                    "end": Value("int32"),
                    "label": ClassLabel(names=list(labels.names)),
                    "text": Value("string"),
                }
            ),
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
            "entities": List(
                {
                    "start": Value("int32"),
                    "end": Value("int32"),
                    "label": ClassLabel(names=list(labels.names)),
                    "text": Value("string"),
                }
            ),
        }
    )
    return Features(fields)

