"""Compose: choose what to say, from the retrieved passages only.

The hand-set extractive composer (`FOOTNOTE_COMPOSER=extractive`; the default is the fitted one in
service/learned.py): it says sentences taken verbatim from the passages.
A generative composer would implement the same one-method interface and pass through the
same cite and verify steps.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Protocol

from footnote.index.text import MONTHS
from footnote.index.tokenize import content_terms
from footnote.index.types import Chunk, Hit
from footnote.service.names import prepare, unknown_names
from footnote.service.select import FRAME
from footnote.service.types import Dropped

__all__ = ["Composer", "Draft", "DraftSentence", "ExtractiveComposer"]


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
    """What the extractive composer reads of the corpus snapshot (index/snapshot.py)."""

    @property
    def vocabulary(self) -> AbstractSet[str]: ...

    def idf(self, term: str) -> float: ...

    def about(self, source: str) -> AbstractSet[str]: ...

    def previous(self, chunk: Chunk) -> Chunk | None: ...


class Composer(Protocol):
    """Turns a question and its retrieved passages into a draft answer."""

    def compose(self, question: str, hits: Sequence[Hit], context: str | None = None) -> Draft:
        """`context`: an earlier question a follow-up leans on (see condense)."""
        ...


# Words that frame a question rather than name its topic.
_WHEN = re.compile(r"^\s*when\b|\b(what|which) (year|date|day|month)\b", re.IGNORECASE)
_HOW_MANY = re.compile(
    r"\b(how (many|much|large|big)|what (percentage|share|proportion|number|amount|size))\b", re.I
)
_DATE_LIKE = re.compile(
    r"\b(19|20)\d\d\b|\b(" + "|".join(m.capitalize() for m in MONTHS) + r")\b\.?|"
    r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)
_NUMBER = re.compile(r"\d")
ANAPHOR = re.compile(r"^[“\"]?(He|She|They|It|This|That|These|Those|His|Her|Their)\b")

# Calibrated on eval/dev.jsonl questions (see eval/README.md); they are not tuned per question.
SUPPORT_FLOOR = 0.70  # below this the best sentence is only loosely related: abstain
DENSE_FLOOR = 0.40  # a further sentence needs this cosine if it shares no topic word
LEXICAL_WEIGHT = 0.7
CONTEXT_WEIGHT = 0.5  # a topic word found only around the sentence (its lead-in, title, date)
MARGIN = 0.12  # how far below the best a further sentence may score and still be said
MAX_SENTENCES = 3
WORD_BUDGET = 60
HARD_CAP = 120
DUPLICATE_OVERLAP = 0.7


@dataclass(slots=True)
class _Scored:
    hit: Hit
    terms: set[str]
    coverage: float
    score: float  # how well the sentence matches the question: cosine + weighted word coverage


class ExtractiveComposer:
    """Says the few retrieved sentences that best answer the question, verbatim."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        prepare(corpus)  # built with each snapshot, on the thread that installs it

    def _unknown_names(self, question: str) -> list[str]:
        return unknown_names(question, self.corpus)

    def _coverage(self, chunk: Chunk, terms: set[str], weights: dict[str, float]) -> float:
        prev = self.corpus.previous(chunk)
        around = self.corpus.about(chunk.source) | (content_terms(prev.text) if prev else set())
        got = sum(w if t in terms else CONTEXT_WEIGHT * w if t in around else 0.0 for t, w in weights.items())
        return got / sum(weights.values())

    def compose(self, question: str, hits: Sequence[Hit], context: str | None = None) -> Draft:
        """Pick sentences from `hits` that answer `question`, or say why not."""
        missing = self._unknown_names(question) + (self._unknown_names(context) if context else [])
        if missing:
            names = ", ".join(f"“{w}”" for w in missing)
            return Draft(abstain_reason=f"The sources don't mention {names}.")
        # a follow-up's earlier question (see condense) lends its words, weighed as context
        own = content_terms(question) - FRAME
        terms = own | (content_terms(context) - FRAME if context else set())
        weights = {t: self.corpus.idf(t) * (1.0 if t in own else CONTEXT_WEIGHT) for t in terms}
        total = sum(weights.values())
        if not hits:
            return Draft(abstain_reason="No passage in the sources matches the question.")
        if total == 0.0:
            return Draft(abstain_reason="None of the question's words occur in the sources.")
        # a "when" question is answered only by a sentence with a date, "how many" by a number
        kind = _DATE_LIKE if _WHEN.search(question) else _NUMBER if _HOW_MANY.search(question) else None
        scored: list[_Scored] = []
        for hit in hits:
            if kind and not kind.search(hit.chunk.text):
                continue
            s_terms = content_terms(hit.chunk.text)
            coverage = self._coverage(hit.chunk, s_terms, weights)
            scored.append(_Scored(hit, s_terms, coverage, (hit.dense or 0.0) + LEXICAL_WEIGHT * coverage))
        scored.sort(key=lambda s: -s.score)
        if not scored or scored[0].score < SUPPORT_FLOOR:
            return Draft(
                abstain_reason="The sources don't answer this: the closest passage is only loosely related."
            )
        best = scored[0]
        chosen: list[_Scored] = []
        words = 0
        for cand in scored:
            if len(chosen) == MAX_SENTENCES or cand.score < best.score - MARGIN:
                break
            n = len(cand.hit.chunk.text.split())
            if n > HARD_CAP or (chosen and words + n > WORD_BUDGET):
                continue
            if cand.coverage == 0.0 and (cand.hit.dense or 0.0) < DENSE_FLOOR:
                continue
            if any(overlap(cand.terms, c.terms) >= DUPLICATE_OVERLAP for c in chosen):
                continue  # the same fact, often repeated across articles: say it once
            lead_in = self.corpus.previous(cand.hit.chunk) if ANAPHOR.match(cand.hit.chunk.text) else None
            if lead_in and all(c.hit.chunk.id != lead_in.id for c in chosen):
                m = len(lead_in.text.split())
                if words + n + m <= WORD_BUDGET or (not chosen and n + m <= HARD_CAP):
                    # "He said ..." is said after the sentence that tells who "he" is
                    lead = Hit(lead_in, cand.hit.title, cand.hit.published, dense=cand.hit.dense)
                    chosen.append(_Scored(lead, content_terms(lead_in.text), 0.0, cand.score))
                    words += m
            chosen.append(cand)
            words += n
        # readable order: by article (the best article first), then as the article tells it
        first_seen: dict[str, int] = {}
        for i, c in enumerate(chosen):
            first_seen.setdefault(c.hit.chunk.source, i)
        chosen.sort(key=lambda c: (first_seen[c.hit.chunk.source], c.hit.chunk.position))
        return Draft(sentences=[DraftSentence(c.hit.chunk.text, (c.hit,)) for c in chosen])


def overlap(a: set[str], b: set[str]) -> float:
    """How much of the smaller of two term sets the other one holds (1.0: the same fact)."""
    return len(a & b) / max(1, min(len(a), len(b)))
