"""The LLM adapter with a client object of the test's own: fixed prompt with
few-shot examples from train, responses saved and re-scored from the file,
strings aligned, unaligned ones counted. The real client against a local
server, and the command line, are in test_llm_server.py."""

import json
from types import SimpleNamespace

from builders.io import load_yaml
from evaluation.inputs import GoldUnit, read_prediction_file
from evaluation.models.llm import DEFAULT_BASE_URL, PROMPT, build_messages, few_shot, llm_model, parse_response, run_llm
from evaluation.scorer import Entity

TRAIN = [
    GoldUnit("t-1", "d", "市水利局负责", (Entity("t-1", 0, 4, "DEPT"),)),
    GoldUnit("t-2", "d", "到2025年达到90%", (Entity("t-2", 1, 6, "DATE"), Entity("t-2", 9, 12, "VALUE"))),
    GoldUnit("t-3", "d", "没有实体的句子", ()),
]
UNITS = [GoldUnit("u-1", "d", "市交通局牵头,2030年完成", ()), GoldUnit("u-2", "d", "加强管理", ())]


class FakeClient:
    """Answers like a chat-completions endpoint; records every request."""

    def __init__(self, answers):
        self.answers, self.requests = answers, []
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self.create))

    def create(self, **request):
        self.requests.append(request)
        text = request["messages"][-1]["content"].rsplit("文本: ", 1)[1].strip()
        return SimpleNamespace(choices=[SimpleNamespace(message=SimpleNamespace(content=self.answers[text]))])


ANSWERS = {
    "市交通局牵头,2030年完成": '```json\n{"entities": [{"text": "市交通局", "label": "DEPT"}, {"text": "2030年", "label": "DATE"},'
                        ' {"text": "市财政局", "label": "DEPT"}, {"text": "x", "label": "ORG"}]}\n```',
    "加强管理": "I found nothing.",
}


def test_prompt_has_labels_and_few_shot_examples_from_train():
    examples = few_shot(TRAIN, 2, 80)
    assert [u.id for u in examples] == ["t-1", "t-2"]
    system, user = build_messages("测试文本", examples, load_yaml(PROMPT))
    assert "DEPT" in system["content"] and "INDICATOR" in system["content"]
    assert '{"text": "市水利局", "label": "DEPT"}' in user["content"] and user["content"].endswith("文本: 测试文本\n")


def test_parse_response_reads_fenced_json_and_names_problems():
    assert parse_response('{"entities": []}', ("DEPT",)) == ([], None)
    entities, problem = parse_response(ANSWERS["市交通局牵头,2030年完成"], ("DEPT", "DATE"))
    assert len(entities) == 3 and "1 entity(ies)" in problem
    assert parse_response("no json", ("DEPT",)) == ([], "response is not JSON with an `entities` list")


def test_responses_are_saved_resumed_and_rescored(tmp_path):
    client = FakeClient(ANSWERS)
    out = run_llm("tiny-model", UNITS, TRAIN, tmp_path / "responses.jsonl", client=client)
    assert [r["model"] for r in client.requests] == ["tiny-model", "tiny-model"]
    assert all(r["temperature"] == 0 for r in client.requests)
    saved = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert saved[1]["problem"].startswith("response is not JSON") and saved[1]["entities"] == []
    # A second run asks nothing: every unit is answered in the file.
    run_llm("tiny-model", UNITS, TRAIN, out, client=FakeClient({}))
    read = read_prediction_file(out, UNITS)
    assert read.entities == [Entity("u-1", 0, 4, "DEPT"), Entity("u-1", 7, 12, "DATE")]
    assert read.string_entities == 3 and [u.text for u in read.unaligned] == ["市财政局"]


def test_model_form_and_default_endpoint():
    predict = llm_model("m", client=FakeClient(ANSWERS), train_units=TRAIN)
    assert predict("市交通局牵头,2030年完成") == [(0, 4, "DEPT"), (7, 12, "DATE")]
    assert DEFAULT_BASE_URL.startswith("http://127.0.0.1")

