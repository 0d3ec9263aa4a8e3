"""Connect: open the Chroma client footnote's store talks to — embedded, or a server.

Opening is bounded in time like every other Chroma call (index/bounded.py), and whatever fails
in it surfaces as StoreUnavailable, whose message is safe to show; the cause is logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

from footnote.index.bounded import Bounded
from footnote.index.errors import FootnoteError, StoreUnavailable

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

__all__ = ["guarded", "open_client", "persistent", "reopen"]

log = logging.getLogger(__name__)

T = TypeVar("T")

# Clearing Chroma's client cache and opening the next client are one step per process
_OPENING = threading.Lock()


def open_client(data_dir: str, chroma_url: str | None, timeout: float = 10.0) -> ClientAPI:
    """An HTTP client when `chroma_url` is set, else an embedded store under `data_dir`.

    StoreUnavailable when it cannot be opened within `timeout` seconds (an HTTP client asks the
    server for its tenant as it is built).
    """
    if not chroma_url:
        return persistent(f"{data_dir}/chroma", timeout)
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    url = urlparse(chroma_url)
    port = url.port or (443 if url.scheme == "https" else 8000)
    return guarded(
        Bounded(timeout),
        chromadb.HttpClient,
        host=url.hostname or "127.0.0.1",
        port=port,
        ssl=url.scheme == "https",
        settings=settings,
    )


def persistent(path: str, timeout: float) -> ClientAPI:
    """An embedded client of the store under `path` (Chroma's shared one for this path and process)."""
    import chromadb
    from chromadb.config import Settings

    with _OPENING:  # never beside a `reopen` clearing Chroma's cache
        settings = Settings(anonymized_telemetry=False)
        return guarded(Bounded(timeout), chromadb.PersistentClient, path=path, settings=settings)


def reopen(path: str, timeout: float) -> tuple[ClientAPI, Callable[[], None]]:
    """A new embedded client of the store under `path`, which also sees what other processes
    wrote there, and what frees it (its threads, SQLite handles and vector caches) when unused.

    Chroma keeps one client system per path and process, and it never learns what another process
    wrote to that path after it loaded the vector index ("Error finding id"). Dropping its cache
    makes the next client load it from disk again; the old system stays with whoever still holds
    it (a request in flight) until its own closer runs (see index/lease.py).
    """
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient
    from chromadb.config import Settings

    with _OPENING:  # two pipelines (a loader's reload beside the live one) may refresh at once
        SharedSystemClient.clear_system_cache()
        settings = Settings(anonymized_telemetry=False)
        client = guarded(Bounded(timeout), chromadb.PersistentClient, path=path, settings=settings)
        # `Client.close()` would release whichever system the path maps to when it runs, which is
        # the next client's once the cache was cleared again; so the system is taken now, while
        # the cache maps the path to this client's (chromadb 1.5: `SharedSystemClient._system`).
        system = client._system  # type: ignore[attr-defined]
    return client, system.stop


def guarded(bounded: Bounded, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one Chroma call within the time bound; any failure becomes StoreUnavailable (logged)."""
    try:
        return bounded(fn, *args, **kwargs)
    except FootnoteError:
        raise
    except Exception as exc:
        log.warning("vector store call %s failed: %s", getattr(fn, "__name__", fn), exc)
        raise StoreUnavailable() from exc
