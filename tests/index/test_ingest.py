from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from footnote.index.connect import open_client
from footnote.index.ingest import ingest_folder
from footnote.index.store import Store
from footnote.index.types import Filters
from tests.conftest import ROOT, FakeEmbedder, retriever_over


def _live(store: Store) -> dict[str, set[str]]:
    manifest = store.documents()
    out: dict[str, set[str]] = {}
    for cid, (source, sha) in store.chunk_keys().items():
        if manifest.get(source) and manifest[source].sha256 == sha:
            out.setdefault(source, set()).add(cid)
    return out


def test_ingest__unchanged_folder_embeds_nothing(
    corpus: Path, store: Store, fake_embedder: FakeEmbedder
) -> None:
    first = ingest_folder(corpus, store, fake_embedder)
    assert first.files == 5 and first.stored > 100 and first.removed == 0
    embedded = fake_embedder.embedded
    again = ingest_folder(corpus, store, fake_embedder)
    assert fake_embedder.embedded == embedded
    assert (again.stored, again.embedded, again.reused, again.removed) == (0, 0, 0, 0)
    assert again.unchanged == first.stored
    assert again.summary().startswith(
        f"ingested 5 files: 0 chunks stored (0 texts embedded, 0 vectors reused), 0 removed, "
        f"{first.stored} unchanged in "
    )


def test_ingest__summary_counts_chunks_stored_and_texts_embedded_apart(
    corpus: Path, store: Store, fake_embedder: FakeEmbedder
) -> None:
    # the same article under a second name: twice the chunks, the same texts
    original = corpus / "000_4a51942bda6d7b72.txt"
    (corpus / "copy.txt").write_text(original.read_text(encoding="utf-8"), encoding="utf-8")
    report = ingest_folder(corpus, store, fake_embedder)
    assert report.stored == len(store.chunk_keys())
    assert report.embedded == fake_embedder.embedded < report.stored
    assert report.summary().startswith(
        f"ingested 6 files: {report.stored} chunks stored ({report.embedded} texts embedded, "
        "0 vectors reused), 0 removed, 0 unchanged in "
    )


def test_ingest__modified_file_is_replaced_reusing_vectors_of_unchanged_sentences(
    corpus: Path, store: Store, fake_embedder: FakeEmbedder
) -> None:
    ingest_folder(corpus, store, fake_embedder)
    path = corpus / "003_7627b42785f0bcd5.txt"
    old_ids = _live(store)[path.name]
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\nKyiv rejected the Geneva proposal outright on Monday.\n", encoding="utf-8")
    before = fake_embedder.embedded
    report = ingest_folder(corpus, store, fake_embedder)
    assert fake_embedder.embedded - before == 1  # only the new sentence is embedded
    assert (report.embedded, report.reused) == (1, len(old_ids))
    assert report.stored == len(old_ids) + 1 and report.removed == len(old_ids)
    new_ids = _live(store)[path.name]
    assert not new_ids & old_ids
    assert len(store.chunk_keys()) == sum(len(v) for v in _live(store).values())  # nothing stale left
    assert store.texts([path.name])[path.name] == path.read_text(encoding="utf-8")


def test_ingest__deleted_file_leaves_the_index(
    corpus: Path, store: Store, fake_embedder: FakeEmbedder
) -> None:
    ingest_folder(corpus, store, fake_embedder)
    (corpus / "001_cd6566ad51ff6609.txt").unlink()
    report = ingest_folder(corpus, store, fake_embedder)
    assert report.removed > 0
    assert "001_cd6566ad51ff6609.txt" not in store.documents()
    assert all(source != "001_cd6566ad51ff6609.txt" for source, _ in store.chunk_keys().values())


_KILLED_INGEST = """
import os, signal, sys
sys.path[:0] = [{root!r}]
from pathlib import Path
from footnote.index.ingest import ingest_folder
from footnote.index.connect import open_client
from footnote.index.store import Store
from tests.conftest import FakeEmbedder

store = Store(open_client({data!r}, None))
def die_before_commit(doc, chunks):  # the new chunks are written; the manifest is not
    os.kill(os.getpid(), signal.SIGKILL)
store.commit = die_before_commit
ingest_folder(Path({corpus!r}), store, FakeEmbedder())
"""


def test_ingest__killed_halfway_leaves_previous_index_usable_and_next_run_repairs(
    corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    data = str(tmp_path / "data")
    ingest_folder(corpus, Store(open_client(data, None)), fake_embedder)
    path = corpus / "004_a7cc7977949a6578.txt"
    old_text = path.read_text(encoding="utf-8")
    path.write_text(old_text.replace("Berlin", "Geneva"), encoding="utf-8")
    script = textwrap.dedent(_KILLED_INGEST).format(root=str(ROOT), data=data, corpus=str(corpus))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()

    store = Store(open_client(data, None))
    assert len(store.chunk_keys()) > sum(len(v) for v in _live(store).values())  # orphans exist
    retriever = retriever_over(store, fake_embedder)  # loads: the old version is the live one
    assert store.texts([path.name])[path.name] == old_text
    hits = retriever.search("peace negotiations Geneva Berlin", k=50, filters=Filters(sources=(path.name,)))
    texts = store.texts()
    assert hits and all(texts[h.chunk.source][h.chunk.start : h.chunk.end] == h.chunk.text for h in hits)
    assert any("Berlin" in h.chunk.text for h in hits)
    assert not any("Geneva" in h.chunk.text for h in hits)  # the half-written version is invisible

    report = ingest_folder(corpus, store, fake_embedder)  # the next run repairs
    # by deleting the orphans, or, when Chroma's segments now disagree about them ("Error
    # finding id" as it reads vectors back), by rebuilding the vector index
    assert report.removed > 0 or report.repaired
    assert len(store.chunk_keys()) == sum(len(v) for v in _live(store).values())
    assert store.texts([path.name])[path.name] == path.read_text(encoding="utf-8")
    assert os.path.isdir(data)
