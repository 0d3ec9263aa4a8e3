"""Server processes for the bench and the tests: a free loopback port, readiness, a bounded stop.

One copy of the rules both need: a server is ready once a URL answers 200, a server that exits
while being waited for is a failure at once (not at the deadline), and a stop never leaves one
behind (terminate, then kill).
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

__all__ = ["free_port", "running", "stop", "wait_ready"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, deadline_s: float, proc: subprocess.Popen[bytes]) -> None:
    """Poll `url` until it answers 200; RuntimeError when the process exits or the deadline passes."""
    deadline = time.monotonic() + deadline_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} not ready after {deadline_s:.0f}s")
        time.sleep(0.05)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate, then kill if it will not go: never leave a server behind."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def running(cmd: list[str], ready_url: str, deadline_s: float, **popen: Any) -> Iterator[tuple[int, float]]:
    """A server process until the block ends: its pid and the seconds from start until ready."""
    began = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen)
    try:
        wait_ready(ready_url, deadline_s, proc)
        yield proc.pid, time.perf_counter() - began
    finally:
        stop(proc)
