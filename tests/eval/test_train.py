"""Fitting the selector: deterministic to the byte, threshold set on validation for its stated rate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from footnote.eval.examples import (
    CANDIDATES,
    ELSEWHERE,
    ROOT,
    TOP_K,
    Example,
    elsewhere,
    examples,
    own_questions,
)
from footnote.eval.squad import Question, load_split, write_corpus
from footnote.eval.train import ARTIFACT, TARGET_FALSE_ABSTENTION, fit
from footnote.service.answer.features import FEATURES


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


def test_fit__threshold_holds_the_stated_rate_on_every_validation_article() -> None:
    data = _synthetic()
    params = fit(data)
    by_article = params["validation"]["false_abstention_by_corpus"]
    assert set(by_article) == {e.article for e in data}
    assert all(rate <= TARGET_FALSE_ABSTENTION for rate in by_article.values())


def test_elsewhere__asks_some_answerable_questions_again_as_unanswerable() -> None:
    asked = [Question(f"q{i}", f"question {i}?", "a.txt", ((0, 1, "x"),) if i % 2 else ()) for i in range(20)]
    out = elsewhere(asked)
    assert out[: len(asked)] == asked
    away = out[len(asked) :]
    assert [q.id for q in away] == [f"q{i}{ELSEWHERE}" for i in (1, 9, 17)]  # every 4th answerable one
    assert all(q.answers == () and q.source == "a.txt" for q in away)


def test_own_questions__answers_are_exact_spans_of_the_seed_articles(tmp_path: Path) -> None:
    questions = own_questions(tmp_path)
    assert len(questions) >= 100 and any(not q.answers for q in questions)
    for q in questions:
        text = (tmp_path / q.source).read_text(encoding="utf-8-sig")
        assert all(text[a:b] == answer for a, b, answer in q.answers), q.id


def test_train__committed_candidates_are_the_training_questions(tmp_path: Path) -> None:
    questions = elsewhere(write_corpus(load_split()["train"], tmp_path) + own_questions(tmp_path))
    saved = np.load(CANDIDATES)
    assert [str(i) for i in saved["ids"]] == [q.id for q in questions]
    assert saved["rows"].shape == (len(questions), TOP_K)


@pytest.mark.slow
def test_train__committed_selector_equals_a_fresh_fit() -> None:
    # ingests the training articles into .footnote/train/ on the first run (about 30 s)
    fresh = json.loads(json.dumps(fit(examples())))
    committed = json.loads(ARTIFACT.read_text(encoding="utf-8"))
    # The same bytes on the machine that fitted it; on another build of ONNX Runtime, numpy's BLAS
    # or scikit-learn's solver the features move in their sixth digit and the weights in their
    # third (0.006 at most, measured on a fresh machine): every name, shape, count and text must
    # still be the same, and every number within 0.02 (1 %).
    assert _differences(fresh, committed) == []


def _differences(a: object, b: object, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys {sorted(a)} != {sorted(b)}"]
        return [d for k in a for d in _differences(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items != {len(b)}"]
        return [
            d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{where}[{i}]")
        ]
    numbers = (int, float)
    if (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return [] if a == pytest.approx(b, rel=0.01, abs=0.02) else [f"{where}: {a} != {b}"]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def _words(text: str) -> set[str]:
    stop = {"the", "a", "an", "of", "in", "to", "what", "did", "does", "is", "was", "who", "which", "how"}
    stop |= {
        "when",
        "and",
        "on",
        "for",
        "by",
        "with",
        "that",
        "at",
        "as",
        "do",
        "were",
        "are",
        "be",
        "it",
        "its",
    }
    return set(re.findall(r"[a-z0-9]+", text.lower())) - stop


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def test_own_questions__none_is_a_near_copy_of_a_gate_question(tmp_path: Path) -> None:
    # Written about the same five articles as eval/dev.jsonl, some questions came out asking the
    # same fact the same way; those were removed, so the seeds gate stays held out by question.
    gate = [json.loads(line) for line in (ROOT / "eval" / "dev.jsonl").read_text().splitlines()]
    copies = []
    for q in own_questions(tmp_path):
        answers = [_norm(text) for _, _, text in q.answers]
        for item in gate:
            shared = _words(q.question) & _words(item["question"])
            similar = len(shared) / max(1, min(len(_words(q.question)), len(_words(item["question"]))))
            phrases = [_norm(p) for p in item["expected_phrases"] if _norm(p)]
            same_answer = any(a and (a in p or p in a) for a in answers for p in phrases)
            if similar >= 0.5 and (same_answer or not q.answers or not item["answerable"]):
                copies.append((q.id, item["id"]))
    assert copies == []
