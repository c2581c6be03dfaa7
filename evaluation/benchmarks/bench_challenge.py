"""Score the rule pre-annotation, cleaning and structure on the challenge set.

    python evaluation/benchmarks/bench_challenge.py [--details] [--fragments PATH]

Prints per-label strict precision, recall and F1 of the rule pre-annotation
(SemEval-2013 strict: exact boundaries and label) over the invented fragments of
tests/data/challenge_fragments.yaml, then how many fragments get their cleaning,
block kinds, heading levels and responsibility trailers exactly right.
`--details` lists, per fragment, what differs.

The fragments were written by the same person who wrote the rules: the figures
say which forms the rules handle, not how they do on plans nobody has read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evaluation.challenge import FRAGMENTS_PATH, ChallengeError, load_fragments, report_lines, run_challenge  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fragments", type=Path, default=FRAGMENTS_PATH, help="challenge set YAML")
    parser.add_argument("--details", action="store_true", help="list what differs, fragment by fragment")
    args = parser.parse_args(argv)
    try:
        fragments = load_fragments(args.fragments)
    except ChallengeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    result = run_challenge(fragments)
    print("\n".join(report_lines(result, details=args.details)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
