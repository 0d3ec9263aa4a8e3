"""Records: what the store keeps of a document and of the manifest's version, and how a chunk's
record reads back."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from footnote.index.types import Chunk

__all__ = ["Generation", "StoredDocument", "chunk_from_metadata", "opt", "published_ordinal", "text_hash"]


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


@dataclass(frozen=True, slots=True)
class Generation:
    """Which version of the manifest the store holds: compare whole, never by counter alone."""

    counter: int
    token: str


def text_hash(text: str) -> str:
    """The key under which a text's vector can be reused."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def published_ordinal(published: str | None) -> int:
    """YYYY-MM-DD as the integer YYYYMMDD (0 when unknown), for Chroma's numeric range filters."""
    return int(published.replace("-", "")) if published else 0


def opt(meta: Mapping[str, Any], key: str) -> str | None:
    """A metadata value as text, None when it is unset or empty."""
    value = meta.get(key)
    return str(value) if value not in (None, "") else None


def chunk_from_metadata(text: str, meta: Mapping[str, Any], chunk_id: str) -> Chunk:
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
