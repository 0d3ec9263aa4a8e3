"""The live corpus: the snapshot requests are answered from, refreshed from the store and swapped whole.

An empty corpus is a state to serve, not a failure to load: a new deployment must be ready to take
its first document over HTTP (and one whose last document was deleted stays up). While it is
empty there is no snapshot, the sources are an empty list, and `snapshot` raises IndexNotReady
with NOTHING_INDEXED.

What the answering side builds on each snapshot (its retriever, its composer) is built here, by
the `prepare` it is given, on the thread that refreshes — never on a request's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from footnote.index.bounded import within
from footnote.index.errors import IndexNotReady, StoreUnavailable, UnknownSource
from footnote.index.lease import Lease
from footnote.index.records import Generation
from footnote.index.snapshot import Snapshot, load_snapshot
from footnote.index.store import Store

__all__ = ["NOTHING_INDEXED", "UNKNOWN", "Live", "LiveCorpus", "read_corpus"]

NOTHING_INDEXED = "no documents are indexed yet: add one with PUT /v1/documents/{name} or `footnote ingest`"
UNKNOWN = Generation(-1, "")  # a corpus built without one: the first `sync` reloads

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Live(Generic[S]):
    """What one request uses from start to end."""

    store: Store  # the client the snapshot was read through (see Store.fresh)
    snapshot: Snapshot | None  # None: nothing is indexed
    stages: S | None  # what `prepare` built on the snapshot (None with it)
    generation: Generation  # the store's generation read before the snapshot was
    loaded_at: float  # time.time() when it was built
    lease: Lease  # held while a call uses `store`; closes its client once retired and let go


def read_corpus(store: Store, previous: Snapshot | None = None) -> Snapshot | None:
    """The store's corpus snapshot (reusing what `previous` holds of unchanged documents); None
    while it holds no document."""
    try:
        return load_snapshot(store, previous)
    except IndexNotReady:  # load_snapshot's word for "no live chunk": here a state, not an error
        return None


class LiveCorpus(Generic[S]):
    """One corpus snapshot at a time, with `prepare`'s stages built on it, swapped in whole."""

    def __init__(
        self,
        store: Store,
        snapshot: Snapshot | None,
        prepare: Callable[[Snapshot, Store], S],
        generation: Generation = UNKNOWN,
    ) -> None:
        self._prepare = prepare
        # One refresh at a time: a write's own sync meets the loader's poll after every write, and
        # each refresh of an embedded store opens a new Chroma client, which drops Chroma's
        # process-wide cache of them (Store.fresh) — two at once break each other's client.
        self._refreshing = threading.RLock()
        self._live = self._build(store, snapshot, generation)

    def _build(self, store: Store, snapshot: Snapshot | None, generation: Generation) -> Live[S]:
        stages = self._prepare(snapshot, store) if snapshot is not None else None
        return Live(store, snapshot, stages, generation, time.time(), Lease(store.close))

    @contextmanager
    def holding(self) -> Iterator[Live[S]]:
        """The live snapshot and store, the store held open until the block ends, and every store
        call inside bounded together by the store timeout (a request's bound, not a call's)."""
        while not (live := self._live).lease.acquire():
            if live is self._live:  # closed, not swapped: the loader replaced this corpus
                raise StoreUnavailable()
            # else retired between the read and the hold: the swap already put the next in place
        try:
            with within(live.store.timeout):
                yield live
        finally:
            live.lease.release()

    def _swap(self, live: Live[S]) -> None:
        old, self._live = self._live, live  # one assignment: the swap
        if old.store is not live.store:  # a server's store is shared by every snapshot
            old.lease.retire()  # its client closes once the requests still searching it are done

    def close(self) -> None:
        """Free the live store's client once the requests using it are done (a replaced corpus)."""
        self._live.lease.retire()

    @property
    def store(self) -> Store:
        """The store the live snapshot was read from."""
        return self._live.store

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot requests are answered from now; IndexNotReady while the corpus is empty."""
        if (snapshot := self._live.snapshot) is None:
            raise IndexNotReady(NOTHING_INDEXED)
        return snapshot

    def live_snapshot(self) -> Snapshot | None:
        """The snapshot requests are answered from now, None while the corpus is empty."""
        return self._live.snapshot

    @property
    def empty(self) -> bool:
        """Whether the live snapshot holds no document (a valid state: every question abstains)."""
        return self._live.snapshot is None

    @property
    def generation(self) -> Generation:
        """The store's generation the live snapshot was loaded at."""
        return self._live.generation

    @property
    def loaded_at(self) -> float:
        """When the live snapshot was built (seconds since the epoch)."""
        return self._live.loaded_at

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """The store to write through, held against refreshes until the write is done and this
        replica's snapshot has caught up with it (also when the write failed halfway).

        A refresh of an embedded store opens a new Chroma client and drops Chroma's cache of them
        (Store.fresh): a write running through the old client meanwhile breaks, or leaves the
        new client's vector index without the write's last steps.
        """
        with self._refreshing:
            try:
                yield self.store
            finally:
                self.sync()

    def refresh(self) -> None:
        """Load a new snapshot from the store and swap it in whole (requests in flight keep theirs).

        Incremental: only documents whose manifest record moved are read back from Chroma, and
        BM25 is re-indexed from the cached stems of the rest (index/snapshot.py). Both snapshots
        are in memory until the swap; the build runs on the caller's thread (the loader's), and
        requests only ever read `_live`, so they never wait for it.
        """
        # The generation is read first: a write that lands during the load moves it again,
        # so the next `sync` loads once more instead of missing the write.
        with self._refreshing:
            store = self.store.fresh()
            generation = store.generation()
            try:
                snapshot = read_corpus(store, self.live_snapshot())  # incremental from the live one
                live = self._build(store, snapshot, generation)
            except BaseException:
                if store is not self.store:
                    store.close()
                raise
            self._swap(live)

    def sync(self) -> bool:
        """Refresh when the store's generation moved since the live snapshot; True when it did."""
        with self._refreshing:  # the second of two at once then finds the first's snapshot current
            if self.store.generation() == self._live.generation:
                return False
            self.refresh()
            return True

    def check(self) -> None:
        """StoreUnavailable while the vector store cannot answer a search (for readiness)."""
        with self.holding() as live:
            live.store.check()

    def sources(self) -> list[dict[str, object]]:
        """Every indexed document's metadata, by name."""
        snapshot = self._live.snapshot
        return [] if snapshot is None else [_meta(snapshot, name) for name in sorted(snapshot.documents)]

    def source(self, name: str) -> dict[str, object]:
        """One document's metadata and stored text; UnknownSource when it is not indexed."""
        snapshot = self._live.snapshot
        if snapshot is None or name not in snapshot.texts:  # looked up, never joined onto a path
            raise UnknownSource(name)
        return {**_meta(snapshot, name), "text": snapshot.texts[name]}


def _meta(snapshot: Snapshot, name: str) -> dict[str, object]:
    doc = snapshot.documents[name]
    return {
        "name": doc.source,
        "title": doc.title,
        "author": doc.author,
        "published": doc.published,
        "chars": doc.chars,
        "chunks": doc.chunks,
    }
