"""Guard: who may call the API, and how often.

What a client writes in a header (`Origin`, `Host`, `Referer`) is never a credential: any
program can write any value. So:

- API key: with FOOTNOTE_API_KEY set, a /v1 request is let in only with
  1. `Authorization: Bearer <key>` (programs), or
  2. the session cookie that the service's own demo page (`GET /`) hands out: a value signed
     with the key (HMAC-SHA256) that expires, sent by the browser itself (HttpOnly,
     SameSite=Strict, so no other site's page can make a browser send it), or
  3. an `Origin` the operator listed in FOOTNOTE_ALLOWED_ORIGINS. This is a deliberate public
     door for the embedded widget, which holds no secret: a browser cannot fake its Origin, so
     other *sites* stay out, but a script can claim a listed origin. Listing an origin makes
     the API public (rate-limited); an empty list (the default) leaves only 1 and 2.
- Origin: a browser request whose Origin is neither the service's own page (its origin names
  the host the request was sent to — checked against the served hosts by
  `service.middleware.TrustedHosts` before this runs) nor listed is refused (403), so other
  sites' pages can neither read answers nor spend compute.
- Rate limit: FOOTNOTE_RATE_LIMIT (e.g. "60/minute") per client address, with the `limits`
  package (moving window, in memory, per process); over it, 429 with Retry-After.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import time
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from footnote.service.settings import Settings

__all__ = ["SESSION_COOKIE", "Guard"]

SESSION_COOKIE = "footnote_session"
_EXPIRES = re.compile(r"[0-9]{1,12}")  # a Unix time in seconds, as `start_session` writes it
SESSION_SECONDS = 8 * 3600  # a day's reading; the demo page hands out a fresh one on each visit


class Guard:
    """A FastAPI dependency applied to every /v1 route."""

    def __init__(self, settings: Settings) -> None:
        self.allowed = set(settings.origins)
        self.api_key = settings.api_key or None
        self.secure_cookie = any(u.strip().startswith("https:") for u in settings.public_url.split(","))
        self.item: RateLimitItem | None = parse(settings.rate_limit) if settings.rate_limit else None
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    # -- the demo page's session --------------------------------------------------------
    def _sign(self, expires: int) -> str:
        assert self.api_key is not None
        return hmac.new(self.api_key.encode(), f"session:{expires}".encode(), hashlib.sha256).hexdigest()

    def start_session(self, response: Response, now: float | None = None) -> None:
        """Give the browser that loads the demo page a signed, expiring session (key set only)."""
        if self.api_key is None:
            return
        expires = int(now if now is not None else time.time()) + SESSION_SECONDS
        response.set_cookie(
            SESSION_COOKIE,
            f"{expires}.{self._sign(expires)}",
            max_age=SESSION_SECONDS,
            path="/v1",
            httponly=True,
            samesite="strict",
            secure=self.secure_cookie,
        )

    def _session_ok(self, request: Request) -> bool:
        expires, _, signature = request.cookies.get(SESSION_COOKIE, "").partition(".")
        # ASCII digits, and few: str.isdigit() takes "²", and int() refuses past 4,300 digits
        if not _EXPIRES.fullmatch(expires) or int(expires) < time.time():
            return False
        return hmac.compare_digest(signature.encode(), self._sign(int(expires)).encode())

    def _bearer_ok(self, request: Request) -> bool:
        assert self.api_key is not None
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        # as bytes: compare_digest refuses (TypeError) a str with characters beyond ASCII
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self.api_key.encode()
        )

    # -- the checks ---------------------------------------------------------------------
    def require_writer(self, request: Request) -> None:
        """A document write: 403 with no key configured, else the Bearer key itself (401).

        Neither a listed origin nor the demo page's session is enough: writes change what every
        reader is told, and both of those are doors for readers.
        """
        if self.api_key is None:
            raise HTTPException(403, "document writes are disabled: set FOOTNOTE_API_KEY")
        if not self._bearer_ok(request):
            raise HTTPException(
                401,
                "a valid API key is required: Authorization: Bearer <key>",
                headers={"WWW-Authenticate": "Bearer"},
            )

    def _own(self, request: Request, origin: str) -> bool:
        # our own page: the origin names the host the request was sent to (already checked
        # against the served hosts); the scheme is left out, since a TLS proxy changes it
        return urlsplit(origin).netloc == request.headers.get("host", "")

    def _limit(self, request: Request) -> None:
        if self.item is None:
            return
        client = request.client.host if request.client else "unknown"
        if not self.limiter.hit(self.item, client):
            reset = self.limiter.get_window_stats(self.item, client).reset_time
            retry = max(1, math.ceil(reset - time.time()))
            raise HTTPException(
                429,
                f"too many requests: the limit is {self.item}; retry in {retry} s",
                headers={"Retry-After": str(retry)},
            )

    def __call__(self, request: Request) -> None:
        self._limit(request)
        origin = request.headers.get("origin")
        listed = origin is not None and origin.rstrip("/") in self.allowed
        if origin is not None and not listed and not self._own(request, origin):
            raise HTTPException(403, f"origin {origin} is not allowed")
        if self.api_key and not (listed or self._bearer_ok(request) or self._session_ok(request)):
            raise HTTPException(
                401,
                "a valid API key is required: Authorization: Bearer <key>",
                headers={"WWW-Authenticate": "Bearer"},
            )
