"""The whole question-answering flow, one stage per line.

An empty corpus is a state to serve, not a failure to load: a new deployment must be ready to take
its first document over HTTP (and one whose last document was deleted stays up). Over it every
question abstains with NOTHING_INDEXED — also one naming a source in its filters, since that reason
says more than "unknown source" — and the sources are an empty list.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from footnote.index.bounded import within
from footnote.index.embed import Embedder
from footnote.index.errors import IndexNotReady, ModelFailed, StoreUnavailable, UnknownSource
from footnote.index.lease import Lease
from footnote.index.retrieve import Retriever, VectorCache
from footnote.index.snapshot import Snapshot, load_snapshot
from footnote.index.store import Generation, Store
from footnote.index.text import without_zero_width
from footnote.index.types import Filters, Hit
from footnote.service.cite import cite
from footnote.service.compose import Composer, Draft, ExtractiveComposer
from footnote.service.condense import Condensed, condense
from footnote.service.generate import GenerativeComposer
from footnote.service.judge import Judge, entails
from footnote.service.modelstate import NOT_CONFIGURED, ModelState
from footnote.service.release import Released, release, said
from footnote.service.types import Answer
from footnote.service.verify import verify

__all__ = ["NOTHING_INDEXED", "Pipeline", "read_corpus"]

log = logging.getLogger(__name__)
_UNKNOWN = Generation(-1, "")  # a pipeline built without one: the first `sync` reloads
NOTHING_INDEXED = "no documents are indexed yet: add one with PUT /v1/documents/{name} or `footnote ingest`"


@dataclass(frozen=True, slots=True)
class _Corpus:
    """A snapshot that holds documents, and the stages built on it."""

    snapshot: Snapshot
    retriever: Retriever
    composer: Composer


@dataclass(frozen=True, slots=True)
class _Loaded:
    """What one request uses from start to end."""

    store: Store  # the client the snapshot was read through (see Store.fresh)
    corpus: _Corpus | None  # None: nothing is indexed
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


class Pipeline:
    """Condense → retrieve → compose → cite → verify, over one corpus snapshot at a time."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        snapshot: Snapshot | None,
        top_k: int,
        composer: Callable[[Snapshot], Composer] = ExtractiveComposer,
        generation: Generation = _UNKNOWN,
        generator: Composer | None = None,
        judge: Judge = entails,
    ) -> None:
        self.embedder, self.top_k, self._composer = embedder, top_k, composer
        self.generator = generator  # a language model's composer, when one is configured
        # verify's judge; the service always uses the default (only the eval swaps it, to measure
        # what verification removes: nothing in Settings or the API reaches this)
        self.judge = judge
        # One refresh at a time: a write's own sync meets the loader's poll after every write, and
        # each refresh of an embedded store opens a new Chroma client, which drops Chroma's
        # process-wide cache of them (Store.fresh) — two at once break each other's client.
        self._refreshing = threading.RLock()
        self._vectors = VectorCache()  # kept across refreshes: a chunk id's vector never changes
        self._loaded = self._build(store, snapshot, generation)

    def _build(self, store: Store, snapshot: Snapshot | None, generation: Generation) -> _Loaded:
        corpus = None
        if snapshot is not None:
            retriever = Retriever(snapshot, store, self.embedder, self._vectors)
            corpus = _Corpus(snapshot, retriever, self._composer(snapshot))
        return _Loaded(store, corpus, generation, time.time(), Lease(store.close))

    @contextmanager
    def _holding(self) -> Iterator[_Loaded]:
        """The live snapshot and store, the store held open until the block ends, and every store
        call inside bounded together by the store timeout (a request's bound, not a call's)."""
        while not (loaded := self._loaded).lease.acquire():
            if loaded is self._loaded:  # closed, not swapped: the loader replaced this pipeline
                raise StoreUnavailable()
            # else retired between the read and the hold: the swap already put the next in place
        try:
            with within(loaded.store.timeout):
                yield loaded
        finally:
            loaded.lease.release()

    def _swap(self, loaded: _Loaded) -> None:
        old, self._loaded = self._loaded, loaded  # one assignment: the swap
        if old.store is not loaded.store:  # a server's store is shared by every snapshot
            old.lease.retire()  # its client closes once the requests still searching it are done

    def close(self) -> None:
        """Free the live store's client once the requests using it are done (a replaced pipeline)."""
        self._loaded.lease.retire()

    @property
    def store(self) -> Store:
        """The store the live snapshot was read from."""
        return self._loaded.store

    @property
    def snapshot(self) -> Snapshot:
        """The corpus snapshot requests are answered from now; IndexNotReady while it is empty."""
        corpus = self._loaded.corpus
        if corpus is None:
            raise IndexNotReady(NOTHING_INDEXED)
        return corpus.snapshot

    def live_snapshot(self) -> Snapshot | None:
        """The snapshot requests are answered from now, None while the corpus is empty."""
        corpus = self._loaded.corpus
        return corpus.snapshot if corpus is not None else None

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

    @property
    def empty(self) -> bool:
        """Whether the live snapshot holds no document (a valid state: every question abstains)."""
        return self._loaded.corpus is None

    @property
    def generation(self) -> Generation:
        """The store's generation the live snapshot was loaded at."""
        return self._loaded.generation

    @property
    def loaded_at(self) -> float:
        """When the live snapshot was built (seconds since the epoch)."""
        return self._loaded.loaded_at

    def refresh(self) -> None:
        """Load a new snapshot from the store and swap it in whole (requests in flight keep theirs).

        Incremental: only documents whose manifest record moved are read back from Chroma, and
        BM25 is re-indexed from the cached stems of the rest (index/snapshot.py). Both snapshots
        are in memory until the swap; the build runs on the caller's thread (the loader's), and
        requests only ever read `_loaded`, so they never wait for it.
        """
        # The generation is read first: a write that lands during the load moves it again,
        # so the next `sync` loads once more instead of missing the write.
        with self._refreshing:
            store = self.store.fresh()
            generation = store.generation()
            try:
                snapshot = read_corpus(store, self.live_snapshot())  # incremental from the live one
            except BaseException:
                if store is not self.store:
                    store.close()
                raise
            self._swap(self._build(store, snapshot, generation))

    def sync(self) -> bool:
        """Refresh when the store's generation moved since the live snapshot; True when it did."""
        with self._refreshing:  # the second of two at once then finds the first's snapshot current
            if self.store.generation() == self._loaded.generation:
                return False
            self.refresh()
            return True

    def check(self) -> None:
        """StoreUnavailable while the vector store cannot answer a search (for readiness)."""
        with self._holding() as loaded:
            loaded.store.check()

    def sources(self) -> list[dict[str, object]]:
        """Every indexed document's metadata, by name."""
        corpus = self._loaded.corpus
        if corpus is None:
            return []
        return [_meta(corpus.snapshot, name) for name in sorted(corpus.snapshot.documents)]

    def source(self, name: str) -> dict[str, object]:
        """One document's metadata and stored text; UnknownSource when it is not indexed."""
        corpus = self._loaded.corpus
        if corpus is None or name not in corpus.snapshot.texts:  # looked up, never joined onto a path
            raise UnknownSource(name)
        return {**_meta(corpus.snapshot, name), "text": corpus.snapshot.texts[name]}

    def ask(
        self,
        question: str,
        filters: Filters | None = None,
        top_k: int | None = None,
        history: Sequence[Mapping[str, str]] = (),
    ) -> Answer:
        """Answer `question` from the sources, every sentence cited, or abstain with a reason."""
        return self.run(question, filters, top_k, history)[0]

    def run(
        self,
        question: str,
        filters: Filters | None = None,
        top_k: int | None = None,
        history: Sequence[Mapping[str, str]] = (),
    ) -> tuple[Answer, list[Hit]]:
        """`ask`, also returning the retrieved passages (for evaluation)."""
        with self._holding() as loaded:  # one snapshot for the whole request
            corpus = loaded.corpus
            if corpus is None:
                return Answer.abstain(NOTHING_INDEXED), []
            asked, hits = self._retrieve(corpus, question, filters, top_k, history)
        # compose an answer from them (generated when a model is configured and answers in time)
        draft, composer = self._compose(corpus.composer, asked.question, hits, asked.context)
        answer = _checked(draft, corpus.snapshot.texts, asked, self.judge)
        answer.composer = composer
        return answer, hits

    def _retrieve(
        self,
        corpus: _Corpus,
        question: str,
        filters: Filters | None,
        top_k: int | None,
        history: Sequence[Mapping[str, str]],
    ) -> tuple[Condensed, list[Hit]]:
        # condense a follow-up and the earlier turns into a standalone question; invisible
        # characters inside a word ("Ger\u200bmany") would split it for every rule below
        turns = [{**turn, "content": without_zero_width(turn["content"])} for turn in history]
        asked = condense(without_zero_width(question), turns)
        # retrieve passages
        return asked, corpus.retriever.search(asked.standalone, top_k or self.top_k, filters)

    def stream(
        self,
        question: str,
        filters: Filters | None = None,
        top_k: int | None = None,
        history: Sequence[Mapping[str, str]] = (),
    ) -> Iterator[Released]:
        """`ask`, released sentence by sentence, then the whole answer (for /v1/ask/stream).

        What can refuse the request (its filters, the store) runs before this returns, while a
        status code can still say so. With a language model the answer is composed as the
        iterator is read, each sentence released once verify passed it (service/release.py).
        """
        if self._loaded.corpus is None or not isinstance(self.generator, GenerativeComposer):
            return said(self.ask(question, filters, top_k, history))  # no tokens: the whole answer
        with self._holding() as loaded:  # one snapshot for the whole request
            if loaded.corpus is None:  # emptied since the line above
                return said(Answer.abstain(NOTHING_INDEXED))
            asked, hits = self._retrieve(loaded.corpus, question, filters, top_k, history)
        return self._released(self.generator, loaded.corpus, asked, hits)

    def _released(
        self, generator: GenerativeComposer, corpus: _Corpus, asked: Condensed, hits: list[Hit]
    ) -> Iterator[Released]:
        texts = corpus.snapshot.texts
        try:
            for item in release(generator.drafts(asked.question, hits, asked.context), texts):
                if isinstance(item, Answer):
                    item.standalone_question = asked.standalone
                yield item
        except ModelFailed as exc:  # nothing was said yet: say what the sources say, as `run` would
            log.warning("the language model failed, answering extractively: %s", exc)
            draft = corpus.composer.compose(asked.question, hits, asked.context)
            yield from said(_checked(draft, texts, asked, self.judge))

    def model_state(self) -> ModelState:
        """The language model's state for /readyz, beside the index's; never waits on its server."""
        if isinstance(self.generator, GenerativeComposer):
            return self.generator.state()
        return NOT_CONFIGURED

    def _compose(
        self, extractive: Composer, question: str, hits: list[Hit], context: str | None
    ) -> tuple[Draft, Literal["generative", "extractive"]]:
        if self.generator is not None:
            try:
                return self.generator.compose(question, hits, context), "generative"
            except ModelFailed as exc:  # an answer now beats an error: say what the sources say
                log.warning("the language model failed, answering extractively: %s", exc)
        return extractive.compose(question, hits, context), "extractive"


def _checked(draft: Draft, texts: Mapping[str, str], asked: Condensed, judge: Judge) -> Answer:
    """Cite every sentence to its exact span, then verify every citation against the stored text
    of the live documents before it leaves."""
    answer = verify(cite(draft), texts, judge)
    answer.standalone_question = asked.standalone
    answer.dropped = [*draft.dropped, *answer.dropped]
    return answer


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
