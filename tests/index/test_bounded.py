"""Bounded calls: a blocking call gets at most so long, and stuck calls cannot pile up."""

from __future__ import annotations

import threading
import time

import pytest

from footnote.index.bounded import Bounded


def test_bounded__returns_the_result_or_raises_the_error_of_a_prompt_call() -> None:
    bounded = Bounded(1.0)
    assert bounded(lambda a, b=0: a + b, 2, b=3) == 5
    with pytest.raises(KeyError, match="missing"):
        bounded({}.__getitem__, "missing")


def test_bounded__gives_up_on_a_stuck_call_after_its_timeout() -> None:
    release = threading.Event()
    try:
        began = time.monotonic()
        with pytest.raises(TimeoutError, match=r"^no answer within 0\.2 s$"):
            Bounded(0.2)(release.wait)
        assert 0.2 <= time.monotonic() - began < 1.0
    finally:
        release.set()


def test_bounded__when_every_slot_is_stuck_further_calls_fail_within_the_timeout() -> None:
    release = threading.Event()
    bounded = Bounded(0.2, limit=2)
    try:
        for _ in range(2):
            with pytest.raises(TimeoutError):
                bounded(release.wait)
        began = time.monotonic()
        with pytest.raises(TimeoutError, match=r"^2 calls are still waiting for an answer$"):
            bounded(lambda: "never runs")
        assert time.monotonic() - began < 1.0
        assert sum(t.name == "footnote-store-call" for t in threading.enumerate()) == 2  # no pile-up
    finally:
        release.set()
    deadline = time.monotonic() + 5
    while bounded(lambda: "ok") != "ok" or any(
        t.name == "footnote-store-call" for t in threading.enumerate()
    ):
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_bounded__stuck_calls_run_on_daemon_threads_so_the_process_can_exit() -> None:
    release = threading.Event()
    try:
        with pytest.raises(TimeoutError):
            Bounded(0.05)(release.wait)
        stuck = [t for t in threading.enumerate() if t.name == "footnote-store-call"]
        assert stuck and all(t.daemon for t in stuck)
    finally:
        release.set()
