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

__all__ = ["guarded", "open_client", "persistent"]

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


def persistent(path: str, timeout: float, fresh: bool = False) -> ClientAPI:
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient
    from chromadb.config import Settings

    with _OPENING:  # two pipelines (a loader's reload beside the live one) may refresh at once
        if fresh:
            # Chroma keeps one client system per path and process, and it never learns what another
            # process wrote to that path after it loaded the vector index ("Error finding id").
            # Dropping the cache makes the next client load it from disk again; the old system
            # stays with whoever still holds it (a request in flight) and is freed with it.
            SharedSystemClient.clear_system_cache()
        settings = Settings(anonymized_telemetry=False)
        return guarded(Bounded(timeout), chromadb.PersistentClient, path=path, settings=settings)


def guarded(bounded: Bounded, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one Chroma call within the time bound; any failure becomes StoreUnavailable (logged)."""
    try:
        return bounded(fn, *args, **kwargs)
    except FootnoteError:
        raise
    except Exception as exc:
        log.warning("vector store call %s failed: %s", getattr(fn, "__name__", fn), exc)
        raise StoreUnavailable() from exc
