"""The built corpus on disk (corpus stage, step 4 of 4), and reading it back.

Layout (one folder per document, all UTF-8, JSON with sorted keys):

    corpus/index.json                  documents and their counts
    corpus/<doc_id>/text.txt           clean text in the plan's own script
    corpus/<doc_id>/text_simplified.txt  same length, Simplified script
    corpus/<doc_id>/document.json      provenance and counts
    corpus/<doc_id>/offset_map.json    clean offset -> raw offset, as anchors (below)
    corpus/<doc_id>/edits.json         every edit from raw to clean, in raw order, by column
    corpus/<doc_id>/blocks.jsonl       headings, task items and paragraphs
    corpus/<doc_id>/units.jsonl        sentence-sized units (dataset rows)

The per-character records are stored by column, one JSON line each, because
a garbled plan logs an edit for every pasted pinyin syllable (12,000 in one
seed) and a record per line cost more to write than the rest of the plan:

- `offset_map.json`: `{"clean_offset": [...], "raw_offset": [...]}`, the
  anchors of the map: from `clean_offset[i]` up to the next anchor, clean
  offset `c` maps to raw offset `raw_offset[i] + (c - clean_offset[i])`.
- `edits.json`: `{"rows": n, "columns": {"kind": [...], "raw_start": [...],
  ...}}`, one list per field, all of length n; row i is the i-th edit.
  `evidence` and `low_confidence` are null for edits without evidence.
  `edit_rows` gives the edits back one dict per edit, e.g.
  `{"kind": "pinyin", "raw_start": 40, "raw_end": 46, "clean_start": 38,
  "clean_end": 38, "removed": "(zhǔn)", "inserted": "", "reason": "pinyin
  pasted after a character"}`; with pandas: `pd.DataFrame(json.load(f)["columns"])`.

Offsets are Unicode code points, half-open [start, end).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from builders.corpus.clean import RESTORING_KINDS, CleanDocument, Edit
from builders.corpus.segment import Block, Structure, Unit
from builders.io import dumps_json, read_jsonl, sha256_bytes

FORMAT_VERSION = 2  # 2: offset map and edit log by column, in their own files
OFFSETS = "Unicode code points, half-open [start, end)"
# The fields of an edit, in the order `edit_rows` gives them.
EDIT_COLUMNS = ("kind", "raw_start", "raw_end", "clean_start", "clean_end", "removed", "inserted", "reason", "evidence", "low_confidence")


def offset_anchors(raw_offsets: Sequence[int]) -> tuple[list[int], list[int]]:
    """The anchors of a map as two lists, (clean offsets, raw offsets): one
    wherever the raw offset does not follow on from the previous character's."""
    import numpy as np  # imported here: a build that finds nothing to rebuild never needs it

    if not len(raw_offsets):
        return [], []
    offsets = np.asarray(raw_offsets)  # a typed array is read in place, not copied
    starts = np.concatenate(([0], np.flatnonzero(np.diff(offsets) != 1) + 1))
    return starts.tolist(), offsets[starts].tolist()


def compress_offsets(raw_offsets: Sequence[int]) -> list[list[int]]:
    """The anchors `[clean_offset, raw_offset]` of a map."""
    return [list(anchor) for anchor in zip(*offset_anchors(raw_offsets))]


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

    # Counted once: the document record, the index entry and the plan's
    # summary all show them, and a garbled plan has thousands of edits.
    @cached_property
    def edit_counts(self) -> dict[str, int]:
        return edit_counts(self.clean.edits)

    @cached_property
    def restoration_counts(self) -> dict[str, int]:
        return restoration_counts(self.clean.edits)


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
        "offsets": OFFSETS,
        "structure_counts": doc.structure.counts(),
        "edit_counts": doc.edit_counts,
        **doc.restoration_counts,
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


def offset_map_file(raw_offsets: Sequence[int]) -> bytes:
    """offset_map.json: the anchors of the map, by column."""
    clean, raw = offset_anchors(raw_offsets)
    record = {"format_version": FORMAT_VERSION, "offsets": OFFSETS, "clean_offset": clean, "raw_offset": raw}
    return (dumps_json(record) + "\n").encode("utf-8")


def read_offset_map(record: dict) -> list[list[int]]:
    """The anchors `[clean_offset, raw_offset]` of an offset_map.json record."""
    return [list(anchor) for anchor in zip(record["clean_offset"], record["raw_offset"])]


def edits_file(edits: Sequence[Edit]) -> bytes:
    """edits.json: the edit log, one list per field (see the module docstring)."""
    columns = {name: [getattr(edit, name) for edit in edits] for name in EDIT_COLUMNS[:-2]}
    columns["evidence"] = [None if edit.evidence is None else list(edit.evidence) for edit in edits]
    columns["low_confidence"] = [None if edit.evidence is None else edit.low_confidence for edit in edits]
    record = {"format_version": FORMAT_VERSION, "offsets": OFFSETS, "rows": len(edits), "columns": columns}
    return (dumps_json(record) + "\n").encode("utf-8")


def edit_rows(record: dict) -> list[dict]:
    """The edits of an edits.json record, one dict per edit; `evidence` and
    `low_confidence` only where the edit has evidence."""
    return list(iter_edit_rows(record))


def iter_edit_rows(record: dict) -> Iterator[dict]:
    """`edit_rows`, one at a time."""
    columns = record["columns"]
    for values in zip(*(columns[name] for name in EDIT_COLUMNS)):
        row = dict(zip(EDIT_COLUMNS, values))
        if row["evidence"] is None:
            del row["evidence"], row["low_confidence"]
        yield row


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
    return b"".join(_jsonl_chunks(rows))


JSONL_CHUNK = 2000  # lines encoded together: one string of a few hundred KB, never the whole file


def _jsonl_chunks(rows) -> Iterator[bytes]:
    lines = []
    for row in rows:
        lines.append(dumps_json(row))
        if len(lines) == JSONL_CHUNK:
            yield ("\n".join(lines) + "\n").encode("utf-8")
            lines = []
    if lines:
        yield ("\n".join(lines) + "\n").encode("utf-8")


def iter_document_files(doc: BuiltDocument) -> Iterator[tuple[str, Iterator[bytes]]]:
    """(file name, its bytes in chunks) for each file of a document's folder,
    one file at a time, so a long plan's files are never all in memory."""
    text = doc.clean.text
    yield "text.txt", iter([text.encode("utf-8")])
    yield "text_simplified.txt", iter([doc.text_simplified.encode("utf-8")])
    yield "document.json", iter([(dumps_json(document_record(doc), indent=1) + "\n").encode("utf-8")])
    yield "offset_map.json", iter([offset_map_file(doc.clean.raw_offsets)])
    yield "edits.json", iter([edits_file(doc.clean.edits)])
    yield "blocks.jsonl", _jsonl_chunks(block_record(b) for b in doc.structure.blocks)
    yield "units.jsonl", _jsonl_chunks(unit_record(doc.doc_id, u, text) for u in doc.structure.units)


def document_files(doc: BuiltDocument) -> dict[str, bytes]:
    """Every file of a document's folder by name (iter_document_files, joined)."""
    return {name: b"".join(chunks) for name, chunks in iter_document_files(doc)}


def index_entry(doc: BuiltDocument) -> dict:
    return {
        "doc_id": doc.doc_id,
        "length": len(doc.clean.text),
        "structure_counts": doc.structure.counts(),
        "edit_counts": doc.edit_counts,
    }


def index_file(entries: list[dict]) -> bytes:
    """corpus/index.json, from every document's `index_entry`, in manifest order."""
    record = {"format_version": FORMAT_VERSION, "offsets": OFFSETS, "documents": entries}
    return (dumps_json(record, indent=1) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------
# Reading back


@dataclass(frozen=True)
class StoredDocument:
    doc_id: str
    text: str
    text_simplified: str
    record: dict  # document.json
    edits: list[dict]  # one dict per edit (edit_rows)
    blocks: list[dict]
    units: list[dict]
    offset_map: list[list[int]] = field(default_factory=list)  # anchors [clean_offset, raw_offset]

    @property
    def raw_offsets(self) -> list[int]:
        return expand_offsets(self.offset_map, len(self.text))


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_document(corpus_dir: Path, doc_id: str) -> StoredDocument:
    folder = document_folder(corpus_dir, doc_id)
    return StoredDocument(
        doc_id=doc_id,
        text=(folder / "text.txt").read_bytes().decode("utf-8"),
        text_simplified=(folder / "text_simplified.txt").read_bytes().decode("utf-8"),
        record=json.loads((folder / "document.json").read_text(encoding="utf-8")),
        edits=edit_rows(json.loads((folder / "edits.json").read_text(encoding="utf-8"))),
        blocks=_read_jsonl(folder / "blocks.jsonl"),
        units=_read_jsonl(folder / "units.jsonl"),
        offset_map=read_offset_map(json.loads((folder / "offset_map.json").read_text(encoding="utf-8"))),
    )


def document_folder(corpus_dir: Path, doc_id: str) -> Path:
    folder = Path(corpus_dir) / doc_id
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no built document {doc_id!r}; run `plancorpus build`")
    return folder


def iter_units(corpus_dir: Path, doc_id: str) -> Iterator[dict]:
    """A document's unit records from units.jsonl, one at a time (a long
    plan's units are never all in memory)."""
    for _, record in read_jsonl(document_folder(corpus_dir, doc_id) / "units.jsonl"):
        yield record


def read_corpus(corpus_dir: Path) -> list[StoredDocument]:
    index = json.loads((Path(corpus_dir) / "index.json").read_text(encoding="utf-8"))
    return [read_document(corpus_dir, d["doc_id"]) for d in index["documents"]]


def unit_id(doc_id: str, unit_index: int) -> str:
    return f"{doc_id}-{unit_index:05d}"
