"""Model state: whether the configured language model's server answers, for /readyz.

A down model does not make the service unready — the extractive composer answers meanwhile — so
the state is reported beside the index's, never instead of it. It must cost /readyz nothing: a
read returns the last probe's result at once, and starts a new probe in the background when that
result is older than a few seconds (a probe is one `GET {base}/models`, bounded by its own
timeout). So the model server is asked at most once per interval, and only while someone reads.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from footnote.index.errors import ModelFailed

__all__ = ["NOT_CONFIGURED", "ModelState", "ModelWatch"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ModelState:
    """The language model's state as /readyz shows it (`detail` is safe to show anyone)."""

    configured: bool
    state: Literal["reachable", "unreachable", "unknown"] | None  # None: no model is configured
    detail: str


NOT_CONFIGURED = ModelState(
    configured=False, state=None, detail="no model server is configured: answers are extractive"
)
_FIRST = ModelState(
    configured=True, state="unknown", detail="the first check of the model server is under way"
)
_REACHABLE = ModelState(configured=True, state="reachable", detail="the model server answers")


class ModelWatch:
    """The last known state of one model server, probed in the background when it grows old."""

    def __init__(self, probe: Callable[[], None], every: float = 5.0) -> None:
        self._probe, self._every = probe, every
        self._state = _FIRST
        self._checked = -math.inf  # when the last probe started (time.monotonic())
        self._busy = False
        self._lock = threading.Lock()

    def state(self) -> ModelState:
        """The last probe's result, at once; a probe still out after twice the interval is a failure."""
        now = time.monotonic()
        with self._lock:
            if self._busy and now - self._checked > 2 * self._every:
                silent = f"the model server has not answered for {now - self._checked:.0f} s"
                self._state = ModelState(configured=True, state="unreachable", detail=silent)
            elif not self._busy and now - self._checked >= self._every:
                self._busy, self._checked = True, now
                threading.Thread(target=self._run, name="footnote-model-probe", daemon=True).start()
            return self._state

    def _run(self) -> None:
        try:
            self._probe()
            state = _REACHABLE
        except ModelFailed as exc:
            state = ModelState(configured=True, state="unreachable", detail=str(exc))
        except Exception:  # a bug, not the server: say so without its text
            log.exception("probing the model server failed")
            unknown = "the model server could not be checked; see the server log"
            state = ModelState(configured=True, state="unreachable", detail=unknown)
        with self._lock:
            if state != self._state:
                log.log(logging.INFO if state is _REACHABLE else logging.WARNING, "model: %s", state.detail)
            self._state, self._busy = state, False
