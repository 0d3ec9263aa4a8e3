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

from footnote.index.connect import open_client
from footnote.index.ingest import ingest_folder
from footnote.index.repair import inspect
from footnote.index.store import Store
from tests.conftest import ROOT, SEEDS, FakeEmbedder, retriever_over

UNAVAILABLE = "the vector store is unavailable; retry shortly"

_INGEST = """
import sys
sys.path[:0] = [{root!r}]
from pathlib import Path
from footnote.index.ingest import ingest_folder
from footnote.index.repair import inspect
from footnote.index.connect import open_client
from footnote.index.store import Store
from tests.conftest import FakeEmbedder

print(ingest_folder(Path({corpus!r}), Store(open_client({data!r}, None)), FakeEmbedder()).summary())
"""

# Reading a damaged index can crash the reader (see index/repair.py): questions are asked elsewhere.
_ASK = """
import sys
sys.path[:0] = [{root!r}]
from footnote.index.errors import StoreUnavailable
from footnote.index.connect import open_client
from footnote.index.store import Store
from tests.conftest import FakeEmbedder, retriever_over

store = Store(open_client({data!r}, None))
ask = lambda: retriever_over(store, FakeEmbedder()).search("Bundeswehr troop strength", k=20)
for step in (store.check, ask):
    try:
        step()
        print("answered")
    except StoreUnavailable as exc:
        print(exc)
"""


def _python(script: str, **values: str) -> subprocess.CompletedProcess[str]:
    code = textwrap.dedent(script).format(root=str(ROOT), **values)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight copies of the seeds under other names: enough chunks for Chroma to write its HNSW files."""
    folder = tmp_path_factory.mktemp("big")
    for i in range(8):
        for path in SEEDS.iterdir():
            shutil.copy(path, folder / f"c{i}_{path.name}")
    return folder


@pytest.fixture(scope="module")
def big_store(big_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data folder of an embedded store holding `big_corpus`; copy it before damaging it."""
    data = tmp_path_factory.mktemp("big-data")
    # In another process: Chroma keeps an open store's index in memory, as a restarted service would not.
    proc = _python(_INGEST, corpus=str(big_corpus), data=str(data))
    assert proc.returncode == 0, proc.stderr
    return data


def chunks_hnsw_dir(data: Path) -> Path:
    with sqlite3.connect(data / "chroma" / "chroma.sqlite3") as db:
        (segment,) = db.execute(
            "SELECT s.id FROM segments s JOIN collections c ON s.collection = c.id "
            "WHERE c.name = 'footnote_chunks' AND s.scope = 'VECTOR'"
        ).fetchone()
    return data / "chroma" / str(segment)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("damaged", "kept"),
    [
        ("data_level0.bin", 0.0),
        ("data_level0.bin", 0.5),
        ("header.bin", 0.0),
        ("header.bin", 0.5),  # reading it segfaults: the check runs in a child process
    ],
)
def test_damaged_index__questions_fail_as_unavailable_and_ingest_repairs_it(
    big_corpus: Path, big_store: Path, tmp_path: Path, fake_embedder: FakeEmbedder, damaged: str, kept: float
) -> None:
    data = tmp_path / "data"
    shutil.copytree(big_store, data)
    hnsw = chunks_hnsw_dir(data) / damaged
    assert hnsw.stat().st_size > 0
    with hnsw.open("r+b") as f:  # truncated, as by a full disk or a killed copy
        f.truncate(int(hnsw.stat().st_size * kept))

    if not kept:  # (a file cut in half still answers for what it holds: only ingest's full read sees it)
        asked = _python(_ASK, data=str(data))  # what /readyz reports, then a question
        assert asked.stdout.splitlines() == [UNAVAILABLE, UNAVAILABLE], asked.stderr

    store = Store(open_client(str(data), None))
    report = ingest_folder(big_corpus, store, fake_embedder, isolated=True)
    assert report.repaired and report.summary().endswith("; repaired a damaged vector index")
    assert report.stored == len(store.chunk_keys()) > 1000
    if damaged == "data_level0.bin" and kept:  # what could still be read was reused, not embedded again
        assert report.reused > 0 and report.embedded < 211
    assert inspect(store) is None  # every vector reads back now
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
    for isolated in (False, True):
        report = ingest_folder(corpus, store, fake_embedder, isolated=isolated)
        assert not report.repaired and "repaired" not in report.summary()
