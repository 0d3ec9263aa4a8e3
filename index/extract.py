"""Extract: a file's bytes and format -> the text footnote stores, and what the format says about it.

The returned text is the document's *stored text*: what every citation's offsets point into,
stored once at ingest and never extracted again. For plain text and Markdown it is the file
itself (UTF-8, a leading byte order mark dropped, no newline translation); for HTML, PDF and
DOCX it is the extracted text, one paragraph per blank-line-separated block.

The libraries are imported when a file of their format is read, not at import time.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from typing import Literal

from footnote.index.errors import UnreadableDocument, UnsupportedFormat

__all__ = [
    "CONTENT_TYPES",
    "SUFFIXES",
    "Extracted",
    "Kind",
    "extract",
    "kind_of_content_type",
    "kind_of_suffix",
]

Kind = Literal["text", "html", "pdf", "docx"]

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES: dict[str, Kind] = {
    "text/plain": "text",
    "text/markdown": "text",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    DOCX_TYPE: "docx",
}
SUFFIXES: dict[str, Kind] = {
    ".txt": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
_ADVERTISED = "text/plain, text/markdown, text/html, application/pdf or " + DOCX_TYPE
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})(\d{2})")


@dataclass(frozen=True, slots=True)
class Extracted:
    """The stored text, and the title / author / date the format's metadata gives (None: unknown)."""

    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None  # YYYY-MM-DD


def kind_of_content_type(content_type: str) -> Kind:
    """The format of a `Content-Type` header (parameters ignored); UnsupportedFormat otherwise."""
    message = Message()
    message["content-type"] = content_type
    kind = CONTENT_TYPES.get(message.get_content_type()) if content_type else None
    if kind is None:
        shown = repr(content_type) if content_type else "none"
        raise UnsupportedFormat(f"unsupported Content-Type {shown}: send {_ADVERTISED}")
    return kind


def kind_of_suffix(suffix: str) -> Kind | None:
    """The format of a file name's suffix (`.PDF` too); None for one footnote does not read."""
    return SUFFIXES.get(suffix.lower())


def extract(raw: bytes, kind: Kind) -> Extracted:
    """The stored text and metadata of a file; UnreadableDocument (with the reason) when it has none."""
    if not raw.strip():
        raise UnreadableDocument("empty file")
    extracted = {"text": _text, "html": _html, "pdf": _pdf, "docx": _docx}[kind](raw)
    if not extracted.text.strip():
        raise UnreadableDocument("empty file")
    return extracted


def _text(raw: bytes) -> Extracted:
    if b"\x00" in raw:
        raise UnreadableDocument("binary file (it holds NUL bytes)")
    try:
        # "utf-8-sig" drops a leading BOM, which would otherwise open the title and hide the date
        return Extracted(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(f"not UTF-8 (byte {exc.start})") from exc


def _paragraphs(lines: list[str]) -> str:
    """One block per non-empty line, separated by a blank line: the paragraphs the chunker sees."""
    return "\n\n".join(line.strip() for line in lines if line.strip())


def _html(raw: bytes) -> Extracted:
    import trafilatura

    # main content only: navigation, scripts, styles, cookie and newsletter banners are left out
    found = trafilatura.bare_extraction(raw, with_metadata=True, include_comments=False, include_tables=True)
    if found is None or isinstance(found, dict) or not (found.text or "").strip():
        raise UnreadableDocument("the HTML page has no main content")
    return Extracted(_paragraphs(str(found.text).splitlines()), found.title, found.author, found.date)


def _pdf(raw: bytes) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        # an owner password alone (printing or copying restricted) still opens with the empty one
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument("the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
    except UnreadableDocument:
        raise
    except (PdfReadError, ValueError, OSError, NotImplementedError) as exc:
        if "encrypt" in str(exc).lower() or "decrypt" in str(exc).lower():
            raise UnreadableDocument("the PDF is encrypted") from exc
        raise UnreadableDocument("the PDF cannot be parsed") from exc
    text = _paragraphs("\n".join(pages).split("\n\n")) if any(p.strip() for p in pages) else ""
    if not text:
        raise UnreadableDocument("the PDF has no text layer (a scan? run OCR first)")
    title = author = published = None
    if info is not None:
        title, author = (info.title or None), (info.author or None)
        m = _PDF_DATE.match(str(info.get("/CreationDate", "")))
        published = _iso(int(m[1]), int(m[2]), int(m[3])) if m else None
    return Extracted(text, title, author, published)


def _docx(raw: bytes) -> Extracted:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(raw))
    except (PackageNotFoundError, zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
        raise UnreadableDocument("the DOCX file cannot be parsed") from exc
    props = document.core_properties
    # `created` is left out: it is often the template's date, not the article's
    return Extracted(
        _paragraphs([p.text for p in document.paragraphs]), props.title or None, props.author or None
    )


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return datetime(year, month, day).date().isoformat()
    except ValueError:
        return None
