"""A real footnote server (real model, real Chroma), pages on other origins, and Debian's chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from footnote.eval.processes import free_port
from tests.conftest import ROOT, SEEDS
from tests.servers import footnote, footnote_serve

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "screenshots"
MARKUP = ROOT / "tests" / "fixtures" / "markup-article.txt"


def host_page(api: str) -> bytes:
    """Another site's page, with the one tag pasted in."""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Host site</title></head>'
        "<body><h1>A news site</h1><p>Some article text.</p>"
        f'<script src="{api}/widget.js" defer></script></body></html>'
    ).encode()


class _Site:
    """A static page server on 127.0.0.1 (another origin than the API)."""

    def __init__(self, page: bytes) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


KEY = "browser-test-key"


@dataclass
class Served:
    api: str  # the footnote service, with FOOTNOTE_API_KEY set: as a real deployment runs it
    allowed_site: str  # a page on an origin in FOOTNOTE_ALLOWED_ORIGINS
    refused_site: str  # a page on an origin that is not
    corpus: Path

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """GET from the API as a program does: with the key."""
        return httpx.get(f"{self.api}{path}", headers={**BEARER, **kwargs.pop("headers", {})}, timeout=30)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        """POST to the API as a program does: with the key."""
        headers = {**BEARER, **kwargs.pop("headers", {})}
        return httpx.post(f"{self.api}{path}", headers=headers, timeout=30, **kwargs)


BEARER = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[Served]:
    """`footnote ingest` + `footnote serve` as a user runs them, over the seeds and the markup file."""
    corpus = tmp_path_factory.mktemp("corpus")
    for f in SEEDS.iterdir():
        shutil.copy(f, corpus / f.name)
    shutil.copy(MARKUP, corpus / MARKUP.name)
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    pages = [_Site(host_page(api)), _Site(host_page(api))]
    env = {
        **os.environ,
        "FOOTNOTE_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        "FOOTNOTE_MODEL_DIR": str(model_cache),
        "FOOTNOTE_ALLOWED_ORIGINS": pages[0].url,
        "FOOTNOTE_API_KEY": KEY,
        "HF_HUB_OFFLINE": "1",
    }
    ingest = footnote(env, "ingest", str(corpus))
    assert ingest.returncode == 0, ingest.stderr
    try:
        with footnote_serve(env, port):
            yield Served(api, pages[0].url, pages[1].url, corpus)
    finally:
        for p in pages:
            p.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium, driven by Playwright (which cannot download browsers here)."""
    assert CHROMIUM.exists(), "chromium is missing: `make install` installs it with apt-get"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True, timeout=60_000)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context per test; a screenshot of how it ended, under screenshots/."""
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    context.set_default_timeout(30_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.page_errors = errors
    try:
        yield pg
    finally:
        SCREENSHOTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
        context.close()
