"""`llm:MODEL` with the REAL `openai` client against a small OpenAI-compatible
server this test starts on 127.0.0.1 (stdlib http.server, a free port,
canned answers at /v1/chat/completions): the prompt that goes over the wire,
responses saved, re-scored with the server gone, unaligned strings counted,
a failing endpoint named in the error with the answered units kept. No
external network."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from builders.cli import main as cli_main
from evaluation.inputs import GoldUnit, read_prediction_file
from evaluation.models.base import AdapterError
from evaluation.models.llm import make_client, run_llm
from evaluation.scorer import Entity, score

TRAIN = [
    GoldUnit("t-1", "d", "市林业局负责造林", (Entity("t-1", 0, 4, "DEPT"),)),
    GoldUnit("t-2", "d", "到2028年森林覆盖率达到35%", (Entity("t-2", 1, 6, "DATE"), Entity("t-2", 6, 11, "INDICATOR"),
                                                  Entity("t-2", 13, 16, "VALUE"))),
]
UNITS = [
    GoldUnit("u-1", "d", "市住建局牵头,2027年前完成改造", (Entity("u-1", 0, 4, "DEPT"), Entity("u-1", 7, 12, "DATE"))),
    GoldUnit("u-2", "d", "绿地率提高到40%", (Entity("u-2", 0, 3, "INDICATOR"), Entity("u-2", 6, 9, "VALUE"))),
    GoldUnit("u-3", "d", "统筹推进各项工作", ()),
]
# Canned answers by unit text: one wrong label, one string that is not in the
# text (a hallucination), one answer wrapped in prose and a code fence.
ANSWERS = {
    "市住建局牵头,2027年前完成改造": {"entities": [{"text": "市住建局", "label": "DEPT"}, {"text": "2027年", "label": "DATE"},
                                         {"text": "市规划局", "label": "DEPT"}]},
    "绿地率提高到40%": {"entities": [{"text": "绿地率", "label": "INDICATOR"}, {"text": "40%", "label": "DATE"}]},
    "统筹推进各项工作": {"entities": []},
}


class ChatServer:
    """An OpenAI-compatible chat-completions endpoint with canned answers.
    `requests` keeps every JSON body received; a text in `fail_on` gets
    HTTP 500."""

    def __init__(self, answer):
        self.answer, self.requests, self.fail_on = answer, [], set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                text = body["messages"][-1]["content"].rsplit("文本: ", 1)[1].strip()
                if self.path != "/v1/chat/completions" or text in server.fail_on:
                    self.send_error(500 if text in server.fail_on else 404)
                    return
                content = server.answer(text)
                payload = json.dumps({
                    "id": f"chatcmpl-{len(server.requests)}", "object": "chat.completion", "created": 0, "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }, ensure_ascii=False).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        # Port 0: the system picks a free port.
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def canned(text: str) -> str:
    answer = json.dumps(ANSWERS[text], ensure_ascii=False)
    return f"Here you are:\n```json\n{answer}\n```" if text.startswith("绿地") else answer


def test_real_client_prompt_saved_responses_and_rescoring_without_the_server(tmp_path):
    out = tmp_path / "responses.jsonl"
    with ChatServer(canned) as server:
        run_llm("tiny-chat", UNITS, TRAIN, out, client=make_client(server.base_url, api_key="k-test"))
    assert [r["path"] for r in server.requests] == ["/v1/chat/completions"] * 3
    assert server.requests[0]["auth"] == "Bearer k-test"
    body = server.requests[0]["body"]
    assert body["model"] == "tiny-chat" and body["temperature"] == 0 and body["max_tokens"] == 1024
    system, user = body["messages"]
    assert system["role"] == "system" and all(label in system["content"] for label in ("DEPT", "INDICATOR", "VALUE", "DATE"))
    # Few-shot examples from train, then the unit itself.
    assert '{"text": "市林业局", "label": "DEPT"}' in user["content"] and "文本: 到2028年森林覆盖率达到35%" in user["content"]
    assert user["content"].endswith("文本: 市住建局牵头,2027年前完成改造\n")

    saved = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in saved] == ["u-1", "u-2", "u-3"] and all(r["model"] == "tiny-chat" for r in saved)
    assert saved[1]["response"].startswith("Here you are:") and len(saved[1]["entities"]) == 2

    # The server is gone: re-scoring reads only the saved file.
    read = read_prediction_file(out, UNITS)
    assert read.entities == [Entity("u-1", 0, 4, "DEPT"), Entity("u-1", 7, 12, "DATE"),
                             Entity("u-2", 0, 3, "INDICATOR"), Entity("u-2", 6, 9, "DATE")]
    assert read.string_entities == 5 and [(u.unit_id, u.text) for u in read.unaligned] == [("u-1", "市规划局")]
    strict = score([e for u in UNITS for e in u.entities], read.entities)["strict"]
    assert (strict.micro.precision, strict.micro.recall) == (0.75, 0.75)
    # Run again with a dead endpoint: every unit is answered, nothing is asked.
    run_llm("tiny-chat", UNITS, TRAIN, out, client=make_client(server.base_url, max_retries=0))


def test_a_failing_request_names_the_unit_and_keeps_the_answered_ones(tmp_path):
    out = tmp_path / "responses.jsonl"
    with ChatServer(canned) as server:
        server.fail_on = {"绿地率提高到40%"}
        with pytest.raises(AdapterError, match=r"unit u-2 to http://127\.0\.0\.1:\d+/v1/ failed \(InternalServerError.*"
                                               r"1 answered unit\(s\) saved .*run again to resume"):
            run_llm("tiny-chat", UNITS, TRAIN, out, client=make_client(server.base_url, max_retries=0))
        assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["u-1"]
        server.fail_on, server.requests = set(), []
        run_llm("tiny-chat", UNITS, TRAIN, out, client=make_client(server.base_url, max_retries=0))
    # The resume asked only the two units not yet answered.
    assert [r["body"]["messages"][-1]["content"].rsplit("文本: ", 1)[1].strip() for r in server.requests] == \
        ["绿地率提高到40%", "统筹推进各项工作"]
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["u-1", "u-2", "u-3"]


def test_plancorpus_evaluate_llm_through_base_url_then_rescored(paths, tmp_path, capsys):
    """The command line end to end on the dataset's validation split: every
    unit answered with its first two characters as a DEPT plus one string in
    no text; the reports count the unaligned strings; the saved responses
    re-score to the same numbers with the server gone."""
    never = "从未出现的机构名称"

    def first_two(text):
        return json.dumps({"entities": [{"text": text[:2], "label": "DEPT"}, {"text": never, "label": "DEPT"}]}, ensure_ascii=False)

    out = tmp_path / "reports"
    with ChatServer(first_two) as server:
        assert cli_main(["--root", str(paths.root), "evaluate", "--model", "llm:tiny-chat", "--base-url", server.base_url,
                         "--split", "validation", "--out", str(out), "--bootstrap", "0"]) == 0
    n_units = len(server.requests)
    assert n_units > 0 and {r["body"]["model"] for r in server.requests} == {"tiny-chat"}
    report = json.loads((out / "llm_tiny-chat.spans.validation.json").read_text(encoding="utf-8"))
    assert report["unaligned"]["count"] == n_units and report["unaligned"]["rate"] == 0.5
    assert f"{n_units}" in (out / "llm_tiny-chat.spans.validation.md").read_text(encoding="utf-8")
    assert never in (out / "llm_tiny-chat.spans.validation.html").read_text(encoding="utf-8")
    responses = out / "llm_tiny-chat.spans.validation.responses.jsonl"
    assert len(responses.read_text(encoding="utf-8").splitlines()) == n_units

    capsys.readouterr()
    assert cli_main(["--root", str(paths.root), "evaluate", "--predictions", str(responses), "--split", "validation",
                     "--out", str(tmp_path / "rescored"), "--bootstrap", "0"]) == 0
    rescored = json.loads((tmp_path / "rescored" / "llm_tiny-chat.spans.validation.responses.spans.validation.json")
                          .read_text(encoding="utf-8"))
    assert rescored["scores"] == report["scores"] and rescored["unaligned"]["count"] == n_units
