"""Shared fixtures: a deterministic fake embedder that still ranks, corpora, stores, the real pipeline."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from footnote.index.connect import open_client
from footnote.index.embed import OnnxEmbedder
from footnote.index.ingest import ingest_folder
from footnote.index.retrieve import Retriever
from footnote.index.snapshot import load_snapshot
from footnote.index.store import Store
from footnote.index.tokenize import tokenize
from footnote.service.answer.pipeline import Pipeline
from footnote.service.build import build_pipeline
from footnote.service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


class FakeEmbedder:
    """Hashes each word stem into one of 384 buckets: texts sharing words get close vectors."""

    dim = 384

    def __init__(self) -> None:
        self.calls: list[int] = []  # how many texts each call embedded

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for term in tokenize(text) or ["<empty>"]:
                out[i, int(hashlib.md5(term.encode()).hexdigest(), 16) % self.dim] += 1.0
            out[i] /= np.linalg.norm(out[i])
        return out

    @property
    def embedded(self) -> int:
        return sum(self.calls)


def retriever_over(store: Store, embedder: Any) -> Retriever:
    """A Retriever over a fresh snapshot of what `store` holds."""
    return Retriever(load_snapshot(store), store, embedder)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of seeds/."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A fresh embedded Chroma store."""
    return Store(open_client(str(tmp_path / "data"), None))


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ONNX export per test session (reused from the project's own cache when present)."""
    existing = ROOT / ".footnote" / "models"
    if any(existing.glob("*.onnx")):
        return existing
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), model_dir=model_cache)
    store = Store(open_client(str(settings.data_dir), None))
    ingest_folder(SEEDS, store, OnnxEmbedder(settings.model_cache))
    return settings


@pytest.fixture(scope="session")
def real_pipeline(real_settings: Settings) -> Pipeline:
    return build_pipeline(real_settings)
