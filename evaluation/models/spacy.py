"""A local spaCy pipeline as a model: its `doc.ents`, offsets in characters.
"""

from __future__ import annotations

from pathlib import Path

from evaluation.models.base import AdapterError, Model


def spacy_model(path: str) -> Model:
    import spacy

    if not Path(path).exists():
        raise AdapterError(f"spacy:{path}: no such pipeline directory")
    nlp = spacy.load(path)
    return lambda text: [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents]

