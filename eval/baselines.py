"""Reference composers to measure the real one against (never served).

`top2`: the two retrieved sentences with the best 0.5·cosine + 0.5·BM25/max BM25 (BM25
normalised over the retrieved candidates), said in that order. It never abstains.

`handset`: the hand-set rules the fitted selector replaced (service/answer/compose.py): cosine
plus IDF-weighted word coverage, a "when" question answered only by a sentence with a date and
"how many" by one with a number, a floor below which it abstains.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from footnote.index.snapshot import Snapshot
from footnote.index.text import ANAPHOR, MONTH
from footnote.index.tokenize import content_terms
from footnote.index.types import Chunk, Hit
from footnote.service.answer.draft import (
    AtOnce,
    Composer,
    Corpus,
    Draft,
    DraftSentence,
    overlap,
    reading_order,
)
from footnote.service.answer.features import FRAME
from footnote.service.answer.names import prepare, unknown_names

__all__ = ["BASELINES", "HandSetComposer", "TopTwoComposer"]


class TopTwoComposer(AtOnce):
    """Says the top two sentences by an even mix of dense and normalised lexical score."""

    def compose(self, question: str, hits: Sequence[Hit], context: str | None = None) -> Draft:
        """The two best-scoring hits, verbatim; abstain only when nothing was retrieved."""
        if not hits:
            return Draft(abstain_reason="No passage in the sources matches the question.")
        top_lexical = max((h.lexical or 0.0) for h in hits) or 1.0

        def score(h: Hit) -> float:
            return 0.5 * (h.dense or 0.0) + 0.5 * (h.lexical or 0.0) / top_lexical

        best = sorted(hits, key=score, reverse=True)[:2]
        return Draft(sentences=[DraftSentence(h.chunk.text, (h,)) for h in best])


# Words that frame a question rather than name its topic.
_WHEN = re.compile(r"^\s*when\b|\b(what|which) (year|date|day|month)\b", re.IGNORECASE)
_HOW_MANY = re.compile(
    r"\b(how (many|much|large|big)|what (percentage|share|proportion|number|amount|size))\b", re.I
)
_DATE_LIKE = re.compile(
    r"\b(19|20)\d\d\b|" + MONTH.pattern + r"|\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)
_NUMBER = re.compile(r"\d")

# Set by hand on eval/dev.jsonl questions when this was the product (see eval/README.md).
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


class HandSetComposer(AtOnce):
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
        return Draft(
            sentences=[DraftSentence(h.chunk.text, (h,)) for h in reading_order([c.hit for c in chosen])]
        )


# `footnote eval --composer NAME`: each built from a snapshot, as the product's composer is
BASELINES: dict[str, Callable[[Snapshot], Composer]] = {
    "handset": HandSetComposer,
    "top2": lambda _: TopTwoComposer(),
}
