"""The official `openai` client against `footnote serve` over real HTTP: footnote as a model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI

from footnote.service.settings import Settings
from tests.servers import footnote_serve

pytestmark = pytest.mark.slow
KEY = "test-key-1234"
QUESTION = "How many soldiers could a UN peacekeeping mission include?"
UNKNOWN = "What did Angela Merkel say about the Minsk agreements?"


@pytest.fixture(scope="module")
def api(real_settings: Settings) -> Iterator[str]:
    env = {
        **os.environ,
        "FOOTNOTE_DATA_DIR": str(real_settings.data_dir),
        "FOOTNOTE_MODEL_DIR": str(real_settings.model_cache),
        "FOOTNOTE_API_KEY": KEY,
    }
    with footnote_serve(env) as url:
        yield url


@pytest.fixture(scope="module")
def client(api: str) -> OpenAI:
    return OpenAI(base_url=f"{api}/v1", api_key=KEY, max_retries=0, timeout=60)


def _ask(api: str, question: str) -> dict[str, Any]:
    r = httpx.post(
        f"{api}/v1/ask", json={"question": question}, headers={"Authorization": f"Bearer {KEY}"}, timeout=60
    )
    body: dict[str, Any] = r.raise_for_status().json()
    return body


def _assert_exact(api: str, citations: list[dict[str, Any]]) -> None:
    assert citations
    with httpx.Client(base_url=api, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as c:
        for cited in citations:
            text = c.get(f"/v1/sources/{cited['source']}").json()["text"]
            assert text[cited["start"] : cited["end"]] == cited["quote"]


def test_models__the_client_lists_footnote(client: OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["footnote"]


def test_chat__the_client_gets_ask_answer_with_exact_citations(client: OpenAI, api: str) -> None:
    ask = _ask(api, QUESTION)
    reply = client.chat.completions.create(
        model="footnote", messages=[{"role": "user", "content": QUESTION}], temperature=0
    )
    assert reply.choices[0].message.content == ask["answer"] != ""
    extra: dict[str, Any] = reply.model_extra or {}
    assert extra["footnote"] == ask and extra["footnote"]["abstained"] is False
    assert extra["citations"] == ask["citations"]
    _assert_exact(api, extra["citations"])


def test_chat_stream__the_client_joins_deltas_into_ask_answer(client: OpenAI, api: str) -> None:
    ask = _ask(api, QUESTION)
    stream = client.chat.completions.create(
        model="footnote", messages=[{"role": "user", "content": QUESTION}], stream=True
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == ask["answer"]
    cited = [c for chunk in chunks for c in (chunk.model_extra or {}).get("citations", [])]
    assert cited == ask["citations"]
    _assert_exact(api, cited)
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert (chunks[-1].model_extra or {})["footnote"] == ask


def test_chat__an_abstention_is_an_ordinary_reply_flagged_abstained(client: OpenAI) -> None:
    reply = client.chat.completions.create(model="footnote", messages=[{"role": "user", "content": UNKNOWN}])
    footnote = (reply.model_extra or {})["footnote"]
    assert footnote["abstained"] is True
    assert reply.choices[0].message.content == footnote["reason"] != ""


def test_chat__a_missing_key_is_an_authentication_error(api: str) -> None:
    nokey = OpenAI(base_url=f"{api}/v1", api_key="wrong", max_retries=0, timeout=30)
    with pytest.raises(openai.AuthenticationError) as raised:
        nokey.chat.completions.create(model="footnote", messages=[{"role": "user", "content": QUESTION}])
    error = raised.value  # the client read OpenAI's error shape: code and body are filled in
    assert (error.status_code, error.code) == (401, "invalid_api_key")
    assert error.body == {
        "message": "a valid API key is required: Authorization: Bearer <key>",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
    }


def test_chat__no_user_message_is_a_bad_request_with_its_message(client: OpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as raised:
        client.chat.completions.create(model="footnote", messages=[{"role": "system", "content": "hi"}])
    assert raised.value.message == (
        "Error code: 422 - messages must include a user message: its text is the question"
    )
