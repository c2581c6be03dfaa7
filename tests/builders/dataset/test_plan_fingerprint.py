"""A plan's fingerprint: computed once, covering every input of the plan,
its repair-table entries through one digest of all their fields."""

import dataclasses

from builders.build import plan_inputs
from builders.dataset.plan_outputs import repairs_sha256
from builders.io import dumps_json, sha256_bytes


def described_repairs(inputs) -> str:
    """The digest of the plan's repair entries, written out plainly: every
    field of every record (a run's characters as their fields)."""
    described = {
        "errata": [dataclasses.asdict(e) for e in inputs.errata],
        "garbled_runs": [{f.name: getattr(r, f.name) for f in dataclasses.fields(r)} | {"chars": [c._asdict() for c in r.chars]} for r in inputs.runs],
        "noise": [dataclasses.asdict(n) for n in inputs.noise],
    }
    return sha256_bytes(dumps_json(described).encode("utf-8"))


def test_the_repair_digest_describes_every_field_for_every_seed(paths):
    inputs = plan_inputs(paths)
    assert any(p.runs for p in inputs) and any(p.errata for p in inputs) and any(p.noise for p in inputs)
    for plan in inputs:
        assert plan.repairs_sha256 == described_repairs(plan) == repairs_sha256(plan.errata, plan.runs, plan.noise), plan.plan.id
        # given or computed, the same fingerprint
        assert plan.fingerprint() == dataclasses.replace(plan, repairs_sha256="").fingerprint()


def test_a_changed_repair_entry_changes_the_fingerprint(paths):
    plan = next(p for p in plan_inputs(paths) if p.runs)
    run = plan.runs[0]
    evidence = "context" if run.chars[0].evidence != "context" else "bytes"
    for changed_run in (
        dataclasses.replace(run, note=run.note + " (checked)"),
        dataclasses.replace(run, chars=(run.chars[0]._replace(evidence=evidence),) + run.chars[1:]),
    ):
        changed = dataclasses.replace(plan, runs=(changed_run,) + plan.runs[1:], repairs_sha256="")
        assert changed.fingerprint() != plan.fingerprint()


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
