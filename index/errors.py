"""The errors footnote raises, in one place.

FootnoteError
├── CorpusError      — the folder to ingest is missing or holds no usable file (CLI: exit 2)
├── IndexNotReady    — the index is still loading (HTTP: 503)
├── StoreUnavailable — the vector store is down, frozen or damaged (HTTP: 503)
├── UnknownSource    — a source name that is not in the index (HTTP: 404)
├── InvalidFilter    — a filter that cannot be applied, e.g. an inverted date range (HTTP: 422)
├── UnsupportedFormat  — a document sent in a format footnote does not read (HTTP: 415)
├── UnreadableDocument — a document whose text cannot be read: empty, not UTF-8, no text layer,
│   │                    encrypted, no main content, malformed (HTTP: 422; `footnote ingest`: skipped)
│   └── DocumentTooLarge — one whose extraction would pass a limit: unpacked size, text size, pages
│                          (HTTP: 413; `footnote ingest`: skipped)
└── ModelFailed      — the language model is unreachable, too slow or talks nonsense (never leaves
                       the pipeline: the answer falls back to the extractive composer)

HTTP status codes are chosen at the edge (service/api/app.py), never here.
"""

from __future__ import annotations

__all__ = [
    "CorpusError",
    "DocumentTooLarge",
    "FootnoteError",
    "IndexNotReady",
    "InvalidFilter",
    "ModelFailed",
    "StoreUnavailable",
    "UnknownSource",
    "UnreadableDocument",
    "UnsupportedFormat",
]


class FootnoteError(Exception):
    """Base class: every error footnote raises on purpose."""


class CorpusError(FootnoteError):
    """Seen by whoever runs `footnote ingest` on a missing or empty folder."""


class IndexNotReady(FootnoteError):
    """Seen by API clients while the index is loading (an empty corpus is served, not refused)."""


class StoreUnavailable(FootnoteError):
    """Seen by API clients (and `footnote ingest`) while Chroma cannot answer: down, frozen, damaged.

    The message never carries Chroma's own error text or a path; the cause is logged instead.
    """

    def __init__(self, message: str = "the vector store is unavailable; retry shortly") -> None:
        super().__init__(message)


class UnknownSource(FootnoteError):
    """Seen by API clients that name a source file the index does not hold."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown source: {name!r}")
        self.name = name


class InvalidFilter(FootnoteError):
    """Seen by API clients whose filters cannot match anything by construction."""


class UnsupportedFormat(FootnoteError):
    """Seen by API clients that send a document as a Content-Type footnote does not read."""


class UnreadableDocument(FootnoteError):
    """Seen by API clients (and in `footnote ingest`'s warnings) when a document holds no readable text."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot read the document: {reason}")
        self.reason = reason


class DocumentTooLarge(UnreadableDocument):
    """Seen by API clients (and in `footnote ingest`'s warnings) when reading a document would pass
    one of extraction's limits (index/extract.py); the message names the limit."""


class ModelFailed(FootnoteError):
    """The pipeline answers extractively instead (service/answer/pipeline.py); /readyz shows its state."""
