"""`footnote serve` over real HTTP with a key, an origin allowlist and a rate limit; streaming too."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator

import httpx
import pytest

from footnote.service.settings import Settings
from tests.servers import footnote_serve, parse_sse

pytestmark = pytest.mark.slow
SITE = "http://127.0.0.1:9"  # an allowed embedding origin (nothing needs to listen there)
KEY = "test-key-1234"
ASK = {"question": "How many soldiers could a UN peacekeeping mission include?"}


def _serve(settings: Settings, **env: str) -> Iterator[str]:
    base = {
        **os.environ,
        "FOOTNOTE_DATA_DIR": str(settings.data_dir),
        "FOOTNOTE_MODEL_DIR": str(settings.model_cache),
        "FOOTNOTE_API_KEY": KEY,
    }
    with footnote_serve({**base, **env}) as url:
        yield url


@pytest.fixture(scope="module")
def api(real_settings: Settings) -> Iterator[str]:
    """The key set and one embedding origin listed."""
    yield from _serve(real_settings, FOOTNOTE_ALLOWED_ORIGINS=SITE)


@pytest.fixture(scope="module")
def limited(real_settings: Settings) -> Iterator[str]:
    """The key set and a rate limit."""
    yield from _serve(real_settings, FOOTNOTE_RATE_LIMIT="3/minute")


BEARER = {"Authorization": f"Bearer {KEY}"}


def test_key__programs_need_it_and_a_listed_origin_is_let_in(api: str) -> None:
    with httpx.Client(base_url=api, timeout=30) as c:
        assert c.post("/v1/ask", json=ASK).status_code == 401  # no key, no browser origin
        plain = c.post("/v1/ask", json=ASK, headers=BEARER)
        assert plain.status_code == 200 and not plain.json()["abstained"]
        embedded = c.post("/v1/ask", json=ASK, headers={"Origin": SITE})  # the widget on SITE
        assert embedded.status_code == 200 and embedded.headers["access-control-allow-origin"] == SITE
        assert embedded.json() == plain.json()


def test_origin__an_unlisted_page_is_refused_even_with_the_key(api: str) -> None:
    headers = {**BEARER, "Origin": "http://evil.example"}
    refused = httpx.post(f"{api}/v1/ask", json=ASK, headers=headers, timeout=30)
    assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers


def test_stream__done_is_the_ask_body_over_real_http(api: str) -> None:
    with httpx.Client(base_url=api, timeout=30, headers=BEARER) as c:
        plain = c.post("/v1/ask", json=ASK).json()
        streamed = c.post("/v1/ask/stream", json=ASK)
    assert streamed.headers["content-type"].startswith("text/event-stream")
    assert parse_sse(streamed.text)[-1] == ("done", plain)


def test_rate_limit__429_with_retry_after_and_probes_never_limited(limited: str) -> None:
    with httpx.Client(base_url=limited, timeout=30, headers=BEARER) as c:
        assert [c.get("/v1/sources").status_code for _ in range(5)] == [200, 200, 200, 429, 429]
        over = c.get("/v1/sources")
        assert over.status_code == 429 and 1 <= int(over.headers["retry-after"]) <= 60
        assert c.get("/healthz").status_code == 200


@pytest.fixture(scope="module")
def key_only(real_settings: Settings) -> Iterator[str]:
    """A server with only FOOTNOTE_API_KEY set: no browser origin is listed."""
    yield from _serve(real_settings)


def _raw(url: str, request: bytes) -> bytes:
    """Send bytes as they are (no client fills in a Host), return the status line."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(request)
        return s.recv(4096).split(b"\r\n", 1)[0]


def test_forged_headers_never_stand_in_for_the_key(key_only: str) -> None:
    ask = json.dumps(ASK).encode()
    port = key_only.rsplit(":", 1)[1]
    with httpx.Client(base_url=key_only, timeout=30) as c:
        # the probe's three requests, each answered 200 before the fix
        assert c.post("/v1/ask", json=ASK, headers={"Origin": key_only}).status_code == 401
        forged_host = c.post("/v1/ask", json=ASK, headers={"Host": "x", "Origin": "http://x"})
        assert forged_host.status_code == 400 and "unknown Host header" in forged_host.json()["detail"]
        assert c.post("/v1/ask", json=ASK, headers={"Host": f"localhost:{port}"}).status_code == 401
        assert c.post("/v1/ask", json=ASK, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    no_host = (
        b"POST /v1/ask HTTP/1.0\r\nOrigin: null\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(ask), ask)
    )
    assert _raw(key_only, no_host) == b"HTTP/1.1 400 Bad Request"
