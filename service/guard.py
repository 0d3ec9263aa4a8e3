"""Guard: who may call the API, and how often.

- Origin: a browser request from a page whose origin is neither this service's own nor in
  FOOTNOTE_ALLOWED_ORIGINS is refused (403). CORS already stops such a page from reading
  answers; refusing here also stops it from spending our compute.
- API key: with FOOTNOTE_API_KEY set, a request must carry `Authorization: Bearer <key>` unless
  it comes from an allowed browser origin (the embedded widget, which holds no secret).
  The Origin header is trustworthy only from browsers: a script outside a browser can send any
  Origin it likes. So the origin exemption keeps *other web pages* out, and the key keeps
  *programs* out only when the allowlist is empty; the rate limit bounds what a forged origin
  can cost.
- Rate limit: FOOTNOTE_RATE_LIMIT (e.g. "60/minute") per client address, with the `limits`
  package (moving window, in memory, per process); over it, 429 with Retry-After.
"""

from __future__ import annotations

import hmac
import math
import time

from fastapi import HTTPException, Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

__all__ = ["Guard"]


class Guard:
    """A FastAPI dependency applied to every /v1 route."""

    def __init__(self, allowed_origins: list[str], api_key: str | None, rate_limit: str | None) -> None:
        self.allowed = {o.rstrip("/") for o in allowed_origins}
        self.api_key = api_key or None
        self.item: RateLimitItem | None = parse(rate_limit) if rate_limit else None
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def origin_allowed(self, request: Request) -> bool | None:
        """True/False for a browser request from an allowed/refused origin; None without Origin."""
        origin = request.headers.get("origin")
        if origin is None:
            return None
        # our own pages (the demo page): the origin's host is the one the request was sent to;
        # the scheme is left out, since a TLS-terminating proxy changes it on the way in
        same_host = origin.partition("://")[2].rstrip("/") == request.headers.get("host", "")
        return origin.rstrip("/") in self.allowed or same_host

    def __call__(self, request: Request) -> None:
        if self.item is not None:
            client = request.client.host if request.client else "unknown"
            if not self.limiter.hit(self.item, client):
                reset = self.limiter.get_window_stats(self.item, client).reset_time
                retry = max(1, math.ceil(reset - time.time()))
                raise HTTPException(
                    429,
                    f"too many requests: the limit is {self.item}; retry in {retry} s",
                    headers={"Retry-After": str(retry)},
                )
        allowed = self.origin_allowed(request)
        if allowed is False:
            raise HTTPException(403, f"origin {request.headers['origin']} is not allowed")
        if self.api_key and not allowed:
            given = request.headers.get("authorization", "")
            scheme, _, token = given.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip(), self.api_key):
                raise HTTPException(
                    401,
                    "a valid API key is required: Authorization: Bearer <key>",
                    headers={"WWW-Authenticate": "Bearer"},
                )
