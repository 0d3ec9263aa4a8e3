"""Helpers for tests that start real servers: free ports, readiness, a bounded stop."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


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
