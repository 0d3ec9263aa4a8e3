"""Tokenize: the one word normaliser that BM25 and answer scoring share."""

from __future__ import annotations

import re
from functools import lru_cache

from footnote.index.text import collapse_acronyms, expand_month_abbreviations, without_zero_width

__all__ = ["STOPWORDS", "content_terms", "stem_words", "tokenize"]

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# A small English stop list: words that carry no topic. Kept here, not taken from bm25s,
# so question scoring and BM25 agree on exactly the same terms.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "else",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "without",
        "about",
        "into",
        "over",
        "under",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "doing",
        "have",
        "has",
        "had",
        "having",
        "it",
        "its",
        "it's",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "him",
        "his",
        "she",
        "her",
        "they",
        "them",
        "their",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "not",
        "no",
        "nor",
        "so",
        "than",
        "too",
        "very",
        "can",
        "could",
        "will",
        "would",
        "shall",
        "should",
        "may",
        "might",
        "must",
        "just",
        "also",
        "only",
        "any",
        "all",
        "some",
        "such",
        "each",
        "both",
        "more",
        "most",
        "other",
        "own",
        "same",
        "s",
        "t",
        "don",
        "now",
        "said",
        "say",
        "says",
        "told",
        "tell",
        "according",
    ]
)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer  # PyStemmer: the Snowball English stemmer bm25s recommends

    return Stemmer.Stemmer("english")


def stem_words(words: list[str]) -> list[str]:
    """The Snowball stems of lower-case words."""
    stems: list[str] = _stemmer().stemWords(words)
    return stems


def tokenize(text: str) -> list[str]:
    """Lower-case, split into words, drop stop words, stem; numbers are kept as they are."""
    text = expand_month_abbreviations(collapse_acronyms(without_zero_width(text)))
    words = [w.replace("’", "'") for w in _WORD.findall(text.lower())]
    words = [w[:-2] if w.endswith("'s") else w for w in words]
    kept = [w for w in words if w not in STOPWORDS]
    stems: list[str] = _stemmer().stemWords(kept)
    return stems


def content_terms(text: str) -> set[str]:
    """The distinct stems of `text` that carry meaning."""
    return set(tokenize(text))
