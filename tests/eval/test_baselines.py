"""The top-2 reference composer."""

from __future__ import annotations

from footnote.eval.baselines import TopTwoComposer
from footnote.index.types import Chunk, Hit


def _hit(n: int, dense: float, lexical: float | None) -> Hit:
    return Hit(Chunk(f"c{n}", "a.txt", n, n + 1, f"Sentence {n}.", n, 0, "sha"), None, None, dense, lexical)


def test_top2__says_the_two_best_by_half_cosine_half_normalised_bm25() -> None:
    hits = [_hit(0, 0.9, None), _hit(1, 0.5, 10.0), _hit(2, 0.6, 5.0), _hit(3, 0.2, 8.0)]
    # scores: 0.45, 0.75, 0.55, 0.50
    draft = TopTwoComposer().compose("q?", hits)
    assert [s.text for s in draft.sentences] == ["Sentence 1.", "Sentence 2."]
    assert draft.abstain_reason is None


def test_top2__abstains_only_when_nothing_is_retrieved() -> None:
    draft = TopTwoComposer().compose("q?", [])
    assert draft.sentences == [] and draft.abstain_reason == "No passage in the sources matches the question."
