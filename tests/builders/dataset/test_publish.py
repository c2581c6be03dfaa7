"""The published dataset: loads offline with `datasets.load_dataset` from an
absolute path, splits are plan-disjoint, the card's tables match the rows,
and a rebuild that changes rows is never served from a stale cache."""

import os
import shutil

import pytest
import yaml

from builders.annotation.labels import load_labels
from builders.build import build
from builders.corpus.seeds import SPLITS
from builders.dataset.tables import bio_tags
from builders.project import Paths

datasets = pytest.importorskip("datasets")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("hf-cache"))


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    # Nothing may be fetched from a hub.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


def load(path, *args, cache_dir):
    return datasets.load_dataset(str(path), *args, cache_dir=cache_dir)


def test_default_config_loads_with_label_names(paths, cache_dir):
    spans = load(paths.root, cache_dir=cache_dir)
    labels = load_labels()
    assert set(spans) <= set(SPLITS) and spans["train"].num_rows > 0
    assert spans["train"].features["entities"].feature["label"].names == list(labels.names)
    row = spans["train"][0]
    for entity in row["entities"]:
        assert row["text"][entity["start"] : entity["end"]] == entity["text"]


def test_tokens_config_is_ready_for_token_classification(paths, cache_dir):
    tokens = load(paths.root, "tokens", cache_dir=cache_dir)
    spans = load(paths.root, cache_dir=cache_dir)
    labels = load_labels()
    assert tokens["train"].features["ner_tags"].feature.names == list(labels.bio_tags)
    for token_row, span_row in zip(tokens["train"].select(range(50)), spans["train"].select(range(50))):
        assert "".join(token_row["tokens"]) == span_row["text"]
        assert token_row["ner_tags"] == bio_tags(len(span_row["text"]), span_row["entities"], labels)


def test_documents_and_fold_configs_load(paths, cache_dir):
    documents = load(paths.root, "documents", cache_dir=cache_dir)
    plans = {p["id"]: p for p in yaml.safe_load((paths.seeds / "plans.yaml").read_text(encoding="utf-8"))}
    loaded = {row["doc_id"]: split for split in documents for row in documents[split]}
    assert loaded == {plan_id: plan["split"] for plan_id, plan in plans.items()}
    for plan_id in plans:
        fold = load(paths.root, f"fold-{plan_id}", cache_dir=cache_dir)
        assert set(fold["test"]["doc_id"]) == {plan_id}
        assert plan_id not in set(fold["train"]["doc_id"])


def test_splits_are_plan_disjoint_and_share_no_unit_text(paths, cache_dir):
    spans = load(paths.root, cache_dir=cache_dir)
    seen: dict[str, str] = {}
    plans_by_split = {split: set(spans[split]["doc_id"]) for split in spans}
    for a in plans_by_split:
        for b in plans_by_split:
            assert a == b or not (plans_by_split[a] & plans_by_split[b])
    for split in spans:
        for text in spans[split]["text"]:
            assert seen.setdefault(text, split) == split, f"{text!r} occurs in {seen[text]} and {split}"


def test_every_split_holds_every_label(paths, cache_dir):
    spans = load(paths.root, cache_dir=cache_dir)
    names = load_labels().names
    for split in spans:
        present = {names[e["label"]] for row in spans[split] for e in row["entities"]}
        assert present == set(names), f"{split} lacks {set(names) - present}"


def test_card_statistics_match_the_loaded_rows(paths, cache_dir):
    spans = load(paths.root, cache_dir=cache_dir)
    names = load_labels().names
    card = (paths.root / "README.md").read_text(encoding="utf-8")
    for split in spans:
        counts = [sum(1 for row in spans[split] for e in row["entities"] if names[e["label"]] == n) for n in names]
        expected = f"| {split} | {spans[split].num_rows} | " + " | ".join(str(c) for c in counts) + " |"
        assert expected in card, f"card table row for {split} should read {expected}"


def test_card_metadata_is_complete_and_its_split_sizes_are_the_loaded_rows(paths, cache_dir):
    card = (paths.root / "README.md").read_text(encoding="utf-8")
    front = yaml.safe_load(card.split("---\n")[1])
    for key in ("language", "license", "pretty_name", "task_categories", "task_ids", "annotations_creators", "size_categories", "source_datasets", "configs", "dataset_info"):
        assert key in front, key
    assert [c["config_name"] for c in front["configs"] if c.get("default")] == ["spans"]
    # Split sizes are generated at each build, so they always equal the rows.
    for info in front["dataset_info"]:
        if info["config_name"] in ("spans", "documents", "fold-taiyuan-2013-transformation"):
            loaded = load(paths.root, info["config_name"], cache_dir=cache_dir)
            assert {s["name"]: s["num_examples"] for s in info["splits"]} == {split: loaded[split].num_rows for split in loaded}
    scripts = {p["script"] for p in yaml.safe_load((paths.seeds / "plans.yaml").read_text(encoding="utf-8"))}
    assert front["language"] == ["zh", "zh-Hans"] + (["zh-Hant"] if "Traditional" in scripts else [])


def test_no_python_file_at_the_root_named_like_the_repository(paths):
    assert not list(paths.root.glob("*.py"))


def test_dot_path_fails_in_this_datasets_version_and_absolute_path_works(paths, cache_dir, monkeypatch):
    monkeypatch.chdir(paths.root)
    try:
        datasets.load_dataset(".", cache_dir=cache_dir)
    except ValueError as error:
        assert "dataset_name" in str(error)
    assert load(os.path.abspath("."), cache_dir=cache_dir)["train"].num_rows > 0


def test_rebuild_after_adding_a_plan_is_not_served_from_a_stale_cache(tmp_path, paths):
    """Copy the project, load, add a plan (a repeated seed under a new id, with
    its gold), rebuild, and load again with the same cache: the new rows show."""
    root = tmp_path / "clone"
    for name in ("seeds", "corpus", "annotations"):
        shutil.copytree(paths.root / name, root / name)
    copy = Paths(root)
    build(copy)
    cache = str(tmp_path / "cache")
    before = datasets.load_dataset(str(root), cache_dir=cache)
    manifest = yaml.safe_load((root / "seeds" / "plans.yaml").read_text(encoding="utf-8"))
    source = next(p for p in manifest if p["id"] == "chifeng-2017-northeast-revitalization")
    raw = (root / "seeds" / source["raw_file"]).read_bytes() + "\n新增一句。".encode("utf-8")
    (root / "seeds" / "raw" / "copy-2017-plan.txt").write_bytes(raw)
    import hashlib

    manifest.append(dict(source, id="copy-2017-plan", raw_file="raw/copy-2017-plan.txt", sha256=hashlib.sha256(raw).hexdigest(), split="train"))
    (root / "seeds" / "plans.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    gold = (root / "annotations" / "gold" / "chifeng-2017-northeast-revitalization.jsonl").read_text(encoding="utf-8")
    (root / "annotations" / "gold" / "copy-2017-plan.jsonl").write_text(
        gold.replace("chifeng-2017-northeast-revitalization", "copy-2017-plan"), encoding="utf-8"
    )
    build(copy)
    after = datasets.load_dataset(str(root), cache_dir=cache)
    assert "copy-2017-plan" in set(after["train"]["doc_id"])
    assert after["train"].num_rows > before["train"].num_rows


def test_gold_whose_unit_moved_is_refused_not_misplaced(paths):
    from builders.annotation.gold import UnitAnnotation
    from builders.annotation.labels import Span
    from builders.corpus.store import read_corpus
    from builders.dataset.tables import span_rows

    doc = read_corpus(paths.corpus)[0]
    unit = doc.units[3]
    moved = UnitAnnotation(doc.doc_id, unit["index"], unit["start"] + 1, unit["end"], (Span(unit["start"] + 1, unit["start"] + 2, "DEPT"),), {"status": "reviewed"})
    with pytest.raises(ValueError, match="re-anchor"):
        span_rows(doc, {unit["index"]: moved}, load_labels())


def test_committed_dataset_and_card_equal_a_fresh_publish(paths, tmp_path):
    root = tmp_path / "fresh"
    for name in ("seeds", "corpus", "annotations"):
        shutil.copytree(paths.root / name, root / name)
    shutil.copy2(paths.root / "CHANGELOG.md", root / "CHANGELOG.md")  # the version's release date
    results = paths.root / "evaluation" / "results"
    if results.exists():
        shutil.copytree(results, root / "evaluation" / "results")
    for generated in ("annotations/README.md", "annotations/agreement.json"):
        (root / generated).unlink()  # so the build must write them afresh
    build(Paths(root))
    committed = {p.relative_to(paths.root / "data"): p.read_bytes() for p in (paths.root / "data").rglob("*.parquet")}
    fresh = {p.relative_to(root / "data"): p.read_bytes() for p in (root / "data").rglob("*.parquet")}
    assert committed.keys() == fresh.keys(), "data/ is stale: run `plancorpus build`"
    assert committed == fresh
    # The annotation report and agreement too: a build assembles them from per-plan parts.
    for name in ("README.md", "croissant.json", "CITATION.cff", "annotations/README.md", "annotations/agreement.json"):
        assert (root / name).read_text(encoding="utf-8") == (paths.root / name).read_text(encoding="utf-8"), f"{name} is stale: run `plancorpus build`"


def test_tasks_and_measurements_configs_load_as_tables(paths, cache_dir):
    tasks = load(paths.root, "tasks", cache_dir=cache_dir)
    measurements = load(paths.root, "measurements", cache_dir=cache_dir)
    frame = tasks["train"].to_pandas()
    assert {"doc_id", "text", "lead", "support", "responsible", "deadline"} <= set(frame.columns)
    values = measurements["test"].to_pandas()
    assert set(values["kind"]) <= {"target", "baseline", "actual"}
    for row in measurements["test"].select(range(20)):
        assert row["value"] and row["value"] in row["sentence"]
        assert row["indicator"] is None or row["indicator"] in row["sentence"]


def test_document_relations_index_entities_of_the_right_label(paths, cache_dir):
    documents = load(paths.root, "documents", cache_dir=cache_dir)
    names = documents["train"].features["entities"].feature["label"].names
    relations = 0
    for split in documents:
        for row in documents[split]:
            label = [names[e["label"]] for e in row["entities"]]
            for task in row["tasks"]:
                assert row["text"][task["start"] : task["end"]]
                for role in ("lead", "support", "responsible"):
                    assert all(label[i] == "DEPT" for i in task[role])
                    relations += len(task[role])
            for m in row["measurements"]:
                assert label[m["value"]] == "VALUE"
                assert m["indicator"] == -1 or label[m["indicator"]] == "INDICATOR"
                assert m["date"] == -1 or label[m["date"]] == "DATE"
                relations += 1
    assert relations > 0
