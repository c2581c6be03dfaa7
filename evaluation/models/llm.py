"""An LLM as a model, through the official `openai` client against any
OpenAI-compatible endpoint (`llm:MODEL`; optional extra `llm`).

The prompt is fixed (evaluation/configs/llm_prompt.yaml) with few-shot
examples from the train split. The model answers with strings, not offsets:
each response is saved as a predictions line `{"id", "entities": [{"text",
"label"}], "response"}`, so a run is re-scored without the model
(`plancorpus evaluate --predictions <responses>.jsonl`), and strings are
placed in the text by `evaluation.inputs.align_string` (leftmost occurrence
not yet used); strings not in the text are counted as unaligned.

Endpoint and key: `base_url` / `api_key` arguments, else the environment
(`PLANCORPUS_LLM_BASE_URL`, `PLANCORPUS_LLM_API_KEY`), else a local server at
http://127.0.0.1:8000/v1. A request that fails (endpoint down, HTTP error)
stops the run with an error naming the unit and the endpoint; the units
answered so far are saved, and the next run asks only the others. The tests
run the real client against a local HTTP server they start
(tests/evaluation/test_llm_server.py).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from builders.annotation.labels import load_labels
from builders.io import load_yaml, write_jsonl_atomic
from evaluation.models.base import AdapterError

PROMPT = Path(__file__).resolve().parent.parent / "configs" / "llm_prompt.yaml"
DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"


def make_client(base_url: str | None = None, api_key: str | None = None, max_retries: int = 2):
    try:
        from openai import OpenAI
    except ImportError as error:
        raise AdapterError("llm: needs the optional dependency: pip install -e '.[llm]'") from error
    return OpenAI(base_url=base_url or os.environ.get("PLANCORPUS_LLM_BASE_URL") or DEFAULT_BASE_URL,
                  api_key=api_key or os.environ.get("PLANCORPUS_LLM_API_KEY") or "not-needed", max_retries=max_retries)


def _request_errors() -> tuple[type[BaseException], ...]:
    """The client's own request errors (connection, timeout, HTTP status)."""
    try:
        from openai import APIError
    except ImportError:
        return ()
    return (APIError,)


def few_shot(train_units: Iterable, n_examples: int, max_chars: int) -> list:
    """The first short train units (id order) with entities, preferring ones
    that bring a label not yet shown."""
    candidates = sorted((u for u in train_units if u.entities and len(u.text) <= max_chars), key=lambda u: u.id)
    chosen, shown = [], set()
    for unit in candidates:
        if len(chosen) < n_examples and {e.label for e in unit.entities} - shown:
            chosen.append(unit)
            shown |= {e.label for e in unit.entities}
    for unit in candidates:
        if len(chosen) >= n_examples:
            break
        if unit not in chosen:
            chosen.append(unit)
    return sorted(chosen, key=lambda u: u.id)


def answer_of(unit) -> str:
    entities = [{"text": unit.text[e.start : e.end], "label": e.label} for e in sorted(unit.entities, key=lambda e: e.start)]
    return json.dumps({"entities": entities}, ensure_ascii=False)


def build_messages(text: str, examples: list, prompt: dict) -> list[dict[str, str]]:
    labels = load_labels()
    label_lines = "\n".join(f"- {name}: {description}" for name, description in zip(labels.names, labels.descriptions))
    shots = "".join(prompt["example"].format(text=u.text, answer=answer_of(u)) + "\n" for u in examples)
    return [
        {"role": "system", "content": prompt["system"].format(labels=label_lines)},
        {"role": "user", "content": prompt["user"].format(examples=shots, text=text)},
    ]


def parse_response(content: str, labels: tuple[str, ...]) -> tuple[list[dict], str | None]:
    """Entities `{"text", "label"}` from a response (JSON, possibly in a code
    fence or with prose around it), and a problem or None."""
    match = re.search(r"\{.*\}", content or "", re.S)
    try:
        data = json.loads(match.group(0)) if match else None
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
        return [], "response is not JSON with an `entities` list"
    entities, dropped = [], 0
    for item in data["entities"]:
        if isinstance(item, dict) and isinstance(item.get("text"), str) and item.get("label") in labels and item["text"]:
            entities.append({"text": item["text"], "label": item["label"]})
        else:
            dropped += 1
    return entities, (f"{dropped} entity(ies) without a text or a known label dropped" if dropped else None)


def run_llm(model: str, units: list, train_units: list, out_path: Path, client=None, prompt_path: Path = PROMPT,
            progress: Callable[[Iterable], Iterable] = lambda items: items) -> Path:
    """Ask the model about every unit and save the responses as a
    predictions file (string form). Units already answered in an existing
    `out_path` are kept, not asked again, so an interrupted run resumes."""
    prompt = load_yaml(prompt_path)
    labels = load_labels().names
    examples = few_shot(train_units, prompt["n_examples"], prompt["max_chars"])
    done: dict[str, dict] = {}
    out_path = Path(out_path)
    if out_path.exists():
        for line in out_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                done[record["id"]] = record
    client = client or make_client()
    lines = []
    errors = _request_errors()
    try:
        for unit in progress(units):
            if unit.id not in done:
                try:
                    reply = client.chat.completions.create(
                        model=model, messages=build_messages(unit.text, examples, prompt),
                        temperature=prompt["temperature"], max_tokens=prompt["max_tokens"],
                    )
                except errors as error:
                    where = getattr(client, "base_url", "the endpoint")
                    raise AdapterError(
                        f"llm:{model}: the request for unit {unit.id} to {where} failed ({type(error).__name__}: {error}); "
                        f"{len(done)} answered unit(s) saved in {out_path}: run again to resume"
                    ) from error
                content = reply.choices[0].message.content or ""
                entities, problem = parse_response(content, labels)
                done[unit.id] = {"id": unit.id, "entities": entities, "response": content, "model": model,
                                 **({"problem": problem} if problem else {})}
            lines.append(done[unit.id])
    finally:
        # Saved even when a request fails: what was answered is kept for the resume.
        answered = {record["id"] for record in lines}
        write_jsonl_atomic(out_path, lines + [r for r in done.values() if r["id"] not in answered])
    return out_path


def llm_model(model: str, client=None, train_units: list | None = None, prompt_path: Path = PROMPT):
    """`llm:MODEL` as a Model (text -> spans), aligning strings as the
    predictions reader does; unaligned strings are dropped here, so use
    `run_llm` and score the saved responses to count them."""
    from evaluation.inputs import align_string

    prompt = load_yaml(prompt_path)
    labels = load_labels().names
    examples = few_shot(train_units or [], prompt["n_examples"], prompt["max_chars"])
    client = client or make_client()

    def predict(text: str) -> list[tuple[int, int, str]]:
        reply = client.chat.completions.create(model=model, messages=build_messages(text, examples, prompt),
                                               temperature=prompt["temperature"], max_tokens=prompt["max_tokens"])
        entities, _ = parse_response(reply.choices[0].message.content or "", labels)
        taken: list[tuple[int, int]] = []
        spans = []
        for entity in entities:
            place = align_string(text, entity["text"], taken)
            if place:
                spans.append((place[0], place[1], entity["label"]))
        return spans

    return predict
