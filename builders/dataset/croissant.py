"""`croissant.json`: the dataset described in Croissant 1.0 with the
Responsible-AI vocabulary (RAI 1.0), generated from the declared features,
the data files and the curated `config/croissant.yaml`.

What the data can say is generated: one FileObject per parquet file with its
sha256 and size, one FileSet and one RecordSet per config and split (the
record set `spans.train` reads the files of config `spans`, split `train`),
fields mapped from the `datasets` features, the label names as enumeration
record sets, the version, the languages and the counts quoted in the RAI
texts. What only people know (description, how the data was collected and
annotated, limitations, biases, uses, maintenance) is curated YAML whose
`{placeholders}` are filled from those counts. Offsets in every field are
Unicode code points, half-open [start, end).
"""

from __future__ import annotations

import string

from datasets import ClassLabel, Features, List, Value

from builders.io import dumps_indented

CROISSANT_FILE = "croissant.json"
PARQUET = "application/x-parquet"
CONFORMS_TO = "http://mlcommons.org/croissant/1.0"

# The context Croissant 1.0 prescribes (as `mlcroissant` writes it), with the
# RAI namespace.
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

# The RAI properties the curated YAML must fill (RAI 1.0 names).
RAI_REQUIRED = (
    "dataCollection",
    "dataCollectionType",
    "dataCollectionRawData",
    "dataCollectionTimeframe",
    "dataPreprocessingProtocol",
    "dataAnnotationProtocol",
    "dataAnnotationPlatform",
    "dataAnnotationAnalysis",
    "annotationsPerItem",
    "annotatorDemographics",
    "machineAnnotationTools",
    "dataLimitations",
    "dataBiases",
    "dataUseCases",
    "dataSocialImpact",
    "personalSensitiveInformation",
    "dataReleaseMaintenancePlan",
)

_SCALAR_TYPES = {
    "string": "sc:Text",
    "large_string": "sc:Text",
    "int8": "sc:Integer",
    "int16": "sc:Integer",
    "int32": "sc:Integer",
    "int64": "sc:Integer",
    "bool": "sc:Boolean",
    "float32": "sc:Float",
    "float64": "sc:Float",
}


def _scalar_type(feature, where: str) -> str:
    if isinstance(feature, ClassLabel):
        return "sc:Integer"
    if isinstance(feature, Value) and feature.dtype in _SCALAR_TYPES:
        return _SCALAR_TYPES[feature.dtype]
    raise ValueError(f"{where}: no Croissant type for feature {feature!r}; add it to croissant._SCALAR_TYPES")


def _label_note(feature) -> str:
    if isinstance(feature, ClassLabel):
        return " Class index; names in order: " + ", ".join(f"{i} {n}" for i, n in enumerate(feature.names)) + "."
    return ""


def field_entries(features: Features, record_set: str, file_set: str, descriptions: dict[str, str]) -> list[dict]:
    """Croissant fields of one record set, read from the parquet columns of
    `file_set`. Lists become repeated fields; a list of structs becomes a
    repeated field whose subfields pick their key from each element."""
    fields = []
    for name, feature in features.items():
        field_id = f"{record_set}/{name}"
        source = {"fileSet": {"@id": file_set}, "extract": {"column": name}}
        entry = {"@type": "cr:Field", "@id": field_id, "name": name, "description": descriptions.get(name, "")}
        inner = feature.feature if isinstance(feature, List) else None
        if isinstance(feature, dict):
            inner = feature  # a struct: subfields, not repeated
        if isinstance(inner, dict):
            if inner is not feature:
                entry["repeated"] = True
            entry["subField"] = []
            for key, sub in inner.items():
                if isinstance(sub, dict):
                    # A struct inside each element (an entity's `normalized`):
                    # one subfield per key, read with a two-step path.
                    entry["subField"].append(_struct_entry(sub, f"{field_id}/{key}", f"{name}.{key}", key, source, descriptions))
                    continue
                sub_inner = sub.feature if isinstance(sub, List) else None
                sub_entry = {
                    "@type": "cr:Field",
                    "@id": f"{field_id}/{key}",
                    "name": key,
                    "description": (descriptions.get(f"{name}.{key}", "") + _label_note(sub_inner or sub)).strip(),
                    "dataType": _scalar_type(sub_inner or sub, f"{field_id}/{key}"),
                    "source": {**source, "transform": {"jsonPath": key}},
                }
                if sub_inner is not None:
                    sub_entry["repeated"] = True  # a list inside each element (e.g. a task's lead bodies)
                entry["subField"].append(sub_entry)
        elif inner is not None:
            entry.update(repeated=True, dataType=_scalar_type(inner, field_id), source=source)
            entry["description"] += _label_note(inner)
        else:
            entry.update(dataType=_scalar_type(feature, field_id), source=source)
            entry["description"] += _label_note(feature)
        entry["description"] = entry["description"].strip()
        fields.append(entry)
    return fields


def _struct_entry(struct: dict, field_id: str, described: str, key: str, source: dict, descriptions: dict[str, str]) -> dict:
    return {
        "@type": "cr:Field",
        "@id": field_id,
        "name": key,
        "description": descriptions.get(described, ""),
        "subField": [
            {
                "@type": "cr:Field",
                "@id": f"{field_id}/{sub_key}",
                "name": sub_key,
                "description": descriptions.get(f"{described}.{sub_key}", ""),
                "dataType": _scalar_type(sub, f"{field_id}/{sub_key}"),
                "source": {**source, "transform": {"jsonPath": f"{key}.{sub_key}"}},
            }
            for sub_key, sub in struct.items()
        ],
    }


def enumeration_record_set(name: str, names: list[str], descriptions: list[str] | None = None) -> dict:
    """A small record set holding a class label's names by index, inline."""
    fields = [
        {"@type": "cr:Field", "@id": f"{name}/index", "name": "index", "dataType": "sc:Integer"},
        {"@type": "cr:Field", "@id": f"{name}/name", "name": "name", "dataType": "sc:Text"},
    ]
    rows = [{f"{name}/index": i, f"{name}/name": label} for i, label in enumerate(names)]
    if descriptions:
        fields.append({"@type": "cr:Field", "@id": f"{name}/description", "name": "description", "dataType": "sc:Text"})
        for row, text in zip(rows, descriptions):
            row[f"{name}/description"] = text
    return {"@type": "cr:RecordSet", "@id": name, "name": name, "key": {"@id": f"{name}/index"}, "field": fields, "data": rows}


def fill(text: str, facts: dict, where: str) -> str:
    """Fill `{name}` placeholders of a curated text from the computed facts;
    an unknown name is an error naming the YAML key."""
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    missing = sorted(names - set(facts))
    if missing:
        raise ValueError(f"builders/config/croissant.yaml: {where} uses {{{missing[0]}}}, which the build does not compute; known: {sorted(facts)}")
    return text.format_map(facts)


def croissant_metadata(
    *,
    configs: dict[str, dict[str, list[str]]],
    files: dict[str, str],
    digests: dict[str, tuple[str, int]],
    features: dict[str, Features],
    labels_names: list[str],
    labels_descriptions: list[str],
    bio_tags: list[str],
    curated: dict,
    facts: dict,
    version: str,
    languages: list[str],
    cite_as: str,
    date_published: str | None,
) -> dict:
    """The Croissant document.

    configs: config -> split -> shards; files: shard -> data file path;
    digests: data file path -> (sha256, size in bytes); features: config ->
    its features; facts: the counts the curated texts may quote.
    """
    missing = [key for key in RAI_REQUIRED if not curated.get("rai", {}).get(key)]
    if missing:
        raise ValueError(f"builders/config/croissant.yaml: rai.{missing[0]} is missing or empty")
    descriptions = curated.get("fields", {})
    distribution = []
    for path in sorted(digests):
        sha256, size = digests[path]
        distribution.append(
            {
                "@type": "cr:FileObject",
                "@id": path,
                "name": path,
                "contentUrl": path,
                "contentSize": f"{size} B",
                "encodingFormat": PARQUET,
                "sha256": sha256,
            }
        )
    record_sets = [
        enumeration_record_set("labels", labels_names, labels_descriptions),
        enumeration_record_set("bio_tags", bio_tags),
    ]
    for config, splits in configs.items():
        for split, shards in splits.items():
            name = f"{config}.{split}"
            file_set = f"files.{name}"
            distribution.append(
                {
                    "@type": "cr:FileSet",
                    "@id": file_set,
                    "name": file_set,
                    "description": f"The data files of config `{config}`, split `{split}`: {', '.join(s.split('/', 1)[1] for s in shards)}.",
                    "encodingFormat": PARQUET,
                    "includes": [files[shard] for shard in shards],
                }
            )
            record_sets.append(
                {
                    "@type": "cr:RecordSet",
                    "@id": name,
                    "name": name,
                    "description": f"Config `{config}`, split `{split}` ({facts['rows'][config][split]} rows). "
                    + curated.get("configs", {}).get(config.split("-")[0] if config.startswith("fold-") else config, ""),
                    "field": field_entries(features[config], name, file_set, descriptions),
                }
            )
    document = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": curated["name"],
        "description": fill(" ".join(curated["description"].split()), facts, "description"),
        "conformsTo": CONFORMS_TO,
        "version": version,
        "license": curated["license"],
        "citeAs": cite_as,
        "inLanguage": languages,
        "keywords": curated.get("keywords", []),
        "creator": curated.get("creator", []),
    }
    if curated.get("url"):
        document["url"] = curated["url"]
    if date_published:
        document["datePublished"] = date_published
    for key in RAI_REQUIRED:
        value = curated["rai"][key]
        texts = value if isinstance(value, list) else [value]
        filled = [fill(" ".join(str(t).split()), facts, f"rai.{key}") for t in texts]
        document[f"rai:{key}"] = filled if isinstance(value, list) else filled[0]
    document["distribution"] = distribution
    document["recordSet"] = record_sets
    return document


def croissant_bytes(document: dict) -> bytes:
    # Keys in the order written (context first); the same inputs give the same bytes.
    return (dumps_indented(document, 1) + "\n").encode("utf-8")


def dataset_facts(
    plans,
    rows: dict[str, dict[str, int]],
    label_counts: dict[str, int],
    agreement: dict | None,
    adjudicated_units: int,
    version: str,
) -> dict:
    """The counts the curated texts may quote, computed from the data."""
    plans = list(plans)
    years = sorted(
        int(str(year)[:4])
        for p in plans
        for year in [p.get("issue_date") or (str(p.get("plan_period") or "")[:4] or None)]
        if year and str(year)[:4].isdigit()
    )
    provinces = sorted({p["province"] for p in plans if p.get("province")})
    return {
        "plans": len(plans),
        "provinces": " and ".join([", ".join(provinces[:-1]), provinces[-1]] if len(provinces) > 1 else provinces),
        "cities": ", ".join(sorted({p["city"] for p in plans if p.get("city")})),
        "years": f"{years[0]}-{years[-1]}" if years else "years not stated",
        "units": sum(rows.get("spans", {}).values()),
        "spans": sum(label_counts.values()),
        "label_counts": ", ".join(f"{n} {name}" for name, n in label_counts.items()),
        "second_units": (agreement or {}).get("units", 0),
        "second_characters": (agreement or {}).get("characters", 0),
        "second_plans": len((agreement or {}).get("per_plan", {})),
        "adjudicated_units": adjudicated_units,
        "version": version,
        "rows": rows,
    }
