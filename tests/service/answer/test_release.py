"""Verified streaming: a generated sentence is released only once verify passed it, as the model writes."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from footnote.index.errors import ModelFailed
from footnote.service.answer.draft import Draft
from footnote.service.answer.generate import CUT_OFF, GenerativeComposer
from footnote.service.answer.release import Released, Said, release, said
from footnote.service.answer.types import Answer, Citation, Dropped, Sentence
from tests.service.fakes import BRIDGE, FakeChat, hits

TEXTS = {"bridge.txt": " ".join(c.text for c in BRIDGE)}
QUESTION = "What did the mayor say about the bridge?"
# [1] the mayor's visit, [2] the reopening, [3] the weather, [4] the council's vote
VISIT = "Mayor Jan Novak visited the old bridge on Tuesday"
REOPEN = "He said the bridge would reopen in May"
VOTE = "The council voted to rebuild the bridge with steel"


def _released(reply: str, failure: ModelFailed | None = None) -> tuple[FakeChat, Iterator[Released]]:
    chat = FakeChat(lambda _: reply, failure)
    return chat, release(GenerativeComposer(chat).drafts(QUESTION, hits(BRIDGE)), TEXTS)


def _exact(citations: list[Citation]) -> None:
    assert citations
    for c in citations:
        assert TEXTS[c.source][c.start : c.end] == c.quote


def test_release__sends_a_sentence_before_the_model_has_finished() -> None:
    chat, released = _released(f"{VISIT} [1]. {REOPEN} [2].")
    first = next(released)
    # the reply's first sentence is out while most of the second is still to be written
    assert chat.read < len(chat.pieces) - 3
    assert isinstance(first, Said)
    assert first.sentence == Sentence(f"{VISIT}.", [1])
    assert [c.quote for c in first.citations] == [f"{VISIT}."]
    second, done = list(released)
    assert isinstance(second, Said) and second.sentence == Sentence(f"{REOPEN}.", [2])
    assert isinstance(done, Answer) and done.answer == f"{VISIT}. [1] {REOPEN}. [2]"
    assert done.citations == [*first.citations, *second.citations] and done.composer == "generative"
    _exact(done.citations)


def test_release__a_marker_that_arrives_in_pieces_stays_with_its_sentence() -> None:
    reply = f"{VISIT}. [1] {REOPEN}. [1, 2]"
    chat = FakeChat(lambda _: reply)
    chat.tokens = lambda _: iter(reply)  # type: ignore[method-assign]  # one character at a time
    *sent, done = release(GenerativeComposer(chat).drafts(QUESTION, hits(BRIDGE)), TEXTS)
    assert [s.sentence for s in sent if isinstance(s, Said)] == [
        Sentence(f"{VISIT}.", [1]),
        Sentence(f"{REOPEN}.", [1, 2]),
    ]
    assert isinstance(done, Answer) and done.dropped == []


def test_release__a_hallucinated_middle_sentence_is_never_sent_but_those_around_it_are() -> None:
    _, released = _released(f"{VISIT} [1]. The mayor resigned on Tuesday [3]. {VOTE} [4].")
    *sent, done = released
    assert [s.sentence for s in sent if isinstance(s, Said)] == [
        Sentence(f"{VISIT}.", [1]),
        Sentence(f"{VOTE}.", [2]),  # numbered in order of first use among what is said
    ]
    assert isinstance(done, Answer) and done.answer == f"{VISIT}. [1] {VOTE}. [2]"
    assert [c.quote for c in done.citations] == [f"{VISIT}.", f"{VOTE}."]
    assert done.dropped == [Dropped("The mayor resigned on Tuesday.", "“mayor” is not in [2]")]
    _exact(done.citations)


def test_release__cut_off_mid_sentence_keeps_what_was_sent_and_reports_the_tail(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, released = _released(f"{VISIT} [1]. He said the bridge", ModelFailed("no whole reply within 1 s"))
    with caplog.at_level(logging.WARNING, logger="footnote.service.answer.release"):
        *sent, done = released
    assert [s.sentence for s in sent if isinstance(s, Said)] == [Sentence(f"{VISIT}.", [1])]
    assert isinstance(done, Answer) and not done.abstained and done.answer == f"{VISIT}. [1]"
    assert done.dropped == [Dropped("He said the bridge", CUT_OFF)]
    assert [r.getMessage() for r in caplog.records] == [
        "the language model's reply broke off after 1 sentence(s) were sent: no whole reply within 1 s"
    ]


def test_release__a_failure_before_any_sentence_was_sent_goes_to_the_caller() -> None:
    _, released = _released(f"{VISIT} [1", ModelFailed("no whole reply within 1 s"))
    with pytest.raises(ModelFailed, match="no whole reply within 1 s"):
        next(released)


def test_release__a_failure_after_only_refused_sentences_goes_to_the_caller() -> None:
    # nothing was said yet: the extractive answer is still possible
    _, released = _released("The mayor resigned [1]. He", ModelFailed("no whole reply within 1 s"))
    with pytest.raises(ModelFailed):
        list(released)


def test_release__no_sentence_that_passes_is_an_abstention_with_the_reason() -> None:
    _, released = _released("The mayor resigned on Tuesday [1].")
    (done,) = released
    assert isinstance(done, Answer) and done.abstained and done.answer == ""
    assert done.reason == "No sentence of the draft could be tied to an exact source span."
    assert done.dropped == [Dropped("The mayor resigned on Tuesday.", "“resigned” is not in [1]")]


def test_release__no_answer_marker_abstains_without_sending_anything() -> None:
    _, released = _released("NO_ANSWER")
    (done,) = released
    assert isinstance(done, Answer) and done.abstained and done.dropped == []
    assert done.reason == "The retrieved passages don't answer this question."


def test_release__a_reply_citing_nothing_is_a_model_failure() -> None:
    _, released = _released(f"{VISIT}. {REOPEN}.")
    with pytest.raises(ModelFailed, match="the reply cites no passage"):
        next(released)


def test_release__unmarked_and_unknown_passage_sentences_are_reported_like_ask_does() -> None:
    _, released = _released(f"Hello there. {VISIT} [1]. The bridge is closed [9].")
    *_, done = released
    assert isinstance(done, Answer) and done.answer == f"{VISIT}. [1]"
    assert done.dropped == [
        Dropped("Hello there.", "it has no citation"),
        Dropped("The bridge is closed.", "it cites [9], but only passages [1] to [4] were given"),
    ]


def test_release__no_passage_abstains_without_asking_the_model() -> None:
    chat = FakeChat(lambda _: pytest.fail("the model was asked"))
    (done,) = release(GenerativeComposer(chat).drafts(QUESTION, []), TEXTS)
    assert isinstance(done, Answer) and done.reason == "No passage in the sources matches the question."


def test_said__a_whole_answer_sentence_by_sentence_each_citation_before_its_first_use() -> None:
    one, two = (Citation(n, "bridge.txt", 0, 5, "Mayor", None, None, 1.0) for n in (1, 2))
    answer = Answer.of([Sentence("A.", [1]), Sentence("B.", [1, 2])], [one, two])
    assert list(said(answer)) == [
        Said(Sentence("A.", [1]), [one]),
        Said(Sentence("B.", [1, 2]), [two]),
        answer,
    ]


def test_release__drafts_without_sentences_keep_the_composers_reason() -> None:
    parts = [Draft(dropped=[Dropped("x", "it has no citation")]), Draft(abstain_reason="because")]
    (done,) = release(parts, TEXTS)
    assert isinstance(done, Answer) and done.reason == "because"
    assert done.dropped == [Dropped("x", "it has no citation")]
