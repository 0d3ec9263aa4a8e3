"""Store: keep chunks, their vectors and the documents they come from in Chroma.

Two collections per namespace:
- `<ns>_chunks`: one record per sentence chunk, with its vector and exact offsets. Written and
  queried through LlamaIndex's ChromaVectorStore (models are passed explicitly; LlamaIndex's
  global Settings are never used).
- `<ns>_documents`: one record per source file, holding its full text and metadata. It is the
  manifest: a document's chunks count only when their `doc_sha256` matches its record here,
  and that record is written only after all of its chunks are, so an ingest killed at any
  point leaves every document either fully at its old version or fully at its new one.
Chroma is the single source of truth; nothing else is kept on disk.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

from index.types import Chunk, Document

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

__all__ = ["Store", "StoredDocument", "open_client", "published_ordinal", "text_hash"]

log = logging.getLogger(__name__)

_PAGE = 5000  # Chroma caps a single get/add batch at a few thousand records


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A document's manifest record: what is indexed for one source file."""

    source: str
    sha256: str
    title: str | None
    author: str | None
    published: str | None
    chunks: int
    chars: int


def open_client(data_dir: str, chroma_url: str | None) -> ClientAPI:
    """An HTTP client when `chroma_url` is set, else an embedded store under `data_dir`."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url)
        port = url.port or (443 if url.scheme == "https" else 8000)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1", port=port, ssl=url.scheme == "https", settings=settings
        )
    return chromadb.PersistentClient(path=f"{data_dir}/chroma", settings=settings)


def text_hash(text: str) -> str:
    """The key under which a text's vector can be reused."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def published_ordinal(published: str | None) -> int:
    """YYYY-MM-DD as the integer YYYYMMDD (0 when unknown), for Chroma's numeric range filters."""
    return int(published.replace("-", "")) if published else 0


def _or_empty(values: Any) -> Any:
    return [] if values is None else values


def _opt(meta: dict[str, Any], key: str) -> str | None:
    value = meta.get(key)
    return str(value) if value not in (None, "") else None


def chunk_from_metadata(text: str, meta: dict[str, Any], chunk_id: str) -> Chunk:
    """Rebuild a Chunk from what Chroma returns for it."""
    return Chunk(
        id=chunk_id,
        source=str(meta["source"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        position=int(meta["position"]),
        paragraph=int(meta["paragraph"]),
        doc_sha256=str(meta["doc_sha256"]),
    )


class Store:
    """The Chroma collections of one namespace."""

    def __init__(self, client: ClientAPI, namespace: str = "footnote") -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.client = client
        self.chunks = client.get_or_create_collection(
            f"{namespace}_chunks", configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
        )
        self.docs = client.get_or_create_collection(f"{namespace}_documents", embedding_function=None)
        self.vector_store = ChromaVectorStore(chroma_collection=self.chunks)

    # -- documents (the manifest) --------------------------------------------------------
    def documents(self) -> dict[str, StoredDocument]:
        """Every committed document, by source name."""
        got = self.docs.get(include=["metadatas"])
        out: dict[str, StoredDocument] = {}
        for source, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
            m = dict(meta or {})
            out[source] = StoredDocument(
                source=source,
                sha256=str(m["sha256"]),
                title=_opt(m, "title"),
                author=_opt(m, "author"),
                published=_opt(m, "published"),
                chunks=int(str(m["chunks"])),
                chars=int(str(m["chars"])),
            )
        return out

    def texts(self, sources: Sequence[str] | None = None) -> dict[str, str]:
        """The full original text of the given documents (all when None)."""
        got = self.docs.get(ids=list(sources) if sources is not None else None, include=["documents"])
        return dict(zip(got["ids"], got["documents"] or [], strict=True))

    def commit(self, doc: Document, chunks: int) -> StoredDocument:
        """Make `doc`'s new chunks the live ones: a single atomic upsert of its manifest record."""
        meta: dict[str, str | int] = {"sha256": doc.sha256, "chunks": chunks, "chars": len(doc.text)}
        for key, value in (("title", doc.title), ("author", doc.author), ("published", doc.published)):
            if value:
                meta[key] = value
        # Chroma requires a vector per record; the manifest is never searched, so one constant.
        self.docs.upsert(
            ids=[doc.source], documents=[doc.text], metadatas=[meta], embeddings=np.ones((1, 1), np.float32)
        )
        return StoredDocument(
            doc.source, doc.sha256, doc.title, doc.author, doc.published, chunks, len(doc.text)
        )

    def forget(self, source: str) -> None:
        """Take a document out of the manifest (its chunks stop counting at once)."""
        self.docs.delete(ids=[source])

    # -- chunks --------------------------------------------------------------------------
    def _pages(self, include: list[str], where: dict[str, Any] | None = None) -> Iterator[Any]:
        offset = 0
        while True:
            got = self.chunks.get(where=where, include=include, limit=_PAGE, offset=offset)  # type: ignore[arg-type]
            if not got["ids"]:
                return
            yield got
            offset += len(got["ids"])

    def all_chunks(self) -> list[Chunk]:
        """Every chunk record in the collection, live or not."""
        out: list[Chunk] = []
        for got in self._pages(["documents", "metadatas"]):
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                out.append(chunk_from_metadata(text, meta, cid))
        return out

    def chunk_keys(self) -> dict[str, tuple[str, str]]:
        """id -> (source, doc_sha256) for every chunk record."""
        out: dict[str, tuple[str, str]] = {}
        for got in self._pages(["metadatas"]):
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
        except Exception as exc:  # Chroma's segments can disagree after a killed writer
            log.warning("cannot reuse stored vectors of %s (%s); embedding it afresh", source, exc)
            return {}
        return out

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of the given chunk ids."""
        if not ids:
            return {}
        got = self.chunks.get(ids=list(ids), include=["embeddings"])
        return {
            i: np.asarray(v, dtype=np.float32)
            for i, v in zip(got["ids"], list(_or_empty(got["embeddings"])), strict=True)
        }

    def add(self, doc: Document, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Write chunks and their vectors (not yet live: see `commit`)."""
        from llama_index.core.schema import BaseNode, TextNode

        nodes: list[BaseNode] = [
            TextNode(
                id_=c.id,
                text=c.text,
                embedding=vectors[i].tolist(),
                start_char_idx=c.start,
                end_char_idx=c.end,
                metadata={
                    "source": c.source,
                    "start": c.start,
                    "end": c.end,
                    "position": c.position,
                    "paragraph": c.paragraph,
                    "doc_sha256": c.doc_sha256,
                    "text_hash": text_hash(c.text),
                    "published_ord": published_ordinal(doc.published),
                },
            )
            for i, c in enumerate(chunks)
        ]
        for s in range(0, len(nodes), _PAGE):
            self.vector_store.add(nodes[s : s + _PAGE])

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunk records."""
        ids = list(ids)
        for s in range(0, len(ids), _PAGE):
            self.chunks.delete(ids=ids[s : s + _PAGE])

    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None) -> list[tuple[Chunk, float]]:
        """The `k` nearest chunks to `vector`, with their cosine similarity."""
        from llama_index.core.vector_stores.types import VectorStoreQuery

        k = min(k, self.chunks.count())
        if k <= 0:
            return []
        result = self.vector_store.query(
            VectorStoreQuery(query_embedding=vector.tolist(), similarity_top_k=k), where=where or None
        )
        out: list[tuple[Chunk, float]] = []
        for node, sim in zip(result.nodes or [], result.similarities or [], strict=True):
            # ChromaVectorStore reports exp(-distance); with cosine space distance = 1 - cos.
            cos = 1.0 + float(np.log(max(sim, 1e-12)))
            out.append((chunk_from_metadata(node.get_content(), node.metadata, node.node_id), cos))
        return out
