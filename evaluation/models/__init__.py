"""Models: anything that turns a unit's text into spans.

    rules                  the built-in rule pre-annotator (builders.annotation.prelabel)
    jieba                  the jieba.posseg reference baseline
    spacy:PATH             a spaCy pipeline directory (its doc.ents)
    crf:PATH               a CRF trained by `evaluation.models.crf` (python-crfsuite)
    hf:PATH                a local transformers token-classification model
                           (optional extra: `pip install transformers torch`)
    python:module:function a callable text -> [(start, end, label), ...]
    llm:MODEL              an OpenAI-compatible chat endpoint (optional extra `llm`);
                           `evaluation.run.evaluate` saves its responses and scores them

A model is a function from a unit's text to (start, end, label) triples,
offsets in code points, half-open. Nothing is downloaded: paths are local.
Takes: unit texts. Gives: entities for `evaluation.scorer`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from evaluation.models.base import AdapterError, Model
from evaluation.models.hf import hf_model
from evaluation.models.python import python_model
from evaluation.models.rules import rules_model
from evaluation.models.spacy import spacy_model


def load_model(spec: str) -> Model:
    if spec == "rules":
        return rules_model()
    if spec == "jieba":
        from evaluation.models.jieba import jieba_model

        return jieba_model()
    kind, _, rest = spec.partition(":")
    if kind == "spacy" and rest:
        return spacy_model(rest)
    if kind == "crf" and rest:
        from evaluation.models.crf import crf_model

        return crf_model(rest)
    if kind == "hf" and rest:
        return hf_model(rest)
    if kind == "python" and rest:
        return python_model(rest)
    if kind == "llm" and rest:
        from evaluation.models.llm import llm_model

        return llm_model(rest)
    raise AdapterError(f"unknown model {spec!r}: use rules, jieba, spacy:PATH, crf:PATH, hf:PATH or python:module:function")


def predict(model: Model, units: Iterable, progress: Callable[[Iterable], Iterable] = lambda items: items):
    """Entities predicted for every unit; a prediction outside the text is an
    adapter bug and raises."""
    from evaluation.scorer import Entity

    entities = []
    for unit in progress(list(units)):
        for start, end, label in model(unit.text):
            if not (0 <= start < end <= len(unit.text)):
                raise AdapterError(f"unit {unit.id}: model predicted [{start}, {end}) outside a text of {len(unit.text)}")
            entities.append(Entity(unit.id, start, end, label))
    return entities

