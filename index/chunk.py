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

from index.types import Chunk, Document

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
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "approx",
        "est",
        "dept",
        "univ",
    ]
)
_OPENERS = "\"“‘'([*"


def _is_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"[\w.]*$", text[:dot])
    token = word.group(0) if word else ""
    if not token:
        return False
    if "." in token or (len(token) == 1 and token.isalpha()):  # U.S. / e.g. / initials
        return True
    return token.lower() in _ABBREVIATIONS


def split_sentences(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of each sentence in text[start:end], trimmed of spaces."""
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
                continue  # "compromise.They" splits; "U.S.-led" and "3.5" do not
        lone_dot = text[m.start()] == "." and m.end() - m.start() == 1
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
