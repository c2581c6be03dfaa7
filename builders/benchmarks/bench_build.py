"""Benchmark: what a build costs, cold, unchanged and after adding one plan.

Prints, as medians of several runs, each in a fresh child process (so peak
memory is that run's own; pool workers' peak is reported separately):
- cold build (empty cache), no-op rebuild and `add-plan` of one plan (the
  median of `--adds` add-plans into the same corpus, the plan removed in
  between), at each scale (a synthetic corpus of the seeds repeated N times under new ids,
  with their gold and repair-table entries);
- the marginal cost per plan of a cold build between scales (1x -> 10x,
  10x -> 100x), which must not grow with the corpus;
- add-plan at each scale against add-plan into the seeds alone;
  (runs go in rounds, each scale once per round, and these two figures are
  compared within a round, then summarised as the median and the range over
  the rounds: a machine that slows down during the benchmark moves both
  sides of a comparison alike);
- serial (`--jobs 1`) against `--jobs 2`, at the largest scale below 100x;
- optionally, a single plan of about 50 MB (`--big-plan-mb 50`).
Ratios are computed from figures measured in the same run.

Run: .venv/bin/python builders/benchmarks/bench_build.py [--repeats 5] [--big-repeats 3] [--scales 1 10 100] [--big-plan-mb 50]

Where the time goes (cProfile, top functions by cumulative time, of a cold
build and of add-plan into a synthetic corpus of that scale, serial):

    .venv/bin/python builders/benchmarks/bench_build.py --profile 10
    .venv/bin/python builders/benchmarks/bench_build.py --profile 100 --incremental   # no-op and add-plan only
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import cProfile, io, json, os, pstats, resource, sys, time
from pathlib import Path
from builders.project import Paths
action, root, jobs = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
profiler = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
if profiler:
    profiler.enable()
started = time.perf_counter()
if action == "build":
    from builders.build import build
    report = build(Paths(root), jobs=jobs)
    built = len(report.built)
elif action == "remove-plan":
    from builders.plans.remove import remove_plan
    remove_plan(Paths(root), sys.argv[4])
    built = 0
else:
    from builders.plans import add_plan
    add_plan(Paths(root), Path(sys.argv[4]), sys.argv[5], {"city": "示例市", "title": "示例规划", "split": "train"})
    built = 1
seconds = time.perf_counter() - started
if profiler:
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(int(os.environ["BENCH_PROFILE"]))
    print(out.getvalue(), file=sys.stderr)
print(json.dumps({
    "seconds": seconds,
    "built": built,
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "worker_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def make_project(target: Path, copies: int) -> int:
    """The seeds repeated `copies` times under new ids (each copy's bytes made
    unique by trailing line breaks, which cleaning removes, so the copy's clean
    text and units equal the original's), with the gold copied alongside.
    Returns the number of plans."""
    for name in ("seeds", "annotations"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("tasks", "worksheets", "relations"))
    manifest = yaml.safe_load((ROOT / "seeds" / "plans.yaml").read_text(encoding="utf-8"))
    if copies == 1:
        return len(manifest)
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
    return len(entries)


def new_plan_file(folder: Path, megabytes: float = 0.0) -> Path:
    """A plan file not in the corpus: a seed's text with one more paragraph,
    repeated (under numbered chapter headings) to about `megabytes` if given."""
    base = (ROOT / "seeds" / "raw" / "xinzhou-2017-central-rise.txt").read_text(encoding="utf-8")
    text = base + "\n附：本规划由市人民政府办公室负责解释。\n"
    if megabytes:
        parts, size, n = [], 0, 0
        while size < megabytes * 1024 * 1024:
            n += 1
            part = f"\n第{n}部分\n" + base
            parts.append(part)
            size += len(part.encode("utf-8"))
        text = "".join(parts)
    path = folder / f"new-plan-{int(megabytes)}mb.txt"
    path.write_text(text, encoding="utf-8")
    return path


def run_child(*args: str, profile: int = 0) -> dict:
    env = dict(os.environ, BENCH_PROFILE=str(profile)) if profile else None
    result = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, cwd=ROOT, env=env)
    if result.returncode:
        raise RuntimeError(result.stderr[-3000:])
    if profile:
        print(result.stderr, flush=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def profile_scale(scale: int, tmp: Path, top: int = 40, cold: bool = True) -> None:
    """Print where a cold build (--jobs 1, so the plans are built in the
    profiled process) and an add-plan spend their time at `scale`; with
    `cold` False, the project is built unprofiled (--jobs 2) and a no-op
    build is profiled instead of the cold one."""
    project = tmp / f"profile-x{scale}"
    plans = make_project(project, scale)
    if cold:
        print(f"--- profile: cold build at {scale}x ({plans} plans), --jobs 1")
        show("cold build (profiled)", run_child("build", str(project), "1", profile=top) | {"runs": 1})
    else:
        show(f"cold build at {scale}x ({plans} plans), not profiled", run_child("build", str(project), "2") | {"runs": 1})
        print(f"--- profile: no-op build at {scale}x")
        show("no-op build (profiled)", run_child("build", str(project), "1", profile=top) | {"runs": 1})
    print(f"--- profile: add-plan into {scale}x")
    source = new_plan_file(tmp)
    show("add-plan (profiled)", run_child("add-plan", str(project), "1", str(source), "added-plan", profile=top) | {"runs": 1})
    shutil.rmtree(project)


def median_of(runs: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]} | {"runs": len(runs)}


def bench_scale(scale: int, jobs: int, tmp: Path, tag: str, adds: int = 1) -> dict:
    """One run at `scale`, in a new project: cold build, no-op rebuild, and
    add-plan `adds` times (the plan removed again, untimed, in between, so
    each adds to the same corpus; the median is the run's figure: one
    add-plan takes seconds, and a round at 100x minutes)."""
    project = tmp / f"x{scale}-{tag}"
    plans = make_project(project, scale)
    cold = run_child("build", str(project), str(jobs))
    noop = run_child("build", str(project), str(jobs))
    source = str(new_plan_file(tmp))
    added = []
    for attempt in range(adds):
        if attempt:
            run_child("remove-plan", str(project), str(jobs), f"added-plan-{tag}")
        added.append(run_child("add-plan", str(project), str(jobs), source, f"added-plan-{tag}"))
    shutil.rmtree(project)
    return {"plans": plans, "cold": cold, "noop": noop, "add": median_of(added)}


def bench_rounds(scales: list[int], repeats: int, big_repeats: int, jobs: int, tmp: Path, adds: int = 1) -> dict[int, list[dict]]:
    """Runs in rounds, every scale once per round (100x and above only in
    the first `big_repeats` rounds), so a machine that slows down or speeds
    up during the benchmark moves every scale alike, and figures compared
    with each other (the marginal cost, the add-plan ratio) are taken from
    runs of the same round."""
    runs: dict[int, list[dict]] = {scale: [] for scale in scales}
    wanted = {scale: repeats if scale < 100 else big_repeats for scale in scales}
    for round_ in range(max(wanted.values())):
        for scale in scales:
            if round_ < wanted[scale]:
                runs[scale].append(bench_scale(scale, jobs, tmp, str(round_), adds) | {"round": round_})
    return runs


def paired(runs: dict[int, list[dict]], small: int, large: int, figure) -> list[float]:
    """`figure(small_run, large_run)` for every round that ran both scales."""
    by_round = {run["round"]: run for run in runs[small]}
    return [figure(by_round[run["round"]], run) for run in runs[large] if run["round"] in by_round]


def spread(values: list[float], scale: float, form: str, unit: str = "") -> str:
    low, middle, high = (format(v * scale, form).strip() + unit for v in (min(values), statistics.median(values), max(values)))
    return f"{middle}   [{low} to {high}, {len(values)} round(s)]"


def show(label: str, figures: dict) -> None:
    print(
        f"{label:<34} {figures['seconds']:8.2f} s   peak {figures['peak_mib']:7.1f} MiB"
        f" (workers {figures['worker_peak_mib']:6.1f} MiB)   median of {figures['runs']}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="rounds below 100x (medians reported)")
    parser.add_argument("--big-repeats", type=int, default=1, help="rounds that include 100x and above (each takes minutes)")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--adds", type=int, default=3, help="add-plans per run, the median kept (default 3)")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs of the builds (default 2)")
    parser.add_argument("--big-plan-mb", type=float, default=0, help="also add one plan of this many MB (e.g. 50)")
    parser.add_argument("--profile", type=int, metavar="SCALE", help="only profile a cold build and add-plan at this scale")
    parser.add_argument("--incremental", action="store_true",
                        help="with --profile: build unprofiled, then profile a no-op build and add-plan only (minutes faster at 100x)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.profile:
        with tempfile.TemporaryDirectory() as tmp:
            profile_scale(args.profile, Path(tmp), cold=not args.incremental)
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        scales = sorted(args.scales)
        runs = bench_rounds(scales, args.repeats, args.big_repeats, args.jobs, tmp, args.adds)
        for scale in scales:
            print(f"--- {scale}x: {runs[scale][0]['plans']} plans, --jobs {args.jobs}")
            for label, key in (("cold build", "cold"), ("no-op rebuild", "noop"), (f"add-plan (median of {args.adds} a run)", "add")):
                show(label, median_of([run[key] for run in runs[scale]]))
        print("--- figures compared within a round: median [lowest, highest] over the rounds")
        for small, large in zip(scales, scales[1:]):
            per_plan = paired(runs, small, large, lambda a, b: (b["cold"]["seconds"] - a["cold"]["seconds"]) / (b["plans"] - a["plans"]))
            print(f"marginal cost per plan, cold build, {small}x -> {large}x: {spread(per_plan, 1000, '7.1f', ' ms/plan')}")
        for scale in scales[1:]:
            ratio = paired(runs, scales[0], scale, lambda a, b: b["add"]["seconds"] / a["add"]["seconds"])
            print(f"add-plan at {scale}x / add-plan at {scales[0]}x: {spread(ratio, 1, '5.2f')}")
        mid = max((s for s in scales if s < 100), default=None)
        if mid is not None:
            serial, parallel = [], []
            for repeat in range(args.repeats):
                for jobs, into in ((1, serial), (2, parallel)):
                    project = tmp / f"jobs{jobs}-{repeat}"
                    make_project(project, mid)
                    into.append(run_child("build", str(project), str(jobs)))
                    shutil.rmtree(project)
            s, p = median_of(serial), median_of(parallel)
            print(f"--- {mid}x cold build, serial against --jobs 2")
            show("--jobs 1", s)
            show("--jobs 2", p)
            print(f"speed-up --jobs 2 over --jobs 1: {s['seconds'] / p['seconds']:5.2f}")
        if args.big_plan_mb:
            project = tmp / "big"
            make_project(project, 1)
            run_child("build", str(project), str(args.jobs))
            source = new_plan_file(tmp, args.big_plan_mb)
            big = run_child("add-plan", str(project), str(args.jobs), str(source), "big-plan")
            print(f"--- one plan of {source.stat().st_size / 2**20:.1f} MiB added to the seeds")
            show("add-plan (big plan)", big | {"runs": 1})


if __name__ == "__main__":
    main()
