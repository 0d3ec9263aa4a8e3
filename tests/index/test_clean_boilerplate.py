"""Boilerplate is recognised by its form (short, link-heavy, repeated, a call to action, a footer),
never by one word somewhere in a sentence."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from footnote.index.clean import content_spans
from footnote.index.load import load_document

PROSE = "The European Parliament approved the directive on Tuesday by 348 votes to 274."


def _kept(text: str) -> list[str]:
    return [text[s.start : s.end] for s in content_spans(text)]


def test_load_document__keeps_the_body_under_a_headline_that_mentions_copyright(tmp_path: Path) -> None:
    path = tmp_path / "eu.md"
    path.write_text(
        "# EU copyright reform passes parliament\n\n"
        "Published 2019-03-26\n\n"
        f"{PROSE}\n\n"
        "Platforms will have to license protected works or filter uploads, lawmakers said.\n"
    )
    doc = load_document(path)
    assert doc is not None
    assert doc.title == "EU copyright reform passes parliament"
    assert doc.published == "2019-03-26"
    assert [doc.text[s.start : s.end] for s in doc.content] == [
        PROSE,
        "Platforms will have to license protected works or filter uploads, lawmakers said.",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Readers who subscribe to the paper's print edition rose 12 percent in 2023, the publisher said.",
        "The newsletter, first sent in 1998, now reaches 40,000 homes, its editor said.",
        "Follow-up talks are set for March, a spokesman said.",
        "A disclaimer on the ballot was ruled misleading by the court on Monday.",
        "In an interview with [German media](#), Scholz confirmed the talks.",
        "Support for Ukraine remains high across the bloc, the poll found.",
        "Donated funds reached 3 million euros by June, the charity said.",
        "Like us, the French are worried about energy prices, he said.",
        "Clicks on the ministry's website tripled after the announcement.",
        "The pipeline link below the Baltic Sea was damaged in 2022.",
    ],
)
def test_clean__keeps_a_one_line_paragraph_that_only_mentions_such_a_word(sentence: str) -> None:
    assert _kept(f"{PROSE}\n\n{sentence}\n") == [PROSE, sentence]


@pytest.mark.parametrize(
    "line",
    [
        "Subscribe to our newsletter",
        "Subscribe to our newsletter for the day's top stories from Brussels.",
        "Click here to subscribe.",
        "Click here to subscribe",
        "© 2024 Example Media. All rights reserved.",
        "Copyright 2024 Example Media Group, all rights reserved.",
        "Sign up for our free morning briefing and never miss a story again.",
        "Follow us on Twitter and Facebook for live updates from the summit.",
        "Share this article with your friends and colleagues on social media.",
        "Please share this story with everyone you know who cares about Europe.",
        "Photo: Jean Dupont for Example Media, taken in Strasbourg last week.",
        "To get our best stories every morning, [click here](#).",
        "See also [Kyiv talks stall](#), [Scholz visits Washington](#) and [Merz meets Zelensky](#).",
        "https://example.com/eu-copyright-vote is where the full vote record can be read today.",
        "Disclaimer: the views expressed here are solely those of the author of this piece.",
    ],
)
def test_clean__drops_a_call_to_action_footer_or_link_line(line: str) -> None:
    assert _kept(f"{PROSE}\n\n{line}\n") == [PROSE]


def test_clean__drops_a_short_line_repeated_in_the_document() -> None:
    notice = "Story continues after this message."
    text = f"{PROSE}\n\n{notice}\n\nLawmakers will vote again in April.\n\n{notice}\n"
    assert _kept(text) == [PROSE, "Lawmakers will vote again in April."]


@pytest.mark.parametrize(
    "heading",
    ["## Subscribe to our newsletter", "## Disclaimer", "## Comments", "### Related articles"],
)
def test_clean__skips_the_section_under_a_boilerplate_heading(heading: str) -> None:
    text = (
        f"# Vote passes\n\n{PROSE}\n\n{heading}\n\n"
        "Get the best of our reporting delivered to your inbox every single morning.\n\n"
        "## Reaction\n\nCampaigners said the vote was a defeat for the open internet.\n"
    )
    assert _kept(text) == [PROSE, "Campaigners said the vote was a defeat for the open internet."]


@pytest.mark.parametrize(
    "heading",
    [
        "## EU copyright reform passes parliament",
        "## Subscription numbers soar at regional newspapers",
        "## Comments by the minister draw criticism",
    ],
)
def test_clean__a_news_heading_with_such_a_word_opens_no_skipped_section(heading: str) -> None:
    text = f"{heading}\n\n{PROSE}\n"
    assert _kept(text) == [PROSE]


@pytest.mark.parametrize("unit", ["[a ", "[a](b ", "Read [a](b) and [c](d). "])
def test_clean__time_grows_linearly_with_link_like_text(unit: str) -> None:
    # 60 kB on one line: a quadratic scan for the closing bracket took 28 s here, linear takes ms
    text = unit * (60_000 // len(unit))
    began = time.perf_counter()
    content_spans(text)
    assert time.perf_counter() - began < 2.0
