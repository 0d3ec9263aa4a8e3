"""Loader: load the pipeline in the background, retrying with back-off, then watch the store.

A service that starts before Chroma does, or before anything was ingested, must become ready by
itself once the store answers and holds an index; one that was ready must say so while the store
is down, frozen or damaged, and recover when it is back. One daemon thread does both:

- until a pipeline loads: try, and on failure wait 0.5 s, 1 s, 2 s … (at most 15 s) and retry;
- then every few seconds (FOOTNOTE_REFRESH_SECONDS): `sync()` the pipeline and `check()` its
  store; `sync` swaps in a new corpus snapshot, built here and not on a request's thread, when
  the store's generation moved (another process or replica wrote to it); while either fails,
  requests get 503 at once, and the store is re-checked with the same back-off, also by loading
  afresh (a repairing ingest may have rebuilt the collection the old pipeline holds) — the
  first that answers makes the service ready again.

Readiness is kept in memory, so /readyz never waits on the store or on the worker threads. What
it says is safe to show: the message of a FootnoteError, or a generic line (the cause is logged).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from footnote.index.errors import FootnoteError, IndexNotReady

__all__ = ["Checkable", "Loader", "Readiness", "Watched"]

log = logging.getLogger(__name__)

_UNEXPECTED = "the index could not be loaded; see the server log"


class Watched(Protocol):
    """A live corpus (service/corpus/live.py): `check()` raises while its store cannot answer;
    `sync()` reloads it when the store changed (True when it did); `close()` frees it once replaced."""

    def check(self) -> None: ...

    def sync(self) -> bool: ...

    def close(self) -> None: ...


class Checkable(Protocol):
    """A loaded pipeline, watched through its corpus."""

    @property
    def corpus(self) -> Watched: ...


P = TypeVar("P", bound=Checkable)


@dataclass(frozen=True, slots=True)
class Readiness:
    """What /readyz reports: ready, or why not (a message safe to show anyone)."""

    ready: bool
    detail: str


_LOADING = Readiness(ready=False, detail="the index is loading")
_READY = Readiness(ready=True, detail="ready")


def _reason(exc: Exception) -> str:
    if isinstance(exc, FootnoteError):
        return str(exc)
    log.error("loading the index failed", exc_info=exc)
    return _UNEXPECTED


class Loader(Generic[P]):
    """Owns the pipeline: loads it, retries, watches the store's health; stopped at shutdown."""

    def __init__(
        self,
        load: Callable[[], P],
        *,
        first_retry: float = 0.5,
        max_retry: float = 15.0,
        interval: float = 2.0,
    ) -> None:
        self._load = load
        self._first_retry, self._max_retry, self._interval = first_retry, max_retry, interval
        self._pipeline: P | None = None
        self._readiness = _LOADING
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def readiness(self) -> Readiness:
        """Ready, or why not; never blocks."""
        return self._readiness

    @property
    def loaded(self) -> P | None:
        """The last pipeline loaded, ready or not (for metrics); None before the first."""
        return self._pipeline

    def pipeline(self) -> P:
        """The loaded pipeline; IndexNotReady, with the reason, whenever /readyz is not ready."""
        pipeline, readiness = self._pipeline, self._readiness
        # While the store fails, a request fails at once (as /readyz says) instead of waiting on
        # the store for its whole timeout, holding a worker thread.
        if pipeline is None or not readiness.ready:
            raise IndexNotReady(readiness.detail)
        return pipeline

    def start(self) -> None:
        """Begin loading (or watching) in the background; again after a `stop`, as an ASGI
        server may run the app's lifespan more than once."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="footnote-loader", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the thread; waits at most `timeout` (a store call in flight is itself bounded)."""
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        delay = self._first_retry
        while not self._stop.is_set():
            if self._attempt():
                delay, wait = self._first_retry, self._interval
            else:
                wait, delay = delay, min(delay * 2, self._max_retry)
            self._stop.wait(wait)

    def _attempt(self) -> bool:
        """One step: check the loaded pipeline, or (re)load one; True when ready."""
        if self._pipeline is not None:
            try:
                # sync first: after another process wrote, an embedded store's old client fails
                # the check (see Store.fresh) where the new one answers
                if self._pipeline.corpus.sync():
                    log.info("the index changed: swapped in a new snapshot")
                self._pipeline.corpus.check()
                return self._set(_READY)
            except Exception as exc:
                if self._readiness.ready:  # fine a moment ago: report it now, reload next time
                    return self._set(Readiness(ready=False, detail=_reason(exc)))
        try:
            pipeline = self._load()
        except Exception as exc:
            return self._set(Readiness(ready=False, detail=_reason(exc)))
        try:
            pipeline.corpus.check()
        except Exception as exc:
            pipeline.corpus.close()
            return self._set(Readiness(ready=False, detail=_reason(exc)))
        old, self._pipeline = self._pipeline, pipeline
        if old is not None:
            old.corpus.close()  # its store's client, once the requests still on it are done
        return self._set(_READY)

    def _set(self, readiness: Readiness) -> bool:
        if readiness != self._readiness:
            log.log(
                logging.INFO if readiness.ready else logging.WARNING,
                "readiness: %s",
                readiness.detail,
            )
        self._readiness = readiness
        return readiness.ready
