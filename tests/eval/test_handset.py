"""The extractive composer over a tiny hand-made corpus (characterisation: behaviour, not constants)."""

from __future__ import annotations

import pytest

from footnote.eval.baselines import MAX_SENTENCES, WORD_BUDGET, HandSetComposer
from footnote.service.answer.draft import Draft
from tests.service.fakes import BRIDGE, CORPUS, FakeCorpus, article, hits, many_sentences, texts


def test_compose__abstains_naming_what_the_sources_do_not_mention() -> None:
    draft = HandSetComposer(CORPUS).compose("What did Merkel say in Minsk?", hits(BRIDGE))
    assert draft == Draft(abstain_reason="The sources don't mention “Merkel”, “Minsk”.")


def test_compose__abstains_on_a_follow_up_whose_earlier_question_names_the_unknown() -> None:
    draft = HandSetComposer(CORPUS).compose("What about the bridge?", hits(BRIDGE), "Did Merkel visit?")
    assert draft.abstain_reason == "The sources don't mention “Merkel”."


def test_compose__abstains_when_nothing_was_retrieved() -> None:
    draft = HandSetComposer(CORPUS).compose("What did the council decide about the bridge?", [])
    assert draft == Draft(abstain_reason="No passage in the sources matches the question.")


def test_compose__abstains_when_the_closest_passage_is_only_loosely_related() -> None:
    draft = HandSetComposer(CORPUS).compose("Was the weather mild?", hits(BRIDGE[3:], dense=0.1))
    assert draft == Draft(
        abstain_reason="The sources don't answer this: the closest passage is only loosely related."
    )


def test_compose__says_the_sentence_that_covers_the_question_best_verbatim() -> None:
    retrieved = hits(BRIDGE[2:])
    retrieved[0].dense = 0.6  # the closer vector, but none of the question's words
    draft = HandSetComposer(CORPUS).compose("What did the council decide about the bridge?", retrieved)
    assert texts(draft) == ["The council voted to rebuild the bridge with steel."]
    assert draft.sentences[0].support == (retrieved[1],)


def test_compose__answers_when_with_a_sentence_that_has_a_date() -> None:
    reopen = article("reopen.txt", "The bridge will reopen once repairs end.", "The bridge reopens in May.")
    dated = reopen[1]
    retrieved = hits(reopen)
    retrieved[0].dense = 0.7  # closer, and it has every word of the question, but no date
    draft = HandSetComposer(FakeCorpus(reopen)).compose("When will the bridge reopen?", retrieved)
    assert texts(draft) == [dated.text]


def test_compose__says_who_he_is_before_an_anaphoric_sentence() -> None:
    said, lead_in = BRIDGE[1], BRIDGE[0]
    draft = HandSetComposer(CORPUS).compose("Would the bridge reopen in May?", hits([said]))
    assert texts(draft) == [lead_in.text, said.text]
    (support,) = draft.sentences[0].support
    assert support.chunk == lead_in and (support.title, support.published) == ("Bridge", "2024-05-06")


def test_compose__says_at_most_max_sentences() -> None:
    many = many_sentences(MAX_SENTENCES + 3, words=4)
    draft = HandSetComposer(FakeCorpus(many)).compose("Tell me about the bridge?", hits(many))
    assert len(draft.sentences) == MAX_SENTENCES


def test_compose__stops_adding_sentences_at_the_word_budget() -> None:
    many = many_sentences(MAX_SENTENCES + 3, words=WORD_BUDGET // 2)
    draft = HandSetComposer(FakeCorpus(many)).compose("Tell me about the bridge?", hits(many))
    assert sum(len(t.split()) for t in texts(draft)) <= WORD_BUDGET
    assert len(draft.sentences) == 2  # a third of the same length would overrun the budget


@pytest.mark.parametrize("extra", [1, 10])
def test_compose__says_one_best_sentence_even_over_the_word_budget(extra: int) -> None:
    (long,) = many_sentences(1, words=WORD_BUDGET + extra)
    draft = HandSetComposer(FakeCorpus([long])).compose("Tell me about the bridge?", hits([long]))
    assert texts(draft) == [long.text]


def test_compose__says_a_fact_repeated_across_articles_once() -> None:
    copy = article("copy.txt", "The council voted to rebuild the bridge with steel.")
    corpus = FakeCorpus(BRIDGE + copy)
    question = "What did the council decide about the bridge?"
    draft = HandSetComposer(corpus).compose(question, hits([BRIDGE[3], *copy]))
    assert texts(draft) == ["The council voted to rebuild the bridge with steel."]


def test_compose__orders_sentences_as_the_article_tells_them() -> None:
    many = many_sentences(MAX_SENTENCES, words=4)
    draft = HandSetComposer(FakeCorpus(many)).compose("Tell me about the bridge?", hits(many[::-1]))
    assert texts(draft) == [c.text for c in many]
