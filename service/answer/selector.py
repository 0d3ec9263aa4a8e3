"""Selector: the fitted parameters (selector.json, beside this module) applied to features (features.py).

P(this sentence holds the answer) per candidate, and the calibrated P(some candidate answers this)
per question, with the threshold below which the composer abstains. numpy only; the committed
artifact is read once per process, when a composer is built.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from footnote.service.answer.features import COLUMNS, FEATURES

__all__ = ["ANSWER_FEATURES", "Selector", "answer_features"]


@dataclass(frozen=True, slots=True)
class Selector:
    """The fitted scorer: P(sentence answers) per candidate, P(the answer is right) per question."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    answer_coef: np.ndarray  # over `answer_features`
    answer_intercept: float
    threshold: float  # below this P(the answer is right), abstain
    second_ratio: float  # a second sentence is said when its P is at least this share of the best

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Selector:
        """Build from the artifact's parsed JSON; the feature list must be this module's."""
        if tuple(raw["features"]) != FEATURES:
            raise ValueError("the selector artifact was fitted on other features: run `make train`")
        return cls(
            np.array(raw["mean"]),
            np.array(raw["scale"]),
            np.array(raw["coef"]),
            float(raw["intercept"]),
            np.array(raw["answer_coef"]),
            float(raw["answer_intercept"]),
            float(raw["threshold"]),
            float(raw["second_ratio"]),
        )

    @classmethod
    def load(cls) -> Selector:
        """The committed artifact, selector.json beside this module (read once per process)."""
        return _committed()

    def sentence_probabilities(self, x: np.ndarray) -> np.ndarray:
        """P(this sentence answers the question), per row of features."""
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    def answer_probability(self, p: np.ndarray, x: np.ndarray) -> float:
        """P(what would be said holds the answer), calibrated on held-out training articles."""
        z = float(answer_features(p, x) @ self.answer_coef + self.answer_intercept)
        return 1.0 / (1.0 + float(np.exp(-z)))


@cache
def _committed() -> Selector:
    text = resources.files(__package__).joinpath("selector.json").read_text(encoding="utf-8")
    return Selector.from_json(json.loads(text))


_CROSSES = tuple(name for name in FEATURES if "×" in name)  # question kind × sentence property
ANSWER_FEATURES = (
    "logit_best",
    "logit_second",
    "coverage_best",
    "coverage_around_best",
    "dense_best",
    "dense_window_best",
    # does the best sentence have what this kind of question asks for (a "when" a year, …): learned
    *(f"best:{name}" for name in _CROSSES),
)


def answer_features(p: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Question-level evidence that the best candidate answers: its score, the runner-up's, its
    backing, and whether it has what the question's kind asks for."""
    if not len(p):
        return np.array([-10.0, -10.0, 0.0, 0.0, 0.0, 0.0, *(0.0 for _ in _CROSSES)])
    order = np.argsort(-p, kind="stable")
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    logit = np.log(clipped / (1 - clipped))
    best = order[0]
    second = logit[order[1]] if len(p) > 1 else -10.0
    backing = ("coverage", "coverage_around", "dense", "dense_window", *_CROSSES)
    return np.array([logit[best], second, *(x[best, COLUMNS[name]] for name in backing)])
