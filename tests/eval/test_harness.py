"""The harness's arithmetic and its gate, on hand-built answers; the CLI on the real pipeline."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from footnote.eval.harness import Item, evaluate, gate, load_dataset
from footnote.eval.judge import entails
from footnote.index.errors import UnknownSource
from footnote.index.types import Chunk, Hit
from footnote.service.answer.types import Answer, Citation, Sentence
from footnote.service.settings import Settings
from tests.servers import BIN

TEXTS = {"a.txt": "The treaty was signed in 1999. It had 12 articles.", "b.txt": "Nothing about treaties."}


def _hit(source: str) -> Hit:
    return Hit(Chunk(f"{source}-0", source, 0, 5, "x", 0, 0, "sha"), None, None, dense=0.5)


def _answer(text: str, start: int) -> Answer:
    cite = Citation(1, "a.txt", start, start + len(text), text, None, None, 0.5)
    return Answer.of([Sentence(text, [1])], [cite])


ITEMS = [
    Item("q1", "When was the treaty signed?", True, ("a.txt",), ("1999",)),
    Item("q2", "How many articles?", True, ("a.txt",), ("12 articles",)),
    Item("q3", "Who is the king of Mars?", False, (), ()),
    Item("q4", "Refused?", True, ("a.txt",), ("x",), filters={"sources": ["nope.txt"]}),
]


def _run(item: Item) -> tuple[Answer, list[Hit]]:
    if item.id == "q1":
        return _answer("The treaty was signed in 1999.", 0), [_hit("a.txt"), _hit("b.txt")]
    if item.id == "q2":
        return Answer.abstain("too weak"), [_hit("b.txt"), _hit("a.txt")]
    if item.id == "q3":
        return Answer.abstain("not in the sources"), [_hit("b.txt")]
    raise UnknownSource("nope.txt")


def test_evaluate__metrics_and_per_item_checks() -> None:
    report = evaluate(ITEMS, _run, TEXTS, entails)
    m = report["metrics"]
    assert m["answer_accuracy"] == round(1 / 3, 4)  # q1 of q1, q2, q4
    assert m["retrieval_hit_at_1"] == round(1 / 3, 4) and m["retrieval_mrr"] == 0.5  # (1 + 1/2 + 0) / 3
    assert m["span_validity"] == 1.0 and m["citation_recall"] == 1.0 and m["citation_precision"] == 1.0
    assert m["abstention_accuracy"] == 1.0 and m["false_abstention_rate"] == round(1 / 3, 4)  # q2
    rows = {r["id"]: r for r in report["items"]}
    assert rows["q1"]["passed"] and rows["q1"]["citations"][0]["quote"] == "The treaty was signed in 1999."
    assert rows["q2"]["why_not"] == ["abstained: too weak"]
    assert not rows["q4"]["passed"] and rows["q4"]["checks"]["request_accepted"] is False
    assert rows["q4"]["why_not"][0] == "the request was refused: unknown source: 'nope.txt'"


def test_gate__floors_regressions_and_flips() -> None:
    report = evaluate(ITEMS, _run, TEXTS, entails)
    baseline: dict[str, Any] = {
        "tolerance": 0.02,
        "floors": {"answer_accuracy": 0.5},
        "accepted": {"retrieval_mrr": 0.6},
        "items": {"q1": True, "q2": True, "q3": True, "new": True},
    }
    problems = gate(report, baseline)
    assert problems == [
        "answer_accuracy = 0.3333 is below its floor 0.5",
        "retrieval_mrr regressed: 0.5 < accepted 0.6 - 0.02",
        "item q2 flipped to failing: abstained: too weak",
    ]
    assert gate(report, {"accepted": {"retrieval_mrr": 0.51}, "tolerance": 0.02}) == []  # within tolerance


def test_load_dataset__optional_fields_and_a_clear_error(tmp_path: Path) -> None:
    good = tmp_path / "ok.jsonl"
    good.write_text('{"id": 1, "question": "Q?", "answerable": false}\n\n')
    assert load_dataset(good) == [Item("1", "Q?", False, (), ())]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": "Q?", "answerable": true}\n{"id": "y"}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2: not a valid item"):
        load_dataset(bad)


@pytest.mark.slow
def test_cli__json_report_files_and_exit_code(real_settings: Settings, tmp_path: Path) -> None:
    dataset = tmp_path / "set.jsonl"
    rows = [
        {
            "id": "x1",
            "question": "How many people took part in it?",
            "answerable": True,
            "expected_sources": ["000_4a51942bda6d7b72.txt"],
            "expected_phrases": ["13,299"],
            "history": [{"role": "user", "content": "What did the Bertelsmann poll find?"}],
        },
        {"id": "x2", "question": "Who won the 1966 World Cup?", "answerable": False},
        {"id": "x3", "question": "Q?", "answerable": True, "filters": {"sources": ["../nope"]}},
    ]
    dataset.write_text("\n".join(json.dumps(r) for r in rows))
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"floors": {"abstention_accuracy": 1.0}, "items": {"x3": True}}))
    env = {**os.environ, "FOOTNOTE_DATA_DIR": str(real_settings.data_dir)}
    env["FOOTNOTE_MODEL_DIR"] = str(real_settings.model_cache)
    cmd = [str(BIN / "footnote"), "eval", "--dataset", str(dataset), "--baseline", str(baseline)]
    out = subprocess.run(
        [*cmd, "--json", "--report-dir", str(tmp_path / "r")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 1, out.stderr  # x3 passed before and is refused now
    report = json.loads(out.stdout)
    assert set(report) >= {"metrics", "items"} and [r["id"] for r in report["items"]] == ["x1", "x2", "x3"]
    assert report["items"][0]["passed"], report["items"][0]["why_not"]
    assert report["gate"]["problems"] == [
        "item x3 flipped to failing: the request was refused: unknown source: '../nope'"
    ]
    assert {p.name for p in (tmp_path / "r").iterdir()} == {"eval.json", "eval.md", "eval.svg"}
    assert (tmp_path / "r" / "eval.svg").read_text().startswith("<svg")


def test_load_dataset__a_malformed_filter_date_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    ok = {"id": "a", "question": "q?", "answerable": True}
    bad.write_text(
        json.dumps(ok) + "\n" + json.dumps({**ok, "filters": {"published_after": "Feb 2024"}}) + "\n"
    )
    with pytest.raises(ValueError, match=r"bad.jsonl:2: not a valid item"):
        load_dataset(bad)


def test_evaluate__a_bug_inside_the_pipeline_is_not_counted_as_a_refusal() -> None:
    def broken(_: Item) -> Any:
        raise ValueError("a bug, not a refusal")

    with pytest.raises(ValueError, match="a bug, not a refusal"):
        evaluate([Item("q", "Anything?", True, (), ())], broken, {}, entails)


def test_evaluate__mean_answer_words_counts_only_answers_given_without_markers() -> None:
    report = evaluate(ITEMS[:3], _run, TEXTS, entails)
    assert report["metrics"]["mean_answer_words"] == 6.0  # q1's "The treaty was signed in 1999. [1]"


@pytest.mark.slow
@pytest.mark.parametrize("composer", [None, "handset", "top2"])
def test_cli__corpus_is_evaluated_in_a_throwaway_index(
    model_cache: Path, tmp_path: Path, composer: str | None
) -> None:
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "dam.txt").write_text(
        "The Dam\n\nThe river dam was finished in 1987 after ten years of work.\n\n"
        "It holds back a lake of forty square kilometres.\n",
        encoding="utf-8",
    )
    dataset = tmp_path / "set.jsonl"
    row = {"id": "d1", "question": "When was the river dam finished?", "answerable": True}
    dataset.write_text(json.dumps({**row, "expected_sources": ["dam.txt"], "expected_phrases": ["1987"]}))
    data_dir = tmp_path / "served"
    env = {**os.environ, "FOOTNOTE_DATA_DIR": str(data_dir), "FOOTNOTE_MODEL_DIR": str(model_cache)}
    cmd = [str(BIN / "footnote"), "eval", "--corpus", str(corpus), "--dataset", str(dataset)]
    cmd += ["--composer", composer] if composer else []  # a baseline (eval/baselines.py) or the product's
    out = subprocess.run(
        [*cmd, "--json", "--no-gate", "--report-dir", str(tmp_path / "r"), "--baseline", str(tmp_path / "b")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["items"][0]["passed"], report["items"][0]["why_not"]
    assert report["metrics"]["retrieval_hit_at_1"] == 1.0
    assert report["items"][0]["composer"] == "extractive"
    assert not data_dir.exists()  # the served index was never created nor touched
