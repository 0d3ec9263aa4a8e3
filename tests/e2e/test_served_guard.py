"""`footnote serve` over real HTTP with a key, an origin allowlist and a rate limit; streaming too."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator

import httpx
import pytest

from service.settings import Settings
from tests.servers import footnote_serve, parse_sse

pytestmark = pytest.mark.slow
SITE = "http://127.0.0.1:9"  # an allowed embedding origin (nothing needs to listen there)
KEY = "test-key-1234"
ASK = {"question": "How many soldiers could a UN peacekeeping mission include?"}


@pytest.fixture(scope="module")
def api(real_settings: Settings) -> Iterator[str]:
    env = {
        **os.environ,
        "FOOTNOTE_DATA_DIR": str(real_settings.data_dir),
        "FOOTNOTE_MODEL_DIR": str(real_settings.model_cache),
        "FOOTNOTE_API_KEY": KEY,
        "FOOTNOTE_ALLOWED_ORIGINS": SITE,
        "FOOTNOTE_RATE_LIMIT": "8/minute",
    }
    with footnote_serve(env) as url:
        yield url


def test_key_origin_stream_and_rate_limit_over_real_http(api: str) -> None:
    bearer = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=api, timeout=30) as c:
        assert c.post("/v1/ask", json=ASK).status_code == 401  # 1: no key, no browser origin
        plain = c.post("/v1/ask", json=ASK, headers=bearer)  # 2
        assert plain.status_code == 200 and not plain.json()["abstained"]
        embedded = c.post("/v1/ask", json=ASK, headers={"Origin": SITE})  # 3: the widget on SITE
        assert embedded.status_code == 200 and embedded.headers["access-control-allow-origin"] == SITE
        assert embedded.json() == plain.json()
        refused = c.post("/v1/ask", json=ASK, headers={"Origin": "http://evil.example"})  # 4
        assert refused.status_code == 403
        streamed = c.post("/v1/ask/stream", json=ASK, headers=bearer)  # 5
        assert streamed.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(streamed.text)
        assert events[-1] == ("done", plain.json())
        statuses = [c.get("/v1/sources", headers=bearer).status_code for _ in range(5)]  # 6..10
        assert statuses == [200, 200, 200, 429, 429]
        limited = c.get("/v1/sources", headers=bearer)
        assert limited.status_code == 429 and 1 <= int(limited.headers["retry-after"]) <= 60
        assert c.get("/healthz").status_code == 200  # never limited


@pytest.fixture(scope="module")
def key_only(real_settings: Settings) -> Iterator[str]:
    """A server with only FOOTNOTE_API_KEY set: no browser origin is listed."""
    env = {
        **os.environ,
        "FOOTNOTE_DATA_DIR": str(real_settings.data_dir),
        "FOOTNOTE_MODEL_DIR": str(real_settings.model_cache),
        "FOOTNOTE_API_KEY": KEY,
    }
    with footnote_serve(env) as url:
        yield url


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
