"""`footnote serve` pointed at a scripted model server by the three environment variables, over real HTTP."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from footnote.service.settings import Settings
from tests.scripted_llm import HANG, Held, ScriptedModel, find, scripted_model
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


def test_serve__streams_each_verified_sentence_before_the_model_has_finished(
    api: str, model: ScriptedModel
) -> None:
    held: list[Held] = []

    def script(request: dict[str, Any]) -> Held:
        held.append(Held(_reply(request)))  # the last word, "[n].", is held back
        return held[-1]

    model.script = script
    got: list[tuple[str, Any]] = []
    with httpx.stream("POST", f"{api}/v1/ask/stream", json=ASK, timeout=30) as r:
        name = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: ") and name:
                got.append((name, json.loads(line.removeprefix("data: "))))
                if name == "delta":  # the first sentence is out while the model is still writing
                    assert not held[0].finished.is_set()
                    held[0].let_go.set()
    assert held[0].finished.is_set()
    done = got[-1][1]
    assert got[-1][0] == "done" and done["composer"] == "generative"
    assert [name for name, _ in got] == ["citation", "delta", "done"]
    assert got[1][1]["text"] == done["answer"] and "260,000" in done["answer"]
    assert [d["text"] for d in done["dropped"]] == ["The Bundeswehr also plans 12 new submarines."]


def test_serve__readyz_reports_the_model_beside_the_index(api: str, model: ScriptedModel) -> None:
    deadline = time.monotonic() + 15
    while (body := httpx.get(f"{api}/readyz", timeout=5).json())["model"]["state"] != "reachable":
        assert time.monotonic() < deadline, body
        time.sleep(0.2)
    assert body == {
        "status": "ready",
        "model": {"configured": True, "state": "reachable", "detail": "the model server answers"},
    }
