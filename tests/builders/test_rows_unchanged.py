"""Every config's rows equal the recorded ones, for the same inputs.

A fresh build of the seeds (in a scratch copy) is read back config by config,
split by split, and each split's rows, as canonical JSON (sorted keys, one row
per line, in the order `datasets` loads them), are hashed with sha256. The
hashes must equal `tests/data/rows_sha256.json`. Shard names, the corpus
storage format and the build's speed may change; the rows may not.

Regenerating the fixture (from the project root):

    .venv/bin/python tests/builders/test_rows_unchanged.py --regenerate

is legitimate only when the rows are meant to change, and the commit says why:
a new or changed column (add it to the features and the rows, then regenerate),
new or corrected gold, a new plan, a change of the seeds, a repair-table entry
or a cleaning/segmentation rule that changes unit text or offsets. Never
regenerate to make a refactor or a speed-up pass: for those, a changed hash is
the bug this test exists to catch. `git diff tests/data/rows_sha256.json` shows
which configs and splits changed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "data" / "rows_sha256.json"


def card_configs(root: Path) -> dict[str, dict[str, list[str]]]:
    """config -> split -> data files, from the card's front matter."""
    front = yaml.safe_load((root / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    return {
        c["config_name"]: {entry["split"]: list(entry["path"]) for entry in c["data_files"]} for c in front["configs"]
    }


def rows_digests(root: Path) -> dict[str, dict[str, dict]]:
    """config -> split -> {"rows": n, "sha256": hash of the canonical JSON rows}."""
    result: dict[str, dict[str, dict]] = {}
    for config, splits in sorted(card_configs(root).items()):
        for split, files in splits.items():
            digest, count = hashlib.sha256(), 0
            for name in files:
                for row in pq.read_table(root / name).to_pylist():
                    digest.update(json.dumps(row, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
                    count += 1
            result.setdefault(config, {})[split] = {"rows": count, "sha256": digest.hexdigest()}
    return result


def fresh_build(target: Path) -> Path:
    """A scratch copy of the project's inputs, built from the seeds."""
    from builders.build import build
    from builders.project import Paths

    for name in ("seeds", "annotations"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("tasks", "worksheets"))
    results = ROOT / "evaluation" / "results"
    if results.exists():
        shutil.copytree(results, target / "evaluation" / "results")
    build(Paths(target))
    return target


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    return fresh_build(tmp_path_factory.mktemp("rows") / "project")


def test_every_config_has_the_recorded_rows(fresh):
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))["configs"]
    actual = rows_digests(fresh)
    assert sorted(actual) == sorted(expected), "configs differ from tests/data/rows_sha256.json"
    changed = [
        f"{config}/{split}: {actual[config].get(split)} != {expected[config].get(split)}"
        for config in expected
        for split in sorted(set(expected[config]) | set(actual[config]))
        if actual[config].get(split) != expected[config].get(split)
    ]
    assert not changed, "rows changed (see this module's docstring before regenerating):\n" + "\n".join(changed)


def test_committed_data_has_the_recorded_rows():
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))["configs"]
    assert rows_digests(ROOT) == expected, "data/ differs from the fixture: run `plancorpus build` (or see the docstring)"


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit(__doc__)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        digests = rows_digests(fresh_build(Path(tmp) / "project"))
    FIXTURE.write_text(
        json.dumps(
            {
                "about": "sha256 of each config/split's rows as canonical JSON; see tests/builders/test_rows_unchanged.py "
                "for when and how to regenerate",
                "configs": digests,
            },
            ensure_ascii=False,
            indent=1,
            sort_keys=True,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {FIXTURE}")
