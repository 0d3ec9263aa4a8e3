"""Clean: select the spans of a file that are article prose, leaving boilerplate out.

Cleaning never rewrites text. It returns (start, end) ranges into the original string,
so every later offset still points into the file as it is on disk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from index.types import Span

__all__ = ["content_spans"]

_BOILERPLATE = re.compile(
    r"subscrib|newsletter|share button|share widely|repost|follow us|click here|fundrais"
    r"|become a member|translate website|disclaimer|\bcopyright|media inquiries"
    r"|all rights reserved|^\[?comment on|\bmin read$|^comments?$|^articles? by\b"
    r"|^(?:ap|afp|reuters|getty|epa)\b.*\b(?:images?|photos?)$"
    r"|^(?:featured\s+)?(?:photo|image|credit)s?\s*:|original source of this article|you can follow",
    re.IGNORECASE,
)
_LINK_ONLY = re.compile(r"^(?:\[[^\]]*\]\([^)]*\)[\s,.|]*)+$")
_LABELLED_LINKS = re.compile(r"^[\w’' -]{1,40}:\s*\[")  # "Region: [Europe](#), ..."
_BYLINE = re.compile(r"^(?:written\s+)?by\s+\[?[A-Z]", re.IGNORECASE)
_DATE_PREFIX = re.compile(r"^\s*(?:date|published|updated|posted)\s+\d{4}-\d{2}-\d{2}\s*", re.I)
_HEADING = re.compile(r"^(#{1,6})\s")
_SECTION_BREAK = re.compile(r"^[-*_=\s]+$")
_TERMINAL = re.compile(r"(?:[.!?…][\"”’)]*|:)$")
_MIN_PROSE_WORDS = 7  # shorter lines count only if they end like a sentence


def _lines(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for line in text.splitlines(keepends=True):
        end = start + len(line.rstrip("\r\n"))
        yield start, end
        start += len(line)


def _is_prose(line: str) -> bool:
    words = line.split()
    if not words or _SECTION_BREAK.match(line):
        return False
    if _LINK_ONLY.match(line) or _LABELLED_LINKS.match(line) or _BYLINE.match(line):
        return False
    if _BOILERPLATE.search(line):
        return False
    if _TERMINAL.search(line):
        return len(words) >= 2
    # Without closing punctuation only a long line that is not a Title Case heading is prose.
    capitalised = sum(w[0].isupper() for w in words if w[0].isalpha())
    return len(words) >= _MIN_PROSE_WORDS and capitalised < 0.6 * len(words)


def content_spans(text: str, title: str | None = None) -> list[Span]:
    """Return the article's prose as spans of `text`, one per kept line."""
    spans: list[tuple[Span, bool]] = []  # (span, is the title repeated as a line)
    skip_below: int | None = None  # inside a boilerplate section opened by a heading of this level
    title_key = (title or "").strip().casefold()
    for start, end in _lines(text):
        raw = text[start:end]
        line = raw.strip()
        heading = _HEADING.match(line)
        if heading:
            level = len(heading[1])
            if skip_below is not None and level <= skip_below:
                skip_below = None
            if _BOILERPLATE.search(line):
                skip_below = level
            continue
        if skip_below is not None or not _is_prose(line):
            continue
        lead = len(raw) - len(raw.lstrip())
        prefix = _DATE_PREFIX.match(raw[lead:])
        if prefix:
            lead += prefix.end()
        s, e = start + lead, start + len(raw.rstrip())
        if e > s:
            spans.append((Span(s, e), bool(title_key) and line.casefold() == title_key))
    # the title repeated as a line is not a sentence to quote, unless it is all the file says
    body = [span for span, is_title in spans if not is_title]
    return body or [span for span, _ in spans]
