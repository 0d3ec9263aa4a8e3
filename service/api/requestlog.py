"""RequestLog: one structured line per request, and the request and answer metrics.

A pure ASGI middleware (BaseHTTPMiddleware would buffer a streamed answer): it times the
request to its last byte, takes the route *template* from the scope FastAPI routed (so
`/v1/sources/{name}` is one series, not one per name), and reads what the ask routes recorded
with `record_answer` in the request's state. The line holds the request id (a sane incoming
`X-Request-ID`, else a new one; echoed in the response), route, status, latency, outcome and
composer — the question text only with FOOTNOTE_LOG_QUESTIONS=1, since questions can be
personal. JSON with FOOTNOTE_LOG_FORMAT=json, else `key=value` pairs.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from footnote.service.answer.types import Answer
from footnote.service.api.metrics import Metrics

__all__ = ["LOG", "RequestLog", "record_answer"]

LOG = logging.getLogger("footnote.request")

# What a proxy or client may hand us as a request id: short, and nothing that could forge a
# log line or a header (no spaces, quotes or control characters).
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_BARE = re.compile(r'[^\s"=\\\x00-\x1f\x7f]+')  # a text value written without quotes
_ASK_ROUTES = frozenset({"/v1/ask", "/v1/ask/stream"})
_UNMATCHED = "(unmatched)"  # a 404 path or a request refused before routing: never the raw path


def record_answer(request: Request, answer: Answer, question: str) -> None:
    """Called by the ask routes: what the request log and the answer metrics report."""
    state = request.state
    state.outcome = "abstained" if answer.abstained else "answered"
    state.citations, state.question, state.composer = len(answer.citations), question, answer.composer


class RequestLog:
    """Log one line and observe the metrics for every HTTP request."""

    def __init__(
        self, app: ASGIApp, metrics: Metrics, json_lines: bool = False, questions: bool = False
    ) -> None:
        self.app, self.metrics, self.json_lines, self.questions = app, metrics, json_lines, questions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if _SANE_ID.fullmatch(incoming) else uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        began, status = time.perf_counter(), 500  # unless a response starts: the server's 500

        async def tagged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            self._done(scope, state, request_id, status, time.perf_counter() - began)

    def _done(
        self, scope: Scope, state: dict[str, Any], request_id: str, status: int, seconds: float
    ) -> None:
        route = getattr(scope.get("route"), "path", _UNMATCHED)
        self.metrics.observe_request(route, scope["method"], status, seconds)
        outcome: str | None = state.get("outcome")
        if outcome is None and route in _ASK_ROUTES and status >= 500:
            outcome = "error"  # a client's mistake (4xx) is not an answer; the server's failure is
        if outcome is not None:
            self.metrics.observe_answer(outcome, int(state.get("citations", 0)))
        fields: dict[str, Any] = {
            "request_id": request_id,
            "method": scope["method"],
            "route": route,
            "status": status,
            "latency_ms": round(seconds * 1000, 1),
        }
        if outcome is not None:
            fields |= {"outcome": outcome, "composer": state.get("composer", "extractive")}
            if self.questions and "question" in state:
                fields["question"] = state["question"]
        LOG.info(_line(fields, self.json_lines), extra={"request": fields})


def _line(fields: dict[str, Any], json_lines: bool) -> str:
    if json_lines:
        return json.dumps(fields, ensure_ascii=False)
    # key=value, a value quoted (JSON) when it holds anything but a plain token: a question
    # cannot break the line apart or forge another field
    return " ".join(
        f"{k}={v if not isinstance(v, str) or _BARE.fullmatch(v) else json.dumps(v, ensure_ascii=False)}"
        for k, v in fields.items()
    )
