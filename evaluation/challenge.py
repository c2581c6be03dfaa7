"""The challenge set: invented plan fragments in the forms real municipal plans
take (tests/data/challenge_fragments.yaml), run through cleaning, structure and
the rule pre-annotation, and scored against what a reader expects.

Each fragment is treated as a tiny plan: its raw text is cleaned with the
project's cleaning rules, the expected clean text is segmented, and the units
are pre-annotated together (so plan-level passes see the whole fragment).
Spans are scored with the project's scorer (SemEval strict, per label) over
fragment-level offsets: code points of the expected clean text, half-open.

The set was written by the same person who wrote the rules; its scores show
which forms the rules handle, not how well they do on plans nobody has read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builders.annotation.gold import AnnotationError, pre_annotate_document, resolve_worksheet_spans
from builders.annotation.labels import Span, load_labels
from builders.corpus.clean import clean_seed
from builders.corpus.seeds import Plan, Seed
from builders.corpus.segment import BLOCK_KINDS, Structure, segment
from builders.io import load_yaml
from builders.project import ROOT
from evaluation.scorer import Entity, Scores, score

FRAGMENTS_PATH = ROOT / "tests" / "data" / "challenge_fragments.yaml"


class ChallengeError(ValueError):
    pass


@dataclass(frozen=True)
class Fragment:
    id: str
    form: str
    script: str
    raw: str
    clean: str  # the expected clean text
    blocks: tuple[str, ...]  # expected kind of every clean line
    levels: tuple[int, ...] | None
    trailers: tuple[str, ...]
    spans: tuple[Span, ...]  # expected spans in clean-text offsets


@dataclass(frozen=True)
class FragmentRun:
    fragment: Fragment
    cleaned: str  # what cleaning made of the raw text
    structure: Structure  # of the expected clean text
    predicted: tuple[Span, ...]  # pre-annotation of the expected clean text

    def structure_problems(self) -> list[str]:
        """What differs from the expected structure, in words; empty if nothing."""
        expected, problems = self.fragment, []
        if self.cleaned != expected.clean:
            problems.append(f"cleaning gives {self.cleaned!r}, expected {expected.clean!r}")
        kinds = tuple(b.kind for b in self.structure.blocks)
        if kinds != expected.blocks:
            problems.append(f"blocks {list(kinds)}, expected {list(expected.blocks)}")
        levels = tuple(b.level for b in self.structure.blocks)
        if expected.levels is not None and levels != expected.levels:
            problems.append(f"levels {list(levels)}, expected {list(expected.levels)}")
        trailers = tuple(expected.clean[u.start : u.end] for u in self.structure.units if u.kind == "trailer")
        if trailers != expected.trailers:
            problems.append(f"trailers {list(trailers)}, expected {list(expected.trailers)}")
        return problems

    def span_differences(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(missed, spurious) as (text, label) pairs."""
        text, gold, pred = self.fragment.clean, set(self.fragment.spans), set(self.predicted)
        as_pairs = lambda spans: [(text[s.start : s.end], s.label) for s in sorted(spans)]  # noqa: E731
        return as_pairs(gold - pred), as_pairs(pred - gold)


@dataclass(frozen=True)
class ChallengeResult:
    runs: tuple[FragmentRun, ...]
    scores: Scores

    @property
    def structure_correct(self) -> int:
        return sum(not run.structure_problems() for run in self.runs)

    def trailer_counts(self) -> tuple[int, int, int]:
        """(expected, found, found and expected) responsibility trailers."""
        expected = found = correct = 0
        for run in self.runs:
            text = run.fragment.clean
            wanted = list(run.fragment.trailers)
            got = [text[u.start : u.end] for u in run.structure.units if u.kind == "trailer"]
            expected, found = expected + len(wanted), found + len(got)
            for trailer in got:
                if trailer in wanted:
                    wanted.remove(trailer)
                    correct += 1
        return expected, found, correct


def _fail(path: Path, fragment_id: str, message: str) -> ChallengeError:
    return ChallengeError(f"{path}: fragment {fragment_id}: {message}")


def load_fragments(path: Path = FRAGMENTS_PATH) -> list[Fragment]:
    """Read and check the challenge set; a bad entry is an error naming the
    file and the fragment."""
    path = Path(path)
    data = load_yaml(path)
    if not isinstance(data, list):
        raise ChallengeError(f"{path}: expected a list of fragments")
    labels = set(load_labels().names)
    fragments, seen = [], set()
    for number, entry in enumerate(data, 1):
        fragment_id = entry.get("id", f"#{number}") if isinstance(entry, dict) else f"#{number}"
        if not isinstance(entry, dict) or not isinstance(entry.get("raw"), str):
            raise _fail(path, fragment_id, "needs at least id and raw")
        if fragment_id in seen:
            raise _fail(path, fragment_id, "duplicate id")
        seen.add(fragment_id)
        clean = entry.get("clean", entry["raw"])
        lines = clean.split("\n")
        blocks = tuple(entry.get("blocks") or ())
        if len(blocks) != len(lines) or any(kind not in BLOCK_KINDS for kind in blocks):
            raise _fail(path, fragment_id, f"blocks must give one of {BLOCK_KINDS} for each of the {len(lines)} clean lines")
        levels = entry.get("levels")
        if levels is not None and len(levels) != len(lines):
            raise _fail(path, fragment_id, f"levels must give a depth for each of the {len(lines)} clean lines")
        trailers = tuple(entry.get("trailers") or ())
        for trailer in trailers:
            if trailer not in clean:
                raise _fail(path, fragment_id, f"trailer {trailer!r} is not in the clean text")
        pairs = entry.get("spans") or []
        if any(isinstance(p, list) and len(p) >= 2 and p[1] not in labels for p in pairs):
            raise _fail(path, fragment_id, f"span labels must be among {sorted(labels)}")
        try:
            spans = tuple(resolve_worksheet_spans(clean, 0, pairs))
        except AnnotationError as error:
            raise _fail(path, fragment_id, str(error)) from error
        ordered = sorted(spans)
        if any(a.end > b.start for a, b in zip(ordered, ordered[1:])):
            raise _fail(path, fragment_id, "expected spans overlap")
        fragments.append(
            Fragment(
                id=fragment_id,
                form=str(entry.get("form", "")),
                script=str(entry.get("script", "Simplified")),
                raw=entry["raw"],
                clean=clean,
                blocks=blocks,
                levels=tuple(levels) if levels is not None else None,
                trailers=trailers,
                spans=spans,
            )
        )
    return fragments


def clean_fragment(fragment: Fragment) -> str:
    """The fragment's raw text through the project's cleaning rules (no
    reviewed repair tables: a new plan has none)."""
    plan = Plan(id=fragment.id, raw_file="", sha256="", script=fragment.script, title=None, city=None)
    return clean_seed(Seed(plan, fragment.raw, Path(f"<challenge {fragment.id}>"))).text


def run_fragment(fragment: Fragment) -> FragmentRun:
    structure = segment(fragment.clean)
    units = [{"index": u.index, "start": u.start, "end": u.end} for u in structure.units]
    per_unit = pre_annotate_document(fragment.clean, units)
    predicted = tuple(sorted(span for spans in per_unit.values() for span in spans))
    return FragmentRun(fragment, clean_fragment(fragment), structure, predicted)


def run_challenge(fragments: list[Fragment] | None = None) -> ChallengeResult:
    fragments = load_fragments() if fragments is None else fragments
    runs = tuple(run_fragment(f) for f in fragments)
    gold = [Entity(r.fragment.id, s.start, s.end, s.label) for r in runs for s in r.fragment.spans]
    pred = [Entity(r.fragment.id, s.start, s.end, s.label) for r in runs for s in r.predicted]
    return ChallengeResult(runs, score(gold, pred))


def report_lines(result: ChallengeResult, details: bool = False) -> list[str]:
    """A plain-text report: per-label strict P/R/F1, structure and trailers."""
    strict = result.scores["strict"]
    lines = [f"challenge set: {len(result.runs)} fragments, {sum(len(r.fragment.spans) for r in result.runs)} expected spans",
             "", "label       P      R      F1     gold  pred"]
    rows = list(strict.per_label.items()) + [("micro", strict.micro)]
    for label, s in rows:
        lines.append(f"{label:<10}{s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.possible:6d} {s.actual:5d}")
    expected, found, correct = result.trailer_counts()
    lines += [
        "",
        f"structure (cleaning, block kinds, levels, trailers) exactly right: {result.structure_correct}/{len(result.runs)} fragments",
        f"responsibility trailers: {correct} of {expected} expected found, {found - correct} spurious",
    ]
    if details:
        for run in result.runs:
            problems = run.structure_problems()
            missed, spurious = run.span_differences()
            if problems or missed or spurious:
                lines.append(f"\n{run.fragment.id} ({run.fragment.form})")
                lines += [f"  structure: {p}" for p in problems]
                lines += [f"  missed:   {t} {l}" for t, l in missed]
                lines += [f"  spurious: {t} {l}" for t, l in spurious]
    return lines
