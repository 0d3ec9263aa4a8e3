"""Turn SQuAD 2.0 articles into a footnote corpus folder and an eval dataset.

`python -m footnote.eval.squad` writes the held-out (test) articles of `eval/squad/split.json` to
`eval/squad/corpus/` (one .txt per article: a title line, then the paragraphs separated by
blank lines) and their questions to `eval/squad/heldout.jsonl`; the training articles go the
same way to a git-ignored folder for `eval/train.py`. It checks that footnote's loader and
cleaner keep every answer span inside some chunk, and says how many do not.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from footnote.index.chunk import chunk_document
from footnote.index.load import load_document

__all__ = ["DATA", "SPLIT", "Question", "load_split", "squad_questions", "write_corpus", "write_dataset"]

HERE = Path(__file__).resolve().parent  # resolved: footnote/eval is a link to eval/
DATA = HERE.parent.parent / "shared" / "data" / "squad2-train-10-articles.json.gz"
SPLIT = HERE / "squad" / "split.json"
CORPUS = HERE / "squad" / "corpus"
DATASET = HERE / "squad" / "heldout.jsonl"


@dataclass(frozen=True, slots=True)
class Question:
    """One SQuAD question, with its answers as character ranges into the article file."""

    id: str
    question: str
    source: str
    answers: tuple[tuple[int, int, str], ...]  # (start, end, text) into the written file


def load_split(path: Path = SPLIT) -> dict[str, list[str]]:
    """The article titles of each side of the split."""
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {"train": list(raw["train"]), "test": list(raw["test"])}


def file_name(title: str) -> str:
    """A portable file name for an article title."""
    return re.sub(r"[^\w().,-]+", "_", title) + ".txt"


def _articles(data: Path) -> dict[str, dict[str, Any]]:
    with gzip.open(data, "rt", encoding="utf-8") as f:
        return {a["title"]: a for a in json.load(f)["data"]}


def article_text(article: dict[str, Any]) -> tuple[str, list[int]]:
    """The file's text and where each paragraph starts in it."""
    text = article["title"].replace("_", " ") + "\n"
    starts = []
    for p in article["paragraphs"]:
        text += "\n"
        starts.append(len(text))
        text += p["context"].strip() + "\n"
    return text, starts


def squad_questions(article: dict[str, Any], starts: list[int]) -> list[Question]:
    """Every question of an article, answers moved to file offsets."""
    out = []
    for p, at in zip(article["paragraphs"], starts, strict=True):
        shift = at - (len(p["context"]) - len(p["context"].lstrip()))
        for q in p["qas"]:
            answers = tuple(
                (a["answer_start"] + shift, a["answer_start"] + shift + len(a["text"]), a["text"])
                for a in q["answers"]
            )
            out.append(Question(q["id"], q["question"].strip(), file_name(article["title"]), answers))
    return out


def write_corpus(titles: list[str], folder: Path, data: Path = DATA) -> list[Question]:
    """Write each article as a file of `folder`; its questions, answers as file offsets."""
    articles = _articles(data)
    folder.mkdir(parents=True, exist_ok=True)
    questions: list[Question] = []
    for title in titles:
        text, starts = article_text(articles[title])
        path = folder / file_name(title)
        path.write_text(text, encoding="utf-8", newline="")
        for q in squad_questions(articles[title], starts):
            assert all(text[s:e] == t for s, e, t in q.answers), q.id
            questions.append(q)
    return questions


def lost_answers(folder: Path, questions: list[Question]) -> list[str]:
    """Ids of answerable questions none of whose answer spans lies inside a chunk."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for path in sorted(folder.glob("*.txt")):
        doc = load_document(path)
        spans[path.name] = [(c.start, c.end) for c in chunk_document(doc)] if doc else []
    return [
        q.id
        for q in questions
        if q.answers
        and not any(s <= a and b <= e for a, b, _ in q.answers for s, e in spans.get(q.source, []))
    ]


def write_dataset(questions: list[Question], path: Path) -> None:
    """The questions in footnote's eval format (eval/harness.py `load_dataset`)."""
    lines = []
    for q in questions:
        phrases = list(dict.fromkeys(t for _, _, t in q.answers))
        item = {
            "id": q.id,
            "question": q.question,
            "answerable": bool(q.answers),
            "expected_sources": [q.source] if q.answers else [],
            "expected_phrases": phrases,
        }
        lines.append(json.dumps(item, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    """Write the held-out corpus and dataset; report answers the chunker would lose."""
    split = load_split()
    questions = write_corpus(split["test"], CORPUS)
    write_dataset(questions, DATASET)
    lost = lost_answers(CORPUS, questions)
    n_ans = sum(bool(q.answers) for q in questions)
    print(f"{len(questions)} questions ({n_ans} answerable) from {len(split['test'])} articles -> {DATASET}")
    print(f"answerable questions with no answer span inside a chunk: {len(lost)} {lost[:10]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
