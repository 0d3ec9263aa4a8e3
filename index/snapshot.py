"""Snapshot: one immutable view of the corpus — its catalogue (catalogue.py), its chunks in reading
order (neighbours.py) and its lexical index (lexical.py).

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

import numpy as np

from footnote.index.catalogue import Catalogue
from footnote.index.errors import IndexNotReady
from footnote.index.lexical import LexicalIndex
from footnote.index.neighbours import Neighbours
from footnote.index.records import StoredDocument
from footnote.index.store import Store
from footnote.index.tokenize import tokenize
from footnote.index.types import Chunk

__all__ = ["Snapshot", "load_snapshot"]

# A refresh starts afresh, reusing nothing, when the changed documents hold more than this share
# of the chunks (a corpus replaced wholesale: little to reuse), or when the term table holds more
# than twice the stems still in use (words of removed documents), so that it never only grows.
_FULL_SHARE = 0.5
_SPARE_TERMS = 10_000
_GROUP = 5000  # chunks per read: Chroma's cap on one get is a little more (see index/store.py)


@dataclass(frozen=True, slots=True)
class _Part:
    """One live document's share of a snapshot, reusable while its manifest record stays."""

    sha256: str
    text: str  # the stored text
    chunks: tuple[Chunk, ...]  # by position
    terms: tuple[list[int], ...]  # each chunk's stems, as ids into the snapshot's term table


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The indexed corpus at one moment, in three parts with one job each; build it with
    `load_snapshot`. What a composer reads of it (`vocabulary`, `idf`, `about`, `previous`:
    service/answer/draft.py's Corpus) are the parts' own answers."""

    catalogue: Catalogue  # the documents, their texts and title words; what filters admit
    neighbours: Neighbours  # the live chunks in reading order, and what is around each
    index: LexicalIndex  # BM25 over the chunks, and the IDF of their stems
    vocabulary: frozenset[str]  # every stem of the chunks, titles and dates
    _spans: Mapping[str, tuple[int, int]]  # source -> its rows [lo, hi) in `chunks`
    _parts: Mapping[str, _Part]
    _terms: Mapping[str, int]  # stem -> id; only grows, never changed once a snapshot holds it

    @property
    def documents(self) -> Mapping[str, StoredDocument]:
        """The live documents' records, by name."""
        return self.catalogue.documents

    @property
    def texts(self) -> Mapping[str, str]:
        """Source -> stored text: what citation offsets point into."""
        return self.catalogue.texts

    @property
    def chunks(self) -> Sequence[Chunk]:
        """The live chunks, by source then position."""
        return self.neighbours.chunks

    def about(self, source: str) -> frozenset[str]:
        """The stems of an article's title and publication date."""
        return self.catalogue.about(source)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stem over the live chunks (0 when it never occurs)."""
        return self.index.idf(term)

    def previous(self, chunk: Chunk) -> Chunk | None:
        """The sentence before `chunk` in the same paragraph, if any."""
        return self.neighbours.previous(chunk)

    def lexical(
        self, terms: list[str], admitted: frozenset[str] | None, depth: int
    ) -> list[tuple[Chunk, float]]:
        """The best `depth` admitted chunks by BM25 for these stems, best first."""
        mask = None
        if admitted is not None:
            mask = np.zeros(len(self.chunks))
            for source in admitted:  # a document's chunks are one run of rows
                lo, hi = self._spans.get(source, (0, 0))
                mask[lo:hi] = 1
        return [(self.chunks[row], score) for row, score in self.index.search(terms, mask, depth)]


def _reusable(previous: Snapshot | None, documents: Mapping[str, StoredDocument]) -> dict[str, _Part]:
    """The previous snapshot's parts that are still the live version, whole; {} to read all again."""
    if previous is None or len(previous._terms) > 2 * len(previous.index.stems) + _SPARE_TERMS:
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
    order = sorted(parts)
    chunks = tuple(c for s in order for c in parts[s].chunks)
    if not chunks:
        raise IndexNotReady("the index is empty: run `footnote ingest` first")
    spans, lo = {}, 0
    for s in order:
        spans[s], lo = (lo, lo + len(parts[s].chunks)), lo + len(parts[s].chunks)
    index = LexicalIndex.build([t for s in order for t in parts[s].terms], terms)
    catalogue = Catalogue.of(documents, {s: parts[s].text for s in order})
    return Snapshot(
        catalogue=catalogue,
        neighbours=Neighbours(chunks),
        index=index,
        vocabulary=index.stems | catalogue.title_stems,
        _spans=spans,
        _parts=parts,
        _terms=terms,
    )
