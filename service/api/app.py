"""The HTTP API's app factory: nothing happens at import; the index loads in the background."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from footnote.service.answer.pipeline import Pipeline
from footnote.service.api.documents import DOCUMENTS, documents
from footnote.service.api.guard import Guard
from footnote.service.api.handlers import add_error_handlers
from footnote.service.api.metrics import Metrics
from footnote.service.api.middleware import BodyLimit, HeadAsGet, SecurityHeaders, TrustedHosts
from footnote.service.api.openai_api import openai_api
from footnote.service.api.requestlog import RequestLog
from footnote.service.api.routes import api, pages, probes
from footnote.service.build import build_pipeline
from footnote.service.loader import Loader
from footnote.service.settings import Settings

__all__ = ["create_app"]


def create_app(
    settings: Settings | None = None, load: Callable[[Settings], Pipeline] = build_pipeline
) -> FastAPI:
    """Build the app; the model and index load once, in the background, at start-up."""
    settings = settings or Settings()
    loader: Loader[Pipeline] = Loader(lambda: load(settings), interval=settings.refresh_seconds)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        loader.start()
        yield
        loader.stop()

    app = FastAPI(title="footnote", version="1", lifespan=lifespan)
    app.state.loader, app.state.guard = loader, Guard(settings)
    app.state.metrics = metrics = Metrics(settings.metrics_public, settings.api_key)
    _add_middleware(app, settings, metrics)
    add_error_handlers(app)
    for router in (probes, api, openai_api, documents, pages):
        app.include_router(router)
    return app


def _add_middleware(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    # the last added runs first: hosts are checked before anything else is done
    if settings.origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.origins,
            allow_methods=["GET", "POST"],  # POST /v1/documents is a browser's form, sent with the key
            allow_headers=["Content-Type", "Authorization"],
            expose_headers=["Retry-After", "X-Request-ID"],
        )
    app.add_middleware(
        BodyLimit,
        limit=settings.max_body_bytes,
        prefixes={DOCUMENTS: settings.max_document_bytes},
        gate=app.state.guard.require_writer,  # a document's body is read only for the key's holder
    )
    app.add_middleware(HeadAsGet)
    app.add_middleware(TrustedHosts, hosts=settings.hosts)
    app.add_middleware(SecurityHeaders)
    # outermost: it times and logs every request, also those the middleware above refuses
    app.add_middleware(
        RequestLog,
        metrics=metrics,
        json_lines=settings.log_format == "json",
        questions=settings.log_questions,
    )
