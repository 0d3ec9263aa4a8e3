"""Store: the one adapter over Chroma — cosine from distances, and every failure a StoreUnavailable."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from chromadb.errors import InternalError

from footnote.index.connect import open_client
from footnote.index.errors import StoreUnavailable
from footnote.index.ingest import ingest_folder
from footnote.index.store import Store
from tests.conftest import FakeEmbedder

SECRET = "Error executing plan: cannot open /srv/secret/chroma/data_level0.bin"


class BrokenCollection:
    """Stands in for a Chroma collection whose every call fails as a damaged index does."""

    def __getattr__(self, name: str) -> Any:
        def fail(*_: Any, **__: Any) -> Any:
            raise InternalError(SECRET)

        return fail


@pytest.fixture
def filled(corpus: Path, store: Store, fake_embedder: FakeEmbedder) -> Store:
    ingest_folder(corpus, store, fake_embedder)
    return store


def test_query__similarity_is_the_cosine_of_the_stored_vectors(
    filled: Store, fake_embedder: FakeEmbedder
) -> None:
    qvec = fake_embedder.embed_batch(["Bundeswehr troop strength target"])[0]
    got = filled.query(qvec, 10, None)
    assert len(got) == 10
    stored = filled.vectors([c.id for c, _ in got])
    for chunk, cos in got:
        assert cos == pytest.approx(float(stored[chunk.id] @ qvec), abs=1e-5)
    assert [cos for _, cos in got] == sorted((cos for _, cos in got), reverse=True)


def test_query__asking_for_more_than_the_collection_holds_returns_all(
    filled: Store, fake_embedder: FakeEmbedder
) -> None:
    qvec = fake_embedder.embed_batch(["Lavrov"])[0]
    assert len(filled.query(qvec, 10_000, None)) == len(filled.chunk_keys())
    one = "002_4803be79736df0a6.txt"
    got = filled.query(qvec, 10_000, {"source": one})
    assert got and {c.source for c, _ in got} == {one}


def test_query__on_an_empty_collection_is_empty(store: Store, fake_embedder: FakeEmbedder) -> None:
    assert store.query(fake_embedder.embed_batch(["Lavrov"])[0], 5, None) == []


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.query(np.ones(384, np.float32), 5, None),
        lambda s: s.vectors(["some-id"]),
        lambda s: s.all_chunks(),
        lambda s: s.chunk_keys(),
        lambda s: s.check(),
    ],
    ids=["query", "vectors", "all_chunks", "chunk_keys", "check"],
)
def test_chunk_reads__a_chroma_failure_is_store_unavailable_with_no_internals(
    filled: Store, call: Any, caplog: pytest.LogCaptureFixture
) -> None:
    filled.chunks = BrokenCollection()  # type: ignore[assignment]
    with caplog.at_level(logging.WARNING), pytest.raises(StoreUnavailable) as caught:
        call(filled)
    assert str(caught.value) == "the vector store is unavailable; retry shortly"
    assert SECRET in caplog.text  # the cause goes to the log, not to whoever sees the error


def test_manifest_reads__a_chroma_failure_is_store_unavailable(filled: Store) -> None:
    filled.docs = BrokenCollection()  # type: ignore[assignment]
    with pytest.raises(StoreUnavailable, match=r"^the vector store is unavailable; retry shortly$"):
        filled.documents()
    with pytest.raises(StoreUnavailable):
        filled.texts()


def test_check__passes_on_a_healthy_store(filled: Store) -> None:
    filled.check()


class FrozenCollection:
    """Stands in for a collection on a Chroma server frozen with SIGSTOP: calls never return."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def __getattr__(self, name: str) -> Any:
        def hang(*_: Any, **__: Any) -> Any:
            self.release.wait()
            raise ConnectionError("the server went away")

        return hang


def test_store_calls__a_frozen_store_is_unavailable_within_the_timeout(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(open_client(str(tmp_path / "data"), None, timeout=0.3), timeout=0.3)
    store.chunks = frozen = FrozenCollection()  # type: ignore[assignment]
    try:
        began = time.monotonic()
        with caplog.at_level(logging.WARNING), pytest.raises(StoreUnavailable):
            store.query(np.ones(384, np.float32), 5, None)
        assert 0.3 <= time.monotonic() - began < 1.5
        assert "no answer within 0.3 s" in caplog.text
    finally:
        frozen.release.set()


class VanishingCollection:
    """The real chunks collection, except that a query's first hit comes back as Chroma returns a
    record deleted between its vector search and its metadata read: no text, no metadata."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def query(self, **kwargs: Any) -> Any:
        got = self.real.query(**kwargs)
        got["documents"][0][0], got["metadatas"][0][0] = None, None
        return got


def test_query__a_hit_deleted_while_it_was_read_is_left_out(
    filled: Store, fake_embedder: FakeEmbedder
) -> None:
    qvec = fake_embedder.embed_batch(["Bundeswehr troop strength target"])[0]
    whole = filled.query(qvec, 5, None)
    filled.chunks = VanishingCollection(filled.chunks)  # type: ignore[assignment]
    assert [c.id for c, _ in filled.query(qvec, 5, None)] == [c.id for c, _ in whole[1:]]


def test_query__racing_a_writer_that_deletes_and_restores_chunks_never_fails(
    filled: Store, fake_embedder: FakeEmbedder
) -> None:
    qvec = fake_embedder.embed_batch(["Bundeswehr troop strength target"])[0]
    victims = [c for c, _ in filled.query(qvec, 20, None)]
    vectors = filled.vectors([c.id for c in victims])
    documents = filled.documents()
    stop = threading.Event()

    def churn() -> None:  # bounded: at most 200 rounds, or until the reader is done
        texts = filled.texts()
        for _ in range(200):
            if stop.is_set():
                return
            filled.delete([c.id for c in victims])
            for source in {c.source for c in victims}:
                mine = [c for c in victims if c.source == source]
                doc = _document(documents[source].source, texts[source], documents[source].sha256)
                filled.add(doc, mine, np.stack([vectors[c.id] for c in mine]))

    writer = threading.Thread(target=churn)
    writer.start()
    try:
        for _ in range(300):
            for chunk, _cos in filled.query(qvec, 20, None):
                assert chunk.source in documents and chunk.text
    finally:
        stop.set()
        writer.join(timeout=60)


def _document(source: str, text: str, sha256: str) -> Any:
    from footnote.index.types import Document

    return Document(source=source, text=text, sha256=sha256)
