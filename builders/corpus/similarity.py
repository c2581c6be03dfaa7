"""How alike two plans' texts are, at the cost of the plan that changed.

`add-plan` warns when a new plan shares most of its character n-grams with a
seed (another version or an excerpt of the same plan would put the same text
in two splits) and refuses one with the same text. Comparing the new text
with every seed's full n-gram set costs the whole corpus on every add, so each
seed keeps a compact sketch in the build cache instead, and the exact figure
is computed only for the few seeds whose sketch says they may be close.

The sketch of a text is its comparable form's sha256 (the same-text check)
and a bottom-k sketch of its n-gram set: every distinct n-gram is hashed to
64 bits (a fixed polynomial over the code points and the splitmix64
finaliser, in numpy: the same numbers in every process, unlike Python's
salted `hash()` of strings), and the k smallest hashes are kept. The k
smallest hashes of the union of two sets are a uniform random sample of the
union, so the share of them found in both sketches estimates the Jaccard
index without bias; with fewer than k n-grams in both texts the sketch holds
every hash and the estimate is exact.

False negatives: a seed is compared exactly when its estimate reaches the
threshold minus `candidate_margin` (builders/config/plans.yaml). The estimate
is a hypergeometric share of k draws from the union, so by Hoeffding's
inequality a seed whose true similarity is at the threshold is missed with
probability at most exp(-2 k margin^2): with k = 1024 and a margin of 0.1,
about 1.3e-9 per near-duplicate pair. Nothing else is approximate: every
figure reported is the exact Jaccard index of the two n-gram sets.

Sketches are stored in `.build/cache/_sketches/<parameters>/`, one file per
(raw bytes' sha256, source encoding), so a plan's sketch is computed once and
again only when its bytes or encoding change; the build keeps them current,
and packs the current ones into one file (`pack.npz`) that add-plan reads.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from builders.corpus.seeds import Plan, SeedError, decode_seed, seed_path
from builders.io import load_yaml, sha256_bytes
from builders.project import CONFIG_DIR

SKETCH_FORMAT = 1  # bump when the hashing changes: old sketches are then ignored
# Odd 64-bit constants: the polynomial's base and the splitmix64 finaliser's multipliers.
_BASE = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@dataclass(frozen=True)
class SketchParams:
    """The near-duplicate settings of builders/config/plans.yaml."""

    ngram: int
    threshold: float  # Jaccard index at or above which a seed is named
    size: int  # k, the hashes kept per text
    margin: float  # an estimate this far below the threshold is still checked exactly

    @property
    def key(self) -> str:
        """Names the folder of the sketches made with these settings."""
        return f"v{SKETCH_FORMAT}-n{self.ngram}-k{self.size}"


def load_params(path: Path = CONFIG_DIR / "plans.yaml") -> SketchParams:
    config = load_yaml(path)["near_duplicate"]
    return SketchParams(int(config["ngram"]), float(config["jaccard"]), int(config["sketch_size"]), float(config["candidate_margin"]))


@dataclass(frozen=True)
class Sketch:
    text_sha256: str  # of the comparable text (utf-8)
    minima: np.ndarray  # the k smallest n-gram hashes, ascending, uint64


def comparable_text(text: str) -> str:
    """The text as a plan's content: NFC, one kind of line break, no BOM, no
    trailing spaces; two files equal here are the same plan."""
    text = unicodedata.normalize("NFC", text.replace("\ufeff", "")).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def shingles(text: str, size: int) -> set[str]:
    """The character n-grams of a text with its whitespace removed."""
    compact = "".join(text.split())
    return {compact[i : i + size] for i in range(max(0, len(compact) - size + 1))}


def jaccard(a: set[str], b: set[str]) -> float:
    """The exact Jaccard index of two n-gram sets (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _hashes(text: str, size: int) -> np.ndarray:
    """The 64-bit hash of every character n-gram of `text` with its
    whitespace removed (the n-grams of `shingles`), in text order, repeats kept."""
    compact = "".join(text.split())
    if len(compact) < size:
        return np.empty(0, dtype=np.uint64)
    points = np.frombuffer(compact.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(points) - size + 1
    value = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64 is the point
        for offset in range(size):
            value = value * _BASE + points[offset : offset + count]
        value ^= value >> np.uint64(30)
        value *= _MIX1
        value ^= value >> np.uint64(27)
        value *= _MIX2
        value ^= value >> np.uint64(31)
    return value


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted, without repeats (np.unique is several times slower here)."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def ngram_hashes(text: str, size: int) -> np.ndarray:
    """The distinct 64-bit hashes of the character n-grams of `text` with
    its whitespace removed, ascending."""
    return _distinct(_hashes(text, size))


def sketch_text(comparable: str, params: SketchParams) -> Sketch:
    """The sketch of a text already in its comparable form: the k smallest
    distinct n-gram hashes (found by partial selection, then the full sort
    only when repeats leave fewer than k among the candidates)."""
    values = _hashes(comparable, params.ngram)
    pick = 2 * params.size
    if len(values) > pick:
        smallest = _distinct(np.partition(values, pick - 1)[:pick])
        if len(smallest) < params.size:  # more than half were repeats
            smallest = _distinct(values)
    else:
        smallest = _distinct(values)
    return Sketch(sha256_bytes(comparable.encode("utf-8")), smallest[: params.size])


def estimate(a: Sketch, b: Sketch, size: int) -> float:
    """The bottom-k estimate of the Jaccard index of the two n-gram sets:
    among the k smallest hashes of the union, the share in both."""
    if not len(a.minima) or not len(b.minima):
        return 0.0
    # Each sketch holds distinct values, so a value in both appears twice in
    # the merged, sorted pair (np.union1d is several times slower).
    merged = np.sort(np.concatenate((a.minima, b.minima)))
    first = np.ones(len(merged), dtype=bool)
    first[1:] = merged[1:] != merged[:-1]
    union = np.flatnonzero(first)[:size]  # where the k smallest distinct values start
    following = np.minimum(union + 1, len(merged) - 1)
    both = (union + 1 < len(merged)) & (merged[following] == merged[union])
    return int(both.sum()) / len(union)


class SketchStore:
    """The sketches of the seeds, in the build cache, keyed by the raw
    bytes' sha256 and the source encoding (the plan's content, not its id)."""

    PACK = "pack.npz"  # every current sketch in one file, for readers of all of them (add-plan)

    def __init__(self, cache_dir: Path, params: SketchParams):
        self.folder = Path(cache_dir) / "_sketches" / params.key  # "_": never a plan id
        self.params = params
        self._packed: dict[str, Sketch] | None = None  # the pack, once read

    def _pack(self) -> dict[str, Sketch]:
        """The sketches of the pack by file name; empty when there is none or
        it cannot be read (the files are read instead). A pack can only lag:
        a name's sketch never changes, so what it holds is right."""
        if self._packed is None:
            self._packed = {}
            try:
                with np.load(self.folder / self.PACK, allow_pickle=False) as pack:
                    names, digests, ends, minima = pack["names"], pack["text_sha256"], pack["ends"], pack["minima"]
                start = 0
                for name, digest, end in zip(names.tolist(), digests.tolist(), ends.tolist()):
                    self._packed[name] = Sketch(digest, minima[start:end])
                    start = end
            except Exception:  # noqa: BLE001  (missing or damaged, zip errors included: a cache, the files are read instead)
                self._packed = {}
        return self._packed

    def _file(self, raw_sha256: str, encoding: str) -> Path:
        name = sha256_bytes(f"{raw_sha256}\n{encoding}".encode("utf-8"))
        return self.folder / f"{name}.json"

    def get(self, seeds_dir: Path, plan: Plan, raw_sha256: str, use_pack: bool = True) -> Sketch | None:
        """The plan's sketch, computed and stored when missing; None when its
        seed cannot be read (a broken seed is `build`'s to report). With
        `use_pack` False the pack is not read (a build's worker, making one
        plan's sketch, would read every plan's)."""
        encoding = plan.metadata.get("source_encoding") or "utf-8"
        path = self._file(raw_sha256, encoding)
        packed = self._pack().get(path.name) if use_pack else None
        if packed is not None:
            return packed
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            minima = np.frombuffer(base64.b64decode(stored["minima"]), dtype="<u8").astype(np.uint64)
            return Sketch(stored["text_sha256"], minima)
        except (OSError, ValueError, KeyError, TypeError):
            pass  # missing or unreadable: computed again below
        try:
            raw = seed_path(seeds_dir, plan)
            text = decode_seed(raw.read_bytes(), raw, encoding)
        except (SeedError, OSError):
            return None
        sketch = sketch_text(comparable_text(text), self.params)
        stored = {"text_sha256": sketch.text_sha256, "minima": base64.b64encode(sketch.minima.astype("<u8").tobytes()).decode("ascii")}
        try:
            _write_cache_file(path, json.dumps(stored, sort_keys=True) + "\n")
        except OSError:
            pass  # a cache: unwritable, the sketch is computed again next time
        return sketch

    def ensure(self, seeds_dir: Path, plan: Plan, raw_sha256: str) -> None:
        """Store the plan's sketch file if it is not stored yet (the build's
        part; the pack is the build's to write, from the files)."""
        if not self._file(raw_sha256, plan.metadata.get("source_encoding") or "utf-8").exists():
            self.get(seeds_dir, plan, raw_sha256, use_pack=False)

    def sketches(self, seeds_dir: Path, plans: Iterable[Plan], raw_sha256: Callable[[Path], str]) -> dict[str, Sketch]:
        """Every readable seed's sketch by plan id, in manifest order."""
        found = {}
        for plan in plans:
            try:
                digest = raw_sha256(seed_path(seeds_dir, plan))
            except SeedError:
                continue
            sketch = self.get(seeds_dir, plan, digest) if digest else None
            if sketch is not None:
                found[plan.id] = sketch
        return found

    def prune(self, keep: Iterable[tuple[Plan, str]]) -> None:
        """Drop sketches of texts no plan has any more (and of old settings)."""
        wanted = {self._file(digest, plan.metadata.get("source_encoding") or "utf-8").name for plan, digest in keep}
        parent = self.folder.parent
        if not parent.is_dir():
            return
        for folder in parent.iterdir():
            if folder != self.folder:
                shutil.rmtree(folder, ignore_errors=True)
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                if path.name not in wanted and path.name != self.PACK:
                    path.unlink(missing_ok=True)

    def write_pack(self, seeds_dir: Path, keep: Iterable[tuple[Plan, str]]) -> None:
        """Put the sketches of `keep` (plan, raw sha256) into one file, when
        they differ from the pack's: add-plan then reads one file, not one
        per seed. A cache file, written whole or not at all."""
        wanted: dict[str, Sketch] = {}
        for plan, digest in keep:
            name = self._file(digest, plan.metadata.get("source_encoding") or "utf-8").name
            if name not in wanted:
                sketch = self.get(seeds_dir, plan, digest)
                if sketch is not None:
                    wanted[name] = sketch
        if set(wanted) == set(self._pack()):
            return
        names = sorted(wanted)
        minima = [wanted[name].minima.astype(np.uint64) for name in names]
        arrays = {
            "names": np.array(names, dtype=str),
            "text_sha256": np.array([wanted[name].text_sha256 for name in names], dtype=str),
            "ends": np.cumsum([len(m) for m in minima], dtype=np.int64),
            "minima": np.concatenate(minima) if minima else np.empty(0, dtype=np.uint64),
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        scratch = self.folder / f".{self.PACK}.{os.getpid()}.tmp"
        try:
            with open(scratch, "wb") as handle:
                np.savez(handle, **arrays)
            os.replace(scratch, self.folder / self.PACK)
        except OSError:
            scratch.unlink(missing_ok=True)  # a cache: the files are read instead
            return
        self._packed = dict(wanted)


def _write_cache_file(path: Path, text: str) -> None:
    """Write whole or not at all, without fsync: a cache file lost in a
    crash is computed again (hundreds are written by a cold build)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    scratch.write_text(text, encoding="utf-8")
    os.replace(scratch, path)


@dataclass(frozen=True)
class Match:
    plan_id: str
    similarity: float  # exact Jaccard index of the n-gram sets


def near_duplicates(
    text: str,
    sketches: dict[str, Sketch],
    text_of: Callable[[str], str | None],
    params: SketchParams,
) -> list[Match]:
    """Seeds whose exact n-gram Jaccard index with `text` reaches the
    threshold, most similar first. `sketches` are the seeds' (by plan id);
    `text_of(plan_id)` gives a candidate's comparable text, read only for
    seeds whose estimate comes within the margin of the threshold."""
    comparable = comparable_text(text)
    new = sketch_text(comparable, params)
    new_shingles: set[str] | None = None
    # Figures by comparable text's sha256 (the sketch's): seeds with the same
    # text share the figure, and only the first of them is read.
    by_text: dict[str, float] = {}
    estimates: dict[str, float] = {}
    found = []
    for plan_id, sketch in sketches.items():
        digest = sketch.text_sha256
        if digest not in estimates:
            estimates[digest] = estimate(new, sketch, params.size)
        if estimates[digest] < params.threshold - params.margin:
            continue
        if digest not in by_text:
            existing = text_of(plan_id)
            if existing is None:
                continue
            if new_shingles is None:
                new_shingles = shingles(comparable, params.ngram)
            by_text[digest] = jaccard(new_shingles, shingles(existing, params.ngram))
        if by_text[digest] >= params.threshold:
            found.append(Match(plan_id, by_text[digest]))
    return sorted(found, key=lambda match: -match.similarity)


def same_text(text: str, sketches: dict[str, Sketch], text_of: Callable[[str], str | None]) -> str | None:
    """The id of a seed whose comparable text equals `text`'s (found by the
    sketches' text hashes, confirmed on the text), or None."""
    wanted = comparable_text(text)
    digest = sha256_bytes(wanted.encode("utf-8"))
    for plan_id, sketch in sketches.items():
        if sketch.text_sha256 == digest and text_of(plan_id) == wanted:
            return plan_id
    return None
