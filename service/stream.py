"""Stream: an answer as server-sent events — `citation`, `delta`, `done`, or `error`.

Each sentence's citations are sent before the text that refers to them, then the sentence
(with its [n] markers) as a `delta`; the deltas, joined, are exactly the answer's text, and
`done` carries the whole body, identical to what /v1/ask returns for the same request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from footnote.service.types import Answer

__all__ = ["events"]

log = logging.getLogger(__name__)


def _event(name: str, data: Any) -> dict[str, str]:
    return {"event": name, "data": json.dumps(data, ensure_ascii=False)}


def events(answer: Answer) -> Iterator[dict[str, str]]:
    """The events of one answer, in the order a reader should see them."""
    try:
        body = answer.to_json()
        by_id = {c.id: c for c in answer.citations}
        sent: set[int] = set()
        for i, sentence in enumerate(answer.sentences):
            for n in sentence.citations:
                if n not in sent:
                    sent.add(n)
                    yield _event("citation", asdict(by_id[n]))
            yield _event("delta", {"text": f"{' ' if i else ''}{sentence.render()}"})
        yield _event("done", body)
    except Exception:  # the stream has started: report in-band, never a broken connection
        log.exception("streaming an answer failed")
        yield _event("error", {"status": 500, "detail": "the answer could not be sent; please retry"})
