"""The records of an answer, defined once; the API's response body is their JSON form."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["MARKER", "Answer", "Citation", "Dropped", "Sentence"]

MARKER = re.compile(r"\[(\d+)\]")  # [n] in an answer's text: citation n supports what precedes it


@dataclass(frozen=True, slots=True)
class Highlight:
    """The phrase of a citation's quote that answers (the date of a "when", the figure of a "how
    many"): offsets into the same source text, within the citation's [start, end)."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Citation:
    """An exact span of an exact source file: text[start:end] == quote."""

    id: int
    source: str
    start: int
    end: int
    quote: str
    title: str | None
    published: str | None
    score: float
    highlight: Highlight | None = None


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an answer and the ids of the citations that support it."""

    text: str
    citations: list[int]

    def render(self) -> str:
        """The sentence as the answer shows it: its text, then its [n] markers."""
        return f"{self.text} " + "".join(f"[{n}]" for n in self.citations)


@dataclass(frozen=True, slots=True)
class Dropped:
    """A drafted sentence verify would not let out, and why (the answer reports it; never said)."""

    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class Answer:
    """What /v1/ask returns; built once, whole (see release.py)."""

    answer: str
    abstained: bool
    reason: str | None
    citations: list[Citation] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    standalone_question: str | None = None  # the question answered, once follow-ups are resolved
    dropped: list[Dropped] = field(default_factory=list)  # what verify held back
    composer: Literal["generative", "extractive"] = "extractive"  # which one wrote the draft

    @classmethod
    def of(cls, sentences: list[Sentence], citations: list[Citation], **rest: Any) -> Answer:
        """An answer whose text is its sentences, each followed by its [n] markers (`rest`: the
        fields after them)."""
        text = " ".join(s.render() for s in sentences)
        return cls(text, False, None, citations, sentences, **rest)

    @classmethod
    def abstain(cls, reason: str, **rest: Any) -> Answer:
        """An honest 'the sources don't say', with why."""
        return cls("", True, reason, **rest)

    def to_json(self) -> dict[str, Any]:
        """The API body."""
        return asdict(self)
