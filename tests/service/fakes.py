"""A tiny hand-made corpus for composer tests: chunks, the `Corpus` protocol, hits."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from footnote.index.errors import ModelFailed
from footnote.index.tokenize import content_terms
from footnote.index.types import Chunk, Hit
from footnote.service.answer.draft import Draft


def article(source: str, *sentences: str) -> list[Chunk]:
    """The chunks of an article made of `sentences`, with their offsets in the joined text."""
    chunks, at = [], 0
    for i, s in enumerate(sentences):
        chunks.append(Chunk(f"{source}#{i}", source, at, at + len(s), s, i, 0, "sha"))
        at += len(s) + 1
    return chunks


@dataclass
class FakeCorpus:
    """The `Corpus` protocol over a list of chunks: every term weighs the same."""

    chunks: list[Chunk]
    vocabulary: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.vocabulary = set().union(*(content_terms(c.text) for c in self.chunks))

    def idf(self, term: str) -> float:
        return 1.0

    def about(self, source: str) -> set[str]:
        return set()

    def previous(self, chunk: Chunk) -> Chunk | None:
        same = (c for c in self.chunks if c.source == chunk.source)
        return next((c for c in same if c.position == chunk.position - 1), None)


def hits(chunks: list[Chunk], dense: float = 0.5) -> list[Hit]:
    return [Hit(c, title="Bridge", published="2024-05-06", dense=dense) for c in chunks]


def texts(draft: Draft) -> list[str]:
    return [s.text for s in draft.sentences]


BRIDGE = article(
    "bridge.txt",
    "Mayor Jan Novak visited the old bridge on Tuesday.",
    "He said the bridge would reopen in May.",
    "The weather was mild all week.",
    "The council voted to rebuild the bridge with steel.",
)
CORPUS = FakeCorpus(BRIDGE)


def many_sentences(n: int, words: int) -> list[Chunk]:
    """`n` distinct sentences about the bridge, `words` words each, sharing no other word."""
    return article(
        "many.txt",
        *(" ".join(["Bridge", *(f"w{i}x{j}" for j in range(words - 1))]) + "." for i in range(n)),
    )


@dataclass
class FakeChat:
    """A `Chat` that writes `reply(messages)` a word at a time, then raises `failure` if one is set
    (a reply that breaks off); `read` counts the pieces handed out so far."""

    reply: Callable[[list[dict[str, str]]], str]
    failure: ModelFailed | None = None
    read: int = 0
    pieces: list[str] = field(default_factory=list)  # the last reply's, as handed out

    def tokens(self, messages: list[dict[str, str]]) -> Iterator[str]:
        self.pieces, self.read = re.findall(r"\S+\s*", self.reply(messages)), 0
        for piece in self.pieces:
            self.read += 1
            yield piece
        if self.failure is not None:
            raise self.failure

    def probe(self) -> None:
        pass
