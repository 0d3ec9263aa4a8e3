"""`footnote eval --composer generative`: which composer wrote each answer, what verify dropped, and
`--no-verify` keeping what the judge rejects (eval only), against a scripted model over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from footnote.cli import main
from footnote.eval.harness import Item, evaluate
from footnote.eval.judge import entails
from footnote.index.types import Chunk, Hit
from footnote.service.answer.types import Answer, Citation, Dropped, Sentence
from footnote.service.settings import Settings
from tests.scripted_llm import ScriptedModel, find, scripted_model

TEXT = "The treaty was signed in 1999. It had 12 articles."
QUESTION = "What troop strength is the Bundeswehr aiming for?"


def _said(text: str, start: int, cited: str) -> Answer:
    cite = Citation(1, "a.txt", start, start + len(cited), cited, None, None, 0.5)
    return Answer.of([Sentence(text, [1])], [cite])


def _generated(item: Item) -> tuple[Answer, list[Hit]]:
    hit = Hit(Chunk("a-0", "a.txt", 0, 30, TEXT[:30], 0, 0, "sha"), None, None, dense=0.5)
    if item.id == "q2":  # an extractive answer citing the wrong span
        return _said("It had 13 articles.", 31, TEXT[31:]), [hit]
    dropped = [Dropped("It had 13 articles.", "the figure 13 is not in [1]"), Dropped("Yes.", "x")]
    return replace(_said(TEXT[:30], 0, TEXT[:30]), composer="generative", dropped=dropped), [hit]


def test_evaluate__counts_generated_answers_and_the_sentences_verify_dropped() -> None:
    items = [Item("q1", "When?", True, ("a.txt",), ("1999",)), Item("q2", "How many?", True, ("a.txt",), ())]
    report = evaluate(items, _generated, {"a.txt": TEXT}, entails)
    m = report["metrics"]
    assert (m["generated_rate"], m["sentences_said"], m["sentences_dropped"]) == (0.5, 2, 2)
    row = report["items"][0]
    assert row["composer"] == "generative" and report["items"][1]["composer"] == "extractive"
    assert row["dropped"][0] == {"text": "It had 13 articles.", "reason": "the figure 13 is not in [1]"}
    # citation scores over every answer, and over what the model wrote alone
    assert (m["citation_recall"], m["citation_precision"]) == (0.5, 0.5)
    assert (m["generated_citation_recall"], m["generated_citation_precision"]) == (1.0, 1.0)


def test_evaluate__without_a_generated_sentence_its_citation_scores_are_none() -> None:
    report = evaluate([Item("q2", "How many?", True, ("a.txt",), ())], _generated, {"a.txt": TEXT}, entails)
    m = report["metrics"]
    assert m["generated_citation_recall"] is None and m["generated_citation_precision"] is None


@pytest.fixture
def no_model_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FOOTNOTE_LLM_BASE_URL", "FOOTNOTE_LLM_MODEL", "FOOTNOTE_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--composer", "generative"],
            "error: --composer generative needs a model server: set FOOTNOTE_LLM_BASE_URL and "
            "FOOTNOTE_LLM_MODEL, or pass --llm-base-url and --llm-model",
        ),
        (
            ["--llm-base-url", "http://127.0.0.1:9/v1", "--llm-model", "m"],
            "error: --llm-base-url and --llm-model choose the model of --composer generative",
        ),
        (
            ["--composer", "generative", "--llm-base-url", "ftp://127.0.0.1/v1", "--llm-model", "m"],
            "error: FOOTNOTE_LLM_BASE_URL must be an http(s) URL, got 'ftp://127.0.0.1/v1'",
        ),
        (
            ["--no-verify", "--update-baseline"],
            "error: --no-verify scores answers verify would have cut; they never become the baseline",
        ),
    ],
)
def test_cli__eval_options_that_cannot_run_are_refused_in_words(
    no_model_env: None, capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str
) -> None:
    baseline = tmp_path / "baseline.json"
    code = main(["eval", "--baseline", str(baseline), "--report-dir", str(tmp_path / "r"), *args])
    assert (code, capsys.readouterr().err.strip()) == (2, message)
    assert not baseline.exists() and not (tmp_path / "r").exists()  # refused before anything ran


@pytest.fixture(scope="module")
def model() -> Iterator[ScriptedModel]:
    with scripted_model() as m:
        yield m


def _one_true_one_invented(request: dict[str, Any]) -> str:
    n, text = find(request, "260,000")
    return f"{text} [{n}] The Bundeswehr also plans 12 new submarines [{n}]."


def _eval(
    settings: Settings, model: ScriptedModel, tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> dict[str, Any]:
    dataset = tmp_path / "set.jsonl"
    row = {"id": "b1", "question": QUESTION, "answerable": True, "expected_phrases": ["260,000"]}
    second = {"id": "b2", "question": "Who won the 1966 World Cup?", "answerable": False}
    lines = [{**row, "expected_sources": ["003_7627b42785f0bcd5.txt"]}, second]
    dataset.write_text("\n".join(json.dumps(line) for line in lines))
    argv = ["eval", "--dataset", str(dataset), "--report-dir", str(tmp_path / "r"), "--no-gate", "--json"]
    argv += ["--limit", "1"]  # b2 is never asked
    model_args = ["--composer", "generative", "--llm-base-url", model.url, "--llm-model", "scripted-7b"]
    capsys.readouterr()
    assert main([*argv, *model_args, *extra]) == 0
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return report


@pytest.mark.slow
def test_cli__generative_eval_scores_generated_text_and_no_verify_shows_what_verify_cut(
    real_settings: Settings,
    model: ScriptedModel,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_model_env: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FOOTNOTE_DATA_DIR", str(real_settings.data_dir))
    monkeypatch.setenv("FOOTNOTE_MODEL_DIR", str(real_settings.model_cache))
    model.script = _one_true_one_invented

    verified = _eval(real_settings, model, tmp_path, capsys)
    assert [r["id"] for r in verified["items"]] == ["b1"] and len(model.requests) == 1
    row = verified["items"][0]
    assert row["composer"] == "generative" and "260,000" in row["answer"] and "12" not in row["answer"]
    assert row["dropped"] == [
        {"text": "The Bundeswehr also plans 12 new submarines.", "reason": "the figure 12 is not in [1]"}
    ]
    m = verified["metrics"]
    assert (m["generated_rate"], m["sentences_said"], m["sentences_dropped"]) == (1.0, 1, 1)
    assert (m["answer_accuracy"], m["citation_recall"], m["citation_precision"]) == (1.0, 1.0, 1.0)
    assert model.requests[-1]["model"] == "scripted-7b"

    unverified = _eval(real_settings, model, tmp_path, capsys, "--no-verify")
    row = unverified["items"][0]
    assert "12 new submarines" in row["answer"] and row["dropped"] == []
    m = unverified["metrics"]
    assert (m["sentences_said"], m["sentences_dropped"], m["citation_recall"]) == (2, 0, 0.5)
    assert row["why_not"] == ["1 of 2 sentences not supported by their citations"]
