"""spaCy DocBin with one token per character, so no span is lost to token
misalignment (a blank `zh` pipeline with the character segmenter tokenizes
the same way). Each Doc keeps its unit id in `user_data["id"]`.
"""

from __future__ import annotations

from builders.annotation.labels import Span
from builders.interchange.base import AnnotatedText


def to_docbin(items: list[AnnotatedText]) -> bytes:
    from spacy.tokens import Doc, DocBin
    from spacy.vocab import Vocab

    vocab = Vocab()
    doc_bin = DocBin(attrs=["ENT_IOB", "ENT_TYPE"], store_user_data=True)
    for item in items:
        doc = Doc(vocab, words=list(item.text), spaces=[False] * len(item.text))
        doc.ents = [doc.char_span(s.start, s.end, label=s.label) for s in sorted(item.spans)]
        doc.user_data["id"] = item.id
        doc_bin.add(doc)
    return doc_bin.to_bytes()


def from_docbin(data: bytes) -> list[AnnotatedText]:
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    items = []
    for doc in DocBin().from_bytes(data).get_docs(Vocab()):
        spans = tuple(Span(e.start_char, e.end_char, e.label_) for e in doc.ents)
        items.append(AnnotatedText(str(doc.user_data.get("id", "")), doc.text, spans))
    return items

