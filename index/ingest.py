"""Ingest: bring the index in line with a folder, or write or remove one document, embedding only
what is new.

Order of writes, so that a kill at any point is harmless (see index/store.py):
1. add the new version's chunks (ids are content hashes, so old and new never collide);
2. commit the document's manifest record — the moment the new version becomes live;
3. delete the old version's chunks, and the chunks of files that left the folder.
Step 3 is also a repair: every run deletes chunk records that no manifest record claims.
And every run first checks that every stored vector reads back (index/repair.py): when not
(a truncated HNSW file), the chunks collection is rebuilt from the folder, reusing the vectors
still readable.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from footnote.index.chunk import chunk_document
from footnote.index.embed import Embedder
from footnote.index.errors import UnknownSource
from footnote.index.load import load_folder
from footnote.index.records import StoredDocument, text_hash
from footnote.index.repair import inspect
from footnote.index.store import Store
from footnote.index.types import Chunk, Document

__all__ = ["IngestReport", "ingest_document", "ingest_folder", "remove_document"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class IngestReport:
    """What one ingest run did."""

    files: int = 0
    stored: int = 0  # chunks written (of new and changed files)
    embedded: int = 0  # distinct texts that had to be embedded for them
    reused: int = 0  # stored chunks whose vector was already in the store
    removed: int = 0
    unchanged: int = 0  # chunks of files that did not change
    repaired: bool = False  # the vector index was damaged and has been rebuilt
    seconds: float = 0.0

    def summary(self) -> str:
        """The one line printed at the end of an ingest."""
        line = (
            f"ingested {self.files} files: {self.stored} chunks stored ({self.embedded} texts embedded, "
            f"{self.reused} vectors reused), {self.removed} removed, {self.unchanged} unchanged "
            f"in {self.seconds:.1f}s"
        )
        return f"{line}; repaired a damaged vector index" if self.repaired else line


def _unchanged(doc: Document, known: StoredDocument, counts: Counter[tuple[str, str]]) -> bool:
    """Whether `doc` is already live, every one of its chunks stored (`counts`: of chunk keys)."""
    return known.sha256 == doc.sha256 and counts[doc.source, doc.sha256] == known.chunks


def _store(
    docs: list[Document],
    store: Store,
    embedder: Embedder,
    report: IngestReport,
    salvaged: dict[str, np.ndarray] | None = None,
) -> list[Chunk]:
    """Chunk, embed what has no stored vector yet, then write and commit each document in turn.

    Returns the chunks written. Each document becomes live at its own `commit`: a failure
    before it leaves that document's previous version served.
    """
    todo = [(doc, chunk_document(doc), (salvaged or {}) | store.vectors_by_text(doc.source)) for doc in docs]
    missing = sorted(
        {c.text for _, chunks, known_vecs in todo for c in chunks if text_hash(c.text) not in known_vecs}
    )
    # embed them all at once: one length-sorted pass wastes the least on padding
    fresh = dict(zip(map(text_hash, missing), embedder.embed_batch(missing), strict=True)) if missing else {}
    report.embedded += len(missing)
    written: list[Chunk] = []
    for doc, chunks, known_vecs in todo:
        hashes = [text_hash(c.text) for c in chunks]
        vectors = np.stack([known_vecs[h] if h in known_vecs else fresh[h] for h in hashes])
        store.add(doc, chunks, vectors)
        store.commit(doc, len(chunks))
        report.stored += len(chunks)
        report.reused += sum(1 for h in hashes if h in known_vecs)
        written.extend(chunks)
    return written


def ingest_document(doc: Document, store: Store, embedder: Embedder) -> IngestReport:
    """Create or replace one document; the same bytes again embed and write nothing.

    Only the chunks of the version that was live before the write are deleted after it, never
    those of another version: another writer of the same name may have added them and commit
    after this write, and the manifest then names its version, which must be whole. A version
    that loses such a race is merely orphaned (swept by the next `ingest_folder`).
    """
    began = time.perf_counter()
    report = IngestReport(files=1)
    keys = store.chunk_keys(doc.source)
    known = store.documents().get(doc.source)
    if known is not None and _unchanged(doc, known, Counter(keys.values())):
        report.unchanged = known.chunks
    else:
        _store([doc], store, embedder, report)
        previous = known.sha256 if known is not None and known.sha256 != doc.sha256 else None
        stale = [cid for cid, (_, sha) in keys.items() if sha == previous]
        store.delete(stale)
        report.removed = len(stale)
    report.seconds = time.perf_counter() - began
    return report


def remove_document(source: str, store: Store) -> int:
    """Take one document out of the index; UnknownSource when it is not there. Returns chunks removed."""
    if source not in store.documents():
        raise UnknownSource(source)
    keys = store.chunk_keys(source)
    store.forget(source)  # the switch: from here on no snapshot serves it
    store.delete(list(keys))
    return len(keys)


def ingest_folder(folder: Path, store: Store, embedder: Embedder, isolated: bool = False) -> IngestReport:
    """Make the index hold exactly the readable articles of `folder`, repairing a damaged one.

    `isolated`: check the vector index in a child process (see index/repair.py).
    """
    began = time.perf_counter()
    docs = load_folder(folder)
    report = IngestReport(files=len(docs))
    salvaged = inspect(store, isolated)  # the vectors still readable, when the vector index is damaged
    if salvaged is not None:
        store.rebuild_chunks()
        report.repaired = True
        log.warning("the vector index was damaged: rebuilt it, reusing %d readable vectors", len(salvaged))
    manifest = store.documents()
    keys = store.chunk_keys()
    counts = Counter(keys.values())
    todo: list[Document] = []
    for doc in docs:
        known = manifest.get(doc.source)
        if known is not None and _unchanged(doc, known, counts):
            report.unchanged += known.chunks
        else:
            todo.append(doc)
    for chunk in _store(todo, store, embedder, report, salvaged):
        keys[chunk.id] = (chunk.source, chunk.doc_sha256)
    manifest = store.documents()

    present = {d.source for d in docs}
    for source in set(manifest) - present:
        store.forget(source)
        del manifest[source]
    stale = [
        cid for cid, (source, sha) in keys.items() if source not in manifest or manifest[source].sha256 != sha
    ]
    store.delete(stale)
    report.removed = len(stale)
    report.seconds = time.perf_counter() - began
    return report
