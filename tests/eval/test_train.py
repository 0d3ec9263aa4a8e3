"""Fitting the selector: deterministic to the byte, threshold set on validation for its stated rate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from footnote.eval.squad import load_split, write_corpus
from footnote.eval.train import ARTIFACT, CANDIDATES, TARGET_FALSE_ABSTENTION, TOP_K, Example, examples, fit
from footnote.service.select import FEATURES


def _synthetic(seed: int = 0) -> list[Example]:
    """Three articles of questions whose positive candidate has a higher first feature, noisily."""
    rng = np.random.default_rng(seed)
    out = []
    for article in ("a.txt", "b.txt", "c.txt"):
        for q in range(60):
            x = rng.normal(size=(10, len(FEATURES)))
            y = np.zeros(10, dtype=np.int64)
            answerable = q % 6 != 0
            if answerable:
                y[rng.integers(10)] = 1
                x[y == 1, 0] += 1.5
            out.append(Example(article, answerable, x, y, rng.integers(5, 30, size=10)))
    return out


def test_fit__gives_the_same_bytes_twice() -> None:
    first = json.dumps(fit(_synthetic()))
    assert first == json.dumps(fit(_synthetic()))
    assert json.loads(first)["features"] == list(FEATURES)


def test_fit__threshold_keeps_validation_false_abstention_at_the_stated_rate() -> None:
    params = fit(_synthetic())
    assert params["validation"]["false_abstention"] <= TARGET_FALSE_ABSTENTION
    assert 0.0 < params["threshold"] < 1.0 and 0.2 <= params["second_ratio"] <= 1.0


def test_train__committed_candidates_are_the_training_questions(tmp_path: Path) -> None:
    questions = write_corpus(load_split()["train"], tmp_path)
    saved = np.load(CANDIDATES)
    assert [str(i) for i in saved["ids"]] == [q.id for q in questions]
    assert saved["rows"].shape == (len(questions), TOP_K)


@pytest.mark.slow
def test_train__committed_selector_equals_a_fresh_fit() -> None:
    # ingests the training articles into .footnote/train/ on the first run (about 30 s)
    fresh = json.dumps(fit(examples()), indent=1, ensure_ascii=False) + "\n"
    assert fresh == ARTIFACT.read_text(encoding="utf-8")
