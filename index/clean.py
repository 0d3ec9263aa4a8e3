"""Clean: select the spans of a file that are article prose, leaving boilerplate out.

Cleaning never rewrites text. It returns (start, end) ranges into the original string,
so every later offset still points into the file as it is on disk.

A line is boilerplate by its form, never because one word appears somewhere in it:
- too short to be a sentence (a few words without closing punctuation), or a section break;
- link-heavy: only links, a "Label: [link]" row, mostly link text, or opening with a URL;
- a short line repeated within the document (bylines, "story continues" notices);
- a call to action: a sentence opening with an imperative to the reader ("Subscribe to…",
  "Sign up…", "Follow us…", "Click here…", "Share this…"), a link whose text is one, or
  a pointer at the page's own widgets ("the share button above");
- a footer or credit: "© 2024 …", "All rights reserved.", "Photo: …", "Disclaimer: …".
A heading opens a skipped section only when the heading itself is boilerplate-shaped
("Subscribe to our newsletter", "Disclaimer", "Comments"), never a news headline that
happens to contain such a word.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from footnote.index.text import BYLINE, DATE_CUE
from footnote.index.types import Span

__all__ = ["content_spans", "without_links"]

# What a reader is told to do. Each verb is tied to its object where the bare word also opens
# ordinary news sentences ("Follow-up talks…", "Register of deeds…", "Support for Ukraine…").
_CTA = (
    r"(?:subscribe|sign\s+up|click|tap\s+here|register\s+(?:now|here|today|for)|donate"
    r"|follow\s+(?:us|me|him|her|them|\S+\s+on)|like\s+us\s+on|join\s+(?:us|our)|support\s+(?:us|our)"
    r"|share\s+(?:this|it|our)|repost|forward\s+this|feel\s+free\s+to|read\s+more|see\s+more"
    r"|don[’']t\s+miss|never\s+miss|become\s+a\s+(?:member|subscriber|patron)"
    r"|download\s+(?:our|the)\s+app|get\s+(?:our|the\s+latest)|leave\s+a\s+comment)\b"
)
# a short "Note to readers:" label, a courtesy, or a "To get …," clause may come before it
_CTA_SENTENCE = re.compile(
    rf"^(?:[\w’' ]{{1,30}}:\s*)?(?:to\s[^,]{{1,80}},\s*)?"
    rf"(?:please\s+|you\s+can\s+|be\s+sure\s+to\s+|don[’']t\s+forget\s+to\s+)?{_CTA}",
    re.IGNORECASE,
)
_PAGE_POINTER = re.compile(r"\b(?:button|icon|banner)s?\s+(?:above|below)\b", re.IGNORECASE)
_FOOTER = re.compile(
    r"^(?:copyright\s*)?(?:©|\(c\)\s*\d{4})|^copyright\s+\d{4}\b|^all\s+rights\s+reserved\b"
    r"|^(?:featured\s+)?(?:photo|image|picture|illustration|credit)s?(?:\s+credit)?\s*:"
    r"|^disclaimer\s*:|^(?:the\s+)?original\s+source\s+of\s+this\s+article\b"
    r"|^this\s+(?:article|story)\s+(?:was\s+)?(?:originally|first)\s+(?:published|appeared)\b"
    r"|^\d+\s+min(?:ute)?s?\s+read$|^(?:ap|afp|reuters|getty|epa)\b.*\b(?:images?|photos?)$",
    re.IGNORECASE,
)
_SECTION_NAME = re.compile(
    r"^(?:comments?|disclaimer|copyright(?:\s+notice)?|newsletters?|advertisement|tags"
    r"|related(?:\s+(?:articles|stories|posts|content|reading))?|read\s+(?:more|next)"
    r"|more\s+(?:stories|articles|news)|about\s+the\s+authors?|share(?:\s+this(?:\s+\w+)?)?"
    r"|you\s+(?:may|might)\s+also\s+like|recommended(?:\s+for\s+you)?|most\s+(?:read|popular|viewed)"
    r"|trending(?:\s+now)?|leave\s+a\s+(?:reply|comment)|join\s+the\s+(?:conversation|discussion)"
    r"|sponsored(?:\s+content)?)[\s.!?:]*$",
    re.IGNORECASE,
)
# A markdown link. Its text holds no bracket and its target no space, so a scan that starts at
# one "[" or "](" stops at the next one: linear, where "[^\]]*" re-read the rest of a long
# line from every "[" (a 60 kB line of "[a " took 26 s).
_LINK_SRC = r"\[([^\[\]]*)\]\([^)\s]*\)"
_LINK = re.compile(_LINK_SRC)
_LINK_ONLY = re.compile(rf"^(?:{_LINK_SRC}[\s,.|]*)+$")
_LABELLED_LINKS = re.compile(r"^[\w’' -]{1,40}:\s*\[")  # "Region: [Europe](#), ..."
_URL_START = re.compile(r"^(?:https?://|www\.)\S", re.IGNORECASE)
_ISO_DATE_AFTER_CUE = re.compile(r"\s+\d{4}-\d{2}-\d{2}\s*")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_SECTION_BREAK = re.compile(r"^[-*_=\s]+$")
_TERMINAL = re.compile(r"(?:[.!?…][\"”’)]*|:)$")
_SENTENCE_GAP = re.compile(r"(?<=[.!?…])[\"”’)]*\s+")
_MIN_PROSE_WORDS = 7  # shorter lines count only if they end like a sentence
_SHORT_WORDS = 12  # a line this short that recurs is page furniture, not a repeated claim
_HEADING_WORDS = 8  # a call to action longer than this is a headline about one


def _lines(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for line in text.splitlines(keepends=True):
        end = start + len(line.rstrip("\r\n"))
        yield start, end
        start += len(line)


def without_links(line: str) -> str:
    """`line` with each markdown link replaced by its text."""
    return _LINK.sub(r"\1", line)


def _key(line: str) -> str:
    return " ".join(line.casefold().split())


def _is_notice(line: str) -> bool:
    # A call to action, a footer or a credit. One such sentence marks the whole line: a
    # paragraph that turns to the reader is a promotion or an author's bio (it may lose a
    # fact beside the call), and cleaning keeps or drops whole lines so spans stay simple.
    plain = without_links(line)
    sentences = _SENTENCE_GAP.split(plain)
    if any(_CTA_SENTENCE.match(s) or _FOOTER.match(s) for s in sentences):
        return True
    if _PAGE_POINTER.search(plain):
        return True
    return any(_CTA_SENTENCE.match(m[1].strip()) for m in _LINK.finditer(line))


def _is_link_heavy(line: str) -> bool:
    if _LINK_ONLY.match(line) or _LABELLED_LINKS.match(line) or _URL_START.match(line):
        return True
    linked = sum(len(m[1].split()) for m in _LINK.finditer(line))
    return 2 * linked > len(without_links(line).split())


def _is_prose(line: str, repeated: bool) -> bool:
    words = line.split()
    if not words or _SECTION_BREAK.match(line) or BYLINE.match(line):
        return False
    if repeated and len(words) <= _SHORT_WORDS:
        return False
    if _is_link_heavy(line) or _is_notice(line):
        return False
    if _TERMINAL.search(line):
        return len(words) >= 2
    # Without closing punctuation only a long line that is not a Title Case heading is prose.
    capitalised = sum(w[0].isupper() for w in words if w[0].isalpha())
    return len(words) >= _MIN_PROSE_WORDS and capitalised < 0.6 * len(words)


def _opens_boilerplate_section(heading: str) -> bool:
    return bool(_SECTION_NAME.match(heading)) or (
        len(heading.split()) <= _HEADING_WORDS and _is_notice(heading)
    )


def content_spans(text: str, title: str | None = None) -> list[Span]:
    """Return the article's prose as spans of `text`, one per kept line."""
    lines = list(_lines(text))
    seen = Counter(_key(text[s:e]) for s, e in lines)
    spans: list[tuple[Span, bool]] = []  # (span, is the title repeated as a line)
    skip_below: int | None = None  # inside a boilerplate section opened by a heading of this level
    title_key = (title or "").strip().casefold()
    for start, end in lines:
        raw = text[start:end]
        line = raw.strip()
        heading = _HEADING.match(line)
        if heading:
            level = len(heading[1])
            if skip_below is not None and level <= skip_below:
                skip_below = None
            if skip_below is None and _opens_boilerplate_section(heading[2]):
                skip_below = level
            continue
        if skip_below is not None or not _is_prose(line, seen[_key(line)] > 1):
            continue
        lead = len(raw) - len(raw.lstrip())
        cue = DATE_CUE.match(raw[lead:])  # "Published 2024-02-15 The story…": keep the story
        dated = _ISO_DATE_AFTER_CUE.match(raw[lead:], cue.end()) if cue else None
        if dated:
            lead += dated.end()
        s, e = start + lead, start + len(raw.rstrip())
        if e > s:
            spans.append((Span(s, e), bool(title_key) and line.casefold() == title_key))
    # the title repeated as a line is not a sentence to quote, unless it is all the file says
    body = [span for span, is_title in spans if not is_title]
    return body or [span for span, _ in spans]
