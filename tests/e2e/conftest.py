"""Real model, real Chroma: the paths users meet."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.embed import OnnxEmbedder
from index.ingest import ingest_folder
from index.store import Store, open_client
from service.pipeline import Pipeline, build_pipeline
from service.settings import Settings
from tests.conftest import SEEDS


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), model_dir=model_cache)
    store = Store(open_client(str(settings.data_dir), None))
    ingest_folder(SEEDS, store, OnnxEmbedder(settings.model_cache))
    return settings


@pytest.fixture(scope="session")
def real_pipeline(real_settings: Settings) -> Pipeline:
    return build_pipeline(real_settings)
