"""Snapshot: one immutable view of the corpus — documents, texts, live chunks, term statistics.

Loaded once from the store (the single source of truth) and used whole: a request reads one
snapshot from start to end, and a newer one can replace it without anyone seeing a mix.
Only chunks whose document the manifest calls live are in it (see index/store.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from footnote.index.errors import IndexNotReady, UnknownSource
from footnote.index.store import Store, StoredDocument
from footnote.index.tokenize import tokenize
from footnote.index.types import Chunk, Filters, Hit

__all__ = ["Snapshot", "load_snapshot"]


def _date_words(published: str | None) -> str:
    if not published:
        return ""
    d = date.fromisoformat(published)
    return f"{d.strftime('%B')} {d.year}"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The indexed corpus at one moment; build it with `load_snapshot`."""

    documents: Mapping[str, StoredDocument]
    texts: Mapping[str, str]  # source -> stored text: what citation offsets point into
    chunks: Sequence[Chunk]  # live chunks, by source then position
    bm25: Any  # bm25s.BM25 over the chunks' tokens
    vocabulary: frozenset[str]  # every stem of the chunks, titles and dates
    _row: Mapping[str, int]
    _sources: np.ndarray
    _idf: Mapping[str, float]
    _about: Mapping[str, frozenset[str]]

    def about(self, source: str) -> frozenset[str]:
        """The stems of an article's title and publication date."""
        return self._about.get(source, frozenset())

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stem over the live chunks (0 when it never occurs)."""
        return self._idf.get(term, 0.0)

    def previous(self, chunk: Chunk) -> Chunk | None:
        """The sentence before `chunk` in the same paragraph, if any."""
        i = self._row[chunk.id]
        prev = self.chunks[i - 1] if i > 0 else None
        return prev if prev and prev.source == chunk.source and prev.paragraph == chunk.paragraph else None

    def holds(self, chunk_id: str) -> bool:
        """Whether the chunk is live in this snapshot."""
        return chunk_id in self._row

    def admitted(self, filters: Filters) -> frozenset[str] | None:
        """The sources `filters` admit (None: all); UnknownSource for a name not indexed."""
        for name in filters.sources or ():
            if name not in self.documents:
                raise UnknownSource(name)
        if not filters.restricts:
            return None
        return frozenset(s for s, d in self.documents.items() if filters.admits(s, d.published))

    def lexical(
        self, terms: list[str], admitted: frozenset[str] | None, depth: int
    ) -> list[tuple[Chunk, float]]:
        """The best `depth` admitted chunks by BM25 for these stems, best first."""
        terms = [t for t in terms if t in self.bm25.vocab_dict]
        if not terms:
            return []
        scores = self.bm25.get_scores(terms)
        if admitted is not None:
            scores = scores * np.isin(self._sources, list(admitted))
        top = np.argsort(-scores)[:depth]
        return [(self.chunks[int(i)], float(scores[i])) for i in top if scores[i] > 0]

    def hit(self, chunk: Chunk) -> Hit:
        """A Hit for a chunk, with its document's title and date."""
        doc = self.documents[chunk.source]
        return Hit(chunk=chunk, title=doc.title, published=doc.published)


def load_snapshot(store: Store) -> Snapshot:
    """Read the live corpus from the store and build its term statistics (the costly part)."""
    import bm25s

    documents = store.documents()
    live = {s: d.sha256 for s, d in documents.items()}
    chunks = sorted(
        (c for c in store.all_chunks() if live.get(c.source) == c.doc_sha256),
        key=lambda c: (c.source, c.position),
    )
    if not chunks:
        raise IndexNotReady("the index is empty: run `footnote ingest` first")
    bm25 = bm25s.BM25()  # Lucene's BM25 and IDF
    bm25.index([tokenize(c.text) for c in chunks], show_progress=False)
    # A stem's document frequency is the number of chunks its column of the BM25 index scores
    # (bm25s keeps no IDF table of its own); the IDF is then Lucene's, as bm25s scores with.
    df = np.diff(bm25.scores["indptr"])
    n = len(chunks)
    idf = {t: float(np.log(1 + (n - df[i] + 0.5) / (df[i] + 0.5))) for t, i in bm25.vocab_dict.items() if t}
    about = {
        s: frozenset(tokenize(f"{d.title or ''} {_date_words(d.published)}")) for s, d in documents.items()
    }
    return Snapshot(
        documents=documents,
        texts=store.texts(list(documents)),
        chunks=tuple(chunks),
        bm25=bm25,
        vocabulary=frozenset(idf).union(*about.values()),
        _row={c.id: i for i, c in enumerate(chunks)},
        _sources=np.array([c.source for c in chunks]),
        _idf=idf,
        _about=about,
    )
