"""Neighbours: a snapshot's live chunks in reading order, and the sentences around each one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from footnote.index.types import Chunk

__all__ = ["Neighbours"]


@dataclass(frozen=True, slots=True)
class Neighbours:
    """Chunks by source, then position; what comes before and after one within its paragraph."""

    chunks: Sequence[Chunk]
    _row: Mapping[str, int] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_row", {c.id: i for i, c in enumerate(self.chunks)})

    def holds(self, chunk_id: str) -> bool:
        """Whether the chunk is live here."""
        return chunk_id in self._row

    def previous(self, chunk: Chunk) -> Chunk | None:
        """The sentence before `chunk` in the same paragraph, if any."""
        i = self._row[chunk.id]
        return self._same_paragraph(chunk, self.chunks[i - 1] if i > 0 else None)

    def following(self, chunk: Chunk) -> Chunk | None:
        """The sentence after `chunk` in the same paragraph, if any."""
        i = self._row[chunk.id] + 1
        return self._same_paragraph(chunk, self.chunks[i] if i < len(self.chunks) else None)

    @staticmethod
    def _same_paragraph(chunk: Chunk, other: Chunk | None) -> Chunk | None:
        if other and other.source == chunk.source and other.paragraph == chunk.paragraph:
            return other
        return None
