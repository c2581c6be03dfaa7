"""Publish the corpus and its reviewed gold as a Hugging Face dataset: rows
assembled, parquet shards and the card written. `datasets.load_dataset(<path
of a clone>)` then loads it offline, with no loading script.
"""

from __future__ import annotations

from pathlib import Path

from builders import __version__
from builders.annotation.gold import load_gold
from builders.annotation.labels import LabelSet
from builders.corpus.store import StoredDocument
from builders.dataset.card import card_blocks, card_metadata, render_card, size_category
from builders.dataset.tables import DatasetTables, assemble, write_dataset


def publish(
    root: Path,
    docs: list[StoredDocument],
    plans: dict[str, dict],
    labels: LabelSet,
    gold_dir: Path,
    static_metadata: dict,
    template: str,
    agreement: dict | None = None,
    baselines: dict | None = None,
    version: str = __version__,
) -> tuple[DatasetTables, str]:
    gold = load_gold(gold_dir, [d.doc_id for d in docs])
    tables = assemble(docs, plans, gold, labels)
    fingerprint = tables.fingerprint()
    metadata = dict(static_metadata)
    unit_rows = sum(len(rows) for kind, rows in tables.shards.values() if kind == "spans")
    metadata["size_categories"] = [size_category(unit_rows)]
    metadata = card_metadata(tables, fingerprint, metadata)
    readme = render_card(template, metadata, card_blocks(tables, fingerprint, docs, plans, labels, agreement, baselines, version))
    write_dataset(root, tables, readme)
    return tables, fingerprint

