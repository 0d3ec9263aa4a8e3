"""The drafts every composer hands to cite: sentences and the passages that support them, or a
reason to say nothing; the one-method interface composers implement, and what they read of the corpus.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Protocol

from footnote.index.types import Chunk, Hit
from footnote.service.answer.types import Dropped

__all__ = ["AtOnce", "Composer", "Corpus", "Draft", "DraftSentence", "overlap", "reading_order"]


@dataclass(frozen=True, slots=True)
class DraftSentence:
    """A sentence to say and the passages that support it."""

    text: str
    support: tuple[Hit, ...]
    highlight: tuple[int, int] | None = None  # [start, end) in `text` of the phrase that answers


@dataclass(slots=True)
class Draft:
    """What a composer proposes: sentences, or a reason to say nothing."""

    sentences: list[DraftSentence] = field(default_factory=list)
    abstain_reason: str | None = None
    dropped: list[Dropped] = field(default_factory=list)  # drafted but not put forward, and why


class Corpus(Protocol):
    """What a composer reads of the corpus snapshot (index/snapshot.py)."""

    @property
    def vocabulary(self) -> AbstractSet[str]: ...

    def idf(self, term: str) -> float: ...

    def about(self, source: str) -> AbstractSet[str]: ...

    def previous(self, chunk: Chunk) -> Chunk | None: ...


class Composer(Protocol):
    """Turns a question and its retrieved passages into a draft answer, in parts: one part for a
    composer that drafts it at once, one per sentence for a model that writes it as it goes."""

    def drafts(self, question: str, hits: Sequence[Hit], context: str | None = None) -> Iterator[Draft]:
        """`context`: an earlier question a follow-up leans on (see condense)."""
        ...


class AtOnce:
    """A composer that drafts the whole answer at once: its `compose` is its only part."""

    def compose(self, question: str, hits: Sequence[Hit], context: str | None = None) -> Draft:
        """The draft answer to `question` from `hits`."""
        raise NotImplementedError

    def drafts(self, question: str, hits: Sequence[Hit], context: str | None = None) -> Iterator[Draft]:
        """The one part, `compose`'s draft."""
        yield self.compose(question, hits, context)


def reading_order(hits: Sequence[Hit]) -> list[Hit]:
    """`hits` in a readable order: by article (the best article first), then as the article tells it."""
    first_seen: dict[str, int] = {}
    for i, h in enumerate(hits):
        first_seen.setdefault(h.chunk.source, i)
    return sorted(hits, key=lambda h: (first_seen[h.chunk.source], h.chunk.position))


def overlap(a: set[str], b: set[str]) -> float:
    """How much of the smaller of two term sets the other one holds (1.0: the same fact)."""
    return len(a & b) / max(1, min(len(a), len(b)))
