"""The card's promises to people who read the files without `datasets`: the
pandas, polars and duckdb recipes run as written and name every label; the
card's version line, loading table and language tags come from the data."""

from __future__ import annotations

import json
import re

import pyarrow.parquet as pq
import pytest
import yaml

import builders
from builders.annotation.labels import load_labels


def recipes(paths) -> dict[str, str]:
    card = (paths.root / "README.md").read_text(encoding="utf-8")
    section = re.split(r"\n#{2,3} ", card.split("### Reading the files without `datasets`", 1)[1])[0]
    blocks = re.findall(r"```python\n(.+?)\n```", section, flags=re.S)
    return {block.splitlines()[0].lstrip("# ").split()[0]: block for block in blocks}


def all_spans(paths) -> list[tuple[str, str, str]]:
    names = load_labels(paths.annotations / "labels.yaml").names
    found = []
    for path in sorted((paths.root / "data" / "spans").glob("*.parquet")):
        for row in pq.read_table(path).to_pylist():
            found += [(row["id"], e["text"], names[e["label"]]) for e in row["entities"]]
    return sorted(found)


@pytest.mark.parametrize("reader", ["pandas", "polars", "duckdb"])
def test_each_recipe_runs_and_names_every_span_label(paths, reader, monkeypatch):
    code = recipes(paths)[reader]
    monkeypatch.chdir(paths.root)
    scope: dict = {}
    exec(compile(code, f"README.md ({reader} recipe)", "exec"), scope)
    frame = scope["labelled"]
    rows = frame.to_dicts() if reader == "polars" else frame.to_dict("records")
    assert sorted((r["id"], r["text"], r["label"]) for r in rows) == all_spans(paths)


def test_the_version_line_and_loading_table_come_from_the_data(paths):
    card = (paths.root / "README.md").read_text(encoding="utf-8")
    assert f"Version **{builders.__version__}** ([changelog](CHANGELOG.md))" in card
    front = yaml.safe_load(card.split("---\n")[1])
    for info in front["dataset_info"]:
        config = info["config_name"]
        call = "load_dataset(path)" if config == "spans" else f'load_dataset(path, "{config}")'
        sizes = {s["name"]: s["num_examples"] for s in info["splits"]}
        cells = [str(sizes.get(split, "")) for split in ("train", "validation", "test")]
        prefix = f"| `{config}`" + (" (default)" if config == "spans" else "")
        assert f"{prefix} | `{call}` | " + " | ".join(cells) + " |" in card


def test_example_entity_is_shown_in_schema_order_whatever_order_its_summary_kept():
    from builders.dataset.card import in_schema_order

    fresh = {"id": "p-00001", "start": 0, "end": 2, "label": "DATE", "text": "今年",
             "normalized": {"lo": None, "hi": None, "unit": None, "bound": None, "date_from": "2020",
                            "date_to": "2020", "canonical": None, "dept_id": None}}
    cached = json.loads(json.dumps(fresh, sort_keys=True))
    assert list(cached) != list(fresh)
    assert json.dumps(in_schema_order(cached)) == json.dumps(in_schema_order(fresh)) == json.dumps(fresh)


def test_the_front_matter_is_written_as_the_pure_python_emitter_writes_it(paths):
    """libyaml's emitter writes the card's front matter: the same bytes as the
    pure-Python one, on the committed card and on one listing 500 plans."""
    from builders.dataset.card import render_front_matter

    committed = (paths.root / "README.md").read_text(encoding="utf-8").split("---\n", 2)[1]
    metadata = yaml.safe_load(committed)
    assert render_front_matter(metadata) == render_front_matter(metadata, yaml.SafeDumper) == "---\n" + committed + "---\n"
    for config in metadata["configs"]:
        for files in config["data_files"]:
            files["path"] = [path.replace(".parquet", f"-copy{n:03d}.parquet") for n in range(100) for path in files["path"]]
    for info in metadata["dataset_info"]:
        for split in info.get("splits", []):
            split["num_examples"] *= 100
    assert render_front_matter(metadata) == render_front_matter(metadata, yaml.SafeDumper)
