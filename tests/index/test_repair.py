"""A damaged vector index (a truncated HNSW file): questions are StoreUnavailable; ingest repairs it."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from index.errors import StoreUnavailable
from index.ingest import ingest_folder
from index.store import Store, open_client
from tests.conftest import ROOT, SEEDS, FakeEmbedder, retriever_over

_INGEST = """
import sys
sys.path[:0] = [{root!r}]
from pathlib import Path
from index.ingest import ingest_folder
from index.store import Store, open_client
from tests.conftest import FakeEmbedder

print(ingest_folder(Path({corpus!r}), Store(open_client({data!r}, None)), FakeEmbedder()).summary())
"""


@pytest.fixture
def big_corpus(tmp_path: Path) -> Path:
    """Eight copies of the seeds under other names: enough chunks for Chroma to write its HNSW files."""
    folder = tmp_path / "big"
    folder.mkdir()
    for i in range(8):
        for path in SEEDS.iterdir():
            shutil.copy(path, folder / f"c{i}_{path.name}")
    return folder


def _ingest_elsewhere(corpus: Path, data: Path) -> None:
    # In another process: Chroma keeps an open store's index in memory, as a restarted service would not.
    script = textwrap.dedent(_INGEST).format(root=str(ROOT), corpus=str(corpus), data=str(data))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def chunks_hnsw_dir(data: Path) -> Path:
    with sqlite3.connect(data / "chroma" / "chroma.sqlite3") as db:
        (segment,) = db.execute(
            "SELECT s.id FROM segments s JOIN collections c ON s.collection = c.id "
            "WHERE c.name = 'footnote_chunks' AND s.scope = 'VECTOR'"
        ).fetchone()
    return data / "chroma" / str(segment)


@pytest.mark.parametrize(
    ("damaged", "kept"), [("data_level0.bin", 0.0), ("data_level0.bin", 0.5), ("header.bin", 0.0)]
)
def test_damaged_index__questions_fail_as_unavailable_and_ingest_repairs_it(
    big_corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder, damaged: str, kept: float
) -> None:
    data = tmp_path / "data"
    _ingest_elsewhere(big_corpus, data)
    hnsw = chunks_hnsw_dir(data) / damaged
    assert hnsw.stat().st_size > 0
    with hnsw.open("r+b") as f:  # truncated, as by a full disk or a killed copy
        f.truncate(int(hnsw.stat().st_size * kept))

    store = Store(open_client(str(data), None))
    if not kept:  # (a file cut in half still answers for what it holds: only ingest's full read sees it)
        with pytest.raises(StoreUnavailable, match=r"^the vector store is unavailable; retry shortly$"):
            store.check()  # what /readyz reports
        with pytest.raises(StoreUnavailable, match=r"^the vector store is unavailable; retry shortly$"):
            retriever_over(store, fake_embedder).search(
                "Bundeswehr troop strength target", k=20
            )  # a question

    report = ingest_folder(big_corpus, store, fake_embedder)
    assert report.repaired and report.summary().endswith("; repaired a damaged vector index")
    assert report.stored == len(store.chunk_keys()) > 1000
    if kept:  # what could still be read was reused, not embedded again
        assert report.reused > 0 and report.embedded < 211
    assert not store.damaged()
    store.check()
    chunks = store.all_chunks()  # every chunk is back with the very vector of its text
    vectors = store.vectors([c.id for c in chunks])
    expected = FakeEmbedder().embed_batch([c.text for c in chunks])
    assert np.allclose(np.stack([vectors[c.id] for c in chunks]), expected, atol=1e-6)
    hits = retriever_over(store, fake_embedder).search("Bundeswehr troop strength target", k=20)
    assert len(hits) == 20 and all(h.dense is not None for h in hits)

    again = ingest_folder(big_corpus, store, fake_embedder)
    assert not again.repaired and (again.stored, again.embedded, again.removed) == (0, 0, 0)
    assert again.unchanged == report.stored


def test_healthy_index__ingest_repairs_nothing(
    corpus: Path, store: Store, fake_embedder: FakeEmbedder
) -> None:
    ingest_folder(corpus, store, fake_embedder)
    report = ingest_folder(corpus, store, fake_embedder)
    assert not report.repaired and "repaired" not in report.summary()
