"""Server mode: a real `chroma run`, ingest and ask through FOOTNOTE_CHROMA_URL over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, SEEDS
from tests.e2e.conftest import free_port

BIN = Path(sys.executable).parent


def _wait(url: str, deadline_s: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{proc.args} exited with {proc.returncode}"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"{url} not ready after {deadline_s}s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            str(BIN / "chroma"),
            "run",
            "--path",
            str(tmp_path / "chroma"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/api/v2/heartbeat", 60, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)


def test_server_mode__ingest_and_ask_through_a_chroma_server(
    chroma_url: str, tmp_path: Path, model_cache: Path
) -> None:
    env = {
        **os.environ,
        "FOOTNOTE_CHROMA_URL": chroma_url,
        "FOOTNOTE_DATA_DIR": str(tmp_path / "unused"),
        "FOOTNOTE_MODEL_DIR": str(model_cache),
    }
    ingest = subprocess.run(
        [str(BIN / "footnote"), "ingest", str(SEEDS)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ingest.returncode == 0, ingest.stderr
    assert "ingested 5 files" in ingest.stdout
    assert not (tmp_path / "unused" / "chroma").exists()  # nothing was written to an embedded store

    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "footnote"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/readyz", 120, server)
        r = httpx.post(
            f"http://127.0.0.1:{port}/v1/ask",
            json={"question": "How many soldiers could a UN peacekeeping mission include?"},
            timeout=30,
        )
        body = r.json()
        assert r.status_code == 200 and not body["abstained"]
        assert "30,000 and 40,000" in body["answer"]
        for c in body["citations"]:
            assert (SEEDS / c["source"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["quote"]
        sources = httpx.get(f"http://127.0.0.1:{port}/v1/sources", timeout=10).json()["sources"]
        assert len(sources) == 5
    finally:
        _stop(server)
