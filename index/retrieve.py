"""Retrieve: find the chunks that best match a question, dense (Chroma) + lexical (BM25), fused.

The BM25 index is built at start-up from what Chroma holds, keeping only chunks that the
manifest calls live, so a Chroma server stays the single source of truth and replicas
carry no state of their own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from index.embed import Embedder
from index.errors import IndexNotReady, InvalidFilter, StoreUnavailable, UnknownSource
from index.store import Store, StoredDocument, published_ordinal
from index.tokenize import tokenize
from index.types import Chunk, Hit

__all__ = ["Filters", "Retriever"]

log = logging.getLogger(__name__)

RRF_K = 60  # the constant of reciprocal-rank fusion (Cormack et al. 2009)


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrict retrieval to some sources and/or a publication-date range (inclusive)."""

    sources: tuple[str, ...] | None = None
    published_after: date | None = None
    published_before: date | None = None

    def chroma_where(self) -> dict[str, Any] | None:
        """The same restriction as a Chroma `where` clause."""
        clauses: list[dict[str, Any]] = []
        if self.sources is not None:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.published_after:
            clauses.append({"published_ord": {"$gte": published_ordinal(self.published_after.isoformat())}})
        if self.published_before:
            clauses.append({"published_ord": {"$lte": published_ordinal(self.published_before.isoformat())}})
            clauses.append({"published_ord": {"$gt": 0}})  # an undated article is not "before" anything
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _date_words(published: str | None) -> str:
    if not published:
        return ""
    d = date.fromisoformat(published)
    return f"{d.strftime('%B')} {d.year}"


class Retriever:
    """Hybrid search over the live chunks of a Store."""

    def __init__(self, store: Store, embedder: Embedder) -> None:
        import bm25s

        self.store = store
        self.embedder = embedder
        self.documents: dict[str, StoredDocument] = store.documents()
        live = {s: d.sha256 for s, d in self.documents.items()}
        self.chunks: list[Chunk] = sorted(
            (c for c in store.all_chunks() if live.get(c.source) == c.doc_sha256),
            key=lambda c: (c.source, c.position),
        )
        if not self.chunks:
            raise IndexNotReady("the index is empty: run `footnote ingest` first")
        self._row = {c.id: i for i, c in enumerate(self.chunks)}
        self._sources = np.array([c.source for c in self.chunks])
        self._published = np.array(
            [published_ordinal(self.documents[c.source].published) for c in self.chunks]
        )
        tokens = [tokenize(c.text) for c in self.chunks]
        self.bm25 = bm25s.BM25()
        self.bm25.index(tokens, show_progress=False)
        self.df: dict[str, int] = {}
        for toks in tokens:
            for t in set(toks):
                self.df[t] = self.df.get(t, 0) + 1
        # what each article says about itself outside its sentences: title and date
        self._about: dict[str, set[str]] = {
            s: set(tokenize(f"{d.title or ''} {_date_words(d.published)}")) for s, d in self.documents.items()
        }
        self.vocabulary = set(self.df).union(*self._about.values())

    def about(self, source: str) -> set[str]:
        """The stems of an article's title and publication date."""
        return self._about.get(source, set())

    def previous(self, chunk: Chunk) -> Chunk | None:
        """The sentence before `chunk` in the same paragraph, if any."""
        i = self._row[chunk.id]
        prev = self.chunks[i - 1] if i > 0 else None
        return prev if prev and prev.source == chunk.source and prev.paragraph == chunk.paragraph else None

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stem over the live chunks (0 when it never occurs)."""
        n = self.df.get(term, 0)
        return float(np.log(1 + (len(self.chunks) - n + 0.5) / (n + 0.5))) if n else 0.0

    def _check(self, filters: Filters) -> None:
        for name in filters.sources or ():
            if name not in self.documents:
                raise UnknownSource(name)
        if (
            filters.published_after
            and filters.published_before
            and filters.published_after > filters.published_before
        ):
            raise InvalidFilter("published_after must not be later than published_before")

    def _mask(self, filters: Filters) -> np.ndarray:
        mask = np.ones(len(self.chunks), dtype=bool)
        if filters.sources is not None:
            mask &= np.isin(self._sources, list(filters.sources))
        if filters.published_after:
            mask &= self._published >= published_ordinal(filters.published_after.isoformat())
        if filters.published_before:
            mask &= (self._published > 0) & (
                self._published <= published_ordinal(filters.published_before.isoformat())
            )
        return mask

    def search(
        self, question: str, k: int = 20, filters: Filters | None = None
    ) -> tuple[np.ndarray, list[Hit]]:
        """The question's vector and its top `k` hits, best first, each with dense and lexical evidence."""
        filters = filters or Filters()
        self._check(filters)
        qvec = self.embedder.embed_batch([question])[0]
        depth = max(k, 50)
        mask = self._mask(filters)
        # dense: Chroma's nearest neighbours, keeping live chunks that pass the filters
        dense = [
            (c, cos)
            for c, cos in self._dense(qvec, depth, filters)
            if c.id in self._row and mask[self._row[c.id]]
        ]
        # lexical: score every live chunk, then keep the best allowed ones
        terms = [t for t in tokenize(question) if t in self.bm25.vocab_dict]
        lexical: list[tuple[int, float]] = []
        if terms:
            scores = self.bm25.get_scores(terms) * mask
            top = np.argsort(-scores)[:depth]
            lexical = [(int(i), float(scores[i])) for i in top if scores[i] > 0]

        hits: dict[str, Hit] = {}
        for rank, (chunk, cos) in enumerate(dense[:depth]):
            hit = hits.setdefault(chunk.id, self._hit(chunk))
            hit.dense = cos
            hit.fused += 1.0 / (RRF_K + rank + 1)
        for rank, (row, score) in enumerate(lexical):
            chunk = self.chunks[row]
            hit = hits.setdefault(chunk.id, self._hit(chunk))
            hit.lexical = score
            hit.fused += 1.0 / (RRF_K + rank + 1)
        ranked = sorted(hits.values(), key=lambda h: -h.fused)[:k]
        missing = [h.chunk.id for h in ranked if h.dense is None]
        for cid, vec in self.store.vectors(missing).items():
            hits[cid].dense = float(vec @ qvec)
        return qvec, ranked

    def _dense(self, qvec: np.ndarray, depth: int, filters: Filters) -> list[tuple[Chunk, float]]:
        # Ask for a little more than needed: stale records of a killed ingest may be among them.
        where = filters.chroma_where()
        try:
            return self.store.query(qvec, depth + 10, where)
        except StoreUnavailable:
            if where is None:
                raise
        # Chroma's metadata-filtered HNSW search can fail with "Error finding id" when its
        # segments disagree (e.g. after a killed writer); search wider and filter here instead.
        # Should the store itself be failing, this search fails too, and so does the question.
        log.warning("filtered dense search failed; filtering after an unfiltered search")
        return self.store.query(qvec, 4 * depth + 10, None)

    def _hit(self, chunk: Chunk) -> Hit:
        doc = self.documents[chunk.source]
        return Hit(chunk=chunk, title=doc.title, published=doc.published)
