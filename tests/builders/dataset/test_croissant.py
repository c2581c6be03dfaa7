"""croissant.json: valid Croissant 1.0 with the RAI fields (checked by
`mlcroissant`, offline), its files' sha256 equal to the files on disk, a
record set per config and split that loads the same rows as the parquet
files, and curated texts that can only quote counts the build computes."""

from __future__ import annotations

import itertools
import json

import pyarrow.parquet as pq
import mlcroissant as mlc
import pytest
import yaml

import builders
from builders.annotation.labels import load_labels
from builders.dataset.croissant import RAI_REQUIRED, croissant_metadata, fill
from builders.io import sha256_file
from builders.project import CONFIG_DIR



@pytest.fixture(scope="module")
def document(paths) -> dict:
    return json.loads((paths.root / "croissant.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dataset(paths):
    return mlc.Dataset(str(paths.root / "croissant.json"))


def test_mlcroissant_validates_it_without_errors_or_warnings(dataset):
    issues = dataset.metadata.ctx.issues
    assert not issues.errors and not issues.warnings, issues.report()


def test_every_rai_field_is_filled_and_read_by_mlcroissant(dataset, document):
    metadata = dataset.metadata
    read = {
        "dataCollection": metadata.data_collection,
        "dataAnnotationProtocol": metadata.data_annotation_protocol,
        "annotationsPerItem": metadata.annotations_per_item,
        "annotatorDemographics": metadata.annotator_demographics,
        "dataLimitations": metadata.data_limitations,
        "dataBiases": metadata.data_biases,
        "dataUseCases": metadata.data_use_cases,
        "dataReleaseMaintenancePlan": metadata.data_release_maintenance_plan,
        "personalSensitiveInformation": metadata.personal_sensitive_information,
    }
    assert all(read.values()), [key for key, value in read.items() if not value]
    for key in RAI_REQUIRED:
        assert document[f"rai:{key}"], key
    # Who annotated is stated plainly, and the counts are the data's.
    assert "AI annotators" in document["rai:annotatorDemographics"]
    agreement = json.loads((CONFIG_DIR.parent.parent / "annotations" / "agreement.json").read_text(encoding="utf-8"))
    assert f"{agreement['units']} of them" in document["rai:annotationsPerItem"]


def test_version_languages_and_citation_agree_with_the_card(paths, document):
    card = (paths.root / "README.md").read_text(encoding="utf-8")
    front = yaml.safe_load(card.split("---\n")[1])
    assert document["version"] == builders.__version__
    assert document["inLanguage"] == front["language"]
    assert document["citeAs"] in card


def test_file_objects_carry_the_sha256_of_every_data_file(paths, document):
    objects = {o["contentUrl"]: o for o in document["distribution"] if o["@type"] == "cr:FileObject"}
    on_disk = {p.relative_to(paths.root).as_posix() for p in (paths.root / "data").rglob("*.parquet")}
    assert set(objects) == on_disk
    for path, entry in objects.items():
        assert entry["sha256"] == sha256_file(paths.root / path), path
        assert entry["contentSize"] == f"{(paths.root / path).stat().st_size} B"


def test_a_record_set_per_config_and_split_naming_the_cards_files(paths, document):
    card = yaml.safe_load((paths.root / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    file_sets = {f["@id"]: f for f in document["distribution"] if f["@type"] == "cr:FileSet"}
    record_sets = {r["@id"] for r in document["recordSet"]}
    for config in card["configs"]:
        for entry in config["data_files"]:
            name = f"{config['config_name']}.{entry['split']}"
            assert name in record_sets
            assert file_sets[f"files.{name}"]["includes"] == entry["path"]


def test_a_record_set_loads_the_same_rows_as_the_parquet_files(paths, dataset, document):
    file_set = next(f for f in document["distribution"] if f["@id"] == "files.spans.validation")
    expected = [row for path in file_set["includes"] for row in pq.read_table(paths.root / path).to_pylist()]
    records = list(dataset.records("spans.validation"))
    assert len(records) == len(expected) > 0
    prefix = "spans.validation/"
    for record, row in itertools.islice(zip(records, expected), 200):
        assert record[prefix + "id"] == row["id"].encode() or record[prefix + "id"] == row["id"]
        entities = [
            (e[prefix + "entities/start"], e[prefix + "entities/end"], e[prefix + "entities/label"]) for e in record[prefix + "entities"]
        ]
        assert entities == [(e["start"], e["end"], e["label"]) for e in row["entities"]]


def test_label_names_are_an_enumeration_in_label_order(paths, dataset):
    labels = load_labels(paths.annotations / "labels.yaml")
    names = [r["labels/name"] for r in dataset.records("labels")]
    assert [n.decode() if isinstance(n, bytes) else n for n in names] == list(labels.names)
    tags = [r["bio_tags/name"] for r in dataset.records("bio_tags")]
    assert [t.decode() if isinstance(t, bytes) else t for t in tags] == list(labels.bio_tags)


def _minimal(curated: dict, **changes) -> dict:
    from datasets import Features, Value

    arguments = dict(
        configs={"spans": {"train": ["spans/p"]}},
        files={"spans/p": "data/spans/p.parquet"},
        digests={"data/spans/p.parquet": ("0" * 64, 10)},
        features={"spans": Features({"text": Value("string")})},
        labels_names=["DEPT"],
        labels_descriptions=["a body"],
        bio_tags=["O", "B-DEPT", "I-DEPT"],
        curated=curated,
        facts={"plans": 1, "provinces": "山西省", "years": "2020-2020", "units": 1, "spans": 0, "label_counts": "0 DEPT",
               "second_units": 0, "second_characters": 0, "second_plans": 0, "adjudicated_units": 0, "version": "0.0.1",
               "cities": "", "rows": {"spans": {"train": 1}}},
        version="0.0.1",
        languages=["zh", "zh-Hans"],
        cite_as="@misc{x}",
        date_published=None,
    )
    arguments.update(changes)
    return croissant_metadata(**arguments)


def test_a_curated_text_quoting_an_unknown_count_fails_naming_it():
    curated = yaml.safe_load((CONFIG_DIR / "croissant.yaml").read_text(encoding="utf-8"))
    assert _minimal(curated)["version"] == "0.0.1"
    curated["rai"]["dataBiases"] = "Mostly {regions} regions."
    with pytest.raises(ValueError, match=r"croissant.yaml: rai.dataBiases uses \{regions\}"):
        _minimal(curated)
    with pytest.raises(ValueError, match="uses {x}"):
        fill("{x}", {}, "description")


def test_a_missing_rai_field_fails_naming_it():
    curated = yaml.safe_load((CONFIG_DIR / "croissant.yaml").read_text(encoding="utf-8"))
    del curated["rai"]["annotatorDemographics"]
    with pytest.raises(ValueError, match="rai.annotatorDemographics is missing"):
        _minimal(curated)


def test_structs_lists_and_lists_of_structs_map_to_fields():
    from datasets import Features, List, Value

    from builders.dataset.croissant import field_entries

    features = Features(
        {
            "norm": {"value": Value("float64"), "unit": Value("string")},
            "tags": List(Value("string")),
            "links": List({"to": Value("int32"), "roles": List(Value("int32"))}),
        }
    )
    fields = {f["name"]: f for f in field_entries(features, "rs", "fs", {})}
    assert "repeated" not in fields["norm"] and [s["dataType"] for s in fields["norm"]["subField"]] == ["sc:Float", "sc:Text"]
    assert fields["tags"]["repeated"] and fields["tags"]["dataType"] == "sc:Text"
    assert fields["links"]["repeated"] and fields["links"]["subField"][1]["repeated"]
    assert fields["links"]["subField"][0]["source"]["transform"] == {"jsonPath": "to"}
