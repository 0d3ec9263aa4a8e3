"""The small records that pass between stages, defined once."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Chunk", "Document", "Hit", "Span"]


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range [start, end) into a document's original text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Document:
    """One source file: its exact text (decoded UTF-8) and what we could read about it."""

    source: str
    text: str
    sha256: str
    title: str | None = None
    author: str | None = None
    published: str | None = None  # ISO YYYY-MM-DD, or None when the file gives no date
    content: tuple[Span, ...] = field(default=())  # the spans that survive cleaning


@dataclass(frozen=True, slots=True)
class Chunk:
    """One retrievable unit: a sentence of a document, with its exact offsets."""

    id: str
    source: str
    start: int
    end: int
    text: str
    position: int  # the sentence's index within its document
    paragraph: int  # sentences of one paragraph share this number
    doc_sha256: str


@dataclass(slots=True)
class Hit:
    """A retrieved chunk with the evidence for it."""

    chunk: Chunk
    title: str | None
    published: str | None
    dense: float | None = None  # cosine similarity to the question, when known
    lexical: float | None = None  # BM25 score, when it matched
    fused: float = 0.0  # reciprocal-rank fusion of both rankings
