"""Cite: give every drafted sentence [n] markers that point at exact source spans.

A citation's quote is the chunk's text as the index holds it, not a slice of the document cite
could take itself: verify then checks the index's offsets against the live document's stored
text, so a chunk that no longer matches it (or whose document is gone) is caught, not re-quoted.

Citation ids run in order of first use; `first_use` is that rule, also for verify (renumbering
what it keeps) and for release (numbering each sentence after those already sent).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

from footnote.index.types import Hit
from footnote.service.answer.draft import Draft, DraftSentence
from footnote.service.answer.types import Answer, Citation, Highlight, Sentence

__all__ = ["cite", "first_use"]

K = TypeVar("K", bound=Hashable)
_Span = tuple[str, int, int]


def first_use(keys: Iterable[K], known: Mapping[K, int] | None = None) -> dict[K, int]:
    """Ids in order of first use: a key `known` keeps its id (they run 1..k), a new one takes the next."""
    ids = dict(known or {})
    for key in keys:
        ids.setdefault(key, len(ids) + 1)
    return ids


def _span(hit: Hit) -> _Span:
    return hit.chunk.source, hit.chunk.start, hit.chunk.end


def _citation(n: int, hit: Hit, drafted: DraftSentence) -> Citation:
    c = hit.chunk
    marked = None
    if drafted.highlight and drafted.text == c.text:  # said verbatim: its offsets are the chunk's
        marked = Highlight(c.start + drafted.highlight[0], c.start + drafted.highlight[1])
    return Citation(
        id=n,
        source=c.source,
        start=c.start,
        end=c.end,
        quote=c.text,
        title=hit.title,
        published=hit.published,
        score=round(hit.dense or 0.0, 4),
        highlight=marked,
    )


def cite(draft: Draft, cited: Sequence[Citation] = ()) -> Answer:
    """Number the supporting spans in order of first use and attach them to each sentence.

    Spans among `cited` (an answer's citations so far, ids 1..k) keep their ids and new ones are
    numbered after them; the answer holds the citations its own sentences use.
    """
    if draft.abstain_reason is not None or not draft.sentences:
        return Answer.abstain(draft.abstain_reason or "The sources don't answer this question.")
    support = [(hit, drafted) for drafted in draft.sentences for hit in drafted.support]
    ids = first_use((_span(hit) for hit, _ in support), {(c.source, c.start, c.end): c.id for c in cited})
    by_id = {c.id: c for c in cited}
    for hit, drafted in support:
        if ids[_span(hit)] not in by_id:
            by_id[ids[_span(hit)]] = _citation(ids[_span(hit)], hit, drafted)
    sentences = [
        Sentence(drafted.text, list(dict.fromkeys(ids[_span(hit)] for hit in drafted.support)))
        for drafted in draft.sentences
    ]
    used = sorted({n for s in sentences for n in s.citations})
    return Answer.of(sentences, [by_id[n] for n in used])
