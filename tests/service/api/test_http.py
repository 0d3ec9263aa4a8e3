"""HTTP details at the edge: body limits, content types, JSON errors, HEAD, response headers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

ASK = {"question": "What troop strength is the Bundeswehr aiming for?"}
JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("route", ["/v1/ask", "/v1/ask/stream"])
def test_question__a_lone_surrogate_is_a_422(client: TestClient, route: str) -> None:
    r = client.post(route, content=b'{"question": "\\ud800"}', headers=JSON)
    assert r.status_code == 422
    assert r.json() == {
        "detail": "question must be valid Unicode text: it contains a lone surrogate at position 0"
    }
    history = b'{"question": "ok?", "history": [{"role": "user", "content": "a\\ud800"}]}'
    r = client.post(route, content=history, headers=JSON)
    assert r.status_code == 422 and r.json()["detail"].startswith("history")
    assert "unicode" in r.json()["detail"].lower()


def test_body__a_chunked_body_over_the_limit_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"}'

    r = client.post("/v1/ask", content=chunks(), headers=JSON)  # no Content-Length: chunked
    assert r.status_code == 413
    assert r.json() == {"detail": "request body must be at most 64000 bytes"}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"question": "caf\xe9?"}', "malformed JSON: the body is not UTF-8 (byte 17)"),
        (b"[" * 100_00 + b"]" * 100_00, "malformed JSON: the body is nested too deeply"),
        (b'{"question": "x"', "malformed JSON: Expecting ',' delimiter"),
    ],
)
def test_body__json_that_cannot_be_read_is_a_422_in_words(
    client: TestClient, body: bytes, detail: str
) -> None:
    r = client.post("/v1/ask", content=body, headers=JSON)
    assert r.status_code == 422
    assert r.json()["detail"].startswith(detail)


def test_body__another_content_type_is_a_415_that_says_so(client: TestClient) -> None:
    r = client.post("/v1/ask", content=b'{"question": "ok?"}', headers={"content-type": "text/plain"})
    assert r.status_code == 415
    assert r.json() == {"detail": "Content-Type must be application/json (got 'text/plain')"}
    r = client.post("/v1/ask", content=b'{"question": "ok?"}', headers={"content-type": ""})
    assert r.status_code == 415 and r.json()["detail"].endswith("(got none)")
    ok = client.post(
        "/v1/ask", content=b'{"question": "ok?"}', headers={"content-type": "application/json; charset=utf-8"}
    )
    assert ok.status_code == 200


@pytest.mark.parametrize("value", ["20240101", 20240101, "2024-1-1", "2024-02-30"])
def test_filters__a_date_must_be_written_yyyy_mm_dd(client: TestClient, value: object) -> None:
    r = client.post("/v1/ask", json={"question": "ok?", "filters": {"published_after": value}})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("filters.published_after: ")
    assert "zero time" not in r.json()["detail"]


@pytest.mark.parametrize(
    "path", ["/healthz", "/readyz", "/v1/sources", "/v1/sources/000_4a51942bda6d7b72.txt", "/widget.js", "/"]
)
def test_head__follows_get_without_a_body(client: TestClient, path: str) -> None:
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]


def test_headers__nosniff_and_referrer_policy_on_every_response(client: TestClient) -> None:
    for r in (
        client.get("/"),
        client.get("/v1/sources"),
        client.post("/v1/ask", json={}),
        client.get("/nope"),
    ):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
