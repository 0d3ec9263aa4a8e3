"""Bounded calls: wait at most so long for a blocking call, and never let stuck calls pile up.

chromadb's HttpClient builds its httpx session with `timeout=None` and offers no setting to
change it (chromadb 1.5.9, `chromadb/api/fastapi.py`; its Settings' timeouts are server-side),
so a call to a frozen Chroma server (SIGSTOP) never returns. Store runs every Chroma call
through `Bounded` instead, the way that does not depend on a client's internals:

- the call runs on a daemon thread and the caller waits at most `seconds` for it; a
  ThreadPoolExecutor would not do, as the interpreter joins its threads at exit and one stuck
  on a frozen server would keep the process from ever stopping;
- at most `limit` calls run at once: when that many are stuck, a further call waits (within
  the same `seconds`) for one to finish, then fails, rather than starting yet another thread.

A call that timed out is abandoned, not killed: it finishes, or fails, whenever the store
answers again, and frees its slot then.

`within(seconds)` bounds a whole request rather than each call: every bounded call made inside it
(a search, then the read of its neighbours' vectors) shares one budget, so a frozen store holds a
request for the store timeout once, not once per call.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

__all__ = ["Bounded", "within"]

T = TypeVar("T")

# the monotonic time by which every bounded call of the current request must have answered
_DEADLINE: ContextVar[float] = ContextVar("footnote_deadline", default=math.inf)


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Every bounded call inside shares one budget of `seconds` (also nested: the nearer wins)."""
    token = _DEADLINE.set(min(_DEADLINE.get(), time.monotonic() + seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


class Bounded:
    """Run blocking calls for at most `seconds` each, at most `limit` of them at once."""

    def __init__(self, seconds: float, limit: int = 16) -> None:
        self.seconds, self.limit = seconds, limit
        self._slots = threading.BoundedSemaphore(limit)

    def __call__(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)`, or TimeoutError when it has not answered in time."""
        deadline = min(time.monotonic() + self.seconds, _DEADLINE.get())
        if not self._slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise TimeoutError(f"{self.limit} calls are still waiting for an answer")
        outcome: list[tuple[bool, Any]] = []
        done = threading.Event()

        def run() -> None:
            try:
                outcome.append((True, fn(*args, **kwargs)))
            except BaseException as exc:  # handed to the caller, if it still waits
                outcome.append((False, exc))
            finally:
                self._slots.release()
                done.set()

        threading.Thread(target=run, name="footnote-store-call", daemon=True).start()
        if not done.wait(max(0.0, deadline - time.monotonic())):
            raise TimeoutError(f"no answer within {self.seconds:g} s")
        ok, value = outcome[0]
        if not ok:
            raise value
        result: T = value
        return result
