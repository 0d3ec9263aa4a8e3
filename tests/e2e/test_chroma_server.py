"""Server mode: a real `chroma run`, ingest and ask through FOOTNOTE_CHROMA_URL over real HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from footnote.eval.processes import free_port, running
from tests.conftest import ROOT, SEEDS
from tests.servers import BIN, footnote, footnote_serve


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        str(BIN / "chroma"),
        "run",
        "--path",
        str(tmp_path / "chroma"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with running(cmd, f"{url}/api/v2/heartbeat", 60):
        yield url


def test_server_mode__ingest_and_ask_through_a_chroma_server(
    chroma_url: str, tmp_path: Path, model_cache: Path
) -> None:
    env = {
        **os.environ,
        "FOOTNOTE_CHROMA_URL": chroma_url,
        "FOOTNOTE_DATA_DIR": str(tmp_path / "unused"),
        "FOOTNOTE_MODEL_DIR": str(model_cache),
    }
    ingest = footnote(env, "ingest", str(SEEDS))
    assert ingest.returncode == 0, ingest.stderr
    assert "ingested 5 files" in ingest.stdout
    assert not (tmp_path / "unused" / "chroma").exists()  # nothing was written to an embedded store

    with footnote_serve(env, cwd=ROOT) as api:
        r = httpx.post(
            f"{api}/v1/ask",
            json={"question": "How many soldiers could a UN peacekeeping mission include?"},
            timeout=30,
        )
        body = r.json()
        assert r.status_code == 200 and not body["abstained"]
        assert "30,000 and 40,000" in body["answer"]
        for c in body["citations"]:
            assert (SEEDS / c["source"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["quote"]
        sources = httpx.get(f"{api}/v1/sources", timeout=10).json()["sources"]
        assert len(sources) == 5
