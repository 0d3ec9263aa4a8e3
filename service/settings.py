"""Settings: every knob, read from FOOTNOTE_* environment variables (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Defaults run offline with no configuration at all."""

    model_config = SettingsConfigDict(env_prefix="FOOTNOTE_", extra="ignore")

    data_dir: Path = Path(".footnote")  # embedded Chroma store and the exported ONNX model
    chroma_url: str | None = None  # e.g. http://127.0.0.1:8001: use a Chroma server instead
    namespace: str = "footnote"  # prefix of the Chroma collections
    store_timeout_seconds: float = 10.0  # the longest any one call to Chroma may take
    seeds_dir: Path = Path("seeds")  # what `footnote ingest` and `make run` ingest by default
    api_key: str | None = None
    allowed_origins: str = ""  # comma-separated origins that may embed the widget (CORS allowlist)
    rate_limit: str | None = None  # e.g. "60/minute" per client; off when unset
    top_k: int = 20  # passages retrieved per question
    max_question_chars: int = 2000
    max_body_bytes: int = 64_000
    model_dir: Path | None = None  # where the ONNX export is cached (default: <data_dir>/models)

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit(cls, value: str | None) -> str | None:
        from limits import parse

        if value:
            parse(value)  # ValueError names the bad string
        return value or None

    @property
    def origins(self) -> list[str]:
        """The allowed origins, as a list."""
        return [o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip()]

    @property
    def model_cache(self) -> Path:
        """Where the ONNX export of the embedding model is cached."""
        return self.model_dir or self.data_dir / "models"
