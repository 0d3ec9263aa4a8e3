"""Names: which names and numbers of a question no indexed article uses.

A question about someone or something the sources never name is answered "the sources don't
mention X" rather than with a passage that merely shares the question's other words. People type
names without their accents and with a slip of the keyboard ("Beyonce", "Manhatten"), so a name
counts as used when the sources have it up to accents and, for longer words, up to an edit or two;
numbers must match exactly ("1942" is not "1944"). The fuzzy look-up is rapidfuzz's (C++), over
the vocabulary folded once per snapshot.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Set as AbstractSet
from functools import lru_cache
from typing import Protocol

from footnote.index.tokenize import content_terms

__all__ = ["NAME_OR_NUMBER", "unknown_names"]

# A capitalised word (not the question's first) or a number.
NAME_OR_NUMBER = re.compile(r"(?<!^)(?<![.?!]\s)\b([A-Z][\w’'-]*[a-z][\w’'-]*|\d[\d,.]*)\b")
FUZZY_FROM = 5  # shorter words must match exactly (up to accents): one edit makes another word
LONG = 8  # from this length, two edits are forgiven


class Vocabulary(Protocol):
    @property
    def vocabulary(self) -> AbstractSet[str]: ...


def fold(term: str) -> str:
    """`term` without its accents (é -> e, ł stays: it has no decomposition)."""
    return "".join(c for c in unicodedata.normalize("NFKD", term) if not unicodedata.combining(c))


@lru_cache(maxsize=4)  # one per live snapshot; a frozenset caches its hash, so a hit is cheap
def _folded(vocabulary: frozenset[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    folded = sorted({fold(t) for t in vocabulary if not t.isdigit()})
    return frozenset(folded), tuple(folded)


def _known(term: str, vocabulary: AbstractSet[str]) -> bool:
    if term in vocabulary:
        return True
    if any(c.isdigit() for c in term):
        return False
    exact, terms = _folded(frozenset(vocabulary))
    key = fold(term)
    if key in exact:
        return True
    if len(key) < FUZZY_FROM:
        return False
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    limit = 2 if len(key) >= LONG else 1
    return process.extractOne(key, terms, scorer=Levenshtein.distance, score_cutoff=limit) is not None


def unknown_names(question: str, corpus: Vocabulary) -> list[str]:
    """The names and numbers of `question` that no indexed article uses (the question's first
    word is not taken for a name)."""
    missing = []
    for m in NAME_OR_NUMBER.finditer(question):
        word = m.group(1).rstrip(".,")
        if not all(_known(t, corpus.vocabulary) for t in content_terms(word)):
            missing.append(word)
    return missing
