"""A plan's fingerprint: computed once, and the same value as the
`dataclasses.asdict` description it replaced (the cache keys of existing
builds stay valid)."""

import dataclasses

from builders.build import plan_inputs
from builders.io import dumps_json, sha256_bytes


def asdict_fingerprint(inputs) -> str:
    """The fingerprint as it was computed before, with dataclasses.asdict."""
    described = {
        "code": inputs.code_version,
        "labels": inputs.labels_sha256,
        "manifest": inputs.plan.metadata,
        "errata": [dataclasses.asdict(e) for e in inputs.errata],
        "garbled_runs": [dataclasses.asdict(r) for r in inputs.runs],
        "noise": [dataclasses.asdict(n) for n in inputs.noise],
        "raw": inputs.raw_sha256,
        "gold": inputs.gold_sha256,
        "relations": inputs.relations_sha256,
        "normalized": inputs.normalized_sha256,
    }
    return sha256_bytes(dumps_json(described).encode("utf-8"))


def test_the_fingerprint_equals_the_asdict_description_for_every_seed(paths):
    inputs = plan_inputs(paths)
    assert any(p.runs for p in inputs) and any(p.errata for p in inputs) and any(p.noise for p in inputs)
    for plan in inputs:
        assert plan.fingerprint() == asdict_fingerprint(plan), plan.plan.id


def test_the_fingerprint_is_computed_once_and_follows_a_changed_input(paths, monkeypatch):
    import builders.dataset.plan_outputs as plan_outputs

    plan = plan_inputs(paths)[0]
    calls = []
    real = plan_outputs.dumps_json
    monkeypatch.setattr(plan_outputs, "dumps_json", lambda value: calls.append(1) or real(value))
    first = plan.fingerprint()
    assert plan.fingerprint() == first and len(calls) == 1
    changed = dataclasses.replace(plan, gold_sha256="0" * 64)
    assert changed.fingerprint() != first and len(calls) == 2
    assert changed == dataclasses.replace(plan, gold_sha256="0" * 64)  # the memo is no field: equality as before
