"""A vector store that fails is a 503 with a clear message on every answering route — never a 500."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

from footnote.index.store import Store
from tests.index.test_store import BrokenCollection

UNAVAILABLE = {"detail": "the vector store is unavailable; retry shortly"}
QUESTION = {"question": "What troop strength is the Bundeswehr aiming for?"}


def test_ask__503_with_a_clear_message_while_the_vector_store_fails(client: TestClient, store: Store) -> None:
    store.chunks = BrokenCollection()  # type: ignore[assignment]
    r = client.post("/v1/ask", json=QUESTION)
    assert (r.status_code, r.json()) == (503, UNAVAILABLE)


def test_ask_stream__503_before_any_event_while_the_vector_store_fails(
    client: TestClient, store: Store
) -> None:
    store.chunks = BrokenCollection()  # type: ignore[assignment]
    r = client.post("/v1/ask/stream", json=QUESTION)
    assert (r.status_code, r.json()) == (503, UNAVAILABLE)


class FrozenUntilReleased:
    """A collection whose calls wait, as on a Chroma server frozen with SIGSTOP, until released."""

    def __init__(self, real: Any) -> None:
        self.real, self.release = real, threading.Event()

    def __getattr__(self, name: str) -> Any:
        def wait_then_call(*args: Any, **kwargs: Any) -> Any:
            self.release.wait()
            return getattr(self.real, name)(*args, **kwargs)

        return wait_then_call


def test_health__liveness_and_readiness_answer_while_45_requests_wait_on_a_frozen_store(
    client: TestClient, store: Store
) -> None:
    store.chunks = frozen = FrozenUntilReleased(store.chunks)  # type: ignore[assignment]
    with ThreadPoolExecutor(48) as pool:
        try:
            asks = [pool.submit(client.post, "/v1/ask", json=QUESTION) for _ in range(45)]
            time.sleep(0.5)  # every worker thread is now taken by a request waiting on the store
            began = time.monotonic()
            health = pool.submit(client.get, "/healthz").result(timeout=3)
            ready = pool.submit(client.get, "/readyz").result(timeout=3)
            assert time.monotonic() - began < 2
            assert health.json() == {"status": "ok"}
            assert ready.status_code in (200, 503)
        finally:
            frozen.release.set()
        assert {f.result(timeout=60).status_code for f in asks} <= {200, 503}
