from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from footnote.eval.harness import load_dataset
from footnote.index.embed import OnnxEmbedder, SentenceTransformerEmbedder
from footnote.service.answer.pipeline import Pipeline
from footnote.service.settings import Settings
from tests.conftest import ROOT, SEEDS

DEV = load_dataset(ROOT / "eval" / "dev.jsonl")
EXTRA = [
    "What is the status of peace talks?",
    "Who is Lavrov?",
    "What about Germany?",
    "NATO",
    "security guarantees for Ukraine",
    "What happened in Berlin?",
    "Biden",
    "gas pipeline",
    "What did Zelenskyy say?",
    "ceasefire",
    "How much aid?",
    "When?",
    "Why?",
    "refugees in Germany",
]


def _check_contract(body: dict[str, object]) -> None:
    for c in body["citations"]:  # type: ignore[attr-defined]
        text = (SEEDS / c["source"]).read_text(encoding="utf-8")
        assert text[c["start"] : c["end"]] == c["quote"], c
        assert c["title"]
    if body["abstained"]:
        assert body["reason"] and body["answer"] == "" and body["citations"] == []
        return
    ids = {c["id"] for c in body["citations"]}  # type: ignore[attr-defined]
    for s in body["sentences"]:  # type: ignore[attr-defined]
        assert s["citations"] and set(s["citations"]) <= ids
        assert s["text"] in body["answer"]  # type: ignore[operator]
    assert len(str(body["answer"]).split()) <= 120 + 3 * 3


def test_onnx_embedder__matches_sentence_transformers(real_settings: Settings) -> None:
    texts = [d.question for d in DEV[:12]] + ["Lavrov", "a" * 3000]
    onnx = OnnxEmbedder(real_settings.model_cache).embed_batch(texts)
    reference = SentenceTransformerEmbedder().embed_batch(texts)
    assert np.abs(onnx - reference).max() < 1e-4


@pytest.mark.parametrize("question", [d.question for d in DEV] + EXTRA)
def test_ask__every_citation_is_an_exact_span_and_every_sentence_cited(
    real_pipeline: Pipeline, question: str
) -> None:
    _check_contract(real_pipeline.ask(question).to_json())


@pytest.mark.parametrize("item", [d for d in DEV if not d.answerable], ids=lambda d: d.id)
def test_ask__abstains_on_out_of_corpus_questions(real_pipeline: Pipeline, item: object) -> None:
    answer = real_pipeline.ask(item.question)  # type: ignore[attr-defined]
    assert answer.abstained and answer.reason


@pytest.mark.parametrize(
    ("question", "shape"),
    [
        ("How many soldiers is the Bundeswehr's troop strength now?", r"^\d[\d,.]*$"),
        ("What percentage of Germans favoured Ukraine joining the EU?", r"^\d+ (percent|%)$"),
    ],
)
def test_ask__marks_the_phrase_that_answers_inside_an_exact_quote(
    real_pipeline: Pipeline, question: str, shape: str
) -> None:
    # the learned weights decide which shape a kind of question wants: here, a figure
    answer = real_pipeline.ask(question)
    marked = [c for c in answer.citations if c.highlight is not None]
    assert marked, answer
    for c in marked:
        assert c.highlight is not None and c.start <= c.highlight.start < c.highlight.end <= c.end
        text = (SEEDS / c.source).read_text(encoding="utf-8-sig")
        assert text[c.start : c.end] == c.quote
        assert re.match(shape, text[c.highlight.start : c.highlight.end])


def test_ask__finds_the_fact_for_a_paraphrased_question(real_pipeline: Pipeline) -> None:
    answer = real_pipeline.ask("How many people in Germany answered the Bertelsmann poll?")
    assert not answer.abstained and "1,834" in answer.answer


def test_cli_ask_json__prints_exactly_the_api_body(real_settings: Settings, real_pipeline: Pipeline) -> None:
    question = "What kind of ceasefire does Zelenskyy propose?"
    env = {
        **os.environ,
        "FOOTNOTE_DATA_DIR": str(real_settings.data_dir),
        "FOOTNOTE_MODEL_DIR": str(real_settings.model_cache),
    }
    out = subprocess.run(
        [sys.executable, "-m", "footnote.cli", "ask", question, "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert json.loads(out.stdout) == real_pipeline.ask(question).to_json()


def test_cli_ingest__missing_folder_exits_2_with_a_clear_message(real_settings: Settings) -> None:
    env = {
        **os.environ,
        "FOOTNOTE_DATA_DIR": str(real_settings.data_dir),
        "FOOTNOTE_MODEL_DIR": str(real_settings.model_cache),
    }
    out = subprocess.run(
        [sys.executable, "-m", "footnote.cli", "ingest", "/nonexistent/folder"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr.strip() == "error: corpus folder not found: /nonexistent/folder"
