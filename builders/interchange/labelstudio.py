"""Label Studio tasks: `data.text`, spans as annotation results of a
`<Labels name="label" toName="text">` control, offsets in code points::

    [{"data": {"id": "...-00012", "text": "..."},
      "annotations": [{"result": [{"type": "labels", "from_name": "label", "to_name": "text",
        "value": {"start": 0, "end": 4, "text": "市发改委", "labels": ["DEPT"]}}]}]}]

Only `annotations` are read, never `predictions` (a model's proposals are not
reviewed work), and an annotation with `was_cancelled: true` (the annotator
skipped the task) is not one. Both export forms are read: JSON (as above; in
the "all tasks" form `predictions` may be a list of ids) and JSON-MIN, one flat
object per annotation::

    [{"id": 7, "text": "...", "label": [{"start": 0, "end": 4, "text": "市发改委", "labels": ["DEPT"]}],
      "annotator": "a@b", "annotation_id": 12}]
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from builders.annotation.labels import Span
from builders.interchange.base import AnnotatedText, FormatError, _checked, strict_offset

LABEL_STUDIO_CONFIG = """<View>
  <Labels name="label" toName="text">
{labels}
  </Labels>
  <Text name="text" value="$text"/>
</View>
"""

# Keys of a JSON-MIN row that are Label Studio's own, never a labelling control.
MIN_RESERVED = {"id", "text", "annotator", "annotation_id", "created_at", "updated_at", "lead_time"}


def label_studio_config(labels: tuple[str, ...]) -> str:
    return LABEL_STUDIO_CONFIG.format(labels="\n".join(f'    <Label value="{name}"/>' for name in labels))


def label_studio_task(item: AnnotatedText, as_predictions: bool = False, model_version: str = "rules") -> dict:
    result = [
        {
            "id": f"{item.id}-{number}",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {"start": s.start, "end": s.end, "text": item.text[s.start : s.end], "labels": [s.label]},
        }
        for number, s in enumerate(sorted(item.spans))
    ]
    task = {"data": {"id": item.id, "text": item.text}}
    if as_predictions:
        task["predictions"] = [{"model_version": model_version, "result": result}]
    else:
        task["annotations"] = [{"result": result}]
    return task


def to_label_studio(items: list[AnnotatedText], as_predictions: bool = False, model_version: str = "rules") -> list[dict]:
    return [label_studio_task(item, as_predictions, model_version) for item in items]


def write_json_array(handle: TextIO, values: Iterable, indent: int = 1) -> None:
    """Write `json.dumps(list(values), ensure_ascii=False, indent=indent)`
    value by value (the same text), so a long plan's tasks are never all in
    memory."""
    pad = " " * indent
    first = True
    for value in values:
        handle.write("[\n" if first else ",\n")
        first = False
        # json.dumps escapes line breaks inside strings: every line is the value's own.
        handle.write("\n".join(pad + line for line in json.dumps(value, ensure_ascii=False, indent=indent).split("\n")))
    handle.write("[]" if first else "\n]")


def _span(value, text: str, where: str) -> Span:
    if not isinstance(value, dict):
        raise FormatError(f"{where}: a span must be an object with start, end and labels, not {value!r}")
    try:
        labels = value["labels"]
        if not isinstance(labels, list) or len(labels) != 1 or not isinstance(labels[0], str):
            raise FormatError(f"{where}: a span takes exactly one label, not {labels!r}")
        span = Span(strict_offset(value["start"], f"{where}: start"), strict_offset(value["end"], f"{where}: end"), labels[0])
    except KeyError as missing:
        raise FormatError(f"{where}: span lacks {missing}") from None
    if not (0 <= span.start < span.end <= len(text)):
        raise FormatError(f"{where}: span [{span.start}, {span.end}) is outside the text ({len(text)} characters)")
    if "text" in value and text[span.start : span.end] != value["text"]:
        raise FormatError(
            f"{where}: span [{span.start}, {span.end}) text {value['text']!r} does not match "
            f"{text[span.start:span.end]!r} (were offsets counted in UTF-16?)"
        )
    return span


def _from_min_row(row: dict, where: str, labels, skipped: list[str]) -> AnnotatedText:
    text = row["text"]
    if not isinstance(text, str):
        raise FormatError(f"{where}: text must be a string")
    spans = []
    for key, value in row.items():
        if key in MIN_RESERVED or not isinstance(value, list):
            continue
        for number, entry in enumerate(value, start=1):
            if isinstance(entry, dict) and "labels" in entry:
                spans.append(_span(entry, text, f"{where}: {key}[{number}]"))
    # JSON-MIN merges the task's data fields into the row, so `id` is the unit
    # id when the task carried one, else Label Studio's number for the task.
    item_id = row.get("id")
    item_id = item_id if isinstance(item_id, str) else ""
    provenance = {k: row[k] for k in ("annotator", "annotation_id") if row.get(k) is not None}
    return _checked(AnnotatedText(item_id, text, tuple(sorted(spans)), where, provenance or None), labels)


def from_label_studio(tasks, labels: tuple[str, ...] | None = None, skipped: list[str] | None = None) -> list[AnnotatedText]:
    """Read exported tasks: the latest annotation of each task that was not
    cancelled counts. Tasks without one are left out and described in
    `skipped` (when given). A result without `value.text` is accepted when its
    offsets are valid (some exports omit it); a present `value.text` must match."""
    skipped = [] if skipped is None else skipped
    if not isinstance(tasks, list):
        raise FormatError(f"a Label Studio export is a JSON list of tasks, not a {type(tasks).__name__}")
    items = []
    for number, task in enumerate(tasks, start=1):
        where = f"task {number}"
        if not isinstance(task, dict):
            raise FormatError(f"{where}: a task must be an object, not {task!r:.60}")
        if "data" not in task and "text" in task:
            items.append(_from_min_row(task, where, labels, skipped))
            continue
        data = task.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise FormatError(f"{where}: no data.text (is this a Label Studio JSON or JSON-MIN export?)")
        text = data["text"]
        item_id = data.get("id", task.get("id", number))
        item_id = str(item_id) if isinstance(item_id, (str, int)) and not isinstance(item_id, bool) else None
        if item_id is None:
            raise FormatError(f"{where}: data.id must be a string, not {data.get('id')!r:.60}")
        where = f"task {number} ({item_id})"
        annotations = task.get("annotations") or []
        if not isinstance(annotations, list):
            raise FormatError(f"{where}: annotations must be a list")
        if any(not isinstance(a, dict) for a in annotations):
            raise FormatError(f"{where}: annotations hold ids, not annotations; export with annotations included (JSON or JSON-MIN)")
        kept = [a for a in annotations if not a.get("was_cancelled")]
        if not kept:
            if annotations:
                skipped.append(f"{where}: every annotation was cancelled (skipped by the annotator)")
            elif task.get("predictions"):
                skipped.append(f"{where}: predictions only, not annotated (predictions are never imported)")
            else:
                skipped.append(f"{where}: not annotated")
            continue
        if len(kept) < len(annotations):
            skipped.append(f"{where}: {len(annotations) - len(kept)} cancelled annotation(s) left out")
        annotation = kept[-1]
        results = annotation.get("result") or []
        if not isinstance(results, list):
            raise FormatError(f"{where}: result must be a list")
        spans = []
        for result in results:
            if not isinstance(result, dict):
                raise FormatError(f"{where}: a result must be an object, not {result!r:.60}")
            if result.get("type") != "labels":
                continue
            spans.append(_span(result.get("value"), text, f"{where}: result {result.get('id')!r}"))
        provenance = {"tool_annotation_id": annotation.get("id"), "tool_annotator": annotation.get("completed_by")}
        provenance = {k: v for k, v in provenance.items() if isinstance(v, (str, int)) and not isinstance(v, bool)}
        items.append(_checked(AnnotatedText(item_id, text, tuple(sorted(spans)), where, provenance or None), labels))
    return items
