"""Store: keep chunks, their vectors and the documents they come from in Chroma.

Two collections per namespace:
- `<ns>_chunks`: one record per sentence chunk, with its vector and exact offsets, in cosine
  space. Written and searched through Chroma's own collection API: a query asks for
  `distances` and turns them into cosine similarity (cos = 1 - distance), so no library's
  private similarity formula has to be undone.
- `<ns>_documents`: one record per source file, holding its full text and metadata. It is the
  manifest: a document's chunks count only when their `doc_sha256` matches its record here,
  and that record is written only after all of its chunks are, so an ingest killed at any
  point leaves every document either fully at its old version or fully at its new one.
A third, `<ns>_meta`, holds one record: the manifest's generation, rewritten after every
commit and forget, so a running server learns that the corpus changed from one small `get`
(see service/loader.py). Chroma has no compare-and-set, so two writers may both store counter
n+1; each also stores a fresh random token, and pollers compare the pair, never the counter
alone — a change is never missed, the counter is only for people (a metrics gauge).
Chroma is the single source of truth; nothing else is kept on disk.

Every call to Chroma is bounded in time (index/bounded.py) and whatever fails in it (a dead or
frozen server, a damaged index) surfaces as StoreUnavailable, whose message is safe to show;
the cause is logged.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from footnote.index.bounded import Bounded
from footnote.index.connect import guarded, reopen
from footnote.index.errors import StoreUnavailable
from footnote.index.records import (
    Generation,
    StoredDocument,
    chunk_from_metadata,
    opt,
    published_ordinal,
    text_hash,
)
from footnote.index.types import Chunk, Document

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

__all__ = ["Store"]

log = logging.getLogger(__name__)

_GENERATION = "generation"  # the id of the one record in `<ns>_meta`
_PAGE = 5000  # Chroma caps a single get/add batch at a few thousand records (5461 in 1.5.9)

T = TypeVar("T")


class Store:
    """The Chroma collections of one namespace."""

    def __init__(
        self,
        client: ClientAPI,
        namespace: str = "footnote",
        timeout: float = 10.0,
        close: Callable[[], None] | None = None,
    ) -> None:
        self._bounded = Bounded(timeout)  # every Chroma call: see index/bounded.py
        self.namespace, self.timeout = namespace, timeout
        self._close = close  # frees a client of its own (`fresh`); None: a shared client
        self._client, self._chunks_name = client, f"{namespace}_chunks"
        self.chunks = self._open_chunks()
        self.docs = self._call(
            client.get_or_create_collection, f"{namespace}_documents", embedding_function=None
        )
        self.meta = self._call(client.get_or_create_collection, f"{namespace}_meta", embedding_function=None)

    def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return guarded(self._bounded, fn, *args, **kwargs)

    def _open_chunks(self) -> Collection:
        return self._call(
            self._client.get_or_create_collection,
            self._chunks_name,
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )

    # -- documents (the manifest) --------------------------------------------------------
    def documents(self) -> dict[str, StoredDocument]:
        """Every committed document, by source name."""
        got = self._call(self.docs.get, include=["metadatas"])
        out: dict[str, StoredDocument] = {}
        for source, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
            m = dict(meta or {})
            out[source] = StoredDocument(
                source=source,
                sha256=str(m["sha256"]),
                title=opt(m, "title"),
                author=opt(m, "author"),
                published=opt(m, "published"),
                chunks=int(str(m["chunks"])),
                chars=int(str(m["chars"])),
            )
        return out

    def texts(self, sources: Sequence[str] | None = None) -> dict[str, str]:
        """The full original text of the given documents (all when None)."""
        ids = list(sources) if sources is not None else None
        got = self._call(self.docs.get, ids=ids, include=["documents"])
        return dict(zip(got["ids"], got["documents"] or [], strict=True))

    def commit(self, doc: Document, chunks: int) -> StoredDocument:
        """Make `doc`'s new chunks the live ones: a single atomic upsert of its manifest record."""
        meta: dict[str, str | int] = {"sha256": doc.sha256, "chunks": chunks, "chars": len(doc.text)}
        for key, value in (("title", doc.title), ("author", doc.author), ("published", doc.published)):
            if value:
                meta[key] = value
        # Chroma requires a vector per record; the manifest is never searched, so one constant.
        self._call(
            self.docs.upsert,
            ids=[doc.source],
            documents=[doc.text],
            metadatas=[meta],
            embeddings=np.ones((1, 1), np.float32),
        )
        self._bump()
        return StoredDocument(
            doc.source, doc.sha256, doc.title, doc.author, doc.published, chunks, len(doc.text)
        )

    def forget(self, source: str) -> None:
        """Take a document out of the manifest (its chunks stop counting at once)."""
        self._call(self.docs.delete, ids=[source])
        self._bump()

    def fresh(self) -> Store:
        """This store as it is on disk now, also what other processes wrote (a new client for
        an embedded store; itself for a Chroma server, which every client sees alike)."""
        path = self.path
        if path is None:
            return self
        client, close = reopen(path, self.timeout)
        return Store(client, self.namespace, self.timeout, close)

    def close(self) -> None:
        """Free the client `fresh` opened for this store (only once no call uses it: see
        index/lease.py); a shared client, or a server's, is left open."""
        if self._close is not None:
            close, self._close = self._close, None
            close()

    # -- generation (what replicas poll) -------------------------------------------------
    def generation(self) -> Generation:
        """The manifest's current generation: one small read (counter 0 before any write)."""
        got = self._call(self.meta.get, ids=[_GENERATION], include=["metadatas"])
        meta = dict((got["metadatas"] or [{}])[0] or {}) if got["ids"] else {}
        return Generation(int(str(meta.get("counter", 0))), str(meta.get("token", "")))

    def _bump(self) -> None:
        # After the manifest write, never before: a poller that reads the new generation then
        # loads a snapshot that holds the write.
        counter = self.generation().counter + 1
        self._call(
            self.meta.upsert,
            ids=[_GENERATION],
            metadatas=[{"counter": counter, "token": uuid.uuid4().hex}],
            embeddings=np.ones((1, 1), np.float32),
        )

    # -- chunks --------------------------------------------------------------------------
    def _pages(self, include: list[str], where: dict[str, Any] | None = None) -> Iterator[Any]:
        offset = 0
        while True:
            got = self._call(self.chunks.get, where=where, include=include, limit=_PAGE, offset=offset)
            if not got["ids"]:
                return
            yield got
            offset += len(got["ids"])

    def all_chunks(self, sources: Sequence[str] | None = None) -> list[Chunk]:
        """Every chunk record in the collection (of these sources only, when given), live or not."""
        out: list[Chunk] = []
        where = {"source": {"$in": list(sources)}} if sources is not None else None
        for got in self._pages(["documents", "metadatas"], where):
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                out.append(chunk_from_metadata(text, meta, cid))
        return out

    def chunk_keys(self, source: str | None = None) -> dict[str, tuple[str, str]]:
        """id -> (source, doc_sha256) for every chunk record (of `source` only, when given)."""
        out: dict[str, tuple[str, str]] = {}
        for got in self._pages(["metadatas"], where={"source": source} if source is not None else None):
            for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
                out[cid] = (str(meta["source"]), str(meta["doc_sha256"]))
        return out

    def vectors_by_text(self, source: str) -> dict[str, np.ndarray]:
        """text_hash -> vector for the chunks already stored for `source` (to skip re-embedding)."""
        out: dict[str, np.ndarray] = {}
        try:
            for got in self._pages(["metadatas", "embeddings"], where={"source": source}):
                for meta, vec in zip(got["metadatas"], got["embeddings"], strict=True):
                    out[str(meta["text_hash"])] = np.asarray(vec, dtype=np.float32)
        except StoreUnavailable:  # e.g. Chroma's segments disagree after a killed writer
            log.warning("cannot reuse stored vectors of %s; embedding it afresh", source)
            return {}
        return out

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of the given chunk ids."""
        if not ids:
            return {}
        got = self._call(self.chunks.get, ids=list(ids), include=["embeddings"])
        vectors = got["embeddings"] if got["embeddings"] is not None else []  # an array: no `or`
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], vectors, strict=True)}

    def add(self, doc: Document, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Write chunks and their vectors (not yet live: see `commit`)."""
        ordinal = published_ordinal(doc.published)
        metadatas: list[Any] = [
            {
                "source": c.source,
                "start": c.start,
                "end": c.end,
                "position": c.position,
                "paragraph": c.paragraph,
                "doc_sha256": c.doc_sha256,
                "text_hash": text_hash(c.text),
                "published_ord": ordinal,
            }
            for c in chunks
        ]
        for s in range(0, len(chunks), _PAGE):
            page = slice(s, s + _PAGE)
            self._call(
                self.chunks.upsert,
                ids=[c.id for c in chunks[page]],
                embeddings=vectors[page],
                documents=[c.text for c in chunks[page]],
                metadatas=metadatas[page],
            )

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunk records."""
        ids = list(ids)
        for s in range(0, len(ids), _PAGE):
            self._call(self.chunks.delete, ids=ids[s : s + _PAGE])

    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None) -> list[tuple[Chunk, float]]:
        """The `k` nearest chunks to `vector` (fewer when the collection holds fewer), with their cosine."""
        # Chroma 1.x returns every match when n_results exceeds them, so no count() first.
        got = self._call(
            self.chunks.query,
            query_embeddings=vector[None, :],
            n_results=k,
            where=where or None,
            include=["documents", "metadatas", "distances"],
        )
        ids, texts = got["ids"][0], (got["documents"] or [[]])[0]
        metas, distances = (got["metadatas"] or [[]])[0], (got["distances"] or [[]])[0]
        return [
            (chunk_from_metadata(text, meta, cid), 1.0 - float(d))  # cosine space: d = 1 - cos
            for cid, text, meta, d in zip(ids, texts, metas, distances, strict=True)
            # a hit whose record a concurrent delete removed comes back without its text and
            # metadata: it has vanished, and is left out like any other deleted chunk
            if text is not None and meta
        ]

    def check(self) -> None:
        """Prove the chunks collection can still answer a search; StoreUnavailable if it cannot."""
        got = self._call(self.chunks.get, limit=1, include=["embeddings"])
        if got["ids"]:
            self.query(np.asarray(got["embeddings"][0], dtype=np.float32), 1, None)  # type: ignore[index]

    # -- repair (see index/repair.py) ---------------------------------------------------
    @property
    def path(self) -> str | None:
        """The folder of an embedded store; None for a Chroma server."""
        settings = self._client.get_settings()
        return str(settings.persist_directory) if settings.is_persistent else None

    def read_all_vectors(self) -> None:
        """Read every stored vector back once; StoreUnavailable when one cannot be."""
        for _ in self._pages(["embeddings"]):
            pass

    def rebuild_chunks(self) -> None:
        """Drop the chunks collection and create it empty; the manifest is kept."""
        self._call(self._client.delete_collection, self._chunks_name)
        self.chunks = self._open_chunks()
