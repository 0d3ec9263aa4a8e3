"""Select: score retrieved sentences for "this answers the question", with a fitted model.

The features are computed here, the same way at training (eval/train.py) and at serve time;
selector.py applies the weights of `selector.json` beside it, fitted on SQuAD training articles
and news questions (see eval/MODEL_CARD.md). Nothing here is tuned by hand: answer-type
compatibility is a crossing of the question's kind with properties of the sentence, and the
model learns which pairs matter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache
from itertools import pairwise
from typing import Protocol

import numpy as np

from footnote.index.text import ANAPHOR, MONTH, NAME
from footnote.index.tokenize import content_terms, tokenize
from footnote.index.types import Chunk, Hit

__all__ = [
    "COLUMNS",
    "FEATURES",
    "KIND_NAMES",
    "PROPERTIES",
    "Context",
    "features",
    "question_kind",
    "question_terms",
    "without_terms",
]

# Words that frame a question rather than name its topic.
FRAME = content_terms("article articles source sources mention mentioned report reported question answer")
CONTEXT_SHARE = 0.5  # a follow-up's earlier question lends its words at half weight (see condense)

# The question's kind, by its wh-word; the first pattern that matches decides.
KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("when", re.compile(r"^\s*when\b|\b(what|which) (year|date|day|month|decade|century)\b", re.I)),
    (
        "how_many",
        re.compile(r"\bhow (many|much|long|old|far|large|big)\b|\bwhat (percentage|share|number)", re.I),
    ),
    ("who", re.compile(r"\bwho(m|se)?\b", re.I)),
    ("where", re.compile(r"\bwhere\b|\b(what|which) (city|country|place|state)\b", re.I)),
    ("why", re.compile(r"\bwhy\b", re.I)),
    ("how", re.compile(r"\bhow\b", re.I)),
    ("which_what", re.compile(r"\b(what|which)\b", re.I)),
)
KIND_NAMES = (*(k for k, _ in KINDS), "other")
# Properties of a sentence that an answer of some kind tends to have; which go with which kind is learned.
PROPERTIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("year", re.compile(r"\b\d{3,4}s?\b")),
    (
        "number",
        re.compile(
            r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion)\b",
            re.I,
        ),
    ),
    ("month", MONTH),
    ("era", re.compile(r"\b(century|centuries|decade|era|dynasty|period)\b", re.I)),
    ("percent", re.compile(r"%|\bper ?cent\b", re.I)),
    ("money", re.compile(r"[$£€¥]|\b(dollars?|euros?|pounds?)\b", re.I)),
    ("name", NAME),
    ("cause", re.compile(r"\b(because|due to|so that|in order to|since|as a result)\b", re.I)),
)

BASE = (
    "dense",
    "dense_gap",  # below the best candidate's cosine
    "bm25_norm",  # over the best candidate's: raw BM25 grows with the corpus, so it would not transfer
    "fused_rank_inv",
    "coverage",  # IDF-weighted share of question terms in the sentence
    "coverage_gap",
    "coverage_previous",  # ... in the sentence before it (same paragraph)
    "coverage_title",  # ... in the article's title and date
    "coverage_around",  # ... in the sentence, the one before or the title
    "novelty",  # share of the sentence's terms the question does not have: what it adds
    "words_log",
    "anaphor",
    "coverage_paragraph_before",  # ... anywhere earlier in its paragraph (what "it" may refer to)
    "paragraph_hits",  # share of the candidates from the same paragraph: the passage is on topic
    "paragraph_best_dense",  # best cosine among them
    "paragraph_best_coverage",
    "dense_rank_inv",
    "coverage_rank_inv",
    "bigrams",  # share of the question's adjacent term pairs the sentence has adjacent too
    "dense_previous",  # cosine of the sentence before it (same paragraph; 0 when none)
    "dense_next",  # ... of the sentence after it
    "dense_window",  # ... of the three together: what a pronoun refers to is in view
    "dense_window_gap",
    "coverage_local",  # coverage with each term weighted by how few of the candidates have it
    "coverage_local_gap",
    "coverage_untitled",  # coverage of the question's terms the article's title does not already give
)
FEATURES: tuple[str, ...] = (
    *BASE,
    *(f"has_{p}" for p, _ in PROPERTIES),
    *(f"{k}×{p}" for k in KIND_NAMES for p, _ in PROPERTIES),
)

COLUMNS = {name: i for i, name in enumerate(FEATURES)}
_HAS = tuple(f"has_{p}" for p, _ in PROPERTIES)
_CROSSED = tuple(tuple(f"{k}×{p}" for p, _ in PROPERTIES) for k in KIND_NAMES)  # by question kind
_NO_CROSS = dict.fromkeys((name for per in _CROSSED for name in per), 0.0)
# a feature that is another one's distance below the best candidate's: name -> the feature
_GAPS = {
    "dense_gap": "dense",
    "coverage_gap": "coverage",
    "dense_window_gap": "dense_window",
    "coverage_local_gap": "coverage_local",
}


class Context(Protocol):
    """What the features need to know about the indexed articles."""

    def idf(self, term: str) -> float: ...

    def about(self, source: str) -> AbstractSet[str]: ...

    def previous(self, chunk: Chunk) -> Chunk | None: ...


def question_kind(question: str) -> int:
    """Index into KIND_NAMES of the question's kind."""
    return next((i for i, (_, p) in enumerate(KINDS) if p.search(question)), len(KINDS))


def question_terms(question: str, context: str | None, ctx: Context) -> dict[str, float]:
    """The question's topic terms, each weighted by its IDF (a follow-up's borrowed words count less)."""
    own = content_terms(question) - FRAME
    borrowed = (content_terms(context) - FRAME - own) if context else set()
    # sorted, so sums over the terms add up in one order: the same bits on every run
    weights = {t: ctx.idf(t) for t in sorted(own)}
    weights.update({t: CONTEXT_SHARE * ctx.idf(t) for t in sorted(borrowed)})
    return {t: w for t, w in weights.items() if w > 0}


def features(question: str, hits: Sequence[Hit], ctx: Context, context: str | None = None) -> np.ndarray:
    """One row of FEATURES per hit, in the hits' order."""
    names, columns = FEATURES, COLUMNS  # read once per call (a test swaps them: the rows follow)
    weights = question_terms(question, context, ctx)
    total = sum(weights.values()) or 1.0
    kind = question_kind(question)
    top_lexical = max((h.lexical or 0.0 for h in hits), default=0.0) or 1.0
    q_pairs = _pairs(tokenize(question))

    def cov(found: AbstractSet[str]) -> float:
        return sum(w for t, w in weights.items() if t in found) / total

    def tokens_of(chunk: Chunk) -> tuple[tuple[str, ...], frozenset[str]]:
        return _tokens(chunk.text)

    def terms_of(chunk: Chunk) -> frozenset[str]:
        return _tokens(chunk.text)[1]

    sentence_terms = [terms_of(h.chunk) for h in hits]
    coverage = np.array([cov(t) for t in sentence_terms])
    # a term every candidate has tells them apart no better than one none has
    local = {t: float(np.log((len(hits) + 1) / (1 + sum(t in s for s in sentence_terms)))) for t in weights}
    local_total = sum(local.values()) or 1.0
    dense = np.array([h.dense or 0.0 for h in hits])
    paragraphs = [(h.chunk.source, h.chunk.paragraph) for h in hits]
    rows: list[list[float]] = []
    for rank, hit in enumerate(hits):
        terms = sentence_terms[rank]
        prev = ctx.previous(hit.chunk)
        before = terms_of(prev) if prev else set()
        earlier = set(before)
        while prev is not None:
            prev = ctx.previous(prev)
            earlier |= terms_of(prev) if prev else set()
        title = ctx.about(hit.chunk.source)
        same = [i for i, key in enumerate(paragraphs) if key == paragraphs[rank]]

        # a property counts only on words the question does not have: the answer is what is new
        rest = without_terms(hit.chunk.text, set(weights))
        props = [1.0 if p.search(rest) else 0.0 for _, p in PROPERTIES]
        row = {
            **_NO_CROSS,  # the crossings of the other kinds of question: 0
            "dense": hit.dense or 0.0,
            "bm25_norm": (hit.lexical or 0.0) / top_lexical,
            "fused_rank_inv": 1.0 / (1 + rank),
            "coverage": cov(terms),
            "coverage_previous": cov(before),
            "coverage_title": cov(title),
            "coverage_around": cov(terms | before | set(title)),
            "novelty": len(terms - set(weights)) / max(1, len(terms)),
            "words_log": float(np.log1p(len(hit.chunk.text.split()))),
            "anaphor": 1.0 if ANAPHOR.match(hit.chunk.text) else 0.0,
            "coverage_paragraph_before": cov(earlier),
            "paragraph_hits": len(same) / len(hits),
            "paragraph_best_dense": float(dense[same].max()),
            "paragraph_best_coverage": float(coverage[same].max()),
            "dense_rank_inv": 1.0 / (1 + int((dense > dense[rank]).sum())),
            "coverage_rank_inv": 1.0 / (1 + int((coverage > coverage[rank]).sum())),
            "bigrams": len(q_pairs & _pairs(tokens_of(hit.chunk)[0])) / max(1, len(q_pairs)),
            "dense_previous": hit.dense_previous or 0.0,
            "dense_next": hit.dense_next or 0.0,
            "dense_window": hit.dense_window or 0.0,
            "coverage_local": sum(w for t, w in local.items() if t in terms) / local_total,
            "coverage_untitled": _share(weights, terms, exclude=title),
            **dict(zip(_HAS, props, strict=True)),
            **dict(zip(_CROSSED[kind], props, strict=True)),  # this question's kind × each property
        }
        # every row has the same names: checked on the first, each named once, none missing or unknown
        if not rows and (wrong := (set(row) | set(_GAPS)) ^ set(names)):
            raise ValueError(f"the features computed are not FEATURES: {sorted(wrong)}")
        # in FEATURES' order; the gaps to the best candidate are filled in below, once all are known
        rows.append([0.0 if name in _GAPS else row[name] for name in names])
    x = np.array(rows, dtype=np.float64).reshape(len(hits), len(names))
    if len(hits):
        for gap, of in _GAPS.items():
            x[:, columns[gap]] = x[:, columns[of]] - x[:, columns[of]].max()
    return x


def _share(weights: dict[str, float], found: AbstractSet[str], exclude: AbstractSet[str]) -> float:
    """The weighted share of the terms outside `exclude` that `found` has."""
    rest = {t: w for t, w in weights.items() if t not in exclude}
    return sum(w for t, w in rest.items() if t in found) / (sum(rest.values()) or 1.0)


_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@lru_cache(maxsize=32768)
def _tokens(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """A sentence's stems, in order and as a set: the same sentences come back question after question."""
    tokens = tuple(tokenize(text))
    return tokens, frozenset(tokens)


@lru_cache(maxsize=65536)
def _word_terms(word: str) -> frozenset[str]:
    return frozenset(content_terms(word))  # words recur across questions: stem each once


def without_terms(text: str, terms: set[str]) -> str:
    """`text` with every word whose stem is one of `terms` blanked out (length kept)."""
    return _TOKEN.sub(lambda m: "_" * len(m[0]) if _word_terms(m[0]) & terms else m[0], text)


def _pairs(tokens: Sequence[str]) -> set[tuple[str, str]]:
    terms = [t for t in tokens if t not in FRAME]
    return set(pairwise(terms))
