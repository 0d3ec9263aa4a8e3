"""Sentence splitting reads each character a bounded number of times, and splits where it always did."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import SupportsIndex

from footnote.index.chunk import _ABBREVIATIONS, _END, _OPENERS, chunk_document, split_sentences
from footnote.index.load import load_folder
from footnote.index.types import Document, Span
from tests.conftest import SEEDS


class _CountingText(str):
    """A str that counts the characters read through indexing and slicing (what split_sentences does)."""

    read = 0

    def __getitem__(self, key: SupportsIndex | slice) -> str:
        got = super().__getitem__(key)
        _CountingText.read += len(got)
        return got


def _chars_read(text: str) -> tuple[int, list[tuple[int, int]]]:
    _CountingText.read = 0
    spans = list(split_sentences(_CountingText(text)))
    return _CountingText.read, spans


def _prose(size: int) -> str:
    """Realistic article text of about `size` characters: the seeds' sentences, re-ordered, in paragraphs."""
    sentences = [c.text for d in load_folder(SEEDS) for c in chunk_document(d)]
    rng = random.Random(size)
    paragraphs, total = [], 0
    while total < size:
        paragraph = " ".join(rng.choices(sentences, k=rng.randint(1, 6)))
        paragraphs.append(paragraph)
        total += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def test_split_sentences__reads_each_character_a_bounded_number_of_times() -> None:
    text = _prose(60_000)
    read, spans = _chars_read(text)
    assert len(spans) > 300
    assert read <= 4 * len(text), f"read {read:,} characters of a {len(text):,}-character text"


def test_split_sentences__stays_linear_when_no_sentence_ends_for_a_long_while() -> None:
    # full stops that end no sentence keep the cursor where it was: "a.B" (not a lower-case word
    # before the dot), "3.5", "U.S.-led"; and long runs of word characters and dots before a stop
    long_runs = ("x.y" * 300 + ". Then ") * 30
    for text in ("a.B " * 10_000, "3.5 " * 10_000, "U.S.-led " * 5_000, long_runs):
        read, _ = _chars_read(text)
        assert read <= 4 * len(text), (text[:12], read)


def test_chunk_document__reads_each_character_a_bounded_number_of_times() -> None:
    text = _CountingText(_prose(60_000))
    spans, at = [], 0
    for paragraph in str(text).split("\n\n"):
        spans.append(Span(at, at + len(paragraph)))
        at += len(paragraph) + 2
    _CountingText.read = 0
    chunks = chunk_document(Document("big.txt", text, "0" * 64, content=tuple(spans)))
    # each sentence is read to split it, again to trim it, and once more as the chunk's text
    assert len(chunks) > 300
    assert _CountingText.read <= 6 * len(text), f"read {_CountingText.read:,} of {len(text):,}"


# The rule as it was before splitting became linear (quadratic: a regex over the whole prefix before
# every full stop); kept verbatim, on the module's own word lists, as the specification the linear
# one must agree with.
def _reference_is_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"[\w.]*$", text[:dot])
    token = word.group(0) if word else ""
    if not token:
        return False
    if "." in token or (len(token) == 1 and token.isalpha()):
        return True
    return token.lower() in _ABBREVIATIONS


def _reference_split(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    end = len(text) if end is None else end
    cursor = start
    for m in _END.finditer(text, start, end):
        nxt = m.end()
        if nxt < end:
            ch = text[nxt]
            if ch.isspace():
                rest = text[nxt:end].lstrip()
                if not rest or not (rest[0].isupper() or rest[0].isdigit() or rest[0] in _OPENERS):
                    continue
            elif not (ch.isupper() and re.search(r"[a-z]{2}$", text[cursor : m.start()])):
                continue
        lone_dot = text[m.start()] == "." and m.end() - m.start() == 1
        if lone_dot and (
            _reference_is_abbreviation(text, m.start()) or text[cursor : m.start()].strip().isdigit()
        ):
            continue
        yield from _reference_trimmed(text, cursor, nxt)
        cursor = nxt
    yield from _reference_trimmed(text, cursor, end)


def _reference_trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    s, e = start + lead, start + len(piece.rstrip())
    if e > s and any(c.isalnum() for c in text[s:e]):
        yield s, e


def test_split_sentences__splits_the_seeds_exactly_as_before() -> None:
    spans = 0
    for doc in load_folder(SEEDS):
        for span in doc.content:
            got = list(split_sentences(doc.text, span.start, span.end))
            assert got == list(_reference_split(doc.text, span.start, span.end)), doc.source
            spans += len(got)
    assert spans > 200


def test_split_sentences__splits_tricky_text_exactly_as_before() -> None:
    cases = [
        "The U.S. President met Dec. 14 in Berlin. 1. Ukraine cannot accept this.",
        "It was “serious.” Moscow agreed.They did not. Prices rose 3.5 percent.",
        "The U.S.-led coalition (est. 1990) grew. Mr. Smith, Jr. left. J. R. R. Tolkien wrote.",
        "See e.g. the report... Really?! Yes… “Quite.” (Indeed.) [Sic.] 12. 2. Two.",
        "word\n.They said so.\nIt ended. _. x_y. Ab.Cd. ab.Cd. 1.\n\n2. Next.",
        "Approx. 5 km. No. 10 Downing St. Sept. 2024. Vs. them. A.B.C.D. Done.",
    ]
    # plus deterministic noise built from the pieces that decide a boundary
    pieces = ["U.S.", "Dec.", "3.5", "1.", " ", "  ", "\n", "They", "they", "a.B", "“", "”", "!", "?"]
    pieces += ["…", ")", "word", "Mr.", "e.g.", "_", "x", ".", "..", "Ab", "42", "\u00a0", "’", "*", "("]
    pieces += ["\n.", "ab\n", "²", "\t", "No.", "]"]
    rng = random.Random(8)
    cases += ["".join(rng.choices(pieces, k=rng.randint(1, 60))) for _ in range(3000)]
    for text in cases:
        assert list(split_sentences(text)) == list(_reference_split(text)), text
        for start, end in ((1, len(text)), (0, len(text) // 2), (len(text) // 3, len(text) - 1)):
            assert list(split_sentences(text, start, end)) == list(_reference_split(text, start, end)), (
                text,
                start,
                end,
            )
