"""The HTTP API: FastAPI app factory, routes and the mapping of errors to status codes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sse_starlette import EventSourceResponse

from index.errors import FootnoteError, IndexNotReady, InvalidFilter, StoreUnavailable, UnknownSource
from service.guard import Guard
from service.jsonroute import JSONRoute
from service.loader import Loader
from service.middleware import BodyLimit, HeadAsGet, SecurityHeaders, TrustedHosts
from service.pipeline import Pipeline, build_pipeline
from service.schemas import AskRequest, ErrorBody, SourceList, SourceText, describe_error
from service.settings import Settings
from service.stream import events
from service.types import Answer
from service.widget import demo_page, widget_script

__all__ = ["create_app"]

log = logging.getLogger(__name__)

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
    503: "The index is loading, empty or unavailable",
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, all `{"detail": str}`."""
    return {code: {"model": ErrorBody, "description": _WHY[code]} for code in codes}


_GUARDED = (400, 401, 403, 429, 503)


def get_pipeline(request: Request) -> Pipeline:
    """The loaded pipeline; IndexNotReady (503, with the reason) until one has loaded."""
    loader: Loader[Pipeline] = request.app.state.loader
    return loader.pipeline()


PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]


def _answer(body: AskRequest, pipeline: Pipeline) -> Answer:
    filters = body.filters.to_filters() if body.filters else None
    history = [turn.model_dump() for turn in body.history]
    return pipeline.ask(body.question, filters, body.top_k, history)


def create_app(
    settings: Settings | None = None, load: Callable[[Settings], Pipeline] = build_pipeline
) -> FastAPI:
    """Build the app; the model and index load once, in the background, at start-up."""
    settings = settings or Settings()
    loader: Loader[Pipeline] = Loader(lambda: load(settings))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        loader.start()
        yield
        loader.stop()

    app = FastAPI(title="footnote", version="1", lifespan=lifespan)
    app.state.loader = loader
    # the last added runs first: hosts are checked before anything else is done
    if settings.origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Authorization"],
            expose_headers=["Retry-After"],
        )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(HeadAsGet)
    app.add_middleware(TrustedHosts, hosts=settings.hosts)
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        detail = describe_error(errors[0]) if errors else "invalid request"
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(HTTPException)
    async def _http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(FootnoteError)
    async def _footnote_error(_: Request, exc: FootnoteError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=_STATUS.get(type(exc), 400))

    # Both are `async def` reading in-memory state: they never wait on the store or on the
    # worker threads, which requests stuck on a frozen store may all be holding.
    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """Readiness: the model and the index are loaded and the vector store answers."""
        readiness = loader.readiness
        if not readiness.ready:
            return JSONResponse({"status": "not ready", "detail": readiness.detail}, status_code=503)
        return JSONResponse({"status": "ready"})

    guard = Guard(settings)
    api = APIRouter(prefix="/v1", dependencies=[Depends(guard)], route_class=JSONRoute)

    @api.post("/ask", responses=_errors(*_GUARDED, 404, 413, 415, 422))
    def ask(body: AskRequest, pipeline: PipelineDep) -> Answer:
        """Answer a question from the sources, every sentence cited, or abstain with a reason."""
        return _answer(body, pipeline)

    @api.post(
        "/ask/stream",
        response_class=EventSourceResponse,
        responses={
            200: {
                "description": "Events: `citation`, `delta`, then `done` (the /v1/ask body) or `error`",
                "content": {"text/event-stream": {}},
            },
            **_errors(*_GUARDED, 404, 413, 415, 422),
        },
    )
    def ask_stream(body: AskRequest, pipeline: PipelineDep) -> EventSourceResponse:
        """`/v1/ask` as server-sent events: `citation`, `delta`, then `done` (or `error`).

        The request is validated and answered before the stream opens, so a bad request gets
        the same status code and message as on /v1/ask.
        """
        return EventSourceResponse(events(_answer(body, pipeline)), ping=15)

    @api.get("/sources", responses=_errors(*_GUARDED))
    def sources(pipeline: PipelineDep) -> SourceList:
        """The indexed documents and their metadata."""
        return SourceList.model_validate(
            {"sources": [pipeline.describe(name) for name in sorted(pipeline.retriever.documents)]}
        )

    @api.get("/sources/{name}", responses=_errors(*_GUARDED, 404))
    def source(name: str, pipeline: PipelineDep) -> SourceText:
        """One document's stored text and metadata (for citation click-through)."""
        if name not in pipeline.texts:  # names are looked up, never joined onto a path
            raise UnknownSource(name)
        return SourceText.model_validate({**pipeline.describe(name), "text": pipeline.texts[name]})

    app.include_router(api)

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> Response:
        """The embeddable chat widget: one <script> tag on any page."""
        return Response(
            widget_script(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )

    @app.get("/", include_in_schema=False)
    def demo(request: Request) -> HTMLResponse:
        """A demo page with the widget inline, and how to embed it; it starts a browser session."""
        page = HTMLResponse(
            demo_page(str(request.base_url).rstrip("/")),
            headers={
                "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
                "Cache-Control": "no-store",  # it carries a fresh session cookie
            },
        )
        guard.start_session(page)
        return page

    return app
