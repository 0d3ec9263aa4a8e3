"""Generated answers in the widget: `footnote serve` pointed at a model server by the environment
variables (a scripted OpenAI-compatible server over real HTTP), the demo page in Debian's chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from footnote.service.settings import Settings
from tests.browser.conftest import KEY, Served
from tests.browser.test_widget import ask, check_citation, last_answer
from tests.scripted_llm import ScriptedModel, find, scripted_model
from tests.servers import footnote_serve

pytestmark = pytest.mark.slow

QUESTION = "What troop strength is the Bundeswehr aiming for?"


@pytest.fixture(scope="module")
def generating(real_settings: Settings) -> Iterator[tuple[Served, ScriptedModel]]:
    with scripted_model() as model:
        env = {
            **os.environ,
            "FOOTNOTE_DATA_DIR": str(real_settings.data_dir),
            "FOOTNOTE_MODEL_DIR": str(real_settings.model_cache),
            "FOOTNOTE_API_KEY": KEY,
            "FOOTNOTE_LLM_BASE_URL": model.url,
            "FOOTNOTE_LLM_MODEL": "scripted-7b",
            "FOOTNOTE_LLM_TIMEOUT_SECONDS": "10",
        }
        with footnote_serve(env) as api:
            yield Served(api, allowed_site="", refused_site="", corpus=Path()), model


def _reply(request: dict[str, Any]) -> str:
    """A fluent sentence the passage supports, then one it does not (12 is in no passage)."""
    n, _ = find(request, "260,000")
    supported = f"The Bundeswehr troop strength target is 260,000 soldiers [{n}]."
    return f"{supported} It also plans 12 new submarines [{n}]."


def test_generated_answer__shows_only_verified_sentences_each_with_a_clickable_exact_citation(
    page: Any, generating: tuple[Served, ScriptedModel]
) -> None:
    served, model = generating
    model.script = _reply
    truth = served.post("/v1/ask", json={"question": QUESTION}).json()
    assert truth["composer"] == "generative"
    assert [d["text"] for d in truth["dropped"]] == ["It also plans 12 new submarines."]
    page.goto(f"{served.api}/")
    ask(page, QUESTION)
    bubble = last_answer(page)
    shown = bubble.locator(".text").text_content()
    assert shown == truth["answer"]
    assert "260,000 soldiers" in shown and "submarines" not in shown  # the model's words, verified
    expect(bubble.locator("[data-citation]")).to_have_count(len(truth["citations"]))
    for citation in truth["citations"]:
        check_citation(page, served, bubble, citation)
    assert page.page_errors == []
