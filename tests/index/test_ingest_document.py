"""One document written while another writer of the same name is halfway: one consistent version."""

from __future__ import annotations

import numpy as np

from footnote.index.chunk import chunk_document
from footnote.index.ingest import ingest_document
from footnote.index.load import read_document
from footnote.index.store import Store
from tests.conftest import FakeEmbedder


def _doc(version: str) -> bytes:
    return (
        f"# Ferry news\n\nThe harbour ferry resumed service in {version} after repairs.\n\n"
        f"The council paid {version} million euros for the engine.\n"
    ).encode()


def test_ingest_document__keeps_the_chunks_of_a_rival_write_that_commits_after_it(
    store: Store, fake_embedder: FakeEmbedder
) -> None:
    ingest_document(read_document("ferry.md", _doc("1990"), "text"), store, fake_embedder)
    # replica B has added its version's chunks but not committed yet...
    rival = read_document("ferry.md", _doc("2024"), "text")
    chunks = chunk_document(rival)
    store.add(rival, chunks, np.stack(fake_embedder.embed_batch([c.text for c in chunks])))
    # ...when replica A writes its own version...
    ingest_document(read_document("ferry.md", _doc("2025"), "text"), store, fake_embedder)
    # ...and then B commits: the manifest names B's version, and all its chunks must be there
    store.commit(rival, len(chunks))
    live = [cid for cid, (_, sha) in store.chunk_keys("ferry.md").items() if sha == rival.sha256]
    assert sorted(live) == sorted(c.id for c in chunks)
