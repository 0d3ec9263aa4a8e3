"""GET /metrics: Prometheus text from the app's own registry, readable from loopback or with the key."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from footnote.index.store import Store
from footnote.service.answer.pipeline import Pipeline
from footnote.service.api.app import create_app
from footnote.service.settings import Settings
from tests.service.conftest import MakeClient, ready

FORBIDDEN = "metrics are readable from loopback only: send the API key or set FOOTNOTE_METRICS_PUBLIC=1"
ANSWERED = {"question": "What troop strength is the Bundeswehr aiming for?"}
ABSTAINED = {"question": "What did Angela Merkel say about the Minsk agreements?"}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample, keyed by name and sorted labels (parsed by prometheus-client's own parser)."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.fixture
def loopback(load_pipeline: Callable[[Settings], Pipeline], tmp_path: Path) -> Iterator[TestClient]:
    """A client calling from 127.0.0.1, as a scraper on the same host does."""
    app = create_app(
        Settings(data_dir=tmp_path, public_url="http://testserver", refresh_seconds=0.1), load=load_pipeline
    )
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        yield ready(client)


def test_metrics__count_answers_by_outcome_citations_and_latency_by_route(loopback: TestClient) -> None:
    assert loopback.post("/v1/ask", json=ANSWERED).json()["abstained"] is False
    assert loopback.post("/v1/ask", json=ABSTAINED).json()["abstained"] is True
    cited = len(loopback.post("/v1/ask", json=ANSWERED).json()["citations"])
    loopback.get("/v1/sources/no-such-file.txt")
    r = loopback.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=")
    got = samples(r.text)
    assert got[("footnote_answers_total", (("outcome", "answered"),))] == 2
    assert got[("footnote_answers_total", (("outcome", "abstained"),))] == 1
    assert got[("footnote_answers_total", (("outcome", "error"),))] == 0
    assert got[("footnote_answer_citations_count", ())] == 2  # per answered question
    assert got[("footnote_answer_citations_sum", ())] == 2 * cited
    ask = (("method", "POST"), ("route", "/v1/ask"), ("status", "200"))
    assert got[("footnote_request_duration_seconds_count", ask)] == 3
    # the route template, never the raw path: one series however many names are asked for
    missing = (("method", "GET"), ("route", "/v1/sources/{name}"), ("status", "404"))
    assert got[("footnote_request_duration_seconds_count", missing)] == 1


def test_metrics__describe_the_live_snapshot(loopback: TestClient, corpus: Path, store: Store) -> None:
    written = store.generation().counter  # one per document the ingest committed
    assert written == len(list(corpus.iterdir()))
    deadline = time.monotonic() + 10
    while (got := samples(loopback.get("/metrics").text))[("footnote_snapshot_generation", ())] != written:
        assert time.monotonic() < deadline, "the loader never synced to the store's generation"
        time.sleep(0.05)
    sources = loopback.get("/v1/sources").json()["sources"]
    assert got[("footnote_snapshot_documents", ())] == len(list(corpus.iterdir())) == len(sources)
    assert got[("footnote_snapshot_chunks", ())] == sum(s["chunks"] for s in sources)
    assert 0 <= got[("footnote_snapshot_age_seconds", ())] < 60
    assert got[("footnote_documents_written_total", (("outcome", "changed"),))] == 0
    assert got[("footnote_documents_written_total", (("outcome", "unchanged"),))] == 0
    assert got[("footnote_documents_deleted_total", ())] == 0


def test_metrics__refused_from_elsewhere_without_the_key(make_client: MakeClient) -> None:
    r = make_client().get("/metrics")  # TestClient calls from "testclient", not loopback
    assert r.status_code == 403 and r.json() == {"detail": FORBIDDEN}


def test_metrics__readable_from_elsewhere_with_the_key_or_when_public(make_client: MakeClient) -> None:
    keyed = make_client(api_key="s3cret")
    assert keyed.get("/metrics").status_code == 403
    assert keyed.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert make_client(metrics_public=True).get("/metrics").status_code == 200


def test_metrics__each_app_has_its_own_registry(make_client: MakeClient) -> None:
    first, second = make_client(metrics_public=True), make_client(metrics_public=True)
    first.post("/v1/ask", json=ANSWERED)
    got = samples(second.get("/metrics").text)
    assert got[("footnote_answers_total", (("outcome", "answered"),))] == 0


WRITTEN = "footnote_documents_written_total"
DELETED = ("footnote_documents_deleted_total", ())


def test_metrics__count_writes_that_changed_a_document_apart_from_no_ops_and_deletes_that_removed_one(
    make_client: MakeClient,
) -> None:
    c = make_client(api_key="s3cret")
    auth = {"Authorization": "Bearer s3cret"}
    text = {"Content-Type": "text/plain", **auth}
    article = "# Ferry\n\nThe harbour ferry resumed on Monday after repairs.\n"

    def counted() -> tuple[float, float, float]:
        got = samples(c.get("/metrics", headers=auth).text)
        return (
            got[(WRITTEN, (("outcome", "changed"),))],
            got[(WRITTEN, (("outcome", "unchanged"),))],
            got[DELETED],
        )

    assert counted() == (0, 0, 0)
    assert c.put("/v1/documents/ferry.txt", content=article.encode(), headers=text).status_code == 200
    assert counted() == (1, 0, 0)  # created
    assert c.put("/v1/documents/ferry.txt", content=article.encode(), headers=text).json()["unchanged"]
    assert counted() == (1, 1, 0)  # the same bytes again: a no-op, counted apart
    changed = article + "A second ferry is planned.\n"
    assert c.put("/v1/documents/ferry.txt", content=changed.encode(), headers=text).status_code == 200
    assert counted() == (2, 1, 0)  # replaced
    refused = c.put(
        "/v1/documents/ferry.txt", content=b"GIF89a", headers={"Content-Type": "image/gif", **auth}
    )
    assert refused.status_code == 415
    assert c.put("/v1/documents/a..b", content=article.encode(), headers=text).status_code == 422
    assert counted() == (2, 1, 0)  # a refused write changed nothing and is not counted
    assert c.delete("/v1/documents/ferry.txt", headers=auth).status_code == 200
    assert counted() == (2, 1, 1)
    assert c.delete("/v1/documents/ferry.txt", headers=auth).status_code == 404
    assert counted() == (2, 1, 1)  # nothing was there to remove
