"""Verify, handed good and bad answers built by hand over a small corpus (no index, no model)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from footnote.service.answer.judge import Judge
from footnote.service.answer.types import Answer, Citation, Dropped, Sentence
from footnote.service.answer.verify import verify

TEXTS = {
    "vote.txt": (
        "Turnout rose to 61 percent in the city. Officials did not expect the plan to pass. "
        "The council met on Monday."
    ),
    "port.txt": "The port handled 12 million containers last year, a record.",
}
TURNOUT = "Turnout rose to 61 percent in the city."
OFFICIALS = "Officials did not expect the plan to pass."
COUNCIL = "The council met on Monday."
PORT = "The port handled 12 million containers last year, a record."


def cite(n: int, source: str, quote: str) -> Citation:
    """A citation of `quote` at its exact place in the stored text."""
    start = TEXTS[source].index(quote)
    return Citation(n, source, start, start + len(quote), quote, title=None, published=None, score=0.5)


def one(text: str, citation: Citation) -> Answer:
    """An answer of one sentence citing one span."""
    return Answer.of([Sentence(text, [citation.id])], [citation])


def markers(answer: Answer) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}


# -- what is kept ----------------------------------------------------------------------------


def test_verify__keeps_an_extractive_sentence_and_its_exact_span() -> None:
    drafted = one(TURNOUT, cite(1, "vote.txt", TURNOUT))
    checked = verify(drafted, TEXTS)
    assert not checked.abstained and checked.dropped == []
    assert checked.sentences == drafted.sentences and checked.citations == drafted.citations
    assert checked.answer == f"{TURNOUT} [1]"


def test_verify__keeps_a_paraphrase_the_judge_finds_supported() -> None:
    paraphrase = "In the city, turnout rose to 61 percent."
    checked = verify(one(paraphrase, cite(1, "vote.txt", TURNOUT)), TEXTS)
    assert checked.sentences == [Sentence(paraphrase, [1])] and checked.dropped == []


def test_verify__decides_a_paraphrase_with_the_judge_it_is_given() -> None:
    never: Judge = lambda premise, hypothesis: False  # noqa: E731
    paraphrase = one("In the city, turnout rose to 61 percent.", cite(1, "vote.txt", TURNOUT))
    assert verify(paraphrase, TEXTS, judge=never).abstained
    # an extractive sentence is the quoted span itself: no judge is asked
    assert not verify(one(TURNOUT, cite(1, "vote.txt", TURNOUT)), TEXTS, judge=never).abstained


def test_verify__leaves_an_abstention_as_it_is() -> None:
    abstained = Answer.abstain("The sources don't mention “Minsk”.")
    assert verify(abstained, TEXTS) == abstained


def test_verify__renumbers_the_citations_left_when_a_sentence_is_dropped() -> None:
    bad = replace(cite(1, "vote.txt", TURNOUT), quote="Turnout fell.")
    good = cite(2, "port.txt", PORT)
    checked = verify(
        Answer.of([Sentence(TURNOUT, [1]), Sentence(PORT, [2])], [bad, good]),
        TEXTS,
    )
    assert checked.sentences == [Sentence(PORT, [1])]
    assert checked.citations == [replace(good, id=1)]
    assert checked.answer == f"{PORT} [1]" and markers(checked) == {1}


def test_verify__renumbers_the_markers_a_generated_sentence_carries() -> None:
    bad = replace(cite(1, "vote.txt", TURNOUT), quote="Turnout fell.")
    good = cite(2, "port.txt", PORT)
    said = "The port handled a record 12 million containers [2] last year."
    checked = verify(Answer.of([Sentence(TURNOUT, [1]), Sentence(said, [2])], [bad, good]), TEXTS)
    renumbered = "The port handled a record 12 million containers [1] last year."
    assert checked.sentences == [Sentence(renumbered, [1])]
    assert markers(checked) == {1}


def test_verify__abstains_with_a_reason_when_every_sentence_is_dropped() -> None:
    checked = verify(one("Turnout rose to 71 percent in the city.", cite(1, "vote.txt", TURNOUT)), TEXTS)
    assert checked.abstained and checked.answer == "" and checked.citations == []
    assert checked.reason == "No sentence of the draft could be tied to an exact source span."
    assert checked.dropped == [
        Dropped("Turnout rose to 71 percent in the city.", "the figure 71 is not in [1]")
    ]


# -- what is dropped, and why ----------------------------------------------------------------


def _dropped_for(answer: Answer) -> list[str]:
    checked = verify(answer, TEXTS)
    assert checked.sentences == [] and checked.citations == [] and markers(checked) == set()
    return [d.reason for d in checked.dropped]


def test_verify__drops_a_shifted_span() -> None:
    right = cite(1, "vote.txt", TURNOUT)
    shifted = replace(right, start=right.start + 1, end=right.end + 1)
    assert _dropped_for(one(TURNOUT, shifted)) == ["the quote of [1] does not match the source at 1-40"]


def test_verify__drops_a_quote_that_differs_from_the_source() -> None:
    wrong = replace(cite(1, "vote.txt", TURNOUT), quote="Turnout rose to 71 percent in the city.")
    assert _dropped_for(one(wrong.quote, wrong)) == ["the quote of [1] does not match the source at 0-39"]


def test_verify__drops_a_citation_to_a_source_not_in_the_index() -> None:
    gone = replace(cite(1, "vote.txt", TURNOUT), source="gone.txt")
    assert _dropped_for(one(TURNOUT, gone)) == ["[1] cites a source that is not in the index: gone.txt"]


@pytest.mark.parametrize(
    ("start", "end", "where"),
    [(-1, 38, "-1-38"), (100, 140, "100-140"), (5, 5, "5-5"), (9, 4, "9-4")],
)
def test_verify__drops_offsets_outside_the_source(start: int, end: int, where: str) -> None:
    bad = Citation(1, "vote.txt", start, end, TURNOUT, title=None, published=None, score=0.5)
    assert _dropped_for(one(TURNOUT, bad)) == [f"[1] points outside its source: {where} of 109 characters"]


def test_verify__drops_a_sentence_its_span_does_not_support() -> None:
    assert _dropped_for(one("The council met on Monday.", cite(1, "vote.txt", TURNOUT))) == [
        "“council” is not in [1]"
    ]


def test_verify__drops_a_changed_number() -> None:
    changed = "The port handled 13 million containers last year, a record."
    assert _dropped_for(one(changed, cite(1, "port.txt", PORT))) == ["the figure 13 is not in [1]"]


@pytest.mark.parametrize(
    ("sentence", "quote", "reason"),
    [
        (
            "Officials expected the plan to pass.",
            OFFICIALS,
            "[1] says “not” between “Officials” and “expect”",
        ),
        ("The council did not meet on Monday.", COUNCIL, "the negation “not” is not in [1]"),
    ],
)
def test_verify__drops_a_flipped_negation(sentence: str, quote: str, reason: str) -> None:
    assert _dropped_for(one(sentence, cite(1, "vote.txt", quote))) == [reason]


def test_verify__drops_a_sentence_with_no_citation() -> None:
    c = cite(1, "vote.txt", TURNOUT)
    assert _dropped_for(Answer.of([Sentence(TURNOUT, [])], [c])) == ["it has no citation"]


def test_verify__drops_a_sentence_citing_an_id_that_is_not_a_citation() -> None:
    c = cite(1, "vote.txt", TURNOUT)
    assert _dropped_for(Answer.of([Sentence(TURNOUT, [1, 3])], [c])) == [
        "it cites [3], which is not among the citations"
    ]


def test_verify__drops_a_sentence_citing_an_id_two_citations_share() -> None:
    c1, c2 = cite(1, "vote.txt", TURNOUT), cite(1, "port.txt", PORT)
    assert _dropped_for(Answer.of([Sentence(TURNOUT, [1])], [c1, c2])) == [
        "it cites [1], which names more than one span"
    ]


def test_verify__drops_a_marker_that_no_citation_of_the_sentence_has() -> None:
    c = cite(1, "vote.txt", TURNOUT)
    said = "Turnout rose to 61 percent [3] in the city."
    assert _dropped_for(one(said, c)) == ["it marks [3], which it does not cite"]


def test_verify__keeps_the_good_sentences_and_reports_the_bad_one() -> None:
    c1, c2 = cite(1, "vote.txt", TURNOUT), cite(2, "port.txt", PORT)
    wrong = "The port handled 13 million containers."
    checked = verify(Answer.of([Sentence(TURNOUT, [1]), Sentence(wrong, [2])], [c1, c2]), TEXTS)
    assert checked.sentences == [Sentence(TURNOUT, [1])] and checked.citations == [c1]
    assert checked.dropped == [Dropped(wrong, "the figure 13 is not in [2]")]
