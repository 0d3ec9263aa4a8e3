"""Cite: give every drafted sentence [n] markers that point at exact source spans.

A citation's quote is the chunk's text as the index holds it, not a slice of the document cite
could take itself: verify then checks the index's offsets against the live document's stored
text, so a chunk that no longer matches it (or whose document is gone) is caught, not re-quoted.
"""

from __future__ import annotations

from footnote.service.compose import Draft
from footnote.service.types import Answer, Citation, Sentence

__all__ = ["cite"]


def cite(draft: Draft) -> Answer:
    """Number the supporting spans in order of first use and attach them to each sentence."""
    if draft.abstain_reason is not None or not draft.sentences:
        return Answer.abstain(draft.abstain_reason or "The sources don't answer this question.")
    citations: list[Citation] = []
    ids: dict[tuple[str, int, int], int] = {}
    sentences: list[Sentence] = []
    for drafted in draft.sentences:
        refs: list[int] = []
        for hit in drafted.support:
            c = hit.chunk
            key = (c.source, c.start, c.end)
            if key not in ids:
                ids[key] = len(citations) + 1
                citations.append(
                    Citation(
                        id=ids[key],
                        source=c.source,
                        start=c.start,
                        end=c.end,
                        quote=c.text,
                        title=hit.title,
                        published=hit.published,
                        score=round(hit.dense or 0.0, 4),
                    )
                )
            if ids[key] not in refs:
                refs.append(ids[key])
        sentences.append(Sentence(text=drafted.text, citations=refs))
    return Answer.of(sentences, citations)
