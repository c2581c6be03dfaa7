"""Shared fixtures of the dataset tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from builders.project import Paths

ROOT = Path(__file__).resolve().parents[3]
TWO_PLANS = ("xinzhou-2017-central-rise", "chifeng-2017-northeast-revitalization")


def two_plan_project(target: Path, with_table: bool = False) -> Paths:
    """A project of two seed plans with their seeds, span gold and normalised
    gold (and, with `with_table`, the departments alias table)."""
    (target / "seeds" / "raw").mkdir(parents=True)
    manifest = [p for p in yaml.safe_load((ROOT / "seeds" / "plans.yaml").read_text(encoding="utf-8")) if p["id"] in TWO_PLANS]
    for plan in manifest:
        shutil.copyfile(ROOT / "seeds" / plan["raw_file"], target / "seeds" / plan["raw_file"])
    (target / "seeds" / "plans.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    for table in ("errata.yaml", "garbled_runs.yaml", "noise.yaml"):
        rows = [r for r in yaml.safe_load((ROOT / "seeds" / table).read_text(encoding="utf-8")) or [] if r["doc_id"] in TWO_PLANS]
        (target / "seeds" / table).write_text(yaml.safe_dump(rows, allow_unicode=True), encoding="utf-8")
    (target / "annotations").mkdir()
    for name in ("labels.yaml", "audit_exceptions.yaml"):
        shutil.copyfile(ROOT / "annotations" / name, target / "annotations" / name)
    for folder in ("gold", "normalized"):
        (target / "annotations" / folder).mkdir()
        for plan_id in TWO_PLANS:
            shutil.copyfile(ROOT / "annotations" / folder / f"{plan_id}.jsonl", target / "annotations" / folder / f"{plan_id}.jsonl")
    if with_table:
        (target / "annotations" / "normalization").mkdir()
        shutil.copyfile(ROOT / "annotations" / "normalization" / "departments.yaml", target / "annotations" / "normalization" / "departments.yaml")
    return Paths(target)


@pytest.fixture
def make_two_plan_project():
    return two_plan_project
