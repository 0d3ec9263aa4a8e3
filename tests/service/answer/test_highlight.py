"""Highlight: the phrase that answers, chosen by the selector's learned kind × property weights."""

from __future__ import annotations

import numpy as np

from footnote.service.answer.features import FEATURES
from footnote.service.answer.highlight import highlight
from footnote.service.answer.selector import ANSWER_FEATURES, Selector
from tests.service.fakes import FakeCorpus, article

SENTENCE = "The dam, begun by Hans Keller in 1952, cost $40 million and holds 28,000 acres, 61 percent of it."
CORPUS = FakeCorpus(article("dam.txt", SENTENCE))


def weighted(**weights: float) -> Selector:
    """A selector whose only weights are the given kind × property crossings."""
    coef = np.array([weights.get(name.replace("×", "_x_"), 0.0) for name in FEATURES])  # "when_x_year"
    n = len(FEATURES)
    return Selector(np.zeros(n), np.ones(n), coef, 0.0, np.zeros(len(ANSWER_FEATURES)), 0.0, 0.5, 0.5)


def marked(question: str, selector: Selector, sentence: str = SENTENCE) -> str | None:
    span = highlight(question, sentence, selector, CORPUS)
    return None if span is None else sentence[span[0] : span[1]]


def test_highlight__marks_the_phrase_whose_properties_the_kind_weighs_most() -> None:
    learned = weighted(when_x_year=0.3, when_x_number=0.1, how_many_x_number=0.3, who_x_name=0.2)
    assert marked("When was the dam begun?", learned) == "1952"
    assert marked("How many acres does the dam hold?", learned) == "1952"  # the first of equal numbers
    assert marked("Who began the dam?", learned) == "Hans Keller"


def test_highlight__a_phrase_with_two_wanted_properties_outscores_one_with_one() -> None:
    learned = weighted(how_many_x_number=0.3, how_many_x_percent=0.05, how_many_x_money=0.04)
    assert marked("What percentage of the land is flooded?", learned) == "61 percent"


def test_highlight__never_marks_the_question_s_own_words() -> None:
    learned = weighted(who_x_name=0.2)
    assert marked("Who was Hans Keller?", learned) is None


def test_highlight__nothing_when_no_phrase_weighs_positive() -> None:
    assert marked("When was the dam begun?", weighted(when_x_year=-0.2, when_x_number=-0.1)) is None
    assert marked("Why was it built?", weighted(why_x_number=0.1), "Because the river flooded.") is None
