"""The dependencies routes take as typed parameters: the loader, the pipeline, the guard, the metrics.

The app factory (app.py) puts the loader, the guard and the metrics on `app.state`; routes never
reach for them otherwise, so a test can hand the app any of them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from footnote.service.answer.pipeline import Pipeline
from footnote.service.api.guard import Guard
from footnote.service.api.metrics import Metrics
from footnote.service.loader import Loader

__all__ = ["GuardDep", "LoaderDep", "MetricsDep", "PipelineDep", "guarded"]


# `async def` on purpose: FastAPI runs a plain `def` dependency on a worker thread, and the
# probes must not wait for one (see routes.readyz).
async def _loader(request: Request) -> Loader[Pipeline]:
    loader: Loader[Pipeline] = request.app.state.loader
    return loader


async def _guard(request: Request) -> Guard:
    guard: Guard = request.app.state.guard
    return guard


async def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


def _pipeline(loader: Annotated[Loader[Pipeline], Depends(_loader)]) -> Pipeline:
    """The loaded pipeline; IndexNotReady (503, with the reason) until one has loaded."""
    return loader.pipeline()


def guarded(request: Request, guard: Annotated[Guard, Depends(_guard)]) -> None:
    """The API key, the origin and the rate limit, before any /v1 route runs."""
    guard(request)


LoaderDep = Annotated[Loader[Pipeline], Depends(_loader)]
GuardDep = Annotated[Guard, Depends(_guard)]
MetricsDep = Annotated[Metrics, Depends(_metrics)]
PipelineDep = Annotated[Pipeline, Depends(_pipeline)]
