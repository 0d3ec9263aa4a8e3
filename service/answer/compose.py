"""Compose: say the retrieved sentences that answer, chosen (or refused) by a fitted model.

The selector (features.py, parameters in selector.json beside it, fitted by `make train` on SQuAD
training articles only) scores each retrieved sentence for "holds the answer" and the question
for "what would be said holds the answer"; the threshold was chosen on validation for a stated
false-abstention rate. See eval/MODEL_CARD.md for data, split, features and held-out figures.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from footnote.index.text import ANAPHOR
from footnote.index.tokenize import content_terms
from footnote.index.types import Hit
from footnote.service.answer.draft import AtOnce, Corpus, Draft, DraftSentence, overlap, reading_order
from footnote.service.answer.features import FRAME, features, question_terms
from footnote.service.answer.highlight import highlight
from footnote.service.answer.names import prepare, unknown_names
from footnote.service.answer.selector import Selector

__all__ = ["LearnedComposer"]

_WORD = re.compile(r"[\w’'-]+")

# What is said is chosen by the fitted selector (features.py, selector.json);
# these only bound the length of what it says (issue 10: two sentences, ~40 words).
MAX_SENTENCES = 2
WORD_BUDGET = 40  # a lead-in is added only within this many words (the ratio keeps the mean there)
HARD_CAP = 120  # an answer is never longer than this
DUPLICATE_OVERLAP = 0.7
_UNSEEN = float("inf")  # a word the sources never use is as rare as can be


class LearnedComposer(AtOnce):
    """Says the retrieved sentences the fitted selector scores highest, verbatim, or abstains.

    The composer of every answer no language model writes; held-out figures, next to the hand-set
    baseline's (eval/baselines.py), in eval/MODEL_CARD.md.
    """

    def __init__(self, corpus: Corpus, selector: Selector | None = None) -> None:
        self.corpus = corpus
        self.selector = selector or Selector.load()
        prepare(corpus)  # built with each snapshot, on the thread that installs it

    def _unknown_names(self, question: str) -> list[str]:
        return unknown_names(question, self.corpus)

    def compose(self, question: str, hits: Sequence[Hit], context: str | None = None) -> Draft:
        """Pick sentences from `hits` that answer `question`, or say why not."""
        missing = self._unknown_names(question) + (self._unknown_names(context) if context else [])
        if missing:
            names = ", ".join(f"“{w}”" for w in missing)
            return Draft(abstain_reason=f"The sources don't mention {names}.")
        if not hits:
            return Draft(abstain_reason="No passage in the sources matches the question.")
        if not question_terms(question, context, self.corpus):
            return Draft(abstain_reason="None of the question's words occur in the sources.")
        x = features(question, hits, self.corpus, context)
        p = self.selector.sentence_probabilities(x)
        if self.selector.answer_probability(p, x) < self.selector.threshold:
            return Draft(abstain_reason=self._why_not(question, hits))
        sizes = [len(h.chunk.text.split()) for h in hits]
        order = [int(i) for i in np.argsort(-p, kind="stable") if sizes[i] <= HARD_CAP]
        if not order:
            return Draft(abstain_reason=f"Every passage that matches is longer than {HARD_CAP} words.")
        chosen: list[Hit] = []
        words = 0
        for i in order:
            cand = hits[i]
            if len(chosen) == MAX_SENTENCES or p[i] < self.selector.second_ratio * p[order[0]]:
                break
            n = sizes[i]
            if words + n > HARD_CAP:
                continue  # the mean stays within WORD_BUDGET by the fitted ratio (eval/train.py)
            terms = content_terms(cand.chunk.text)
            if any(overlap(terms, content_terms(c.chunk.text)) >= DUPLICATE_OVERLAP for c in chosen):
                continue  # the same fact, often repeated across articles: say it once
            lead_in = self.corpus.previous(cand.chunk) if ANAPHOR.match(cand.chunk.text) else None
            if lead_in and all(c.chunk.id != lead_in.id for c in chosen):
                m = len(lead_in.text.split())
                if words + n + m <= WORD_BUDGET or (not chosen and n + m <= HARD_CAP):
                    # "He said ..." is said after the sentence that tells who "he" is
                    chosen.append(Hit(lead_in, cand.title, cand.published, dense=cand.dense))
                    words += m
            chosen.append(cand)
            words += n
        chosen = reading_order(chosen)
        answering = {c.chunk.id for c in hits}  # a lead-in tells who "he" is; it is not marked
        return Draft(
            sentences=[
                DraftSentence(
                    c.chunk.text, (c,), self._marked(question, c) if c.chunk.id in answering else None
                )
                for c in chosen
            ]
        )

    def _marked(self, question: str, hit: Hit) -> tuple[int, int] | None:
        return highlight(question, hit.chunk.text, self.selector, self.corpus)

    def _why_not(self, question: str, hits: Sequence[Hit]) -> str:
        """Which of the question's words the passages have, and which rare ones none of them has."""
        found: set[str] = set()
        for hit in hits:
            prev = self.corpus.previous(hit.chunk)
            found |= content_terms(hit.chunk.text) | self.corpus.about(hit.chunk.source)
            found |= content_terms(prev.text) if prev else set()
        words = {w: content_terms(w) - FRAME for w in dict.fromkeys(_WORD.findall(question))}
        words = {w: stems for w, stems in words.items() if stems}
        # a common word ("many", "time") missing says little; a rare one ("population") says what is
        rarity = {w: min(self.corpus.idf(t) or _UNSEEN for t in stems) for w, stems in words.items()}
        typical = float(np.median(list(rarity.values()))) if rarity else 0.0
        present = [f"“{w}”" for w, stems in words.items() if stems <= found]
        absent = [f"“{w}”" for w, stems in words.items() if not stems <= found and rarity[w] >= typical]
        if present and absent:
            return f"The passages mention {', '.join(present)} but not {', '.join(absent)}."
        return "The sources don't answer this: the closest passage is only loosely related."
