"""A truncated HNSW file in the embedded store, as a user meets it: `footnote serve`, `ask`, `ingest`."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from footnote.eval.processes import free_port, stop
from tests.conftest import ROOT
from tests.index.test_repair import big_corpus, chunks_hnsw_dir  # noqa: F401  (a fixture)
from tests.servers import BIN, footnote, footnote_serve

pytestmark = pytest.mark.slow

UNAVAILABLE = "the vector store is unavailable; retry shortly"
QUESTION = "What troop strength is the Bundeswehr aiming for?"


def test_damaged_index__503_while_serving_and_footnote_ingest_repairs_it(
    big_corpus: Path,  # noqa: F811
    tmp_path: Path,
    model_cache: Path,
) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "FOOTNOTE_DATA_DIR": str(data), "FOOTNOTE_MODEL_DIR": str(model_cache)}
    assert footnote(env, "ingest", str(big_corpus)).returncode == 0
    (chunks_hnsw_dir(data) / "header.bin").write_bytes(b"")

    # serving: not ready, and questions are a 503 that says so — not a 500
    port, log = free_port(), tmp_path / "serve.log"
    with log.open("wb") as stderr:
        proc = subprocess.Popen(
            [str(BIN / "footnote"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            api = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while True:
                assert proc.poll() is None and time.monotonic() < deadline
                with contextlib.suppress(httpx.HTTPError):
                    ready = httpx.get(f"{api}/readyz", timeout=2)
                    if ready.json()["detail"] != "the index is loading":
                        break
                time.sleep(0.25)
            assert (ready.status_code, ready.json()) == (503, {"status": "not ready", "detail": UNAVAILABLE})
            ask = httpx.post(f"{api}/v1/ask", json={"question": QUESTION}, timeout=30)
            assert (ask.status_code, ask.json()) == (503, {"detail": UNAVAILABLE})
        finally:
            stop(proc)
    assert "Error loading hnsw index" in log.read_text()  # Chroma's own words go to the log only
    assert "hnsw" not in ready.text + ask.text

    asked = footnote(env, "ask", QUESTION)
    assert (asked.returncode, asked.stderr.splitlines()[-1]) == (2, f"error: {UNAVAILABLE}")

    repaired = footnote(env, "ingest", str(big_corpus))
    assert repaired.returncode == 0, repaired.stderr
    assert repaired.stdout.strip().endswith("; repaired a damaged vector index")

    with footnote_serve(env, cwd=ROOT) as api:
        r = httpx.post(f"{api}/v1/ask", json={"question": QUESTION}, timeout=30)
        assert r.status_code == 200 and "260,000" in r.json()["answer"]
