"""Stream: an answer as server-sent events — `citation`, `delta`, `done`, or `error`.

Each released sentence's new citations are sent before the text that refers to them, then the
sentence (with its [n] markers) as a `delta`; the deltas, joined, are exactly the answer's text,
and `done` carries the whole body, the same shape as /v1/ask's, describing exactly what was sent.
With a language model, a sentence is released only once it passed verify (service/answer/release.py),
so events arrive as the model writes, and never an unverified sentence.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

from footnote.service.answer.release import Released, Said

__all__ = ["events", "payloads"]

log = logging.getLogger(__name__)


def payloads(released: Iterable[Released]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The events of one answer as it is released, by name and data, in the order a reader should
    see them (`events` sends them as they are; /v1/chat/completions recasts them as chunks)."""
    try:
        first = True
        for item in released:
            if isinstance(item, Said):
                for citation in item.citations:
                    yield "citation", asdict(citation)
                yield "delta", {"text": f"{'' if first else ' '}{item.sentence.render()}"}
                first = False
            else:
                yield "done", item.to_json()
                return
        raise RuntimeError("the released items ended without the answer")
    except Exception:  # the stream has started: report in-band, never a broken connection
        log.exception("streaming an answer failed")
        yield "error", {"status": 500, "detail": "the answer could not be sent; please retry"}


def events(released: Iterable[Released]) -> Iterator[dict[str, str]]:
    """`payloads` as server-sent events."""
    for name, data in payloads(released):
        yield {"event": name, "data": json.dumps(data, ensure_ascii=False)}
