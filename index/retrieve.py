"""Retrieve: find the chunks that best match a question, dense (Chroma) + lexical (BM25), fused.

Both searches run over one corpus snapshot (index/snapshot.py) and the same admitted sources,
so a filter means the same thing to each; the dense side asks Chroma, the single source of
truth, and keeps only chunks the snapshot holds.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from footnote.index.embed import Embedder
from footnote.index.errors import StoreUnavailable
from footnote.index.snapshot import Snapshot
from footnote.index.store import Store
from footnote.index.tokenize import tokenize
from footnote.index.types import Chunk, Filters, Hit

__all__ = ["Retriever", "VectorCache", "neighbourhood"]

log = logging.getLogger(__name__)

RRF_K = 60  # the constant of reciprocal-rank fusion (Cormack et al. 2009)
DEPTH = 50  # candidates taken from each search before fusion


class VectorCache:
    """Chunk vectors read from the store, the `size` most recently used kept by chunk id.

    A chunk id names fixed text (a hash of its document's bytes and its offsets: index/chunk.py), so
    its vector never changes and the cache outlives snapshots and store clients. It spares the
    per-question read of the hits' neighbours (eval/README.md, "Concurrency"); 20,000 vectors
    are 31 MB.
    """

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._kept: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def vectors(self, ids: Sequence[str], store: Store) -> dict[str, np.ndarray]:
        """The vectors of `ids`, read from `store` only for those not kept (a gone one is left out)."""
        with self._lock:
            found = {i: self._kept[i] for i in ids if i in self._kept}
            for i in found:
                self._kept.move_to_end(i)
        missing = [i for i in ids if i not in found]
        if missing:
            read = store.vectors(missing)
            found.update(read)
            with self._lock:
                self._kept.update((i, read[i]) for i in missing if i in read)  # in the order asked
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        return found


class Retriever:
    """Hybrid search over one snapshot: `search` is its only job."""

    def __init__(
        self, snapshot: Snapshot, store: Store, embedder: Embedder, cache: VectorCache | None = None
    ) -> None:
        self.snapshot, self.store, self.embedder = snapshot, store, embedder
        self.cache = cache or VectorCache()

    def search(self, question: str, k: int, filters: Filters | None = None) -> list[Hit]:
        """The top `k` hits for `question`, best first, each with its dense and lexical evidence."""
        snap = self.snapshot
        admitted = snap.catalogue.admitted(filters or Filters())
        qvec = self.embedder.embed_batch([question])[0]
        depth = max(k, DEPTH)
        dense = self._dense(qvec, depth, admitted)
        lexical = snap.lexical(tokenize(question), admitted, depth)

        hits: dict[str, Hit] = {}
        for evidence in ("dense", "lexical"):
            for rank, (chunk, score) in enumerate(dense if evidence == "dense" else lexical):
                hit = hits.setdefault(chunk.id, snap.catalogue.hit(chunk))
                setattr(hit, evidence, score)
                hit.fused += 1.0 / (RRF_K + rank + 1)
        ranked = sorted(hits.values(), key=lambda h: -h.fused)[:k]
        neighbourhood(ranked, qvec, snap, self.store, self.cache)
        return ranked

    def _dense(
        self, qvec: np.ndarray, depth: int, admitted: frozenset[str] | None
    ) -> list[tuple[Chunk, float]]:
        """Chroma's nearest admitted neighbours that the snapshot holds, nearest first."""
        where = {"source": {"$in": sorted(admitted)}} if admitted is not None else None
        if admitted is not None and not admitted:
            return []
        # Ask for a little more than needed: stale records of a killed ingest may be among them.
        try:
            found = self.store.query(qvec, depth + 10, where)
        except StoreUnavailable:
            if where is None:
                raise
            # Chroma's metadata-filtered HNSW search can fail with "Error finding id" when its
            # segments disagree (e.g. after a killed writer); search wider and filter here
            # instead. Should the store itself be failing, this fails too, and so does the question.
            log.warning("filtered dense search failed; filtering after an unfiltered search")
            found = self.store.query(qvec, 4 * depth + 10, None)
        keep = [
            (c, cos)
            for c, cos in found
            if self.snapshot.neighbours.holds(c.id) and (admitted is None or c.source in admitted)
        ]
        return keep[:depth]


def neighbourhood(
    hits: list[Hit], qvec: np.ndarray, snapshot: Snapshot, store: Store, cache: VectorCache | None = None
) -> None:
    """Fill in each hit's cosines to the question: its own (when only BM25 found it), its
    neighbours' in the paragraph, and its window's (the three vectors summed), in one store read
    (of the vectors `cache` does not keep)."""
    hits = [
        h for h in hits if snapshot.neighbours.holds(h.chunk.id)
    ]  # another snapshot's hit has no neighbours here
    around = {h.chunk.id: (snapshot.previous(h.chunk), snapshot.neighbours.following(h.chunk)) for h in hits}
    wanted = {h.chunk.id for h in hits} | {c.id for pair in around.values() for c in pair if c}
    vectors = (cache or VectorCache(0)).vectors(sorted(wanted), store)
    for hit in hits:
        own = vectors.get(hit.chunk.id)
        if own is None:
            continue  # gone since the snapshot was taken: no dense evidence
        prev, nxt = (vectors.get(c.id) if c else None for c in around[hit.chunk.id])
        hit.dense = float(own @ qvec) if hit.dense is None else hit.dense
        hit.dense_previous = float(prev @ qvec) if prev is not None else None
        hit.dense_next = float(nxt @ qvec) if nxt is not None else None
        window = own + sum((v for v in (prev, nxt) if v is not None), np.zeros_like(own))
        hit.dense_window = float(window @ qvec / (np.linalg.norm(window) or 1.0))
