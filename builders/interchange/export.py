"""Write the reviewed gold in the formats of `builders.interchange`, per split.

Units are exported as texts of their own (spaCy, CoNLL, Label Studio,
doccano); brat gets one .txt/.ann pair per plan with document offsets, the way
brat is used to browse whole documents.
"""

from __future__ import annotations

import json
from pathlib import Path

from builders.annotation.gold import load_gold
from builders.annotation.labels import Span, load_labels
from builders.corpus.seeds import SPLITS, load_manifest
from builders.corpus.store import read_corpus, unit_id
from builders.interchange.base import AnnotatedText
from builders.interchange.brat import to_brat
from builders.interchange.conll import to_conll
from builders.interchange.doccano import to_doccano
from builders.interchange.labelstudio import label_studio_config, to_label_studio
from builders.interchange.spacy import to_docbin
from builders.io import write_bytes_atomic, write_text_atomic
from builders.project import Paths

FORMATS = ("spacy", "conll", "brat", "labelstudio", "doccano")


def reviewed_units(paths: Paths) -> dict[str, list[AnnotatedText]]:
    """Reviewed units per split, spans relative to each unit."""
    plans = {plan.id: plan.metadata for plan in load_manifest(paths.seeds)}
    docs = read_corpus(paths.corpus)
    gold = load_gold(paths.annotations / "gold", [d.doc_id for d in docs])
    by_split: dict[str, list[AnnotatedText]] = {split: [] for split in SPLITS}
    for doc in docs:
        split = plans[doc.doc_id].get("split") or "train"
        for unit in doc.units:
            annotation = gold[doc.doc_id].get(unit["index"])
            if annotation is None or not annotation.reviewed:
                continue
            start = unit["start"]
            spans = tuple(Span(s.start - start, s.end - start, s.label) for s in sorted(annotation.spans))
            by_split[split].append(AnnotatedText(unit_id(doc.doc_id, unit["index"]), doc.text[start : unit["end"]], spans))
    return by_split


def reviewed_documents(paths: Paths) -> list[AnnotatedText]:
    docs = read_corpus(paths.corpus)
    gold = load_gold(paths.annotations / "gold", [d.doc_id for d in docs])
    return [
        AnnotatedText(doc.doc_id, doc.text, tuple(sorted(s for a in gold[doc.doc_id].values() if a.reviewed for s in a.spans)))
        for doc in docs
    ]


def export(paths: Paths, fmt: str, out_dir: Path) -> list[Path]:
    """Write one format into `out_dir`; returns the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    written: list[Path] = []
    if fmt == "brat":
        labels = load_labels(paths.annotations / "labels.yaml").names
        conf = "[entities]\n" + "\n".join(labels) + "\n[relations]\n[events]\n[attributes]\n"
        write_text_atomic(out_dir / "annotation.conf", conf)
        written.append(out_dir / "annotation.conf")
        for doc in reviewed_documents(paths):
            write_text_atomic(out_dir / f"{doc.id}.txt", doc.text)
            write_text_atomic(out_dir / f"{doc.id}.ann", to_brat(doc))
            written += [out_dir / f"{doc.id}.txt", out_dir / f"{doc.id}.ann"]
        return written
    for split, items in reviewed_units(paths).items():
        if not items:
            continue
        if fmt == "spacy":
            path = out_dir / f"{split}.spacy"
            write_bytes_atomic(path, to_docbin(items))
        elif fmt == "conll":
            path = out_dir / f"{split}.bio"
            write_text_atomic(path, to_conll(items))
        elif fmt == "labelstudio":
            path = out_dir / f"{split}.labelstudio.json"
            write_text_atomic(path, json.dumps(to_label_studio(items), ensure_ascii=False, indent=1) + "\n")
        else:
            path = out_dir / f"{split}.doccano.jsonl"
            write_text_atomic(path, to_doccano(items))
        written.append(path)
    if fmt == "labelstudio":
        labels = load_labels(paths.annotations / "labels.yaml").names
        write_text_atomic(out_dir / "labelstudio_config.xml", label_studio_config(labels))
        written.append(out_dir / "labelstudio_config.xml")
    return written
