"""Build: the pipeline a server or the CLI answers with, from the settings (the costly start-up:
the embedding model and the corpus snapshot are loaded once here)."""

from __future__ import annotations

from collections.abc import Callable

from footnote.index.connect import open_client
from footnote.index.embed import Embedder, OnnxEmbedder
from footnote.index.snapshot import Snapshot
from footnote.index.store import Store
from footnote.service.answer.draft import Composer
from footnote.service.answer.generate import GenerativeComposer
from footnote.service.answer.llm import OpenAIChat
from footnote.service.answer.pipeline import Pipeline
from footnote.service.corpus.live import read_corpus
from footnote.service.settings import Settings

__all__ = ["build_pipeline", "learned", "open_pipeline", "open_store"]


def open_store(settings: Settings) -> Store:
    """The vector store the settings name: a `chroma run` server, or the embedded one in data_dir."""
    timeout = settings.store_timeout_seconds
    client = open_client(str(settings.data_dir), settings.chroma_url, timeout)
    return Store(client, settings.namespace, timeout)


def build_pipeline(settings: Settings) -> Pipeline:
    """Load the model and the index once (the costly part of start-up)."""
    store = open_store(settings)
    store.check()  # fail fast, before the costly part, while the store cannot answer
    generator = None
    if settings.llm_base_url and settings.llm_model:
        chat = OpenAIChat(
            settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout_seconds
        )
        generator = GenerativeComposer(chat)
    embedder = OnnxEmbedder(settings.model_cache)
    return open_pipeline(store, embedder, settings.top_k, learned, generator)


def open_pipeline(
    store: Store,
    embedder: Embedder,
    top_k: int,
    composer: Callable[[Snapshot], Composer],
    generator: GenerativeComposer | None = None,
) -> Pipeline:
    """A pipeline over what `store` holds now, which may be nothing (a deployment's first start)."""
    generation = store.generation()  # before the snapshot: see LiveCorpus.refresh
    return Pipeline(store, embedder, read_corpus(store), top_k, composer, generation, generator)


def learned(snapshot: Snapshot) -> Composer:
    """The product's composer over `snapshot`: the fitted selector's (service/answer/compose.py)."""
    from footnote.service.answer.compose import LearnedComposer  # reads selector.json once, on first use

    return LearnedComposer(snapshot)
