"""Origins, API key and rate limit on /v1 routes."""

from __future__ import annotations

import time

import pytest
from fastapi import Response
from pydantic import ValidationError

from footnote.service.api.guard import SESSION_SECONDS, Guard
from footnote.service.settings import Settings
from tests.service.conftest import MakeClient

ASK = {"question": "What troop strength is the Bundeswehr aiming for?"}
SITE = "https://news.example"


def test_default__only_the_own_origin_may_call_from_a_browser(make_client: MakeClient) -> None:
    c = make_client()
    assert c.post("/v1/ask", json=ASK).status_code == 200  # no Origin: not a browser page
    assert c.post("/v1/ask", json=ASK, headers={"Origin": "http://testserver"}).status_code == 200
    assert (
        c.post("/v1/ask", json=ASK, headers={"Origin": "https://testserver"}).status_code == 200
    )  # via TLS proxy
    assert c.post("/v1/ask", json=ASK, headers={"Origin": "http://testserver.evil"}).status_code == 403
    r = c.post("/v1/ask", json=ASK, headers={"Origin": SITE})
    assert r.status_code == 403 and r.json() == {"detail": f"origin {SITE} is not allowed"}
    assert "access-control-allow-origin" not in r.headers


def test_allowed_origin__gets_cors_headers_and_preflight(make_client: MakeClient) -> None:
    c = make_client(allowed_origins=f"{SITE}, https://other.example")
    pre = c.options(
        "/v1/ask/stream",
        headers={
            "Origin": SITE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == SITE
    r = c.post("/v1/ask", json=ASK, headers={"Origin": SITE})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == SITE
    refused = c.options(
        "/v1/ask", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers


def test_api_key__required_unless_from_an_allowed_origin(make_client: MakeClient) -> None:
    c = make_client(api_key="s3cret", allowed_origins=SITE)
    r = c.post("/v1/ask", json=ASK)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json() == {"detail": "a valid API key is required: Authorization: Bearer <key>"}
    assert c.post("/v1/ask", json=ASK, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/v1/sources", headers={"Authorization": "Basic s3cret"}).status_code == 401
    assert c.post("/v1/ask", json=ASK, headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert c.post("/v1/ask", json=ASK, headers={"Origin": SITE}).status_code == 200
    assert c.post("/v1/ask", json=ASK, headers={"Origin": "https://evil.example"}).status_code == 403
    assert c.get("/healthz").status_code == 200 and c.get("/widget.js").status_code == 200


def test_rate_limit__429_with_retry_after_per_client(make_client: MakeClient) -> None:
    c = make_client(rate_limit="3/minute")
    assert [c.get("/v1/sources").status_code for _ in range(3)] == [200, 200, 200]
    r = c.post("/v1/ask", json=ASK)
    assert r.status_code == 429
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert r.json()["detail"].startswith("too many requests: the limit is 3 per 1 minute")
    assert c.get("/healthz").status_code == 200  # liveness is never limited
    assert make_client(rate_limit="3/minute").get("/v1/sources").status_code == 200  # own counter


def test_rate_limit__a_bad_setting_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="couldn't parse rate limit string 'lots'"):
        Settings(rate_limit="lots")


def test_widget_and_demo_page_are_served(make_client: MakeClient) -> None:
    c = make_client()
    js = c.get("/widget.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "attachShadow" in js.text and "/v1/ask/stream" in js.text
    page = c.get("/")
    assert page.status_code == 200 and "<footnote-chat></footnote-chat>" in page.text
    assert '&lt;script src="http://testserver/widget.js" defer&gt;' in page.text
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'self' covers it


def test_api_key__a_forged_own_origin_is_not_a_key(make_client: MakeClient) -> None:
    # issue 8: Origin equal to Host skipped the key, and a script writes both headers
    c = make_client(api_key="s3cret")
    for origin in ("http://testserver", "https://testserver"):
        r = c.post("/v1/ask", json=ASK, headers={"Origin": origin})
        assert r.status_code == 401, origin
    assert c.get("/v1/sources/000_4a51942bda6d7b72.txt").status_code == 401  # no Origin either


def test_host__an_unknown_host_is_refused_before_anything_else(make_client: MakeClient) -> None:
    c = make_client(api_key="s3cret")
    r = c.post("/v1/ask", json=ASK, headers={"Host": "x", "Origin": "http://x"})
    assert r.status_code == 400
    assert r.json() == {
        "detail": "unknown Host header ('x'): set FOOTNOTE_PUBLIC_URL to the address clients use"
    }
    # a DNS-rebinding page: its name resolves to us, but the browser still sends its own Host
    rebound = c.get("/v1/sources", headers={"Host": "evil.example:8000", "Authorization": "Bearer s3cret"})
    assert rebound.status_code == 400
    assert c.get("/", headers={"Host": "evil.example"}).status_code == 400
    # probes are answered whatever the Host (orchestrators address a replica by its IP)
    assert c.get("/healthz", headers={"Host": "10.1.2.3:8000"}).status_code == 200


def test_host__loopback_and_the_public_url_hosts_are_served(make_client: MakeClient) -> None:
    c = make_client(public_url="https://qa.example.com, http://intranet:8080")
    for host in ("qa.example.com", "qa.example.com:443", "intranet:8080", "127.0.0.1:8000", "[::1]:8000"):
        assert c.get("/v1/sources", headers={"Host": host}).status_code == 200, host
    assert c.get("/v1/sources", headers={"Host": "testserver"}).status_code == 400


def test_public_url__must_be_http_urls() -> None:
    with pytest.raises(ValidationError, match="FOOTNOTE_PUBLIC_URL must list http"):
        Settings(public_url="qa.example.com")


def test_session__the_demo_page_lets_its_browser_in_without_the_key(make_client: MakeClient) -> None:
    c = make_client(api_key="s3cret")
    page = c.get("/")
    cookie = page.cookies["footnote_session"]
    set_cookie = page.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie and "path=/v1" in set_cookie
    assert page.headers["cache-control"] == "no-store"
    # the TestClient keeps the cookie, as a browser does: click-through and asking work
    assert c.get("/v1/sources/000_4a51942bda6d7b72.txt").status_code == 200
    assert c.post("/v1/ask", json=ASK).status_code == 200
    expires, _, signature = cookie.partition(".")
    for forged in (f"{expires}.{'0' * 64}", f"{int(expires) + 9999}.{signature}", "", "garbage"):
        c.cookies.clear()
        c.cookies.set("footnote_session", forged, path="/v1")
        assert c.post("/v1/ask", json=ASK).status_code == 401, forged


def test_session__an_expiry_too_long_for_int_or_not_ascii_digits_is_refused_not_a_crash(
    make_client: MakeClient,
) -> None:
    c = make_client(api_key="s3cret")
    # past Python's 4,300-digit limit on int(str), and digits that str.isdigit() takes but int() refuses
    for forged in (f"{'9' * 5000}.{'0' * 64}", f"{'²' * 10}.{'0' * 64}"):
        cookie = f"footnote_session={forged}".encode()  # as bytes: the client sends ASCII only
        for method, path in (("POST", "/v1/ask"), ("GET", "/v1/sources"), ("GET", "/v1/models")):
            r = c.request(method, path, json=ASK if method == "POST" else None, headers={"cookie": cookie})  # type: ignore[dict-item]
            assert r.status_code == 401, (forged[:12], path, r.text)


def test_session__expires(make_client: MakeClient) -> None:
    c = make_client(api_key="s3cret")
    guard = Guard(Settings(api_key="s3cret"))
    response = Response()
    guard.start_session(response, now=time.time() - SESSION_SECONDS - 1)
    c.cookies.set(
        "footnote_session", response.headers["set-cookie"].split(";")[0].split("=", 1)[1], path="/v1"
    )
    assert c.post("/v1/ask", json=ASK).status_code == 401


def test_session__none_without_a_key(make_client: MakeClient) -> None:
    assert "set-cookie" not in make_client().get("/").headers


def test_api_key__a_token_beyond_ascii_is_a_wrong_key_not_a_crash(make_client: MakeClient) -> None:
    client = make_client(api_key="s3cret")
    for path in ("/v1/sources", "/v1/documents/a.txt"):
        r = client.request(
            "GET" if path == "/v1/sources" else "PUT",
            path,
            headers={"Authorization": "Bearer s3crét".encode(), "Content-Type": "text/plain"},  # type: ignore[dict-item]
            content=b"Some text.",
        )
        assert r.status_code == 401, (path, r.text)
