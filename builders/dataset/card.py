"""The dataset card (README.md): YAML front matter declaring the configs and
features, and the body rendered from `templates/README.md` with statistics
computed from the rows.
"""

from __future__ import annotations

import json

import yaml
from datasets import Features

from builders.annotation.labels import LabelSet
from builders.annotation.normalization.model import LABEL_FIELDS
from builders.corpus.seeds import SPLITS
from builders.dataset.features import NORMALIZED
from builders.dataset.results import combined_fingerprint, results_markdown
from builders.dataset.tables import config_kind
from builders.markdown import markdown_table, render_template


SCRIPT_TAGS = {"Simplified": "zh-Hans", "Traditional": "zh-Hant"}


def languages(plans) -> list[str]:
    """BCP 47 tags of the scripts present: every plan's own script, and
    Simplified always (`text_simplified`)."""
    scripts = {"zh-Hans"} | {SCRIPT_TAGS[p["script"]] for p in plans if p.get("script") in SCRIPT_TAGS}
    return ["zh"] + sorted(scripts)


def config_rows(configs: dict[str, dict[str, list[str]]], shard_rows: dict[str, int]) -> dict[str, dict[str, int]]:
    """Rows per config and split, from the rows of each shard."""
    return {config: {split: sum(shard_rows[s] for s in shards) for split, shards in splits.items()} for config, splits in configs.items()}


def config_loading(rows: dict[str, dict[str, int]]) -> str:
    """How to load each config, and its rows per split, generated from the data."""
    table = []
    for config, splits in rows.items():
        call = "load_dataset(path)" if config == "spans" else f'load_dataset(path, "{config}")'
        table.append([f"`{config}`" + (" (default)" if config == "spans" else ""), f"`{call}`"] + [splits.get(s, "") for s in SPLITS])
    return markdown_table(["config", "load with", *SPLITS], table)


def card_metadata(
    configs: dict[str, dict[str, list[str]]],
    files: dict[str, str],
    features: dict[str, Features],
    static: dict,
    rows: dict[str, dict[str, int]] | None = None,
) -> dict:
    """The front matter: static fields, then every config's data files
    (`files`: shard -> path), features and split sizes (`rows`: config ->
    split -> rows, generated at each build)."""
    entries = []
    infos = []
    for name, splits in configs.items():
        entry = {"config_name": name}
        if name == "spans":
            entry["default"] = True
        entry["data_files"] = [{"split": split, "path": [files[shard] for shard in shards]} for split, shards in splits.items()]
        entries.append(entry)
        info = {"config_name": name, "features": features[config_kind(name)]._to_yaml_list()}
        if rows and name in rows:
            info["splits"] = [{"name": split, "num_examples": n} for split, n in rows[name].items()]
        infos.append(info)
    metadata = dict(static)
    metadata["configs"] = entries
    metadata["dataset_info"] = infos
    return metadata


# libyaml's emitter when PyYAML has it: the front matter lists every plan's
# data files, and the pure-Python emitter took over a second for 500 plans.
# On this metadata (curated card.yaml, shard paths, features, counts) it
# writes the same bytes; tests/builders/dataset/test_card.py compares both.
FRONT_MATTER_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def render_front_matter(metadata: dict, dumper=FRONT_MATTER_DUMPER) -> str:
    return "---\n" + yaml.dump(metadata, Dumper=dumper, allow_unicode=True, sort_keys=False, width=1000) + "---\n"


def statistics(summaries: list[dict], configs: dict[str, dict[str, list[str]]], labels: LabelSet) -> dict:
    """Counts the card shows, added up from the plans' summaries."""
    by_shard = {f"spans/{s['doc_id']}": s for s in summaries}
    per_split: dict[str, dict] = {}
    per_plan: dict[str, dict] = {}
    for split, shards in configs.get("spans", {}).items():
        entry = per_split.setdefault(split, {"units": 0, **{name: 0 for name in labels.names}})
        for shard in shards:
            summary = by_shard[shard]
            plan = per_plan.setdefault(summary["doc_id"], {"split": split, "units": 0, **{name: 0 for name in labels.names}})
            for target in (entry, plan):
                target["units"] += summary["units_published"]
                for name in labels.names:
                    target[name] += summary["label_counts"][name]
    return {"per_split": per_split, "per_plan": dict(sorted(per_plan.items()))}


def example_row(summaries: list[dict], configs: dict[str, dict[str, list[str]]]) -> str:
    by_shard = {f"spans/{s['doc_id']}": s for s in summaries}
    for shards in configs.get("spans", {}).values():
        for shard in shards:
            if by_shard[shard]["example_row"]:
                return by_shard[shard]["example_row"]
    return "(no reviewed unit yet)"


# The order an example entity is shown in: its span first, then the
# `normalized` fields as the schema declares them. A summary read back from the
# cache has its keys sorted and a fresh one not; the card must not tell them apart.
EXAMPLE_ORDER = ("id", "start", "end", "label", "text", "normalized")


def in_schema_order(example: dict) -> dict:
    ordered = {key: example[key] for key in EXAMPLE_ORDER if key in example}
    ordered.update({key: example[key] for key in sorted(example) if key not in ordered})
    if isinstance(ordered.get("normalized"), dict):
        fields = ordered["normalized"]
        ordered["normalized"] = {key: fields[key] for key in NORMALIZED if key in fields} | {
            key: fields[key] for key in sorted(fields) if key not in NORMALIZED
        }
    return ordered


def normalized_field_blocks(summaries: list[dict]) -> dict[str, str]:
    """Coverage of the `normalized` fields per label (entities with fields,
    and why the others have nulls) and one real entity per label, from the
    plans' summaries."""
    totals: dict[str, dict] = {}
    examples: dict[str, dict] = {}
    for summary in summaries:
        for label, entry in (summary.get("normalization") or {}).items():
            total = totals.setdefault(label, {"entities": 0, "normalized": 0, "reasons": {}})
            total["entities"] += entry["entities"]
            total["normalized"] += entry["normalized"]
            for reason, n in entry["reasons"].items():
                total["reasons"][reason] = total["reasons"].get(reason, 0) + n
        for label, example in (summary.get("normalized_examples") or {}).items():
            examples.setdefault(label, example)
    rows = []
    # In the guidelines' label order: a summary read back from the cache has
    # its keys sorted, a fresh one not, and the card must not tell them apart.
    for label, total in sorted(totals.items(), key=lambda item: list(LABEL_FIELDS).index(item[0])):
        share = f"{total['normalized'] / total['entities']:.1%}" if total["entities"] else "–"
        reasons = ", ".join(f"`{r}` {n}" for r, n in sorted(total["reasons"].items())) or "–"
        rows.append([label, total["entities"], total["normalized"], share, total["entities"] - total["normalized"], reasons])
    table = markdown_table(["label", "entities", "with normalised fields", "share", "null", "why null (reason code: entities)"], rows)
    shown = "\n".join(
        f"{label}, from unit `{example['id']}`:\n\n```json\n{json.dumps(in_schema_order(example), ensure_ascii=False, indent=1)}\n```"
        for label, example in sorted(examples.items())
    ) if examples else "(no entity has normalised fields yet)"
    return {"normalization_coverage": table, "normalized_examples": shown}


def departments_text(rows: list[dict], table_present: bool) -> str:
    """What the `departments` config holds, counted from its rows."""
    if not table_present:
        return ("`departments` is empty in this build: the project has no alias table "
                "(`annotations/normalization/departments.yaml`), which the config is built with.")
    if not rows:
        return "`departments` is empty: no DEPT entity has a normalised `dept_id` yet."
    levels: dict[str, int] = {}
    for row in rows:
        key = row["level"] or "unknown"
        levels[key] = levels.get(key, 0) + 1
    order = ("central", "province", "city", "county", "unknown")
    shared = sum(len(row["plans"]) > 1 for row in rows)
    top = sorted(rows, key=lambda row: (-row["mentions"], row["dept_id"]))[:10]
    table = markdown_table(
        ["dept_id", "canonical", "level", "plans", "mentions", "written as"],
        [[f"`{r['dept_id']}`", r["canonical"], r["level"] or "", len(r["plans"]), r["mentions"], "、".join(r["aliases"])] for r in top],
    )
    return (f"{len(rows)} bodies ({', '.join(f'{levels[k]} {k}' for k in order if k in levels)}), "
            f"{sum(r['mentions'] for r in rows)} DEPT mentions with an id, {shared} bodies named in more than one plan. "
            f"The most mentioned:\n\n{table}")


def relation_blocks(summaries: list[dict]) -> dict[str, str]:
    """Per-plan relation counts and the bodies with most tasks per plan, as a
    bar chart in a table, from the plans' summaries (generated from rows)."""
    rows, chart = [], []
    for summary in sorted(summaries, key=lambda s: s["doc_id"]):
        r = summary.get("relations") or {}
        if not r:
            continue
        rows.append([summary["doc_id"]] + [r[k] for k in (
            "tasks", "with_lead", "with_responsible", "unassigned", "with_deadline",
            "values", "with_indicator", "with_date", "target", "baseline", "actual", "change")])
        for name, counts in r["top_bodies"]:
            total = sum(counts.values())
            chart.append([summary["doc_id"], name, counts["lead"], counts["support"], counts["responsible"], "█" * total])
    table = "Relations per plan:\n\n" + markdown_table(
        ["plan", "tasks", "with a lead", "with responsible units", "nobody assigned", "with a deadline",
         "values", "with indicator", "with date", "target", "baseline", "actual", "change"], rows)
    leads = ("Bodies with the most tasks per plan (top five; one █ per task in any role), grouped by `dept_id` "
             "where the body was normalised (canonical name and id shown), by the name as written otherwise:\n\n"
             + markdown_table(["plan", "body", "lead", "support", "responsible", "tasks"], chart))
    return {"relations_table": table, "leads_chart": leads}


def relation_agreement_text(figures: dict | None) -> str:
    """The relation agreement (annotations/relations/agreement.json) as a table."""
    if not figures:
        return "Not yet measured: the blind second annotation of relations has not been filled."
    roles = figures["roles"]
    rows = [
        ["roles (lead / support / responsible / none)", f"{roles['dept_spans']} DEPT spans", f"kappa {roles['kappa']:.3f}"]
    ] + [
        [f"role {r}", f"{c['first']} / {c['second']} (first / second)", f"F1 {c['f1']:.3f}"]
        for r, c in roles["per_role"].items() if c["first"] or c["second"]
    ] + [
        [f"{name} link", f"{figures['values']} values", f"agreement {figures[name]['agreement']:.3f}, link F1 {figures[name]['link_f1']['f1']:.3f}"]
        for name in ("indicator", "date")
    ] + [
        [name, f"{figures['values']} values", f"kappa {figures[name]['kappa']:.3f}"] for name in ("kind", "change")
    ] + [["deadline", f"{figures['deadline']['tasks']} tasks", f"agreement {figures['deadline']['agreement']:.3f}"]]
    who = ", ".join(figures.get("second_annotators", []))
    return (f"Blind second annotation of {figures['items']} relation items by {who}, against the first pass "
            "before adjudication (`annotations/relations/agreement.json`):\n\n"
            + markdown_table(["relation", "compared", "agreement"], rows))


def normalization_agreement_text(figures: dict | None) -> str:
    """The normalisation agreement (annotations/normalized/agreement.json) as a table."""
    if not figures:
        return ("Not yet measured: the blind second normalisation (`annotations/normalized/second/worksheet.jsonl`) "
                "has not been filled.")
    rows = []
    for label, stats in figures["per_label"].items():
        rows.append([label, "whole span (every field)", stats["spans"], f"{stats['span_exact_agreement']:.3f}"])
        rows += [[label, f"`{name}`", stats["spans"], f"{value:.3f}"] for name, value in stats["fields"].items()]
    who = ", ".join(figures.get("second_annotators", [])) or "the second annotator"
    return (f"Blind second normalisation of {figures['items_compared']} spans by {who}, against the first pass before "
            "adjudication (`annotations/normalized/agreement.json`; exact agreement, numbers within a relative "
            "1e-9):\n\n" + markdown_table(["label", "field", "spans", "agreement"], rows))


def normalization_blocks(normalization: dict | None) -> dict[str, str]:
    """The card's normalisation baseline table (evaluation/results/normalization/,
    each record's own table, marked stale when computed on other normalised
    gold) and the agreement of the blind second pass."""
    normalization = normalization or {}
    records = [r for r in normalization.get("records") or [] if r and r.get("markdown")]
    if records:
        parts = []
        for record in records:
            current = record.get("gold_fingerprint") == normalization.get("gold_fingerprint")
            note = "" if current else (f"\n\n**Stale**: `{record['system']}` was scored on other normalised gold; "
                                       f"rerun `{record.get('command', 'plancorpus evaluate-normalization')}`.")
            parts.append(record["markdown"] + note)
        baselines = "\n\n".join(parts)
    else:
        baselines = "Not yet run (`plancorpus evaluate-normalization`)."
    return {"normalization_baselines": baselines,
            "normalization_agreement": normalization_agreement_text(normalization.get("agreement"))}


def size_category(count: int) -> str:
    for bound, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if count < bound:
            return name
    return "n>1M"


def card_blocks(
    summaries: list[dict],
    configs: dict[str, dict[str, list[str]]],
    fingerprint: str,
    plans: dict[str, dict],
    labels: LabelSet,
    agreement: dict | None,
    records: list[dict] | None,
    version: str,
    relation_baselines: dict | None = None,
    relation_agreement: dict | None = None,
) -> dict[str, str]:
    """The card's body blocks, from the plans' summaries (in manifest order)."""
    stats = statistics(summaries, configs, labels)
    names = list(labels.names)
    split_rows = [
        [split, stats["per_split"][split]["units"]] + [stats["per_split"][split][n] for n in names]
        for split in SPLITS
        if split in stats["per_split"]
    ]
    plan_rows = [
        [doc_id, entry["split"], entry["units"]] + [entry[n] for n in names] for doc_id, entry in stats["per_plan"].items()
    ]
    review_rows = [[s["doc_id"], s["units_total"], s["units_published"]] for s in summaries]
    cleaning_rows = []
    for summary in summaries:
        record = summary["cleaning"]
        counts = record["edit_counts"]
        cleaning_rows.append(
            [summary["doc_id"], record["raw_length"], record["length"]]
            + [counts.get(kind, 0) for kind in ("garble", "erratum", "footnote_marker", "pinyin", "boilerplate", "private_use", "whitespace")]
            + [record["restored_chars"], record["low_confidence_chars"]]
        )
    provenance_rows = []
    for summary in summaries:
        plan = plans[summary["doc_id"]]
        provenance_rows.append(
            [
                summary["doc_id"],
                plan.get("title_simplified") or f"(no title in text; {plan.get('title_editorial') or 'untitled'})",
                plan.get("city") or "",
                plan.get("issuing_body") or "",
                plan.get("document_number") or "",
                plan.get("issue_date") or "",
                plan.get("plan_period") or "",
                plan.get("script"),
                f"`{plan.get('original_file_name')}`",
                f"`{plan.get('sha256', '')[:12]}…`",
            ]
        )
    split_assignment = "\n".join(
        f"- **{split}**: " + ", ".join(f"`{p}`" for p in sorted(plans) if (plans[p].get("split") or "train") == split)
        for split in SPLITS
    )
    if agreement:
        agreement_text = "### Inter-annotator agreement\n\n" + agreement.get("markdown", "")
    else:
        agreement_text = "### Inter-annotator agreement\n\nNot yet measured: no second annotation has been published."
    gold = combined_fingerprint({s["doc_id"]: s["gold_fingerprint"] for s in summaries if s["units_published"]})
    baselines_text = results_markdown(records or [], gold, labels)
    return {
        **relation_blocks(summaries),
        **normalized_field_blocks(summaries),
        "relation_agreement": relation_agreement_text(relation_agreement),
        "relation_baselines": (relation_baselines or {}).get("markdown") or "Not yet run (`plancorpus evaluate-relations`).",
        "version": version,
        "fingerprint": fingerprint[:16],
        "label_table": markdown_table(
            ["id", "label", "description"], [[i, f"`{n}`", d] for i, (n, d) in enumerate(zip(labels.names, labels.descriptions))]
        )
        + "\n\nBIO tags of the `tokens` config, in order: "
        + ", ".join(f"`{t}`" for t in labels.bio_tags)
        + ".",
        "example_row": example_row(summaries, configs),
        "split_table": "Units and spans per label, per split:\n\n"
        + markdown_table(["split", "units"] + names, split_rows),
        "plan_table": "Per plan:\n\n" + markdown_table(["plan", "split", "units"] + names, plan_rows),
        "review_status": "Units reviewed and published, per plan (a unit whose gold was not reviewed is never published):\n\n"
        + markdown_table(["plan", "units in corpus", "units published"], review_rows),
        "split_assignment": split_assignment,
        "cleaning_table": "Edits per plan (counted from the edit logs):\n\n"
        + markdown_table(
            ["plan", "raw chars", "clean chars", "garble runs", "errata", "footnote markers", "pinyin", "boilerplate", "private use", "whitespace", "restored chars", "low-confidence chars"],
            cleaning_rows,
        ),
        "agreement": agreement_text,
        "baselines": baselines_text,
        "provenance_table": markdown_table(
            ["plan", "title (Simplified)", "city", "issuing body", "document number", "issued", "period", "script", "received as", "sha256"],
            provenance_rows,
        ),
    }


def render_card(template: str, metadata: dict, blocks: dict[str, str]) -> str:
    return render_front_matter(metadata) + "\n" + render_template(template, blocks)

