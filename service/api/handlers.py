"""Errors at the edge: the one place where an error becomes an HTTP status and a message.

FootnoteError subclasses are raised deep in the pipeline with a message for a person; here they
get their status. Every error body is `{"detail": str}`, as /openapi.json documents.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from footnote.index.errors import FootnoteError, IndexNotReady, InvalidFilter, StoreUnavailable, UnknownSource
from footnote.service.api.schemas import ErrorBody, describe_error

__all__ = ["GUARDED", "add_error_handlers", "documented", "error_status"]

_STATUS: dict[type[FootnoteError], int] = {
    UnknownSource: 404,
    InvalidFilter: 422,
    IndexNotReady: 503,
    StoreUnavailable: 503,
}
_WHY = {
    400: "Unknown Host header",
    401: "A valid API key is required",
    403: "The page's origin is not allowed",
    404: "Unknown source",
    413: "Request body too large",
    415: "Content-Type is not application/json",
    422: "Invalid request",
    429: "Too many requests (see Retry-After)",
    503: "The index is loading or its store is unavailable",
}
GUARDED = (400, 401, 403, 429, 503)  # what any /v1 route can answer before its own work


def documented(*codes: int, model: type[BaseModel] = ErrorBody) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, `{"detail": str}` unless told otherwise."""
    return {code: {"model": model, "description": _WHY[code]} for code in codes}


def error_status(exc: FootnoteError) -> int:
    """The HTTP status of a pipeline error."""
    return next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)


async def _invalid(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    detail = describe_error(errors[0]) if errors else "invalid request"
    return JSONResponse({"detail": detail}, status_code=422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _footnote_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FootnoteError)
    return JSONResponse({"detail": str(exc)}, status_code=error_status(exc))


def add_error_handlers(app: FastAPI) -> None:
    """Answer every error in the API's shape, with the status chosen here."""
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(FootnoteError, _footnote_error)
