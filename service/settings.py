"""Settings: every knob, read from FOOTNOTE_* environment variables (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["LOOPBACK_HOSTS", "Settings"]

# Always served: a DNS-rebinding page is on the attacker's host name, never on these.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


class Settings(BaseSettings):
    """Defaults run offline with no configuration at all."""

    model_config = SettingsConfigDict(env_prefix="FOOTNOTE_", extra="ignore")

    data_dir: Path = Path(".footnote")  # embedded Chroma store and the exported ONNX model
    chroma_url: str | None = None  # e.g. http://127.0.0.1:8001: use a Chroma server instead
    namespace: str = "footnote"  # prefix of the Chroma collections
    store_timeout_seconds: float = 10.0  # the longest any one call to Chroma may take
    seeds_dir: Path = Path("seeds")  # what `footnote ingest` and `make run` ingest by default
    # comma-separated base URLs at which people reach this service, e.g. https://qa.example.com;
    # their hosts are the only Host values served (loopback names always are)
    public_url: str = ""
    api_key: str | None = None
    allowed_origins: str = ""  # comma-separated origins that may embed the widget (CORS allowlist)
    rate_limit: str | None = None  # e.g. "60/minute" per client; off when unset
    top_k: int = 20  # passages retrieved per question
    max_body_bytes: int = 64_000  # the JSON API's requests
    max_document_bytes: int = 20_000_000  # a body sent to PUT /v1/documents/{name}, or a whole POST form
    model_dir: Path | None = None  # where the ONNX export is cached (default: <data_dir>/models)
    # an OpenAI-compatible server (Ollama, vLLM, llama.cpp, a hosted API), e.g.
    # http://127.0.0.1:11434/v1: answers are then generated, verified, and extractive only as a fallback
    llm_base_url: str | None = None
    llm_model: str | None = None  # the model name that server knows, e.g. "llama3.2"
    llm_api_key: str | None = None  # sent as a Bearer token; local servers usually need none
    llm_timeout_seconds: float = 20.0  # the longest one answer may take before the extractive fallback
    # how often the store is checked and polled for a changed index (then a new snapshot loads)
    refresh_seconds: float = Field(default=2.0, gt=0)
    # /metrics without the API key from anywhere (default: from loopback only; see service/metrics.py)
    metrics_public: bool = False
    log_format: Literal["text", "json"] = "text"  # the one line logged per request
    log_questions: bool = False  # put the question text in that line (off: questions can be personal)

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit(cls, value: str | None) -> str | None:
        from limits import parse

        if value:
            parse(value)  # ValueError names the bad string
        return value or None

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        for url in _split(value):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"FOOTNOTE_PUBLIC_URL must list http(s) URLs, got {url!r}")
        return value

    @field_validator("llm_base_url")
    @classmethod
    def _llm_base_url(cls, value: str | None) -> str | None:
        parts = urlsplit(value or "")
        if value and (parts.scheme not in ("http", "https") or not parts.hostname):
            raise ValueError(f"FOOTNOTE_LLM_BASE_URL must be an http(s) URL, got {value!r}")
        return value or None

    @field_validator("llm_timeout_seconds")
    @classmethod
    def _llm_timeout(cls, value: float) -> float:
        if not value > 0:
            raise ValueError(f"FOOTNOTE_LLM_TIMEOUT_SECONDS must be positive, got {value}")
        return value

    @model_validator(mode="after")
    def _llm_model(self) -> Settings:
        if self.llm_base_url and not self.llm_model:
            raise ValueError("FOOTNOTE_LLM_MODEL must name the model when FOOTNOTE_LLM_BASE_URL is set")
        return self

    @property
    def hosts(self) -> list[str]:
        """The Host names this service answers to: loopback, and those of its public URLs."""
        public = [urlsplit(url).hostname or "" for url in _split(self.public_url)]
        return [*LOOPBACK_HOSTS, *public]

    @property
    def origins(self) -> list[str]:
        """The allowed origins, as a list."""
        return [o.rstrip("/") for o in _split(self.allowed_origins)]

    @property
    def model_cache(self) -> Path:
        """Where the ONNX export of the embedding model is cached."""
        return self.model_dir or self.data_dir / "models"
