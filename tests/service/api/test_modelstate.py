"""/readyz reports the language model's state beside the index's, cheaply and without ever waiting on it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from footnote.index.errors import ModelFailed
from footnote.index.ingest import ingest_folder
from footnote.index.snapshot import load_snapshot
from footnote.index.store import Store
from footnote.service.answer.generate import GenerativeComposer
from footnote.service.answer.llm import OpenAIChat
from footnote.service.answer.modelstate import ModelState, ModelWatch
from footnote.service.answer.pipeline import Pipeline
from footnote.service.api.app import create_app
from footnote.service.build import learned
from footnote.service.settings import Settings
from tests.conftest import FakeEmbedder
from tests.scripted_llm import HANG, ScriptedModel, scripted_model

REACHABLE = {"configured": True, "state": "reachable", "detail": "the model server answers"}
UNREACHABLE = {"configured": True, "state": "unreachable", "detail": "the model server cannot be reached"}


def _until(read: Callable[[], Any], wanted: Any, seconds: float = 10.0) -> Any:
    """Poll `read()` until it returns `wanted` (or fail after `seconds`); returns the last value."""
    deadline = time.monotonic() + seconds
    while (got := read()) != wanted:
        assert time.monotonic() < deadline, f"still {got!r}"
        time.sleep(0.05)
    return got


@pytest.fixture
def serve(
    corpus: Path, store: Store, fake_embedder: FakeEmbedder, tmp_path: Path
) -> Iterator[Callable[[str, float], TestClient]]:
    """serve(model_url, probe_every) -> a ready app over the seeds whose model server is at model_url."""
    ingest_folder(corpus, store, fake_embedder)
    clients: list[TestClient] = []

    def make(url: str, every: float) -> TestClient:
        def load(_: Settings) -> Pipeline:
            generator = GenerativeComposer(OpenAIChat(url, "scripted", None, 10.0))
            generator.watch = ModelWatch(generator.chat.probe, every=every)
            return Pipeline(store, fake_embedder, load_snapshot(store), 20, learned, generator=generator)

        app = create_app(Settings(data_dir=tmp_path, public_url="http://testserver"), load=load)
        clients.append(client := TestClient(app).__enter__())
        _until(lambda: client.get("/readyz").status_code, 200, seconds=30)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_readyz__model_reachable_then_down_while_the_service_stays_ready(
    serve: Callable[[str, float], TestClient],
) -> None:
    with scripted_model() as model:
        client = serve(model.url, 0.2)
        _until(lambda: client.get("/readyz").json(), {"status": "ready", "model": REACHABLE})
    # the model server is gone: still ready (the extractive composer answers), and says so
    _until(lambda: client.get("/readyz").json()["model"], UNREACHABLE)
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ready", "model": UNREACHABLE}
    assert (
        client.post("/v1/ask", json={"question": "What troop strength is the Bundeswehr aiming for?"}).json()[
            "composer"
        ]
        == "extractive"
    )


def test_readyz__a_model_server_that_never_answers_never_holds_readyz(
    serve: Callable[[str, float], TestClient], model: ScriptedModel
) -> None:
    model.models = HANG
    client = serve(model.url, 5.0)  # its last /readyz started the first probe, which hangs
    assert client.get("/readyz").json()["model"] == {
        "configured": True,
        "state": "unknown",
        "detail": "the first check of the model server is under way",
    }
    for _ in range(5):
        started = time.monotonic()
        assert client.get("/readyz").status_code == 200
        assert time.monotonic() - started < 0.5
    # the probe gives up at its own timeout
    _until(
        lambda: client.get("/readyz").json()["model"],
        {"configured": True, "state": "unreachable", "detail": "the model server did not answer within 2 s"},
    )


def test_readyz__without_a_model_server_says_none_is_configured(client: TestClient) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {
        "status": "ready",
        "model": {
            "configured": False,
            "state": None,
            "detail": "no model server is configured: answers are extractive",
        },
    }


def test_model_watch__a_probe_out_for_twice_the_interval_is_reported_unreachable() -> None:
    stuck = threading.Event()
    watch = ModelWatch(lambda: stuck.wait(10) and None, every=0.5)
    assert watch.state().state == "unknown"  # the first probe starts now, in the background
    state = _until(lambda: watch.state().state, "unreachable", seconds=5)
    assert state == "unreachable"
    assert watch.state().detail.startswith("the model server has not answered for ")
    stuck.set()


def test_model_watch__probes_at_most_once_per_interval_and_reports_the_reason() -> None:
    calls: list[float] = []

    def probe() -> None:
        calls.append(time.monotonic())
        raise ModelFailed("the model server answered GET /models with 401")

    watch = ModelWatch(probe, every=60)
    _until(watch.state, ModelState(True, "unreachable", "the model server answered GET /models with 401"))
    for _ in range(20):
        watch.state()
    assert len(calls) == 1
