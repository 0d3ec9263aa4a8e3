"""The live corpus under a pipeline: catalogue, refresh and sync, writes that swap clients, closing."""

from __future__ import annotations

import threading
from pathlib import Path

import psutil
import pytest

from footnote.index.errors import StoreUnavailable, UnknownSource
from footnote.index.ingest import ingest_document, ingest_folder, remove_document
from footnote.index.load import read_document
from footnote.index.snapshot import load_snapshot
from footnote.index.store import Store
from footnote.service.answer.pipeline import Pipeline
from footnote.service.build import learned
from footnote.service.corpus.live import NOTHING_INDEXED
from tests.conftest import FakeEmbedder

NEW = "Zanzibar's harbour board approved a new ferry terminal costing 41 million shillings in 2024.\n"


@pytest.fixture
def pipeline(corpus: Path, store: Store, fake_embedder: FakeEmbedder) -> Pipeline:
    ingest_folder(corpus, store, fake_embedder)
    return Pipeline(store, fake_embedder, load_snapshot(store), 20, learned)


def test_sources__list_every_document_and_one_with_its_stored_text(pipeline: Pipeline, corpus: Path) -> None:
    listed = pipeline.corpus.sources()
    assert [s["name"] for s in listed] == sorted(p.name for p in corpus.iterdir())
    name = str(listed[0]["name"])
    one = pipeline.corpus.source(name)
    assert one["text"] == (corpus / name).read_text(encoding="utf-8")
    assert {k: v for k, v in one.items() if k != "text"} == listed[0]
    with pytest.raises(UnknownSource):
        pipeline.corpus.source("../pyproject.toml")


def test_refresh__swaps_in_what_the_store_holds_now(
    pipeline: Pipeline, corpus: Path, store: Store, fake_embedder: FakeEmbedder
) -> None:
    question = "How much did the Zanzibar ferry terminal cost?"
    assert pipeline.ask(question).abstained
    (corpus / "zanzibar.txt").write_text("# Zanzibar ferry terminal\n\n" + NEW, encoding="utf-8")
    ingest_folder(corpus, store, fake_embedder)
    before = pipeline.corpus.snapshot
    assert pipeline.ask(question).abstained  # not until refreshed: the snapshot is immutable
    pipeline.corpus.refresh()
    assert pipeline.corpus.snapshot is not before and "zanzibar.txt" in pipeline.corpus.snapshot.documents
    answer = pipeline.ask(question)
    assert not answer.abstained and "41 million" in answer.answer
    assert "zanzibar.txt" not in before.documents  # an older snapshot stays whole for whoever holds it


def test_sync__swaps_only_when_the_store_generation_moved(
    pipeline: Pipeline, corpus: Path, store: Store, fake_embedder: FakeEmbedder
) -> None:
    pipeline.corpus.sync()  # built without a known generation: the first sync loads once
    before = pipeline.corpus.snapshot
    # nothing written: nothing rebuilt
    assert pipeline.corpus.sync() is False and pipeline.corpus.snapshot is before
    (corpus / "zanzibar.txt").write_text("# Zanzibar ferry terminal\n\n" + NEW, encoding="utf-8")
    ingest_folder(corpus, store, fake_embedder)
    assert pipeline.corpus.sync() is True
    assert "zanzibar.txt" in pipeline.corpus.snapshot.documents
    assert pipeline.corpus.generation == store.generation()
    (corpus / "zanzibar.txt").unlink()
    ingest_folder(corpus, store, fake_embedder)
    assert pipeline.corpus.sync() is True and "zanzibar.txt" not in pipeline.corpus.snapshot.documents
    assert pipeline.ask("How much did the Zanzibar ferry terminal cost?").abstained


def test_sync__to_a_store_emptied_of_every_document_abstains_saying_nothing_is_indexed(
    pipeline: Pipeline, corpus: Path, store: Store
) -> None:
    for name in [p.name for p in corpus.iterdir()]:
        remove_document(name, store)
    assert pipeline.corpus.sync() is True  # an empty corpus is a state to serve, not a failure to load
    assert pipeline.corpus.sources() == []
    with pytest.raises(UnknownSource):
        pipeline.corpus.source(next(corpus.iterdir()).name)
    answer = pipeline.ask("How much did the Zanzibar ferry terminal cost?")
    assert (answer.abstained, answer.reason, answer.citations) == (True, NOTHING_INDEXED, [])


def test_sync__from_two_threads_at_once_swaps_without_breaking_the_store_client(
    pipeline: Pipeline, store: Store, fake_embedder: FakeEmbedder
) -> None:
    # a write's own sync and the loader's poll meet after every write; each refresh opens a new
    # embedded Chroma client, which drops Chroma's process-wide cache of them (see Store.fresh)
    failures: list[Exception] = []

    def sync() -> None:
        try:
            pipeline.corpus.sync()
            pipeline.corpus.check()
        except Exception as exc:
            failures.append(exc)

    for n in range(10):
        text = f"# Ferry\n\nThe harbour ferry made crossing number {n} on Monday.\n"
        doc = read_document("ferry.txt", text.encode(), "text")
        ingest_document(doc, pipeline.corpus.store, fake_embedder)
        threads = [threading.Thread(target=sync) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert failures == [], n
        assert f"crossing number {n}" in pipeline.corpus.source("ferry.txt")["text"]  # type: ignore[operator]


def _resources() -> tuple[int, int]:
    process = psutil.Process()
    return process.num_threads(), process.num_fds()


def _write(pipeline: Pipeline, fake_embedder: FakeEmbedder, n: int) -> None:
    text = f"# Ferry\n\nThe harbour ferry made crossing number {n} on Monday.\n"
    with pipeline.corpus.writing() as store:  # syncs when done: a refresh through a new client
        ingest_document(read_document("ferry.txt", text.encode(), "text"), store, fake_embedder)


def test_writes__each_replaced_store_client_is_closed_so_threads_and_files_do_not_pile_up(
    pipeline: Pipeline, fake_embedder: FakeEmbedder
) -> None:
    _write(pipeline, fake_embedder, 0)  # the first refresh leaves the shared client behind
    threads, files = _resources()
    for n in range(1, 31):
        _write(pipeline, fake_embedder, n)
    grown = tuple(after - before for after, before in zip(_resources(), (threads, files), strict=True))
    # unclosed, each refresh kept a client's threads and SQLite handles (about 1 and 3 a write)
    assert grown[0] <= 6 and grown[1] <= 10, grown
    assert "crossing number 30" in pipeline.corpus.source("ferry.txt")["text"]  # type: ignore[operator]


def test_writes__a_question_in_flight_finishes_on_the_client_it_started_with(
    pipeline: Pipeline, fake_embedder: FakeEmbedder
) -> None:
    failures: list[Exception] = []
    done = threading.Event()

    def ask() -> None:
        while not done.is_set():
            try:
                pipeline.ask("Which ferry crossing was made on Monday?")
            except Exception as exc:  # a closed client under a question in flight
                failures.append(exc)

    askers = [threading.Thread(target=ask) for _ in range(3)]
    for t in askers:
        t.start()
    try:
        for n in range(15):
            _write(pipeline, fake_embedder, n)
    finally:
        done.set()
        for t in askers:
            t.join(timeout=60)
    assert failures == []


def test_closed__a_question_to_a_pipeline_the_loader_replaced_is_refused_as_unavailable(
    pipeline: Pipeline,
) -> None:
    pipeline.corpus.close()
    with pytest.raises(StoreUnavailable):
        pipeline.ask("Which ferry crossing was made on Monday?")
