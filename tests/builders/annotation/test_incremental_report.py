"""The annotation report, agreement and audit assembled from per-plan parts
equal the same outputs computed from all annotation files at once, byte for
byte, including after a plan's gold changes (which changes the strings the
audit looks for) and with the parts read back from the cache."""

import json
import random
import shutil

import pytest

from builders.annotation.agreement import from_counts, measure, plan_counts
from builders.annotation.audit import Finding, _covering, audit
from builders.annotation.gold import UnitAnnotation, read_annotations
from builders.annotation.labels import Span
from builders.annotation.prelabel import protected_regions
from builders.annotation.report import (
    PlanParts,
    agreement_result,
    annotation_report,
    incremental_outputs,
    plan_part,
    read_folder,
)
from builders.annotation.stats import (
    length_distribution,
    merge_statistics,
    plan_statistics,
    review_changes,
    spans_per_label,
    units_without_spans,
)
from builders.corpus.store import read_corpus
from builders.io import dumps_json, sha256_bytes
from builders.project import Paths

LABELS = ("DEPT", "INDICATOR", "VALUE", "DATE")


def random_units(rng: random.Random, doc_id: str, count: int) -> list[UnitAnnotation]:
    units = []
    for index in range(count):
        start = index * 20
        spans, cursor = [], start
        while cursor < start + 18 and rng.random() < 0.7:
            a = cursor + rng.randrange(0, 4)
            b = min(a + rng.randrange(1, 6), start + 20)
            if a < b:
                spans.append(Span(a, b, rng.choice(LABELS)))
            cursor = b + 1
        status = "reviewed" if rng.random() < 0.9 else "draft"
        review = {"status": status}
        if rng.random() < 0.5:
            review["pre_annotation"] = {"kept": rng.randrange(3), "changed": rng.randrange(3), "added": 1, "removed": 0}
        units.append(UnitAnnotation(doc_id, index, start, start + 20, tuple(spans), review))
    return units


def test_summed_counts_give_the_agreement_of_everything_at_once():
    rng = random.Random(7)
    plans = [f"p{i}" for i in range(6)]
    first = {p: random_units(rng, p, 15) for p in plans}
    # The second pass agrees on most units and differs on the rest.
    second = {p: [a if rng.random() < 0.7 else b for a, b in zip(first[p], random_units(rng, p, 15))][:8] for p in plans}
    parts = [plan_counts(first[p], second[p], LABELS) for p in plans]
    together = measure([a for p in plans for a in first[p]], [b for p in plans for b in second[p]], LABELS)
    assert from_counts(parts, LABELS).to_dict() == together.to_dict()  # exact floats, not approximately
    assert 0 < together.kappa["overall"] < 1
    for p, part in zip(plans, parts):
        assert from_counts([part], LABELS).to_dict() == measure(first[p], second[p], LABELS).to_dict()


def test_counts_refuse_units_of_different_lengths():
    a = UnitAnnotation("d", 0, 0, 10, (), {"status": "reviewed"})
    b = UnitAnnotation("d", 0, 0, 12, (), {"status": "reviewed"})
    assert plan_counts([a], [b], LABELS) is None


def test_merged_statistics_equal_the_statistics_of_everything():
    rng = random.Random(3)
    files = [random_units(rng, f"p{i}", 12) for i in range(5)]
    everything = [a for units in files for a in units]
    merged = merge_statistics([plan_statistics(units, LABELS) for units in files], LABELS)
    assert merged["spans_per_label"] == spans_per_label(everything, LABELS)
    assert {k: tuple(v) for k, v in merged["units_without_spans"].items()} == units_without_spans(everything)
    assert merged["review_changes"] == review_changes(everything)
    expected = length_distribution(everything, LABELS)
    assert merged["lengths"] == expected
    assert all(type(merged["lengths"][n].get("mean")) is type(expected[n].get("mean")) for n in LABELS)
    assert all(type(merged["lengths"][n].get("median")) is type(expected[n].get("median")) for n in LABELS)


def test_length_rows_from_counts_equal_the_statistics_module_on_the_lengths():
    from statistics import mean, median

    from builders.annotation.stats import _summary_of_counts

    rng = random.Random(16)
    for _ in range(500):
        lengths = [rng.choice([1, 2, 2, 3, 5, 8, 40]) + rng.randint(0, 3) for _ in range(rng.randint(1, 30))]
        counts = {}
        for length in lengths:
            counts[length] = counts.get(length, 0) + 1
        expected = {"count": len(lengths), "min": min(lengths), "median": median(lengths), "mean": round(mean(lengths), 2), "max": max(lengths)}
        got = _summary_of_counts(counts)
        assert got == expected and [type(v) for v in got.values()] == [type(v) for v in expected.values()]
    assert _summary_of_counts({}) == {"count": 0} == _summary_of_counts({3: 0})


def reference_audit(texts, annotations, min_chars=2):
    """The audit as plainly as it can be written: every string at every offset."""
    reviewed = [a for a in annotations if a.reviewed]
    surfaces = {}
    for a in reviewed:
        for s in a.spans:
            surface = texts[a.doc_id][s.start : s.end]
            if len(surface) >= min_chars:
                surfaces.setdefault(surface, set()).add(s.label)
    findings = set()
    for a in reviewed:
        text = texts[a.doc_id]
        unit_text = text[a.start : a.end]
        regions = protected_regions(unit_text)
        for surface, labels in surfaces.items():
            for offset in range(len(unit_text)):
                if not unit_text.startswith(surface, offset):
                    continue
                end_local = offset + len(surface)
                if any(r0 < end_local and offset < r1 for r0, r1 in regions):
                    continue
                start, end = a.start + offset, a.start + end_local
                covering = _covering(sorted(a.spans), start, end)
                for label in sorted(labels):
                    if any(s.start <= start and end <= s.end and s.label == label for s in covering):
                        continue
                    found = ", ".join(f"{s.label} {text[s.start:s.end]!r}" for s in covering) if covering else "unannotated"
                    findings.add(Finding(a.doc_id, start, end, surface, label, found))
    return sorted(findings)


def test_audit_finds_what_a_scan_of_every_string_at_every_offset_finds():
    rng = random.Random(11)
    alphabet = "市县区发改委局年万《》"  # few characters: strings recur often
    texts = {f"d{i}": "".join(rng.choice(alphabet) for _ in range(200)) for i in range(4)}
    annotations = [a for doc_id in texts for a in random_units(rng, doc_id, 10)]
    found = audit(texts, annotations)
    assert found == reference_audit(texts, annotations)
    assert len(found) > 10


@pytest.fixture
def annotated_copy(tmp_path, paths) -> Paths:
    shutil.copytree(paths.annotations, tmp_path / "annotations", ignore=shutil.ignore_patterns("tasks", "worksheets"))
    shutil.copytree(paths.seeds, tmp_path / "seeds")
    shutil.copytree(paths.corpus, tmp_path / "corpus")
    return Paths(tmp_path)


def incremental(paths: Paths, cache, texts, units):
    names = LABELS
    plans = []
    for doc_id, text in texts.items():
        gold = read_annotations(paths.annotations / "gold" / f"{doc_id}.jsonl")
        fingerprint = sha256_bytes(f"{text}\n{dumps_json([str(a) for a in gold])}".encode())
        plans.append(PlanParts(doc_id, fingerprint, units[doc_id], plan_part(doc_id, text, gold, names)))
    file_sha = lambda path: sha256_bytes(path.read_bytes()) if path.exists() else ""  # noqa: E731
    text_files = cache.parent / "texts"
    text_files.mkdir(exist_ok=True)
    for doc_id, text in texts.items():
        (text_files / f"{doc_id}.txt").write_bytes(text.encode("utf-8"))
    return incremental_outputs(paths, plans, lambda doc_id: text_files / f"{doc_id}.txt", cache, file_sha, "code")


def texts_and_units(paths: Paths) -> tuple[dict[str, str], dict[str, int]]:
    """Each plan's clean text and number of units, from the built corpus."""
    docs = read_corpus(paths.corpus)
    return {d.doc_id: d.text for d in docs}, {d.doc_id: len(d.units) for d in docs}


def everything(paths: Paths, texts, units):
    agreement = dumps_json(agreement_result(paths), indent=1) + "\n"
    return {"annotations/agreement.json": agreement, "annotations/README.md": annotation_report(units, texts, paths, agreement)}


def test_incremental_outputs_equal_the_outputs_over_all_files(annotated_copy, tmp_path):
    paths = annotated_copy
    texts, units = texts_and_units(paths)
    cache = tmp_path / "cache"
    assert incremental(paths, cache, texts, units) == everything(paths, texts, units)
    assert sorted(p.stem for p in (cache / "audit").glob("*.json") if not p.name.startswith("_")) == sorted(
        {a.doc_id for a in read_folder(paths, "gold") if a.reviewed}
    )
    # A changed gold file (a label changed: the audit's strings change with it)
    # and a changed second annotation, with the other plans' parts from the cache.
    doc_id = sorted(texts)[0]
    for folder in ("gold", "second"):
        path = paths.annotations / folder / f"{doc_id}.jsonl"
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        changed = next(r for r in rows if r["spans"])
        changed["spans"][0]["label"] = "DATE" if changed["spans"][0]["label"] != "DATE" else "VALUE"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    fresh = everything(paths, texts, units)
    assert incremental(paths, cache, texts, units) == fresh
    assert incremental(paths, tmp_path / "empty-cache", texts, units) == fresh


def test_a_gold_file_holding_another_plans_units_falls_back(annotated_copy, tmp_path):
    paths = annotated_copy
    texts, units = texts_and_units(paths)
    source = next(paths.annotations.glob("gold/*.jsonl"))
    other = next(d for d in texts if d != source.stem)
    rows = source.read_text(encoding="utf-8").splitlines()
    (paths.annotations / "gold" / f"{other}.jsonl").write_text(rows[0] + "\n", encoding="utf-8")
    assert incremental(paths, tmp_path / "cache", texts, units) is None


def test_a_damaged_cached_part_is_computed_again(annotated_copy, tmp_path):
    paths = annotated_copy
    texts, units = texts_and_units(paths)
    cache = tmp_path / "cache"
    first = incremental(paths, cache, texts, units)
    for kind in ("audit", "agreement"):
        (cache / kind / "_merged.json").unlink()  # so the per-plan parts are read again
        part = sorted((cache / kind).glob("[!_]*.json"))[0]
        part.write_bytes(part.read_bytes()[:20])  # cut short, as a full disk would leave it
    assert incremental(paths, cache, texts, units) == first


def test_unchanged_parts_are_not_read_again(annotated_copy, tmp_path, monkeypatch):
    from builders.annotation import report

    paths = annotated_copy
    texts, units = texts_and_units(paths)
    cache = tmp_path / "cache"
    first = incremental(paths, cache, texts, units)
    read = []
    original = report._load_cached
    monkeypatch.setattr(report, "_load_cached", lambda path, key: read.append(path.name) or original(path, key))
    assert incremental(paths, cache, texts, units) == first
    assert read == ["_merged.json", "_audited.json", "_statistics.json"]  # agreement, audit and statistics, whole

    # A plan without annotations joins: its unit count shows, and neither
    # the per-plan parts nor the audit's strings are read or merged again.
    read.clear()
    texts["added-plan"], units["added-plan"] = "示例市新增规划。", 1
    with_added = incremental(paths, cache, texts, units)
    assert read == ["_merged.json", "_audited.json", "_statistics.json"]
    assert with_added["annotations/agreement.json"] == first["annotations/agreement.json"]
    assert "added-plan" in with_added["annotations/README.md"] and "added-plan" not in first["annotations/README.md"]
    assert with_added == everything(paths, texts, units)

    # The audit's counts are kept with the exceptions they were counted against.
    exceptions = paths.annotations / "audit_exceptions.yaml"
    assert "0 stale exception(s)" in with_added["annotations/README.md"] and exceptions.read_text(encoding="utf-8").strip() not in ("", "[]")
    exceptions.write_text(exceptions.read_text(encoding="utf-8") + "\n- {doc_id: x, start: 0, text: 不存在, label: DEPT, rule: r, reason: r}\n", encoding="utf-8")
    changed = incremental(paths, cache, texts, units)
    assert "1 stale exception(s)" in changed["annotations/README.md"] and changed == everything(paths, texts, units)
