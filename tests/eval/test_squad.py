"""The SQuAD held-out set: the committed corpus and dataset are a faithful conversion."""

from __future__ import annotations

import json
from pathlib import Path

from footnote.eval.squad import CORPUS, DATASET, load_split, lost_answers, write_corpus, write_dataset


def test_squad__committed_corpus_and_dataset_equal_a_fresh_conversion(tmp_path: Path) -> None:
    questions = write_corpus(load_split()["test"], tmp_path / "corpus")
    write_dataset(questions, tmp_path / "set.jsonl")
    for path in sorted((tmp_path / "corpus").iterdir()):
        assert path.read_bytes() == (CORPUS / path.name).read_bytes(), path.name
    assert (tmp_path / "set.jsonl").read_bytes() == DATASET.read_bytes()


def test_squad__every_answer_span_survives_loading_cleaning_and_chunking(tmp_path: Path) -> None:
    questions = write_corpus(load_split()["test"], tmp_path / "corpus")
    assert sum(bool(q.answers) for q in questions) == 502
    assert lost_answers(tmp_path / "corpus", questions) == []


def test_squad__split_is_by_article_and_the_gate_set_is_never_trained_on() -> None:
    split = load_split()
    assert len(split["train"]) == 8 and len(split["test"]) == 2
    assert not set(split["train"]) & set(split["test"])
    items = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines()]
    sources = {s for it in items for s in it["expected_sources"]}
    assert sources == {p.name for p in CORPUS.iterdir()}
    assert sum(not it["answerable"] for it in items) == 188
