"""The transformers path end to end with a TINY BERT built here with random
weights (no download): character-level encoding and alignment, a fine-tune
through `transformers.Trainer` with the scorer's compute_metrics, and
prediction through `hf:PATH` with code-point offsets."""

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from builders.annotation.labels import load_labels  # noqa: E402
from evaluation.hf.chars import IGNORE, encode, tags_from_tokens, windows  # noqa: E402
from evaluation.hf.finetune import finetune, make_compute_metrics, strict_metrics  # noqa: E402
from evaluation.hf.tiny import build_tiny_bert, char_vocabulary, wordpiece_tokenizer  # noqa: E402
from evaluation.inputs import GoldUnit  # noqa: E402
from evaluation.models import load_model  # noqa: E402
from evaluation.scorer import Entity  # noqa: E402

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def unit(i, text, strings):
    spans, cursor = [], 0
    for string, label in strings:
        start = text.index(string, cursor)
        spans.append(Entity(f"u-{i}", start, start + len(string), label))
        cursor = start + len(string)
    return GoldUnit(f"u-{i}", "d", text, tuple(spans))


DEPTS = ["市水利局", "市交通局", "市教育局", "市农业局"]
UNITS = [unit(i, f"{dept}负责,{2020 + i}年完成", [(dept, "DEPT"), (f"{2020 + i}年", "DATE")]) for i, dept in enumerate(DEPTS)]


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    """A WordPiece tokenizer whose vocabulary has whole digit runs (so raw
    text would split 2025 as one word) and a 1-layer BERT, random weights."""
    folder = tmp_path_factory.mktemp("tiny-bert")
    chars = sorted({c for u in UNITS for c in u.text} | set("0123456789𠀋 "))
    vocab = SPECIAL + chars + ["2025", "##0", "##2", "##5"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = wordpiece_tokenizer(folder / "vocab.txt")
    assert tokenizer.convert_ids_to_tokens(tokenizer("2025年")["input_ids"]) == ["[CLS]", "2025", "年", "[SEP]"]
    tags = list(load_labels().bio_tags)
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                     intermediate_size=64, max_position_embeddings=64, num_labels=len(tags),
                                     id2label=dict(enumerate(tags)), label2id={t: i for i, t in enumerate(tags)})
    transformers.BertForTokenClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder, tokenizer


def test_each_character_is_one_word_with_its_own_tag(tiny_bert):
    _, tokenizer = tiny_bert
    text = "到2025年 𠀋"
    encoding = encode(tokenizer, list(text), list(range(len(text))))
    # [CLS] and [SEP] carry no character; the space yields no token at all.
    assert encoding["char_of_token"] == [-1, 0, 1, 2, 3, 4, 5, 7, -1]
    assert encoding["labels"] == [IGNORE, 0, 1, 2, 3, 4, 5, 7, IGNORE]
    assert tags_from_tokens(encoding["char_of_token"], ["O", "B-DATE", "I-DATE", "I-DATE", "I-DATE", "I-DATE", "I-DATE", "B-DEPT", "O"],
                            len(text))[6:] == ["O", "B-DEPT"]
    assert windows(600, 250) == [(0, 250), (250, 500), (500, 600)] and windows(0) == [(0, 0)]


def test_compute_metrics_gives_the_scorer_strict_numbers():
    tags = list(load_labels().bio_tags)
    id2label = dict(enumerate(tags))
    gold = [["B-DEPT", "I-DEPT", "O", "B-DATE"], ["B-VALUE", "O", "O", "O"]]
    pred = [["B-DEPT", "I-DEPT", "O", "O"], ["B-VALUE", "I-VALUE", "O", "O"]]
    labels = [[IGNORE] + [tags.index(t) for t in row] + [IGNORE] for row in gold]
    logits = [[[10.0 if j == (tags.index(row[k - 1]) if 0 < k <= 4 else 0) else 0.0 for j in range(len(tags))]
               for k in range(6)] for row in pred]
    prediction = transformers.EvalPrediction(predictions=logits, label_ids=labels)
    metrics = make_compute_metrics(id2label)(prediction)
    assert metrics == strict_metrics(gold, pred)
    assert metrics["strict_micro_precision"] == 0.5 and metrics["strict_micro_recall"] == pytest.approx(1 / 3)


def test_finetune_then_predict_on_characters(tiny_bert, tmp_path):
    folder, _ = tiny_bert
    metrics = finetune(UNITS * 4, UNITS, folder, tmp_path / "out", learning_rate=5e-3, batch_size=8, seed=0, max_steps=40)
    assert "eval_strict_micro_f1" in metrics
    model = load_model(f"hf:{tmp_path / 'out'}")
    text = "市教育局负责,2025年完成"
    spans = model(text)
    assert all(0 <= s < e <= len(text) for s, e, _ in spans)
    assert (0, 4, "DEPT") in spans and (7, 12, "DATE") in spans
    assert model("") == []


def test_the_documented_script_runs_on_the_dataset(tiny_bert, tmp_path, paths, capsys):
    from evaluation.hf.finetune import main

    folder, _ = tiny_bert
    assert main(["--model", str(folder), "--out", str(tmp_path / "run"), "--root", str(paths.root), "--max-steps", "2", "--warmup-ratio", "0.5",
                 "--batch-size", "32"]) == 0
    out = capsys.readouterr().out
    assert "eval_strict_micro_f1" in out and "test: strict micro P" in out
    assert (tmp_path / "run" / "config.json").exists()


def test_tiny_bert_from_the_train_characters(tmp_path):
    """The recipe-check model: every train character its own token (no
    [UNK] on train text), unseen characters [UNK], the seed fixes the weights."""
    assert char_vocabulary(["市水利局 负责", "水利"], min_count=2) == SPECIAL + ["利", "水"]
    config = {"model": {"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32,
                        "max_position_embeddings": 64}}
    first = build_tiny_bert(UNITS, tmp_path / "a", seed=3, config=config)
    again = build_tiny_bert(UNITS, tmp_path / "b", seed=3, config=config)
    other = build_tiny_bert(UNITS, tmp_path / "c", seed=4, config=config)
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(first), local_files_only=True)
    ids = encode(tokenizer, list(UNITS[0].text))["input_ids"]
    assert len(ids) == len(UNITS[0].text) + 2 and tokenizer.unk_token_id not in ids
    assert encode(tokenizer, list("市卫健委"))["input_ids"].count(tokenizer.unk_token_id) == 3
    weights = [transformers.BertForTokenClassification.from_pretrained(str(path)).state_dict() for path in (first, again, other)]
    key = "bert.embeddings.word_embeddings.weight"
    assert torch.equal(weights[0][key], weights[1][key]) and not torch.equal(weights[0][key], weights[2][key])
