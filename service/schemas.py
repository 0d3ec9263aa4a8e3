"""Request bodies of the HTTP API, validated with clear messages."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from index.retrieve import Filters

__all__ = ["MAX_QUESTION_CHARS", "AskFilters", "AskRequest", "Turn"]

MAX_QUESTION_CHARS = 2000


class Turn(BaseModel):
    """One earlier turn of the conversation."""

    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class AskFilters(BaseModel):
    """Which articles may be used."""

    model_config = ConfigDict(extra="forbid")

    sources: list[str] | None = Field(default=None, max_length=1000)
    published_after: date | None = None
    published_before: date | None = None

    def to_filters(self) -> Filters:
        """The retrieval filters these stand for."""
        return Filters(
            sources=tuple(self.sources) if self.sources is not None else None,
            published_after=self.published_after,
            published_before=self.published_before,
        )


class AskRequest(BaseModel):
    """POST /v1/ask."""

    model_config = ConfigDict(extra="forbid")

    question: str
    history: list[Turn] = Field(default_factory=list, max_length=50)
    filters: AskFilters | None = None
    top_k: int | None = Field(default=None, ge=1, le=50)

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("question must not be empty")
        if len(value) > MAX_QUESTION_CHARS:
            raise ValueError(f"question must be at most {MAX_QUESTION_CHARS} characters")
        return value
