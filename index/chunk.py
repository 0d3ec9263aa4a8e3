"""Chunk: split a document's clean spans into sentences, each with exact offsets.

Each sentence is one retrievable unit (the "sentence window" pattern): the embedding
is about one claim, and an answer can quote it verbatim as a citation. We split with
our own small rule set rather than LlamaIndex's SentenceSplitter or pysbd because
offsets must be exact by construction: we only ever slice the original string.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from footnote.index.text import MONTH_ABBREVIATIONS
from footnote.index.types import Chunk, Document

__all__ = ["chunk_document", "split_sentences"]

# end punctuation, any closing quotes/brackets, then where the next sentence may start
_END = re.compile(r"[.!?…]+[\"”’)\]]*")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "gen",
        "col",
        "lt",
        "sgt",
        "rep",
        "sen",
        "gov",
        "pres",
        "vs",
        "etc",
        "no",
        "fig",
        "inc",
        "ltd",
        "co",
        "corp",
        "approx",
        "est",
        "dept",
        "univ",
        *MONTH_ABBREVIATIONS,  # "Dec. 14"
    ]
)
_OPENERS = "\"“‘'([*"


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # exactly what the regex \w matches in a str


def _is_abbreviation(text: str, dot: int) -> bool:
    # The token is the run of word characters and dots before `dot`. We walk back over word
    # characters only and stop at the first dot, which already decides (U.S. / e.g. / J.R.R.):
    # so the walks from successive full stops never overlap and a whole split reads each
    # character a bounded number of times. (A regex over text[:dot] made a 1 MB file take minutes.)
    if dot > 0 and text[dot - 1] == "\n":
        dot -= 1  # as the regex's `$` did: it also matches before a final newline
    i = dot
    while i > 0 and _is_word_char(text[i - 1]):
        i -= 1
    if i > 0 and text[i - 1] == ".":
        return True
    token = text[i:dot]
    if len(token) == 1:
        return token.isalpha()  # an initial
    return token.lower() in _ABBREVIATIONS


def _skip_spaces(text: str, i: int, end: int) -> int:
    while i < end and text[i].isspace():
        i += 1
    return i


def _ends_in_two_lowercase(text: str, start: int, stop: int) -> bool:
    """Whether re.search(r"[a-z]{2}$", text[start:stop]) would match, reading at most 3 characters."""
    if stop - start >= 3 and text[stop - 1] == "\n":  # `$` also matches before a final newline
        stop -= 1
    return stop - start >= 2 and all("a" <= c <= "z" for c in text[stop - 2 : stop])


def split_sentences(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of each sentence in text[start:end], trimmed of spaces."""
    end = len(text) if end is None else end
    cursor = start
    for m in _END.finditer(text, start, end):
        nxt = m.end()
        if nxt < end:
            ch = text[nxt]
            if ch.isspace():
                after = _skip_spaces(text, nxt, end)  # spaces are no end punctuation: walks never overlap
                if after == end or not (
                    (first := text[after]).isupper() or first.isdigit() or first in _OPENERS
                ):
                    continue
            elif not (ch.isupper() and _ends_in_two_lowercase(text, cursor, m.start())):
                continue  # "compromise.They" splits; "U.S.-led" and "3.5" do not
        lone_dot = text[m.start()] == "." and m.end() - m.start() == 1
        # the slice from the cursor is read at most twice before the cursor moves past it
        if lone_dot and (_is_abbreviation(text, m.start()) or text[cursor : m.start()].strip().isdigit()):
            continue  # "Dec. 14", "U.S. President", a list number "1. Ukraine ..."
        yield from _trimmed(text, cursor, nxt)
        cursor = nxt
    yield from _trimmed(text, cursor, end)


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    s, e = start + lead, start + len(piece.rstrip())
    if e > s and any(c.isalnum() for c in text[s:e]):
        yield s, e


def chunk_id(source: str, doc_sha256: str, start: int, end: int) -> str:
    """A chunk's id: a hash of what it is, so re-ingesting the same file gives the same ids."""
    return hashlib.sha256(f"{source}\0{doc_sha256}\0{start}:{end}".encode()).hexdigest()[:32]


def chunk_document(doc: Document) -> list[Chunk]:
    """Split every clean span of `doc` into sentence chunks."""
    chunks: list[Chunk] = []
    for paragraph, span in enumerate(doc.content):
        for s, e in split_sentences(doc.text, span.start, span.end):
            chunks.append(
                Chunk(
                    id=chunk_id(doc.source, doc.sha256, s, e),
                    source=doc.source,
                    start=s,
                    end=e,
                    text=doc.text[s:e],
                    position=len(chunks),
                    paragraph=paragraph,
                    doc_sha256=doc.sha256,
                )
            )
    return chunks
