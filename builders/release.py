"""Is this checkout ready to be released as version `builders/config/VERSION`?

`release_checks` answers with one `Check` per condition, each saying what is
wrong and what to do. It changes nothing and creates no tag: tagging is the
release manager's step, printed at the end when everything passes.

The conditions:
- the version is semantic (MAJOR.MINOR.PATCH), has its dated section in
  CHANGELOG.md, is the newest there, and is not tagged yet;
- "Unreleased" in CHANGELOG.md is empty (its entries moved under the version);
- pyproject, the card, croissant.json and CITATION.cff carry the version;
- croissant.json is valid Croissant (mlcroissant) and names each data file
  with its sha256; CITATION.cff is valid CFF 1.2.0 (cffconvert);
- README.md, croissant.json, CITATION.cff and data/ equal a fresh build
  (built in a scratch copy, so the checkout is not touched);
- the curated metadata is complete (homepage, a description for every field);
- the git tree is clean, and the test suite passes (unless skipped).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from builders import __version__
from builders.dataset.citation import CITATION_FILE
from builders.dataset.croissant import CROISSANT_FILE
from builders.io import sha256_file
from builders.project import Paths

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
VERSION_HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})\s*$", re.M)
GENERATED = ("README.md", CROISSANT_FILE, CITATION_FILE)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not checked (a tool missing, or skipped on request)
    detail: str  # what was found, and what to do when it is not ok


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def unreleased_entries(changelog: str) -> list[str]:
    """The bullet entries under `## [Unreleased]`, up to the next version heading."""
    match = re.search(r"^## \[Unreleased\]\s*$(.*?)(?=^## \[|\Z)", changelog, flags=re.M | re.S)
    if not match:
        return []
    return [line.strip() for line in match.group(1).splitlines() if line.lstrip().startswith(("- ", "* "))]


def check_changelog(changelog: str, version: str) -> list[Check]:
    checks = [
        Check("version is semantic", bool(SEMVER.match(version)),
              f"builders/config/VERSION is {version!r}" + ("" if SEMVER.match(version) else "; write MAJOR.MINOR.PATCH")),
    ]
    released = VERSION_HEADING.findall(changelog)
    dated = dict(released)
    checks.append(
        Check("CHANGELOG.md has the version", version in dated,
              f"section ## [{version}] - {dated[version]}" if version in dated
              else f"no `## [{version}] - YYYY-MM-DD` section: move the Unreleased entries under it")
    )
    if SEMVER.match(version):
        newer = [v for v, _ in released if SEMVER.match(v) and _version_tuple(v) > _version_tuple(version)]
        checks.append(
            Check("version is the newest", not newer,
                  "no newer version in CHANGELOG.md" if not newer else f"CHANGELOG.md has newer {', '.join(newer)}: bump VERSION")
        )
    entries = unreleased_entries(changelog)
    checks.append(
        Check("Unreleased is empty", not entries,
              "nothing waits in Unreleased" if not entries else
              f"{len(entries)} entries under Unreleased: bump VERSION (major: labels, schema or splits changed; "
              "minor: plans, gold or layers added; patch: fixes) and move them under the new version's heading")
    )
    return checks


def check_versions(root: Path, version: str) -> list[Check]:
    found = {}
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8") if (root / "pyproject.toml").exists() else ""
    found["pyproject"] = version if 'version = { file = "builders/config/VERSION" }' in pyproject else "not read from VERSION"
    card = (root / "README.md").read_text(encoding="utf-8") if (root / "README.md").exists() else ""
    match = re.search(r"Version \*\*([^*]+)\*\*", card)
    found["README.md"] = match.group(1) if match else "missing"
    try:
        found[CROISSANT_FILE] = json.loads((root / CROISSANT_FILE).read_text(encoding="utf-8")).get("version", "missing")
    except (OSError, json.JSONDecodeError) as error:
        found[CROISSANT_FILE] = f"unreadable ({error})"
    try:
        found[CITATION_FILE] = str(yaml.safe_load((root / CITATION_FILE).read_text(encoding="utf-8")).get("version", "missing"))
    except (OSError, yaml.YAMLError, AttributeError) as error:
        found[CITATION_FILE] = f"unreadable ({error})"
    wrong = {where: value for where, value in found.items() if value != version}
    return [
        Check("versions agree", not wrong,
              f"{version} everywhere" if not wrong else
              "; ".join(f"{where}: {value}" for where, value in wrong.items()) + " (run `plancorpus build`)")
    ]


def check_files(root: Path) -> list[Check]:
    missing = [name for name in ("LICENSE", "DATA_LICENSE.md", "CHANGELOG.md", CITATION_FILE, CROISSANT_FILE) if not (root / name).exists()]
    return [Check("release files present", not missing, "LICENSE, DATA_LICENSE.md, CHANGELOG.md, CITATION.cff, croissant.json"
                  if not missing else f"missing: {', '.join(missing)}")]


def check_croissant(root: Path) -> list[Check]:
    path = root / CROISSANT_FILE
    if not path.exists():
        return [Check("croissant.json valid", False, "missing: run `plancorpus build`")]
    document = json.loads(path.read_text(encoding="utf-8"))
    bad = []
    for entry in document.get("distribution", []):
        if entry.get("@type") == "cr:FileObject":
            file = root / entry["contentUrl"]
            if not file.exists() or sha256_file(file) != entry.get("sha256"):
                bad.append(entry["contentUrl"])
    checks = [Check("croissant.json sha256 match the files", not bad,
                    "every data file" if not bad else f"{len(bad)} differ or are missing, e.g. {bad[0]}: run `plancorpus build`")]
    undescribed = sorted(
        {f["name"] for rs in document.get("recordSet", []) for f in rs.get("field", []) + [s for f in rs.get("field", []) for s in f.get("subField", [])]
         if not f.get("description") and rs["@id"] not in ("labels", "bio_tags")}
    )
    checks.append(Check("every field described", not undescribed,
                        "all fields" if not undescribed else f"add to `fields:` in builders/config/croissant.yaml: {', '.join(undescribed)}"))
    checks.append(Check("homepage set", bool(document.get("url")),
                        document.get("url") or "set `url` in builders/config/croissant.yaml (and `url` in citation.yaml) once the dataset has a public home"))
    try:
        import mlcroissant
    except ImportError:
        checks.append(Check("croissant.json valid (mlcroissant)", None, "not checked: install the test extra (pip install -e '.[test]')"))
        return checks
    try:
        dataset = mlcroissant.Dataset(str(path))
        issues = dataset.metadata.ctx.issues
        checks.append(Check("croissant.json valid (mlcroissant)", not issues.errors and not issues.warnings, issues.report() or "no errors, no warnings"))
    except Exception as error:  # mlcroissant raises its own ValidationError with the report
        checks.append(Check("croissant.json valid (mlcroissant)", False, str(error).strip().splitlines()[-1][:500]))
    return checks


def check_citation(root: Path) -> list[Check]:
    path = root / CITATION_FILE
    if not path.exists():
        return [Check("CITATION.cff valid", False, "missing: run `plancorpus build`")]
    try:
        from cffconvert import Citation
    except ImportError:
        return [Check("CITATION.cff valid", None, "not checked: install the test extra (pip install -e '.[test]')")]
    try:
        Citation(path.read_text(encoding="utf-8")).validate()
    except Exception as error:
        return [Check("CITATION.cff valid", False, str(error).strip().splitlines()[0][:500])]
    return [Check("CITATION.cff valid", True, "valid CFF 1.2.0")]


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)


def check_git(root: Path, version: str) -> list[Check]:
    try:
        status = _git(root, "status", "--porcelain")
        tags = _git(root, "tag", "--list", f"v{version}")
    except FileNotFoundError:
        return [Check("git", None, "not checked: git not found")]
    if status.returncode:
        return [Check("git", None, f"not checked: {status.stderr.strip()[:200]}")]
    dirty = [line for line in status.stdout.splitlines() if line.strip()]
    return [
        Check("working tree clean", not dirty, "nothing uncommitted" if not dirty else f"{len(dirty)} uncommitted path(s), e.g. {dirty[0].strip()}"),
        Check("version not tagged yet", not tags.stdout.strip(),
              f"no tag v{version}" if not tags.stdout.strip() else f"v{version} is already tagged: bump VERSION for a new release"),
    ]


def check_fresh(paths: Paths) -> list[Check]:
    """Build a scratch copy of the project's inputs and compare the outputs."""
    from builders.build import build

    root = paths.root
    with tempfile.TemporaryDirectory(prefix="release-check-") as scratch:
        copy = Path(scratch)
        for name in ("seeds", "annotations"):
            shutil.copytree(root / name, copy / name)
        if (root / "CHANGELOG.md").exists():
            shutil.copy2(root / "CHANGELOG.md", copy / "CHANGELOG.md")
        if (root / "evaluation" / "results").exists():
            shutil.copytree(root / "evaluation" / "results", copy / "evaluation" / "results")
        build(Paths(copy), jobs=1)
        stale = [name for name in GENERATED if not (root / name).exists() or (root / name).read_bytes() != (copy / name).read_bytes()]
        committed = {p.relative_to(root).as_posix(): p.read_bytes() for p in (root / "data").rglob("*.parquet")}
        fresh = {p.relative_to(copy).as_posix(): p.read_bytes() for p in (copy / "data").rglob("*.parquet")}
        if committed != fresh:
            stale.append("data/")
    return [Check("outputs fresh", not stale, "equal a fresh build" if not stale else f"stale: {', '.join(stale)}: run `plancorpus build` and commit")]


def check_tests(root: Path) -> list[Check]:
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=root, capture_output=True, text=True)
    last = (result.stdout.strip().splitlines() or ["no output"])[-1]
    return [Check("tests pass", result.returncode == 0, last)]


def release_checks(paths: Paths = Paths(), version: str = __version__, run_tests: bool = True, check_build: bool = True) -> list[Check]:
    root = paths.root
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8") if (root / "CHANGELOG.md").exists() else ""
    checks = check_files(root) + check_changelog(changelog, version) + check_versions(root, version)
    checks += check_croissant(root) + check_citation(root) + check_git(root, version)
    checks += check_fresh(paths) if check_build else [Check("outputs fresh", None, "skipped (--no-build)")]
    checks += check_tests(root) if run_tests else [Check("tests pass", None, "skipped (--no-tests)")]
    return checks


def tag_commands(version: str) -> list[str]:
    """What the release manager runs once every check passes (never run here)."""
    return [f'git tag -a v{version} -m "zh-plan-ner {version}"', f"git push origin v{version}"]
