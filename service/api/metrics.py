"""Metrics: what /metrics exposes, in one per-app prometheus-client registry.

A registry per app, not the library's global one, so every app a test (or a process) builds
counts alone. Requests and answers are counted by the request-log middleware
(service/api/requestlog.py), document writes and deletes by the documents API once they are committed
(service/api/documents.py); the snapshot gauges are read from the live pipeline at each scrape.

Who may read it: a scraper on the same host (a loopback client address) or anyone with the
API key; FOOTNOTE_METRICS_PUBLIC=1 opens it to all. Metrics reveal traffic and corpus size,
not content. Behind a reverse proxy on the same host every client looks like loopback: there,
let the proxy refuse /metrics from outside, or set an API key and leave loopback to the proxy.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

if TYPE_CHECKING:
    from footnote.service.answer.pipeline import Pipeline

__all__ = ["OUTCOMES", "WRITES", "Metrics"]

OUTCOMES = ("answered", "abstained", "error")
WRITES = ("changed", "unchanged")
FORBIDDEN = "metrics are readable from loopback only: send the API key or set FOOTNOTE_METRICS_PUBLIC=1"


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:  # not an address (e.g. a test client's name)
        return False


class Metrics:
    """The app's collectors, and who may read them."""

    def __init__(self, public: bool = False, api_key: str | None = None) -> None:
        self.public, self.api_key = public, api_key or None
        self.registry = r = CollectorRegistry()
        self.answers = Counter(
            "footnote_answers", "Questions answered, abstained on, or failed (5xx)", ["outcome"], registry=r
        )
        for outcome in OUTCOMES:
            self.answers.labels(outcome)  # every outcome shows, at 0 until it happens
        self.latency = Histogram(
            "footnote_request_duration_seconds",
            "Request latency by route template, method and status, to the last byte sent",
            ["route", "method", "status"],
            registry=r,
        )
        self.citations = Histogram(
            "footnote_answer_citations",
            "Citations per answered question",
            buckets=(1, 2, 3, 4, 6, 8, 12, 16, 24),
            registry=r,
        )
        self.documents = Gauge("footnote_snapshot_documents", "Documents in the live snapshot", registry=r)
        self.chunks = Gauge("footnote_snapshot_chunks", "Chunks in the live snapshot", registry=r)
        self.generation = Gauge(
            "footnote_snapshot_generation",
            "The store's generation the live snapshot was loaded at",
            registry=r,
        )
        self.age = Gauge(
            "footnote_snapshot_age_seconds", "Seconds since the live snapshot was loaded", registry=r
        )
        # A write of the same bytes again is a no-op the caller still asked for: counted apart, so a
        # CMS hook re-sending everything shows up without looking like churn.
        self.written = Counter(
            "footnote_documents_written",
            "Documents written through the documents API: changed (created or replaced) or unchanged",
            ["outcome"],
            registry=r,
        )
        for outcome in WRITES:
            self.written.labels(outcome)
        self.deleted = Counter(
            "footnote_documents_deleted", "Documents removed through the documents API", registry=r
        )

    def may_read(self, client_host: str | None, authorization: str) -> bool:
        """Whether this caller may read /metrics (see the module docstring)."""
        if self.public or _loopback(client_host):
            return True
        scheme, _, token = authorization.partition(" ")
        return (
            bool(self.api_key)
            and scheme.lower() == "bearer"
            and hmac.compare_digest(token.strip(), self.api_key or "")
        )

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.latency.labels(route, method, str(status)).observe(seconds)

    def observe_answer(self, outcome: str, citations: int) -> None:
        self.answers.labels(outcome).inc()
        if outcome == "answered":
            self.citations.observe(citations)

    def observe_write(self, unchanged: bool) -> None:
        """One document stored (or found already live) by the documents API."""
        self.written.labels("unchanged" if unchanged else "changed").inc()

    def observe_delete(self) -> None:
        """One document removed by the documents API."""
        self.deleted.inc()

    def render(self, pipeline: Pipeline | None) -> bytes:
        """The exposition text, with the snapshot gauges read now (left as they were while none
        is loaded)."""
        if pipeline is not None:
            snapshot = pipeline.corpus.live_snapshot()  # once: a delete may empty the corpus meanwhile
            self.documents.set(len(snapshot.documents) if snapshot is not None else 0)
            self.chunks.set(len(snapshot.chunks) if snapshot is not None else 0)
            self.generation.set(max(pipeline.corpus.generation.counter, 0))
            self.age.set(max(time.time() - pipeline.corpus.loaded_at, 0.0))
        return generate_latest(self.registry)
