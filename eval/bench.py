"""`make bench`: speed and memory figures on this machine. Prints a Markdown table; not a test."""

from __future__ import annotations

import hashlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from footnote.eval.harness import load_dataset, percentile
from footnote.index.chunk import chunk_document
from footnote.index.clean import content_spans
from footnote.index.connect import open_client
from footnote.index.embed import OnnxEmbedder, SentenceTransformerEmbedder
from footnote.index.ingest import ingest_folder
from footnote.index.load import load_folder
from footnote.index.snapshot import load_snapshot
from footnote.index.store import Store
from footnote.index.types import Chunk, Document
from footnote.service.pipeline import Pipeline
from footnote.service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BIN = Path(sys.executable).parent
REQUESTS = 240


def _latency(pipeline: Pipeline, questions: list[str], n: int) -> tuple[float, float]:
    for q in questions[:10]:
        pipeline.ask(q)  # warm-up
    times = []
    for i in range(n):
        began = time.perf_counter()
        pipeline.ask(questions[i % len(questions)])
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), percentile(times, 95)


def _synthetic(store: Store, n: int, seed_chunks: list[Chunk]) -> None:
    """n deterministic chunks: sentences re-sampled from the seeds' words, random unit vectors."""
    rng = random.Random(n)
    words = [w for c in seed_chunks for w in c.text.split()]
    vectors = np.random.default_rng(n).standard_normal((n, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    per_doc = 1000
    for d in range(0, n, per_doc):
        sentences = [
            " ".join(rng.choices(words, k=rng.randint(8, 30))) + "." for _ in range(min(per_doc, n - d))
        ]
        text = "\n".join(sentences)
        sha = hashlib.sha256(text.encode()).hexdigest()
        doc = Document(
            f"synthetic_{n}_{d // per_doc:04d}.txt", text, sha, f"Synthetic {d}", None, "2024-01-01", ()
        )
        chunks, pos = [], 0
        for i, s in enumerate(sentences):
            chunks.append(Chunk(f"{sha[:16]}{i:08d}", doc.source, pos, pos + len(s), s, i, i, sha))
            pos += len(s) + 1
        store.add(doc, chunks, vectors[d : d + len(chunks)])
        store.commit(doc, len(chunks))


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
    import httpx

    with socket.socket() as sock:  # a free port for the server
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {
        **os.environ,
        "FOOTNOTE_DATA_DIR": str(settings.data_dir),
        "FOOTNOTE_MODEL_DIR": str(settings.model_cache),
    }
    began = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN / "footnote"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - began > 120:
                raise RuntimeError("server not ready in 120 s")
            time.sleep(0.05)
        cold = time.perf_counter() - began
        times = []
        with httpx.Client(base_url=url, timeout=30) as client:
            for i in range(REQUESTS + 10):
                t = time.perf_counter()
                client.post("/v1/ask", json={"question": questions[i % len(questions)]}).raise_for_status()
                if i >= 10:
                    times.append((time.perf_counter() - t) * 1000)
        status = Path(f"/proc/{proc.pid}/status").read_text()
        rss_mb = int(next(ln for ln in status.splitlines() if ln.startswith("VmHWM")).split()[1]) / 1024
        return cold, statistics.median(times), percentile(times, 95), rss_mb
    finally:
        proc.terminate()
        proc.wait(timeout=15)


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
        pipeline = Pipeline(store, embedder, load_snapshot(store), settings.top_k)
        p50, p95 = _latency(pipeline, questions, REQUESTS)
        rows.append(
            (f"warm ask in-process, seeds ({REQUESTS} requests)", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        )
        cold, h50, h95, rss = _serve_figures(settings, questions)
        rows += [
            (f"warm POST /v1/ask over HTTP ({REQUESTS} requests)", f"p50 {h50:.1f} ms, p95 {h95:.1f} ms"),
            ("cold start to /readyz (footnote serve)", f"{cold:.1f} s"),
            ("peak RSS of the server", f"{rss:.0f} MB"),
        ]
        seed_chunks = list(pipeline.snapshot.chunks)
        for n in (10_000, 100_000):
            t = time.perf_counter()
            _synthetic(store, n - len(seed_chunks) if n == 10_000 else n - 10_000, seed_chunks)
            build = time.perf_counter() - t
            pipeline = Pipeline(store, embedder, load_snapshot(store), settings.top_k)
            p50n, p95n = _latency(pipeline, questions, REQUESTS)
            rows.append(
                (
                    f"warm ask in-process, {len(pipeline.snapshot.chunks):,} chunks",
                    f"p50 {p50n:.1f} ms, p95 {p95n:.1f} ms "
                    f"({p50n / p50:.1f}× seeds; corpus written in {build:.0f} s)",
                )
            )
    print("| measure | figure |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
