"""Incremental refresh: a snapshot built from the previous one equals a full load, reading less."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from footnote.index.ingest import ingest_folder
from footnote.index.snapshot import Snapshot, load_snapshot
from footnote.index.store import Store
from footnote.index.tokenize import tokenize
from footnote.index.types import Document
from tests.conftest import FakeEmbedder

QUERIES = (
    "Lavrov security guarantees Ukraine",
    "Zanzibar ferry terminal shillings",
    "How many soldiers could a peacekeeping mission include?",
    "Bundeswehr budget",
)
FERRY = (
    "# Zanzibar ferry\n\nZanzibar's harbour board approved a ferry terminal costing 41 million shillings.\n"
)
FIRST, SECOND = "000_4a51942bda6d7b72.txt", "001_cd6566ad51ff6609.txt"


class Counting:
    """A Chroma collection that records the ids each `get` returned (all else passes through)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.ids = inner, []

    def get(self, **kwargs: Any) -> Any:
        got = self.inner.get(**kwargs)
        self.ids += got["ids"]
        return got

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _add(corpus: Path) -> None:
    (corpus / "zanzibar.txt").write_text(FERRY, encoding="utf-8")


def _replace(corpus: Path) -> None:
    path = corpus / FIRST
    path.write_text(path.read_text(encoding="utf-8") + "\n" + FERRY, encoding="utf-8")


def _delete(corpus: Path) -> None:
    (corpus / FIRST).unlink()


def _assert_same(got: Snapshot, full: Snapshot) -> None:
    assert got.chunks == full.chunks
    assert got.documents == full.documents and got.texts == full.texts
    assert got.vocabulary == full.vocabulary
    for term in {t for q in QUERIES for t in tokenize(q)} | set(full.vocabulary):
        assert got.idf(term) == full.idf(term), term
    for q in QUERIES:
        terms = [t for t in tokenize(q) if t in full.index.bm25.vocab_dict]
        if terms:
            np.testing.assert_array_equal(got.index.bm25.get_scores(terms), full.index.bm25.get_scores(terms))
        assert got.lexical(tokenize(q), None, 20) == full.lexical(tokenize(q), None, 20)
        one = frozenset({SECOND})
        assert got.lexical(tokenize(q), one, 20) == full.lexical(tokenize(q), one, 20)


@pytest.mark.parametrize("change", [_add, _replace, _delete], ids=["add", "replace", "delete"])
def test_refresh__equals_a_full_load_after_a_change(
    corpus: Path, store: Store, fake_embedder: FakeEmbedder, change: Callable[[Path], None]
) -> None:
    ingest_folder(corpus, store, fake_embedder)
    before = load_snapshot(store)
    change(corpus)
    ingest_folder(corpus, store, fake_embedder)
    _assert_same(load_snapshot(store, before), load_snapshot(store))


def test_refresh__equals_a_full_load_after_a_chain_of_changes(
    corpus: Path, store: Store, fake_embedder: FakeEmbedder
) -> None:
    ingest_folder(corpus, store, fake_embedder)
    snapshot = load_snapshot(store)
    for change in (_add, _replace, _delete):
        change(corpus)
        ingest_folder(corpus, store, fake_embedder)
        snapshot = load_snapshot(store, snapshot)
    _assert_same(snapshot, load_snapshot(store))


def test_refresh__reads_only_the_changed_documents_chunks_and_text(
    corpus: Path, store: Store, fake_embedder: FakeEmbedder
) -> None:
    ingest_folder(corpus, store, fake_embedder)
    before = load_snapshot(store)
    _replace(corpus)
    ingest_folder(corpus, store, fake_embedder)
    chunks, docs = Counting(store.chunks), Counting(store.docs)
    store.chunks, store.docs = chunks, docs
    after = load_snapshot(store, before)
    changed = {c.id for c in after.chunks if c.source == FIRST}
    assert changed and set(chunks.ids) == changed and len(chunks.ids) == len(changed)
    assert docs.ids.count(FIRST) == 2  # the manifest, then its stored text
    assert sorted(docs.ids) == sorted([*after.documents, FIRST])  # no other text read


def test_refresh__reads_everything_again_when_most_of_the_corpus_changed(
    corpus: Path, store: Store, fake_embedder: FakeEmbedder
) -> None:
    ingest_folder(corpus, store, fake_embedder)
    before = load_snapshot(store)
    for path in sorted(corpus.iterdir())[:4]:
        path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence here.\n", encoding="utf-8")
    ingest_folder(corpus, store, fake_embedder)
    chunks = Counting(store.chunks)
    store.chunks = chunks
    after = load_snapshot(store, before)
    assert {c.id for c in after.chunks} <= set(chunks.ids)  # one pass over the collection
    _assert_same(after, load_snapshot(store))


def test_refresh__the_previous_snapshot_keeps_answering_as_it_did(
    corpus: Path, store: Store, fake_embedder: FakeEmbedder
) -> None:
    ingest_folder(corpus, store, fake_embedder)
    before = load_snapshot(store)
    answer = before.lexical(tokenize("Zanzibar ferry Lavrov"), None, 20)
    _add(corpus)
    ingest_folder(corpus, store, fake_embedder)
    after = load_snapshot(store, before)
    assert [c.source for c, _ in after.lexical(tokenize("Zanzibar ferry"), None, 20)] == ["zanzibar.txt"]
    # the new stems are unknown to the old snapshot (not an error), which scores as before
    assert before.lexical(tokenize("Zanzibar ferry"), None, 20) == []
    assert before.lexical(tokenize("Zanzibar ferry Lavrov"), None, 20) == answer


def test_refresh__a_document_read_incomplete_is_read_again(
    corpus: Path, store: Store, fake_embedder: FakeEmbedder
) -> None:
    ingest_folder(corpus, store, fake_embedder)
    full = load_snapshot(store)
    # a snapshot loaded while a writer was between its writes missed some of FIRST's chunks
    held = [c for c in full.chunks if c.source == FIRST][:3]
    vectors = store.vectors([c.id for c in held])
    store.delete([c.id for c in held])
    partial = load_snapshot(store)
    assert len(partial.chunks) == len(full.chunks) - 3
    d = full.documents[FIRST]
    doc = Document(FIRST, full.texts[FIRST], d.sha256, d.title, d.author, d.published)
    store.add(doc, held, np.stack([vectors[c.id] for c in held]))
    _assert_same(load_snapshot(store, partial), full)
