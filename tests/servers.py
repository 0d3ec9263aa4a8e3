"""Helpers for tests that start real servers: free ports, readiness, a bounded stop."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

BIN = Path(sys.executable).parent


ROOT = Path(__file__).resolve().parent.parent


def footnote(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the `footnote` command as a user does (bounded), capturing what it prints."""
    return subprocess.run(
        [str(BIN / "footnote"), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, deadline_s: float, proc: subprocess.Popen[bytes]) -> None:
    """Poll `url` until it answers 200; fail early if the process died."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{proc.args} exited with {proc.returncode}"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"{url} not ready after {deadline_s}s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate, then kill if it will not go: never leave a server behind."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextmanager
def running(cmd: list[str], ready_url: str, deadline_s: float, **popen: Any) -> Iterator[None]:
    """Run a server process until the block ends; ready once `ready_url` answers 200."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen)
    try:
        wait_ready(ready_url, deadline_s, proc)
        yield
    finally:
        stop(proc)


@contextmanager
def footnote_serve(env: dict[str, str], port: int | None = None, **popen: Any) -> Iterator[str]:
    """`footnote serve` on a (free) loopback port, as a user runs it; yields its base URL."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [str(BIN / "footnote"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with running(cmd, f"{url}/readyz", 120, env=env, **popen):
        yield url


def parse_sse(raw: str) -> list[tuple[str, Any]]:
    """(event, JSON data) of each server-sent event in a response body; comments skipped."""
    events = []
    for block in raw.replace("\r\n", "\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n") if line and not line.startswith(":"))
        if "event" in fields:
            events.append((fields["event"], json.loads(fields["data"])))
    return events
