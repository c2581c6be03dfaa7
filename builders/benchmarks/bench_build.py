"""Benchmark: build from seeds to a loadable dataset, and loading it.

Prints, as medians of several runs (each build in a fresh child process, so
peak memory is that build's own):
- wall time and peak resident memory of a full build (corpus, annotation
  report, dataset and card) of the seeds;
- the scale curve at 1x, 10x and 100x the seeds (a synthetic corpus made by
  repeating every plan, with its gold, under new ids), against the target
  "100x builds in at most 1.2 x 100 x the time of one copy";
- cold (empty cache) and warm `datasets.load_dataset` times for every config.

Run: .venv/bin/python builders/benchmarks/bench_build.py [--repeats 3] [--scales 1 10 100]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json, resource, sys, time
from pathlib import Path
from builders.build import build
from builders.project import Paths
started = time.perf_counter()
build(Paths(Path(sys.argv[1])))
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_project(target: Path, copies: int) -> None:
    """The seeds repeated `copies` times under new ids (each copy's bytes made
    unique by trailing line breaks, which cleaning removes, so the copy's clean
    text and units equal the original's), with the gold copied alongside."""
    for name in ("seeds", "annotations"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("tasks", "worksheets"))
    if copies == 1:
        return
    import hashlib

    manifest = yaml.safe_load((ROOT / "seeds" / "plans.yaml").read_text(encoding="utf-8"))
    entries = list(manifest)
    for copy in range(1, copies):
        for plan in manifest:
            new_id = f"{plan['id']}-copy{copy:03d}"
            raw = (ROOT / "seeds" / plan["raw_file"]).read_bytes() + b"\n" * copy
            (target / "seeds" / "raw" / f"{new_id}.txt").write_bytes(raw)
            entries.append(dict(plan, id=new_id, raw_file=f"raw/{new_id}.txt", sha256=hashlib.sha256(raw).hexdigest()))
            for folder in ("gold", "first", "second"):
                source = ROOT / "annotations" / folder / f"{plan['id']}.jsonl"
                if source.exists():
                    text = source.read_text(encoding="utf-8").replace(f'"doc_id": "{plan["id"]}"', f'"doc_id": "{new_id}"')
                    (target / "annotations" / folder / f"{new_id}.jsonl").write_text(text, encoding="utf-8")
    (target / "seeds" / "plans.yaml").write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # The reviewed repair tables are keyed by plan id: each copy gets its plan's entries.
    for table in ("errata.yaml", "garbled_runs.yaml", "noise.yaml"):
        rows = yaml.safe_load((ROOT / "seeds" / table).read_text(encoding="utf-8")) or []
        copied = list(rows) + [dict(row, doc_id=f"{row['doc_id']}-copy{copy:03d}") for copy in range(1, copies) for row in rows]
        (target / "seeds" / table).write_text(yaml.safe_dump(copied, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # Exceptions name offsets of the original plans only; copies are audited afresh.


def timed_build(project: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, str(project)], capture_output=True, text=True, cwd=ROOT)
    if result.returncode:
        raise RuntimeError(result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_builds(scales: list[int], repeats: int, big_repeats: int) -> dict[int, dict]:
    results = {}
    for scale in scales:
        runs = []
        for _ in range(repeats if scale < 100 else big_repeats):
            with tempfile.TemporaryDirectory() as tmp:
                project = Path(tmp) / "project"
                make_project(project, scale)
                runs.append(timed_build(project))
        results[scale] = {
            "seconds": statistics.median(r["seconds"] for r in runs),
            "peak_mib": statistics.median(r["peak_mib"] for r in runs),
            "runs": len(runs),
        }
        print(f"{scale:>4}x: build {results[scale]['seconds']:8.2f} s (median of {len(runs)}), peak RSS {results[scale]['peak_mib']:7.1f} MiB", flush=True)
    return results


def bench_loading(repeats: int) -> dict[str, dict]:
    import datasets

    datasets.disable_progress_bars()
    card = (ROOT / "README.md").read_text(encoding="utf-8").split("---\n")[1]
    configs = [c["config_name"] for c in yaml.safe_load(card)["configs"]]
    results = {}
    for config in configs:
        cold, warm = [], []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as cache:
                started = time.perf_counter()
                datasets.load_dataset(str(ROOT), config, cache_dir=cache)
                cold.append(time.perf_counter() - started)
                started = time.perf_counter()
                datasets.load_dataset(str(ROOT), config, cache_dir=cache)
                warm.append(time.perf_counter() - started)
        results[config] = {"cold": statistics.median(cold), "warm": statistics.median(warm)}
        print(f"load {config:<52} cold {results[config]['cold']:6.2f} s  warm {results[config]['warm']:6.2f} s", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (median reported)")
    parser.add_argument("--big-repeats", type=int, default=1, help="runs at 100x (each takes minutes)")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--skip-loading", action="store_true")
    args = parser.parse_args()
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    builds = bench_builds(args.scales, args.repeats, args.big_repeats)
    if 1 in builds:
        one = builds[1]["seconds"]
        for scale, result in builds.items():
            ratio = result["seconds"] / (scale * one)
            print(f"scale {scale:>4}x: {result['seconds']:.2f} s = {ratio:.2f} x ({scale} x one copy); target <= 1.20: {'met' if ratio <= 1.2 else 'MISSED'}")
    if not args.skip_loading:
        bench_loading(args.repeats)


if __name__ == "__main__":
    main()
