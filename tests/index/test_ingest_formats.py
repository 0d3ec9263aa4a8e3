"""`footnote ingest DIR` reads HTML, PDF and DOCX by suffix, storing the extracted text once."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from footnote.index.ingest import ingest_folder
from footnote.index.store import Store
from tests.conftest import FakeEmbedder
from tests.docfiles import docx_bytes, pdf_bytes
from tests.service.api.test_documents_formats import HTML, SENTENCES


def test_ingest_folder__reads_each_format_by_suffix_with_exact_spans_into_the_stored_text(
    tmp_path: Path, store: Store, fake_embedder: FakeEmbedder
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "ferry.HTML").write_bytes(HTML)
    (folder / "ferry.pdf").write_bytes(pdf_bytes(SENTENCES, title="Harbour ferry returns"))
    (folder / "ferry.docx").write_bytes(docx_bytes(SENTENCES, title="Harbour ferry returns"))
    report = ingest_folder(folder, store, fake_embedder)
    assert report.files == 3
    texts = store.texts()
    assert set(texts) == {"ferry.HTML", "ferry.pdf", "ferry.docx"}
    assert "cookies" not in texts["ferry.HTML"] and SENTENCES[1] in texts["ferry.HTML"]
    chunks = store.all_chunks()
    assert {c.source for c in chunks} == set(texts)
    for c in chunks:
        assert texts[c.source][c.start : c.end] == c.text
    assert {d.title for d in store.documents().values()} == {"Harbour ferry returns"}
    again = ingest_folder(folder, store, fake_embedder)
    assert (again.embedded, again.stored, again.unchanged) == (0, 0, len(chunks))


def test_ingest_folder__skips_an_unreadable_pdf_naming_the_reason(
    tmp_path: Path, store: Store, fake_embedder: FakeEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(pdf_bytes([]))
    (folder / "ferry.docx").write_bytes(docx_bytes(SENTENCES))
    with caplog.at_level(logging.WARNING):
        ingest_folder(folder, store, fake_embedder)
    assert "skipped scan.pdf: the PDF has no text layer (a scan? run OCR first)" in caplog.messages
    assert set(store.texts()) == {"ferry.docx"}
