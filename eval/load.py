"""Load figures of one `footnote serve` over an embedded index: writes, and concurrent asks.

- writes: `n` document writes over HTTP (a PUT of a small new version, then its DELETE, in turn),
  with the server's resident memory, threads and open files before, after, and after it sat idle —
  a server that takes documents over HTTP must give back what each write took;
- throughput: `asks` clients POSTing /v1/ask and `streams` clients reading /v1/ask/stream, all at
  once for `seconds`, the client on the same cores as the server (as a probe run here is).

Not a test: `make bench` prints these figures. Traffic goes to 127.0.0.1 only, bounded in count
and in time.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from footnote.eval.harness import percentile
from footnote.eval.scale import rss_mb, serve

__all__ = ["Resources", "Throughput", "Writes", "throughput", "writes"]

KEY = "bench-key"
TEXT = {"content-type": "text/plain"}


@dataclass(frozen=True, slots=True)
class Resources:
    """A process's resident memory (MB), threads and open file descriptors at one moment."""

    rss: float
    threads: int
    files: int


def _resources(pid: int) -> Resources:
    return Resources(rss_mb(pid), len(os.listdir(f"/proc/{pid}/task")), len(os.listdir(f"/proc/{pid}/fd")))


@dataclass(frozen=True, slots=True)
class Writes:
    """What `n` writes cost: their rate, and the server's resources before, after and idle after."""

    n: int
    per_second: float
    before: Resources
    after: Resources
    idle: Resources


@dataclass(frozen=True, slots=True)
class Throughput:
    """Requests served per second under concurrency, and the asks' latency."""

    asks_per_second: float
    streams_per_second: float
    p50_ms: float
    p95_ms: float
    errors: int


def _env(data_dir: Path, model_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "FOOTNOTE_DATA_DIR": str(data_dir),
        "FOOTNOTE_MODEL_DIR": str(model_dir),
        "FOOTNOTE_API_KEY": KEY,
    }


def writes(data_dir: Path, model_dir: Path, n: int = 1000, idle_s: float = 10.0) -> Writes:
    """`n` writes over HTTP to a server over the index in `data_dir` (which keeps its documents)."""
    with serve(_env(data_dir, model_dir)) as (url, pid, _):
        headers = {"authorization": f"Bearer {KEY}"}
        with httpx.Client(base_url=url, timeout=60, headers=headers) as client:
            client.post("/v1/ask", json={"question": "warm-up"}).raise_for_status()
            before = _resources(pid)
            began = time.perf_counter()
            for i in range(n):
                name = f"/v1/documents/load-{i // 2 % 5}.txt"
                if i % 2 == 0:
                    body = f"Note {i}\n\nThe committee met on {i % 28 + 1} May and approved item {i}."
                    client.put(name, content=body.encode(), headers=TEXT).raise_for_status()
                else:
                    client.delete(name).raise_for_status()
            seconds = time.perf_counter() - began
            after = _resources(pid)
            time.sleep(idle_s)
            return Writes(n, n / seconds, before, after, _resources(pid))


def throughput(
    data_dir: Path,
    model_dir: Path,
    questions: Sequence[str],
    asks: int = 16,
    streams: int = 4,
    seconds: float = 30.0,
) -> Throughput:
    """`asks` + `streams` concurrent clients for `seconds` against a server over `data_dir`."""
    with serve(_env(data_dir, model_dir)) as (url, _, _):
        stop = time.monotonic() + seconds
        latencies: list[float] = []
        counts = {"ask": 0, "stream": 0, "error": 0}
        lock = threading.Lock()

        def client(kind: str, offset: int) -> None:
            with httpx.Client(base_url=url, timeout=60, headers={"authorization": f"Bearer {KEY}"}) as http:
                i = offset
                while time.monotonic() < stop:
                    question = {"question": questions[i % len(questions)]}
                    i += 1
                    began = time.perf_counter()
                    try:
                        if kind == "ask":
                            ok = http.post("/v1/ask", json=question).status_code == 200
                        else:
                            with http.stream("POST", "/v1/ask/stream", json=question) as r:
                                ok = r.status_code == 200 and bool(r.read())
                    except httpx.HTTPError:
                        ok = False
                    with lock:
                        counts[kind if ok else "error"] += 1
                        if ok and kind == "ask":
                            latencies.append((time.perf_counter() - began) * 1000)

        kinds = ["ask"] * asks + ["stream"] * streams
        threads = [threading.Thread(target=client, args=(k, 7 * i)) for i, k in enumerate(kinds)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
    return Throughput(
        counts["ask"] / elapsed,
        counts["stream"] / elapsed,
        statistics.median(latencies) if latencies else float("nan"),
        percentile(latencies, 95) if latencies else float("nan"),
        counts["error"],
    )


def main() -> None:
    """Print the load figures alone (`make bench` prints them among the others)."""
    import tempfile

    from footnote.eval.harness import load_dataset
    from footnote.index.connect import open_client
    from footnote.index.embed import OnnxEmbedder
    from footnote.index.ingest import ingest_folder
    from footnote.index.store import Store
    from footnote.service.settings import Settings

    root = Path(__file__).resolve().parent.parent
    questions = [i.question for i in load_dataset(root / "eval" / "dev.jsonl")]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), model_dir=root / ".footnote" / "models")
        ingest_folder(root / "seeds", Store(open_client(tmp, None)), OnnxEmbedder(settings.model_cache))
        print(writes(settings.data_dir, settings.model_cache))
        print(throughput(settings.data_dir, settings.model_cache, questions, seconds=60))


if __name__ == "__main__":
    main()
