"""Reviewed annotations in: read an export of Label Studio, doccano, brat or
JSONL, check every span against the corpus text of its unit and the
guidelines' mechanical rules, and merge the result into
annotations/gold/<plan>.jsonl atomically.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from builders.annotation.gold import (
    AnnotationError,
    UnitAnnotation,
    check_spans,
    merge_annotations,
    read_annotations,
    unit_record,
)
from builders.annotation.labels import Span, load_labels
from builders.corpus.seeds import validate_plan_id
from builders.corpus.store import read_document, unit_id
from builders.interchange.base import AnnotatedText, FormatError
from builders.interchange.brat import from_brat
from builders.interchange.doccano import from_doccano
from builders.interchange.jsonl import from_jsonl
from builders.interchange.labelstudio import from_label_studio
from builders.io import write_jsonl_atomic
from builders.project import Paths

IMPORT_FORMATS = ("labelstudio", "doccano", "brat", "jsonl")


def read_export(paths: Paths, plan_id: str, source: Path, fmt: str):
    """(unit index, unit-relative AnnotatedText) pairs from an export, checked
    against the corpus text of each unit."""
    labels = load_labels(paths.annotations / "labels.yaml").names
    doc = read_document(paths.corpus, plan_id)
    by_id = {unit_id(plan_id, u["index"]): u for u in doc.units}
    source = Path(source)
    if fmt not in IMPORT_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(IMPORT_FORMATS)}")
    try:
        if fmt == "labelstudio":
            items = from_label_studio(json.loads(source.read_text(encoding="utf-8")), labels)
        elif fmt == "doccano":
            items = from_doccano(source.read_text(encoding="utf-8"), labels)
        elif fmt == "jsonl":
            texts = {uid: doc.text[u["start"] : u["end"]] for uid, u in by_id.items()}
            items = from_jsonl(source.read_text(encoding="utf-8"), texts, labels)
        else:
            document = from_brat(plan_id, doc.text, source.read_text(encoding="utf-8"))
            items = []
            for unit in doc.units:
                inside = tuple(
                    Span(s.start - unit["start"], s.end - unit["start"], s.label)
                    for s in document.spans
                    if unit["start"] <= s.start and s.end <= unit["end"]
                )
                items.append(AnnotatedText(unit_id(plan_id, unit["index"]), doc.text[unit["start"] : unit["end"]], inside))
            outside = [s for s in document.spans if not any(u["start"] <= s.start and s.end <= u["end"] for u in doc.units)]
            if outside:
                raise FormatError(f"{source}: span [{outside[0].start}, {outside[0].end}) crosses a unit boundary")
    except (FormatError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise FormatError(f"{source}: {error}") from error
    result = []
    for item in items:
        unit = by_id.get(item.id)
        if unit is None:
            raise FormatError(f"{source}: unknown unit id {item.id!r} (ids look like {plan_id}-00012)")
        expected = doc.text[unit["start"] : unit["end"]]
        if item.text != expected:
            raise FormatError(f"{source}: unit {item.id} text differs from the corpus; was it edited in the tool?")
        result.append((unit["index"], item))
    return result


def import_annotations(paths: Paths, source: Path, fmt: str, plan_id: str, annotator: str, force: bool = False) -> dict:
    """Merge reviewed annotations into annotations/gold/<plan>.jsonl: offsets
    converted, every span checked against the text and the guidelines'
    mechanical rules, reviewed gold replaced only with `force`, a backup kept,
    the write atomic."""
    validate_plan_id(plan_id)
    doc = read_document(paths.corpus, plan_id)
    units = {u["index"]: u for u in doc.units}
    new, problems = [], []
    for index, item in read_export(paths, plan_id, source, fmt):
        unit = units[index]
        spans = tuple(sorted(Span(s.start + unit["start"], s.end + unit["start"], s.label) for s in item.spans))
        problems += [f"{source}: unit {item.id}: {m}" for m in check_spans(list(spans), doc.text, (unit["start"], unit["end"]))]
        new.append(UnitAnnotation(plan_id, index, unit["start"], unit["end"], spans, {"status": "reviewed", "annotator": annotator, "source": f"{fmt}:{Path(source).name}"}))
    if problems:
        raise AnnotationError("\n".join(problems))
    target = paths.annotations / "gold" / f"{plan_id}.jsonl"
    merged = merge_annotations(read_annotations(target), new, force)
    if target.exists():
        shutil.copy2(target, target.with_suffix(".jsonl.bak"))
    write_jsonl_atomic(target, [unit_record(a, doc.text) for a in merged])
    return {"plan": plan_id, "imported units": len(new), "units in gold": len(merged), "file": str(target)}

