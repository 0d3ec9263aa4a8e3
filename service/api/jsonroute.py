"""JSON request bodies that fail to parse get the API's 4xx, whatever went wrong.

FastAPI turns a JSON syntax error into a 422 but any other failure to read JSON — bytes that
are not UTF-8, nesting deep enough to exhaust the parser's recursion — into a bare 400 "There
was an error parsing the body"; and a body sent as another Content-Type reaches validation as
bytes, with a message that never mentions the type. This route class (FastAPI's documented
hook for custom request handling) reports all of them in words.
"""

from __future__ import annotations

import email.message
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute

__all__ = ["JSONRoute"]


def _is_json(content_type: str) -> bool:
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


class _JSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise json.JSONDecodeError(
                    f"the body is not UTF-8 (byte {exc.start})", "", exc.start
                ) from exc
            try:
                self._json = json.loads(text)
            except RecursionError as exc:
                raise json.JSONDecodeError("the body is nested too deeply", text, 0) from exc
        return self._json


class JSONRoute(APIRoute):
    """An APIRoute whose JSON body errors are 415 (wrong type) or 422 (malformed JSON: …)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        expects_body = self.body_field is not None

        async def route(request: Request) -> Response:
            request = _JSONRequest(request.scope, request.receive)
            if expects_body:
                content_type = request.headers.get("content-type", "")
                if await request.body() and not _is_json(content_type):
                    shown = repr(content_type) if content_type else "none"
                    raise HTTPException(415, f"Content-Type must be application/json (got {shown})")
            return await handler(request)

        return route
