"""The whole question-answering flow, one stage per line."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from footnote.index.embed import Embedder, OnnxEmbedder
from footnote.index.errors import ModelFailed, UnknownSource
from footnote.index.retrieve import Retriever
from footnote.index.snapshot import Snapshot, load_snapshot
from footnote.index.store import Generation, Store, open_client
from footnote.index.text import without_zero_width
from footnote.index.types import Filters, Hit
from footnote.service.cite import cite
from footnote.service.compose import Composer, Draft, ExtractiveComposer
from footnote.service.condense import condense
from footnote.service.generate import GenerativeComposer
from footnote.service.judge import Judge, entails
from footnote.service.llm import OpenAIChat
from footnote.service.settings import Settings
from footnote.service.types import Answer
from footnote.service.verify import verify

__all__ = ["Pipeline", "build_pipeline"]

log = logging.getLogger(__name__)
_UNKNOWN = Generation(-1, "")  # a pipeline built without one: the first `sync` reloads


@dataclass(frozen=True, slots=True)
class _Loaded:
    """What one request uses from start to end: a snapshot and the stages built on it."""

    store: Store  # the client the snapshot was read through (see Store.fresh)
    snapshot: Snapshot
    retriever: Retriever
    composer: Composer
    generation: Generation  # the store's generation read before the snapshot was
    loaded_at: float  # time.time() when it was built


class Pipeline:
    """Condense → retrieve → compose → cite → verify, over one corpus snapshot at a time."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        snapshot: Snapshot,
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
        self._lock = threading.Lock()
        self._loaded = self._build(store, snapshot, generation)

    def _build(self, store: Store, snapshot: Snapshot, generation: Generation) -> _Loaded:
        retriever = Retriever(snapshot, store, self.embedder)
        return _Loaded(store, snapshot, retriever, self._composer(snapshot), generation, time.time())

    @property
    def store(self) -> Store:
        """The store the live snapshot was read from."""
        return self._loaded.store

    @property
    def snapshot(self) -> Snapshot:
        """The corpus snapshot requests are answered from now."""
        return self._loaded.snapshot

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

        A full rebuild: every live chunk is read back from Chroma and BM25 is indexed afresh, and
        both snapshots are in memory until the swap — a fraction of a second for the seeds, but
        linear in the corpus (not yet measured at scale). Where one changed document means a
        rebuild of many seconds (large corpora), reusing the unchanged documents' chunks and
        re-reading only those whose sha256 moved is the step that would matter.
        """
        # The generation is read first: a write that lands during the load moves it again,
        # so the next `sync` loads once more instead of missing the write.
        store = self.store.fresh()
        generation = store.generation()
        loaded = self._build(store, load_snapshot(store), generation)
        with self._lock:
            self._loaded = loaded

    def sync(self) -> bool:
        """Refresh when the store's generation moved since the live snapshot; True when it did."""
        if self.store.generation() == self._loaded.generation:
            return False
        self.refresh()
        return True

    def check(self) -> None:
        """StoreUnavailable while the vector store cannot answer a search (for readiness)."""
        self.store.check()

    def sources(self) -> list[dict[str, object]]:
        """Every indexed document's metadata, by name."""
        snapshot = self.snapshot
        return [_meta(snapshot, name) for name in sorted(snapshot.documents)]

    def source(self, name: str) -> dict[str, object]:
        """One document's metadata and stored text; UnknownSource when it is not indexed."""
        snapshot = self.snapshot
        if name not in snapshot.texts:  # names are looked up, never joined onto a path
            raise UnknownSource(name)
        return {**_meta(snapshot, name), "text": snapshot.texts[name]}

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
        loaded = self._loaded  # one snapshot for the whole request
        # condense a follow-up and the earlier turns into a standalone question; invisible
        # characters inside a word ("Ger\u200bmany") would split it for every rule below
        turns = [{**turn, "content": without_zero_width(turn["content"])} for turn in history]
        asked = condense(without_zero_width(question), turns)
        # retrieve passages
        hits = loaded.retriever.search(asked.standalone, top_k or self.top_k, filters)
        # compose an answer from them (generated when a model is configured and answers in time)
        draft, composer = self._compose(loaded.composer, asked.question, hits, asked.context)
        # cite every sentence to its exact span
        answer = cite(draft)
        # verify every citation against the stored text of the live documents before it leaves
        answer = verify(answer, loaded.snapshot.texts, self.judge)
        answer.standalone_question, answer.composer = asked.standalone, composer
        answer.dropped = [*draft.dropped, *answer.dropped]
        return answer, hits

    def _compose(
        self, extractive: Composer, question: str, hits: list[Hit], context: str | None
    ) -> tuple[Draft, Literal["generative", "extractive"]]:
        if self.generator is not None:
            try:
                return self.generator.compose(question, hits, context), "generative"
            except ModelFailed as exc:  # an answer now beats an error: say what the sources say
                log.warning("the language model failed, answering extractively: %s", exc)
        return extractive.compose(question, hits, context), "extractive"


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


def build_pipeline(settings: Settings) -> Pipeline:
    """Load the model and the index once (the costly part of start-up)."""
    timeout = settings.store_timeout_seconds
    store = Store(
        open_client(str(settings.data_dir), settings.chroma_url, timeout), settings.namespace, timeout
    )
    store.check()  # fail fast, before the costly part, while the store cannot answer
    generator = None
    if settings.llm_base_url and settings.llm_model:
        chat = OpenAIChat(
            settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout_seconds
        )
        generator = GenerativeComposer(chat)
    generation = store.generation()  # before the snapshot: see Pipeline.refresh
    embedder = OnnxEmbedder(settings.model_cache)
    snapshot = load_snapshot(store)
    composer = _COMPOSERS[settings.composer]
    return Pipeline(
        store, embedder, snapshot, settings.top_k, composer, generation=generation, generator=generator
    )


def _learned(snapshot: Snapshot) -> Composer:
    from footnote.service.learned import LearnedComposer  # reads eval/selector.json once, on first use

    return LearnedComposer(snapshot)


_COMPOSERS: dict[str, Callable[[Snapshot], Composer]] = {
    "extractive": ExtractiveComposer,
    "learned": _learned,
}
