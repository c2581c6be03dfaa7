"""Reading seeds: the manifest is the contract, and every breach names the file."""

import pytest
import yaml

from builders.corpus.seeds import (
    SeedError,
    load_errata,
    load_manifest,
    read_seed,
    select_plans,
    validate_plan_id,
)
from builders.io import sha256_file


def test_manifest_lists_every_raw_file_with_its_sha256(paths):
    plans = load_manifest(paths.seeds)
    assert len(plans) == 5
    assert sorted(p.raw_file for p in plans) == sorted(
        f"raw/{f.name}" for f in (paths.seeds / "raw").iterdir()
    )
    for plan in plans:
        assert sha256_file(paths.seeds / plan.raw_file) == plan.sha256


def test_manifest_entries_carry_the_curated_metadata(paths):
    required = {
        "id", "original_file_name", "raw_file", "sha256", "city", "province", "title",
        "title_simplified", "issuing_body", "document_number", "issue_date", "plan_period",
        "script", "known_defects",
    }
    for plan in load_manifest(paths.seeds):
        assert required <= set(plan.metadata), plan.id
        assert plan.metadata["known_defects"], plan.id


def test_missing_seed_is_named(project_copy):
    plan = load_manifest(project_copy.seeds)[0]
    (project_copy.seeds / plan.raw_file).unlink()
    with pytest.raises(SeedError, match=plan.raw_file.split("/")[-1]):
        read_seed(project_copy.seeds, plan)


def test_changed_seed_fails_its_sha256(project_copy):
    plan = load_manifest(project_copy.seeds)[0]
    path = project_copy.seeds / plan.raw_file
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(SeedError, match="sha256"):
        read_seed(project_copy.seeds, plan)


def test_non_utf8_seed_names_the_byte_and_line(project_copy):
    manifest_path = project_copy.seeds / "plans.yaml"
    entries = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    path = project_copy.seeds / entries[0]["raw_file"]
    data = "第一行\n第二行".encode("gbk")
    path.write_bytes(data)
    entries[0]["sha256"] = sha256_file(path)
    manifest_path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    plan = load_manifest(project_copy.seeds)[0]
    with pytest.raises(SeedError, match=r"not valid utf-8 at byte 0 \(line 1\)"):
        read_seed(project_copy.seeds, plan)


def test_unknown_plan_id_lists_the_known_ones(paths):
    plans = load_manifest(paths.seeds)
    with pytest.raises(SeedError, match="unknown plan id"):
        select_plans(plans, ["nowhere-2020-plan"])


@pytest.mark.parametrize("bad", ["../x", "a/b", "A-Plan", "", "plan--x", "-x"])
def test_plan_ids_with_path_characters_are_refused(bad):
    with pytest.raises(SeedError):
        validate_plan_id(bad)


def test_duplicate_ids_and_hashes_are_refused(project_copy):
    manifest_path = project_copy.seeds / "plans.yaml"
    entries = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    manifest_path.write_text(yaml.safe_dump(entries + [dict(entries[0])], allow_unicode=True), encoding="utf-8")
    with pytest.raises(SeedError, match="duplicate plan id"):
        load_manifest(project_copy.seeds)
    twin = dict(entries[0], id="twin-plan")
    manifest_path.write_text(yaml.safe_dump(entries + [twin], allow_unicode=True), encoding="utf-8")
    with pytest.raises(SeedError, match="same sha256"):
        load_manifest(project_copy.seeds)


def test_every_erratum_matches_its_raw_text(paths):
    plans = {p.id: p for p in load_manifest(paths.seeds)}
    errata = load_errata(paths.seeds)
    assert errata, "the seeds are known to have dropped characters"
    for erratum in errata:
        raw = read_seed(paths.seeds, plans[erratum.doc_id]).raw_text
        assert raw[erratum.raw_offset : erratum.raw_offset + len(erratum.before)] == erratum.before
        assert erratum.reason.strip()
