"""Load: read article files into Documents: their stored text, title, author and date.

The stored text of a file — what every citation's offsets point into — comes from
index/extract.py: for .txt/.md it is the bytes decoded as UTF-8 with a leading byte order mark
removed and no newline translation (a `\r\n` stays two characters, so
`open(path, encoding="utf-8-sig", newline="").read()` gives it back); for HTML, PDF and DOCX
it is the extracted text, stored once at ingest.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import date
from pathlib import Path

from footnote.index.clean import content_spans, without_links
from footnote.index.errors import CorpusError, UnreadableDocument
from footnote.index.extract import SUFFIXES, Kind, extract, kind_of_suffix
from footnote.index.text import BYLINE, DATE_CUE, MONTHS
from footnote.index.types import Document

__all__ = ["MAX_FILE_BYTES", "SUFFIXES", "load_document", "load_folder", "parse_date", "read_document"]

log = logging.getLogger(__name__)

# The seed articles are 4-9 kB and even a book-length feature stays under 1 MB, so a 20 MB
# file is a dump or a mistake; embedding it would hold the whole ingest up for many minutes.
MAX_FILE_BYTES = 20_000_000
_HEADER_LINES = 8  # publication metadata sits above the article body

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_WORD_DATE = re.compile(r"\b([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})\b")
_BULLET_NAME = re.compile(r"^\s*-\s+((?:[A-Z][\w'’.-]+\s?){2,4})$")
_HEADING = re.compile(r"^\s*#{1,2}\s+(.+?)\s*$")


def parse_date(text: str) -> str | None:
    """Return the first full calendar date in `text` as YYYY-MM-DD, or None."""
    found: list[tuple[int, date]] = []
    for m in _ISO_DATE.finditer(text):
        d = _safe_date(int(m[1]), int(m[2]), int(m[3]))
        if d:
            found.append((m.start(), d))
    for m in _WORD_DATE.finditer(text):
        month = MONTHS.get(m[1].lower())
        d = _safe_date(int(m[3]), month, int(m[2])) if month else None
        if d:
            found.append((m.start(), d))
    return min(found)[1].isoformat() if found else None


def _safe_date(year: int, month: int | None, day: int) -> date | None:
    try:
        return date(year, month or 0, day)
    except ValueError:
        return None


def _header(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip()][:_HEADER_LINES]


def _published(header: list[str]) -> str | None:
    # A date counts only on a short metadata line or after an explicit cue, so a date
    # mentioned in the first sentence of the story is never taken for the publication date.
    for line in header:
        words = len(without_links(line).split())
        if words <= 12 or DATE_CUE.match(line):
            found = parse_date(line)
            if found:
                return found
    return None


def _author(header: list[str]) -> str | None:
    for line in header:
        plain = without_links(line)
        m = BYLINE.match(plain)
        if m and len(m[1].split()) <= 6:
            return m[1].strip()
        m = _BULLET_NAME.match(plain)
        if m and not parse_date(plain):
            return m[1].strip()
    return None


def _title(header: list[str]) -> str | None:
    for line in header:
        m = _HEADING.match(line)
        if m:
            return m[1]
    for line in header:
        plain = without_links(line)
        if BYLINE.match(plain) or _BULLET_NAME.match(plain):
            continue
        if DATE_CUE.match(plain):
            plain = _ISO_DATE.sub("", DATE_CUE.sub("", plain, count=1), count=1)
        plain = plain.strip(" -#")
        if plain and not (parse_date(plain) and len(plain.split()) <= 5):
            return plain
    return None


def _size(n: int) -> str:
    """Decimal units with at most one decimal: 2_960 -> '3 kB', 25_300_000 -> '25.3 MB'."""
    for unit, scale in (("MB", 1_000_000), ("kB", 1_000)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"


def read_document(name: str, raw: bytes, kind: Kind) -> Document:
    """The Document of one file's bytes; UnreadableDocument (with the reason) when it holds no article.

    Title, author and date come from the format's metadata when it has them (HTML, PDF, DOCX),
    else from the text's first lines.
    """
    extracted = extract(raw, kind)
    text = extracted.text
    header = _header(text)
    title = extracted.title or _title(header)
    spans = content_spans(text, title)
    if not spans:
        raise UnreadableDocument("no article text left after cleaning")
    return Document(
        source=name,
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        title=title,
        author=extracted.author or _author(header),
        published=extracted.published or _published(header),
        content=tuple(spans),
    )


def load_document(path: Path, max_file_bytes: int = MAX_FILE_BYTES) -> Document | None:
    """Read one file; None (with a warning naming it) when it is too big, of another format or unreadable."""
    size = path.stat().st_size
    if size > max_file_bytes:  # decided before reading, so a huge file never reaches memory
        log.warning(
            "skipped %s: %s is over the %s limit per file", path.name, _size(size), _size(max_file_bytes)
        )
        return None
    kind = kind_of_suffix(path.suffix)
    if kind is None:
        log.warning("skipped %s: not one of %s", path.name, ", ".join(SUFFIXES))
        return None
    try:
        return read_document(path.name, path.read_bytes(), kind)
    except UnreadableDocument as exc:
        log.warning("skipped %s: %s", path.name, exc.reason)
        return None


def _admitted(path: Path, root: Path) -> bool:
    """Whether `path` is an article file of the folder `root`, warning about what is left out."""
    if path.is_symlink():
        try:
            target = path.resolve()
        except (OSError, RuntimeError):  # a loop of links (RuntimeError before Python 3.13)
            log.warning("skipped %s: a broken link", path.name)
            return False
        # A link resolving inside the folder is followed: it shows nothing the folder does not
        # already hold, and it lets an operator publish one file of a sub-folder by name
        # (latest.txt -> archive/2024-05.txt). A link out would serve whatever it points at.
        if not target.is_relative_to(root):
            log.warning("skipped %s: a link out of the folder", path.name)
            return False
    if path.is_dir():
        log.warning("ignored sub-folder %s/ (only the folder's own files are ingested)", path.name)
        return False
    if path.suffix.lower() not in SUFFIXES:
        return False
    if not path.is_file():
        log.warning("skipped %s: %s", path.name, "a broken link" if path.is_symlink() else "not a file")
        return False
    return True


def load_folder(folder: Path, max_file_bytes: int = MAX_FILE_BYTES) -> list[Document]:
    """Load every article file (.txt, .md, .html, .pdf, .docx) directly in `folder`.

    CorpusError when there is nothing to load.
    """
    if not folder.is_dir():
        raise CorpusError(f"corpus folder not found: {folder}")
    root = folder.resolve()
    paths = [p for p in sorted(folder.iterdir()) if _admitted(p, root)]
    if not paths:
        raise CorpusError(f"no article files ({', '.join(SUFFIXES)}) in {folder}")
    docs = [d for d in (load_document(p, max_file_bytes) for p in paths) if d is not None]
    if not docs:
        raise CorpusError(f"no readable article in {folder}: every file was skipped")
    return docs
