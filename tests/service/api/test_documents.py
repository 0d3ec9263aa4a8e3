"""The documents API: PUT / DELETE /v1/documents/{name}, with the key, in every format."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import MakeClient
from tests.service.writes import AUTH, KEY, TEXT, cited_spans_hold, put

ARTICLE = (
    "# Harbour ferry returns\n\nBy Ada Lovelace\n2024-05-03\n\n"
    "The harbour ferry service resumed on Monday after a winter of repairs. "
    "The council paid 4.2 million euros for a new engine and hull work.\n\n"
    "Passengers queued from six in the morning to ride the first crossing.\n"
)


@pytest.fixture
def writer(make_client: MakeClient) -> TestClient:
    return make_client(api_key=KEY)


def test_put_text__is_answered_from_at_once_and_again_embeds_nothing(writer: TestClient) -> None:
    status, body = put(writer, "ferry.md", ARTICLE.encode(), "text/markdown")
    assert status == 200 and body["name"] == "ferry.md" and body["chunks"] == 3
    assert body["embedded"] == 3 and body["unchanged"] is False
    stored = cited_spans_hold(writer, "ferry.md", "How much did the council pay for the ferry engine?")
    assert stored == ARTICLE  # txt/md: the file itself is the stored text
    meta = writer.get("/v1/sources/ferry.md", headers=AUTH).json()
    assert (meta["title"], meta["author"], meta["published"]) == (
        "Harbour ferry returns",
        "Ada Lovelace",
        "2024-05-03",
    )
    status, again = put(writer, "ferry.md", ARTICLE.encode(), "text/markdown")
    assert status == 200 and again["embedded"] == 0 and again["unchanged"] is True
    assert again["chunks"] == 3 and again["generation"] == body["generation"]


def test_put_changed_text__replaces_the_document_embedding_only_new_sentences(writer: TestClient) -> None:
    put(writer, "ferry.txt", ARTICLE.encode(), "text/plain")
    changed = ARTICLE + "\nA second ferry is planned for 2026.\n"
    status, body = put(writer, "ferry.txt", changed.encode(), "text/plain")
    assert status == 200 and body["chunks"] == 4 and body["embedded"] == 1
    assert writer.get("/v1/sources/ferry.txt", headers=AUTH).json()["text"] == changed


def test_delete__removes_the_document_and_404s_an_unknown_one(writer: TestClient) -> None:
    put(writer, "ferry.txt", ARTICLE.encode(), "text/plain")
    r = writer.delete("/v1/documents/ferry.txt", headers=AUTH)
    assert r.status_code == 200 and r.json()["name"] == "ferry.txt"
    assert writer.get("/v1/sources/ferry.txt", headers=AUTH).status_code == 404
    r = writer.delete("/v1/documents/ferry.txt", headers=AUTH)
    assert r.status_code == 404 and r.json() == {"detail": "unknown source: 'ferry.txt'"}


def test_writes__are_disabled_without_a_configured_key(make_client: MakeClient) -> None:
    c = make_client()
    r = c.put("/v1/documents/a.txt", content=ARTICLE.encode(), headers={"Content-Type": "text/plain"})
    assert r.status_code == 403
    assert r.json() == {"detail": "document writes are disabled: set FOOTNOTE_API_KEY"}
    assert c.delete("/v1/documents/a.txt").status_code == 403


def test_writes__need_the_bearer_key_even_from_an_allowed_origin_or_session(make_client: MakeClient) -> None:
    c = make_client(api_key=KEY, allowed_origins="https://news.example")
    c.get("/")  # the demo page's session cookie is now in the client
    for headers in ({}, {"Origin": "https://news.example"}, {"Authorization": "Bearer wrong"}):
        r = c.put(
            "/v1/documents/a.txt", content=ARTICLE.encode(), headers={"Content-Type": "text/plain", **headers}
        )
        assert r.status_code == 401, headers
        assert r.json() == {"detail": "a valid API key is required: Authorization: Bearer <key>"}
        assert c.delete("/v1/documents/000_4a51942bda6d7b72.txt", headers=headers).status_code == 401
    assert c.get("/v1/sources/a.txt", headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("a..b.txt", 422),
        ("..%2Fx", 422),
        ("a\\b.txt", 422),
        ("a%01b.txt", 422),
        ("a%0Ab.txt", 422),  # a newline: Starlette's `path` would not even route it (404)
        ("x" * 201, 422),
        ("a/b.txt", 422),
    ],
)
def test_put_bad_name__is_422_and_changes_nothing(writer: TestClient, name: str, status: int) -> None:
    before = writer.get("/v1/sources", headers=AUTH).json()
    r = writer.put(f"/v1/documents/{name}", content=ARTICLE.encode(), headers=TEXT)
    assert r.status_code == status
    assert r.json() == {
        "detail": "invalid document name: use at most 200 characters and no '/', '\\', '..' "
        "or control characters"
    }
    assert writer.get("/v1/sources", headers=AUTH).json() == before


@pytest.mark.parametrize(
    ("body", "content_type", "status", "detail"),
    [
        (b"", "text/plain", 422, "cannot read the document: empty file"),
        (b"  \n\t ", "text/plain", 422, "cannot read the document: empty file"),
        (b"caf\xe9 au lait", "text/plain", 422, "cannot read the document: not UTF-8 (byte 3)"),
        (b"a\x00b", "text/plain", 422, "cannot read the document: binary file (it holds NUL bytes)"),
        (
            b"GIF89a",
            "image/gif",
            415,
            "unsupported Content-Type 'image/gif': send text/plain, text/markdown, text/html, "
            "application/pdf or application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            b"hello",
            "",
            415,
            "unsupported Content-Type none: send text/plain, text/markdown, text/html, "
            "application/pdf or application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_put_bad_body__is_a_clear_4xx_and_keeps_the_previous_version(
    writer: TestClient, body: bytes, content_type: str, status: int, detail: str
) -> None:
    put(writer, "ferry.txt", ARTICLE.encode(), "text/plain")
    r = writer.put("/v1/documents/ferry.txt", content=body, headers={"Content-Type": content_type, **AUTH})
    assert (r.status_code, r.json()) == (status, {"detail": detail})
    assert writer.get("/v1/sources/ferry.txt", headers=AUTH).json()["text"] == ARTICLE


def test_put_over_the_document_limit__is_413_while_the_json_api_keeps_its_own(
    make_client: MakeClient,
) -> None:
    c = make_client(api_key=KEY, max_document_bytes=100_000)
    big = (ARTICLE * 1000).encode()[:100_001]
    r = c.put("/v1/documents/big.txt", content=big, headers=TEXT)
    assert r.status_code == 413 and r.json() == {"detail": "request body must be at most 100000 bytes"}
    # 70 kB is over the JSON API's 64 kB, under the documents' limit
    fits = (ARTICLE * 200).encode()[:70_000]
    assert c.put("/v1/documents/fits.txt", content=fits, headers=TEXT).status_code == 200
    r = c.post(
        "/v1/ask", content=b"{" + b" " * 70_000 + b"}", headers={"Content-Type": "application/json", **AUTH}
    )
    assert r.status_code == 413 and r.json() == {"detail": "request body must be at most 64000 bytes"}


def test_writes__meet_refreshes_from_another_thread_and_every_one_lands(writer: TestClient) -> None:
    """A replica's poll refreshes (a new Chroma client) while writes run: neither breaks the other."""
    pipeline = writer.app.state.loader.loaded  # type: ignore[attr-defined]
    stop, failures = threading.Event(), []

    def poll() -> None:
        while not stop.is_set():
            try:
                pipeline.corpus.refresh()  # what the loader's poll does once the generation moved
            except Exception as exc:
                failures.append(exc)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        for i in range(30):  # new names, then replacements of one name (commit, then old chunks go)
            name = f"ferry{i}.txt" if i < 6 else "ferry.txt"
            status, body = put(writer, name, f"{ARTICLE}\nCrossing {i} ran late.\n".encode(), "text/plain")
            assert status == 200, body
    finally:
        stop.set()
        poller.join(60)
    assert failures == []
    listed = {s["name"] for s in writer.get("/v1/sources", headers=AUTH).json()["sources"]}
    assert {f"ferry{i}.txt" for i in range(6)} | {"ferry.txt"} <= listed
    pipeline.corpus.sync()
    assert pipeline.corpus.snapshot.texts["ferry.txt"].endswith("Crossing 29 ran late.\n")
    dense = pipeline.corpus.store.query(pipeline.embedder.embed_batch(["Crossing 29 ran late."])[0], 50, None)
    served = {c.id for c, _ in dense if c.source == "ferry.txt"}
    assert served <= {c.id for c in pipeline.corpus.snapshot.chunks}  # no replaced sentence lingers


def test_write_without_the_key__is_refused_before_its_body_is_read(make_client: MakeClient) -> None:
    """Nobody without the key makes the server hold megabytes it will refuse anyway."""
    client = make_client(api_key=KEY, max_document_bytes=100_000)
    read: list[int] = []

    def body() -> Iterator[bytes]:  # a streamed (chunked) upload: each piece counted as it is taken
        for _ in range(50):
            read.append(1)
            yield b"x" * 4096

    r = client.put("/v1/documents/big.txt", content=body(), headers={"Content-Type": "text/plain"})
    assert (r.status_code, r.json()) == (
        401,
        {"detail": "a valid API key is required: Authorization: Bearer <key>"},
    )
    assert r.headers["www-authenticate"] == "Bearer"
    assert len(read) <= 1  # the first piece at most (the client sends as the server reads)
    r = client.put("/v1/documents/big.txt", content=b"x" * 200_000, headers={"Content-Type": "text/plain"})
    assert r.status_code == 401  # not 413: the size of a body nobody may send is no one's business
    r = client.post("/v1/documentsX", content=b"x" * 200_000, headers=AUTH)
    assert r.status_code == 413  # not a documents path: the JSON limit holds
