"""The bench's load figures (eval/load.py) against a real `footnote serve`: a short run of each,
so `make bench` cannot break unseen, and the server gives back what the writes took."""

from __future__ import annotations

from pathlib import Path

import pytest

from footnote.eval import load
from footnote.index.connect import open_client
from footnote.index.ingest import ingest_folder
from footnote.index.store import Store
from tests.conftest import SEEDS

pytestmark = pytest.mark.slow


@pytest.fixture
def seeded(tmp_path: Path, model_cache: Path) -> Path:
    from footnote.index.embed import OnnxEmbedder

    ingest_folder(SEEDS, Store(open_client(str(tmp_path), None)), OnnxEmbedder(model_cache))
    return tmp_path


def test_writes__are_counted_and_the_server_keeps_no_client_per_write(
    seeded: Path, model_cache: Path
) -> None:
    w = load.writes(seeded, model_cache, n=40, idle_s=0.5)
    assert w.n == 40 and w.per_second > 0
    # an unclosed client per refresh kept about a thread and three files a write
    assert w.after.threads <= w.before.threads + 8, w
    assert w.after.files <= w.before.files + 16, w


def test_throughput__asks_and_streams_are_all_answered(seeded: Path, model_cache: Path) -> None:
    questions = ["How many soldiers could a UN peacekeeping mission include?", "Who met in Istanbul?"]
    t = load.throughput(seeded, model_cache, questions, asks=2, streams=1, seconds=2.0)
    assert t.errors == 0 and t.asks_per_second > 0 and t.streams_per_second > 0
    assert 0 < t.p50_ms <= t.p95_ms
