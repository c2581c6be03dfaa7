"""The main job: seeds to corpus, annotation report, dataset and card.

This module wires the stages together in one direction: corpus (seeds ->
clean -> segment -> store) -> annotation (report) -> dataset (tables, card).
It holds no rules of its own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from builders.annotation.labels import load_labels
from builders.annotation.report import measure_agreement, write_annotation_report
from builders.corpus.clean import clean_seed, residual_noise, to_simplified
from builders.corpus.seeds import (
    load_errata,
    load_garbled_runs,
    load_manifest,
    load_noise,
    read_seed,
    select_plans,
)
from builders.corpus.segment import segment
from builders.corpus.store import (
    BuiltDocument,
    read_corpus,
    restoration_counts,
    write_corpus,
)
from builders.dataset.publish import publish
from builders.io import load_yaml
from builders.project import CONFIG_DIR, TEMPLATES_DIR, Paths
from builders.transaction import Transaction


@dataclass
class BuildReport:
    documents: list[BuiltDocument] = field(default_factory=list)
    seconds: float = 0.0
    fingerprint: str = ""
    published_units: int = 0

    def rows(self) -> list[dict]:
        rows = []
        for doc in self.documents:
            counts = doc.structure.counts()
            restored = restoration_counts(doc.clean.edits)
            rows.append(
                {
                    "doc_id": doc.doc_id,
                    "raw chars": len(doc.clean.raw_text),
                    "clean chars": len(doc.clean.text),
                    "headings": counts["headings"],
                    "task items": counts["task_items"],
                    "trailers": counts["responsibility_trailers"],
                    "units": counts["units"],
                    "edits": len(doc.clean.edits),
                    "restored chars": restored["restored_chars"],
                    "low-confidence": restored["low_confidence_chars"],
                }
            )
        return rows


def build_documents(
    seeds_dir: Path,
    ids: list[str] | None = None,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> list[BuiltDocument]:
    plans = select_plans(load_manifest(seeds_dir), ids)
    errata = load_errata(seeds_dir)
    runs = load_garbled_runs(seeds_dir)
    noise = load_noise(seeds_dir)
    docs = []
    for plan in progress(plans):
        seed = read_seed(seeds_dir, plan)
        clean = clean_seed(seed, errata, runs, noise=noise)
        text_simplified = to_simplified(clean.text, plan.script, doc_id=plan.id)
        docs.append(BuiltDocument(plan.id, plan.metadata, clean, text_simplified, segment(clean.text)))
    return docs


def build(paths: Paths = Paths(), progress: Callable[[Iterable], Iterable] = lambda items: items) -> BuildReport:
    """Rebuild the corpus from the seeds, then publish the dataset and card.

    Nothing is written unless every document builds; the previous corpus and
    dataset stay in place on failure.
    """
    started = time.perf_counter()
    # Holds the project's lock: a second concurrent build fails with a clear message.
    with Transaction(paths.root, "build"):
        docs = build_documents(paths.seeds, progress=progress)
        write_corpus(docs, paths.corpus)
        report_annotations(paths)
        tables, fingerprint = publish_dataset(paths)
    units = sum(len(rows) for kind, rows in tables.shards.values() if kind == "spans")
    return BuildReport(docs, time.perf_counter() - started, fingerprint, units)


def report_annotations(paths: Paths = Paths()) -> None:
    """Agreement figures and annotations/README.md, from the annotation files."""
    if any((paths.annotations / "second").glob("*.jsonl")):
        measure_agreement(paths)
    write_annotation_report(paths)


def publish_dataset(paths: Paths = Paths()):
    """Publish data/ and README.md from the built corpus and the reviewed gold."""
    plans = {plan.id: plan.metadata for plan in load_manifest(paths.seeds)}
    stored = read_corpus(paths.corpus)
    template = (TEMPLATES_DIR / "README.md").read_text(encoding="utf-8")
    static = load_yaml(CONFIG_DIR / "card.yaml")
    agreement = _optional_json(paths.annotations / "agreement.json")
    baselines = _optional_json(paths.results / "baselines.json")
    return publish(
        paths.root, stored, plans, load_labels(paths.annotations / "labels.yaml"), paths.annotations / "gold",
        static, template, agreement, baselines,
    )


def _optional_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def noise_report(docs: list[BuiltDocument]) -> dict[str, list[tuple[int, str]]]:
    return {doc.doc_id: residual_noise(doc.clean.text) for doc in docs}

