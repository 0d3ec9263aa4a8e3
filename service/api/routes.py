"""The routes: probes, the /v1 API and the widget's pages (their dependencies: deps.py).

Routes talk to the pipeline (`ask`, `stream`), its corpus (`sources`, `source`) and the loader,
never to the stages inside.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sse_starlette import EventSourceResponse

from footnote.index.types import Filters
from footnote.service.answer.modelstate import NOT_CONFIGURED
from footnote.service.answer.pipeline import Pipeline
from footnote.service.answer.release import Released
from footnote.service.answer.types import Answer
from footnote.service.api.deps import GuardDep, LoaderDep, PipelineDep, guarded
from footnote.service.api.handlers import GUARDED, documented
from footnote.service.api.jsonroute import JSONRoute
from footnote.service.api.metrics import FORBIDDEN, Metrics
from footnote.service.api.requestlog import record_answer
from footnote.service.api.schemas import AskRequest, NotReady, Ready, SourceList, SourceText
from footnote.service.api.stream import events
from footnote.service.api.widget import demo_page, widget_script
from footnote.service.corpus.live import NOTHING_INDEXED

__all__ = ["answered", "api", "pages", "probes", "released"]


probes = APIRouter()
api = APIRouter(prefix="/v1", dependencies=[Depends(guarded)], route_class=JSONRoute)
pages = APIRouter(include_in_schema=False)


# Probes are `async def` reading in-memory state: they never wait on the store or on the
# worker threads, which requests stuck on a frozen store may all be holding.
@probes.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@probes.get(
    "/readyz",
    response_model=Ready,
    response_model_exclude_unset=True,  # `detail` only while no document is indexed
    responses={503: {"model": NotReady, "description": "Not ready, and why"}},
)
async def readyz(loader: LoaderDep) -> JSONResponse | Ready:
    """Readiness: the index is loaded and the vector store answers; the model's state beside it."""
    readiness = loader.readiness
    if not readiness.ready:
        return JSONResponse({"status": "not ready", "detail": readiness.detail}, status_code=503)
    pipeline = loader.loaded
    # the last probe's result, at once: a model that is down leaves the service ready (extractive)
    model = pipeline.model_state() if pipeline else NOT_CONFIGURED
    if pipeline is not None and pipeline.corpus.empty:
        # ready all the same: a load balancer must route the first document's PUT to this replica
        return Ready(status="ready", model=model, detail=NOTHING_INDEXED)
    return Ready(status="ready", model=model)


@probes.get("/metrics", include_in_schema=False)
async def metrics(request: Request, loader: LoaderDep) -> Response:
    """Prometheus metrics: from loopback, with the API key, or from anywhere when made public."""
    collected: Metrics = request.app.state.metrics
    client = request.client.host if request.client else None
    if not collected.may_read(client, request.headers.get("authorization", "")):
        return JSONResponse({"detail": FORBIDDEN}, status_code=403)
    return Response(collected.render(loader.loaded), media_type=CONTENT_TYPE_LATEST)


def _asked(body: AskRequest) -> tuple[Filters | None, list[dict[str, str]]]:
    """The filters and the conversation so far, as the pipeline takes them."""
    return body.filters.to_filters() if body.filters else None, [turn.model_dump() for turn in body.history]


def answered(request: Request, body: AskRequest, pipeline: Pipeline) -> Answer:
    """The pipeline's answer to `body`, recorded for the request log (/v1/ask, /v1/chat/completions)."""
    filters, history = _asked(body)
    answer = pipeline.ask(body.question, filters, body.top_k, history)
    record_answer(request, answer, body.question)
    return answer


def released(request: Request, body: AskRequest, pipeline: Pipeline) -> Iterator[Released]:
    """`answered`, as it is released; what can refuse the request does so before this returns."""
    filters, history = _asked(body)
    return _recorded(request, pipeline.stream(body.question, filters, body.top_k, history), body.question)


def _recorded(request: Request, items: Iterable[Released], question: str) -> Iterator[Released]:
    """`items`, recording the answer for the request log as it goes by (logged after the last byte)."""
    for item in items:
        if isinstance(item, Answer):
            record_answer(request, item, question)
        yield item


@api.post("/ask", responses=documented(*GUARDED, 404, 413, 415, 422))
def ask(request: Request, body: AskRequest, pipeline: PipelineDep) -> Answer:
    """Answer a question from the sources, every sentence cited, or abstain with a reason."""
    return answered(request, body, pipeline)


_STREAM = {
    "description": "Events: `citation`, `delta`, then `done` (the /v1/ask body) or `error`",
    "content": {"text/event-stream": {}},
}


@api.post(
    "/ask/stream",
    response_class=EventSourceResponse,
    responses={200: _STREAM, **documented(*GUARDED, 404, 413, 415, 422)},
)
def ask_stream(request: Request, body: AskRequest, pipeline: PipelineDep) -> EventSourceResponse:
    """`/v1/ask` as server-sent events: `citation`, `delta`, then `done` (or `error`).

    The request is validated and its passages retrieved before the stream opens, so a bad request
    gets the same status code and message as on /v1/ask. A generated answer's sentences are sent
    as the model writes them, each once it passed verification.
    """
    return EventSourceResponse(events(released(request, body, pipeline)), ping=15)


@api.get("/sources", responses=documented(*GUARDED))
def sources(pipeline: PipelineDep) -> SourceList:
    """The indexed documents and their metadata."""
    return SourceList.model_validate({"sources": pipeline.corpus.sources()})


@api.get("/sources/{name}", responses=documented(*GUARDED, 404))
def source(name: str, pipeline: PipelineDep) -> SourceText:
    """One document's stored text and metadata (for citation click-through)."""
    return SourceText.model_validate(pipeline.corpus.source(name))


@pages.get("/widget.js")
def widget() -> Response:
    """The embeddable chat widget: one <script> tag on any page."""
    return Response(
        widget_script(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


@pages.get("/")
def demo(request: Request, guard: GuardDep) -> HTMLResponse:
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
