"""Request and response bodies of the HTTP API, validated with clear messages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from footnote.index.types import Filters
from footnote.service.answer.modelstate import ModelState

__all__ = [
    "MAX_QUESTION_CHARS",
    "AskFilters",
    "AskRequest",
    "ErrorBody",
    "NotReady",
    "Ready",
    "Source",
    "SourceList",
    "SourceText",
    "Turn",
]

MAX_QUESTION_CHARS = 2000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _unicode(value: str, field: str) -> str:
    """Text that can be encoded: a lone surrogate ("\\ud800" in JSON) is not text."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"{field} must be valid Unicode text: it contains a lone surrogate at position {exc.start}"
        ) from exc
    return value


def describe_error(error: Mapping[str, Any]) -> str:
    """One validation error in words, for a person (the API's 422, the CLI's exit 2)."""
    kind = error.get("type", "")
    if kind == "json_invalid":
        return f"malformed JSON: {error.get('ctx', {}).get('error', 'cannot parse the body')}"
    if kind == "missing" and tuple(error.get("loc", ())) == ("body",):
        return "request body must be a JSON object with a 'question'"
    msg = str(error.get("msg", "invalid request")).removeprefix("Value error, ")
    loc = [str(p) for p in error.get("loc", ()) if p != "body"]
    if kind == "value_error" or not loc:  # our own messages already name the field
        return msg
    return f"{'.'.join(loc)}: {msg}"


class ErrorBody(BaseModel):
    """Every 4xx/5xx: a message for a person."""

    detail: str


class Turn(BaseModel):
    """One earlier turn of the conversation."""

    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)

    @field_validator("content")
    @classmethod
    def _content(cls, value: str) -> str:
        return _unicode(value, "history content")


class AskFilters(BaseModel):
    """Which articles may be used."""

    model_config = ConfigDict(extra="forbid")

    sources: list[str] | None = Field(default=None, max_length=1000)
    published_after: date | None = Field(default=None, json_schema_extra={"format": "date"})
    published_before: date | None = Field(default=None, json_schema_extra={"format": "date"})

    @field_validator("published_after", "published_before", mode="before")
    @classmethod
    def _iso_date(cls, value: object, info: ValidationInfo) -> object:
        # pydantic would read "20240101" or 20240101 as a Unix timestamp
        if value is not None and not (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
            raise ValueError(f"filters.{info.field_name}: must be a date written YYYY-MM-DD, got {value!r}")
        return value

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

    question: str = Field(
        json_schema_extra={"minLength": 1, "maxLength": MAX_QUESTION_CHARS, "pattern": r"\S"},
        description="Leading and trailing spaces are ignored; at least one other character.",
    )
    history: list[Turn] = Field(default_factory=list, max_length=50)
    filters: AskFilters | None = None
    top_k: int | None = Field(default=None, ge=1, le=50)

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        value = _unicode(value, "question").strip()
        if not value:
            raise ValueError("question must not be empty")
        if len(value) > MAX_QUESTION_CHARS:
            raise ValueError(f"question must be at most {MAX_QUESTION_CHARS} characters")
        return value


class Source(BaseModel):
    """One indexed document's metadata."""

    name: str
    title: str | None
    author: str | None
    published: str | None = Field(description="YYYY-MM-DD, or null when the article gives no date")
    chars: int
    chunks: int


class SourceText(Source):
    """One document with its stored text: citation offsets point into `text`."""

    text: str


class SourceList(BaseModel):
    """GET /v1/sources."""

    sources: list[Source]


class Ready(BaseModel):
    """GET /readyz while the index is loaded and the vector store answers."""

    status: Literal["ready"] = "ready"
    model: ModelState = Field(
        description="The language model's state, apart from the index's: a model server that is down "
        "leaves the service ready, since answers then fall back to the extractive composer"
    )
    detail: str | None = Field(
        default=None,
        description="Set while no document is indexed: the service is ready to take its first one",
    )


class NotReady(BaseModel):
    """GET /readyz (503) while the index is loading or its store does not answer."""

    status: Literal["not ready"] = "not ready"
    detail: str
