"""Cite: give every drafted sentence [n] markers that point at exact source spans."""

from __future__ import annotations

from service.compose import Draft
from service.types import Answer, Citation, Sentence

__all__ = ["cite"]


def cite(draft: Draft, texts: dict[str, str]) -> Answer:
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
                        quote=texts[c.source][c.start : c.end],
                        title=hit.title,
                        published=hit.published,
                        score=round(hit.dense or 0.0, 4),
                    )
                )
            if ids[key] not in refs:
                refs.append(ids[key])
        sentences.append(Sentence(text=drafted.text, citations=refs))
    return Answer.of(sentences, citations)
