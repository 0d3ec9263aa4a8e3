"""Judge: does a premise (cited text) support a hypothesis (a sentence said from it)?

Any `Judge` is `entails(premise, hypothesis) -> bool`; verify and the eval take one as a
parameter. The default is deterministic and strict — near-verbatim containment:
1. every word of the sentence that carries meaning (not a function word) occurs in the premise,
   up to inflection (same Snowball stem): no new content word, so no synonym, no antonym;
2. every number sits next to the same word as in the premise ("13,299 people", not "1,834 people");
3. every negation of the sentence occurs in the premise, next to the same word, and no negation
   of the premise is dropped between two words the sentence keeps side by side ("will offer" is
   not supported by "will not offer").
Capitalised names fall under rule 1. What it cannot see: who did what to whom when the same
words are reordered, and a sentence built from two unrelated halves of one passage
(`eval/README.md` gives the measured agreement with hand labels, and the misses by kind).
`unsupported` applies the same rules and says which one failed, so a dropped sentence has a reason.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from footnote.index.text import collapse_acronyms
from footnote.index.tokenize import STOPWORDS, stem_words
from footnote.service.answer.types import MARKER

__all__ = ["NEGATIONS", "Judge", "entails", "unsupported", "without_markers"]

Judge = Callable[[str, str], bool]

_MARKERS = re.compile(r"\s*" + MARKER.pattern)
_TOKEN = re.compile(r"\d(?:[\d,.]*\d)?|[^\W\d_]+(?:['’][^\W\d_]+)*")
NEGATIONS = frozenset(
    {"not", "no", "never", "without", "none", "nor", "neither", "nobody", "nothing", "cannot"}
)


@dataclass(frozen=True, slots=True)
class _Token:
    key: str  # the stem, or the number as written
    kind: str  # "function", "word", "number" or "negation"
    text: str  # as written, for a reason a reader can follow


def without_markers(text: str) -> str:
    """`text` without its [n] citation markers."""
    return _MARKERS.sub("", text)


def _tokens(text: str) -> list[_Token]:
    text = collapse_acronyms(without_markers(text))
    out: list[_Token] = []
    for raw in _TOKEN.findall(text):
        word = raw.lower().replace("’", "'")
        if word[0].isdigit():
            out.append(_Token(word.replace(",", ""), "number", raw))
        elif word in NEGATIONS or word.endswith("n't"):
            out.append(_Token("not", "negation", raw))
        else:
            word = word[:-2] if word.endswith("'s") else word
            kind = "function" if word in STOPWORDS else "word"
            out.append(_Token(stem_words([word])[0] if kind == "word" else word, kind, raw))
    return out


def _neighbours(tokens: list[_Token], i: int) -> set[str]:
    """The nearest meaningful word on each side of position i."""
    found = set()
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(tokens) and tokens[j].kind == "function":
            j += step
        if 0 <= j < len(tokens):
            found.add(tokens[j].key)
    return found


def _named(t: _Token) -> str:
    if t.kind == "number":
        return f"the figure {t.text}"
    return f"the negation “{t.text}”" if t.kind == "negation" else f"“{t.text}”"


def unsupported(premise: str, hypothesis: str, premise_name: str = "the premise") -> str | None:
    """Why the deterministic judge finds `hypothesis` unsupported by `premise`, or None if it is supported."""
    p, h = _tokens(premise), _tokens(hypothesis)
    meaningful = [t for t in h if t.kind != "function"]
    if not meaningful:
        return "it says nothing that can be checked"
    p_keys = {t.key for t in p}
    for t in meaningful:
        if t.key not in p_keys:  # a word, name, number or negation the premise doesn't have
            return f"{_named(t)} is not in {premise_name}"
    for i, t in enumerate(h):
        if t.kind in ("number", "negation"):
            mine = _neighbours(h, i)
            theirs = [_neighbours(p, j) for j, u in enumerate(p) if u.key == t.key]
            if mine and not any(mine & n for n in theirs):  # the right number, next to the wrong thing
                return f"{_named(t)} is about something else in {premise_name}"
    pairs = set(itertools.pairwise(t.key for t in meaningful))
    for j, u in enumerate(p):
        if u.kind == "negation":
            left = next((p[k] for k in range(j - 1, -1, -1) if p[k].kind != "function"), None)
            right = next((p[k] for k in range(j + 1, len(p)) if p[k].kind != "function"), None)
            if left and right and (left.key, right.key) in pairs:  # "will offer" vs "will not offer"
                return f"{premise_name} says “{u.text}” between “{left.text}” and “{right.text}”"
    return None


def entails(premise: str, hypothesis: str) -> bool:
    """The deterministic judge."""
    return unsupported(premise, hypothesis) is None
