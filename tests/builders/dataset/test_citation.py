"""CITATION.cff is valid Citation File Format 1.2.0 and carries the version,
its release date from CHANGELOG.md, and the same reference as the card."""

import cffconvert
import pytest
import yaml

import builders
from builders.dataset.citation import bibtex, citation, citation_cff, release_date



def test_citation_cff_is_valid_cff_1_2_0(paths):
    text = (paths.root / "CITATION.cff").read_text(encoding="utf-8")
    cffconvert.Citation(text).validate()
    entry = yaml.safe_load(text)
    assert entry["cff-version"] == "1.2.0"
    assert entry["version"] == builders.__version__
    changelog = (paths.root / "CHANGELOG.md").read_text(encoding="utf-8")
    assert str(entry["date-released"]) == release_date(changelog, builders.__version__)


def test_the_validator_rejects_an_invalid_file():
    entry = citation({"cff-version": "1.2.0", "message": "cite", "title": "t"}, "1.0.0", None)
    with pytest.raises(Exception):
        cffconvert.Citation(citation_cff(entry)).validate()


def test_the_card_shows_the_same_reference(paths):
    entry = yaml.safe_load((paths.root / "CITATION.cff").read_text(encoding="utf-8"))
    entry["date-released"] = str(entry["date-released"])
    assert bibtex(entry) in (paths.root / "README.md").read_text(encoding="utf-8")


def test_release_date_reads_keep_a_changelog_headings():
    changelog = "# Changelog\n\n## [Unreleased]\n\n## [1.2.0] - 2026-12-01\n\n## [1.1.0] - 2026-11-01\n"
    assert release_date(changelog, "1.2.0") == "2026-12-01"
    assert release_date(changelog, "1.1.0") == "2026-11-01"
    assert release_date(changelog, "1.3.0") is None
