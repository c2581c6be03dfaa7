"""The installable package: every subpackage and every data file the code
reads at run time goes into the wheel, and the version has one source."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from setuptools.config.pyprojecttoml import read_configuration

import builders
import evaluation

ROOT = Path(__file__).resolve().parent.parent
TREES = ("builders", "evaluation")
# Files under the package trees that are deliberately not package data:
# benchmark scripts (not importable) and results the build reads from a
# checkout, not from an installed package; reports written by runs (ignored by git).
NOT_IN_WHEEL = ("builders/benchmarks/", "evaluation/benchmarks/", "evaluation/results/", "evaluation/reports/")


def expected_packages() -> set[str]:
    return {
        ".".join(init.parent.relative_to(ROOT).parts)
        for tree in TREES
        for init in (ROOT / tree).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }


def expected_files() -> set[str]:
    """Every tracked-looking file of the trees: modules and data alike."""
    found = set()
    for tree in TREES:
        for path in (ROOT / tree).rglob("*"):
            relative = path.relative_to(ROOT).as_posix()
            if path.is_file() and "__pycache__" not in path.parts and not relative.startswith(NOT_IN_WHEEL):
                found.add(relative)
    return found


def test_setuptools_discovers_every_subpackage():
    config = read_configuration(ROOT / "pyproject.toml", expand=True)
    packages = set(config["tool"]["setuptools"]["packages"])
    assert expected_packages() <= packages, f"missing from the wheel: {expected_packages() - packages}"
    assert {"builders.dataset", "builders.corpus", "evaluation.models", "evaluation.report"} <= packages


def test_the_version_has_one_source():
    version = (ROOT / "builders" / "config" / "VERSION").read_text(encoding="utf-8").strip()
    config = read_configuration(ROOT / "pyproject.toml", expand=True)
    assert config["project"]["version"].strip() == version == builders.__version__ == evaluation.__version__
    major, minor, patch = version.split(".")  # semantic versioning: three numbers
    assert all(part.isdigit() for part in (major, minor, patch))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """A wheel built from a copy of the sources (so the checkout gets no build/)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    for tree in TREES:
        shutil.copytree(ROOT / tree, source / tree, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    code = f"from setuptools import build_meta; print(build_meta.build_wheel({str(out)!r}))"
    result = subprocess.run([sys.executable, "-c", code], cwd=source, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return zipfile.ZipFile(out / result.stdout.strip().splitlines()[-1])


def test_the_wheel_holds_every_module_and_data_file(wheel):
    names = set(wheel.namelist())
    missing = sorted(expected_files() - names)
    assert missing == [], f"not in the wheel: {missing}"
    assert "builders/config/VERSION" in names and "builders/templates/README.md" in names


def test_the_wheel_is_named_and_versioned_from_the_version_file(wheel):
    metadata = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    text = wheel.read(metadata).decode("utf-8")
    assert f"\nVersion: {builders.__version__}\n" in text
    entry_points = wheel.read(metadata.replace("METADATA", "entry_points.txt")).decode("utf-8")
    assert "plancorpus = builders.cli:main" in entry_points


def test_license_changelog_and_card_agree_on_the_version():
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = [line for line in changelog.splitlines() if line.startswith("## [")]
    assert headings[0] == "## [Unreleased]", "others append under Unreleased: keep it first"
    released = [h for h in headings[1:] if h.startswith(f"## [{builders.__version__}] - ")]
    assert released, f"CHANGELOG.md has no section for version {builders.__version__}"
    card = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"This is version **{builders.__version__}**" in card
    assert "cc-by-4.0" in card.split("---\n")[1] and "CC BY 4.0" in (ROOT / "DATA_LICENSE.md").read_text(encoding="utf-8")
