"""The whole question-answering flow, one stage per line, over the live corpus (service/corpus/).

Every answer takes one path: condense the question, retrieve passages, let the composer draft
(a language model when one is configured, else the fitted extractive composer), and release each
drafted sentence only once cite has tied it to an exact span and verify has passed it
(release.py). `/v1/ask` is that stream's last item. Over an empty corpus every question abstains
with NOTHING_INDEXED — also one naming a source in its filters, since that reason says more than
"unknown source".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from footnote.index.embed import Embedder
from footnote.index.errors import ModelFailed
from footnote.index.records import Generation
from footnote.index.retrieve import Retriever, VectorCache
from footnote.index.snapshot import Snapshot
from footnote.index.store import Store
from footnote.index.text import without_zero_width
from footnote.index.types import Filters, Hit
from footnote.service.answer.condense import Condensed, condense
from footnote.service.answer.draft import Composer
from footnote.service.answer.generate import GenerativeComposer
from footnote.service.answer.judge import Judge, entails
from footnote.service.answer.modelstate import NOT_CONFIGURED, ModelState
from footnote.service.answer.release import Released, release
from footnote.service.answer.types import Answer
from footnote.service.corpus.live import NOTHING_INDEXED, UNKNOWN, LiveCorpus

__all__ = ["Pipeline", "Stages"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Stages:
    """The stages built on one snapshot: its retriever and its composer."""

    retriever: Retriever
    composer: Composer


class Pipeline:
    """Condense → retrieve → compose → cite → verify → release, over the live corpus."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        snapshot: Snapshot | None,
        top_k: int,
        composer: Callable[[Snapshot], Composer],
        generation: Generation = UNKNOWN,
        generator: GenerativeComposer | None = None,
        judge: Judge = entails,
    ) -> None:
        self.embedder, self.top_k, self._composer = embedder, top_k, composer
        self.generator = generator  # a language model's composer, when one is configured
        # verify's judge; the service always uses the default (only the eval swaps it, to measure
        # what verification removes: nothing in Settings or the API reaches this)
        self.judge = judge
        self._vectors = VectorCache()  # kept across refreshes: a chunk id's vector never changes
        self.corpus: LiveCorpus[Stages] = LiveCorpus(store, snapshot, self._stages, generation)

    def _stages(self, snapshot: Snapshot, store: Store) -> Stages:
        return Stages(Retriever(snapshot, store, self.embedder, self._vectors), self._composer(snapshot))

    def ask(
        self,
        question: str,
        filters: Filters | None = None,
        top_k: int | None = None,
        history: Sequence[Mapping[str, str]] = (),
    ) -> Answer:
        """Answer `question` from the sources, every sentence cited, or abstain with a reason."""
        return self.run(question, filters, top_k, history)[0]

    def run(
        self,
        question: str,
        filters: Filters | None = None,
        top_k: int | None = None,
        history: Sequence[Mapping[str, str]] = (),
    ) -> tuple[Answer, list[Hit]]:
        """`ask`, also returning the retrieved passages (for evaluation): the stream's last item."""
        hits, released = self._answer(question, filters, top_k, history)
        *_, answer = released
        assert isinstance(answer, Answer)  # release's contract: the last item is the answer
        return answer, hits

    def stream(
        self,
        question: str,
        filters: Filters | None = None,
        top_k: int | None = None,
        history: Sequence[Mapping[str, str]] = (),
    ) -> Iterator[Released]:
        """`ask`, released sentence by sentence, then the whole answer (for /v1/ask/stream).

        What can refuse the request (its filters, the store) runs before this returns, while a
        status code can still say so; the answer is composed as the iterator is read.
        """
        return self._answer(question, filters, top_k, history)[1]

    def _answer(
        self,
        question: str,
        filters: Filters | None,
        top_k: int | None,
        history: Sequence[Mapping[str, str]],
    ) -> tuple[list[Hit], Iterator[Released]]:
        with self.corpus.holding() as live:  # one snapshot for the whole request
            if live.snapshot is None or live.stages is None:
                return [], iter([Answer.abstain(NOTHING_INDEXED)])
            # condense a follow-up and the earlier turns into a standalone question; invisible
            # characters inside a word ("Ger\u200bmany") would split it for every rule below
            turns = [{**turn, "content": without_zero_width(turn["content"])} for turn in history]
            asked = condense(without_zero_width(question), turns)
            # retrieve passages
            hits = live.stages.retriever.search(asked.standalone, top_k or self.top_k, filters)
        return hits, self._released(live.stages.composer, live.snapshot.texts, asked, hits)

    def _released(
        self, composer: Composer, texts: Mapping[str, str], asked: Condensed, hits: list[Hit]
    ) -> Iterator[Released]:
        # compose, cite, verify, release: generated when a model is configured and answers
        if self.generator is not None:
            try:
                drafts = self.generator.drafts(asked.question, hits, asked.context)
                yield from release(drafts, texts, self.judge, asked.standalone, "generative")
                return
            except ModelFailed as exc:  # nothing was said yet: say what the sources say
                log.warning("the language model failed, answering extractively: %s", exc)
        drafts = composer.drafts(asked.question, hits, asked.context)
        yield from release(drafts, texts, self.judge, asked.standalone, "extractive")

    def model_state(self) -> ModelState:
        """The language model's state for /readyz, beside the index's; never waits on its server."""
        return self.generator.state() if self.generator is not None else NOT_CONFIGURED
