"""`plancorpus`: the command line over the library.

Every subcommand is a thin wrapper: the work is done by functions in the
`builders` and `evaluation` packages, callable from Python with the same
arguments.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from rich.console import Console
from rich.progress import track
from rich.table import Table

from .build import Paths, build, noise_report
from .seeds import SeedError

DESCRIPTION = """\
Build and check the corpus of Chinese municipal development plans.

The main job is `plancorpus build`: it reads the raw plans in seeds/, cleans them
(every repair logged, every clean character traced to its raw offset), parses
their structure and writes corpus/. Offsets are Unicode code points, half-open.
"""

console = Console(stderr=True)


def _table(title: str, rows: list[dict]) -> Table:
    table = Table(title=title)
    if not rows:
        return table
    for column in rows[0]:
        table.add_column(column, justify="left" if column == "doc_id" else "right")
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    return table


def _progress(description: str):
    def wrap(items: Iterable) -> Iterable:
        items = list(items)
        return track(items, description=description, console=console, disable=len(items) < 2)

    return wrap


def command_build(args: argparse.Namespace) -> int:
    paths = Paths(Path(args.root).resolve())
    report = build(paths, progress=_progress("cleaning and segmenting"))
    console.print(_table("corpus built", report.rows()))
    problems = {doc_id: found for doc_id, found in noise_report(report.documents).items() if found}
    for doc_id, found in problems.items():
        for offset, what in found[:10]:
            console.print(f"[yellow]warning[/]: {doc_id}: clean offset {offset}: {what}")
    console.print(f"wrote {paths.corpus} in {report.seconds:.2f} s")
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plancorpus", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", default=str(Paths().root), help="project folder holding seeds/ and corpus/ (default: this checkout)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub = commands.add_parser(
        "build",
        help="rebuild corpus/ from seeds/",
        description="Rebuild corpus/ from seeds/. Checks every seed's sha256 against seeds/plans.yaml, "
        "applies the reviewed repair tables (seeds/errata.yaml, seeds/garbled_runs.yaml), removes noise, "
        "converts to Simplified, parses structure, and replaces corpus/ only when every plan built.",
    )
    sub.set_defaults(handler=command_build)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (SeedError, ValueError, FileNotFoundError) as error:
        console.print(f"[red]error[/]: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
