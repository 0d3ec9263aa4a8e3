"""Verify: the last gate before an answer leaves — every claim checkable, or nothing said."""

from __future__ import annotations

from dataclasses import replace

from service.types import Answer, Sentence

__all__ = ["verify"]


def _squash(text: str) -> str:
    return " ".join(text.split())


def verify(answer: Answer, texts: dict[str, str]) -> Answer:
    """Drop any sentence whose citations don't hold; abstain if none is left."""
    if answer.abstained:
        return answer
    valid = {
        c.id: c
        for c in answer.citations
        if c.source in texts
        and 0 <= c.start < c.end <= len(texts[c.source])
        and texts[c.source][c.start : c.end] == c.quote
    }
    kept: list[Sentence] = []
    for s in answer.sentences:
        refs = [n for n in s.citations if n in valid]
        # an extractive sentence must be found inside the spans it cites
        if refs and any(_squash(s.text) in _squash(valid[n].quote) for n in refs):
            kept.append(Sentence(s.text, refs))
    if not kept:
        return Answer.abstain("No sentence of the draft could be tied to an exact source span.")
    used = sorted({n for s in kept for n in s.citations})
    new_id = {old: new for new, old in enumerate(used, start=1)}
    citations = [replace(valid[old], id=new_id[old]) for old in used]
    return Answer.of([Sentence(s.text, [new_id[n] for n in s.citations]) for s in kept], citations)
