"""Judge: does a premise (cited text) support a hypothesis (an answer sentence)?

The default judge is deterministic: the sentence must be (near-)verbatim inside the premise,
and every number, date and capitalised name of the sentence must occur in the premise.
When FOOTNOTE_NLI_MODEL names a local cross-encoder directory, an NLI judge is used instead
(never downloaded).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import lru_cache

__all__ = ["Judge", "default_judge", "entails", "load_judge"]

Judge = Callable[[str, str], bool]

_MARKER = re.compile(r"\s*\[\d+\]")
_WORD = re.compile(r"\w+")
NEAR_VERBATIM = 0.9  # share of the sentence's words that must appear, in order-free bag terms


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(_MARKER.sub("", text).lower()))


def entails(premise: str, hypothesis: str) -> bool:
    """The deterministic judge."""
    hyp = _MARKER.sub("", hypothesis).strip()
    if not hyp:
        return False
    p_norm, h_norm = _norm(premise), _norm(hyp)
    if not h_norm:
        return False
    # every number, date and name of the sentence must occur in the premise
    premise_words = set(p_norm.split())
    for i, word in enumerate(_WORD.findall(hyp)):
        is_fact = any(ch.isdigit() for ch in word) or (i > 0 and word[0].isupper())
        if is_fact and word.lower() not in premise_words:  # the first word is capitalised anyway
            return False
    if h_norm in p_norm:
        return True
    words = h_norm.split()
    found = sum(1 for w in words if w in premise_words)
    return found / len(words) >= NEAR_VERBATIM and len(words) >= 4


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
