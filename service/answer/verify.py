"""Verify: the last gate before an answer leaves — every claim checkable, or nothing said.

Whatever composed the draft, verify holds it to the citation contract against the stored text
of the live documents (what GET /v1/sources/{name} serves), never against anything cite built:
each citation's id is its own, its source exists, 0 <= start < end <= len(text) and
text[start:end] == quote; each sentence has a citation, cites only ids that exist, and carries
no [n] marker it does not cite; and what it says is supported by what it cites — by containment
when it is the quoted span itself (an extractive sentence), else by the judge. A sentence failing
any of these is dropped with its reason; the rest are renumbered in order of first use, and the
answer's text is rendered again from them, so its markers are exactly theirs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace

from footnote.service.answer.cite import first_use
from footnote.service.answer.judge import Judge, entails, unsupported
from footnote.service.answer.types import MARKER, Answer, Citation, Dropped, Sentence

__all__ = ["verify"]


def _squash(text: str) -> str:
    return " ".join(text.split())


def _is_quoted(s: Sentence, cited: Mapping[int, Citation]) -> bool:
    """An extractive sentence: it is (inside) one of the spans it cites."""
    return any(_squash(s.text) in _squash(cited[n].quote) for n in s.citations)


def _refs(ids: list[int]) -> str:
    return "".join(f"[{n}]" for n in ids)


def _within(c: Citation) -> Citation:
    """`c`, without a highlight that is not inside its span (the highlight is a hint, not a claim)."""
    h = c.highlight
    return c if h is None or c.start <= h.start < h.end <= c.end else replace(c, highlight=None)


def _span_problem(c: Citation, texts: Mapping[str, str]) -> str | None:
    """Why citation `c` is not an exact span of its stored source, or None."""
    text = texts.get(c.source)
    if text is None:
        return f"[{c.id}] cites a source that is not in the index: {c.source}"
    if not 0 <= c.start < c.end <= len(text):
        return f"[{c.id}] points outside its source: {c.start}-{c.end} of {len(text)} characters"
    if text[c.start : c.end] != c.quote:
        return f"the quote of [{c.id}] does not match the source at {c.start}-{c.end}"
    return None


def _problem(
    s: Sentence, cited: Mapping[int, Citation], twice: set[int], texts: Mapping[str, str], judge: Judge
) -> str | None:
    """Why sentence `s` may not be said, or None."""
    if not s.citations:
        return "it has no citation"
    for n in s.citations:
        if n not in cited:
            return f"it cites [{n}], which is not among the citations"
        if n in twice:
            return f"it cites [{n}], which names more than one span"
        if problem := _span_problem(cited[n], texts):
            return problem
    if _is_quoted(s, cited):
        return None  # brackets inside a quoted span are the source's own text, not markers
    stray = [int(n) for n in MARKER.findall(s.text) if int(n) not in s.citations]
    if stray:
        return f"it marks {_refs(stray)}, which it does not cite"
    premise = " ".join(cited[n].quote for n in s.citations)
    if judge(premise, s.text):
        return None
    # the deterministic judge's rules say which one failed; another judge gets a plain reason
    return unsupported(premise, s.text, _refs(s.citations)) or f"{_refs(s.citations)} does not support it"


def verify(answer: Answer, texts: Mapping[str, str], judge: Judge = entails) -> Answer:
    """Keep the sentences whose citations hold and support them; abstain if none is left."""
    if answer.abstained:
        return answer
    cited = {c.id: c for c in answer.citations}
    twice = {n for n, k in Counter(c.id for c in answer.citations).items() if k > 1}
    kept: list[Sentence] = []
    dropped: list[Dropped] = []
    for s in answer.sentences:
        if problem := _problem(s, cited, twice, texts, judge):
            dropped.append(Dropped(s.text, problem))
        else:
            kept.append(s)
    if not kept:
        return Answer.abstain(
            "No sentence of the draft could be tied to an exact source span.", dropped=dropped
        )
    new_id = first_use(n for s in kept for n in s.citations)

    def renumbered(s: Sentence) -> Sentence:
        text = s.text if _is_quoted(s, cited) else MARKER.sub(lambda m: f"[{new_id[int(m[1])]}]", s.text)
        return Sentence(text, list(dict.fromkeys(new_id[n] for n in s.citations)))

    citations = [replace(_within(cited[old]), id=new) for old, new in new_id.items()]
    return Answer.of([renumbered(s) for s in kept], citations, dropped=dropped)
