"""Judge: does a premise (cited text) support a hypothesis (an answer sentence)?

The judge interface and the deterministic judge are product code (verify uses them), so they live
in `service/answer/judge.py` (its docstring gives the rules); this module re-exports them for the eval and
adds the eval's choice of judge: when FOOTNOTE_NLI_MODEL names a local cross-encoder directory, an
NLI judge is used instead (never downloaded).
"""

from __future__ import annotations

import os
from functools import lru_cache

from footnote.service.answer.judge import Judge, entails, without_markers

__all__ = ["Judge", "entails", "load_judge"]


@lru_cache(maxsize=1)
def _nli(path: str) -> Judge:  # pragma: no cover - needs a local model directory
    from sentence_transformers import CrossEncoder

    model = CrossEncoder(path, device="cpu")
    labels = [str(v).lower() for v in model.config.id2label.values()]
    entail = labels.index("entailment") if "entailment" in labels else -1

    def judge(premise: str, hypothesis: str) -> bool:
        scores = model.predict([(premise, without_markers(hypothesis))])[0]
        return int(scores.argmax()) == (entail if entail >= 0 else len(scores) - 1)

    return judge


def load_judge() -> Judge:
    """The NLI judge when FOOTNOTE_NLI_MODEL points at a local model directory, else the default."""
    path = os.environ.get("FOOTNOTE_NLI_MODEL")
    if path and os.path.isdir(path):
        return _nli(path)
    return entails
