"""Scale: one replica over a `chroma run` server holding 10k, 100k and 1M chunks. Not a test.

For each size: the replica's start-up (process start → /readyz 200), its RSS then and at the
end, warm POST /v1/ask p50/p95 (the seeds alone, served the same way, are the baseline), the
Chroma server's RSS, and at 100k the time from one changed document's commit to the replica
serving its new text (`footnote serve` as shipped: refresh every 2 s).

The corpus is the seeds, ingested with the real model, plus n synthetic chunks (`synthetic`).
Filling Chroma with a million vectors takes long, so each filled server folder is kept under
.footnote/bench/ (git-ignored), named by size, GENERATOR and the seeds: only the first run on a
machine pays it. `python -m footnote.eval.scale --sizes 10000,100000` (or BENCH_SIZES for
`make bench`); default all three.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from footnote.eval.harness import load_dataset, percentile
from footnote.eval.processes import free_port, running
from footnote.index.chunk import chunk_document
from footnote.index.connect import open_client
from footnote.index.embed import OnnxEmbedder
from footnote.index.ingest import ingest_folder
from footnote.index.load import load_folder
from footnote.index.store import Store
from footnote.index.types import Chunk, Document

__all__ = ["Figures", "ask_latency", "report", "rss_mb", "serve", "sizes", "synthetic"]

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BIN = Path(sys.executable).parent
CACHE = ROOT / ".footnote" / "bench"
GENERATOR = 1  # bump when what `synthetic` writes changes: it names the cached server folders
SIZES = (10_000, 100_000, 1_000_000)
PICKUP_AT = 100_000
PER_DOC = 1000  # synthetic chunks per document
REQUESTS = 240


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    vectors: np.ndarray = rng.standard_normal((n, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def _document(doc: Document, sentences: list[str]) -> tuple[Document, list[Chunk]]:
    """`doc` with these sentences, one per line, as its text, and one chunk per sentence."""
    text = "\n".join(sentences)
    sha = hashlib.sha256(text.encode()).hexdigest()
    doc = Document(doc.source, text, sha, doc.title, doc.author, doc.published)
    chunks, pos = [], 0
    for i, s in enumerate(sentences):
        chunks.append(Chunk(f"{sha[:16]}{i:08d}", doc.source, pos, pos + len(s), s, i, i, sha))
        pos += len(s) + 1
    return doc, chunks


def synthetic(store: Store, n: int, words: Sequence[str], prefix: str = "synthetic") -> None:
    """Write n deterministic chunks: sentences re-sampled from `words`, random unit vectors."""
    rng, vectors = random.Random(n), np.random.default_rng(n)
    began = time.perf_counter()
    for d in range(0, n, PER_DOC):
        count = min(PER_DOC, n - d)
        sentences = [" ".join(rng.choices(words, k=rng.randint(8, 30))) + "." for _ in range(count)]
        name = Document(f"{prefix}_{n}_{d // PER_DOC:04d}.txt", "", "", f"Synthetic {d}", None, "2024-01-01")
        doc, chunks = _document(name, sentences)
        store.add(doc, chunks, _unit(vectors, count))
        store.commit(doc, count)
        if (d // PER_DOC) % 20 == 19:
            rate = (d + count) / (time.perf_counter() - began)
            _say(f"  {d + count:,} of {n:,} chunks written ({rate:.0f}/s)")


@contextmanager
def _chroma(path: Path) -> Iterator[tuple[str, int]]:
    """A `chroma run` server on `path` (127.0.0.1, a free port): its URL and pid; stopped after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [str(BIN / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with running(cmd, f"{url}/api/v2/heartbeat", 300) as (pid, _):
        yield url, pid


@contextmanager
def serve(env: dict[str, str], deadline_s: float = 120) -> Iterator[tuple[str, int, float]]:
    """`footnote serve` on a free loopback port: its URL, pid and seconds from start to /readyz 200."""
    port = free_port()
    cmd = [str(BIN / "footnote"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with running(cmd, f"{url}/readyz", deadline_s, env=env) as (pid, seconds):
        yield url, pid, seconds


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory now (VmRSS) or at its peak (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(ln for ln in status.splitlines() if ln.startswith(field)).split()[1]) / 1024


def ask_latency(url: str, questions: Sequence[str], n: int = REQUESTS) -> tuple[float, float]:
    """p50 and p95 in ms of `n` warm POST /v1/ask (after 10 not counted)."""
    times = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for i in range(n + 10):
            began = time.perf_counter()
            client.post("/v1/ask", json={"question": questions[i % len(questions)]}).raise_for_status()
            if i >= 10:
                times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), percentile(times, 95)


def _filled(n: int, model_dir: Path) -> Path:
    """A `chroma run` folder holding the seeds and n synthetic chunks, filled once and kept."""
    seeds = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(SEEDS.iterdir()))).hexdigest()[:8]
    folder = CACHE / f"chroma-{n}-g{GENERATOR}-{seeds}"
    if folder.exists():
        return folder
    partial = folder.with_name(folder.name + ".partial")  # renamed only when whole
    shutil.rmtree(partial, ignore_errors=True)
    _say(f"filling {folder} (once per machine)")
    began = time.perf_counter()
    with _chroma(partial) as (url, _):
        store = Store(open_client("", url, 60), timeout=60)
        ingest_folder(SEEDS, store, OnnxEmbedder(model_dir))
        words = [w for d in load_folder(SEEDS) for c in chunk_document(d) for w in c.text.split()]
        synthetic(store, n, words)
    partial.rename(folder)
    _say(f"filled {n:,} chunks in {time.perf_counter() - began:.0f} s")
    return folder


def _pickup(chroma_url: str, api: str) -> tuple[float, float]:
    """Rewrite one synthetic document through the store: seconds to write it, then until served."""
    store = Store(open_client("", chroma_url, 60), timeout=60)
    documents = store.documents()
    name = min(s for s in documents if s.startswith("synthetic"))
    record = documents[name]
    sentences = store.texts([name])[name].split("\n")
    sentences[0] = f"Pick-up check {uuid.uuid4().hex}."
    old = Document(name, "", record.sha256, record.title, record.author, record.published)
    doc, chunks = _document(old, sentences)
    stale = list(store.chunk_keys(name))
    began = time.perf_counter()
    store.add(doc, chunks, _unit(np.random.default_rng(), len(chunks)))
    store.commit(doc, len(chunks))
    store.delete(stale)
    written = time.perf_counter()
    with httpx.Client(base_url=api, timeout=30) as client:
        while client.get(f"/v1/sources/{name}").json().get("text") != doc.text:
            if time.perf_counter() - written > 120:
                raise RuntimeError("the change was not served in 120 s")
            time.sleep(0.05)
    return written - began, time.perf_counter() - written


@dataclass(frozen=True, slots=True)
class Figures:
    """What one size measured."""

    chunks: int  # live chunks the replica serves
    startup_s: float
    rss_mb: float  # the replica's, once ready
    peak_mb: float  # the replica's peak, at the end
    chroma_mb: float  # the Chroma server's, at the end
    p50_ms: float
    p95_ms: float
    pickup: tuple[float, float] | None  # (write, then served) seconds, at PICKUP_AT only


def _measure(n: int, questions: Sequence[str], model_dir: Path) -> Figures:
    source = _filled(n, model_dir)
    with tempfile.TemporaryDirectory() as tmp:
        path = source
        if n == PICKUP_AT:  # the pick-up writes: to a copy, so the cache stays as filled
            path = Path(tmp) / "chroma"
            shutil.copytree(source, path)
        with _chroma(path) as (url, chroma_pid):
            env = {
                **os.environ,
                "FOOTNOTE_CHROMA_URL": url,
                "FOOTNOTE_DATA_DIR": str(Path(tmp) / "unused"),
                "FOOTNOTE_MODEL_DIR": str(model_dir),
            }
            _say(f"{n:,}: starting a replica")
            with serve(env, deadline_s=900) as (api, pid, startup):
                rss = rss_mb(pid)
                _say(f"{n:,}: ready in {startup:.1f} s; asking")
                sources = httpx.get(f"{api}/v1/sources", timeout=60).json()["sources"]
                p50, p95 = ask_latency(api, questions)
                pickup = _pickup(url, api) if n == PICKUP_AT else None
                peak = rss_mb(pid, "VmHWM")
            chroma_rss = rss_mb(chroma_pid)
    chunks = sum(int(s["chunks"]) for s in sources)
    return Figures(chunks, startup, rss, peak, chroma_rss, p50, p95, pickup)


def _row(f: Figures, seeds: Figures) -> str:
    pickup = f"{f.pickup[1]:.1f} s (written in {f.pickup[0]:.1f} s)" if f.pickup else "—"
    cells = [
        f"{f.chunks:,}",
        f"{f.startup_s:.1f} s",
        f"{f.rss_mb:.0f} MB / {f.peak_mb:.0f} MB",
        f"{f.chroma_mb:.0f} MB",
        f"{f.p50_ms:.1f} ms / {f.p95_ms:.1f} ms ({f.p50_ms / seeds.p50_ms:.1f}×)",
        pickup,
    ]
    return f"| {' | '.join(cells)} |"


def report(wanted: Sequence[int], model_dir: Path) -> str:
    """Measure the seeds alone, then each wanted size; a Markdown table."""
    questions = [i.question for i in load_dataset(ROOT / "eval" / "dev.jsonl")]
    lines = [
        "| chunks in `chroma run` | replica start-up to /readyz | replica RSS ready / peak "
        "| Chroma RSS | warm ask p50 / p95 (× seeds) | pick-up of one changed document |",
        "|---|---|---|---|---|---|",
    ]
    seeds = _measure(0, questions, model_dir)
    lines.append(_row(seeds, seeds))
    for n in wanted:
        lines.append(_row(_measure(n, questions, model_dir), seeds))
        _say(lines[-1])
    return "\n".join(lines)


def sizes(given: str | None = None) -> tuple[int, ...]:
    """The sizes to measure: `given`, else BENCH_SIZES, else 10k, 100k and 1M."""
    text = given or os.environ.get("BENCH_SIZES", "")
    return tuple(int(s) for s in text.split(",") if s.strip()) or SIZES


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="comma-separated synthetic chunk counts (default 10k,100k,1M)")
    parser.add_argument("--model-dir", type=Path, default=ROOT / ".footnote" / "models")
    args = parser.parse_args()
    print(report(sizes(args.sizes), args.model_dir))


if __name__ == "__main__":
    main()
