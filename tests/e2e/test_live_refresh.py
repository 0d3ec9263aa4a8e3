"""Live refresh: a running `footnote serve` answers from what `footnote ingest` wrote next to it.

Embedded mode (an ingest process beside the server on one data dir) and a real `chroma run`
shared by two replicas: a new article is answered, and a deleted one is gone, within seconds,
without a restart.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from footnote.eval.processes import free_port, running
from tests.conftest import ROOT, SEEDS
from tests.servers import BIN, footnote, footnote_serve

pytestmark = pytest.mark.slow

QUESTION = {"question": "How much did the Zanzibar ferry terminal cost?"}
ARTICLE = (
    "# Zanzibar approves a ferry terminal\n\n"
    "Zanzibar's harbour board approved a new ferry terminal costing 41 million shillings in 2024.\n"
)
PICKUP_S = 20.0  # refresh every 0.5 s; the rest is a busy 2-core machine loading a snapshot


def eventually(condition: Callable[[], bool], seconds: float = PICKUP_S) -> float:
    """Poll until `condition` holds; how long it took (fails after `seconds`)."""
    began = time.monotonic()
    while not condition():
        assert time.monotonic() - began < seconds, "not seen in time"
        time.sleep(0.25)
    return time.monotonic() - began


def answered(api: str) -> bool:
    body = httpx.post(f"{api}/v1/ask", json=QUESTION, timeout=30).json()
    return not body.get("abstained", True) and "41 million" in body["answer"]


def listed(api: str) -> set[str]:
    return {s["name"] for s in httpx.get(f"{api}/v1/sources", timeout=10).json()["sources"]}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


def _env(tmp_path: Path, model_cache: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "FOOTNOTE_DATA_DIR": str(tmp_path / "data"),
        "FOOTNOTE_MODEL_DIR": str(model_cache),
        "FOOTNOTE_REFRESH_SECONDS": "0.5",
        **extra,
    }


def _ingest(env: dict[str, str], corpus: Path) -> None:
    done = footnote(env, "ingest", str(corpus))
    assert done.returncode == 0, done.stderr


def _add_then_delete(apis: list[str], env: dict[str, str], corpus: Path) -> None:
    for api in apis:
        assert not answered(api) and "zanzibar.txt" not in listed(api)
    (corpus / "zanzibar.txt").write_text(ARTICLE, encoding="utf-8")
    _ingest(env, corpus)
    for api in apis:
        eventually(lambda api=api: answered(api))  # type: ignore[misc]
        assert "zanzibar.txt" in listed(api)
    (corpus / "zanzibar.txt").unlink()
    _ingest(env, corpus)
    for api in apis:
        eventually(lambda api=api: "zanzibar.txt" not in listed(api))  # type: ignore[misc]
        assert not answered(api)


def test_embedded__an_ingest_beside_a_running_server_is_answered_without_a_restart(
    tmp_path: Path, corpus: Path, model_cache: Path
) -> None:
    env = _env(tmp_path, model_cache)
    _ingest(env, corpus)
    with footnote_serve(env, cwd=ROOT) as api:
        _add_then_delete([api], env, corpus)


def test_chroma_server__two_replicas_see_an_ingest_within_seconds(
    tmp_path: Path, corpus: Path, model_cache: Path
) -> None:
    port = free_port()
    chroma = f"http://127.0.0.1:{port}"
    cmd = [str(BIN / "chroma"), "run", "--path", str(tmp_path / "chroma"), "--host", "127.0.0.1"]
    with running([*cmd, "--port", str(port)], f"{chroma}/api/v2/heartbeat", 60):
        env = _env(tmp_path, model_cache, FOOTNOTE_CHROMA_URL=chroma)
        _ingest(env, corpus)
        with ExitStack() as replicas:
            apis = [replicas.enter_context(footnote_serve(env, cwd=ROOT)) for _ in range(2)]
            _add_then_delete(apis, env, corpus)
