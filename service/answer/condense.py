"""Condense: turn a follow-up and the conversation so far into a standalone question.

Deterministic, no model (none is available offline). The rules, in order:

1. A question that names its own topic and refers back to nothing is left as it is.
2. Ellipsis — "What about Germany?", "And the ceasefire?": the earlier question is asked again
   with its name (or its "about ..." topic) replaced by the new one.
3. Reference — "what did Germany say about it?": a pronoun after a preposition becomes the
   earlier question's topic; "he"/"she" become its name when the follow-up names nobody.
4. Anything still pointing back ("When was that?", "Why?") keeps the earlier question as its
   context: retrieval searches both, and answer scoring weighs the context's words less.

Only the user's turns are read: the assistant's turns are the service's own output, and
reading them back would let one answer steer the next question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from footnote.index.text import NAME_PHRASE as _NAME
from footnote.index.tokenize import content_terms

__all__ = ["Condensed", "condense"]

_CONNECTIVE = re.compile(r"^\s*(?:and|but|also|so|then|ok(?:ay)?|now)\b[\s,]*", re.IGNORECASE)
_ELLIPSIS = re.compile(r"^\s*(?:(?:what|how)\s+about)\s+(?P<x>[^?]+?)\s*[?.!]*\s*$", re.IGNORECASE)
_OPENS_QUESTION = re.compile(
    r"^(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|has|have|had|"
    r"can|could|will|would|should|may|might)\b",
    re.IGNORECASE,
)
_TOPIC = re.compile(
    r"\b(?P<prep>about|regarding|concerning|on|over)\s+(?P<topic>[^?]+?)\s*[?.!]*\s*$|"
    r"^(?:what|who|which)\s+(?:is|are|was|were)\s+(?P<subject>[^?]+?)\s*[?.!]*\s*$",  # "What is X?"
    re.IGNORECASE,
)
_OBJECT_PRONOUN = re.compile(
    r"\b(?P<prep>about|regarding|concerning|on|over|of|with|for|to|against|from|in|by)\s+"
    r"(?P<pronoun>it|that|this|them|those|these)"
    r"(?=\s*(?:[?.!,;]|$|\b(?:at|in|on|during|after|before|when|and|or|to|for|with|since)\b))",
    re.IGNORECASE,
)
_PERSON = re.compile(r"\b(?P<pronoun>he|she|him|his|her)\b", re.IGNORECASE)
_REFERRING = re.compile(
    r"\bit\b(?!\s+(?:is|was|)\s*(?:true|false|possible|likely|clear|known|the case)\b)|"
    r"\b(?:its|they|them|their|he|him|his|she|her|this|these|those|the same)\b|"
    r"\bthat(?=\s*(?:[?.!,]|$|\b(?:is|was|were|will|would|did|does|do|has|had|happen\w*|mean\w*)\b))|"
    r"\b(?:is|was|were|will|would|did|does|do|has|had|can|could|should|about|of|on|for|with)\s+that\b",
    re.IGNORECASE,
)
_QUESTION_WORDS = content_terms("who whom whose what which when where why how many much")


@dataclass(frozen=True, slots=True)
class Condensed:
    """What is asked, and the earlier question it leans on when it cannot stand alone."""

    question: str
    context: str | None = None

    @property
    def standalone(self) -> str:
        """The question as shown to the user and searched for: with its context in brackets."""
        return f"{self.question} ({self.context})" if self.context else self.question


def condense(question: str, history: Iterable[Mapping[str, str]] = ()) -> Condensed:
    """The standalone form of `question` given the earlier turns (`role`, `content`)."""
    root: str | None = None  # the last question that stood on its own (or was made to)
    for turn in history:
        if turn.get("role") == "user" and turn.get("content", "").strip():
            root = _next_root(turn["content"].strip(), root)
    return _condense_one(question.strip(), root)


def _next_root(question: str, root: str | None) -> str:
    if root is None:
        return question
    condensed = _condense_one(question, root)
    return root if condensed.context else condensed.question


def _condense_one(question: str, root: str | None) -> Condensed:
    """The question resolved against `root`, or bracketed onto it."""
    if root is None:
        return Condensed(question)
    connected = bool(_CONNECTIVE.match(question))
    bare = _CONNECTIVE.sub("", question, count=1).strip() or question
    ellipsis = _ELLIPSIS.match(bare)
    if ellipsis is None and connected and not _OPENS_QUESTION.match(bare):
        ellipsis = re.match(r"^(?P<x>[^?]+?)\s*[?.!]*\s*$", bare)  # "And Germany?"
    if ellipsis:
        swapped = _swap(root, ellipsis.group("x"))
        if swapped:
            return Condensed(swapped)
    if not connected and not _refers_back(bare):
        return Condensed(question)
    bare = bare[0].upper() + bare[1:]
    resolved = _resolve(bare, root)
    return Condensed(resolved, root if _refers_back(resolved) else None)


def _own_terms(question: str) -> set[str]:
    return content_terms(question) - _QUESTION_WORDS


def _refers_back(question: str) -> bool:
    if not _own_terms(question):
        return True
    names = _NAME.findall(question)
    for m in _REFERRING.finditer(question):
        word = m.group(0).lower()
        if names and word in {"he", "him", "his", "she", "her", "they", "their", "them"}:
            continue  # may well mean the name the question itself gives
        return True
    return False


def _swap(root: str, new: str) -> str | None:
    """The root question about `new` instead: its name, else its topic, replaced."""
    if re.search(r"\b[A-Z]", new):
        name = _NAME.search(root)
        if name:
            return root[: name.start()] + new + root[name.end() :]
    topic = _topic(root)
    if topic:
        return root[: topic[0]] + new + root[topic[1] :]
    return None


def _topic(question: str) -> tuple[int, int] | None:
    """Where the question's topic is: its "about ..." phrase, or X in "What is X?"."""
    m = _TOPIC.search(question)
    if m is None:
        return None
    group = "topic" if m.group("topic") else "subject"
    return m.start(group), m.end(group)


_ABOUT = {"about", "regarding", "concerning", "on", "over"}


def _resolve(question: str, root: str) -> str:
    """Replace the pronouns that the root question can resolve."""
    m = _TOPIC.search(root)
    if m:
        # only in a parallel frame: "say about it" after "say about X", or after "What is X?";
        # "took part in it" after "find about X" means something else
        phrase = m.group("topic") or m.group("subject")

        def swap(p: re.Match[str]) -> str:
            if m.group("subject") or p.group("prep").lower() in _ABOUT:
                return f"{p.group('prep')} {phrase}"
            return p.group(0)

        question = _OBJECT_PRONOUN.sub(swap, question, count=1)
    names = _NAME.findall(root)
    if names and not _NAME.search(question):
        name = names[0]
        question = _PERSON.sub(lambda m: f"{name}’s" if m.group(1).lower() == "his" else name, question)
    return question
