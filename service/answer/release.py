"""Release: an answer said sentence by sentence, a generated one only as each sentence passes verify.

A generated draft arrives a sentence at a time (service/answer/generate.py). Each sentence goes through
the same cite and verify steps as a whole draft, numbered as it will be in the final answer: cite
numbers it after the citations already released (service/answer/cite.py's `first_use`, the rule verify
renumbers a whole answer by). One that fails is never released; it joins `dropped`, with the
reason verify gives. The last item is always the whole `Answer`, exactly what was released: what
the stream sends as `done`.

If the model fails before any sentence was released, ModelFailed goes on to the caller, who may
still answer some other way; once one was, what was said stands and the failure only ends it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from footnote.index.errors import ModelFailed
from footnote.service.answer.cite import cite
from footnote.service.answer.draft import Draft, DraftSentence
from footnote.service.answer.judge import Judge, entails
from footnote.service.answer.types import Answer, Citation, Dropped, Sentence
from footnote.service.answer.verify import verify

__all__ = ["Released", "Said", "release", "said"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Said:
    """One sentence as it is released, with the citations it is the first to use (sent before it)."""

    sentence: Sentence
    citations: list[Citation]


Released = Said | Answer  # any number of Said, then one Answer


def said(answer: Answer) -> Iterator[Released]:
    """A whole answer, sentence by sentence, then itself (an extractive answer has no tokens)."""
    by_id = {c.id: c for c in answer.citations}
    sent: set[int] = set()
    for sentence in answer.sentences:
        first = [by_id[n] for n in sentence.citations if n not in sent]
        sent.update(sentence.citations)
        yield Said(sentence, first)
    yield answer


def _checked(
    drafted: DraftSentence, cited: list[Citation], texts: Mapping[str, str], judge: Judge
) -> Said | Answer:
    """The sentence as released after `cited`, or the abstention verify gives it (with its reason)."""
    own = cite(Draft(sentences=[drafted]), cited)  # a span already cited keeps its id
    checked = verify(own, texts, judge)
    if checked.abstained:
        return checked
    return Said(own.sentences[0], [c for c in own.citations if c.id > len(cited)])


def release(
    parts: Iterable[Draft],
    texts: Mapping[str, str],
    judge: Judge = entails,
    standalone: str | None = None,
    composer: Literal["generative", "extractive"] = "generative",
) -> Iterator[Released]:
    """Cite and verify each drafted sentence as it comes and release those that pass; then the answer
    (`standalone`: the question answered, once condensed; `composer`: which kind drafted it).

    ModelFailed when the parts break off before any sentence was released.
    """
    kept: list[Sentence] = []
    citations: list[Citation] = []
    unread: list[Dropped] = []  # put aside by the composer (as Draft.dropped)
    refused: list[Dropped] = []  # put aside by verify
    refusal: Answer | None = None  # the last, for its reason should nothing be released
    reason: str | None = None  # the composer's, should it draft no sentence
    try:
        for part in parts:
            unread += part.dropped
            reason = part.abstain_reason or reason
            for drafted in part.sentences:
                outcome = _checked(drafted, citations, texts, judge)
                if isinstance(outcome, Answer):
                    refusal = outcome
                    refused += outcome.dropped
                    continue
                kept.append(outcome.sentence)
                citations += outcome.citations
                yield outcome
    except ModelFailed as exc:
        if not kept:
            raise
        log.warning("the language model's reply broke off after %d sentence(s) were sent: %s", len(kept), exc)
    # in the order /v1/ask reports them: the composer's, then verify's
    rest = {"standalone_question": standalone, "dropped": [*unread, *refused], "composer": composer}
    if kept:
        yield Answer.of(kept, citations, **rest)
    elif refusal is not None:
        yield Answer.abstain(refusal.reason or "", **rest)
    else:
        yield Answer.abstain(reason or "The sources don't answer this question.", **rest)
