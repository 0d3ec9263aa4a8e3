"""The documents API against hostile files and names: bombs and malformed parts are refused in words
(413 naming the limit, 422 naming the fault), bounded in memory, and the previous version is kept."""

from __future__ import annotations

import os
from typing import IO

import psutil
import pytest
from fastapi.testclient import TestClient

from footnote.index.extract import MAX_TEXT_CHARS, MAX_UNPACKED_BYTES, MAX_XML_BYTES
from tests.docfiles import docx_bytes, docx_with_part
from tests.service.conftest import MakeClient
from tests.service.writes import AUTH, DOCX, KEY

ARTICLE = "Harbour ferry returns\n\nThe council paid 4.2 million euros for a new engine.\n"
_MB = 1 << 20


@pytest.fixture
def writer(make_client: MakeClient) -> TestClient:
    client = make_client(api_key=KEY)
    r = client.put(
        "/v1/documents/ferry.docx", content=ARTICLE.encode(), headers={"Content-Type": "text/plain", **AUTH}
    )
    assert r.status_code == 200, r.text
    return client


def _zeros(megabytes: int) -> object:
    def write(member: IO[bytes]) -> None:
        block = b"0" * _MB
        for _ in range(megabytes):
            member.write(block)

    return write


def _xml_document(text_chars: int) -> object:
    """word/document.xml of one paragraph whose one text run holds `text_chars` letters."""

    def write(member: IO[bytes]) -> None:
        member.write(
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            b"<w:body><w:p><w:r><w:t>"
        )
        block, left = b"word " * (_MB // 5), text_chars
        while left > 0:
            member.write(block[:left])
            left -= len(block)
        member.write(b"</w:t></w:r></w:p></w:body></w:document>")

    return write


def _put_docx(client: TestClient, body: bytes) -> tuple[int, dict[str, object]]:
    r = client.put("/v1/documents/ferry.docx", content=body, headers={"Content-Type": DOCX, **AUTH})
    return r.status_code, r.json()


def _kept(client: TestClient) -> None:
    assert client.get("/v1/sources/ferry.docx", headers=AUTH).json()["text"] == ARTICLE


def test_docx_bomb__413_naming_the_limit_before_anything_is_unpacked(writer: TestClient) -> None:
    # 2 GiB of XML from about 2 MB of upload, as the probe sent: refused by the parts' declared sizes
    bomb = docx_with_part("word/document.xml", _zeros(2048))  # type: ignore[arg-type]
    assert len(bomb) < 3 * _MB
    rss = psutil.Process(os.getpid()).memory_info().rss
    status, body = _put_docx(writer, bomb)
    grown = psutil.Process(os.getpid()).memory_info().rss - rss
    assert (status, body) == (
        413,
        {
            "detail": "cannot read the document: the DOCX unpacks to over the limit of "
            f"{MAX_UNPACKED_BYTES:,} bytes"
        },
    )
    assert grown < 100 * _MB, f"{grown / _MB:.0f} MB held to refuse it"
    _kept(writer)


def test_docx_xml_past_its_own_limit__413_even_under_the_whole_limit(writer: TestClient) -> None:
    assert MAX_XML_BYTES < 40 * _MB < MAX_UNPACKED_BYTES
    status, body = _put_docx(writer, docx_with_part("word/document.xml", _zeros(40)))  # type: ignore[arg-type]
    assert (status, body) == (
        413,
        {
            "detail": "cannot read the document: the DOCX's XML unpacks to over the limit of "
            f"{MAX_XML_BYTES:,} bytes"
        },
    )
    # a part disguised under a picture's name still counts against the whole
    status, body = _put_docx(writer, docx_with_part("word/media/image1.png", _zeros(120)))  # type: ignore[arg-type]
    assert status == 413 and "unpacks to over the limit" in str(body["detail"])
    _kept(writer)


def test_docx_malformed_xml__422_on_put_and_on_the_form(writer: TestClient) -> None:
    broken = docx_with_part("word/document.xml", lambda m: m.write(b"<w:document><w:body><w:p>"))
    assert _put_docx(writer, broken) == (
        422,
        {"detail": "cannot read the document: the DOCX file holds malformed XML"},
    )
    r = writer.post("/v1/documents", files={"file": ("broken.docx", broken, DOCX)}, headers=AUTH)
    assert (r.status_code, r.json()) == (
        422,
        {"detail": "file 1 ('broken.docx'): cannot read the document: the DOCX file holds malformed XML"},
    )
    _kept(writer)


def test_docx_text_node_past_lxml_limit__422_not_500(writer: TestClient) -> None:
    # lxml refuses a text node over 10 MB ("Text node too long"), well within the XML limit
    status, body = _put_docx(writer, docx_with_part("word/document.xml", _xml_document(12 * _MB)))  # type: ignore[arg-type]
    assert (status, body) == (422, {"detail": "cannot read the document: the DOCX file holds malformed XML"})
    _kept(writer)


def test_text_past_the_text_limit__413_naming_it(make_client: MakeClient) -> None:
    client = make_client(api_key=KEY, max_document_bytes=2 * MAX_TEXT_CHARS)
    body = ("A sentence of the long report. " * (MAX_TEXT_CHARS // 30 + 10)).encode()
    r = client.put("/v1/documents/long.txt", content=body, headers={"Content-Type": "text/plain", **AUTH})
    assert (r.status_code, r.json()) == (
        413,
        {"detail": f"cannot read the document: its text is over the limit of {MAX_TEXT_CHARS:,} characters"},
    )


def test_docx_within_the_limits__is_still_stored(writer: TestClient) -> None:
    paragraphs = ["Ferry news", "The ferry runs again.", "It runs each hour."]
    status, _ = _put_docx(writer, docx_bytes(paragraphs))
    assert status == 200
    assert writer.get("/v1/sources/ferry.docx", headers=AUTH).json()["text"] == "\n\n".join(paragraphs)


@pytest.mark.parametrize("name", ["a%FFb.txt", "a%FEb.txt", "caf%E9.txt"])
def test_name_not_utf8__422_and_no_document_named_with_a_replacement_character(
    writer: TestClient, name: str
) -> None:
    for method in ("PUT", "DELETE"):
        r = writer.request(
            method,
            f"/v1/documents/{name}",
            content=ARTICLE.encode(),
            headers={"Content-Type": "text/plain", **AUTH},
        )
        assert (r.status_code, r.json()) == (
            422,
            {"detail": "invalid document name: it is not UTF-8 (percent-encode the name's UTF-8 bytes)"},
        )
    names = [d["name"] for d in writer.get("/v1/sources", headers=AUTH).json()["sources"]]
    assert not any("\ufffd" in n for n in names)


def test_name_in_utf8__percent_encoded_is_stored_under_its_characters(writer: TestClient) -> None:
    r = writer.put(
        "/v1/documents/caf%C3%A9.txt",
        content=ARTICLE.encode(),
        headers={"Content-Type": "text/plain", **AUTH},
    )
    assert r.status_code == 200 and r.json()["name"] == "café.txt"
