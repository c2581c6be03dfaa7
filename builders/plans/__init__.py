"""Adding a plan: detect the encoding, keep the raw bytes as received, add the
manifest entry, build, pre-annotate, and write annotation tasks; and removing
one again (`builders.plans.remove`).

The pre-annotator is handed in as a callable (text -> [(start, end, label)]),
so this package never depends on the evaluation package. Every input is
checked before anything is written, and adding or removing a plan is one
recoverable operation (`builders.plans.pending`): a failure or a kill at any
step leaves the project as it was before, once the next command has run.
"""

from __future__ import annotations

import codecs
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from builders.annotation.labels import Span, load_labels
from builders.annotation.intake import intake_report, render
from builders.annotation.prelabel import plan_bodies, pre_annotate
from builders.build import CACHE_DIR, FileHashes, build
from builders.corpus.seeds import MAX_SEED_BYTES, SeedError, load_manifest, validate_plan_id
from builders.corpus.similarity import SketchParams, SketchStore, comparable_text, load_params, same_text
from builders.corpus.similarity import near_duplicates as find_near_duplicates
from builders.corpus.store import document_folder, iter_edit_rows, iter_units, unit_id
from builders.interchange.base import AnnotatedText
from builders.interchange.doccano import doccano_line
from builders.interchange.labelstudio import label_studio_config, label_studio_task, write_json_array
from builders.io import dump_yaml, read_jsonl, sha256_bytes
from builders.plans import pending
from builders.plans.pending import begin_operation, finish_operation, recover_locked, undo_operation
from builders.project import Paths
from builders.transaction import Transaction, acquire, build_dir

# text -> [(start, end, label)], offsets in code points, half-open
PreAnnotator = Callable[[str], list[tuple[int, int, str]]]

MAX_LINE_CHARS = 200_000  # a plan has paragraphs; a longer line is not a plan


CANDIDATE_ENCODINGS = ("gb18030", "big5")


@dataclass(frozen=True)
class Detected:
    encoding: str  # a Python codec name, recorded in the manifest
    bom: bool
    line_endings: str  # LF | CRLF | CR | mixed | none
    text: str


def detect_encoding(data: bytes, name: str = "<input>") -> Detected:
    """The encoding of a plan file: UTF-8 (with or without BOM), UTF-16 (with
    BOM, or without: ASCII-heavy by its zero bytes, Chinese by a clean decoding
    of mostly common Han characters), GB18030/GBK or Big5. Refuses empty,
    binary and undecodable input, and a file mixing UTF-8 lines with a legacy
    encoding (named by line), with a message naming the file."""
    if not data.strip():
        raise SeedError(f"{name}: the file is empty")
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _detected(data, encoding, True, name)
    sample = data[:4096]
    if sample.count(b"\x00") > len(sample) // 4:
        # ASCII-range characters in UTF-16 leave every other byte zero.
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        for encoding, zeros in (("utf-16-le", odd), ("utf-16-be", even)):
            if zeros > len(sample) // 4:
                try:
                    return _detected(data, encoding, False, name)
                except SeedError:
                    pass
        raise SeedError(f"{name}: looks binary (NUL bytes at offset {data.index(0)}); a plan is text")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _detected(data, utf16, False, name)
    if b"\x00" in data:
        raise SeedError(f"{name}: looks binary (a NUL byte at offset {data.index(0)}); a plan is text")
    try:
        return _detected(data, "utf-8", False, name)
    except SeedError:
        pass
    _refuse_mixed_utf8(data, name)
    decodable = []
    for encoding in CANDIDATE_ENCODINGS:
        try:
            data.decode(encoding)
            decodable.append(encoding)
        except UnicodeDecodeError:
            continue
    if not decodable:
        raise SeedError(f"{name}: not UTF-8, UTF-16, GB18030 or Big5; convert it to UTF-8 first")
    if len(decodable) > 1:
        decodable.sort(key=lambda e: -_han_score(data.decode(e)))
    return _detected(data, decodable[0], False, name)


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" for Chinese text in UTF-16 without a BOM
    (few zero bytes, so the ASCII test above misses it): the decoding must be
    clean, mostly common Han characters with line breaks or punctuation, and
    beat every legacy decoding."""
    if len(data) % 2 or len(data) < 8:
        return None
    best, best_score = None, 0.3  # below this share of common Han, it is not a Chinese plan in UTF-16
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not any(mark in text for mark in "\n。,、，"):
            continue  # a plan has lines and punctuation; a wrong decoding of other bytes has neither
        score = _han_score(text)
        if score > best_score:
            best, best_score = encoding, score
    if best is None:
        return None
    for legacy in ("utf-8",) + CANDIDATE_ENCODINGS:
        try:
            if _han_score(data.decode(legacy)) >= best_score:
                return None
        except UnicodeDecodeError:
            continue
    return best


def _refuse_mixed_utf8(data: bytes, name: str) -> None:
    """A file that is not UTF-8 as a whole but has whole lines of Chinese in
    UTF-8 mixes two encodings (a UTF-8 line pasted into a GBK file). Decoded
    as GBK those lines become mojibake, so the file is refused, naming the
    first such line and the first line that is not UTF-8."""
    mixed, other = None, None
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            other = other or number
            continue
        if mixed is None and sum("\u4e00" <= c <= "\u9fff" for c in text) >= 2:
            mixed = number
        if mixed and other:
            break
    if mixed and other:
        raise SeedError(
            f"{name}:{mixed}: this line is UTF-8 but line {other} is not (GBK or another legacy encoding); "
            "the file mixes encodings: convert it to one encoding (UTF-8) first"
        )


def _han_score(text: str) -> float:
    """Share of common Han characters: the right decoding of Chinese text is
    mostly common characters; a wrong one produces rare ones and symbols."""
    import unicodedata

    if not text:
        return 0.0
    common = sum(1 for c in text if "\u4e00" <= c <= "\u9fa5")
    odd = sum(1 for c in text if unicodedata.category(c) in ("Co", "Cn", "So") or "\ue000" <= c <= "\uf8ff")
    return (common - 5 * odd) / len(text)


def _detected(data: bytes, encoding: str, bom: bool, name: str) -> Detected:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise SeedError(f"{name}: not valid {encoding} at byte {error.start}") from error
    text = text.lstrip("\ufeff") if bom else text
    crlf, lf, cr = text.count("\r\n"), text.count("\n"), text.count("\r")
    endings = "none" if not (lf or cr) else "CRLF" if crlf == lf == cr else "LF" if not cr else "CR" if not lf else "mixed"
    longest = max((len(line) for line in text.replace("\r", "\n").split("\n")), default=0)
    if longest > MAX_LINE_CHARS:
        raise SeedError(
            f"{name}: a line of {longest} characters (limit {MAX_LINE_CHARS}); a plan comes in paragraphs — "
            "split it into lines first"
        )
    return Detected(encoding, bom, endings, text)


def check_text(text: str, name: str) -> None:
    """A plan has Chinese text: refuse a file of only spaces (ideographic ones
    too), BOMs or other non-Han text."""
    if not "".join(text.replace("\ufeff", "").split()):
        raise SeedError(f"{name}: no text, only whitespace (spaces, U+3000 or line breaks)")
    if not any("\u3400" <= c <= "\u9fff" or "\U00020000" <= c <= "\U0003134f" for c in text):
        raise SeedError(f"{name}: no Chinese character anywhere; this is not a plan of this corpus")


def check_metadata(metadata, name: str) -> None:
    if not isinstance(metadata, dict):
        raise SeedError(f"{name}: metadata must be a mapping of manifest fields, not a {type(metadata).__name__}")
    import datetime

    date = metadata.get("issue_date")
    if date is not None:
        try:
            datetime.date.fromisoformat(str(date))
        except ValueError:
            raise SeedError(f"issue_date {str(date)[:40]!r} is not a date YYYY-MM-DD") from None
    split = metadata.get("split")
    if split is not None and split not in ("train", "validation", "test"):
        raise SeedError(f"split {str(split)[:40]!r} must be train, validation or test")


def _sketches(paths: Paths, plans, params: SketchParams) -> dict:
    """Every readable seed's sketch (builders.corpus.similarity), from the
    build cache; a seed without one is read once and its sketch stored."""
    store = SketchStore(build_dir(paths.root) / CACHE_DIR, params)
    return store.sketches(paths.seeds, plans, FileHashes(paths.root))


def _seed_text(paths: Paths, plans):
    """plan id -> the seed's comparable text, decoded in its recorded
    encoding; None for a seed that cannot be read (`build`'s to report)."""
    from builders.corpus.seeds import decode_seed, seed_path

    by_id = {plan.id: plan for plan in plans}

    def text_of(plan_id: str) -> str | None:
        plan = by_id[plan_id]
        try:
            path = seed_path(paths.seeds, plan)
            return comparable_text(decode_seed(path.read_bytes(), path, plan.metadata.get("source_encoding") or "utf-8"))
        except (SeedError, OSError):
            return None

    return text_of


def same_text_as(paths: Paths, plans, text: str, sketches: dict | None = None) -> str | None:
    """The id of a seed with the same text as `text`, decoded in its recorded
    encoding; None when there is none."""
    sketches = _sketches(paths, plans, load_params()) if sketches is None else sketches
    return same_text(text, sketches, _seed_text(paths, plans))


def near_duplicates(paths: Paths, plans, text: str, sketches: dict | None = None) -> list[tuple[str, float]]:
    """Seeds whose character n-gram Jaccard similarity with `text` reaches the
    threshold of builders/config/plans.yaml (another version or an excerpt
    of the same plan would leak test text into train), most similar first.
    The seeds' sketches pick the candidates; the figure is exact (see
    builders.corpus.similarity for the chance of missing one)."""
    params = load_params()
    sketches = _sketches(paths, plans, params) if sketches is None else sketches
    return [(m.plan_id, m.similarity) for m in find_near_duplicates(text, sketches, _seed_text(paths, plans), params)]


def manifest_entry(plan_id: str, data: bytes, detected: Detected, metadata: dict, source_name: str) -> dict:
    entry = {
        "id": plan_id,
        "split": metadata.get("split", "train"),
        "original_file_name": source_name,
        "raw_file": f"raw/{plan_id}.txt",
        "sha256": sha256_bytes(data),
    }
    for key in ("city", "province", "title", "title_simplified", "issuing_body", "document_number", "issue_date", "plan_period"):
        entry[key] = metadata.get(key)
    entry["script"] = metadata.get("script") or _guess_script(detected.text)
    if entry["title"] and not entry["title_simplified"]:
        # The card shows the Simplified title; a given title is never shown as missing.
        entry["title_simplified"] = _simplified(entry["title"]) if entry["script"] == "Traditional" else entry["title"]
    entry["source_encoding"] = detected.encoding
    entry["line_endings"] = detected.line_endings
    entry["known_defects"] = list(metadata.get("known_defects") or ["not yet reviewed"])
    entry["notes"] = metadata.get("notes") or f"added with add-plan from {source_name}"
    return entry


def _guess_script(text: str) -> str:
    """Traditional when more Han characters are Traditional-only (changed by
    OpenCC's Traditional-to-Simplified table) than Simplified-only (changed by
    its Simplified-to-Traditional table); a mostly Simplified plan quoting a few
    Traditional names stays Simplified."""
    import opencc

    # The first 20,000 Han characters, taken lazily: a long plan is never copied character by character.
    han = "".join(islice((c for c in text if "\u4e00" <= c <= "\u9fff"), 20000))
    if not han:
        return "Simplified"
    traditional = sum(a != b for a, b in zip(han, opencc.OpenCC("t2s").convert(han)))
    simplified = sum(a != b for a, b in zip(han, opencc.OpenCC("s2t").convert(han)))
    return "Traditional" if traditional > simplified else "Simplified"


def _simplified(text: str) -> str:
    import opencc

    return opencc.OpenCC("t2s").convert(text)


def manifest_with(manifest: Path, entry: dict) -> str:
    """The manifest text with `entry` appended as YAML text, so the curated
    file keeps its comments."""
    text = manifest.read_text(encoding="utf-8")
    return text.rstrip("\n") + "\n\n" + dump_yaml([entry])


def add_plan(
    paths: Paths,
    source: Path,
    plan_id: str,
    metadata: dict | None = None,
    pre_annotator: PreAnnotator | None = None,
    model_name: str = "rules",
    rebuild: bool = True,
) -> dict:
    """Add a plan end to end; returns what was written.

    One recoverable operation (builders.plans.pending): the raw file and the
    manifest entry are written in one transaction, the build runs, and the
    annotation tasks are written in a second one. If a step fails the
    operation is undone at once; if the process dies, the next command undoes
    it. Either way the project is as before, never half added.

    `pre_annotator` proposes the spans put in the annotation tasks (default:
    the rule pre-annotator); `model_name` is recorded with them."""
    metadata = dict(metadata or {})
    validate_plan_id(plan_id)
    source = Path(source)
    if not source.is_file():
        raise SeedError(f"{source}: no such file")
    size = source.stat().st_size
    if size > MAX_SEED_BYTES:  # refused before it is read into memory
        raise SeedError(f"{source}: {size} bytes, over the {MAX_SEED_BYTES} byte limit of a plan (see README, Tutorial: add your city's plan)")
    data = source.read_bytes()
    lock = acquire(paths.root)
    try:
        recover_locked(paths)
        plans = load_manifest(paths.seeds)
        if any(p.id == plan_id for p in plans):
            raise SeedError(f"plan id {plan_id!r} is already in seeds/plans.yaml")
        digest = sha256_bytes(data)
        twin = next((p.id for p in plans if p.sha256 == digest), None)
        if twin:
            raise SeedError(f"{source}: the same bytes (sha256 {digest[:12]}…) are already seed {twin!r}")
        detected = detect_encoding(data, str(source))
        check_text(detected.text, str(source))
        check_metadata(metadata, str(source))
        sketches = _sketches(paths, plans, load_params())
        twin = same_text_as(paths, plans, detected.text, sketches)
        if twin:
            raise SeedError(f"{source}: the same text (after decoding, NFC and line endings) is already seed {twin!r}")
        warnings = [
            f"{source}: {similarity:.0%} of its character 5-grams are shared with seed {twin!r} (Jaccard); "
            "a near-duplicate (another version or an excerpt?) would put the same text in two splits"
            for twin, similarity in near_duplicates(paths, plans, detected.text, sketches)
        ]
        entry = manifest_entry(plan_id, data, detected, metadata, source.name)
        raw_rel = f"seeds/{entry['raw_file']}"
        tasks_rel = f"annotations/tasks/{plan_id}"
        for rel in [raw_rel, *plan_files(plan_id)]:
            if os.path.lexists(paths.root / rel):
                raise SeedError(f"{paths.root / rel}: exists already, left from another plan of this id; remove it or choose another id")
        manifest_text = manifest_with(paths.seeds / "plans.yaml", entry)
        operation = begin_operation(paths, f"add-plan {plan_id}", ["seeds/plans.yaml", raw_rel, tasks_rel])
        try:
            with Transaction(paths.root, f"add-plan {plan_id}: seed") as tx:
                tx.write_bytes(raw_rel, data)
                tx.write_text("seeds/plans.yaml", manifest_text)
            pending.checkpoint("seed-written")
            tasks = []
            if rebuild:
                build(paths)
                pending.checkpoint("built")
                with Transaction(paths.root, f"add-plan {plan_id}: tasks") as tx:
                    written = write_task_files(paths, plan_id, tx.directory(tasks_rel), pre_annotator or rules_pre_annotator, model_name)
                tasks = [paths.root / tasks_rel / path.name for path in written]
                pending.checkpoint("tasks-written")
        except BaseException:
            undo_operation(paths, operation)
            raise
        finish_operation(paths)
    finally:
        lock.release()
    return {"plan": plan_id, "encoding": detected.encoding, "line endings": detected.line_endings,
            "script": entry["script"], "split": entry["split"], "tasks": ", ".join(str(t) for t in tasks), "warnings": warnings}


def plan_files(plan_id: str) -> list[str]:
    """Project paths holding a plan's annotations, apart from its tasks."""
    return [
        *(f"annotations/{folder}/{plan_id}.jsonl" for folder in ("gold", "first", "second", "normalized", "relations")),
        f"annotations/history/{plan_id}",
        f"annotations/tasks/{plan_id}",
    ]


def rules_pre_annotator(text: str) -> list[tuple[int, int, str]]:
    """The rule pre-annotator as a pre-annotation callable."""
    return [(s.start, s.end, s.label) for s in pre_annotate(text)]


TASK_FILES = ("labelstudio.json", "doccano.jsonl", "labelstudio_config.xml", "report.md")
REPORT_UNIT_FIELDS = ("index", "start", "end", "kind", "block_index", "closes_unit")


def write_task_files(
    paths: Paths, plan_id: str, folder: Path, predict: PreAnnotator = rules_pre_annotator, model: str = "rules"
) -> list[Path]:
    """Write the files of annotations/tasks/<plan>/ into `folder`: Label
    Studio tasks (pre-annotations as predictions) with their labelling
    config, doccano JSONL for every unit of a plan, and the add-plan report
    (report.md: what was cleaned, the structure found, the counts, what needs
    a human). The rules run with their plan-level pass. Unit by unit: the
    tasks are written as they are pre-annotated, never all held in memory."""
    folder_in = document_folder(paths.corpus, plan_id)
    text = (folder_in / "text.txt").read_bytes().decode("utf-8")
    known = plan_bodies(text, iter_units(paths.corpus, plan_id)) if predict is rules_pre_annotator else None
    span_labels: dict[int, list[str]] = {}  # what the report counts
    units: list[dict] = []  # what the report reads of each unit (not its text)
    folder.mkdir(parents=True, exist_ok=True)

    def items():
        for unit in iter_units(paths.corpus, plan_id):
            unit_text = text[unit["start"] : unit["end"]]
            if known is not None:  # as pre_annotate_document does, in the unit's own offsets
                found = [(s.start, s.end, s.label) for s in pre_annotate(unit_text, known)]
            else:
                found = predict(unit_text)
            spans = tuple(sorted(Span(s, e, l) for s, e, l in found))
            span_labels[unit["index"]] = [s.label for s in spans]
            units.append({key: unit[key] for key in REPORT_UNIT_FIELDS})
            yield AnnotatedText(unit_id(plan_id, unit["index"]), unit_text, spans)

    with open(folder / "labelstudio.json", "w", encoding="utf-8") as studio, open(folder / "doccano.jsonl", "w", encoding="utf-8") as doccano:
        def both():
            for item in items():
                doccano.write(doccano_line(item) + "\n")
                yield label_studio_task(item, as_predictions=True, model_version=model)

        write_json_array(studio, both())
        studio.write("\n")
        if not units:
            doccano.write("\n")  # as to_doccano writes no items
    (folder / "labelstudio_config.xml").write_text(label_studio_config(load_labels(paths.annotations / "labels.yaml").names), encoding="utf-8")
    plan = next((p for p in load_manifest(paths.seeds) if p.id == plan_id), None)
    metadata = {"title": plan.title if plan else None, "script": plan.script if plan else ""}
    edits = iter_edit_rows(json.loads((folder_in / "edits.json").read_text(encoding="utf-8")))
    blocks = [record for _, record in read_jsonl(folder_in / "blocks.jsonl")]
    report = intake_report(plan_id, metadata, text, edits, blocks, units, span_labels)
    (folder / "report.md").write_text(render(report), encoding="utf-8")
    return [folder / name for name in TASK_FILES]
