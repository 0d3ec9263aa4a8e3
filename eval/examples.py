"""The selector's training examples: the training questions, their candidates from the real
retriever (committed, so a fit is reproducible to the byte), featurised and labelled.

See eval/train.py for the whole procedure; this is its steps 1 to 3.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from footnote.eval.squad import Question, load_split, write_corpus
from footnote.service.answer.features import features

__all__ = ["CANDIDATES", "ELSEWHERE", "ROOT", "TOP_K", "Example", "elsewhere", "examples", "own_questions"]

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".footnote" / "train"
OWN = Path(__file__).parent / "seeds_train.jsonl"  # written for training: not eval/dev.jsonl's questions
SEEDS = ROOT / "seeds"
OWN_CORPUS = "seeds (news, hand-written questions)"
CANDIDATES = Path(__file__).parent / "squad" / "train_candidates.npz"  # see `retrieve`
TOP_K = 20  # as the service retrieves (Settings.top_k)
ELSEWHERE = ":elsewhere"  # the id suffix of a question asked of the other articles (see `elsewhere`)
ELSEWHERE_EVERY = 4  # a quarter of the answerable questions: fixed, not searched

# what the retriever found out about each hit (index/types.Hit), committed with the candidates
SCORES = ("dense", "lexical", "fused", "dense_previous", "dense_next", "dense_window")


@dataclass(frozen=True, slots=True)
class Example:
    """One training question's candidates: features, labels, words per sentence."""

    article: str
    answerable: bool
    x: np.ndarray
    y: np.ndarray
    words: np.ndarray


def _snapshot() -> tuple[Any, Any, Any]:
    """The training articles' index (built by footnote's own ingest; unchanged files are skipped)."""
    from footnote.index.connect import open_client
    from footnote.index.embed import OnnxEmbedder
    from footnote.index.ingest import ingest_folder
    from footnote.index.snapshot import load_snapshot
    from footnote.index.store import Store
    from footnote.service.settings import Settings

    store = Store(open_client(str(CACHE / "data"), None), "train")
    embedder = OnnxEmbedder(Settings().model_cache)
    print(ingest_folder(CACHE / "corpus", store, embedder).summary())
    return load_snapshot(store), store, embedder


def own_questions(folder: Path, path: Path = OWN, articles: Path = SEEDS) -> list[Question]:
    """The questions written for training about the seed articles (news, where SQuAD is
    Wikipedia); the articles are copied into the training corpus `folder`."""
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        answers = tuple((a["start"], a["end"], a["text"]) for a in raw["answers"])
        questions.append(Question(raw["id"], raw["question"], raw["source"], answers))
    for name in sorted({q.source for q in questions}):
        if not (folder / name).exists() or (folder / name).read_bytes() != (articles / name).read_bytes():
            shutil.copyfile(articles / name, folder / name)
    return questions


def elsewhere(questions: list[Question]) -> list[Question]:
    """`questions`, and every ELSEWHERE_EVERY-th answerable one again, to be asked of the other
    articles only. SQuAD 2.0's unanswerable questions are all on the article's own topic; these
    teach the abstention what a question about something the corpus does not cover looks like."""
    answerable = [q for q in questions if q.answers]
    away = [Question(q.id + ELSEWHERE, q.question, q.source, ()) for q in answerable[::ELSEWHERE_EVERY]]
    return questions + away


def retrieve(
    questions: Sequence[Question], corpus: dict[str, str], snapshot: Any, store: Any, embedder: Any
) -> None:
    """Ask every question of the real retriever and commit its hits to CANDIDATES.

    Chroma's approximate nearest-neighbour search is not bit-stable across fresh indexes (a few
    questions get another 20th candidate), so the candidates are data, committed, and a fit from
    them is reproducible to the byte; refresh them deliberately with `--retrieve`.
    """
    from footnote.index.retrieve import Retriever
    from footnote.index.types import Filters

    retriever = Retriever(snapshot, store, embedder)
    corpus_of = {q.source: corpus[q.id] for q in questions if q.id in corpus}  # article -> its corpus
    row = {c.id: i for i, c in enumerate(snapshot.chunks)}
    rows = np.full((len(questions), TOP_K), -1, dtype=np.int32)
    scores = np.full((len(questions), TOP_K, len(SCORES)), np.nan, dtype=np.float32)
    for n, q in enumerate(questions):
        filters = None
        if q.id.endswith(ELSEWHERE):  # asked of the other corpora only: its answer is not there
            home = corpus[q.id.removesuffix(ELSEWHERE)]
            away = (s for s in snapshot.documents if corpus_of.get(s, s) != home)
            filters = Filters(sources=tuple(sorted(away)))
        for k, h in enumerate(retriever.search(q.question, TOP_K, filters)):
            rows[n, k] = row[h.chunk.id]
            scores[n, k] = [np.nan if (v := getattr(h, name)) is None else v for name in SCORES]
        if n % 500 == 0:
            print(f"retrieved {n}/{len(questions)}")
    ids = np.array([q.id for q in questions])
    np.savez_compressed(CANDIDATES, ids=ids, rows=rows, scores=scores, chunks=_chunks_digest(snapshot))


def _chunks_digest(snapshot: Any) -> np.ndarray:
    """What the committed rows index: the training index's chunk ids, in order (a changed chunker,
    cleaner or seed file moves them, and the rows would point at other sentences)."""
    ids = "\n".join(c.id for c in snapshot.chunks).encode()
    return np.array(hashlib.sha256(ids).hexdigest())


def examples(refresh: bool = False) -> list[Example]:
    """Every training question with its retrieved candidates, featurised and labelled."""
    from footnote.index.types import Hit

    squad = write_corpus(load_split()["train"], CACHE / "corpus")
    own = own_questions(CACHE / "corpus")
    questions = elsewhere(squad + own)
    # a fold of validation is a corpus a user might index: one SQuAD article, or the five seeds
    corpus = {q.id: q.source for q in squad} | {q.id: OWN_CORPUS for q in own}
    snapshot, store, embedder = _snapshot()
    if refresh or not CANDIDATES.exists():
        retrieve(questions, corpus, snapshot, store, embedder)
    saved = np.load(CANDIDATES)
    if [str(i) for i in saved["ids"]] != [q.id for q in questions] or saved["scores"].shape[2] != len(SCORES):
        raise ValueError(f"{CANDIDATES} was retrieved for other questions: run with --retrieve")
    if "chunks" not in saved or str(saved["chunks"]) != str(_chunks_digest(snapshot)):
        raise ValueError(f"{CANDIDATES} indexes other chunks than the training index: run with --retrieve")

    def value(v: np.float32) -> float | None:
        return None if np.isnan(v) else float(v)

    out = []
    for q, rows, scores in zip(questions, saved["rows"], saved["scores"], strict=True):
        hits = []
        for r, row in zip(rows, scores, strict=True):
            if r < 0:
                break
            chunk = snapshot.chunks[r]
            doc = snapshot.documents[chunk.source]
            hit = Hit(chunk, doc.title, doc.published)
            for name, v in zip(SCORES, row, strict=True):
                setattr(hit, name, value(v))
            hit.fused = float(row[SCORES.index("fused")])
            hits.append(hit)
        y = np.array(
            [
                any(
                    h.chunk.source == q.source and h.chunk.start <= a and b <= h.chunk.end
                    for a, b, _ in q.answers
                )
                for h in hits
            ],
            dtype=np.int64,
        )
        words = np.array([len(h.chunk.text.split()) for h in hits])
        fold = corpus[q.id.removesuffix(ELSEWHERE)]
        out.append(Example(fold, bool(q.answers), features(q.question, hits, snapshot), y, words))
    return out
