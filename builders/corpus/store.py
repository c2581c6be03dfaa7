"""The built corpus on disk (corpus stage, step 4 of 4), and reading it back.

Layout (one folder per document, all UTF-8, JSON with sorted keys):

    corpus/index.json                  documents and their counts
    corpus/<doc_id>/text.txt           clean text in the plan's own script
    corpus/<doc_id>/text_simplified.txt  same length, Simplified script
    corpus/<doc_id>/document.json      provenance and the offset map
    corpus/<doc_id>/edits.jsonl        every edit from raw to clean, in raw order
    corpus/<doc_id>/blocks.jsonl       headings, task items and paragraphs
    corpus/<doc_id>/units.jsonl        sentence-sized units (dataset rows)

The offset map is stored as anchors `[clean_offset, raw_offset]`: from an
anchor up to the next one, clean offset `c` maps to raw offset
`raw_offset + (c - clean_offset)`. Offsets are code points, half-open.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from builders.corpus.clean import RESTORING_KINDS, CleanDocument, Edit
from builders.corpus.segment import Block, Structure, Unit
from builders.io import dumps_json, sha256_bytes

FORMAT_VERSION = 1


def compress_offsets(raw_offsets: tuple[int, ...] | list[int]) -> list[list[int]]:
    anchors: list[list[int]] = []
    for clean_offset, raw_offset in enumerate(raw_offsets):
        if not anchors or raw_offset != anchors[-1][1] + (clean_offset - anchors[-1][0]):
            anchors.append([clean_offset, raw_offset])
    return anchors


def expand_offsets(anchors: list[list[int]], length: int) -> list[int]:
    offsets = []
    bounds = [a[0] for a in anchors[1:]] + [length]
    for (clean_start, raw_start), clean_end in zip(anchors, bounds):
        offsets.extend(range(raw_start, raw_start + clean_end - clean_start))
    return offsets


def raw_offset_of(anchors: list[list[int]], clean_offset: int) -> int:
    clean_start, raw_start = anchors[bisect_right([a[0] for a in anchors], clean_offset) - 1]
    return raw_start + clean_offset - clean_start


@dataclass(frozen=True)
class BuiltDocument:
    doc_id: str
    plan: dict
    clean: CleanDocument
    text_simplified: str
    structure: Structure


def document_record(doc: BuiltDocument) -> dict:
    text = doc.clean.text
    return {
        "format_version": FORMAT_VERSION,
        "doc_id": doc.doc_id,
        "raw_file": doc.plan.get("raw_file"),
        "raw_sha256": doc.plan.get("sha256"),
        "raw_length": len(doc.clean.raw_text),
        "length": len(text),
        "text_sha256": sha256_bytes(text.encode("utf-8")),
        "text_simplified_sha256": sha256_bytes(doc.text_simplified.encode("utf-8")),
        "script": doc.plan.get("script"),
        "offsets": "Unicode code points, half-open [start, end)",
        "offset_map": compress_offsets(doc.clean.raw_offsets),
        "structure_counts": doc.structure.counts(),
        "edit_counts": edit_counts(doc.clean.edits),
        **restoration_counts(doc.clean.edits),
    }


def edit_counts(edits: tuple[Edit, ...]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for edit in edits:
        counts[edit.kind] = counts.get(edit.kind, 0) + 1
    return dict(sorted(counts.items()))


def restoration_counts(edits) -> dict[str, int]:
    """Characters put in by the reviewed tables, and those among them restored
    from context alone (low confidence)."""
    return {
        "restored_chars": sum(len(e.inserted) for e in edits if e.kind in RESTORING_KINDS),
        "low_confidence_chars": sum(sum(v in ("context", "unrecoverable") for v in (e.evidence or ())) for e in edits),
    }


def _fields(record) -> dict:
    # A shallow copy of a flat dataclass's fields: `dataclasses.asdict` deep-
    # copies recursively, which dominated the build's profile (one call per
    # edit, unit and block).
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def edit_record(edit: Edit) -> dict:
    record = _fields(edit)
    if edit.evidence is None:
        del record["evidence"]
    else:
        record["evidence"] = list(edit.evidence)
        record["low_confidence"] = edit.low_confidence
    return record


def unit_record(doc_id: str, unit: Unit, text: str) -> dict:
    record = _fields(unit)
    record["doc_id"] = doc_id
    record["section"] = list(unit.section)
    record["text"] = text[unit.start : unit.end]
    return record


def block_record(block: Block) -> dict:
    record = _fields(block)
    record["section"] = list(block.section)
    return record


def _jsonl(rows) -> bytes:
    return "".join(dumps_json(row) + "\n" for row in rows).encode("utf-8")


def document_files(doc: BuiltDocument) -> dict[str, bytes]:
    text = doc.clean.text
    return {
        "text.txt": text.encode("utf-8"),
        "text_simplified.txt": doc.text_simplified.encode("utf-8"),
        "document.json": (dumps_json(document_record(doc), indent=1) + "\n").encode("utf-8"),
        "edits.jsonl": _jsonl(edit_record(e) for e in doc.clean.edits),
        "blocks.jsonl": _jsonl(block_record(b) for b in doc.structure.blocks),
        "units.jsonl": _jsonl(unit_record(doc.doc_id, u, text) for u in doc.structure.units),
    }


def index_entry(doc: BuiltDocument) -> dict:
    return {
        "doc_id": doc.doc_id,
        "length": len(doc.clean.text),
        "structure_counts": doc.structure.counts(),
        "edit_counts": edit_counts(doc.clean.edits),
    }


def index_file(entries: list[dict]) -> bytes:
    """corpus/index.json, from every document's `index_entry`, in manifest order."""
    record = {"format_version": FORMAT_VERSION, "offsets": "Unicode code points, half-open [start, end)", "documents": entries}
    return (dumps_json(record, indent=1) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------
# Reading back


@dataclass(frozen=True)
class StoredDocument:
    doc_id: str
    text: str
    text_simplified: str
    record: dict
    edits: list[dict]
    blocks: list[dict]
    units: list[dict]

    @property
    def raw_offsets(self) -> list[int]:
        return expand_offsets(self.record["offset_map"], len(self.text))


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_document(corpus_dir: Path, doc_id: str) -> StoredDocument:
    folder = Path(corpus_dir) / doc_id
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no built document {doc_id!r}; run `plancorpus build`")
    return StoredDocument(
        doc_id=doc_id,
        text=(folder / "text.txt").read_bytes().decode("utf-8"),
        text_simplified=(folder / "text_simplified.txt").read_bytes().decode("utf-8"),
        record=json.loads((folder / "document.json").read_text(encoding="utf-8")),
        edits=_read_jsonl(folder / "edits.jsonl"),
        blocks=_read_jsonl(folder / "blocks.jsonl"),
        units=_read_jsonl(folder / "units.jsonl"),
    )


def read_corpus(corpus_dir: Path) -> list[StoredDocument]:
    index = json.loads((Path(corpus_dir) / "index.json").read_text(encoding="utf-8"))
    return [read_document(corpus_dir, d["doc_id"]) for d in index["documents"]]


def unit_id(doc_id: str, unit_index: int) -> str:
    return f"{doc_id}-{unit_index:05d}"
