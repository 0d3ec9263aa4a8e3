"""The chat widget (plain JavaScript, no build step) and the demo page that shows it."""

from __future__ import annotations

import html
from functools import cache
from importlib import resources

__all__ = ["demo_page", "widget_script"]


@cache
def widget_script() -> str:
    """widget.js, as shipped in the package."""
    return resources.files(__package__).joinpath("widget.js").read_text(encoding="utf-8")


def demo_page(base_url: str) -> str:
    """The demo page, showing the one tag to embed for this service's address."""
    page = resources.files(__package__).joinpath("demo.html").read_text(encoding="utf-8")
    return page.replace("{{BASE_URL}}", html.escape(base_url, quote=True))
