"""POST /v1/documents: a browser's multipart form, one or more `file` parts, all stored or none."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message

from footnote.service.api.app import create_app
from footnote.service.settings import Settings
from tests.docfiles import docx_bytes
from tests.service.api.test_metrics import samples
from tests.service.conftest import MakeClient
from tests.service.writes import AUTH, DOCX, KEY

FERRY = (
    "# Harbour ferry returns\n\n2024-05-03\n\n"
    "The harbour ferry service resumed on Monday after a winter of repairs. "
    "The council paid 4.2 million euros for a new engine and hull work.\n"
)
MARKET = b"""<html><head><title>Mombasa opens a fish market</title></head><body>
<nav><a href="/">Home</a></nav><article><h1>Mombasa opens a fish market</h1>
<p>Mombasa opened a covered fish market that cost 7 million shillings in March.</p>
<p>Traders welcomed the shade and the cold rooms.</p></article></body></html>"""
UNSUPPORTED = (
    "unsupported Content-Type 'image/gif': send text/plain, text/markdown, text/html, "
    "application/pdf or application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)
BAD_NAME = "invalid document name: use at most 200 characters and no '/', '\\', '..' or control characters"

Part = tuple[str, tuple[str, bytes, str]]


@pytest.fixture
def writer(make_client: MakeClient) -> TestClient:
    return make_client(api_key=KEY)


def _names(client: TestClient) -> list[str]:
    return [s["name"] for s in client.get("/v1/sources", headers=AUTH).json()["sources"]]


def _ask(client: TestClient, question: str) -> dict[str, object]:
    answer: dict[str, object] = client.post("/v1/ask", json={"question": question}, headers=AUTH).json()
    return answer


def test_post_form__stores_each_file_under_its_name_by_content_type_or_suffix_and_answers_from_them(
    writer: TestClient,
) -> None:
    docx = docx_bytes(["The harbour board elected Amina Said as its chair in June."], title="Board")
    files: list[Part] = [
        ("file", ("ferry.md", FERRY.encode(), "application/octet-stream")),  # a browser's guess: by suffix
        ("file", ("market.html", MARKET, "text/html")),
        ("file", ("board.docx", docx, DOCX)),
    ]
    r = writer.post("/v1/documents", files=files, headers=AUTH)
    assert r.status_code == 200, r.json()
    written = r.json()["documents"]
    assert [(d["name"], d["unchanged"]) for d in written] == [
        ("ferry.md", False),
        ("market.html", False),
        ("board.docx", False),
    ]
    assert all(d["chunks"] > 0 and d["embedded"] == d["chunks"] for d in written)
    assert writer.get("/v1/sources/ferry.md", headers=AUTH).json()["text"] == FERRY  # the file itself
    answer = _ask(writer, "How much did the Mombasa fish market cost?")
    assert "7 million shillings" in str(answer["answer"])
    stored = writer.get("/v1/sources/market.html", headers=AUTH).json()["text"]
    cited = [c for c in answer["citations"] if c["source"] == "market.html"]  # type: ignore[attr-defined]
    assert cited and all(stored[c["start"] : c["end"]] == c["quote"] for c in cited)
    got = samples(writer.get("/metrics", headers=AUTH).text)
    assert got[("footnote_documents_written_total", (("outcome", "changed"),))] == 3  # one per file

    again = writer.post("/v1/documents", files=files[:1], headers=AUTH).json()["documents"]
    assert [(d["name"], d["unchanged"], d["embedded"]) for d in again] == [("ferry.md", True, 0)]


@pytest.mark.parametrize(
    ("bad", "status", "detail"),
    [
        (("photo.gif", b"GIF89a", "image/gif"), 415, f"file 2 ('photo.gif'): {UNSUPPORTED}"),
        (
            ("notes.txt", b"caf\xe9 au lait", "text/plain"),
            422,
            "file 2 ('notes.txt'): cannot read the document: not UTF-8 (byte 3)",
        ),
        (
            ("empty.md", b"", "text/markdown"),
            422,
            "file 2 ('empty.md'): cannot read the document: empty file",
        ),
        (("a..b.txt", FERRY.encode(), "text/plain"), 422, f"file 2 ('a..b.txt'): {BAD_NAME}"),
        (
            ("ferry.md", FERRY.encode(), "text/markdown"),
            422,
            "file 2 ('ferry.md'): the form holds two files named 'ferry.md'",
        ),
    ],
)
def test_post_form__with_one_bad_file_stores_none_of_them(
    writer: TestClient, bad: tuple[str, bytes, str], status: int, detail: str
) -> None:
    before = _names(writer)
    files: list[Part] = [
        ("file", ("ferry.md", FERRY.encode(), "text/markdown")),
        ("file", bad),
        ("file", ("market.html", MARKET, "text/html")),
    ]
    r = writer.post("/v1/documents", files=files, headers=AUTH)
    assert (r.status_code, r.json()) == (status, {"detail": detail})
    assert _names(writer) == before  # the good files around it were not written either


def test_post_form__a_long_bad_name_is_shown_shortened(writer: TestClient) -> None:
    name = "x" * 300 + ".txt"
    r = writer.post("/v1/documents", files=[("file", (name, FERRY.encode(), "text/plain"))], headers=AUTH)
    assert (r.status_code, r.json()) == (422, {"detail": f"file 1 ('{'x' * 60}…'): {BAD_NAME}"})


def test_post_form__not_multipart_is_415_and_a_form_without_files_is_422(writer: TestClient) -> None:
    r = writer.post("/v1/documents", content=FERRY.encode(), headers={"Content-Type": "text/plain", **AUTH})
    assert (r.status_code, r.json()) == (
        415,
        {"detail": "send the files as multipart/form-data, each in a part named 'file'"},
    )
    r = writer.post(
        "/v1/documents", data={"title": "no file"}, files={"other": ("a.txt", b"x")}, headers=AUTH
    )
    assert (r.status_code, r.json()) == (
        422,
        {"detail": "the form holds no files: send each one in a part named 'file'"},
    )
    r = writer.post("/v1/documents", data={"file": "just text"}, files={"x": ("a.txt", b"x")}, headers=AUTH)
    assert (r.status_code, r.json()) == (
        422,
        {"detail": "file 1: a 'file' part must be a file, with a filename"},
    )
    r = writer.post(
        "/v1/documents",
        content=b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nunterminated',
        headers={"Content-Type": "multipart/form-data; boundary=zzz", **AUTH},
    )
    assert (r.status_code, r.json()) == (
        422,
        {"detail": "cannot read the form: it ends before its closing boundary (was the upload cut off?)"},
    )


def test_post_form__needs_the_bearer_key_even_from_an_allowed_origin_or_session(
    make_client: MakeClient,
) -> None:
    files = [("file", ("ferry.md", FERRY.encode(), "text/markdown"))]
    c = make_client(api_key=KEY, allowed_origins="https://news.example")
    c.get("/")  # the demo page's session cookie is now in the client
    for headers in ({}, {"Origin": "https://news.example"}, {"Authorization": "Bearer wrong"}):
        r = c.post("/v1/documents", files=files, headers=headers)
        assert (r.status_code, r.json()) == (
            401,
            {"detail": "a valid API key is required: Authorization: Bearer <key>"},
        ), headers
    assert "ferry.md" not in _names(c)
    r = make_client().post("/v1/documents", files=files)
    assert (r.status_code, r.json()) == (
        403,
        {"detail": "document writes are disabled: set FOOTNOTE_API_KEY"},
    )


def test_post_form__over_the_document_limit_is_413_before_the_body_is_read_whole(tmp_path: Path) -> None:
    """Driven over ASGI directly: the test client would read a streamed body whole before sending it."""
    app = create_app(
        Settings(data_dir=tmp_path, public_url="http://testserver", api_key=KEY, max_document_bytes=100_000)
    )
    pulled = 0

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * 10_000, "more_body": pulled < 1000}  # 10 MB

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/documents",
        "raw_path": b"/v1/documents",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"multipart/form-data; boundary=b"),
            (b"authorization", f"Bearer {KEY}".encode()),
        ],  # no Content-Length: chunked
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "scheme": "http",
        "http_version": "1.1",
        "root_path": "",
    }
    # a loop of its own, on its own thread: a session-wide Playwright (browser tests) keeps one
    # running on the main thread, and asyncio.run refuses to nest in it
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result(timeout=60)
    assert sent[0]["status"] == 413
    assert b"request body must be at most 100000 bytes" in b"".join(m.get("body", b"") for m in sent)
    assert pulled == 11  # refused at the first chunk past the limit, of 1000


def test_post_form__cut_off_before_its_closing_boundary_is_422_and_stores_nothing(writer: TestClient) -> None:
    whole = b'--X\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nThe ferry ran.\r\n'
    cut = b'--X\r\nContent-Disposition: form-data; name="file"; filename="b.txt"\r\n\r\nThe bus ran'
    r = writer.post(
        "/v1/documents",
        content=whole + cut,  # the second file's end and the closing `--X--` never arrived
        headers={"Content-Type": "multipart/form-data; boundary=X", **AUTH},
    )
    assert (r.status_code, r.json()) == (
        422,
        {"detail": "cannot read the form: it ends before its closing boundary (was the upload cut off?)"},
    )
    assert writer.get("/v1/sources/a.txt", headers=AUTH).status_code == 404
    r = writer.post(
        "/v1/documents",
        content=whole + b"--X--\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=X", **AUTH},
    )
    assert r.status_code == 200, r.json()


def test_post_form__a_bad_file_is_numbered_as_the_user_sees_it_counting_empty_inputs(
    writer: TestClient,
) -> None:
    files: list[Part] = [
        ("file", ("", b"", "application/octet-stream")),  # a file input left empty
        ("file", ("ferry.md", FERRY.encode(), "text/markdown")),
        ("file", ("scan.exe", b"MZ", "application/x-msdownload")),
    ]
    r = writer.post("/v1/documents", files=files, headers=AUTH)
    assert r.json()["detail"].startswith("file 3 ('scan.exe'): "), r.json()
