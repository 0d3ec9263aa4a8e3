"""The documents API in each format: HTML's main content, a PDF's text layer, DOCX paragraphs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.docfiles import docx_bytes, pdf_bytes
from tests.service.conftest import MakeClient
from tests.service.writes import AUTH, DOCX, KEY, cited_spans_hold, put


@pytest.fixture
def writer(make_client: MakeClient) -> TestClient:
    return make_client(api_key=KEY)


HTML = b"""<!doctype html><html><head><title>Harbour ferry returns | Coast News</title>
<meta property="article:published_time" content="2024-05-03T09:00:00Z">
<script>window.track = function () { return "tracking pixel"; };</script>
<style>.cookie { position: fixed }</style></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies.</div>
<article><h1>Harbour ferry returns</h1>
<p>The harbour ferry service resumed on Monday after a winter of repairs.
The council paid 4.2 million euros for a new engine and hull work.</p>
<p>Passengers queued from six in the morning to ride the first crossing.</p>
</article>
<aside class="newsletter">Subscribe to our newsletter for the latest coast news.</aside>
<footer>Copyright Coast News. All rights reserved.</footer></body></html>"""


def test_put_html__stores_the_main_content_only_with_its_metadata_and_exact_spans(
    writer: TestClient,
) -> None:
    status, body = put(writer, "ferry.html", HTML, "text/html; charset=utf-8")
    assert status == 200 and body["chunks"] >= 3
    stored = cited_spans_hold(writer, "ferry.html", "How much did the council pay for the ferry engine?")
    assert "The council paid 4.2 million euros for a new engine" in stored
    for boilerplate in ("cookies", "Subscribe", "tracking", "Home", "Copyright", "position"):
        assert boilerplate not in stored
    meta = writer.get("/v1/sources/ferry.html", headers=AUTH).json()
    assert meta["title"] == "Harbour ferry returns" and meta["published"] == "2024-05-03"
    assert put(writer, "ferry.html", HTML, "text/html")[1]["unchanged"] is True


def test_put_html_without_main_content__is_422_with_the_reason(writer: TestClient) -> None:
    page = b"<html><head><title>Menu</title><script>var a = 1;</script></head><body><nav></nav></body></html>"
    r = writer.put("/v1/documents/menu.html", content=page, headers={"Content-Type": "text/html", **AUTH})
    assert (r.status_code, r.json()) == (
        422,
        {"detail": "cannot read the document: the HTML page has no main content"},
    )
    assert writer.get("/v1/sources/menu.html", headers=AUTH).status_code == 404


SENTENCES = [
    "The harbour ferry service resumed on Monday after a winter of repairs.",
    "The council paid 4.2 million euros for a new engine and hull work.",
    "Passengers queued from six in the morning to ride the first crossing.",
]


def test_put_pdf__stores_its_text_layer_with_the_info_metadata_and_exact_spans(writer: TestClient) -> None:
    pdf = pdf_bytes(SENTENCES, title="Harbour ferry returns", created="D:20240503090000Z")
    status, body = put(writer, "ferry.pdf", pdf, "application/pdf")
    assert status == 200 and body["chunks"] == 3
    stored = cited_spans_hold(writer, "ferry.pdf", "How much did the council pay for the ferry engine?")
    assert all(s in stored for s in SENTENCES)
    meta = writer.get("/v1/sources/ferry.pdf", headers=AUTH).json()
    assert (meta["title"], meta["published"]) == ("Harbour ferry returns", "2024-05-03")


@pytest.mark.parametrize(
    ("pdf", "detail"),
    [
        (pdf_bytes([]), "cannot read the document: the PDF has no text layer (a scan? run OCR first)"),
        (pdf_bytes(SENTENCES, password="pw"), "cannot read the document: the PDF is encrypted"),
        (b"%PDF-1.4\nnot really", "cannot read the document: the PDF cannot be parsed"),
    ],
)
def test_put_unreadable_pdf__is_422_with_the_reason(writer: TestClient, pdf: bytes, detail: str) -> None:
    r = writer.put("/v1/documents/x.pdf", content=pdf, headers={"Content-Type": "application/pdf", **AUTH})
    assert (r.status_code, r.json()) == (422, {"detail": detail})


def test_put_docx__stores_its_paragraphs_with_title_and_author_and_exact_spans(writer: TestClient) -> None:
    docx = docx_bytes(SENTENCES, title="Harbour ferry returns", author="Ada Lovelace")
    status, body = put(writer, "ferry.docx", docx, DOCX)
    assert status == 200 and body["chunks"] == 3
    stored = cited_spans_hold(writer, "ferry.docx", "How much did the council pay for the ferry engine?")
    assert stored == "\n\n".join(SENTENCES)
    meta = writer.get("/v1/sources/ferry.docx", headers=AUTH).json()
    assert (meta["title"], meta["author"]) == ("Harbour ferry returns", "Ada Lovelace")
    r = writer.put(
        "/v1/documents/bad.docx", content=b"PK\x03\x04 nope", headers={"Content-Type": DOCX, **AUTH}
    )
    assert (r.status_code, r.json()) == (
        422,
        {"detail": "cannot read the document: the DOCX file cannot be parsed"},
    )
