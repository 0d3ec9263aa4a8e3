"""Text rules every stage shares, written once: month names, names, anaphora, acronyms, invisible
characters.

Loading reads dates with the month table, chunking knows "Dec." does not end a sentence,
tokenizing makes "Dec." and "December", "U.S." and "US" the same word, and answer scoring
knows a date when it sees one — all from the tables here.
"""

from __future__ import annotations

import re

__all__ = [
    "ANAPHOR",
    "BYLINE",
    "DATE_CUE",
    "MONTH",
    "MONTHS",
    "MONTH_ABBREVIATIONS",
    "NAME",
    "NAME_OR_NUMBER",
    "NAME_PHRASE",
    "NAME_RUN",
    "ZERO_WIDTH",
    "collapse_acronyms",
    "expand_month_abbreviations",
    "without_zero_width",
]

# full name -> its abbreviations (as written before a full stop: "Sept. 3")
_MONTH_NAMES: dict[str, tuple[str, ...]] = {
    "january": ("jan",),
    "february": ("feb",),
    "march": ("mar",),
    "april": ("apr",),
    "may": (),
    "june": ("jun",),
    "july": ("jul",),
    "august": ("aug",),
    "september": ("sep", "sept"),
    "october": ("oct",),
    "november": ("nov",),
    "december": ("dec",),
}
# every lower-case month name or abbreviation -> its number, 1..12
MONTHS: dict[str, int] = {
    name: i for i, (full, short) in enumerate(_MONTH_NAMES.items(), start=1) for name in (full, *short)
}
MONTH_ABBREVIATIONS = frozenset(a for short in _MONTH_NAMES.values() for a in short)
_FULL_NAME = {a: full.capitalize() for full, short in _MONTH_NAMES.items() for a in short}
_MONTH_ABBREVIATION = re.compile(r"\b(" + "|".join(a.capitalize() for a in _FULL_NAME) + r")\.")
# a month's name or abbreviation as a word, capitalised as written ("May 2", "Sept. 3")
MONTH = re.compile(r"\b(?:" + "|".join(m.capitalize() for m in MONTHS) + r")\b")

# A name is a capitalised word that does not start a sentence (every first word is capitalised).
# The one rule, `_MID`; the shapes differ by what each reader takes from it:
_MID = r"(?<!^)(?<![.?!]\s)\b"
_WORD = r"[A-Z][\w’'-]*[a-z]"  # "Zelensky", "O’Brien", "X-ray"; not "NATO"
_INITIALS = r"[A-Z](?:[\w’'-]|\.(?=\w))*"  # also "U.S.", "NATO"
# the selector's "has a name" property (its weights were fitted on exactly this form)
NAME = re.compile(_MID + r"[A-Z][a-z]+")
# a whole name, one word or several ("Sergei Lavrov"): the phrase a highlight may mark
NAME_RUN = re.compile(_MID + _WORD + r"(?:\s+" + _WORD + r")*")
# a name or a figure a question asks about, one word at a time: checked against the sources
NAME_OR_NUMBER = re.compile(_MID + r"(" + _WORD + r"[\w’'-]*|\d[\d,.]*)\b")
# a name with initials or acronyms in it ("the U.S. State Department"): what a follow-up is about
NAME_PHRASE = re.compile(_MID + _INITIALS + r"(?:\s+" + _INITIALS + r")*")
# a sentence that leans on the one before it for who or what it is about
ANAPHOR = re.compile(r"^[“\"]?(He|She|They|It|Its|This|That|These|Those|His|Her|Their)\b")

# "By Jane Doe", "Written by [Jane Doe](…) on May 2": the author's name in group 1
BYLINE = re.compile(r"^\s*(?:written\s+)?by\s+(\[?[^\W\d_].*?)(?:\s+on\s+.*)?$", re.IGNORECASE)
# a metadata line that announces a date: "Published 2024-02-15", "Updated: ..."
DATE_CUE = re.compile(r"^\s*(?:date|published|updated|posted)\b:?", re.IGNORECASE)
_ACRONYM = re.compile(r"\b((?:[A-Za-z]\.){2,})")

# Invisible characters that can sit inside a word (pasted from web pages, or typed to dodge
# filters): "Ger\u200bmany" must match "Germany". They are dropped only from what we match on;
# stored text and quoted spans keep them. Zero-width space, non-joiner and joiner, word joiner,
# BOM (zero-width no-break space), soft hyphen.
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_DROP_ZERO_WIDTH = dict.fromkeys(map(ord, ZERO_WIDTH))


def without_zero_width(text: str) -> str:
    """`text` with ZERO_WIDTH characters removed: for matching words, never for text that is quoted."""
    return text.translate(_DROP_ZERO_WIDTH)


def collapse_acronyms(text: str) -> str:
    """ "U.S." -> "US", so that both spellings are one word."""
    return _ACRONYM.sub(lambda m: m.group(1).replace(".", ""), text)


def expand_month_abbreviations(text: str) -> str:
    """ "Dec. 14" -> "December 14", so that both spellings are one word."""
    return _MONTH_ABBREVIATION.sub(lambda m: _FULL_NAME[m.group(1).lower()], text)
