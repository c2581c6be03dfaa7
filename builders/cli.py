"""`plancorpus`: the command line over the library.

Every subcommand is a thin wrapper: the work is done by functions in the
`builders` and `evaluation` packages, callable from Python with the same
arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from rich.console import Console
from rich.progress import track
from rich.table import Table

from builders.build import build
from builders.corpus.seeds import SeedError
from builders.project import Paths
from builders.transaction import BuildLockedError

DESCRIPTION = """\
Build and check the corpus of Chinese municipal development plans.

The main job is `plancorpus build`: it reads the raw plans in seeds/, cleans them
(every repair logged, every clean character traced to its raw offset), parses
their structure and writes corpus/. Offsets are Unicode code points, half-open.
"""

console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


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
    report = build(paths, progress=_progress("building plans"), jobs=args.jobs, parts_progress=_progress("checking annotations"))
    console.print(_table("corpus built", report.rows()))
    problems = {doc_id: found for doc_id, found in report.noise().items() if found}
    for doc_id, found in problems.items():
        for offset, what in found[:10]:
            plain(f"warning: {doc_id}: clean offset {offset}: {what}")
    built = f"{len(report.built)} of {len(report.summaries)} plan(s) built, the others unchanged"
    if report.written:
        console.print(f"{built}; {len(report.written)} path(s) replaced or removed in {report.seconds:.2f} s")
    else:
        console.print(f"{built}; nothing changed on disk ({report.seconds:.2f} s)")
    for system in report.stale_results:
        console.print(f"[yellow]warning[/]: evaluation/results: {system} was scored on other gold; rerun `plancorpus baselines`")
    return 0


def command_release(args: argparse.Namespace) -> int:
    from builders import __version__
    from builders.release import release_checks, tag_commands  # loads mlcroissant: only for this command

    paths = Paths(Path(args.root).resolve())
    checks = release_checks(paths, run_tests=not args.no_tests, check_build=not args.no_build)
    table = Table(title=f"release {__version__}: what is ready and what is missing")
    for column in ("", "check", "found / to do"):
        table.add_column(column, overflow="fold")
    marks = {True: "[green]ok[/]", False: "[red]missing[/]", None: "[yellow]not checked[/]"}
    for check in checks:
        table.add_row(marks[check.ok], check.name, check.detail)
    console.print(table)
    failed = [c for c in checks if c.ok is False]
    unchecked = [c for c in checks if c.ok is None]
    if failed or unchecked:
        console.print(f"not ready: {len(failed)} missing, {len(unchecked)} not checked")
        return 1
    console.print("ready. The release manager tags it (this command never does):")
    for command in tag_commands(__version__):
        console.print(f"  {command}")
    return 0


def command_worksheet(args: argparse.Namespace) -> int:
    from builders.annotation.worksheets import write_worksheet

    paths = Paths(Path(args.root).resolve())
    unit_range = None
    if args.units:
        first, _, last = args.units.partition(":")
        unit_range = (int(first or 0), int(last) if last else 10**9)
    path, count = write_worksheet(paths, args.plan, Path(args.out), second=args.second, unit_range=unit_range)
    console.print(f"wrote {count} units to {path}")
    return 0


def command_import_worksheet(args: argparse.Namespace) -> int:
    from builders.annotation.worksheets import import_worksheet

    paths = Paths(Path(args.root).resolve())
    summary = import_worksheet(
        paths, Path(args.file), args.annotator, second=args.second, force=args.force, dry_run=args.dry_run,
        revision=args.revision,
    )
    console.print(_table("imported", [summary]))
    return 0


def command_validate(args: argparse.Namespace) -> int:
    from builders.annotation.report import validate_annotations

    paths = Paths(Path(args.root).resolve())
    problems = validate_annotations(paths)
    for problem in problems:
        print(problem)
    console.print(f"{len(problems)} problem(s)" if problems else "all annotation files are valid")
    return 1 if problems else 0


def command_export(args: argparse.Namespace) -> int:
    from builders.interchange.export import export

    paths = Paths(Path(args.root).resolve())
    for fmt in args.format:
        for path in export(paths, fmt, Path(args.out) / fmt):
            console.print(f"wrote {path}")
    return 0


def command_audit(args: argparse.Namespace) -> int:
    from builders.annotation.report import run_audit

    paths = Paths(Path(args.root).resolve())
    findings, open_findings, stale = run_audit(paths)
    shown = findings if args.all else open_findings
    for f in shown:
        print(f"{f.doc_id}\t{f.start}\t{f.end}\t{f.text}\t{f.label}\t{f.found}")
    for e in stale:
        print(f"stale exception: {e}")
    console.print(f"{len(findings)} finding(s), {len(open_findings)} open, {len(stale)} stale exception(s)")
    return 1 if open_findings or stale else 0


def command_evaluate(args: argparse.Namespace) -> int:
    from evaluation.models.llm import make_client
    from evaluation.report.markdown import markdown
    from evaluation.run import evaluate, write_reports

    root = Path(args.root).resolve()
    stem = (args.model or Path(args.predictions).stem).replace(":", "_").replace("/", "_") + f".{args.config}.{args.split}"
    is_llm = (args.model or "").startswith("llm:")
    evaluation, units = evaluate(
        root,
        model=args.model,
        predictions=Path(args.predictions) if args.predictions else None,
        config=args.config,
        split=args.split,
        lenient=args.lenient,
        n_resamples=args.bootstrap,
        progress=_progress("predicting"),
        responses=Path(args.out) / (stem + ".responses.jsonl") if is_llm else None,
        client=make_client(args.base_url) if is_llm else None,
    )
    for problem in evaluation.problems:
        plain(f"skipped: {problem}")
    print(markdown(evaluation))
    for path in write_reports(evaluation, units, Path(args.out), stem):
        console.print(f"wrote {path}")
    return 0


def command_compare(args: argparse.Namespace) -> int:
    from builders.io import write_json_atomic
    from evaluation.compare import compare

    result = compare(Path(args.root).resolve(), args.a, args.b, config=args.config, split=args.split,
                     n_resamples=args.bootstrap, seed=args.seed, progress=_progress("predicting"))
    print(result.markdown())
    if args.json:
        write_json_atomic(Path(args.json), result.to_dict())
        console.print(f"wrote {args.json}")
    return 0


def command_baselines(args: argparse.Namespace) -> int:
    from evaluation.baselines import run_baselines

    root = Path(args.root).resolve()
    if args.check:
        return _check_baselines(args, root)
    records = run_baselines(
        root, Path(args.work_dir) if args.work_dir else None, folds=not args.no_folds, seeds=args.seeds,
        max_steps=args.max_steps, systems=tuple(args.systems), progress=_progress("predicting"), log=console.print,
    )
    for system, record in records.items():
        for split, summary in record["summary"].items():
            if split != "folds":
                figure = summary["strict_micro_f1"]
                console.print(f"{system} {split}: strict micro F1 {100 * figure['mean']:.1f} ± {100 * figure['sd']:.1f} (n={figure['n']})")
    console.print(f"wrote {len(records)} record(s) to evaluation/results/; run `plancorpus build` to put them on the card")
    return 0


def _check_baselines(args: argparse.Namespace, root: Path) -> int:
    """Rerun into a scratch folder (nothing in evaluation/ is written) and
    compare every run with the committed record's."""
    import tempfile

    from builders.dataset.results import read_records
    from builders.markdown import markdown_table
    from evaluation.baselines import reproduction_rows, run_baselines
    from evaluation.records import RESULTS

    committed = {r["system"]: r for r in read_records(RESULTS)}
    scratch = Path(tempfile.mkdtemp(prefix="baselines-check-"))
    reruns = run_baselines(
        root, Path(args.work_dir) if args.work_dir else scratch / "work", folds=not args.no_folds, seeds=args.seeds,
        max_steps=args.max_steps, systems=tuple(args.systems), progress=_progress("predicting"), log=console.print,
        results_dir=scratch / "results", reports_dir=scratch / "reports",
    )
    rows = [row for system, record in reruns.items() for row in reproduction_rows(committed.get(system, {}), record)]
    pct = lambda value: "–" if value is None else f"{100 * value:.2f}"  # noqa: E731
    print(markdown_table(["system", "config", "split", "seed", "committed F1", "rerun F1", "difference", "sd", "verdict"],
                         [[r["system"], r["config"], r["split"], r["seed"], pct(r["committed_f1"]), pct(r["rerun_f1"]),
                           pct(r["difference"]), pct(r["sd"]), r["verdict"]] for r in rows]))
    console.print(f"reruns in {scratch}; evaluation/results/ untouched")
    return 0 if all(r["verdict"] in ("identical predictions", "within sd") for r in rows) else 1


def command_add_plan(args: argparse.Namespace) -> int:
    from builders.io import load_yaml
    from builders.plans import add_plan

    paths = Paths(Path(args.root).resolve())
    metadata = (load_yaml(Path(args.metadata)) or {}) if args.metadata else {}
    if not isinstance(metadata, dict):
        raise ValueError(f"{args.metadata}:1: metadata must be a mapping of manifest fields (city: ..., title: ...), not a {type(metadata).__name__}")
    metadata = dict(metadata)
    for key in ("city", "province", "title", "issuing_body", "document_number", "issue_date", "plan_period", "script", "split"):
        if getattr(args, key) is not None:
            metadata[key] = getattr(args, key)
    from evaluation.models import load_model

    summary = add_plan(paths, Path(args.file), args.id, metadata, pre_annotator=load_model(args.model), model_name=args.model)
    warnings = summary.pop("warnings")
    console.print(_table("plan added", [summary]))
    for warning in warnings:
        plain(f"warning: {warning}")
    console.print("next: annotate the tasks in Label Studio or doccano, then `plancorpus import-annotations`")
    return 0


def command_remove_plan(args: argparse.Namespace) -> int:
    from builders.plans.remove import remove_plan

    paths = Paths(Path(args.root).resolve())
    removal = remove_plan(paths, args.id, force=args.force, dry_run=args.dry_run)
    for line in removal.lines():
        print(line)
    if args.dry_run:
        console.print(f"dry run: nothing removed ({removal.reviewed_units} reviewed unit(s) of gold)")
    else:
        console.print(f"removed plan {args.id} and rebuilt")
    return 0


def command_import_annotations(args: argparse.Namespace) -> int:
    from builders.interchange.imports import import_annotations

    paths = Paths(Path(args.root).resolve())
    summary = import_annotations(
        paths, Path(args.file), args.format, args.plan, args.annotator, force=args.force,
        units=args.units, all_units=args.all_units, dry_run=args.dry_run,
    )
    reasons, replaced = summary.pop("skipped_reasons"), summary.pop("replaced_units")
    console.print(_table("annotations checked (dry run, nothing written)" if args.dry_run else "annotations imported", [summary]))
    for reason in reasons:
        plain(f"skipped: {reason}")
    for unit in replaced:
        plain(f"replaced unit {unit['unit']}: removed {unit['removed']}; added {unit['added']}")
    if not args.dry_run:
        console.print("next: `plancorpus validate`, then `plancorpus build`")
    return 0


def command_relations(args: argparse.Namespace) -> int:
    from builders.annotation.relations import workflow

    paths = Paths(Path(args.root).resolve())
    if args.action == "second-worksheet":
        path, count = workflow.write_second_worksheet(paths)
        console.print(f"wrote {count} items to {path}")
    elif args.action == "first-worksheet":
        if not args.plan or not args.out:
            raise ValueError("first-worksheet needs --plan and --out")
        from builders.io import write_jsonl_atomic

        rows = workflow.first_worksheet(workflow.plan_views(paths, [args.plan])[0])
        write_jsonl_atomic(Path(args.out), rows)
        console.print(f"wrote {len(rows)} items to {args.out}")
    elif args.action == "import":
        if not args.file or not args.annotator:
            raise ValueError("import needs --file and --annotator")
        console.print(_table("relations imported", [workflow.import_first_pass(paths, Path(args.file), args.annotator)]))
    elif args.action == "agreement":
        figures = workflow.measure_relation_agreement(paths)
        console.print_json(data=figures)
        console.print("wrote annotations/relations/agreement.json and annotations/relations/adjudication.yaml")
    elif args.action == "adjudicate":
        console.print(_table("adjudication", [workflow.apply_adjudication(paths)]))
    elif args.action == "validate":
        problems = workflow.validate_relations(paths)
        for problem in problems:
            print(problem)
        console.print(f"{len(problems)} problem(s)" if problems else "all relation files are valid")
        return 1 if problems else 0
    return 0


def command_normalization(args: argparse.Namespace) -> int:
    from builders.annotation.normalization import workflow

    paths = Paths(Path(args.root).resolve())
    if args.action == "second-worksheet":
        path, count = workflow.write_second_worksheet(paths)
        console.print(f"wrote {count} items to {path}")
    elif args.action == "dept-worksheet":
        from builders.io import dump_yaml, write_text_atomic

        if not args.plan:
            plain("dept-worksheet needs --plan")
            return 2
        out = Path(args.out) if args.out else workflow.decisions_path(paths, args.plan)
        if out.exists() and not args.out:
            plain(f"{out} exists (filled decisions are never overwritten); give --out to write elsewhere")
            return 1
        write_text_atomic(out, dump_yaml(workflow.dept_worksheet(paths, args.plan)))
        console.print(f"wrote the DEPT review worksheet of {args.plan} to {out}")
    elif args.action == "import-dept":
        files = [Path(args.file)] if args.file else sorted((workflow.normalized_dir(paths) / workflow.DECISIONS_DIR).glob("*.dept.yaml"))
        for file in files:
            try:
                written, counts = workflow.import_dept_decisions(paths, file)
            except ValueError as error:
                plain(str(error))
                return 1
            console.print(f"{file.name}: {counts} -> {written}")
    elif args.action == "summary":
        from rich.table import Table

        rows = workflow.gold_summary(paths)
        table = Table(title="normalised gold (annotations/normalized/)")
        columns = list(dict.fromkeys(key for row in rows for key in row))
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*("" if row.get(c) is None else str(row[c]) for c in columns))
        console.print(table)
    elif args.action == "agreement":
        from builders.annotation.normalization import adjudication

        figures = adjudication.measure_agreement(paths)
        console.print_json(data=figures)
        console.print("wrote annotations/normalized/agreement.json and annotations/normalized/adjudication.yaml; "
                      "decide each entry, then `plancorpus normalization adjudicate`")
    elif args.action == "adjudicate":
        from builders.annotation.normalization import adjudication

        console.print(_table("adjudication", [adjudication.apply_adjudication(paths)]))
    elif args.action == "issues":
        path, issues = workflow.write_issues(paths)
        counts: dict[tuple[str, str], int] = {}
        for issue in issues:
            counts[(issue["label"], issue["reason"])] = counts.get((issue["label"], issue["reason"]), 0) + 1
        rows = [{"label": label, "reason": reason, "spans": n} for (label, reason), n in sorted(counts.items())]
        if rows:
            console.print(_table("gold spans whose normalisation is null", rows))
        console.print(f"wrote {len(issues)} issue(s) to {path}")
    return 0


def command_evaluate_relations(args: argparse.Namespace) -> int:
    from builders.annotation.relations.store import read_relations
    from builders.annotation.relations.workflow import plan_views, relations_dir
    from builders.io import write_json_atomic
    from evaluation.relations import evaluate_relations, markdown_summary

    paths = Paths(Path(args.root).resolve())
    plans = plan_views(paths)
    gold = {plan.doc_id: read_relations(relations_dir(paths) / f"{plan.doc_id}.jsonl") for plan in plans}
    result = evaluate_relations(plans, gold, n_resamples=args.bootstrap)
    result["markdown"] = markdown_summary(result)
    print(result["markdown"])
    write_json_atomic(paths.results / "relations" / "rules.json", result)
    console.print("wrote evaluation/results/relations/rules.json; run `plancorpus build` to put the table on the card")
    return 0


def command_evaluate_normalization(args: argparse.Namespace) -> int:
    from builders.io import write_json_atomic
    from evaluation.normalization.baseline import predictions_record, record_path, write_rules_record

    paths = Paths(Path(args.root).resolve())
    if args.predictions:
        if not args.system:
            raise ValueError("--predictions needs --system NAME (the record is evaluation/results/normalization/NAME.json)")
        record = predictions_record(paths, Path(args.predictions), args.system, args.bootstrap)
        path = record_path(paths).with_name(f"{args.system}.json")
        write_json_atomic(path, record)
    else:
        path, record = write_rules_record(paths, args.bootstrap)
    print(record["markdown"])
    console.print(f"wrote {path.relative_to(paths.root) if path.is_relative_to(paths.root) else path}; "
                  "run `plancorpus build` to put the table on the card")
    return 0


def default_root() -> Path:
    here = Path.cwd()
    return here if (here / "seeds" / "plans.yaml").exists() else Paths().root


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plancorpus", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--root",
        default=str(default_root()),
        help="project folder holding seeds/, corpus/ and annotations/ (default: the current folder if it holds "
        "seeds/plans.yaml, else the checkout this package was installed from)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub = commands.add_parser(
        "build",
        help="rebuild corpus/ from seeds/",
        description="Rebuild corpus/ from seeds/. Checks every seed's sha256 against seeds/plans.yaml, "
        "applies the reviewed repair tables (seeds/errata.yaml, seeds/garbled_runs.yaml), removes noise, "
        "converts to Simplified, parses structure, and publishes data/ and the card. Only plans whose inputs "
        "changed (raw bytes, manifest entry, repair-table entries, gold, code) are rebuilt; the others come from "
        "the cache in .build/cache/. Every output changes together when every plan built, or none does; a "
        "second build started meanwhile is refused.",
    )
    sub.add_argument("--jobs", type=int, default=None,
                     help="plans built at once, in separate processes (default: the number of cores); the output "
                     "is the same for any value")
    sub.set_defaults(handler=command_build)

    sub = commands.add_parser(
        "release",
        help="check that everything a release needs is in place, and print what is missing",
        description="Check that this checkout can be released as the version in builders/config/VERSION, and print "
        "what is missing: the version is semantic, dated in CHANGELOG.md, the newest there and not tagged yet; "
        "Unreleased is empty; pyproject, the card, croissant.json and CITATION.cff carry the version; croissant.json "
        "is valid (mlcroissant) with each data file's sha256; CITATION.cff is valid CFF 1.2.0; README.md, "
        "croissant.json, CITATION.cff and data/ equal a fresh build (made in a scratch copy); every field is "
        "described and a homepage is set; the git tree is clean; the tests pass. Changes nothing and creates no "
        "tag: when all is ready it prints the tag commands for the release manager. Exits 1 while anything is "
        "missing or not checked.",
    )
    sub.add_argument("--no-tests", action="store_true", help="do not run the test suite (reported as not checked)")
    sub.add_argument("--no-build", action="store_true",
                     help="do not rebuild a scratch copy to compare the outputs (reported as not checked)")
    sub.set_defaults(handler=command_release)

    sub = commands.add_parser(
        "worksheet",
        help="write an annotation worksheet for a plan",
        description="Write a JSONL worksheet, one unit per line, for annotators. Each row shows the unit text "
        "and (first pass) the rule pre-annotation as `pre`: [[text, label], ...] in reading order. The annotator "
        "fills `spans` the same way and may add a `note`. With --second, only the second-annotation sample is "
        "written and no pre-annotation is shown.",
    )
    sub.add_argument("--plan", required=True, help="plan id, e.g. chifeng-2017-northeast-revitalization")
    sub.add_argument("--out", required=True, help="worksheet file to write")
    sub.add_argument("--second", action="store_true", help="the independent second annotation sample, without pre-annotation")
    sub.add_argument("--units", help="only units START:END (unit indices, half-open), to split a long plan")
    sub.set_defaults(handler=command_worksheet)

    sub = commands.add_parser(
        "import-worksheet",
        help="import a filled worksheet as reviewed gold",
        description="Resolve a filled worksheet's [text, label] pairs to document offsets, check them against the "
        "text and the guidelines' mechanical rules, and merge them into annotations/gold/<plan>.jsonl (or "
        "annotations/second/ with --second). Rows whose `spans` is null are skipped. Reviewed gold is never "
        "replaced without --force; the previous file is kept as a .bak and every write is atomic.",
    )
    sub.add_argument("file", help="the filled worksheet (JSONL)")
    sub.add_argument("--annotator", required=True, help="who read and decided these units")
    sub.add_argument("--second", action="store_true", help="this is the independent second annotation")
    sub.add_argument("--force", action="store_true", help="replace units that already have reviewed gold")
    sub.add_argument("--dry-run", action="store_true", help="check the worksheet and report; write nothing")
    sub.add_argument("--revision", action="store_true",
                     help="an adjudication or audit fix: replace these units in gold/ only, keeping their review "
                     "record and appending the revision (who, note, spans added and removed)")
    sub.set_defaults(handler=command_import_worksheet)

    sub = commands.add_parser(
        "validate",
        help="check every annotation file against the text and the rules",
        description="Check annotations/gold/*.jsonl and annotations/second/*.jsonl: offsets in range, span text "
        "matches the corpus, known labels, no overlap or nesting, nothing inside 《》 titles or document numbers, "
        "no span starting or ending in whitespace. Prints `file:line: problem` and exits non-zero on any problem.",
    )
    sub.set_defaults(handler=command_validate)

    sub = commands.add_parser(
        "audit",
        help="list strings annotated somewhere and not elsewhere",
        description="Consistency audit of the gold: every string annotated with a label somewhere and left "
        "unannotated or labelled differently elsewhere (outside titles and document numbers). Each finding must be "
        "fixed in the gold or justified in annotations/audit_exceptions.yaml. Prints open findings as TSV "
        "(plan, start, end, text, label, what was found) and exits non-zero while any is open.",
    )
    sub.add_argument("--all", action="store_true", help="also list findings that an exception justifies")
    sub.set_defaults(handler=command_audit)

    sub = commands.add_parser(
        "export",
        help="export the reviewed gold for annotation and training tools",
        description="Write the reviewed gold per split: spaCy DocBin (one token per character, for "
        "`python -m spacy train`), CoNLL-style BIO (one character per line), Label Studio tasks (with a labelling "
        "config), doccano JSONL (offsets in UTF-16 code units, as doccano counts them), and brat standoff (one "
        ".txt/.ann pair per plan). Each format goes to OUT/<format>/.",
    )
    sub.add_argument("--format", nargs="+", default=["spacy", "conll", "brat", "labelstudio", "doccano"],
                     choices=["spacy", "conll", "brat", "labelstudio", "doccano"], help="formats to write (default: all)")
    sub.add_argument("--out", default="exports", help="output folder (default: exports/)")
    sub.set_defaults(handler=command_export)

    sub = commands.add_parser(
        "evaluate",
        help="score a model or a predictions file against the gold",
        description="Score predictions against the published gold under the SemEval-2013 schemes (strict, exact, "
        "partial, type), per label, micro and macro, per plan, with a 95% bootstrap interval. Predictions come from "
        "a JSONL file, one line per unit with its \"id\" and either \"entities\" (each {\"start\", \"end\", \"label\"} "
        "in code points of the unit text, half-open, or {\"text\", \"label\"}: a string placed at its leftmost unused "
        "occurrence, strings not in the text counted as unaligned; labels as names or ClassLabel ids) or \"tags\" (one "
        "BIO tag per character, names or ids of the tokens config). Or from a model: rules, jieba, crf:PATH, spacy:PATH, "
        "hf:PATH (a local checkpoint, predicted on characters), llm:MODEL (an OpenAI-compatible endpoint, --base-url; "
        "responses saved beside the reports and re-scorable with --predictions), python:module:function. "
        "Writes JSON, Markdown and HTML reports to --out.",
    )
    source = sub.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help="rules | jieba | crf:PATH | spacy:PATH | hf:PATH | llm:MODEL | python:module:function")
    source.add_argument("--predictions", help="a predictions JSONL file")
    sub.add_argument("--config", default="spans", help="dataset config: spans (default) or fold-<plan id>")
    sub.add_argument("--split", default="test", help="split to score (default: test)")
    sub.add_argument("--lenient", action="store_true", help="skip and report bad prediction lines instead of stopping")
    sub.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the interval (0: none)")
    sub.add_argument("--out", default="evaluation/reports", help="folder for the reports (and an llm's saved responses)")
    sub.add_argument("--base-url", help="llm: an OpenAI-compatible endpoint (default: $PLANCORPUS_LLM_BASE_URL, "
                     "else http://127.0.0.1:8000/v1); the key comes from $PLANCORPUS_LLM_API_KEY")
    sub.set_defaults(handler=command_evaluate)

    sub = commands.add_parser(
        "compare",
        help="compare two systems on the same units with a paired bootstrap",
        description="Score two systems on the same config and split and test the difference with a paired bootstrap "
        "(Koehn 2004): every resample draws the same units for both. Each side is a predictions file (any form "
        "`evaluate --predictions` reads) or a model spec (rules, jieba, crf:PATH, spacy:PATH, hf:PATH, "
        "python:module:function). Prints strict F1 of A and B, A − B with its 95% interval and the p-value that A is not "
        "better than B, micro, macro and per label.",
    )
    sub.add_argument("a", help="system A: a predictions file or a model spec")
    sub.add_argument("b", help="system B: a predictions file or a model spec")
    sub.add_argument("--config", default="spans", help="dataset config (default: spans)")
    sub.add_argument("--split", default="test", help="split (default: test)")
    sub.add_argument("--bootstrap", type=int, default=1000, help="resamples (default: 1000)")
    sub.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: 0)")
    sub.add_argument("--json", help="also write the result as JSON to this file")
    sub.set_defaults(handler=command_compare)

    sub = commands.add_parser(
        "baselines",
        help="run the rules, jieba, CRF and spaCy baselines (learned ones also leave-one-plan-out)",
        description="Score the rule pre-annotator and the jieba.posseg reference on validation and test; train the "
        "CRF over character features (evaluation/configs/crf.yaml, python-crfsuite, deterministic) and the spaCy "
        "character NER (evaluation/configs/spacy_ner.cfg, CPU, once per --seeds) on train and score them; train and "
        "score each once per leave-one-plan-out fold. Writes one result record per system to "
        "evaluation/results/<system>.json (scores, seeds, gold fingerprint, versions, command), whose table the next "
        "`plancorpus build` puts on the dataset card. The CRF takes a few minutes; spaCy about ten minutes per run on two cores.",
    )
    sub.add_argument("--systems", nargs="+", default=["rules", "jieba", "crf", "spacy"],
                     choices=["rules", "jieba", "crf", "spacy", "tiny-bert"],
                     help="systems to run (default: rules jieba crf spacy; tiny-bert, the transformers recipe check "
                     "from random weights, only when named)")
    sub.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds of spaCy and tiny-bert (default: 0 1 2)")
    sub.add_argument("--max-steps", type=int, default=None, help="override the training steps of spaCy's and tiny-bert's config")
    sub.add_argument("--no-folds", action="store_true", help="skip leave-one-plan-out")
    sub.add_argument("--check", action="store_true",
                     help="rerun into a scratch folder and compare each run with the committed record's (same config, split "
                     "and seed): identical predictions, within the record's sd over seeds, or not; exit 1 unless all reproduce")
    sub.add_argument("--work-dir", help="where trained pipelines go (default: a temporary folder)")
    sub.set_defaults(handler=command_baselines)

    sub = commands.add_parser(
        "add-plan",
        help="add a new plan: seed, manifest, corpus, pre-annotation, annotation tasks",
        description="Add a plan file end to end. Detects the encoding (UTF-8 with or without BOM, GB18030/GBK, "
        "Big5, UTF-16 with or without BOM) and line endings (LF, CRLF, CR alone); a file that mixes UTF-8 lines with "
        "GBK is refused, naming the line, rather than stored as mojibake. It keeps the raw bytes in seeds/raw/<id>.txt with their sha256, appends the "
        "manifest entry to seeds/plans.yaml, rebuilds the corpus, pre-annotates every unit with --model, and writes "
        "annotation tasks to annotations/tasks/<id>/ for Label Studio (pre-annotations as predictions, with a "
        "labelling config) and doccano. A failure or a kill at any step leaves the project as before (the next "
        "command undoes an interrupted add-plan).",
    )
    sub.add_argument("file", help="the plan as received")
    sub.add_argument("--id", required=True, help="a stable id: lower-case letters, digits, hyphens (city-year-topic)")
    sub.add_argument("--metadata", help="a YAML file with the manifest fields (city, title, issue_date, ...)")
    for key in ("city", "province", "title", "issuing_body", "document_number", "issue_date", "plan_period"):
        sub.add_argument(f"--{key.replace('_', '-')}", dest=key, help=f"manifest field {key}")
    sub.add_argument("--script", choices=["Traditional", "Simplified"], help="default: guessed with OpenCC")
    sub.add_argument("--split", choices=["train", "validation", "test"], help="dataset split (default: train)")
    sub.add_argument("--model", default="rules", help="pre-annotation model (any evaluate --model; default: rules)")
    sub.set_defaults(handler=command_add_plan)

    sub = commands.add_parser(
        "remove-plan",
        help="remove a plan and everything made from it, then rebuild",
        description="Remove a plan's raw file, its manifest entry, its entries in the repair tables (errata, garbled "
        "runs, noise) and in audit_exceptions.yaml and adjudication.yaml, its gold, first and second pass, "
        "normalised and relation gold, history, tasks and worksheets, then rebuild; one recoverable operation (a "
        "failure or a kill leaves the plan in place once the next command has run). The YAML files are edited entry "
        "by entry, keeping their comments: after add-plan and remove-plan of a plan the tree is byte-identical to "
        "the tree before. A plan with reviewed gold is kept unless --force (the refusal lists what would go); a plan "
        "in a measured second-annotation sample is always refused.",
    )
    sub.add_argument("id", help="the plan id, as in seeds/plans.yaml")
    sub.add_argument("--force", action="store_true", help="remove the plan even though it has reviewed gold")
    sub.add_argument("--dry-run", action="store_true", help="list what would be removed; change nothing")
    sub.set_defaults(handler=command_remove_plan)

    sub = commands.add_parser(
        "import-annotations",
        help="import reviewed annotations from Label Studio, doccano, brat or JSONL",
        description="Convert an annotation export to document offsets (doccano's UTF-16 offsets are converted), "
        "check every span against the corpus text and the guidelines' mechanical rules, and merge the units into "
        "annotations/gold/<plan>.jsonl as reviewed gold. Only reviewed work is taken: Label Studio annotations "
        "(never predictions; cancelled ones are skipped and reported); for formats that record no review state "
        "(doccano, brat, CoNLL, spaCy, JSONL) only the units named with --units, or all with --all-units. The task "
        "files add-plan writes are refused. Reviewed gold is never replaced without --force; a unit whose spans did "
        "not change keeps its record; every earlier version is kept in annotations/history/<plan>/ and the write is "
        "one transaction.",
    )
    sub.add_argument("file", help="the export: Label Studio JSON or JSON-MIN, doccano JSONL, brat .ann, CoNLL BIO, "
                     "spaCy DocBin, or JSONL {id, entities}")
    sub.add_argument("--format", required=True, choices=["labelstudio", "doccano", "brat", "conll", "spacy", "jsonl"])
    sub.add_argument("--plan", required=True, help="plan id")
    sub.add_argument("--annotator", required=True, help="who reviewed these units (a person, or an AI annotator named as such)")
    sub.add_argument("--units", help="the units a person reviewed: START:END (unit indices, half-open) or a comma list "
                     "(e.g. 0:120,130); required for formats without review state unless --all-units")
    sub.add_argument("--all-units", action="store_true", help="every unit in the export was reviewed")
    sub.add_argument("--force", action="store_true", help="replace units whose reviewed gold differs (printed; the "
                     "previous file is kept in annotations/history/)")
    sub.add_argument("--dry-run", action="store_true", help="check the export and report; write nothing")
    sub.set_defaults(handler=command_import_annotations)

    sub = commands.add_parser(
        "evaluate-relations",
        help="score the rules relation baseline against the relation gold",
        description="Score relations (GUIDELINES.md section 12) predicted by the rule proposer against the reviewed "
        "relation gold of every plan, once given the gold spans and once end to end from the rule pre-annotator's "
        "spans: strict (arguments exact, same role or kind) and relaxed (arguments overlap) micro P/R/F1 per relation "
        "type (role, indicator, date, kind, change, deadline), per role and per kind, with a 95%% bootstrap interval "
        "over units. Writes evaluation/results/relations/rules.json, whose table the next `plancorpus build` puts on the card.",
    )
    sub.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the interval (0: none)")
    sub.set_defaults(handler=command_evaluate_relations)

    sub = commands.add_parser(
        "evaluate-normalization",
        help="score normalisation (values, dates, departments) against the normalised gold",
        description="Score what VALUE, DATE and DEPT spans mean (GUIDELINES.md section 11) against the reviewed "
        "normalised gold of annotations/normalized/. Given the gold spans: VALUE exact on lo/hi/unit/bound and per "
        "field, DATE exact interval and interval overlap, DEPT canonical name and pairwise F1 of 'same body' within "
        "a plan. End to end: P/R/F1 where a predicted span counts only when its offsets, label AND normalisation are "
        "right. 95%% bootstrap intervals over units. By default scores the rules baseline (rule pre-annotator + "
        "normaliser) and writes evaluation/results/normalization/rules.json, whose table the next `plancorpus build` "
        "puts on the card. With --predictions F --system NAME scores a JSONL file of {doc_id, start, end, label, "
        "normalized} (document-level code-point offsets, half-open) instead. A label without gold, or that the system "
        "never normalises, is reported as not evaluated.",
    )
    sub.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the intervals (0: none)")
    sub.add_argument("--predictions", help="JSONL predictions file to score instead of the rules baseline")
    sub.add_argument("--system", help="name of the system in --predictions (its record's file name)")
    sub.set_defaults(handler=command_evaluate_normalization)

    sub = commands.add_parser(
        "relations",
        help="relation annotation: worksheets, import, validation (GUIDELINES.md section 12)",
        description="Responsibility (task -> DEPT with a role) and measurement (VALUE -> INDICATOR, VALUE -> DATE, "
        "kind, change) relations over the reviewed span gold. Actions: `first-worksheet --plan P --out F` writes every "
        "relation item of a plan with the rule proposal as `proposed`; the annotator fills roles, deadline, "
        "measurements and note and sets `reviewed: true`; `import --file F --annotator A` merges the filled rows into "
        "annotations/relations/<plan>.jsonl, recording whether each proposal was accepted or corrected; "
        "`second-worksheet` writes the blind, stratified sample annotations/relations/second/worksheet.jsonl (no "
        "proposals, no first pass); `agreement` compares second/filled.jsonl with the first pass (roles kappa and "
        "per-role F1, indicator and date links, kind and change kappa) and writes agreement.json and the "
        "disagreements to adjudication.yaml; `adjudicate` applies the entries decided `second`, keeping the first-pass "
        "form in each record; `validate` checks every relation file (file:line per problem).",
    )
    sub.add_argument("action", choices=["first-worksheet", "import", "second-worksheet", "agreement", "adjudicate", "validate"])
    sub.add_argument("--plan", help="plan id (first-worksheet)")
    sub.add_argument("--out", help="worksheet to write (first-worksheet)")
    sub.add_argument("--file", help="filled worksheet (import)")
    sub.add_argument("--annotator", help="who read and decided the items (import)")
    sub.set_defaults(handler=command_relations)

    sub = commands.add_parser(
        "normalization",
        help="normalised values, dates and bodies of the gold spans (GUIDELINES.md section 11)",
        description="What each VALUE, DATE and DEPT span of the reviewed gold means: lo, hi, unit, bound; "
        "date_from, date_to; canonical, dept_id. Actions: `second-worksheet` writes the blind, stratified sample "
        "annotations/normalized/second/worksheet.jsonl (span, context and the plan's jurisdiction only: no proposal, "
        "no first-pass value); the annotator fills it as annotations/normalized/second/README.md says; `agreement` "
        "checks second/filled.jsonl (file:line per problem), compares it with the first pass field by field and per "
        "label, and writes annotations/normalized/agreement.json and the disagreements to "
        "annotations/normalized/adjudication.yaml (decisions already taken are kept); `adjudicate` applies every "
        "entry decided `first` or `second` (with its rule) to annotations/normalized/<plan>.jsonl, recording in each "
        "record the first-pass reading, both readings, decision, rule and note (agreement keeps measuring the first "
        "pass as it was). DEPT first pass: `dept-worksheet --plan P` writes every DEPT span "
        "of P with its context and the normaliser's proposal (canonical, dept_id, or a reason code) to "
        "annotations/normalized/decisions/P.dept.yaml; the annotator sets each `outcome` to accepted, corrected "
        "(with canonical, jurisdiction and a note) or unresolvable (with a reason); `import-dept [--file F]` writes "
        "the decisions into annotations/normalized/P.jsonl, keeping the VALUE and DATE records. `summary` prints, per "
        "label, the spans, records, outcomes and the share of proposals accepted unchanged. `issues` writes "
        "annotations/normalized/report/issues.jsonl, every gold span whose normalisation is null (plan, span, "
        "code-point offsets, the normaliser's reason code or annotator_unresolvable, the annotator's reason; "
        "not_yet_normalized when no reviewed record exists), so nothing fails silently.",
    )
    sub.add_argument("action", choices=["second-worksheet", "agreement", "adjudicate", "dept-worksheet", "import-dept", "summary", "issues"])
    sub.add_argument("--plan", help="plan id (dept-worksheet)")
    sub.add_argument("--out", help="where to write the worksheet (dept-worksheet; default the decisions folder)")
    sub.add_argument("--file", help="one filled DEPT worksheet (import-dept; default all in the decisions folder)")
    sub.set_defaults(handler=command_normalization)
    return parser


def plain(message: str) -> None:
    """Print to stderr as plain text: file names with `[` in them must come out
    as they are, never as rich markup."""
    print(message, file=sys.stderr, flush=True)


def error_message(error: BaseException) -> str:
    """The one-line (or one line per problem) message for an expected error."""
    if isinstance(error, OSError) and error.filename is not None:
        reason = error.strerror or type(error).__name__
        return f"{error.filename}: {reason}"
    if isinstance(error, RecursionError):
        return "input nested too deeply to read"
    if isinstance(error, UnicodeDecodeError):
        return f"byte offset {error.start}: not {error.encoding} ({error.reason})"
    text = str(error) or type(error).__name__
    if isinstance(error, (KeyError, TypeError)):
        # Input no check named yet reached code that assumed its shape.
        return f"{type(error).__name__}: {text} (unexpected input shape; set PLANCORPUS_DEBUG=1 for the traceback)"
    return text


# Errors a bad input or a busy project can cause; anything else is a bug and
# keeps its traceback.
EXPECTED_ERRORS = (SeedError, ValueError, OSError, BuildLockedError, RecursionError, KeyError, TypeError, UnicodeError)


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        # Finish (or discard) whatever an interrupted command left in .build/.
        from builders.plans.pending import recover_project

        recovery = recover_project(Paths(Path(args.root).resolve()))
        if recovery:
            plain(f"recovered: {recovery.describe()}")
        return args.handler(args)
    except KeyboardInterrupt:
        plain("interrupted; the next command finishes or undoes any half-done write")
        return 130
    except EXPECTED_ERRORS as error:
        if os.environ.get("PLANCORPUS_DEBUG"):
            raise
        for line in error_message(error).splitlines() or [""]:
            plain(f"error: {line}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
