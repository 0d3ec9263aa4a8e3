"""Build: the pipeline a server or the CLI answers with, from the settings (the costly start-up:
the embedding model and the corpus snapshot are loaded once here)."""

from __future__ import annotations

from collections.abc import Callable

from footnote.index.connect import open_client
from footnote.index.embed import Embedder, OnnxEmbedder
from footnote.index.snapshot import Snapshot
from footnote.index.store import Store
from footnote.service.compose import Composer, ExtractiveComposer
from footnote.service.generate import GenerativeComposer
from footnote.service.llm import OpenAIChat
from footnote.service.pipeline import Pipeline, read_corpus
from footnote.service.settings import Settings

__all__ = ["COMPOSERS", "build_pipeline", "open_pipeline"]


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
    embedder = OnnxEmbedder(settings.model_cache)
    return open_pipeline(store, embedder, settings.top_k, COMPOSERS[settings.composer], generator)


def open_pipeline(
    store: Store,
    embedder: Embedder,
    top_k: int,
    composer: Callable[[Snapshot], Composer] = ExtractiveComposer,
    generator: Composer | None = None,
) -> Pipeline:
    """A pipeline over what `store` holds now, which may be nothing (a deployment's first start)."""
    generation = store.generation()  # before the snapshot: see Pipeline.refresh
    return Pipeline(store, embedder, read_corpus(store), top_k, composer, generation, generator)


def _learned(snapshot: Snapshot) -> Composer:
    from footnote.service.learned import LearnedComposer  # reads eval/selector.json once, on first use

    return LearnedComposer(snapshot)


# the composers FOOTNOTE_COMPOSER names (Settings.composer), each built from a snapshot
COMPOSERS: dict[str, Callable[[Snapshot], Composer]] = {
    "extractive": ExtractiveComposer,
    "learned": _learned,
}
