"""Model adapters: anything that turns a text into spans.

    rules                  the built-in rule pre-annotator (builders.annotate)
    spacy:PATH             a spaCy pipeline directory (its doc.ents)
    hf:PATH                a local transformers token-classification model
                           (optional extra: `pip install transformers torch`)
    python:module:function a callable text -> [(start, end, label), ...]
    jieba                  the jieba.posseg reference baseline (evaluation.baselines)

A model is a function from a unit's text to (start, end, label) triples,
offsets in code points, half-open. Nothing is downloaded: paths are local.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from pathlib import Path

Model = Callable[[str], list[tuple[int, int, str]]]


class AdapterError(ValueError):
    pass


def rules_model() -> Model:
    from builders.annotate import pre_annotate

    return lambda text: [(s.start, s.end, s.label) for s in pre_annotate(text)]


def spacy_model(path: str) -> Model:
    import spacy

    if not Path(path).exists():
        raise AdapterError(f"spacy:{path}: no such pipeline directory")
    nlp = spacy.load(path)
    return lambda text: [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents]


def hf_model(path: str) -> Model:
    try:
        from transformers import pipeline
    except ImportError as error:
        raise AdapterError("hf: needs the optional dependencies: pip install transformers torch") from error
    if not Path(path).exists():
        raise AdapterError(f"hf:{path}: no such model directory (only local models are loaded)")
    tagger = pipeline("token-classification", model=path, tokenizer=path, aggregation_strategy="simple")

    def predict(text: str) -> list[tuple[int, int, str]]:
        return [(int(e["start"]), int(e["end"]), str(e["entity_group"])) for e in tagger(text)]

    return predict


def python_model(spec: str) -> Model:
    module_name, _, function_name = spec.rpartition(":")
    if not module_name or not function_name:
        raise AdapterError(f"python:{spec}: expected python:module:function")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as error:
        raise AdapterError(f"python:{spec}: {error}") from error
    return lambda text: [(int(s), int(e), str(l)) for s, e, l in function(text)]


def load_model(spec: str) -> Model:
    if spec == "rules":
        return rules_model()
    if spec == "jieba":
        from .baselines import jieba_model

        return jieba_model()
    kind, _, rest = spec.partition(":")
    if kind == "spacy" and rest:
        return spacy_model(rest)
    if kind == "hf" and rest:
        return hf_model(rest)
    if kind == "python" and rest:
        return python_model(rest)
    raise AdapterError(f"unknown model {spec!r}: use rules, jieba, spacy:PATH, hf:PATH or python:module:function")


def predict(model: Model, units: Iterable, progress: Callable[[Iterable], Iterable] = lambda items: items):
    """Entities predicted for every unit; a prediction outside the text is an
    adapter bug and raises."""
    from .scorer import Entity

    entities = []
    for unit in progress(list(units)):
        for start, end, label in model(unit.text):
            if not (0 <= start < end <= len(unit.text)):
                raise AdapterError(f"unit {unit.id}: model predicted [{start}, {end}) outside a text of {len(unit.text)}")
            entities.append(Entity(unit.id, start, end, label))
    return entities
