"""`plancorpus release` says what a release still lacks: each check fails on
the defect it names, and the command never passes while anything is missing
or was not checked."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from builders.release import check_changelog, check_croissant, check_git, check_versions, unreleased_entries

CHANGELOG = """# Changelog

## [Unreleased]

{unreleased}
## [1.1.0] - 2026-12-01

### Added

- more plans

## [1.0.0] - 2026-11-01
"""


def by_name(checks):
    return {check.name: check for check in checks}


def test_a_clean_changelog_for_the_version_passes():
    checks = by_name(check_changelog(CHANGELOG.format(unreleased=""), "1.1.0"))
    assert all(c.ok for c in checks.values()), checks


def test_unreleased_entries_mean_the_version_was_not_bumped():
    text = CHANGELOG.format(unreleased="### Fixed\n\n- a gold span\n- a title\n")
    assert unreleased_entries(text) == ["- a gold span", "- a title"]
    check = by_name(check_changelog(text, "1.1.0"))["Unreleased is empty"]
    assert check.ok is False and "2 entries" in check.detail and "bump VERSION" in check.detail


def test_a_version_without_its_section_or_older_than_the_changelog_fails():
    text = CHANGELOG.format(unreleased="")
    assert by_name(check_changelog(text, "1.2.0"))["CHANGELOG.md has the version"].ok is False
    older = by_name(check_changelog(text, "1.0.0"))
    assert older["CHANGELOG.md has the version"].ok and older["version is the newest"].ok is False
    assert by_name(check_changelog(text, "1.1"))["version is semantic"].ok is False


def test_versions_must_agree_across_the_release_files(paths, tmp_path):
    for name in ("pyproject.toml", "README.md", "croissant.json", "CITATION.cff"):
        shutil.copy2(paths.root / name, tmp_path / name)
    from builders import __version__

    assert check_versions(tmp_path, __version__)[0].ok
    document = json.loads((tmp_path / "croissant.json").read_text(encoding="utf-8"))
    document["version"] = "9.9.9"
    (tmp_path / "croissant.json").write_text(json.dumps(document), encoding="utf-8")
    check = check_versions(tmp_path, __version__)[0]
    assert check.ok is False and "croissant.json: 9.9.9" in check.detail


def test_a_data_file_that_differs_from_its_sha256_is_named(paths, tmp_path):
    shutil.copy2(paths.root / "croissant.json", tmp_path / "croissant.json")
    shutil.copytree(paths.root / "data", tmp_path / "data")
    victim = sorted((tmp_path / "data" / "spans").glob("*.parquet"))[0]
    victim.write_bytes(victim.read_bytes() + b"\0")
    checks = by_name(check_croissant(tmp_path))
    assert checks["croissant.json sha256 match the files"].ok is False
    assert victim.name in checks["croissant.json sha256 match the files"].detail


def test_an_existing_tag_and_uncommitted_files_are_reported(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "a.txt").write_text("a", encoding="utf-8")
    git("add", "a.txt")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "a")
    checks = by_name(check_git(tmp_path, "1.0.0"))
    assert checks["working tree clean"].ok and checks["version not tagged yet"].ok
    git("tag", "v1.0.0")
    (tmp_path / "b.txt").write_text("b", encoding="utf-8")
    checks = by_name(check_git(tmp_path, "1.0.0"))
    assert checks["working tree clean"].ok is False and checks["version not tagged yet"].ok is False


def test_the_command_lists_every_check_and_fails_while_one_is_unchecked(paths):
    result = subprocess.run(
        [sys.executable, "-m", "builders.cli", "--root", str(paths.root), "release", "--no-tests", "--no-build"],
        capture_output=True, text=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    output = result.stdout + result.stderr  # the console writes where the CLI's console does
    assert result.returncode == 1, output[-2000:]
    for name in ("versions agree", "croissant.json valid (mlcroissant)", "CITATION.cff valid", "Unreleased is empty", "tests pass"):
        assert name in output
    assert "not ready" in output and "git tag" not in output
