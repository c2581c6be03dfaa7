"""A local transformers token-classification model (optional extra `hf`),
predicting on characters as the `tokens` config trains it: each code point
is one word, the first subword of each carries its tag
(`evaluation.hf.chars`). Nothing is downloaded: PATH is a local directory.
"""

from __future__ import annotations

from pathlib import Path

from evaluation.models.base import AdapterError, Model


def hf_model(path: str) -> Model:
    try:
        import torch
        from transformers import AutoModelForTokenClassification, AutoTokenizer
    except ImportError as error:
        raise AdapterError("hf: needs the optional dependencies: pip install -e '.[hf]'") from error
    from evaluation.hf.chars import predict_spans

    if not Path(path).exists():
        raise AdapterError(f"hf:{path}: no such model directory (only local models are loaded)")
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModelForTokenClassification.from_pretrained(path, local_files_only=True)
    model.eval()
    torch.set_num_threads(1)
    id2label = {int(i): label for i, label in model.config.id2label.items()}

    def predict(text: str) -> list[tuple[int, int, str]]:
        return predict_spans(model, tokenizer, text, id2label) if text else []

    return predict
