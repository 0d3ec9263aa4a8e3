"""Reference composers to measure the real one against (never served).

`top2`: the two retrieved sentences with the best 0.5·cosine + 0.5·BM25/max BM25 (BM25
normalised over the retrieved candidates), said in that order. It never abstains.
"""

from __future__ import annotations

from collections.abc import Sequence

from footnote.index.types import Hit
from footnote.service.compose import Draft, DraftSentence

__all__ = ["TopTwoComposer"]


class TopTwoComposer:
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
