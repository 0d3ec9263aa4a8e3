"""Catalogue: a snapshot's documents — their records, stored texts, title words — and which of
them a request's filters admit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from footnote.index.errors import UnknownSource
from footnote.index.records import StoredDocument
from footnote.index.tokenize import tokenize
from footnote.index.types import Chunk, Filters, Hit

__all__ = ["Catalogue"]


def _date_words(published: str | None) -> str:
    if not published:
        return ""
    d = date.fromisoformat(published)
    return f"{d.strftime('%B')} {d.year}"


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The live documents at one moment, by name."""

    documents: Mapping[str, StoredDocument]
    texts: Mapping[str, str]  # source -> stored text: what citation offsets point into
    _about: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, documents: Mapping[str, StoredDocument], texts: Mapping[str, str]) -> Catalogue:
        """The catalogue of `documents`, with the stems of each one's title and date."""
        about = {
            s: frozenset(tokenize(f"{d.title or ''} {_date_words(d.published)}"))
            for s, d in documents.items()
        }
        return cls(documents, texts, about)

    @property
    def title_stems(self) -> frozenset[str]:
        """Every stem of the titles and dates."""
        return frozenset().union(*self._about.values())

    def about(self, source: str) -> frozenset[str]:
        """The stems of an article's title and publication date."""
        return self._about.get(source, frozenset())

    def admitted(self, filters: Filters) -> frozenset[str] | None:
        """The sources `filters` admit (None: all); UnknownSource for a name not indexed."""
        for name in filters.sources or ():
            if name not in self.documents:
                raise UnknownSource(name)
        if not filters.restricts:
            return None
        return frozenset(s for s, d in self.documents.items() if filters.admits(s, d.published))

    def hit(self, chunk: Chunk) -> Hit:
        """A Hit for a chunk, with its document's title and date."""
        doc = self.documents[chunk.source]
        return Hit(chunk=chunk, title=doc.title, published=doc.published)
