"""One character per word: how text meets a subword tokenizer here.

Each code point of the unit text is a "word" (`is_split_into_words=True`),
so the tokenizer's `word_ids()` map every subword token back to exactly one
character; the first subword of a character carries its BIO tag, the rest
are ignored (-100), as are special tokens. A character that yields no token
at all (whitespace) is tagged O. Texts longer than a window are cut into
windows of `window` characters. Offsets are code points, half-open.
"""

from __future__ import annotations

from collections.abc import Sequence

from evaluation.tags import bio_to_spans

IGNORE = -100  # the label id that torch's cross-entropy skips
WINDOW = 250  # characters per window: with [CLS]/[SEP] within 512 tokens even when some characters split


def windows(length: int, window: int = WINDOW) -> list[tuple[int, int]]:
    """[start, end) character windows covering a text of `length`."""
    return [(start, min(length, start + window)) for start in range(0, length, window)] or [(0, 0)]


def encode(tokenizer, chars: Sequence[str], tag_ids: Sequence[int] | None = None, max_length: int = 512) -> dict:
    """Token ids for characters, with `labels` on each character's first
    subword when `tag_ids` are given, and `char_of_token` (the character
    index of each token that carries a label, else -1)."""
    encoding = tokenizer(list(chars), is_split_into_words=True, truncation=True, max_length=max_length)
    char_of_token, previous = [], None
    for word in encoding.word_ids():
        char_of_token.append(word if word is not None and word != previous else -1)
        previous = word
    result = dict(encoding)
    result["char_of_token"] = char_of_token
    if tag_ids is not None:
        result["labels"] = [tag_ids[c] if c >= 0 else IGNORE for c in char_of_token]
    return result


def tags_from_tokens(char_of_token: Sequence[int], token_tags: Sequence[str], length: int) -> list[str]:
    """Per-character tags from the tags of the tokens that carry a character."""
    tags = ["O"] * length
    for char, tag in zip(char_of_token, token_tags):
        if 0 <= char < length:
            tags[char] = tag
    return tags


def predict_spans(model, tokenizer, text: str, id2label: dict[int, str], window: int = WINDOW) -> list[tuple[int, int, str]]:
    """Spans predicted on characters, window by window (torch inference)."""
    import torch

    # A model with fewer positions than a window takes shorter windows.
    max_length = min(512, getattr(model.config, "max_position_embeddings", 512))
    window = min(window, max_length - 2)
    tags = ["O"] * len(text)
    for start, end in windows(len(text), window):
        if start == end:
            continue
        encoding = encode(tokenizer, list(text[start:end]), max_length=max_length)
        inputs = {k: torch.tensor([v]) for k, v in encoding.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
        with torch.no_grad():
            logits = model(**inputs).logits[0]
        token_tags = [id2label[int(i)] for i in logits.argmax(-1).tolist()]
        tags[start:end] = tags_from_tokens(encoding["char_of_token"], token_tags, end - start)
    return bio_to_spans(tags)
