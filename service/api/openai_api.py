"""footnote as an OpenAI-compatible model: `GET /v1/models` and `POST /v1/chat/completions`.

Any OpenAI client or chat front end can ask footnote: the last user message is the question,
the earlier user and assistant messages its history (system messages are ignored: footnote has
no prompt to steer). The reply is a standard `chat.completion` whose content is the answer with
its [n] markers, plus two extra top-level fields a plain client ignores: `citations` and the
whole /v1/ask body under `footnote`. Errors on these routes are in OpenAI's shape, since that is
what the clients parse; the rest of the API keeps `{"detail"}`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sse_starlette import EventSourceResponse

from footnote.index.errors import FootnoteError
from footnote.service.answer.release import Released
from footnote.service.answer.types import Answer, Citation
from footnote.service.api.deps import PipelineDep, guarded
from footnote.service.api.handlers import GUARDED, documented, error_status
from footnote.service.api.jsonroute import JSONRoute
from footnote.service.api.routes import answered, released
from footnote.service.api.schemas import AskRequest, Turn, describe_error
from footnote.service.api.stream import payloads

__all__ = ["ChatCompletion", "ChatRequest", "ModelList", "OpenAIError", "openai_api"]

MODEL = "footnote"
_TURNS = 50  # the history /v1/ask accepts; a chat front end sends the whole conversation
_CREATED = 1_700_000_000  # a fixed `created` for the one model: it does not change per process


class ErrorDetail(BaseModel):
    """What went wrong, as OpenAI clients read it."""

    message: str
    type: str
    code: str | None


class OpenAIError(BaseModel):
    """Every 4xx/5xx of the OpenAI-compatible routes."""

    error: ErrorDetail


# status -> (type, code), the values OpenAI's own API uses for the same situations
_KINDS: dict[int, tuple[str, str | None]] = {
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "origin_not_allowed"),
    404: ("invalid_request_error", "not_found"),
    415: ("invalid_request_error", "unsupported_media_type"),
    422: ("invalid_request_error", "invalid_request"),
    429: ("requests", "rate_limit_exceeded"),
    503: ("server_error", "service_unavailable"),
}


def openai_error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """An error response in OpenAI's shape."""
    kind, code = _KINDS.get(status, ("invalid_request_error" if status < 500 else "server_error", None))
    body = OpenAIError(error=ErrorDetail(message=message, type=kind, code=code))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


class OpenAIRoute(JSONRoute):
    """A JSONRoute whose errors (guard, validation, pipeline) are answered in OpenAI's shape.

    The conversion sits on the route, not in the app's handlers, so only these routes change
    shape. Errors the middleware answers before routing (unknown Host, body too large) keep
    `{"detail"}`, as /openapi.json documents.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except HTTPException as exc:
                return openai_error(exc.status_code, str(exc.detail), exc.headers)
            except RequestValidationError as exc:
                errors = list(exc.errors())
                return openai_error(422, describe_error(errors[0]) if errors else "invalid request")
            except FootnoteError as exc:
                return openai_error(error_status(exc), str(exc))

        return route


class ContentPart(BaseModel):
    """One part of a message's content; only text parts carry anything footnote reads."""

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    """One message of the conversation (other fields, e.g. `name`, are ignored)."""

    role: str
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        """The message's text, its text parts joined."""
        if isinstance(self.content, list):
            return "".join(part.text or "" for part in self.content if part.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """POST /v1/chat/completions: the standard body; fields footnote has no use for are ignored."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(description="Any name is answered by footnote itself")
    messages: list[ChatMessage] = Field(max_length=100)
    stream: bool = False

    def to_ask(self) -> AskRequest:
        """The /v1/ask request these messages stand for; 422 with a message if there is none."""
        users = [i for i, m in enumerate(self.messages) if m.role == "user"]
        if not users:
            raise HTTPException(422, "messages must include a user message: its text is the question")
        last = users[-1]
        earlier = [m for m in self.messages[:last] if m.role in ("user", "assistant")][-_TURNS:]
        try:
            return AskRequest(
                question=self.messages[last].text(),
                history=[Turn.model_validate({"role": m.role, "content": m.text()}) for m in earlier],
            )
        except ValidationError as exc:
            message = describe_error(exc.errors()[0]).replace("history content", "message content")
            raise HTTPException(422, message) from exc


class ModelCard(BaseModel):
    """One model of GET /v1/models."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    """GET /v1/models."""

    object: Literal["list"] = "list"
    data: list[ModelCard]


class ReplyMessage(BaseModel):
    """The assistant's message: the answer with its [n] markers, or the abstention's reason."""

    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    """The one choice footnote gives."""

    index: int = 0
    message: ReplyMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class ChatCompletion(BaseModel):
    """A standard `chat.completion`, plus `citations` and the /v1/ask body under `footnote`."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    citations: list[Citation]
    footnote: Answer


def _content(answer: Answer) -> str:
    return answer.reason or "" if answer.abstained else answer.answer


def _completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def _chunk(cid: str, created: int, delta: dict[str, Any], **extra: Any) -> dict[str, str]:
    finish = extra.pop("finish_reason", None)
    chunk = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        **extra,
    }
    return {"data": json.dumps(chunk, ensure_ascii=False)}


def chunks(released: Iterable[Released]) -> Iterator[dict[str, str]]:
    """An answer as `chat.completion.chunk` events while it is released (stream.py's payloads), then [DONE].

    Each sentence is one content delta, sent once it passed verification, carrying the citations
    it is the first to refer to; the last chunk carries the /v1/ask body under `footnote`. Plain
    `data:` lines only: the OpenAI clients read no event names.
    """
    cid, created = _completion_id(), int(time.time())
    yield _chunk(cid, created, {"role": "assistant", "content": ""})
    pending: list[dict[str, Any]] = []
    for name, data in payloads(released):
        if name == "citation":
            pending.append(data)
        elif name == "delta":
            yield _chunk(cid, created, {"content": data["text"]}, citations=pending)
            pending = []
        elif name == "done":
            if data["abstained"]:
                yield _chunk(cid, created, {"content": data["reason"] or ""}, citations=[])
            yield _chunk(cid, created, {}, finish_reason="stop", footnote=data)
        else:  # the stream has started: an error chunk is what the clients raise on
            yield {"data": json.dumps({"error": {"message": data["detail"], "type": "server_error"}})}
            return
    yield {"data": "[DONE]"}


openai_api = APIRouter(prefix="/v1", dependencies=[Depends(guarded)], route_class=OpenAIRoute)

_STREAM = {"description": "With `stream: true`: `chat.completion.chunk` events, then `[DONE]`"}


@openai_api.get("/models", responses=documented(*GUARDED, model=OpenAIError))
def models() -> ModelList:
    """The one model this server is: footnote."""
    return ModelList(data=[ModelCard(id=MODEL, created=_CREATED, owned_by="footnote")])


@openai_api.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={
        200: {**_STREAM, "content": {"text/event-stream": {}}},
        **documented(*GUARDED, 404, 415, 422, model=OpenAIError),
        **documented(400, 413),  # answered by the middleware, before routing
    },
)
def chat_completions(request: Request, body: ChatRequest, pipeline: PipelineDep) -> Response | ChatCompletion:
    """The OpenAI chat-completions protocol over /v1/ask: the last user message is the question."""
    ask = body.to_ask()
    if body.stream:  # one chunk per sentence as it passes verification
        return EventSourceResponse(chunks(released(request, ask, pipeline)), ping=15)
    answer = answered(request, ask, pipeline)
    return ChatCompletion(
        id=_completion_id(),
        created=int(time.time()),
        model=MODEL,
        choices=[Choice(message=ReplyMessage(content=_content(answer)))],
        citations=answer.citations,
        footnote=answer,
    )
