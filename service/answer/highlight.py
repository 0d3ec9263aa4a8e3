"""Highlight: mark the phrase inside a said sentence that answers — the date of a "when", the
figure of a "how many", the name of a "who".

Which kind of phrase a kind of question wants is not listed here: it is read from the fitted
selector's weights (service/answer/features.py crosses each question kind with sentence properties; the
fit in eval/train.py learned, e.g., that how-many questions go with numbers). Of the properties
that can be a phrase, each candidate phrase of the sentence (on words the question does not
already use) scores the weights of the properties it has, and the best is marked.
"""

from __future__ import annotations

import re

from footnote.index.text import MONTH, NAME_RUN
from footnote.service.answer.features import (
    COLUMNS,
    KIND_NAMES,
    PROPERTIES,
    Context,
    question_kind,
    question_terms,
    without_terms,
)
from footnote.service.answer.selector import Selector

__all__ = ["highlight"]

_SCALE = r"(?:\s(?:hundred|thousand|million|billion|trillion))?"
# The shapes a phrase that answers can take; which of them a kind of question wants is learned.
PHRASES: tuple[re.Pattern[str], ...] = (
    re.compile(r"\b(?:\d{1,2}\s)?" + MONTH.pattern + r"(?:\s\d{1,2})?(?:,?\s\d{4})?\b"),  # a date
    re.compile(r"\b\d[\d,.]*\s?(?:%|per ?cent\b)"),  # a percentage
    re.compile(rf"[$£€¥]\s?\d[\d,.]*\d{_SCALE}|\b\d[\d,.]*{_SCALE}\s(?:dollars|euros|pounds)\b"),  # money
    re.compile(rf"\b\d(?:[\d,.]*\d)?s?{_SCALE}\b", re.I),  # a number or a year ("the 1840s")
    re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds|thousands)\b", re.I),
    NAME_RUN,  # a name
)


def highlight(question: str, sentence: str, selector: Selector, ctx: Context) -> tuple[int, int] | None:
    """[start, end) within `sentence` of the phrase that answers `question`, or None.

    A phrase scores the sum of the learned weights of the question's kind crossed with every
    property it has ("52 percent" is a number and a percent): the best positive one is marked,
    the earliest of equals.
    """
    kind = KIND_NAMES[question_kind(question)]
    weight = {name: float(selector.coef[COLUMNS[f"{kind}×{name}"]]) for name, _ in PROPERTIES}
    rest = without_terms(sentence, set(question_terms(question, None, ctx)))  # same length: offsets hold
    best: tuple[float, int, int] | None = None  # (score, -start, length)
    for shape in PHRASES:
        for found in shape.finditer(rest):
            a, b = found.span()
            score = sum(weight[name] for name, prop in PROPERTIES if prop.search(rest, a, b))
            key = (score, -a, b - a)
            if score > 0 and (best is None or key > best):
                best = key
    return None if best is None else (-best[1], -best[1] + best[2])
