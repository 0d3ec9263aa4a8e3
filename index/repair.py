"""Repair: find a damaged vector index and keep what can still be read from it.

A truncated HNSW file (a full disk, a killed copy) leaves Chroma answering some searches from
what the file keeps, failing others, and sometimes crashing the process that reads it: with
chromadb 1.5.9, `header.bin` cut to 50 bytes makes the first read segfault. So only reading
every stored vector back finds the damage (0.06 s for 1,688 chunks; their metadata, which
ingest reads anyway, take 0.29 s). `footnote ingest` does that read of an embedded store in a
child process (~1.5 s to start), so that a crash marks the index damaged instead of ending the
one command meant to repair it; in-process callers on a healthy store skip that cost. The
child also saves the vectors it can still read, for ingest to reuse when it rebuilds the index
(index/ingest.py). A store that is down or frozen is not damaged: that is StoreUnavailable.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from footnote.index.errors import StoreUnavailable
from footnote.index.store import Store

__all__ = ["inspect"]

log = logging.getLogger(__name__)

_DAMAGED = 3  # the child's exit status for "damaged; the readable vectors are saved"


def inspect(store: Store, isolated: bool = False) -> dict[str, np.ndarray] | None:
    """None when every stored vector reads back; else the vectors still readable, by text hash.

    `isolated`: read an embedded store in a child process (what `footnote ingest` does).
    """
    if not isolated or store.path is None:  # a Chroma server's crash is not ours to survive
        return _inspect_here(store)
    with tempfile.TemporaryDirectory(prefix="footnote-repair-") as tmp:
        saved = Path(tmp) / "vectors.npz"
        cmd = [sys.executable, "-m", "footnote.index.repair", store.path, store.namespace, str(store.timeout)]
        child = subprocess.run([*cmd, str(saved)], capture_output=True, text=True)
        if child.returncode == 0:
            return None
        if child.returncode == _DAMAGED:
            with np.load(saved) as got:
                return dict(zip(got["keys"].tolist(), got["vectors"], strict=True))
        if child.returncode < 0:  # killed by a signal: reading the index crashed
            log.warning("reading the vector index back crashed (signal %d)", -child.returncode)
            return {}
        log.warning("checking the vector index failed: %s", child.stderr.strip()[-2000:])
        raise StoreUnavailable()


def _inspect_here(store: Store) -> dict[str, np.ndarray] | None:
    from chromadb.errors import ChromaError

    try:
        store.read_all_vectors()
        return None
    except StoreUnavailable as exc:
        if not isinstance(exc.__cause__, ChromaError):  # down or frozen, not damaged
            raise
    salvaged: dict[str, np.ndarray] = {}
    for source in store.documents():
        for key, vec in store.vectors_by_text(source).items():
            # what a damaged file gives back must still be what the embedder wrote: unit length
            if np.isfinite(vec).all() and abs(float(np.linalg.norm(vec)) - 1.0) < 1e-3:
                salvaged[key] = vec
    return salvaged


def _child(path: str, namespace: str, timeout: str, saved: str) -> int:
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))
    salvaged = _inspect_here(Store(client, namespace, float(timeout)))
    if salvaged is None:
        return 0
    keys = list(salvaged)
    vectors = np.stack([salvaged[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)
    np.savez(saved, keys=np.array(keys, dtype=str), vectors=vectors)
    return _DAMAGED


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    sys.exit(_child(*sys.argv[1:5]))
