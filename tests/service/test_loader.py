"""Loader: loads the pipeline in the background, retrying with back-off, then watches the store."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from footnote.index.errors import IndexNotReady, StoreUnavailable
from footnote.service.api.app import create_app
from footnote.service.loader import Loader, Readiness
from footnote.service.settings import Settings

EMPTY = "the index is empty: run `footnote ingest` first"
UNAVAILABLE = "the vector store is unavailable; retry shortly"
UNEXPECTED = "the index could not be loaded; see the server log"
MakeLoader = Callable[..., Loader["FakePipeline"]]


class FakePipeline:
    """Answers `check` like a pipeline over a store that can be made to fail."""

    def __init__(self) -> None:
        self.healthy = True
        self.written = 0  # the store's generation, as far as this fake goes
        self.seen = 0
        self.swaps = 0
        self.closed = False

    def check(self) -> None:
        if not self.healthy:
            raise StoreUnavailable()

    def sync(self) -> bool:
        self.check()
        if self.written == self.seen:
            return False
        self.seen, self.swaps = self.written, self.swaps + 1
        return True

    def close(self) -> None:
        self.closed = True

    @property
    def corpus(self) -> FakePipeline:
        return self  # the fake is its own live corpus


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def loader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "footnote-loader"]


@pytest.fixture
def make_loader() -> Iterator[Callable[..., Loader[FakePipeline]]]:
    made: list[Loader[FakePipeline]] = []

    def make(load: Callable[[], FakePipeline], **timing: float) -> Loader[FakePipeline]:
        timing = {"first_retry": 0.02, "max_retry": 0.08, "interval": 0.02, **timing}
        loader = Loader(load, **timing)
        made.append(loader)
        loader.start()
        return loader

    yield make
    for loader in made:
        loader.stop()
    assert not loader_threads()


def test_loader__is_loading_until_started() -> None:
    loader = Loader(FakePipeline)
    assert loader.readiness == Readiness(ready=False, detail="the index is loading")
    with pytest.raises(IndexNotReady, match=r"^the index is loading$"):
        loader.pipeline()


def test_loader__retries_with_capped_backoff_until_the_store_answers(
    make_loader: MakeLoader,
) -> None:
    attempts: list[float] = []

    def load() -> FakePipeline:
        attempts.append(time.monotonic())
        if len(attempts) < 6:
            raise StoreUnavailable()
        return FakePipeline()

    loader = make_loader(load, first_retry=0.05, max_retry=0.2)
    wait_for(lambda: loader.readiness.ready)
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    for gap, expected in zip(gaps, [0.05, 0.1, 0.2, 0.2, 0.2], strict=True):  # doubling, then capped
        assert expected - 0.01 <= gap < expected + 0.5
    assert loader.readiness == Readiness(ready=True, detail="ready")


def test_loader__says_why_it_is_not_ready_and_picks_up_an_index_that_appears(
    make_loader: MakeLoader,
) -> None:
    ingested = threading.Event()

    def load() -> FakePipeline:
        if not ingested.is_set():
            raise IndexNotReady(EMPTY)
        return FakePipeline()

    loader = make_loader(load)
    wait_for(lambda: loader.readiness.detail == EMPTY)
    assert not loader.readiness.ready
    with pytest.raises(IndexNotReady, match=r"^the index is empty"):
        loader.pipeline()
    ingested.set()  # `footnote ingest` ran
    wait_for(lambda: loader.readiness.ready)
    assert isinstance(loader.pipeline(), FakePipeline)


def test_loader__never_shows_an_unexpected_error_text(
    make_loader: MakeLoader, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "[ONNXRuntimeError] Load model from /home/op/.footnote/models/x.onnx failed"

    def load() -> FakePipeline:
        raise RuntimeError(secret)

    loader = make_loader(load)
    wait_for(lambda: loader.readiness.detail != "the index is loading")
    assert loader.readiness == Readiness(
        ready=False, detail="the index could not be loaded; see the server log"
    )
    assert secret in caplog.text


def test_loader__not_ready_while_the_store_fails_then_ready_again_by_itself(
    make_loader: MakeLoader,
) -> None:
    pipeline = FakePipeline()
    loader = make_loader(lambda: pipeline)
    wait_for(lambda: loader.readiness.ready)
    pipeline.healthy = False  # Chroma goes away
    wait_for(lambda: not loader.readiness.ready)
    assert loader.readiness == Readiness(ready=False, detail=UNAVAILABLE)
    with pytest.raises(IndexNotReady, match=r"^the vector store is unavailable; retry shortly$"):
        loader.pipeline()  # requests fail at once, as /readyz says, rather than each wait on the store
    pipeline.healthy = True  # Chroma is back
    wait_for(lambda: loader.readiness.ready)
    assert loader.pipeline() is pipeline


def test_loader__reloads_when_the_loaded_pipeline_stays_broken(
    make_loader: MakeLoader,
) -> None:
    first, second = FakePipeline(), FakePipeline()
    queue = [first, second]
    loader = make_loader(lambda: queue.pop(0) if len(queue) > 1 else queue[0])
    wait_for(lambda: loader.readiness.ready)
    first.healthy = False  # e.g. its collection was rebuilt by a repairing ingest
    wait_for(lambda: loader.readiness.ready and loader.pipeline() is second)
    assert first.closed and not second.closed  # the replaced one frees its store client


def test_loader__a_loaded_pipeline_whose_store_fails_its_check_is_closed(make_loader: MakeLoader) -> None:
    made: list[FakePipeline] = []

    def load() -> FakePipeline:
        made.append(FakePipeline())
        made[-1].healthy = len(made) > 2
        return made[-1]

    loader = make_loader(load, first_retry=0.01, max_retry=0.02)
    wait_for(lambda: loader.readiness.ready)
    assert [p.closed for p in made] == [True, True, False]


def test_loader__swaps_in_a_new_snapshot_when_the_store_changed_without_going_unready(
    make_loader: MakeLoader,
) -> None:
    pipeline = FakePipeline()
    loader = make_loader(lambda: pipeline)
    wait_for(lambda: loader.readiness.ready)
    assert pipeline.swaps == 0
    pipeline.written += 1  # `footnote ingest` committed a document
    wait_for(lambda: pipeline.swaps == 1)
    assert loader.readiness.ready and loader.pipeline() is pipeline


def test_loader__stops_promptly_and_leaves_no_thread(
    make_loader: MakeLoader,
) -> None:
    loader = make_loader(FakePipeline, interval=60.0)
    wait_for(lambda: loader.readiness.ready)
    began = time.monotonic()
    loader.stop()
    assert time.monotonic() - began < 1.0
    assert not loader_threads()


def test_app__shutdown_stops_the_loader_thread(
    tmp_path: Path, load_pipeline: Callable[[Settings], Any]
) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path), load=load_pipeline)) as client:
        wait_for(lambda: client.get("/readyz").status_code == 200, seconds=30)
        assert loader_threads()
    assert not loader_threads()
