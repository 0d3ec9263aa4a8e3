from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from footnote.index.errors import StoreUnavailable
from footnote.service.answer.pipeline import Pipeline
from footnote.service.api.app import create_app
from footnote.service.settings import Settings


def test_ask__answers_with_exact_citations(client: TestClient, corpus: Path) -> None:
    r = client.post("/v1/ask", json={"question": "What troop strength is the Bundeswehr aiming for?"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {
        "answer",
        "abstained",
        "reason",
        "citations",
        "sentences",
        "standalone_question",
        "dropped",
        "composer",
    }
    assert body["composer"] == "extractive"  # no language model configured
    assert body["dropped"] == []  # an extractive sentence is its own quote: verify drops nothing
    assert body["standalone_question"] == "What troop strength is the Bundeswehr aiming for?"
    assert not body["abstained"] and "260,000" in body["answer"]
    for c in body["citations"]:
        assert (corpus / c["source"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["quote"]
    for s in body["sentences"]:
        assert s["citations"] and all(f"[{n}]" in body["answer"] for n in s["citations"])


def test_ask__abstains_when_the_question_names_what_the_sources_never_mention(client: TestClient) -> None:
    r = client.post("/v1/ask", json={"question": "What did Angela Merkel say about the Minsk agreements?"})
    body = r.json()
    assert r.status_code == 200 and body["abstained"] and body["citations"] == [] and body["answer"] == ""
    assert body["reason"] == "The sources don't mention “Angela”, “Merkel”, “Minsk”."


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"question": ""}, 422, "question must not be empty"),
        ({"question": "   \n\t "}, 422, "question must not be empty"),
        ({"question": "x" * 2001}, 422, "question must be at most 2000 characters"),
        ({}, 422, "question: Field required"),
        ({"question": 42}, 422, "question: Input should be a valid string"),
        ({"question": "ok?", "top_k": 0}, 422, "top_k: Input should be greater than or equal to 1"),
        ({"question": "ok?", "filters": {"sources": ["nope.txt"]}}, 404, "unknown source: 'nope.txt'"),
        (
            {"question": "ok?", "filters": {"sources": ["../../etc/passwd"]}},
            404,
            "unknown source: '../../etc/passwd'",
        ),
        (
            {
                "question": "ok?",
                "filters": {"published_after": "2025-02-01", "published_before": "2025-01-01"},
            },
            422,
            "published_after must not be later than published_before",
        ),
        ({"question": "ok?", "filters": {"published_after": "Feb 2024"}}, 422, "filters.published_after: "),
        ({"question": "ok?", "history": [{"role": "system", "content": "x"}]}, 422, "history.0.role: "),
    ],
)
def test_ask__bad_input_gets_a_clear_4xx(
    client: TestClient, body: dict[str, object], status: int, detail: str
) -> None:
    r = client.post("/v1/ask", json=body)
    assert r.status_code == status
    assert r.json()["detail"].startswith(detail)


def test_ask__malformed_json_is_a_422(client: TestClient) -> None:
    r = client.post(
        "/v1/ask", content=b'{"question": "unterminated', headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["detail"].startswith("malformed JSON: ")


def test_ask__huge_body_is_refused_before_parsing(client: TestClient) -> None:
    r = client.post("/v1/ask", json={"question": "x" * 100_000})
    assert r.status_code == 413
    assert r.json() == {"detail": "request body must be at most 64000 bytes"}


def test_sources__list_and_one_with_text(client: TestClient, corpus: Path) -> None:
    listing = client.get("/v1/sources").json()["sources"]
    assert [s["name"] for s in listing] == sorted(p.name for p in corpus.iterdir())
    undated = next(s for s in listing if s["name"].startswith("003"))
    assert undated["published"] is None
    one = client.get("/v1/sources/000_4a51942bda6d7b72.txt").json()
    assert one["text"] == (corpus / "000_4a51942bda6d7b72.txt").read_text(encoding="utf-8")
    assert one["published"] == "2024-02-15" and one["author"] == "Angeline Tan"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/sources/nope.txt",
        "/v1/sources/..%2F..%2Fetc%2Fpasswd",
        "/v1/sources/%2e%2e%2fpyproject.toml",
        "/v1/sources/../../pyproject.toml",
        "/v1/sources/..",
    ],
)
def test_sources__unknown_or_traversal_names_are_404(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert "root:" not in r.text and "[project]" not in r.text


UNAVAILABLE = "the vector store is unavailable; retry shortly"
UNEXPECTED = "the index could not be loaded; see the server log"


def test_readyz__503_with_the_reason_until_the_store_answers_then_ready(
    tmp_path: Path, load_pipeline: Callable[[Settings], Pipeline]
) -> None:
    store_up = threading.Event()

    def load(settings: Settings) -> Pipeline:
        if not store_up.is_set():
            raise StoreUnavailable()
        return load_pipeline(settings)

    with TestClient(create_app(Settings(data_dir=tmp_path, public_url="http://testserver"), load=load)) as c:
        time.sleep(0.2)
        assert c.get("/healthz").json() == {"status": "ok"}
        r = c.get("/readyz")
        assert r.status_code == 503
        assert r.json() == {"status": "not ready", "detail": "the vector store is unavailable; retry shortly"}
        ask = c.post("/v1/ask", json={"question": "anything?"})
        assert ask.status_code == 503
        assert ask.json() == {"detail": UNAVAILABLE}
        store_up.set()  # no restart: the service loads by itself
        deadline = time.monotonic() + 10
        while (r := c.get("/readyz")).status_code != 200:
            assert time.monotonic() < deadline, r.json()
            time.sleep(0.05)
        assert r.json()["status"] == "ready"  # the model state: test_modelstate.py
        assert c.post("/v1/ask", json={"question": "anything?"}).status_code == 200


def test_readyz__never_shows_internal_error_text(tmp_path: Path) -> None:
    def broken(_: Settings) -> Pipeline:
        raise RuntimeError("Load model from /home/op/.footnote/models/all-MiniLM-L6-v2.onnx failed")

    with TestClient(
        create_app(Settings(data_dir=tmp_path, public_url="http://testserver"), load=broken)
    ) as c:
        time.sleep(0.2)
        r = c.get("/readyz")
        assert r.status_code == 503
        assert r.json() == {
            "status": "not ready",
            "detail": "the index could not be loaded; see the server log",
        }
        ask = c.post("/v1/ask", json={"question": "anything?"})
        assert ask.json() == {"detail": "the index could not be loaded; see the server log"}
