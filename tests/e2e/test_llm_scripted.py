"""`footnote serve` pointed at a scripted model server by the three environment variables, over real HTTP."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from footnote.service.settings import Settings
from tests.scripted_llm import HANG, ScriptedModel, find, scripted_model
from tests.servers import footnote_serve, parse_sse

pytestmark = pytest.mark.slow
ASK = {"question": "What troop strength is the Bundeswehr aiming for?"}


@pytest.fixture(scope="module")
def model() -> Iterator[ScriptedModel]:
    with scripted_model() as m:
        yield m


@pytest.fixture(scope="module")
def api(real_settings: Settings, model: ScriptedModel) -> Iterator[str]:
    env = {
        **os.environ,
        "FOOTNOTE_DATA_DIR": str(real_settings.data_dir),
        "FOOTNOTE_MODEL_DIR": str(real_settings.model_cache),
        "FOOTNOTE_LLM_BASE_URL": model.url,
        "FOOTNOTE_LLM_MODEL": "scripted-7b",
        "FOOTNOTE_LLM_API_KEY": "sk-test",
        "FOOTNOTE_LLM_TIMEOUT_SECONDS": "2",
    }
    with footnote_serve(env) as url:
        yield url


def _reply(request: dict[str, Any]) -> str:
    n, text = find(request, "260,000")
    return f"{text} [{n}] The Bundeswehr also plans 12 new submarines [{n}]."


def test_serve__generated_answer_is_verified_and_streamed_as_asked(api: str, model: ScriptedModel) -> None:
    model.script = _reply
    with httpx.Client(base_url=api, timeout=30) as c:
        body = c.post("/v1/ask", json=ASK).json()
        assert body["composer"] == "generative" and not body["abstained"]
        assert "260,000" in body["answer"] and "submarines" not in body["answer"]
        assert [d["text"] for d in body["dropped"]] == ["The Bundeswehr also plans 12 new submarines."]
        assert body["dropped"][0]["reason"] == "the figure 12 is not in [1]"
        for cite in body["citations"]:
            text = c.get(f"/v1/sources/{cite['source']}").json()["text"]
            assert text[cite["start"] : cite["end"]] == cite["quote"]
        events = parse_sse(c.post("/v1/ask/stream", json=ASK).text)
        assert events[-1] == ("done", body)
        assert "submarines" not in "".join(data["text"] for name, data in events if name == "delta")
    sent = model.requests[-1]
    assert sent["model"] == "scripted-7b" and sent["messages"][0]["role"] == "system"


def test_serve__silent_model_falls_back_to_extractive_within_the_timeout(
    api: str, model: ScriptedModel
) -> None:
    model.script = lambda _: HANG
    started = time.monotonic()
    body = httpx.post(f"{api}/v1/ask", json=ASK, timeout=30).json()
    assert time.monotonic() - started < 5.0
    assert body["composer"] == "extractive" and not body["abstained"] and "260,000" in body["answer"]
