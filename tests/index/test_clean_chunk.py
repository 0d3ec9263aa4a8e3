from __future__ import annotations

from footnote.index.chunk import chunk_document, split_sentences
from footnote.index.clean import content_spans
from footnote.index.load import load_folder
from tests.conftest import SEEDS

BOILERPLATE = [
    "Subscribe",
    "Written by",
    "AP Images",
    "Click the share button",
    "Daily Newsletter",
    "Fundraising",
    "Disclaimer",
    "Comments",
    "min read",
    "Become a Member",
    "media inquiries",
]


def test_clean__selects_spans_without_boilerplate_and_never_rewrites() -> None:
    for doc in load_folder(SEEDS):
        kept = "\n".join(doc.text[s.start : s.end] for s in doc.content)
        for phrase in BOILERPLATE:
            assert phrase not in kept, (doc.source, phrase)
        for span in doc.content:
            assert doc.text[span.start : span.end].strip() == doc.text[span.start : span.end]


def test_clean__drops_a_date_prefix_but_keeps_the_sentence_after_it() -> None:
    text = " date 2022-01-27 US rejection of demands leaves little room for optimism, says Lavrov.\n"
    (span,) = content_spans(text)
    assert text[span.start : span.end].startswith("US rejection")


def test_split_sentences__keeps_abbreviations_and_list_numbers_together() -> None:
    text = (
        "The U.S. President met Dec. 14 in Berlin. 1. Ukraine cannot accept this. "
        "It was “serious.” Moscow agreed.They did not."
    )
    got = [text[s:e] for s, e in split_sentences(text)]
    assert got == [
        "The U.S. President met Dec. 14 in Berlin.",
        "1. Ukraine cannot accept this.",
        "It was “serious.”",
        "Moscow agreed.",
        "They did not.",
    ]


def test_chunk__every_chunk_is_an_exact_span_with_a_stable_id() -> None:
    for doc in load_folder(SEEDS):
        chunks = chunk_document(doc)
        assert chunks
        assert len({c.id for c in chunks}) == len(chunks)
        for c in chunks:
            assert doc.text[c.start : c.end] == c.text
        assert [c.id for c in chunk_document(doc)] == [c.id for c in chunks]
