"""The built corpus: traceable to the raw seeds character by character,
free of noise, structurally parsed as read, and identical to a fresh build."""

from pathlib import Path

import pytest
import yaml

from builders.build import build, build_documents
from builders.corpus.clean import INSERTING_KINDS, residual_noise
from builders.corpus.seeds import SeedError
from builders.corpus.store import (
    compress_offsets,
    document_files,
    expand_offsets,
    raw_offset_of,
    read_corpus,
)

EXPECTED = Path(__file__).resolve().parents[2] / "data" / "expected_structure.yaml"


@pytest.fixture(scope="module")
def stored(paths):
    return {doc.doc_id: doc for doc in read_corpus(paths.corpus)}


def test_committed_corpus_is_byte_identical_to_a_fresh_build(paths, built):
    for doc_id, doc in built.items():
        for name, data in document_files(doc).items():
            committed = (paths.corpus / doc_id / name).read_bytes()
            assert committed == data, f"corpus/{doc_id}/{name} is stale: run `plancorpus build`"


def test_builds_are_deterministic(paths, built):
    again = {doc.doc_id: doc for doc in build_documents(paths.seeds)}
    for doc_id in built:
        assert document_files(again[doc_id]) == document_files(built[doc_id])


def test_every_clean_character_outside_a_restoration_equals_its_raw_character(paths, stored):
    from builders.corpus.seeds import load_manifest, read_seed

    plans = {p.id: p for p in load_manifest(paths.seeds)}
    for doc_id, doc in stored.items():
        raw = read_seed(paths.seeds, plans[doc_id]).raw_text
        restored = set()
        for edit in doc.edits:
            if edit["kind"] in INSERTING_KINDS:
                restored.update(range(edit["clean_start"], edit["clean_end"]))
        offsets = doc.raw_offsets
        assert len(offsets) == len(doc.text)
        mismatches = [i for i, (c, o) in enumerate(zip(doc.text, offsets)) if i not in restored and raw[o] != c]
        assert not mismatches, f"{doc_id}: clean offsets {mismatches[:5]} do not trace to raw"
        assert all(b >= a for a, b in zip(offsets, offsets[1:])), f"{doc_id}: map not monotonic"


def test_every_raw_character_is_kept_or_logged(built):
    for doc_id, doc in built.items():
        kept = set(doc.clean.raw_offsets)
        logged = set()
        for edit in doc.clean.edits:
            logged.update(range(edit.raw_start, edit.raw_end))
        unexplained = [i for i in range(len(doc.clean.raw_text)) if i not in kept and i not in logged]
        assert not unexplained, f"{doc_id}: raw offsets {unexplained[:5]} vanished without an edit"


def test_no_noise_remains(built):
    for doc_id, doc in built.items():
        assert residual_noise(doc.clean.text) == [], doc_id


def test_simplified_text_shares_the_offsets(built):
    for doc_id, doc in built.items():
        assert len(doc.text_simplified) == len(doc.clean.text), doc_id
        assert [i for i, c in enumerate(doc.clean.text) if c == "\n"] == [
            i for i, c in enumerate(doc.text_simplified) if c == "\n"
        ]


def test_offset_map_round_trips():
    offsets = [0, 1, 2, 5, 6, 6, 6, 9, 10]
    anchors = compress_offsets(offsets)
    assert expand_offsets(anchors, len(offsets)) == offsets
    assert [raw_offset_of(anchors, i) for i in range(len(offsets))] == offsets


def test_structure_counts_match_the_counts_established_by_reading(built):
    expected = yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))
    for doc_id, doc in built.items():
        counts = doc.structure.counts()
        wanted = expected[doc_id]
        assert (counts["headings"], counts["task_items"], counts["responsibility_trailers"]) == (
            wanted["headings"],
            wanted["task_items"],
            wanted["responsibility_trailers"],
        ), doc_id


def test_units_are_sentence_sized_and_tile_each_document(built):
    for doc_id, doc in built.items():
        text = doc.clean.text
        position = 0
        for unit in doc.structure.units:
            assert set(text[position : unit.start]) <= {"\n"}, (doc_id, unit.index)
            assert unit.end > unit.start
            position = unit.end
        assert position == len(text)
        lengths = sorted(u.end - u.start for u in doc.structure.units)
        assert lengths[len(lengths) // 2] < 120, f"{doc_id}: median unit is not sentence-sized"


def test_failed_build_keeps_the_previous_corpus(project_copy, paths):
    import shutil

    shutil.copytree(paths.annotations, project_copy.annotations)
    before = {p: p.read_bytes() for p in project_copy.corpus.rglob("*") if p.is_file()}
    errata = project_copy.seeds / "errata.yaml"
    entries = yaml.safe_load(errata.read_text(encoding="utf-8"))
    entries[-1]["before"] = "no such text"
    errata.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SeedError, match="errata.yaml"):
        build(project_copy)
    after = {p: p.read_bytes() for p in project_copy.corpus.rglob("*") if p.is_file()}
    assert after == before
