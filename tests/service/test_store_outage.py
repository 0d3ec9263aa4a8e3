"""A vector store that fails is a 503 with a clear message on every answering route — never a 500."""

from __future__ import annotations

from fastapi.testclient import TestClient

from index.store import Store
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
