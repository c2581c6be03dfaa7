"""Interchange: spans to and from the tools people annotate and train with.

Takes: the corpus and reviewed gold (export), or a tool's export (import).
Gives: files in the tool's format, or reviewed gold merged into
`annotations/gold/`. One module per format, reader and writer side by side,
each docstring showing the format:

    base         AnnotatedText, FormatError, UTF-16 <-> code point offsets
    spacy        spaCy DocBin, one token per character
    conll        CoNLL-style BIO
    brat         brat standoff
    labelstudio  Label Studio tasks
    doccano      doccano JSONL (UTF-16 offsets)
    jsonl        the project's own JSONL (unit ids, unit-relative offsets)
    export       the reviewed gold, per split, in any of the formats
    imports      reviewed annotations in, checked against the corpus
"""
