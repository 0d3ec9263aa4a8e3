"""Cite, over hand-made drafts: numbering, one id per span, quotes as the index holds them."""

from __future__ import annotations

from dataclasses import replace

from footnote.index.types import Chunk, Hit
from footnote.service.answer.cite import cite
from footnote.service.answer.draft import Draft, DraftSentence
from footnote.service.answer.types import Answer, Citation, Dropped, Highlight, Sentence
from footnote.service.answer.verify import verify

TEXT = "Turnout rose to 61 percent. The count ended on Monday. Officials said it was close."
TEXTS = {"vote.txt": TEXT}


def hit(sentence: str, dense: float | None = 0.61234, source: str = "vote.txt", text: str = TEXT) -> Hit:
    """A retrieved sentence of `text`, with the offsets the index would give it."""
    start = text.index(sentence)
    chunk = Chunk(f"{source}:{start}", source, start, start + len(sentence), sentence, 0, 0, "sha")
    return Hit(chunk, title="Vote", published="2024-05-06", dense=dense)


TURNOUT, COUNT, CLOSE = (
    hit("Turnout rose to 61 percent."),
    hit("The count ended on Monday."),
    hit("Officials said it was close."),
)


def said(*sentences: tuple[str, tuple[Hit, ...]]) -> Draft:
    return Draft(sentences=[DraftSentence(text, support) for text, support in sentences])


def test_cite__numbers_spans_in_order_of_first_use() -> None:
    answer = cite(said(("It was close.", (CLOSE,)), ("Turnout rose.", (TURNOUT, CLOSE))))
    assert answer.sentences == [Sentence("It was close.", [1]), Sentence("Turnout rose.", [2, 1])]
    assert [(c.id, c.quote) for c in answer.citations] == [
        (1, "Officials said it was close."),
        (2, "Turnout rose to 61 percent."),
    ]
    assert answer.answer == "It was close. [1] Turnout rose. [2][1]"


def test_cite__gives_a_span_cited_twice_one_id() -> None:
    again = hit("The count ended on Monday.", dense=0.1)  # the same span, retrieved with other evidence
    answer = cite(said(("The count ended.", (COUNT, again)), ("On Monday.", (again,))))
    assert answer.sentences == [Sentence("The count ended.", [1]), Sentence("On Monday.", [1])]
    assert len(answer.citations) == 1


def test_cite__numbers_new_spans_after_those_already_cited_which_keep_their_ids() -> None:
    earlier = cite(said(("It was close.", (CLOSE,)), ("The count ended.", (COUNT,)))).citations
    answer = cite(said(("Turnout rose, and it was close.", (TURNOUT, CLOSE))), earlier)
    assert answer.sentences == [Sentence("Turnout rose, and it was close.", [3, 1])]
    # the citations this sentence uses: the one it shares with the earlier ones as it was, then its new one
    assert answer.citations[0] is earlier[0]
    assert [(c.id, c.quote) for c in answer.citations] == [
        (1, "Officials said it was close."),
        (3, "Turnout rose to 61 percent."),
    ]


def test_cite__quotes_each_span_as_the_index_holds_it() -> None:
    (citation,) = cite(said(("The count ended on Monday.", (COUNT,)))).citations
    assert citation == Citation(
        id=1,
        source="vote.txt",
        start=28,
        end=54,
        quote="The count ended on Monday.",
        title="Vote",
        published="2024-05-06",
        score=0.6123,
    )
    assert TEXT[citation.start : citation.end] == citation.quote


def test_cite__scores_a_span_without_a_cosine_as_zero() -> None:
    (citation,) = cite(said(("Turnout rose.", (hit("Turnout rose to 61 percent.", dense=None),)))).citations
    assert citation.score == 0.0


def test_cite__a_span_the_stored_text_no_longer_has_is_dropped_by_verify() -> None:
    """The index's offsets are checked against the live text: a stale chunk is never said."""
    stale = hit("Turnout rose to 71 percent.", text="Turnout rose to 71 percent. An older version.")
    checked = verify(cite(said(("Turnout rose to 71 percent.", (stale,)))), TEXTS)
    assert checked.abstained
    assert checked.dropped == [
        Dropped("Turnout rose to 71 percent.", "the quote of [1] does not match the source at 0-27")
    ]


def test_cite__a_span_of_a_source_not_in_the_index_is_dropped_by_verify() -> None:
    gone = hit("Turnout rose to 61 percent.", source="gone.txt")
    checked = verify(cite(said(("Turnout rose to 61 percent.", (gone,)))), TEXTS)
    assert checked.dropped == [
        Dropped("Turnout rose to 61 percent.", "[1] cites a source that is not in the index: gone.txt")
    ]


def test_cite__passes_the_composer_reason_to_abstain_on() -> None:
    assert cite(Draft(abstain_reason="The sources don't mention “Minsk”.")) == Answer.abstain(
        "The sources don't mention “Minsk”."
    )
    assert cite(Draft()) == Answer.abstain("The sources don't answer this question.")


def test_cite__a_verbatim_sentence_s_highlight_becomes_source_offsets_inside_its_span() -> None:
    draft = Draft(sentences=[DraftSentence(TURNOUT.chunk.text, (TURNOUT,), (16, 26))])
    (citation,) = cite(draft).citations
    assert citation.highlight is not None
    assert TEXT[citation.highlight.start : citation.highlight.end] == "61 percent"
    assert citation.start <= citation.highlight.start < citation.highlight.end <= citation.end


def test_cite__a_sentence_not_said_verbatim_marks_nothing() -> None:
    draft = Draft(sentences=[DraftSentence("Turnout was 61 percent.", (TURNOUT,), (12, 22))])
    assert cite(draft).citations[0].highlight is None


def test_verify__drops_a_highlight_outside_its_citation_but_keeps_the_citation() -> None:
    draft = Draft(sentences=[DraftSentence(TURNOUT.chunk.text, (TURNOUT,), (16, 26))])
    answer = cite(draft)
    (good,) = answer.citations
    assert good.highlight is not None
    answer = replace(answer, citations=[replace(good, highlight=Highlight(good.end - 2, good.end + 5))])
    checked = verify(answer, TEXTS)
    assert checked.citations == [replace(good, highlight=None)]
    assert not checked.abstained
