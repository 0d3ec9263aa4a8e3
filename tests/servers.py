"""Helpers for tests that start real servers (the process rules are eval/processes.py's)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from footnote.eval.processes import free_port, running

BIN = Path(sys.executable).parent


ROOT = Path(__file__).resolve().parent.parent


def footnote(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the `footnote` command as a user does (bounded), capturing what it prints."""
    return subprocess.run(
        [str(BIN / "footnote"), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


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
