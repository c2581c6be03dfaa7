"""A local transformers token-classification model (optional extra).
"""

from __future__ import annotations

from pathlib import Path

from evaluation.models.base import AdapterError, Model


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

