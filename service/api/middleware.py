"""Middleware at the edge: which Host names are served, body size, HEAD, headers on every response."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimit", "HeadAsGet", "SecurityHeaders", "TrustedHosts"]

# Probes come from orchestrators that address a replica by its IP; they reveal nothing.
_PROBES = frozenset({"/healthz", "/readyz"})


def host_name(host_header: str) -> str:
    """`example.com:8000` -> `example.com`; `[::1]:8000` -> `::1`."""
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    return host_header.rpartition(":")[0] if host_header.count(":") == 1 else host_header


class TrustedHosts:
    """Refuse requests whose Host is not one this service is reached by (400).

    This is what stops DNS rebinding: a page on evil.example whose name is made to resolve to
    127.0.0.1 still sends `Host: evil.example`. Starlette's TrustedHostMiddleware does the same
    check, but answers in plain text and has no room for the health probes; this one answers
    in the API's JSON error shape.
    """

    def __init__(self, app: ASGIApp, hosts: list[str]) -> None:
        self.app = app
        self.hosts = {h.lower() for h in hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in _PROBES:
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")
        if host_name(host).lower() not in self.hosts:
            shown = repr(host) if host else "none"
            detail = f"unknown Host header ({shown}): set FOOTNOTE_PUBLIC_URL to the address clients use"
            await JSONResponse({"detail": detail}, status_code=400)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """`X-Content-Type-Options: nosniff` and a strict `Referrer-Policy` on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
            await send(message)

        await self.app(scope, receive, with_headers)


class HeadAsGet:
    """HEAD is answered as GET without the body (HTTP's rule; FastAPI routes only the GET)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class BodyLimit:
    """Refuse request bodies over a size limit with 413, declared or streamed (chunked).

    `limit` holds for every path but those under a prefix of `prefixes`, which have their own
    (documents are files of megabytes, JSON questions a few kB). The body is read here, up to
    the limit, before anything parses it, then handed on whole: a limit raised from inside the
    app's own reading would surface as a parse error (400).
    FastAPI's own `max_body_size` answers in plain text for a declared length, so it is not used.
    A prefix's larger limit is granted only to a request `gate` lets through (it raises the
    HTTPException to answer with otherwise): nobody without the key makes the server hold
    megabytes of a body that will be refused anyway.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        prefixes: dict[str, int] | None = None,
        gate: Callable[[Request], None] | None = None,
    ) -> None:
        self.app, self.limit, self.prefixes, self.gate = app, limit, prefixes or {}, gate

    def _prefixed(self, path: str) -> int | None:
        return next(
            (n for prefix, n in self.prefixes.items() if path == prefix or path.startswith(prefix + "/")),
            None,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._prefixed(scope["path"])
        if limit is None:
            limit = self.limit
        elif self.gate is not None and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            try:
                self.gate(Request(scope))
            except HTTPException as exc:
                refusal = JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
                await refusal(scope, receive, send)
                return
        declared = Headers(scope=scope).get("content-length", "")
        # ASCII digits only (str.isdigit() takes "²"), and a length past any limit needs no int()
        if re.fullmatch(r"[0-9]+", declared) and (len(declared) > 18 or int(declared) > limit):
            await self._refuse(limit, scope, receive, send)
            return
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            parts.append(message.get("body", b""))
            size += len(parts[-1])
            if size > limit:
                await self._refuse(limit, scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(parts)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()  # after the body: wait for the disconnect
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"request body must be at most {limit} bytes"
        await JSONResponse({"detail": detail}, status_code=413)(scope, receive, send)
