"""An app over the seed corpus with the fake embedder, built per test with any settings."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from footnote.index.ingest import ingest_folder
from footnote.index.snapshot import load_snapshot
from footnote.index.store import Store
from footnote.service.answer.generate import GenerativeComposer
from footnote.service.answer.llm import OpenAIChat
from footnote.service.answer.pipeline import Pipeline
from footnote.service.api.app import create_app
from footnote.service.build import learned
from footnote.service.settings import Settings
from tests.conftest import FakeEmbedder
from tests.scripted_llm import ScriptedModel, scripted_model

MakeClient = Callable[..., TestClient]


def generating_pipeline(store: Store, embedder: FakeEmbedder, url: str, timeout_s: float = 10.0) -> Pipeline:
    """A pipeline over what `store` holds whose language model is the OpenAI-compatible server at `url`."""
    chat = OpenAIChat(url, "scripted", None, timeout_s)
    return Pipeline(store, embedder, load_snapshot(store), 20, learned, generator=GenerativeComposer(chat))


@pytest.fixture
def model() -> Iterator[ScriptedModel]:
    """A scripted OpenAI-compatible model server over real HTTP (tests/scripted_llm.py)."""
    with scripted_model() as m:
        yield m


def ready(client: TestClient) -> TestClient:
    """`client` once its app's /readyz answers 200 (within 30 s)."""
    deadline = time.monotonic() + 30
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "the app never became ready"
        time.sleep(0.05)
    return client


@pytest.fixture
def load_pipeline(corpus: Path, store: Store, fake_embedder: FakeEmbedder) -> Callable[[Settings], Pipeline]:
    """A `load` for create_app: the seed corpus, ingested with the fake embedder."""
    ingest_folder(corpus, store, fake_embedder)

    def load(_: Settings) -> Pipeline:
        return Pipeline(store, fake_embedder, load_snapshot(store), 20, learned)

    return load


@pytest.fixture
def make_client(load_pipeline: Callable[[Settings], Pipeline], tmp_path: Path) -> Iterator[MakeClient]:
    """make_client(**settings) -> a ready TestClient; all are closed after the test."""
    with ExitStack() as stack:

        def make(**settings: Any) -> TestClient:
            settings = {"public_url": "http://testserver", **settings}  # TestClient's host
            app = create_app(Settings(data_dir=tmp_path, **settings), load=load_pipeline)
            return ready(stack.enter_context(TestClient(app)))

        yield make


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    return make_client()
