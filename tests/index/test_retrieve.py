from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from footnote.index.errors import IndexNotReady, InvalidFilter, StoreUnavailable, UnknownSource
from footnote.index.ingest import ingest_folder
from footnote.index.retrieve import Retriever, VectorCache
from footnote.index.snapshot import load_snapshot
from footnote.index.store import Store
from footnote.index.types import Filters
from tests.conftest import FakeEmbedder, retriever_over


@pytest.fixture
def retriever(corpus: Path, store: Store, fake_embedder: FakeEmbedder) -> Retriever:
    ingest_folder(corpus, store, fake_embedder)
    return retriever_over(store, fake_embedder)


def test_search__ranks_the_sentence_that_shares_the_question_words_first(retriever: Retriever) -> None:
    hits = retriever.search("Bundeswehr troop strength target", k=5)
    assert "260,000" in hits[0].chunk.text
    assert hits[0].dense is not None and hits[0].lexical is not None


def test_search__every_hit_has_dense_evidence(retriever: Retriever) -> None:
    hits = retriever.search("Nord Stream 2 gas pipeline sanctions", k=30)
    assert len(hits) == 30 and all(h.dense is not None for h in hits)


def test_search__each_hit_sees_its_neighbours_in_the_paragraph(
    retriever: Retriever, fake_embedder: FakeEmbedder
) -> None:
    question = "Nord Stream 2 gas pipeline sanctions"
    qvec = fake_embedder.embed_batch([question])[0]
    snap = retriever.snapshot
    for hit in retriever.search(question, k=20):
        prev, nxt = snap.previous(hit.chunk), snap.neighbours.following(hit.chunk)
        vectors = fake_embedder.embed_batch([c.text for c in (hit.chunk, prev, nxt) if c])
        cosines = vectors @ qvec
        assert hit.dense == pytest.approx(cosines[0], abs=1e-5)
        assert hit.dense_previous == (pytest.approx(cosines[1], abs=1e-5) if prev else None)
        assert hit.dense_next == (pytest.approx(cosines[-1], abs=1e-5) if nxt else None)
        window = vectors.sum(axis=0)  # the sentence and its neighbours, as one passage
        assert hit.dense_window == pytest.approx(
            float(window @ qvec) / float(np.linalg.norm(window)), abs=1e-5
        )


def test_search__a_vector_gone_from_the_store_leaves_no_dense_evidence_rather_than_failing(
    retriever: Retriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = retriever.store.vectors
    gone: set[str] = set()

    def vectors(ids: Sequence[str]) -> dict[str, np.ndarray]:
        return {i: v for i, v in stored(ids).items() if i not in gone}

    question = "Nord Stream 2 gas pipeline sanctions"
    first = retriever.search(question, k=20)
    gone.update(h.chunk.id for h in first[:5])  # as if a writer removed them after the snapshot
    monkeypatch.setattr(retriever.store, "vectors", vectors)
    # a retriever that has kept none of them (the first search's cache holds them all)
    hits = Retriever(retriever.snapshot, retriever.store, retriever.embedder).search(question, k=20)
    assert [h.chunk.id for h in hits] == [h.chunk.id for h in first]
    for hit in hits:
        if hit.chunk.id in gone:
            assert hit.dense_window is None
        prev, nxt = retriever.snapshot.previous(hit.chunk), retriever.snapshot.neighbours.following(hit.chunk)
        if prev and prev.id in gone:
            assert hit.dense_previous is None
        if nxt and nxt.id in gone:
            assert hit.dense_next is None


def test_search__filters_by_source_and_date(retriever: Retriever) -> None:
    only = "002_4803be79736df0a6.txt"
    hits = retriever.search("Lavrov security guarantees", k=20, filters=Filters(sources=(only,)))
    assert hits and {h.chunk.source for h in hits} == {only}
    after = Filters(published_after=date(2025, 1, 1))
    hits = retriever.search("Lavrov security guarantees", k=20, filters=after)
    assert hits and all(h.published and h.published >= "2025-01-01" for h in hits)
    before = Filters(published_before=date(2023, 1, 1))
    hits = retriever.search("Lavrov security guarantees", k=20, filters=before)
    assert hits and {h.chunk.source for h in hits} == {only}  # the undated article is excluded


def test_search__bad_filters_are_clear_errors(retriever: Retriever) -> None:
    with pytest.raises(UnknownSource, match=r"unknown source: '\.\./etc/passwd'"):
        retriever.search("x", 20, filters=Filters(sources=("../etc/passwd",)))
    with pytest.raises(InvalidFilter, match="published_after must not be later than published_before"):
        Filters(published_after=date(2025, 1, 2), published_before=date(2025, 1, 1))


def test_snapshot__of_an_empty_index_is_not_ready(store: Store) -> None:
    with pytest.raises(IndexNotReady, match="the index is empty"):
        load_snapshot(store)


def test_search__a_chroma_failure_is_store_unavailable_not_a_lexical_only_answer(
    retriever: Retriever,
) -> None:
    from tests.index.test_store import BrokenCollection

    retriever.store.chunks = BrokenCollection()  # type: ignore[assignment]
    for filters in (None, Filters(sources=("002_4803be79736df0a6.txt",))):
        with pytest.raises(StoreUnavailable, match=r"^the vector store is unavailable; retry shortly$"):
            retriever.search("Bundeswehr troop strength target", k=5, filters=filters)


def test_vector_cache__reads_the_store_only_for_vectors_it_does_not_keep(retriever: Retriever) -> None:
    store = retriever.store
    reads: list[list[str]] = []
    real = store.vectors

    def counted(ids: Sequence[str]) -> dict[str, np.ndarray]:
        reads.append(list(ids))
        return real(ids)

    store.vectors = counted  # type: ignore[method-assign]
    first = retriever.search("Bundeswehr troop strength target", 5)
    assert len(reads) == 1 and reads[0]
    again = retriever.search("Bundeswehr troop strength target", 5)
    assert len(reads) == 1  # every hit and neighbour kept: no second read
    assert [(h.chunk.id, h.dense_window) for h in again] == [(h.chunk.id, h.dense_window) for h in first]
    small = VectorCache(size=2)
    wanted = sorted(reads[0])
    assert len(wanted) > 2 and set(small.vectors(wanted, store)) == set(wanted) and len(reads) == 2
    small.vectors(wanted[-2:], store)  # the two most recent are kept
    assert len(reads) == 2
    small.vectors(wanted[:1], store)  # the others were let go
    assert len(reads) == 3
