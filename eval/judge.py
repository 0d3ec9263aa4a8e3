"""Judge: does a premise (cited text) support a hypothesis (an answer sentence)?

The default judge is deterministic and strict — near-verbatim containment:
1. every word of the sentence that carries meaning (not a function word) occurs in the premise,
   up to inflection (same Snowball stem): no new content word, so no synonym, no antonym;
2. every number sits next to the same word as in the premise ("13,299 people", not "1,834 people");
3. every negation of the sentence occurs in the premise, next to the same word, and no negation
   of the premise is dropped between two words the sentence keeps side by side ("will offer" is
   not supported by "will not offer").
Capitalised names fall under rule 1. What it cannot see: who did what to whom when the same
words are reordered, and a sentence built from two unrelated halves of one passage
(`eval/README.md` gives the measured agreement with hand labels, and the misses by kind).

When FOOTNOTE_NLI_MODEL names a local cross-encoder directory, an NLI judge is used instead
(never downloaded).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from index.tokenize import STOPWORDS, stem_words

__all__ = ["Judge", "default_judge", "entails", "load_judge"]

Judge = Callable[[str, str], bool]

_MARKER = re.compile(r"\s*\[\d+\]")
_ACRONYM = re.compile(r"\b((?:[A-Za-z]\.){2,})")
_TOKEN = re.compile(r"\d(?:[\d,.]*\d)?|[^\W\d_]+(?:['’][^\W\d_]+)*")
NEGATIONS = frozenset(
    {"not", "no", "never", "without", "none", "nor", "neither", "nobody", "nothing", "cannot"}
)


@dataclass(frozen=True, slots=True)
class _Token:
    key: str  # the stem, or the number as written
    kind: str  # "function", "word", "number" or "negation"


def _tokens(text: str) -> list[_Token]:
    text = _ACRONYM.sub(lambda m: m.group(1).replace(".", ""), _MARKER.sub("", text))
    out: list[_Token] = []
    for raw in _TOKEN.findall(text):
        word = raw.lower().replace("’", "'")
        if word[0].isdigit():
            out.append(_Token(word.replace(",", ""), "number"))
        elif word in NEGATIONS or word.endswith("n't"):
            out.append(_Token("not", "negation"))
        else:
            word = word[:-2] if word.endswith("'s") else word
            kind = "function" if word in STOPWORDS else "word"
            out.append(_Token(stem_words([word])[0] if kind == "word" else word, kind))
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


def entails(premise: str, hypothesis: str) -> bool:
    """The deterministic judge."""
    p, h = _tokens(premise), _tokens(hypothesis)
    meaningful = [t for t in h if t.kind != "function"]
    if not meaningful:
        return False
    p_keys = {t.key for t in p}
    if any(t.key not in p_keys for t in meaningful):
        return False  # a word, name, number or negation the premise doesn't have
    for i, t in enumerate(h):
        if t.kind in ("number", "negation"):
            mine = _neighbours(h, i)
            theirs = [_neighbours(p, j) for j, u in enumerate(p) if u.key == t.key]
            if mine and not any(mine & n for n in theirs):
                return False  # the right number or negation, next to the wrong thing
    kept = [t.key for t in meaningful]
    pairs = set(itertools.pairwise(kept))
    for j, u in enumerate(p):
        if u.kind == "negation":
            left = next((p[k].key for k in range(j - 1, -1, -1) if p[k].kind != "function"), None)
            right = next((p[k].key for k in range(j + 1, len(p)) if p[k].kind != "function"), None)
            if (left, right) in pairs:
                return False  # "will offer" where the premise says "will not offer"
    return True


@lru_cache(maxsize=1)
def _nli(path: str) -> Judge:  # pragma: no cover - needs a local model directory
    from sentence_transformers import CrossEncoder

    model = CrossEncoder(path, device="cpu")
    labels = [str(v).lower() for v in model.config.id2label.values()]
    entail = labels.index("entailment") if "entailment" in labels else -1

    def judge(premise: str, hypothesis: str) -> bool:
        scores = model.predict([(premise, _MARKER.sub("", hypothesis))])[0]
        return int(scores.argmax()) == (entail if entail >= 0 else len(scores) - 1)

    return judge


def load_judge() -> Judge:
    """The NLI judge when FOOTNOTE_NLI_MODEL points at a local model directory, else the default."""
    path = os.environ.get("FOOTNOTE_NLI_MODEL")
    if path and os.path.isdir(path):
        return _nli(path)
    return entails


default_judge: Judge = entails
