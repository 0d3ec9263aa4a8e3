"""service/names.py: which names of a question the sources never use, forgiving accents and typos."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

from footnote.index.tokenize import content_terms
from footnote.service.answer.names import unknown_names


@dataclass(frozen=True)
class Vocab:
    vocabulary: frozenset[str]


def vocab(text: str) -> Vocab:
    return Vocab(frozenset(content_terms(text)))


SOURCES = vocab("Beyoncé played in Manhattan with Niccolò Paganini in 1942 and in Kraków.")


def test_unknown_names__a_name_the_sources_never_use_is_reported() -> None:
    assert unknown_names("Where did Rihanna play?", SOURCES) == ["Rihanna"]


def test_unknown_names__a_name_typed_without_its_accents_is_known() -> None:
    assert unknown_names("Where did Beyonce play with Niccolo Paganini in Krakow?", SOURCES) == []


def test_unknown_names__a_long_name_with_one_typo_is_known() -> None:
    assert unknown_names("Who played in Manhatten?", SOURCES) == []


def test_unknown_names__a_short_name_one_edit_away_is_another_name() -> None:
    sources = vocab("Putin met Lula in Brasília.")
    assert unknown_names("Did Putin meet Lulu?", sources) == ["Lulu"]


def test_unknown_names__numbers_must_match_exactly() -> None:
    assert unknown_names("What happened in 1942 and in 1944?", SOURCES) == ["1944"]


def test_selector__loads_from_the_installed_package_outside_the_repository(tmp_path: str) -> None:
    # The artifact is package data of footnote.eval: it must load with the repository off sys.path,
    # as in a deployed wheel (it once looked up a top-level `eval` package and failed there).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = "from footnote.service.answer.selector import Selector; print(Selector.load().threshold)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert 0.0 < float(done.stdout) < 1.0


def test_unknown_names__two_edits_or_another_first_letter_is_another_name() -> None:
    sources = vocab("Zelensky met Kallas in Brussels.")
    assert unknown_names("Did Zelensky meet Kallis?", sources) == ["Kallis"]  # five letters: exact only
    assert unknown_names("Did Zelensky meet Callas in Brussel?", sources) == ["Callas"]
    assert unknown_names("Did Zalinsky visit?", sources) == ["Zalinsky"]  # two edits away
