"""Label Studio tasks: `data.text`, spans as annotation (or prediction) results
of a `<Labels name="label" toName="text">` control, offsets in code points::

    [{"data": {"id": "...-00012", "text": "..."},
      "annotations": [{"result": [{"type": "labels", "from_name": "label", "to_name": "text",
        "value": {"start": 0, "end": 4, "text": "市发改委", "labels": ["DEPT"]}}]}]}]
"""

from __future__ import annotations

from builders.annotation.labels import Span
from builders.interchange.base import AnnotatedText, FormatError, _checked

LABEL_STUDIO_CONFIG = """<View>
  <Labels name="label" toName="text">
{labels}
  </Labels>
  <Text name="text" value="$text"/>
</View>
"""


def label_studio_config(labels: tuple[str, ...]) -> str:
    return LABEL_STUDIO_CONFIG.format(labels="\n".join(f'    <Label value="{name}"/>' for name in labels))


def to_label_studio(items: list[AnnotatedText], as_predictions: bool = False, model_version: str = "rules") -> list[dict]:
    tasks = []
    for item in items:
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
        tasks.append(task)
    return tasks


def from_label_studio(tasks: list[dict], labels: tuple[str, ...] | None = None) -> list[AnnotatedText]:
    """Read exported tasks; the latest annotation of each task counts. A result
    without `value.text` is accepted when its offsets are valid (Label Studio
    omits it in some exports); a present `value.text` must match."""
    items = []
    for number, task in enumerate(tasks, start=1):
        data = task.get("data") or {}
        if "text" not in data:
            raise FormatError(f"task {number}: no data.text")
        text, item_id = data["text"], str(data.get("id", task.get("id", number)))
        annotations = task.get("annotations") or task.get("predictions") or []
        results = annotations[-1].get("result", []) if annotations else []
        spans = []
        for result in results:
            if result.get("type") != "labels":
                continue
            value = result.get("value") or {}
            try:
                span = Span(int(value["start"]), int(value["end"]), value["labels"][0])
            except (KeyError, IndexError, TypeError, ValueError):
                raise FormatError(f"task {item_id}: result {result.get('id')!r} lacks start/end/labels") from None
            if not (0 <= span.start < span.end <= len(text)):
                raise FormatError(f"task {item_id}: span [{span.start}, {span.end}) is outside the text")
            if "text" in value and text[span.start : span.end] != value["text"]:
                raise FormatError(
                    f"task {item_id}: span [{span.start}, {span.end}) text {value['text']!r} does not match "
                    f"{text[span.start:span.end]!r} (were offsets counted in UTF-16?)"
                )
            spans.append(span)
        items.append(_checked(AnnotatedText(item_id, text, tuple(sorted(spans))), labels))
    return items

