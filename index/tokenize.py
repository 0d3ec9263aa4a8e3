"""Tokenize: the one word normaliser that BM25 and answer scoring share."""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["STOPWORDS", "ZERO_WIDTH", "content_terms", "stem_words", "tokenize", "without_zero_width"]

# Invisible characters that can sit inside a word (pasted from web pages, or typed to dodge
# filters): "Ger\u200bmany" must match "Germany". They are dropped only from what we match on;
# stored text and quoted spans keep them. Zero-width space, non-joiner and joiner, word joiner,
# BOM (zero-width no-break space), soft hyphen.
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_DROP_ZERO_WIDTH = dict.fromkeys(map(ord, ZERO_WIDTH))


def without_zero_width(text: str) -> str:
    """`text` with ZERO_WIDTH characters removed: for matching words, never for text that is quoted."""
    return text.translate(_DROP_ZERO_WIDTH)


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


_MONTHS = {
    "Jan": "January", "Feb": "February", "Mar": "March", "Apr": "April", "Jun": "June", "Jul": "July",
    "Aug": "August", "Sep": "September", "Sept": "September", "Oct": "October", "Nov": "November",
    "Dec": "December",
}  # fmt: skip
_MONTH_ABBREVIATION = re.compile(r"\b(" + "|".join(_MONTHS) + r")\.")
_ACRONYM = re.compile(r"\b((?:[A-Za-z]\.){2,})")


def tokenize(text: str) -> list[str]:
    """Lower-case, split into words, drop stop words, stem; numbers are kept as they are."""
    text = without_zero_width(text)
    text = _ACRONYM.sub(lambda m: m.group(1).replace(".", ""), text)  # "U.S." and "US" agree
    text = _MONTH_ABBREVIATION.sub(lambda m: _MONTHS[m.group(1)], text)  # "Dec." and "December" agree
    words = [w.replace("’", "'") for w in _WORD.findall(text.lower())]
    words = [w[:-2] if w.endswith("'s") else w for w in words]
    kept = [w for w in words if w not in STOPWORDS]
    stems: list[str] = _stemmer().stemWords(kept)
    return stems


def content_terms(text: str) -> set[str]:
    """The distinct stems of `text` that carry meaning."""
    return set(tokenize(text))
