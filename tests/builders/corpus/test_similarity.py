"""The near-duplicate check's sketches: the estimate picks candidates, the
figure reported is exact, and a plan's sketch follows its content."""

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest

from builders.corpus.seeds import load_manifest
from builders.corpus.similarity import (
    SketchStore,
    comparable_text,
    estimate,
    jaccard,
    load_params,
    near_duplicates,
    ngram_hashes,
    same_text,
    shingles,
    sketch_text,
)
from builders.io import sha256_bytes

NEW_PLAN = (
    "示例市推进数字经济发展实施方案(2024-2026年)\n一、主要目标\n"
    "到2026年,全市数字经济核心产业增加值占地区生产总值比重达到10%以上。\n"
    "二、重点任务\n1.建设数据中心。新建5G基站3000个。(市发改委牽头,市财政局配合)\n"
)


def revised(text: str) -> str:
    """Another version of a plan: every fifth line rewritten, a paragraph added."""
    lines = text.split("\n")
    return "\n".join("本条内容已作修订,以最新文件为准。" if i % 5 == 0 else line for i, line in enumerate(lines)) + "\n新增一段关于数字经济的内容。"


@pytest.fixture
def seeds(paths, tmp_path):
    """The seeds' sketches in a scratch cache, and a reader of their texts."""
    plans = load_manifest(paths.seeds)
    store = SketchStore(tmp_path / "cache", load_params())
    sketches = store.sketches(paths.seeds, plans, lambda path: sha256_bytes(path.read_bytes()))
    texts = {p.id: comparable_text((paths.seeds / p.raw_file).read_text(encoding="utf-8")) for p in plans}
    return sketches, texts


def test_a_near_duplicate_is_found_with_its_exact_similarity(seeds):
    sketches, texts = seeds
    params = load_params()
    read = []
    new = revised(texts["lvliang-2013-transformation"])
    found = near_duplicates(new, sketches, lambda plan_id: read.append(plan_id) or texts[plan_id], params)
    assert [m.plan_id for m in found] == ["lvliang-2013-transformation"]
    exact = jaccard(shingles(comparable_text(new), params.ngram), shingles(texts["lvliang-2013-transformation"], params.ngram))
    assert found[0].similarity == exact and params.threshold <= exact < 1
    assert read == ["lvliang-2013-transformation"]  # only the candidate's text was read


def test_an_excerpt_near_the_threshold_is_still_compared_exactly(seeds):
    sketches, texts = seeds
    params = load_params()
    text = texts["yangquan-2021-14th-five-year-plan"]
    excerpt = text[: len(text) * 2 // 5]  # an excerpt: Jaccard about its share of the plan
    exact = jaccard(shingles(excerpt, params.ngram), shingles(text, params.ngram))
    found = near_duplicates(excerpt, sketches, texts.get, params)
    assert (exact >= params.threshold) == bool(found)
    assert abs(estimate(sketch_text(excerpt, params), sketches["yangquan-2021-14th-five-year-plan"], params.size) - exact) < params.margin


def test_a_different_plan_is_not_found_and_no_seed_is_read(seeds):
    sketches, texts = seeds
    read = []
    assert near_duplicates(NEW_PLAN, sketches, lambda plan_id: read.append(plan_id) or texts[plan_id], load_params()) == []
    assert read == []


def test_the_estimate_is_exact_below_k_and_close_above(seeds):
    sketches, texts = seeds
    params = load_params()
    small_a, small_b = NEW_PLAN, NEW_PLAN.replace("数据中心", "算力中心")
    exact = jaccard(shingles(small_a, params.ngram), shingles(small_b, params.ngram))
    assert estimate(sketch_text(small_a, params), sketch_text(small_b, params), params.size) == exact
    ids = sorted(texts)
    for a, b in zip(ids, ids[1:]):
        exact = jaccard(shingles(texts[a], params.ngram), shingles(texts[b], params.ngram))
        assert abs(estimate(sketches[a], sketches[b], params.size) - exact) < 0.05


def test_hashes_are_one_per_distinct_ngram_and_the_same_in_every_process(paths):
    text = comparable_text((paths.seeds / "raw" / "xinzhou-2017-central-rise.txt").read_text(encoding="utf-8"))
    hashes = ngram_hashes(text, 5)
    assert len(hashes) == len(shingles(text, 5))  # no collisions on a real plan
    code = "import sys; from builders.corpus.similarity import ngram_hashes; print(ngram_hashes(sys.stdin.read(), 5)[:50].tolist())"
    outputs = {
        subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True, check=True,
                       env=dict(os.environ, PYTHONHASHSEED=seed), cwd=paths.root).stdout
        for seed in ("1", "2")
    }
    assert outputs == {str(hashes[:50].tolist()) + "\n"}


def test_the_same_text_is_found_by_its_hash_and_confirmed(seeds):
    sketches, texts = seeds
    text = texts["taiyuan-2013-transformation"].replace("\n", "\r\n") + "  \n"
    assert same_text(text, sketches, texts.get) == "taiyuan-2013-transformation"
    assert same_text(text, sketches, lambda plan_id: "something else") is None  # a hash match is confirmed
    assert same_text(NEW_PLAN, sketches, texts.get) is None


def test_a_changed_plan_gets_a_new_sketch_and_the_old_one_is_pruned(tmp_path, paths):
    seeds_dir = tmp_path / "seeds"
    (seeds_dir / "raw").mkdir(parents=True)
    [plan] = [p for p in load_manifest(paths.seeds) if p.id == "xinzhou-2017-central-rise"]
    raw = seeds_dir / plan.raw_file
    raw.write_text(NEW_PLAN, encoding="utf-8")
    store = SketchStore(tmp_path / "cache", load_params())
    first = store.get(seeds_dir, plan, sha256_bytes(raw.read_bytes()))
    assert first.text_sha256 == sha256_bytes(comparable_text(NEW_PLAN).encode("utf-8"))
    assert store.get(seeds_dir, plan, sha256_bytes(raw.read_bytes())).text_sha256 == first.text_sha256  # read back
    [stored] = list(store.folder.iterdir())

    raw.write_text(NEW_PLAN + "三、保障措施\n", encoding="utf-8")
    digest = sha256_bytes(raw.read_bytes())
    second = store.get(seeds_dir, plan, digest)
    assert second.text_sha256 != first.text_sha256
    assert not (second.minima.tolist() == first.minima.tolist())
    store.prune([(plan, digest)])
    assert [p.name for p in store.folder.iterdir()] != [stored.name] and len(list(store.folder.iterdir())) == 1

    # another recorded encoding is another content
    gbk = replace(plan, metadata=dict(plan.metadata, source_encoding="gb18030"))
    raw.write_bytes((NEW_PLAN + "三、保障措施\n").encode("gb18030"))
    digest = sha256_bytes(raw.read_bytes())
    assert store.get(seeds_dir, gbk, digest).text_sha256 == second.text_sha256
    assert len(list(store.folder.iterdir())) == 2


def test_a_damaged_sketch_file_is_computed_again(tmp_path, paths):
    [plan] = [p for p in load_manifest(paths.seeds) if p.id == "xinzhou-2017-central-rise"]
    store = SketchStore(tmp_path / "cache", load_params())
    digest = sha256_bytes((paths.seeds / plan.raw_file).read_bytes())
    good = store.get(paths.seeds, plan, digest)
    [path] = list(store.folder.iterdir())
    path.write_text("{not json", encoding="utf-8")
    again = store.get(paths.seeds, plan, digest)
    assert again.text_sha256 == good.text_sha256 and again.minima.tolist() == good.minima.tolist()
    assert json.loads(path.read_text(encoding="utf-8"))["text_sha256"] == good.text_sha256


def test_seeds_with_the_same_text_are_compared_once(seeds, monkeypatch):
    import builders.corpus.similarity as similarity

    sketches, texts = seeds
    params = load_params()
    copies = {f"copy-{n}": sketches["chifeng-2017-northeast-revitalization"] for n in range(3)}
    calls = []
    real = similarity.shingles
    monkeypatch.setattr(similarity, "shingles", lambda text, size: calls.append(1) or real(text, size))
    text = texts["chifeng-2017-northeast-revitalization"]
    found = near_duplicates(text + "\n附:本方案自印发之日起施行。", copies, lambda plan_id: text, params)
    assert [m.plan_id for m in found] == ["copy-0", "copy-1", "copy-2"]
    assert len({m.similarity for m in found}) == 1 and len(calls) == 2  # the new text's n-grams and one seed's

    read = []
    near_duplicates(text + "\n附:本方案自印发之日起施行。", copies, lambda plan_id: read.append(plan_id) or text, params)
    assert read == ["copy-0"]  # the sketches say the three texts are one: it is read once


def test_the_pack_holds_every_kept_sketch_and_a_damaged_one_costs_only_reads(tmp_path, paths):
    plans = load_manifest(paths.seeds)
    keep = [(plan, sha256_bytes((paths.seeds / plan.raw_file).read_bytes())) for plan in plans]
    store = SketchStore(tmp_path / "cache", load_params())
    expected = {plan.id: store.get(paths.seeds, plan, digest) for plan, digest in keep}
    store.write_pack(paths.seeds, keep)
    pack = store.folder / SketchStore.PACK
    assert pack.exists()
    written = pack.stat().st_mtime_ns
    store.write_pack(paths.seeds, keep)  # the same sketches: not written again
    assert pack.stat().st_mtime_ns == written

    for path in store.folder.glob("*.json"):
        path.unlink()  # only the pack is left
    again = SketchStore(tmp_path / "cache", load_params())
    for plan, digest in keep:
        got = again.get(paths.seeds, plan, digest)
        assert got.text_sha256 == expected[plan.id].text_sha256 and got.minima.tolist() == expected[plan.id].minima.tolist()
    assert not list(store.folder.glob("*.json"))  # all came from the pack

    store.prune(keep[:1])
    assert pack.exists()  # pruning keeps the pack; a lagging pack holds only right sketches
    pack.write_bytes(b"PK not a zip")
    damaged = SketchStore(tmp_path / "cache", load_params())
    plan, digest = keep[0]
    assert damaged.get(paths.seeds, plan, digest).text_sha256 == expected[plan.id].text_sha256  # read from the seed


def test_the_estimate_is_the_bottom_k_share_by_its_definition():
    import random

    import numpy as np

    from builders.corpus.similarity import Sketch

    rng = random.Random(16)
    for _ in range(200):
        pool = rng.sample(range(2**40), rng.randint(1, 400))
        a = set(rng.sample(pool, rng.randint(1, len(pool))))
        b = set(rng.sample(pool, rng.randint(1, len(pool))))
        k = rng.choice([1, 7, 64, 1024])
        union = sorted(a | b)[:k]  # the k smallest of the union, from the full sets
        expected = sum(1 for value in union if value in a and value in b) / len(union)
        sketch = lambda values: Sketch("", np.array(sorted(values)[:k], dtype=np.uint64))  # noqa: E731
        assert estimate(sketch(a), sketch(b), k) == expected


def test_the_sketch_is_the_k_smallest_distinct_hashes_also_for_repetitive_text(paths):
    params = load_params()
    seed = comparable_text((paths.seeds / "raw" / "yangquan-2021-14th-five-year-plan.txt").read_text(encoding="utf-8"))
    # a long plan; a text of few distinct n-grams repeated (most candidates repeats); a short one
    for text in (seed, "一二三四五六七八九十" * 300 + "另有补充", "短文本一则"):
        assert sketch_text(text, params).minima.tolist() == ngram_hashes(text, params.ngram)[: params.size].tolist()


def test_an_unwritable_sketch_cache_costs_a_computation_not_an_error(tmp_path, paths):
    [plan] = [p for p in load_manifest(paths.seeds) if p.id == "xinzhou-2017-central-rise"]
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    digest = sha256_bytes((paths.seeds / plan.raw_file).read_bytes())
    sketch = SketchStore(blocked, load_params()).get(paths.seeds, plan, digest)
    assert len(sketch.minima) == load_params().size
