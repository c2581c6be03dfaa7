"""The CRF baseline: a linear-chain CRF (python-crfsuite) tagging each
character with BIO, over the features of evaluation/configs/crf.yaml:
character n-grams, character classes (digit, Chinese numeral, unit
characters, ...), the unit's own responsibility-assignment list, and a
lexicon of DEPT strings from the training gold.

`crf:PATH` loads a trained model file PATH (with its lexicon beside it,
PATH + ".lexicon.json"). Training is deterministic: L-BFGS has no random
state and the training items are fed in unit-id order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from builders.io import load_yaml, write_json_atomic
from evaluation.models.base import AdapterError, Model
from evaluation.tags import bio_to_spans, spans_to_bio

CONFIG = Path(__file__).resolve().parent.parent / "configs" / "crf.yaml"


def load_crf_config(path: Path = CONFIG) -> dict:
    return load_yaml(path)


def char_class(char: str, classes: dict[str, str]) -> str:
    for name, members in classes.items():
        if char in members:
            return name
    if char.isdigit() or char in "０１２３４５６７８９.．":
        return "digit"
    if char.isascii() and char.isalpha():
        return "latin"
    if "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or 0x20000 <= ord(char) <= 0x3134F:
        return "han"
    if char.isspace():
        return "space"
    return "punct" if not char.isalnum() else "other"


def assignment_marks(text: str, labels: list[str], separators: str = "、，,；;：:") -> list[str]:
    """Per character: `assign_list` inside a 、-list after an assignment label,
    `assign` elsewhere after the label, `-` before any label."""
    marks = ["-"] * len(text)
    positions = [text.find(label) for label in labels if label in text]
    if not positions:
        return marks
    after = min(positions)
    has_list = "、" in text[after:]
    for index in range(after, len(text)):
        marks[index] = "assign_list" if has_list and text[index] not in separators else "assign"
    return marks


def lexicon_marks(text: str, lexicon: frozenset[str], max_length: int) -> list[str]:
    """BMES position of each character in the longest lexicon match covering it."""
    marks = ["-"] * len(text)
    best = [0] * len(text)
    for start in range(len(text)):
        for end in range(min(len(text), start + max_length), start + 1, -1):
            if text[start:end] in lexicon:
                length = end - start
                for index in range(start, end):
                    if length > best[index]:
                        best[index] = length
                        marks[index] = "S" if length == 1 else "B" if index == start else "E" if index == end - 1 else "M"
                break
    return marks


def features(text: str, config: dict, lexicon: frozenset[str] = frozenset()) -> list[list[str]]:
    """Feature strings per character (python-crfsuite's attribute lists)."""
    classes = config["classes"]
    chars = list(text)
    kinds = [char_class(c, classes) for c in chars]
    assign = assignment_marks(text, config["assignment_labels"])
    lex = lexicon_marks(text, lexicon, max((len(w) for w in lexicon), default=0)) if lexicon else ["-"] * len(text)

    def at(index: int, values: list[str], pad: str) -> str:
        return values[index] if 0 <= index < len(values) else pad

    items = []
    for i in range(len(chars)):
        row = ["bias", f"assign={assign[i]}", f"lex={lex[i]}"]
        for offset in config["window"]:
            row.append(f"c[{offset}]={at(i + offset, chars, '<>')}")
            row.append(f"k[{offset}]={at(i + offset, kinds, '<>')}")
        for first, last in config["ngrams"]:
            gram = "".join(at(i + o, chars, "<>") for o in range(first, last + 1))
            row.append(f"c[{first}:{last}]={gram}")
        row.append(f"k[-1:1]={at(i - 1, kinds, '<>')}|{kinds[i]}|{at(i + 1, kinds, '<>')}")
        items.append(row)
    return items


def _lexicon_path(model_path: Path) -> Path:
    return Path(str(model_path) + ".lexicon.json")


def train_crf(units: Iterable, model_path: Path, config: dict | None = None) -> Path:
    """Train on gold units (anything with `id`, `text`, `entities`) and write
    the model file and its lexicon. Returns the model path."""
    import pycrfsuite

    config = config or load_crf_config()
    units = sorted(units, key=lambda u: u.id)
    lexicon = sorted({u.text[e.start : e.end] for u in units for e in u.entities
                      if e.label == "DEPT" and e.end - e.start >= config["lexicon_min_length"]})
    words = frozenset(lexicon)
    trainer = pycrfsuite.Trainer(verbose=False)
    for unit in units:
        if unit.text:
            trainer.append(features(unit.text, config, words), spans_to_bio(len(unit.text), [(e.start, e.end, e.label) for e in unit.entities]))
    trainer.select(config["training"].get("algorithm", "lbfgs"))
    trainer.set_params({k: v for k, v in config["training"].items() if k != "algorithm"})
    model_path = Path(model_path)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    partial = model_path.with_name(model_path.name + ".partial")
    trainer.train(str(partial))
    partial.replace(model_path)
    write_json_atomic(_lexicon_path(model_path), {"lexicon": lexicon, "config": config})
    return model_path


def crf_model(path: str) -> Model:
    import pycrfsuite

    model_path = Path(path)
    if not model_path.exists() or not _lexicon_path(model_path).exists():
        raise AdapterError(f"crf:{path}: no trained model there (needs {model_path.name} and {_lexicon_path(model_path).name})")
    saved = json.loads(_lexicon_path(model_path).read_text(encoding="utf-8"))
    config, words = saved["config"], frozenset(saved["lexicon"])
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model_path))

    def predict(text: str) -> list[tuple[int, int, str]]:
        return bio_to_spans(tagger.tag(features(text, config, words))) if text else []

    return predict
