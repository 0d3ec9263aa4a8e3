"""`make bench`: speed and memory figures on this machine. Prints a Markdown table; not a test."""

from __future__ import annotations

import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from footnote.eval import load, scale
from footnote.eval.baselines import BASELINES
from footnote.eval.harness import load_dataset, percentile
from footnote.index.chunk import chunk_document
from footnote.index.clean import content_spans
from footnote.index.connect import open_client
from footnote.index.embed import OnnxEmbedder, SentenceTransformerEmbedder
from footnote.index.ingest import ingest_folder
from footnote.index.load import load_folder
from footnote.index.snapshot import load_snapshot
from footnote.index.store import Store
from footnote.index.types import Document
from footnote.service.answer.pipeline import Pipeline
from footnote.service.build import learned
from footnote.service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BIN = Path(sys.executable).parent
REQUESTS = 240
WRITES = 1000
LOAD_SECONDS = 60.0


def _latency(pipeline: Pipeline, questions: list[str], n: int) -> tuple[float, float]:
    for q in questions[:10]:
        pipeline.ask(q)  # warm-up
    times = []
    for i in range(n):
        began = time.perf_counter()
        pipeline.ask(questions[i % len(questions)])
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), percentile(times, 95)


def _chunk_seconds(sentences: list[str], size: int) -> float:
    """Best of 3 chunkings of a `size`-byte article: the seeds' sentences re-sampled into paragraphs."""
    rng = random.Random(size)
    paragraphs, total = [], 0
    while total < size:
        paragraphs.append(" ".join(rng.choices(sentences, k=rng.randint(1, 6))))
        total += len(paragraphs[-1].encode()) + 2
    text = "\n\n".join(paragraphs)
    doc = Document(
        "article.txt", text, hashlib.sha256(text.encode()).hexdigest(), content=tuple(content_spans(text))
    )
    times = []
    for _ in range(3):
        t = time.perf_counter()
        chunk_document(doc)
        times.append(time.perf_counter() - t)
    return min(times)


def _serve_figures(settings: Settings, questions: list[str]) -> tuple[float, float, float, float]:
    env = {
        **os.environ,
        "FOOTNOTE_DATA_DIR": str(settings.data_dir),
        "FOOTNOTE_MODEL_DIR": str(settings.model_cache),
    }
    with scale.serve(env) as (url, pid, startup):
        p50, p95 = scale.ask_latency(url, questions, REQUESTS)
        return startup, p50, p95, scale.rss_mb(pid, "VmHWM")


def _load_rows(settings: Settings, questions: list[str]) -> list[tuple[str, str]]:
    """Writes over HTTP and what the server keeps of them; concurrent asks and streams."""
    w = load.writes(settings.data_dir, settings.model_cache, WRITES)
    t = load.throughput(settings.data_dir, settings.model_cache, questions, seconds=LOAD_SECONDS)

    def res(r: load.Resources) -> str:
        return f"RSS {r.rss:.0f} MB, {r.threads} threads, {r.files} open files"

    return [
        (f"{w.n} writes over HTTP (PUT and DELETE in turn)", f"{w.per_second:.1f} writes/s"),
        ("server before the writes", res(w.before)),
        (f"server after {w.n} writes", res(w.after)),
        ("server after them, idle 10 s", res(w.idle)),
        (
            f"16 ask + 4 stream clients for {LOAD_SECONDS:.0f} s (client on the same cores)",
            f"{t.asks_per_second:.1f} asks/s + {t.streams_per_second:.1f} streams/s, "
            f"ask p50 {t.p50_ms:.0f} ms, p95 {t.p95_ms:.0f} ms, {t.errors} errors",
        ),
    ]


def main() -> None:
    """Measure and print."""
    rows: list[tuple[str, str]] = []
    questions = [i.question for i in load_dataset(ROOT / "eval" / "dev.jsonl")]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), model_dir=ROOT / ".footnote" / "models")
        embedder = OnnxEmbedder(settings.model_cache)
        texts = [c.text for d in load_folder(SEEDS) for c in chunk_document(d)]
        big, small = _chunk_seconds(texts, 1_000_000), _chunk_seconds(texts, 100_000)
        tokens = sum(len(e.ids) for e in embedder._tok.encode_batch(texts))
        embedder.embed_batch(texts[:64])  # warm-up
        t = time.perf_counter()
        embedder.embed_batch(texts)
        raw_onnx = len(texts) / (time.perf_counter() - t)
        reference = SentenceTransformerEmbedder()
        reference.embed_batch(texts[:64])
        t = time.perf_counter()
        reference.embed_batch(texts)
        raw_st = len(texts) / (time.perf_counter() - t)

        store = Store(open_client(str(settings.data_dir), None))
        report = ingest_folder(SEEDS, store, embedder)
        ingest_rate = report.stored / report.seconds
        again = ingest_folder(SEEDS, store, embedder)
        rows += [
            ("chunks in seeds/", f"{len(texts)} ({tokens} tokens)"),
            (
                "chunk 1 MB / chunk 0.1 MB",
                f"{big:.3f} s / {small:.4f} s = {big / small:.1f}× (linear: ≈ 10×)",
            ),
            ("raw encode, sentence-transformers (torch)", f"{raw_st:.0f} chunks/s"),
            ("raw encode, ONNX Runtime", f"{raw_onnx:.0f} chunks/s"),
            (
                "ingest (load+clean+chunk+embed+store)",
                f"{ingest_rate:.0f} chunks/s, {tokens / report.seconds:.0f} tokens/s",
            ),
            ("ingest / raw encode (ONNX, same chunks)", f"{100 * ingest_rate / raw_onnx:.0f} %"),
            ("ingest / raw encode (sentence-transformers)", f"{100 * ingest_rate / raw_st:.0f} %"),
            ("re-ingest of unchanged seeds/", f"{again.seconds:.2f} s"),
        ]
        for name, composer in (("learned", learned), ("handset", BASELINES["handset"])):
            pipeline = Pipeline(store, embedder, load_snapshot(store), settings.top_k, composer)
            p50, p95 = _latency(pipeline, questions, REQUESTS)
            rows.append(
                (
                    f"warm ask in-process, seeds, {name} ({REQUESTS} requests)",
                    f"p50 {p50:.1f} ms, p95 {p95:.1f} ms",
                )
            )
        cold, h50, h95, rss = _serve_figures(settings, questions)
        rows += [
            (f"warm POST /v1/ask over HTTP ({REQUESTS} requests)", f"p50 {h50:.1f} ms, p95 {h95:.1f} ms"),
            ("cold start to /readyz (footnote serve)", f"{cold:.1f} s"),
            ("peak RSS of the server", f"{rss:.0f} MB"),
            *_load_rows(settings, questions),
        ]
    print("| measure | figure |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    wanted = scale.sizes()  # BENCH_SIZES, else 10k, 100k and 1M
    print(
        f"\nOne replica over a `chroma run` server, seeds + {', '.join(f'{n:,}' for n in wanted)} chunks:\n"
    )
    print(scale.report(wanted, settings.model_cache), flush=True)


if __name__ == "__main__":
    main()
