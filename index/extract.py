"""Extract: a file's bytes and format -> the text footnote stores, and what the format says about it.

The returned text is the document's *stored text*: what every citation's offsets point into,
stored once at ingest and never extracted again. For plain text and Markdown it is the file
itself (UTF-8, a leading byte order mark dropped, no newline translation); for HTML, PDF and
DOCX it is the extracted text, one paragraph per blank-line-separated block.

The libraries are imported when a file of their format is read, not at import time.

Extraction is bounded in memory and time whatever the file says of itself (DocumentTooLarge,
naming the limit): a DOCX is a zip whose parts may unpack to gigabytes from a 2 MB upload (lxml
then held 4.4 GB for one), so its members' declared sizes are added up before any is unpacked —
Python's zipfile never unpacks a member past its declared size (it fails its CRC check instead);
a PDF is read for at most MAX_PAGES pages, each stream within pypdf's own output limits; and no
format yields more than MAX_TEXT_CHARS of text.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from typing import Literal

from footnote.index.errors import DocumentTooLarge, UnreadableDocument, UnsupportedFormat

__all__ = [
    "CONTENT_TYPES",
    "MAX_PAGES",
    "MAX_TEXT_CHARS",
    "MAX_UNPACKED_BYTES",
    "MAX_XML_BYTES",
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

MAX_TEXT_CHARS = 5_000_000  # a document's stored text: about 2,500 pages of prose
MAX_PAGES = 2_000  # pages of a PDF
MAX_UNPACKED_BYTES = 100_000_000  # a DOCX's parts unpacked, all together (pictures included)
MAX_XML_BYTES = 32_000_000  # a DOCX's other parts unpacked, all together (lxml holds several times that)
_PICTURES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".webp")


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
    _bounded_text(len(extracted.text))
    if not extracted.text.strip():
        raise UnreadableDocument("empty file")
    return extracted


def _bounded_text(chars: int) -> None:
    if chars > MAX_TEXT_CHARS:
        raise DocumentTooLarge(f"its text is over the limit of {MAX_TEXT_CHARS:,} characters")


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
    from pypdf.errors import LimitReachedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(raw))
        # an owner password alone (printing or copying restricted) still opens with the empty one
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument("the PDF is encrypted")
        if len(reader.pages) > MAX_PAGES:
            raise DocumentTooLarge(
                f"the PDF has {len(reader.pages):,} pages, over the limit of {MAX_PAGES:,}"
            )
        pages, chars = [], 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            chars += len(pages[-1])
            _bounded_text(chars)  # before the next page, not after the last
        info = reader.metadata
    except UnreadableDocument:
        raise
    except LimitReachedError as exc:  # a stream that unpacks past pypdf's own output limits
        raise DocumentTooLarge("a part of the PDF unpacks past the limit of its reader") from exc
    except (PyPdfError, ValueError, OSError, NotImplementedError, RecursionError) as exc:
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


def _unpacked(raw: bytes) -> None:
    """DocumentTooLarge when the zip's members would unpack past the limits (by their declared
    sizes, which zipfile holds every member to); UnreadableDocument when it is no zip."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableDocument("the DOCX file cannot be parsed") from exc
    unpacked = sum(m.file_size for m in members)
    # counted as XML unless it is a picture: python-docx parses a part by its declared content
    # type, which a crafted file may give a member of any name
    xml = sum(m.file_size for m in members if not m.filename.lower().endswith(_PICTURES))
    if unpacked > MAX_UNPACKED_BYTES:
        raise DocumentTooLarge(f"the DOCX unpacks to over the limit of {MAX_UNPACKED_BYTES:,} bytes")
    if xml > MAX_XML_BYTES:
        raise DocumentTooLarge(f"the DOCX's XML unpacks to over the limit of {MAX_XML_BYTES:,} bytes")


def _docx(raw: bytes) -> Extracted:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import LxmlError

    _unpacked(raw)
    try:
        document = docx.Document(io.BytesIO(raw))
    except (PackageNotFoundError, zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
        raise UnreadableDocument("the DOCX file cannot be parsed") from exc
    except LxmlError as exc:  # malformed XML in a part (lxml's message names the line)
        raise UnreadableDocument("the DOCX file holds malformed XML") from exc
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
