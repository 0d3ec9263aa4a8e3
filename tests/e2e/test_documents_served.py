"""Documents through a real `footnote ingest` (HTML by suffix) and a real `footnote serve` (PUT/DELETE)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, SEEDS
from tests.docfiles import docx_bytes, pdf_bytes
from tests.servers import footnote, footnote_serve

pytestmark = pytest.mark.slow

KEY = "e2e-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
HTML = b"""<html><head><title>Zanzibar approves a ferry terminal</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<div class="cookie-consent">This site uses cookies. Accept all cookies to continue.</div>
<article><h1>Zanzibar approves a ferry terminal</h1>
<p>Zanzibar's harbour board approved a new ferry terminal costing 41 million shillings in 2024.</p>
<p>Construction is to start in the dry season.</p></article>
<footer>Subscribe to our newsletter.</footer></body></html>"""
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _ask(api: str, question: str) -> dict[str, object]:
    r = httpx.post(f"{api}/v1/ask", json={"question": question}, headers=AUTH, timeout=60)
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def _spans_hold(api: str, answer: dict[str, object], name: str) -> None:
    stored = httpx.get(f"{api}/v1/sources/{name}", headers=AUTH, timeout=10).json()["text"]
    cited = [c for c in answer["citations"] if c["source"] == name]  # type: ignore[attr-defined]
    assert cited, answer
    for c in cited:
        assert stored[c["start"] : c["end"]] == c["quote"]


def test_served__an_ingested_html_file_and_a_put_docx_are_answered_and_a_delete_is_gone(
    tmp_path: Path, model_cache: Path
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "zanzibar.html").write_bytes(HTML)
    env = {
        **os.environ,
        "FOOTNOTE_DATA_DIR": str(tmp_path / "data"),
        "FOOTNOTE_MODEL_DIR": str(model_cache),
        "FOOTNOTE_API_KEY": KEY,
    }
    done = footnote(env, "ingest", str(corpus))
    assert done.returncode == 0, done.stderr
    with footnote_serve(env, cwd=ROOT) as api:
        answer = _ask(api, "How much did the Zanzibar ferry terminal cost?")
        assert "41 million" in str(answer["answer"])
        _spans_hold(api, answer, "zanzibar.html")

        docx = docx_bytes(
            ["Mombasa opened a fish market that cost 7 million shillings in March.", "Traders welcomed it."],
            title="Mombasa opens a fish market",
        )
        r = httpx.put(
            f"{api}/v1/documents/mombasa.docx",
            content=docx,
            headers={"Content-Type": DOCX, **AUTH},
            timeout=60,
        )
        assert r.status_code == 200, r.text
        answer = _ask(api, "How much did the Mombasa fish market cost?")
        assert "7 million" in str(answer["answer"])
        _spans_hold(api, answer, "mombasa.docx")

        assert httpx.delete(f"{api}/v1/documents/mombasa.docx", headers=AUTH, timeout=60).status_code == 200
        answer = _ask(api, "How much did the Mombasa fish market cost?")
        assert "7 million" not in str(answer["answer"])


NOTHING_INDEXED = "no documents are indexed yet: add one with PUT /v1/documents/{name} or `footnote ingest`"
FERRY = (
    "# Harbour ferry returns\n\n2024-05-03\n\n"
    "The harbour ferry service resumed on Monday after a winter of repairs. "
    "The council paid 4.2 million euros for a new engine and hull work.\n"
)


def test_served__a_new_empty_deployment_takes_its_first_document_by_put_and_answers_from_it(
    tmp_path: Path, model_cache: Path
) -> None:
    env = {
        **os.environ,
        "FOOTNOTE_DATA_DIR": str(tmp_path / "data"),  # nothing was ever ingested here
        "FOOTNOTE_MODEL_DIR": str(model_cache),
        "FOOTNOTE_API_KEY": KEY,
    }
    with footnote_serve(env, cwd=ROOT) as api:  # ready: an empty corpus is a valid state
        ready = httpx.get(f"{api}/readyz", timeout=10)
        assert (ready.status_code, ready.json()["detail"]) == (200, NOTHING_INDEXED)
        before = _ask(api, "How much did the council pay for the ferry engine?")
        assert (before["abstained"], before["reason"]) == (True, NOTHING_INDEXED)

        r = httpx.put(
            f"{api}/v1/documents/ferry.md",
            content=FERRY.encode(),
            headers={"Content-Type": "text/markdown", **AUTH},
            timeout=60,
        )
        assert r.status_code == 200, r.text
        assert r.json()["chunks"] == 2 and r.json()["unchanged"] is False
        answer = _ask(api, "How much did the council pay for the ferry engine?")
        assert "4.2 million euros" in str(answer["answer"])
        _spans_hold(api, answer, "ferry.md")
        assert "detail" not in httpx.get(f"{api}/readyz", timeout=10).json()  # indexed now


def test_served__a_browser_form_stores_each_file_and_one_bad_file_stores_none(
    tmp_path: Path, model_cache: Path
) -> None:
    env = {
        **os.environ,
        "FOOTNOTE_DATA_DIR": str(tmp_path / "data"),
        "FOOTNOTE_MODEL_DIR": str(model_cache),
        "FOOTNOTE_API_KEY": KEY,
    }
    pdf = pdf_bytes(
        ["Mombasa opened a fish market that cost 7 million shillings in March.", "Traders welcomed it."],
        title="Mombasa opens a fish market",
    )
    ferry = ("ferry.md", FERRY.encode(), "application/octet-stream")  # as a browser labels a .md file
    with footnote_serve(env, cwd=ROOT) as api:
        bad = [("file", ferry), ("file", ("scan.pdf", pdf_bytes([]), "application/pdf"))]
        r = httpx.post(f"{api}/v1/documents", files=bad, headers=AUTH, timeout=60)
        assert (r.status_code, r.json()) == (
            422,
            {
                "detail": "file 2 ('scan.pdf'): cannot read the document: the PDF has no text layer "
                "(a scan? run OCR first)"
            },
        )
        assert httpx.get(f"{api}/v1/sources", headers=AUTH, timeout=10).json() == {"sources": []}

        files = [("file", ferry), ("file", ("mombasa.pdf", pdf, "application/pdf"))]
        r = httpx.post(f"{api}/v1/documents", files=files, headers=AUTH, timeout=60)
        assert r.status_code == 200, r.text
        assert [d["name"] for d in r.json()["documents"]] == ["ferry.md", "mombasa.pdf"]
        answer = _ask(api, "How much did the Mombasa fish market cost?")
        assert "7 million shillings" in str(answer["answer"])
        _spans_hold(api, answer, "mombasa.pdf")
        answer = _ask(api, "How much did the council pay for the ferry engine?")
        assert "4.2 million euros" in str(answer["answer"])
        _spans_hold(api, answer, "ferry.md")
