"""Names: which names and numbers of a question no indexed article uses.

A question about someone or something the sources never name is answered "the sources don't
mention X" rather than with a passage that merely shares the question's other words. People type
names without their accents and with a slip of the keyboard ("Beyonce", "Manhatten"), so a name
counts as used when the sources have it up to accents and, from six letters, up to one edit that
keeps the first letter; numbers must match exactly ("1942" is not "1944"). The edit distance is
rapidfuzz's (C++), over the few terms of the same first letter and about the same length, from
the vocabulary folded once per snapshot. The price: a name one edit from a word the sources use
("Lavrova" beside "Lavrov") counts as used, and the question is answered or abstains on evidence.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from footnote.index.text import NAME_OR_NUMBER
from footnote.index.tokenize import content_terms

__all__ = ["prepare", "unknown_names"]

FUZZY_FROM = 6  # shorter words must match exactly (up to accents): one edit makes another word


class Vocabulary(Protocol):
    @property
    def vocabulary(self) -> AbstractSet[str]: ...


def fold(term: str) -> str:
    """`term` without its accents (é -> e, ł stays: it has no decomposition)."""
    return "".join(c for c in unicodedata.normalize("NFKD", term) if not unicodedata.combining(c))


@dataclass(frozen=True, slots=True)
class _Folded:
    exact: frozenset[str]
    near: dict[tuple[str, int], tuple[str, ...]]  # (first letter, length) -> folded terms


@lru_cache(maxsize=2)  # the live snapshot's, and the one being swapped in
def _folded(vocabulary: frozenset[str]) -> _Folded:
    exact = {fold(t) for t in vocabulary if not any(c.isdigit() for c in t)}
    near: dict[tuple[str, int], list[str]] = {}
    for term in sorted(exact):
        if len(term) >= FUZZY_FROM - 1:
            near.setdefault((term[0], len(term)), []).append(term)
    return _Folded(frozenset(exact), {key: tuple(terms) for key, terms in near.items()})


def prepare(corpus: Vocabulary) -> None:
    """Fold the vocabulary now (at 1M chunks, about a second), on the thread that installs a
    snapshot, rather than on the first question that names something unknown."""
    _folded(frozenset(corpus.vocabulary))


def _known(term: str, vocabulary: AbstractSet[str]) -> bool:
    if term in vocabulary:
        return True
    if any(c.isdigit() for c in term):
        return False
    folded = _folded(frozenset(vocabulary))  # a frozenset is itself: no copy, its hash is cached
    key = fold(term)
    if key in folded.exact:
        return True
    if len(key) < FUZZY_FROM:
        return False
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    # a slip of the keyboard rarely hits the first letter, and changes the length by one at most
    near = [t for n in (-1, 0, 1) for t in folded.near.get((key[0], len(key) + n), ())]
    return process.extractOne(key, near, scorer=Levenshtein.distance, score_cutoff=1) is not None


def unknown_names(question: str, corpus: Vocabulary) -> list[str]:
    """The names and numbers of `question` that no indexed article uses (the question's first
    word is not taken for a name)."""
    missing = []
    for m in NAME_OR_NUMBER.finditer(question):
        word = m.group(1).rstrip(".,")
        if not all(_known(t, corpus.vocabulary) for t in content_terms(word)):
            missing.append(word)
    return missing
