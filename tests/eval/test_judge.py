"""The deterministic judge's rules, and its agreement with the hand-labelled pairs."""

from __future__ import annotations

import re

import pytest

from footnote.eval.agreement import agreement, load_pairs
from footnote.eval.judge import entails
from tests.conftest import ROOT, SEEDS

PREMISE = "The survey of 1,200 people found that 61 percent do not trust the new plan, officials said."


@pytest.mark.parametrize(
    ("hypothesis", "supported"),
    [
        (PREMISE, True),  # verbatim
        ("61 percent do not trust the new plan. [2]", True),  # a clause, with its marker
        ("The surveys found 61 percent do not trust the plan.", True),  # inflection, words dropped
        ("61 percent do not trust the old plan.", False),  # a word the premise lacks
        ("71 percent do not trust the new plan.", False),  # a number the premise lacks
        ("1,200 percent do not trust the new plan.", False),  # a number next to the wrong word
        ("61 percent trust the new plan.", False),  # a negation dropped
        ("The survey never found that 61 percent trust the plan.", False),  # a negation added
        ("Officials said the plan is popular.", False),  # a new claim
        ("the of and", False),  # nothing meaningful
    ],
)
def test_entails(hypothesis: str, supported: bool) -> None:
    assert entails(PREMISE, hypothesis) is supported


def test_pairs__at_least_100_half_wrong_premises_from_the_seeds() -> None:
    pairs = load_pairs()
    assert len(pairs) >= 100 and len({p["id"] for p in pairs}) == len(pairs)
    assert sum(not p["supported"] for p in pairs) >= len(pairs) / 2
    corpus = re.sub(r"\s+", " ", " ".join(f.read_text(encoding="utf-8") for f in SEEDS.iterdir()))
    assert all(re.sub(r"\s+", " ", p["premise"]) in corpus for p in pairs)


def test_agreement__the_figure_in_the_readme_is_the_measured_one() -> None:
    result = agreement(load_pairs(), entails)
    readme = (ROOT / "eval" / "README.md").read_text(encoding="utf-8")
    quoted = re.search(r"agrees with the hand labels on \*\*(\d+) of (\d+)\*\*", readme)
    assert quoted, "eval/README.md must state the judge's measured agreement"
    assert (int(quoted[1]), int(quoted[2])) == (result["agreed"], result["pairs"])
    assert f"kappa {result['kappa']}" in readme
