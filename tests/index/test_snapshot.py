"""The corpus snapshot: what it holds, its term statistics, and the one filter rule."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from footnote.index.errors import UnknownSource
from footnote.index.ingest import ingest_folder
from footnote.index.snapshot import Snapshot, load_snapshot
from footnote.index.store import Store
from footnote.index.tokenize import tokenize
from footnote.index.types import Filters
from tests.conftest import FakeEmbedder


@pytest.fixture
def snapshot(corpus: Path, store: Store, fake_embedder: FakeEmbedder) -> Snapshot:
    ingest_folder(corpus, store, fake_embedder)
    return load_snapshot(store)


def test_snapshot__holds_the_live_documents_their_stored_texts_and_chunks(
    snapshot: Snapshot, corpus: Path
) -> None:
    assert set(snapshot.documents) == set(snapshot.texts) == {p.name for p in corpus.iterdir()}
    for c in snapshot.chunks:
        assert snapshot.texts[c.source][c.start : c.end] == c.text
    assert [(c.source, c.position) for c in snapshot.chunks] == sorted(
        (c.source, c.position) for c in snapshot.chunks
    )


def test_snapshot__idf_is_lucenes_over_the_chunks_that_hold_a_stem(snapshot: Snapshot) -> None:
    n = len(snapshot.chunks)
    tokens = [set(tokenize(c.text)) for c in snapshot.chunks]
    for term in ("bundeswehr", "lavrov", "ukrain", "peac"):
        df = sum(term in t for t in tokens)
        assert df, term
        assert snapshot.idf(term) == pytest.approx(np.log(1 + (n - df + 0.5) / (df + 0.5)))
    assert snapshot.idf("zzzunseen") == 0.0
    assert snapshot.idf("ukrain") < snapshot.idf("bundeswehr")  # rarer is worth more


def test_snapshot__previous_stays_within_a_paragraph(snapshot: Snapshot) -> None:
    first = snapshot.chunks[0]
    assert snapshot.previous(first) is None
    for before, after in zip(snapshot.chunks, snapshot.chunks[1:], strict=False):
        same = before.source == after.source and before.paragraph == after.paragraph
        assert snapshot.previous(after) == (before if same else None)


def test_snapshot__following_stays_within_a_paragraph(snapshot: Snapshot) -> None:
    assert snapshot.neighbours.following(snapshot.chunks[-1]) is None
    for before, after in zip(snapshot.chunks, snapshot.chunks[1:], strict=False):
        same = before.source == after.source and before.paragraph == after.paragraph
        assert snapshot.neighbours.following(before) == (after if same else None)


def test_snapshot__vocabulary_knows_titles_and_dates(snapshot: Snapshot) -> None:
    dated = next(d for d in snapshot.documents.values() if d.published)
    assert snapshot.about(dated.source) <= snapshot.vocabulary
    assert set(tokenize(date.fromisoformat(dated.published or "").strftime("%B"))) <= snapshot.about(
        dated.source
    )


def test_filters__one_rule_an_undated_article_is_neither_after_nor_before(snapshot: Snapshot) -> None:
    undated = {s for s, d in snapshot.documents.items() if d.published is None}
    assert undated
    for f in (Filters(published_after=date(2000, 1, 1)), Filters(published_before=date(2100, 1, 1))):
        admitted = snapshot.catalogue.admitted(f)
        assert admitted is not None and not (admitted & undated)
        assert admitted == {s for s, d in snapshot.documents.items() if d.published}
    assert snapshot.catalogue.admitted(Filters()) is None  # nothing restricted
    one = sorted(snapshot.documents)[0]
    assert snapshot.catalogue.admitted(Filters(sources=(one,))) == {one}
    with pytest.raises(UnknownSource, match=r"unknown source: 'nope.txt'"):
        snapshot.catalogue.admitted(Filters(sources=("nope.txt",)))


def test_lexical__only_admitted_chunks_score(snapshot: Snapshot) -> None:
    terms = tokenize("Lavrov security guarantees Ukraine")
    everything = snapshot.lexical(terms, None, 50)
    sources = {c.source for c, _ in everything}
    assert len(sources) > 1
    one = sorted(sources)[0]
    only = snapshot.lexical(terms, frozenset({one}), 50)
    assert only and {c.source for c, _ in only} == {one}
    assert all(score > 0 for _, score in only)
