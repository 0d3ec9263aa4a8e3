"""Snapshot: one immutable view of the corpus — documents, texts, live chunks, term statistics.

Loaded from the store (the single source of truth) and used whole: a request reads one
snapshot from start to end, and a newer one can replace it without anyone seeing a mix.
Only chunks whose document the manifest calls live are in it (see index/store.py).

A refresh is incremental: a document whose manifest sha256 (and chunk count) did not move is
taken over from the previous snapshot — its chunks, its stored text and its stems, kept as ids
into a term table — and only changed or added documents are read from the store. BM25 itself is
indexed afresh every time (bm25s has no incremental add, and every score depends on the corpus'
IDF and average length), but from those cached ids: tokenizing is what costs. Measured on 100k
synthetic sentences (as eval/scale.py writes) on this 2-core machine: tokenizing them 3.2–4.1 s,
bm25s indexing from strings 1.8–2.5 s, from ids 1.3 s. A first load reads everything: at 1M
chunks in a `chroma run` server, 138 s, most of it Chroma serving the reads (README "Benchmark").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from footnote.index.errors import IndexNotReady, UnknownSource
from footnote.index.store import Store, StoredDocument
from footnote.index.tokenize import tokenize
from footnote.index.types import Chunk, Filters, Hit

__all__ = ["Snapshot", "load_snapshot"]

# A refresh starts afresh, reusing nothing, when the changed documents hold more than this share
# of the chunks (a corpus replaced wholesale: little to reuse), or when the term table holds more
# than twice the stems still in use (words of removed documents), so that it never only grows.
_FULL_SHARE = 0.5
_SPARE_TERMS = 10_000
_GROUP = 5000  # chunks per read: Chroma's cap on one get is a little more (see index/store.py)


def _date_words(published: str | None) -> str:
    if not published:
        return ""
    d = date.fromisoformat(published)
    return f"{d.strftime('%B')} {d.year}"


@dataclass(frozen=True, slots=True)
class _Part:
    """One live document's share of a snapshot, reusable while its manifest record stays."""

    sha256: str
    text: str  # the stored text
    chunks: tuple[Chunk, ...]  # by position
    terms: tuple[list[int], ...]  # each chunk's stems, as ids into the snapshot's term table


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The indexed corpus at one moment; build it with `load_snapshot`."""

    documents: Mapping[str, StoredDocument]
    texts: Mapping[str, str]  # source -> stored text: what citation offsets point into
    chunks: Sequence[Chunk]  # live chunks, by source then position
    bm25: Any  # bm25s.BM25 over the chunks' tokens
    vocabulary: frozenset[str]  # every stem of the chunks, titles and dates
    _row: Mapping[str, int]
    _spans: Mapping[str, tuple[int, int]]  # source -> its rows [lo, hi) in `chunks`
    _idf: Mapping[str, float]
    _about: Mapping[str, frozenset[str]]
    _parts: Mapping[str, _Part]
    _terms: Mapping[str, int]  # stem -> id; only grows, never changed once a snapshot holds it

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

    def following(self, chunk: Chunk) -> Chunk | None:
        """The sentence after `chunk` in the same paragraph, if any."""
        i = self._row[chunk.id] + 1
        nxt = self.chunks[i] if i < len(self.chunks) else None
        return nxt if nxt and nxt.source == chunk.source and nxt.paragraph == chunk.paragraph else None

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
            mask = np.zeros_like(scores)
            for source in admitted:  # a document's chunks are one run of rows
                lo, hi = self._spans.get(source, (0, 0))
                mask[lo:hi] = 1
            scores = scores * mask
        # Only matching chunks can rank: sorting them alone, not every row, is what keeps this
        # at a few ms for a million chunks (a full argsort took 36 ms); ties go by row.
        matched = np.flatnonzero(scores > 0)
        top = matched[np.lexsort((matched, -scores[matched]))][:depth]
        return [(self.chunks[int(i)], float(scores[i])) for i in top]

    def hit(self, chunk: Chunk) -> Hit:
        """A Hit for a chunk, with its document's title and date."""
        doc = self.documents[chunk.source]
        return Hit(chunk=chunk, title=doc.title, published=doc.published)


def _reusable(previous: Snapshot | None, documents: Mapping[str, StoredDocument]) -> dict[str, _Part]:
    """The previous snapshot's parts that are still the live version, whole; {} to read all again."""
    if previous is None or len(previous._terms) > 2 * len(previous._idf) + _SPARE_TERMS:
        return {}
    kept = {
        s: p
        for s, p in previous._parts.items()
        if s in documents and documents[s].sha256 == p.sha256 and documents[s].chunks == len(p.chunks)
    }
    changed = sum(d.chunks for s, d in documents.items() if s not in kept)
    return kept if changed <= _FULL_SHARE * sum(d.chunks for d in documents.values()) else {}


def load_snapshot(store: Store, previous: Snapshot | None = None) -> Snapshot:
    """Read the live corpus from the store and build its term statistics (the costly part).

    With `previous`, only the documents that changed since it are read (see the module's doc).
    """
    documents = store.documents()
    parts = _reusable(previous, documents)
    # The previous snapshot's term table is copied, never extended: it may still be serving.
    terms = dict(previous._terms) if parts and previous is not None else {}
    for source, text, found in _read(store, documents, sorted(s for s in documents if s not in parts)):
        parts[source] = _Part(
            documents[source].sha256,
            text,
            tuple(found),
            tuple([terms.setdefault(t, len(terms)) for t in tokenize(c.text)] for c in found),
        )
    return _build(documents, parts, terms)


def _read(
    store: Store, documents: Mapping[str, StoredDocument], sources: list[str]
) -> Iterator[tuple[str, str, list[Chunk]]]:
    """Each of `sources` with its stored text and live chunks (by position), read in groups of
    about _GROUP chunks, two groups at a time while the caller tokenizes the one before.

    Chroma does the work of a read (the client's share was 9 % at 100k chunks) and tokenizing
    is ours, so overlapping them hides most of the read on two cores.
    """
    groups: list[list[str]] = []
    size = _GROUP
    for s in sources:
        if size + documents[s].chunks > _GROUP:
            groups.append([])
            size = 0
        groups[-1].append(s)
        size += documents[s].chunks

    def fetch(group: list[str]) -> tuple[dict[str, str], list[Chunk]]:
        return store.texts(group), store.all_chunks(group)

    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="footnote-snapshot-read")
    try:
        for texts, chunks in pool.map(fetch, groups):
            live: dict[str, list[Chunk]] = {s: [] for s in texts}
            for c in chunks:
                if c.source in live and documents[c.source].sha256 == c.doc_sha256:
                    live[c.source].append(c)
            # a source missing from `texts` was removed after the manifest was read: the next
            # refresh sees that
            for source, found in live.items():
                yield source, texts[source], sorted(found, key=lambda c: c.position)
    finally:
        pool.shutdown(cancel_futures=True)  # after a failed read, start no more


def _build(
    documents: Mapping[str, StoredDocument], parts: dict[str, _Part], terms: dict[str, int]
) -> Snapshot:
    import bm25s
    from bm25s.tokenization import Tokenized

    order = sorted(parts)
    chunks = tuple(c for s in order for c in parts[s].chunks)
    if not chunks:
        raise IndexNotReady("the index is empty: run `footnote ingest` first")
    spans, lo = {}, 0
    for s in order:
        spans[s], lo = (lo, lo + len(parts[s].chunks)), lo + len(parts[s].chunks)
    bm25 = bm25s.BM25()  # Lucene's BM25 and IDF
    # bm25s adds its empty token to the vocabulary it is given: give it its own copy
    ids = [t for s in order for t in parts[s].terms]
    bm25.index(Tokenized(ids=ids, vocab=dict(terms)), show_progress=False)
    # A stem's document frequency is the number of chunks its column of the BM25 index scores
    # (bm25s keeps no IDF table of its own); the IDF is then Lucene's, as bm25s scores with.
    # Stems of documents no longer live stay in the table with no chunk: they have no IDF.
    df = np.diff(bm25.scores["indptr"])
    n = len(chunks)
    stems = list(terms)
    idf = {stems[i]: float(np.log(1 + (n - df[i] + 0.5) / (df[i] + 0.5))) for i in np.flatnonzero(df)}
    about = {
        s: frozenset(tokenize(f"{d.title or ''} {_date_words(d.published)}")) for s, d in documents.items()
    }
    return Snapshot(
        documents=documents,
        texts={s: parts[s].text for s in order},
        chunks=chunks,
        bm25=bm25,
        vocabulary=frozenset(idf).union(*about.values()),
        _row={c.id: i for i, c in enumerate(chunks)},
        _spans=spans,
        _idf=idf,
        _about=about,
        _parts=parts,
        _terms=terms,
    )
