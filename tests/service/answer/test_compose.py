"""The learned composer over a tiny hand-made corpus, with stub selectors (behaviour, not constants)."""

from __future__ import annotations

import numpy as np
import pytest

from footnote.service.answer.compose import HARD_CAP, MAX_SENTENCES, WORD_BUDGET, LearnedComposer
from footnote.service.answer.draft import Draft
from footnote.service.answer.features import FEATURES
from footnote.service.answer.selector import ANSWER_FEATURES, Selector
from tests.service.fakes import BRIDGE, CORPUS, FakeCorpus, article, hits, many_sentences, texts


def stub(threshold: float, second_ratio: float, intercept: float, **weights: float) -> Selector:
    """A selector scoring by the named features only; P(right) is the best sentence's P."""
    coef = np.array([weights.get(name, 0.0) for name in FEATURES])
    answer = np.array([1.0 if name == "logit_best" else 0.0 for name in ANSWER_FEATURES])
    n = len(FEATURES)
    return Selector(np.zeros(n), np.ones(n), coef, intercept, answer, 0.0, threshold, second_ratio)


# P = sigmoid(8·coverage + 8·dense - 6): a sentence with the question's words and a close vector is said
COVERAGE = stub(threshold=0.5, second_ratio=0.5, intercept=-6.0, coverage=8.0, dense=8.0)


def test_compose__abstains_naming_what_the_sources_do_not_mention() -> None:
    draft = LearnedComposer(CORPUS, COVERAGE).compose("What did Merkel say in Minsk?", hits(BRIDGE))
    assert draft == Draft(abstain_reason="The sources don't mention “Merkel”, “Minsk”.")


def test_compose__abstains_on_a_follow_up_whose_earlier_question_names_the_unknown() -> None:
    draft = LearnedComposer(CORPUS, COVERAGE).compose(
        "What about the bridge?", hits(BRIDGE), "Did Merkel visit?"
    )
    assert draft.abstain_reason == "The sources don't mention “Merkel”."


def test_compose__abstains_when_nothing_was_retrieved() -> None:
    draft = LearnedComposer(CORPUS, COVERAGE).compose("What did the council decide about the bridge?", [])
    assert draft == Draft(abstain_reason="No passage in the sources matches the question.")


def test_compose__abstains_when_the_closest_passage_is_only_loosely_related() -> None:
    draft = LearnedComposer(CORPUS, COVERAGE).compose("Was the weather mild?", hits(BRIDGE[3:], dense=0.1))
    assert draft == Draft(
        abstain_reason="The sources don't answer this: the closest passage is only loosely related."
    )


def test_compose__says_the_sentence_that_covers_the_question_best_verbatim() -> None:
    retrieved = hits(BRIDGE[2:])
    retrieved[0].dense = 0.6  # the closer vector, but none of the question's words
    draft = LearnedComposer(CORPUS, COVERAGE).compose(
        "What did the council decide about the bridge?", retrieved
    )
    assert texts(draft) == ["The council voted to rebuild the bridge with steel."]
    assert draft.sentences[0].support == (retrieved[1],)


def test_compose__says_who_he_is_before_an_anaphoric_sentence() -> None:
    said, lead_in = BRIDGE[1], BRIDGE[0]
    draft = LearnedComposer(CORPUS, COVERAGE).compose("Would the bridge reopen in May?", hits([said]))
    assert texts(draft) == [lead_in.text, said.text]
    (support,) = draft.sentences[0].support
    assert support.chunk == lead_in and (support.title, support.published) == ("Bridge", "2024-05-06")


def test_compose__says_at_most_max_sentences() -> None:
    many = many_sentences(MAX_SENTENCES + 3, words=4)
    draft = LearnedComposer(FakeCorpus(many), COVERAGE).compose("Tell me about the bridge?", hits(many))
    assert len(draft.sentences) == MAX_SENTENCES


def test_compose__never_says_more_than_the_hard_cap_of_words() -> None:
    many = many_sentences(MAX_SENTENCES + 3, words=HARD_CAP // 2 + 1)
    draft = LearnedComposer(FakeCorpus(many), COVERAGE).compose("Tell me about the bridge?", hits(many))
    assert len(draft.sentences) == 1  # a second of the same length would overrun the cap


def test_compose__a_second_sentence_within_the_cap_is_said_by_the_ratio_alone() -> None:
    # the fitted ratio keeps the mean answer near WORD_BUDGET; one answer may be longer
    many = many_sentences(MAX_SENTENCES, words=WORD_BUDGET // 2 + 1)
    draft = LearnedComposer(FakeCorpus(many), COVERAGE).compose("Tell me about the bridge?", hits(many))
    assert len(draft.sentences) == 2


@pytest.mark.parametrize("extra", [1, 10])
def test_compose__says_one_best_sentence_even_over_the_word_budget(extra: int) -> None:
    (long,) = many_sentences(1, words=WORD_BUDGET + extra)
    draft = LearnedComposer(FakeCorpus([long]), COVERAGE).compose("Tell me about the bridge?", hits([long]))
    assert texts(draft) == [long.text]


def test_compose__a_best_sentence_over_the_hard_cap_gives_way_to_the_next_that_fits() -> None:
    long, short = many_sentences(2, words=HARD_CAP + 1)[0], many_sentences(2, words=10)[1]
    retrieved = hits([long, short])
    retrieved[1].dense = 0.1  # scores well below the long one: under the ratio, were the long one said
    draft = LearnedComposer(FakeCorpus([long, short]), COVERAGE).compose(
        "Tell me about the bridge?", retrieved
    )
    assert texts(draft) == [short.text]


def test_compose__abstains_when_every_passage_is_over_the_hard_cap() -> None:
    (long,) = many_sentences(1, words=HARD_CAP + 1)
    draft = LearnedComposer(FakeCorpus([long]), COVERAGE).compose("Tell me about the bridge?", hits([long]))
    assert draft == Draft(abstain_reason=f"Every passage that matches is longer than {HARD_CAP} words.")


def test_compose__says_a_fact_repeated_across_articles_once() -> None:
    copy = article("copy.txt", "The council voted to rebuild the bridge with steel.")
    corpus = FakeCorpus(BRIDGE + copy)
    question = "What did the council decide about the bridge?"
    draft = LearnedComposer(corpus, COVERAGE).compose(question, hits([BRIDGE[3], *copy]))
    assert texts(draft) == ["The council voted to rebuild the bridge with steel."]


def test_compose__orders_sentences_as_the_article_tells_them() -> None:
    many = many_sentences(MAX_SENTENCES, words=4)
    draft = LearnedComposer(FakeCorpus(many), COVERAGE).compose("Tell me about the bridge?", hits(many[::-1]))
    assert texts(draft) == [c.text for c in many]


def test_compose__says_at_most_two_sentences() -> None:
    many = many_sentences(4, words=4)
    draft = LearnedComposer(FakeCorpus(many), COVERAGE).compose("Tell me about the bridge?", hits(many))
    assert len(draft.sentences) == 2


def test_compose__abstains_naming_the_words_no_passage_has() -> None:
    strict = stub(threshold=0.99, second_ratio=0.5, intercept=-6.0, coverage=8.0, dense=8.0)
    draft = LearnedComposer(CORPUS, strict).compose("What is the population of the bridge?", hits(BRIDGE))
    assert draft == Draft(abstain_reason="The passages mention “bridge” but not “population”.")


FORT = article(
    "fort.txt",
    "The fortress on the hill is a popular sight for visitors.",
    "The fortress on the hill was built in 1453 by the sultan.",
    "Its walls were restored by the city.",
)


def test_compose__answers_a_when_question_with_an_old_date() -> None:
    # the fitted selector (service/answer/selector.json); the old rule wanted a 19xx/20xx year or a month
    draft = LearnedComposer(FakeCorpus(FORT)).compose("When was the fortress on the hill built?", hits(FORT))
    assert texts(draft)[0] == "The fortress on the hill was built in 1453 by the sultan."
