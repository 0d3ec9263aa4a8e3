"""The shared word normaliser: BM25, answer scoring and the vocabulary agree through it."""

from __future__ import annotations

from footnote.index.tokenize import content_terms, tokenize


def test_tokenize__stems_and_drops_stop_words_keeps_years() -> None:
    assert tokenize("The talks were negotiated in 2022 by troops") == ["talk", "negoti", "2022", "troop"]


def test_tokenize__abbreviations_meet_their_full_forms() -> None:
    assert content_terms("U.S. talks on Dec. 14") == content_terms("US talks on December 14")
    assert content_terms("Sept. 2024") == content_terms("September 2024")
    assert "decemb" not in content_terms("Decimal points")  # only a capitalised abbreviation with its dot


def test_tokenize__zero_width_characters_inside_a_word_are_ignored() -> None:
    for invisible in ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"):
        assert tokenize(f"Ger{invisible}many sent troops") == tokenize("Germany sent troops"), hex(
            ord(invisible)
        )
    assert content_terms("\ufeffU.\u200bS. talks on De\u00adc. 14") == content_terms(
        "US talks on December 14"
    )
    assert tokenize("Bundes\u200b\u200bwehr") == ["bundeswehr"]
