"""The manifest's generation: every write to it changes the marker replicas poll."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from footnote.index.connect import open_client
from footnote.index.ingest import ingest_folder
from footnote.index.store import Store
from tests.conftest import ROOT, FakeEmbedder


def test_generation__starts_at_zero_on_a_fresh_store(store: Store) -> None:
    assert store.generation().counter == 0


def test_generation__every_commit_and_forget_changes_it(
    corpus: Path, store: Store, fake_embedder: FakeEmbedder
) -> None:
    before = store.generation()
    ingest_folder(corpus, store, fake_embedder)
    after_ingest = store.generation()
    assert after_ingest != before and after_ingest.counter > before.counter

    (corpus / sorted(p.name for p in corpus.iterdir())[0]).unlink()
    ingest_folder(corpus, store, fake_embedder)
    assert store.generation() != after_ingest


def test_generation__an_unchanged_ingest_leaves_it_alone(
    corpus: Path, store: Store, fake_embedder: FakeEmbedder
) -> None:
    ingest_folder(corpus, store, fake_embedder)
    before = store.generation()
    ingest_folder(corpus, store, fake_embedder)
    assert store.generation() == before


def test_generation__another_client_on_the_same_data_dir_sees_the_change(
    tmp_path: Path, corpus: Path, fake_embedder: FakeEmbedder
) -> None:
    reader = Store(open_client(str(tmp_path / "shared"), None))
    writer = Store(open_client(str(tmp_path / "shared"), None))
    before = reader.generation()
    ingest_folder(corpus, writer, fake_embedder)
    assert reader.generation() != before


_WRITE = """
import sys
from pathlib import Path
from footnote.index.ingest import ingest_folder
from footnote.index.connect import open_client
from footnote.index.store import Store
from tests.conftest import FakeEmbedder
ingest_folder(Path(sys.argv[2]), Store(open_client(sys.argv[1], None)), FakeEmbedder())
"""


def test_fresh__an_embedded_store_sees_chunks_another_process_wrote(
    tmp_path: Path, corpus: Path, fake_embedder: FakeEmbedder
) -> None:
    data = str(tmp_path / "shared")
    store = Store(open_client(data, None))
    ingest_folder(corpus, store, fake_embedder)
    (corpus / "zanzibar.txt").write_text("# Zanzibar\n\nZanzibar built a ferry terminal.\n", encoding="utf-8")
    # `footnote ingest` beside a running server: another process, its own Chroma client
    done = subprocess.run(
        [sys.executable, "-c", _WRITE, data, str(corpus)], cwd=ROOT, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    fresh = store.fresh()
    ids = [cid for cid, (source, _) in fresh.chunk_keys().items() if source == "zanzibar.txt"]
    assert ids and set(fresh.vectors(ids)) == set(ids)  # read through this process's own client
