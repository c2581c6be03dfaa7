from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from builders.build import build_documents
from builders.project import Paths

ROOT = Path(__file__).resolve().parent.parent

# Nothing in the tests may reach a model or dataset hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"


@pytest.fixture(scope="session")
def paths() -> Paths:
    return Paths(ROOT)


@pytest.fixture(scope="session")
def built(paths):
    """The corpus as a fresh build from the seeds (not the committed files)."""
    return {doc.doc_id: doc for doc in build_documents(paths.seeds)}


@pytest.fixture
def project_copy(tmp_path, paths) -> Paths:
    """A scratch copy of seeds/ and corpus/ for tests that break things."""
    for name in ("seeds", "corpus"):
        if (paths.root / name).exists():
            shutil.copytree(paths.root / name, tmp_path / name)
    return Paths(tmp_path)
