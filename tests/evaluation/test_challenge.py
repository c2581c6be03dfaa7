"""The challenge set: invented fragments in the forms real plans take, with
their expected structure and spans, loaded strictly and scored end to end."""

import dataclasses

import pytest

from evaluation.challenge import ChallengeError, load_fragments, report_lines, run_challenge


@pytest.fixture(scope="module")
def fragments():
    return load_fragments()


def test_the_set_is_large_and_covers_both_scripts(fragments):
    assert len(fragments) >= 50
    assert {f.script for f in fragments} == {"Simplified", "Traditional"}
    assert len({f.id for f in fragments}) == len(fragments)
    labels = {s.label for f in fragments for s in f.spans}
    assert labels == {"DEPT", "INDICATOR", "VALUE", "DATE"}


def test_expected_spans_are_resolved_in_reading_order_outside_titles(fragments):
    by_id = {f.id: f for f in fragments}
    spans = by_id["ch56"].spans
    text = by_id["ch56"].clean
    # 十四五 inside the title 《…》 is never the span meant (G4).
    assert [text[s.start : s.end] for s in spans] == ["二〇二五年", "地表水優良水體比例", "80%"]


def test_a_perfect_pre_annotation_scores_one(fragments):
    result = run_challenge(fragments[:5])
    perfect = [dataclasses.replace(run, predicted=run.fragment.spans) for run in result.runs]
    from evaluation.challenge import ChallengeResult
    from evaluation.scorer import Entity, score

    gold = [Entity(r.fragment.id, s.start, s.end, s.label) for r in perfect for s in r.fragment.spans]
    assert score(gold, gold)["strict"].micro.f1 == 1.0
    assert ChallengeResult(tuple(perfect), score(gold, gold)).scores["strict"].micro.f1 == 1.0


def test_report_names_labels_and_structure(fragments):
    lines = report_lines(run_challenge(fragments[:3]), details=True)
    text = "\n".join(lines)
    for label in ("DEPT", "INDICATOR", "VALUE", "DATE", "micro", "structure", "trailers"):
        assert label in text


@pytest.mark.parametrize(
    "body, message",
    [
        ("- {id: x1, raw: 'a', blocks: [paragraph, paragraph]}", "blocks must give"),
        ("- {id: x1, raw: 'a', blocks: [paragraph], spans: [[b, DEPT]]}", "'b' not found"),
        ("- {id: x1, raw: 'ab', blocks: [paragraph], spans: [[a, PLACE]]}", "span labels"),
        ("- {id: x1, raw: 'a', blocks: [paragraph]}\n- {id: x1, raw: 'a', blocks: [paragraph]}", "duplicate id"),
        ("- {id: x1, raw: 'a', blocks: [paragraph], trailers: ['(x)']}", "trailer"),
    ],
)
def test_bad_fragments_are_refused_naming_file_and_fragment(tmp_path, body, message):
    path = tmp_path / "fragments.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ChallengeError, match=message) as error:
        load_fragments(path)
    assert str(path) in str(error.value) and "x1" in str(error.value)


@pytest.fixture(scope="module")
def result(fragments):
    return run_challenge(fragments)


def test_every_fragment_is_cleaned_and_segmented_as_expected(result):
    wrong = {run.fragment.id: run.structure_problems() for run in result.runs if run.structure_problems()}
    assert not wrong, wrong


def test_every_responsibility_list_is_recognised_and_nothing_else(result):
    expected, found, correct = result.trailer_counts()
    assert correct == expected == found


def test_rule_pre_annotation_reaches_the_issue_target_on_the_challenge_set(result):
    # The issue's target for unseen plans is 0.85 strict micro F1. The set was
    # written by the author of the rules, so this is a floor, not evidence.
    strict = result.scores["strict"]
    misses = {run.fragment.id: run.span_differences() for run in result.runs if any(run.span_differences())}
    assert strict.micro.f1 >= 0.85, misses
    assert all(s.f1 >= 0.8 for s in strict.per_label.values()), misses


def test_the_forms_are_decided_in_guidelines_section_10():
    from builders.project import ROOT

    guidelines = (ROOT / "annotations" / "GUIDELINES.md").read_text(encoding="utf-8")
    section = guidelines.split("## 10. Plans from outside the seed set", 1)[1].split("\n## ", 1)[0]
    for number in range(60, 70):
        assert f"**H{number} —" in section
    for number in range(21, 25):
        assert f"**A{number} —" in section


def test_the_held_out_fragments_load_and_are_segmented_as_expected():
    # Written after the rules changed and never used to change one; only the
    # structure is pinned here, the span scores are reported by the benchmark.
    from builders.project import ROOT

    held_out = load_fragments(ROOT / "tests" / "data" / "challenge_heldout.yaml")
    assert len(held_out) >= 15
    result = run_challenge(held_out)
    assert result.structure_correct == len(held_out)


def test_the_benchmark_reports_a_bad_file_without_a_traceback(tmp_path, capsys):
    import importlib.util

    from builders.project import ROOT

    spec = importlib.util.spec_from_file_location("bench_challenge", ROOT / "evaluation" / "benchmarks" / "bench_challenge.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {id: z9, raw: 'a', blocks: [heading, heading]}", encoding="utf-8")
    assert bench.main(["--fragments", str(bad)]) == 2
    assert "z9" in capsys.readouterr().err


def test_the_second_set_is_split_by_its_fixed_hash_and_covers_both_scripts():
    # The second set (dev half to tune on, held-out half never used to change a rule)
    # was written before any rule was changed for it; the split must be the hash's,
    # so nobody can move a fragment to the half that suits them.
    import hashlib

    from builders.project import ROOT

    dev = load_fragments(ROOT / "tests" / "data" / "challenge_dev2.yaml")
    held_out = load_fragments(ROOT / "tests" / "data" / "challenge_heldout2.yaml")
    assert len(dev) + len(held_out) >= 40
    assert not {f.id for f in dev} & {f.id for f in held_out}
    parity = lambda f: int(hashlib.sha256(f.id.encode()).hexdigest(), 16) % 2  # noqa: E731
    assert all(parity(f) == 0 for f in dev) and all(parity(f) == 1 for f in held_out)
    for half in (dev, held_out):
        assert {f.script for f in half} == {"Simplified", "Traditional"}
        assert {s.label for f in half for s in f.spans} == {"DEPT", "INDICATOR", "VALUE", "DATE"}
