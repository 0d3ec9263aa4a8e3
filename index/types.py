"""The small records that pass between stages, defined once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from footnote.index.errors import InvalidFilter

__all__ = ["Chunk", "Document", "Filters", "Hit", "Span"]


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
    # the sentence's neighbourhood (same paragraph), as cosines to the question: the sentence
    # before, the one after, and the three together ("It was completed in 1987" follows the dam)
    dense_previous: float | None = None
    dense_next: float | None = None
    dense_window: float | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrict an answer to some sources and/or a publication-date range (inclusive).

    The one rule, `admits`, decides per document; retrieval turns it into the set of admitted
    sources for both of its searches, so the dense and the lexical side cannot disagree.
    """

    sources: tuple[str, ...] | None = None
    published_after: date | None = None
    published_before: date | None = None

    def __post_init__(self) -> None:
        after, before = self.published_after, self.published_before
        if after and before and after > before:
            raise InvalidFilter("published_after must not be later than published_before")

    @property
    def restricts(self) -> bool:
        """Whether any document could be left out."""
        return self.sources is not None or bool(self.published_after or self.published_before)

    def admits(self, source: str, published: str | None) -> bool:
        """Whether a document with this name and publication date (ISO, or None) may be used."""
        if self.sources is not None and source not in self.sources:
            return False
        if not (self.published_after or self.published_before):
            return True
        if published is None:  # an undated article is neither "after" nor "before" anything
            return False
        day = date.fromisoformat(published)
        after, before = self.published_after, self.published_before
        return (after is None or day >= after) and (before is None or day <= before)
