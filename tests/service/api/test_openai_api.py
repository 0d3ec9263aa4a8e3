"""The OpenAI-compatible face: /v1/models and /v1/chat/completions shapes, streaming and errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from footnote.service.answer.release import said
from footnote.service.answer.types import Answer, Sentence
from footnote.service.api.openai_api import chunks
from tests.service.conftest import MakeClient

QUESTION = "What troop strength is the Bundeswehr aiming for?"
UNKNOWN = "What did Angela Merkel say about the Minsk agreements?"


def _chat(question: str, **extra: Any) -> dict[str, Any]:
    return {"model": "footnote", "messages": [{"role": "user", "content": question}], **extra}


def _data(text: str) -> list[str]:
    return [line.removeprefix("data: ") for line in text.splitlines() if line.startswith("data: ")]


def test_models__lists_footnote_in_the_standard_shape(client: TestClient) -> None:
    r = client.get("/v1/models")
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "list"
    assert [(m["id"], m["object"], m["owned_by"]) for m in body["data"]] == [
        ("footnote", "model", "footnote")
    ]


def test_chat__answer_is_ask_answer_with_citations_and_footnote_body(client: TestClient) -> None:
    ask = client.post("/v1/ask", json={"question": QUESTION}).json()
    r = client.post("/v1/chat/completions", json=_chat(QUESTION, temperature=0.2, n=1, user="u"))
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "chat.completion" and body["model"] == "footnote"
    assert body["id"].startswith("chatcmpl-")
    [choice] = body["choices"]
    assert choice["message"] == {"role": "assistant", "content": ask["answer"]}
    assert choice["finish_reason"] == "stop"
    assert body["footnote"] == ask and not body["footnote"]["abstained"]
    assert body["citations"] == ask["citations"] and body["citations"]


def test_chat__history_and_system_messages_are_read_like_ask(client: TestClient) -> None:
    first = "What troop strength is the Bundeswehr aiming for?"
    follow = "When is that to be reached?"
    ask = client.post(
        "/v1/ask",
        json={"question": follow, "history": [{"role": "user", "content": first}]},
    ).json()
    messages = [
        {"role": "system", "content": "You are a pirate."},
        {"role": "user", "content": [{"type": "text", "text": first}]},
        {"role": "user", "content": follow},
    ]
    body = client.post("/v1/chat/completions", json={"model": "x", "messages": messages}).json()
    assert body["footnote"] == ask


def test_chat__abstention_is_an_ordinary_reply_flagged_abstained(client: TestClient) -> None:
    body = client.post("/v1/chat/completions", json=_chat(UNKNOWN)).json()
    assert body["footnote"]["abstained"] is True
    assert body["choices"][0]["message"]["content"] == body["footnote"]["reason"] != ""
    assert body["citations"] == []


def test_chat_stream__one_chunk_per_sentence_then_done(client: TestClient) -> None:
    ask = client.post("/v1/ask", json={"question": QUESTION}).json()
    r = client.post("/v1/chat/completions", json=_chat(QUESTION, stream=True))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    assert "event:" not in r.text
    data = _data(r.text)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1
    deltas = [c["choices"][0]["delta"] for c in chunks]
    assert deltas[0] == {"role": "assistant", "content": ""}
    texts = [d["content"] for d in deltas[1:-1]]
    assert len(texts) == len(ask["sentences"]) and "".join(texts) == ask["answer"]
    sent = [c for chunk in chunks[1:-1] for c in chunk["citations"]]
    assert sent == ask["citations"]  # each once, before the sentence that first refers to it
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["footnote"] == ask


def test_chat_stream__abstention_sends_the_reason_as_content(client: TestClient) -> None:
    data = _data(client.post("/v1/chat/completions", json=_chat(UNKNOWN, stream=True)).text)
    chunks = [json.loads(d) for d in data[:-1]]
    reason = chunks[-1]["footnote"]["reason"]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == reason != ""
    assert chunks[-1]["footnote"]["abstained"] is True


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            {"model": "footnote", "messages": [{"role": "system", "content": "hi"}]},
            422,
            "messages must include a user message: its text is the question",
        ),
        (
            {"model": "footnote", "messages": []},
            422,
            "messages must include a user message: its text is the question",
        ),
        ({"messages": [{"role": "user", "content": "hi"}]}, 422, "model: Field required"),
        (_chat("   "), 422, "question must not be empty"),
        (_chat("x" * 2001), 422, "question must be at most 2000 characters"),
    ],
)
def test_chat__bad_requests_get_openai_error_shape(
    client: TestClient, body: dict[str, Any], status: int, message: str
) -> None:
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == status
    assert r.json() == {
        "error": {"message": message, "type": "invalid_request_error", "code": "invalid_request"}
    }


def test_chat__malformed_json_and_wrong_type_in_openai_shape(client: TestClient) -> None:
    bad = client.post(
        "/v1/chat/completions", content=b'{"model": ', headers={"content-type": "application/json"}
    )
    assert bad.status_code == 422 and bad.json()["error"]["message"].startswith("malformed JSON")
    typed = client.post("/v1/chat/completions", content=b"{}", headers={"content-type": "text/plain"})
    assert typed.status_code == 415
    assert typed.json()["error"]["message"] == "Content-Type must be application/json (got 'text/plain')"


def test_chat__missing_key_is_401_in_openai_shape_and_the_rest_keeps_detail(make_client: MakeClient) -> None:
    c = make_client(api_key="s3cret")
    r = c.post("/v1/chat/completions", json=_chat(QUESTION))
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json() == {
        "error": {
            "message": "a valid API key is required: Authorization: Bearer <key>",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    }
    assert c.get("/v1/models").json()["error"]["code"] == "invalid_api_key"
    assert c.post("/v1/ask", json={"question": QUESTION}).json() == {
        "detail": "a valid API key is required: Authorization: Bearer <key>"
    }
    ok = c.post("/v1/chat/completions", json=_chat(QUESTION), headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200


def test_chat__rate_limit_is_429_with_retry_after_in_openai_shape(make_client: MakeClient) -> None:
    c = make_client(rate_limit="1/minute")
    assert c.get("/v1/models").status_code == 200
    r = c.get("/v1/models")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.json()["error"]["type"] == "requests" and r.json()["error"]["code"] == "rate_limit_exceeded"


def test_chat__a_long_conversation_keeps_its_last_turns_instead_of_failing(client: TestClient) -> None:
    turns = [{"role": ("user", "assistant")[i % 2], "content": f"turn {i}"} for i in range(80)]
    messages = [*turns, {"role": "user", "content": QUESTION}]
    r = client.post("/v1/chat/completions", json={"model": "footnote", "messages": messages})
    assert r.status_code == 200
    ask = client.post("/v1/ask", json={"question": QUESTION, "history": turns[-50:]}).json()
    assert r.json()["footnote"] == ask


def test_chat_stream__a_failure_once_open_is_an_error_chunk_the_clients_raise(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = Answer.of([Sentence("A claim.", [9])], [])  # cites a citation it does not carry
    data = [d["data"] for d in chunks(said(broken))]
    assert json.loads(data[-1]) == {
        "error": {"message": "the answer could not be sent; please retry", "type": "server_error"}
    }
    assert "[DONE]" not in data


def test_openapi__documents_the_completion_the_stream_and_openai_errors(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    chat = doc["paths"]["/v1/chat/completions"]["post"]["responses"]
    assert chat["200"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/ChatCompletion"}},
        "text/event-stream": {},
    }
    error = {"$ref": "#/components/schemas/OpenAIError"}
    assert {
        chat[code]["content"]["application/json"]["schema"]["$ref"] for code in ("401", "422", "429")
    } == {error["$ref"]}
    assert chat["413"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    completion = doc["components"]["schemas"]["ChatCompletion"]["properties"]
    assert completion["footnote"] == {"$ref": "#/components/schemas/Answer"}
    models = doc["paths"]["/v1/models"]["get"]["responses"]
    assert models["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ModelList"
    }
