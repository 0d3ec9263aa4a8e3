"""An empty corpus is a valid state: a new deployment is ready, abstains, and takes its first document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from footnote.index.store import Store
from footnote.service.api.app import create_app
from footnote.service.build import learned, open_pipeline
from footnote.service.corpus.live import NOTHING_INDEXED
from footnote.service.settings import Settings
from tests.conftest import FakeEmbedder
from tests.service.api.test_metrics import samples
from tests.service.conftest import ready

KEY = "s3cret"
AUTH = {"Authorization": f"Bearer {KEY}"}
ARTICLE = (
    "# Harbour ferry returns\n\n2024-05-03\n\n"
    "The harbour ferry service resumed on Monday after a winter of repairs. "
    "The council paid 4.2 million euros for a new engine and hull work.\n"
)
QUESTION = {"question": "How much did the council pay for the ferry engine?"}


@pytest.fixture
def empty(store: Store, fake_embedder: FakeEmbedder, tmp_path: Path) -> Iterator[TestClient]:
    """An app over a store nothing was ever ingested into, loaded as `footnote serve` loads it."""
    settings = Settings(data_dir=tmp_path, public_url="http://testserver", api_key=KEY, refresh_seconds=0.1)
    app = create_app(settings, load=lambda _: open_pipeline(store, fake_embedder, 20, learned))
    with TestClient(app) as client:
        yield ready(client)


def test_empty_corpus__is_ready_saying_so_and_every_question_abstains_with_the_reason(
    empty: TestClient,
) -> None:
    r = empty.get("/readyz")
    assert (r.status_code, r.json()["status"], r.json()["detail"]) == (200, "ready", NOTHING_INDEXED)
    assert NOTHING_INDEXED == (
        "no documents are indexed yet: add one with PUT /v1/documents/{name} or `footnote ingest`"
    )
    answer = empty.post("/v1/ask", json=QUESTION, headers=AUTH)
    assert answer.status_code == 200
    assert (answer.json()["abstained"], answer.json()["reason"]) == (True, NOTHING_INDEXED)
    assert answer.json()["citations"] == []
    assert empty.get("/v1/sources", headers=AUTH).json() == {"sources": []}
    r = empty.get("/v1/sources/ferry.md", headers=AUTH)
    assert (r.status_code, r.json()) == (404, {"detail": "unknown source: 'ferry.md'"})
    got = samples(empty.get("/metrics", headers=AUTH).text)
    assert got[("footnote_snapshot_documents", ())] == got[("footnote_snapshot_chunks", ())] == 0
    assert got[("footnote_answers_total", (("outcome", "abstained"),))] == 1


def test_empty_corpus__takes_its_first_document_by_put_and_answers_from_it_at_once(
    empty: TestClient,
) -> None:
    r = empty.put(
        "/v1/documents/ferry.md", content=ARTICLE.encode(), headers={"Content-Type": "text/markdown", **AUTH}
    )
    assert r.status_code == 200, r.json()
    assert (r.json()["chunks"], r.json()["unchanged"]) == (2, False)
    answer = empty.post("/v1/ask", json=QUESTION, headers=AUTH).json()
    assert answer["abstained"] is False and "4.2 million euros" in answer["answer"]
    stored = empty.get("/v1/sources/ferry.md", headers=AUTH).json()["text"]
    assert stored == ARTICLE
    assert all(stored[c["start"] : c["end"]] == c["quote"] for c in answer["citations"])
    assert "detail" not in empty.get("/readyz").json()  # documents are indexed now


def test_deleting_the_last_document__leaves_an_empty_corpus_that_stays_ready(empty: TestClient) -> None:
    empty.put(
        "/v1/documents/ferry.md", content=ARTICLE.encode(), headers={"Content-Type": "text/plain", **AUTH}
    )
    r = empty.delete("/v1/documents/ferry.md", headers=AUTH)
    assert (r.status_code, r.json()["chunks"]) == (200, 2)
    answer = empty.post("/v1/ask", json=QUESTION, headers=AUTH).json()
    assert (answer["abstained"], answer["reason"]) == (True, NOTHING_INDEXED)
    r = empty.get("/readyz")
    assert (r.status_code, r.json()["status"], r.json()["detail"]) == (200, "ready", NOTHING_INDEXED)
