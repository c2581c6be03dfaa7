"""A tiny BERT with random weights, built locally from the train split:
the recipe check of the transformers path (`plancorpus baselines --systems
tiny-bert`). Nothing is downloaded and nothing is pre-trained.

The vocabulary is BERT's special tokens plus every character of the train
split (at least `min_char_count` times), in code-point order, so one
character is one token; other characters become [UNK]. The architecture is
`evaluation/configs/tiny_bert.yaml`. Weights are drawn with torch's
generator seeded by `seed`, so a seed fixes the initial model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from builders.annotation.labels import load_labels
from builders.io import load_yaml

CONFIG = Path(__file__).resolve().parent.parent / "configs" / "tiny_bert.yaml"
SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def load_tiny_config(path: Path = CONFIG) -> dict:
    return load_yaml(path)


def char_vocabulary(texts: Iterable[str], min_count: int = 1) -> list[str]:
    """Special tokens, then the characters seen at least `min_count` times
    (whitespace excluded: the tokenizer yields no token for it), sorted."""
    counts = Counter(c for text in texts for c in text if not c.isspace())
    return list(SPECIAL) + sorted(c for c, n in counts.items() if n >= min_count)


def wordpiece_tokenizer(vocab_path: Path):
    """A BERT WordPiece tokenizer over the vocabulary file, without
    lower-casing or accent stripping. transformers 5 takes the file as
    `vocab` and silently ignores `vocab_file` (leaving only the special
    tokens, every character [UNK]); 4.x takes `vocab_file`."""
    import inspect

    from transformers import BertTokenizerFast

    key = "vocab" if "vocab" in inspect.signature(BertTokenizerFast.__init__).parameters else "vocab_file"
    tokenizer = BertTokenizerFast(**{key: str(vocab_path)}, do_lower_case=False, strip_accents=False,
                                  tokenize_chinese_chars=True)
    expected = sum(1 for line in Path(vocab_path).read_text(encoding="utf-8").splitlines() if line)
    if len(tokenizer) != expected:
        raise ValueError(f"{vocab_path}: the tokenizer holds {len(tokenizer)} tokens, the file {expected}")
    return tokenizer


def build_tiny_bert(train_units, out_dir: Path, seed: int = 0, config: dict | None = None) -> Path:
    """Save a randomly initialised BERT for token classification and its
    character tokenizer to `out_dir`; returns `out_dir`."""
    import torch
    from transformers import BertConfig, BertForTokenClassification

    config = config or load_tiny_config()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    vocab = char_vocabulary((u.text for u in train_units), config.get("min_char_count", 1))
    (out_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = wordpiece_tokenizer(out_dir / "vocab.txt")
    tags = list(load_labels().bio_tags)
    torch.manual_seed(seed)
    bert = BertConfig(vocab_size=len(vocab), num_labels=len(tags), id2label=dict(enumerate(tags)),
                      label2id={t: i for i, t in enumerate(tags)}, **config["model"])
    BertForTokenClassification(bert).save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir
