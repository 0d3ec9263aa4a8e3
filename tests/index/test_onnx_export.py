"""The cached ONNX export is verified (size and sha256 in a sidecar) and rebuilt when damaged."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import footnote.index.embed
from footnote.index.embed import export_onnx

MODEL = b"\x08\x07" + bytes(range(256)) * 400  # stands in for an exported model's bytes


@pytest.fixture
def exports(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Replace the (30 s, torch) export with one that writes MODEL; records each export."""
    done: list[Path] = []

    def fake_export(path: Path) -> None:
        path.write_bytes(MODEL)
        done.append(path)

    monkeypatch.setattr(footnote.index.embed, "_export", fake_export)
    return done


def test_export_onnx__exports_once_then_reuses_the_verified_file(tmp_path: Path, exports: list[Path]) -> None:
    path = export_onnx(tmp_path)
    assert path.read_bytes() == MODEL and len(exports) == 1
    sidecar = json.loads(path.with_name(path.name + ".json").read_text())
    assert sidecar["size"] == len(MODEL) and len(sidecar["sha256"]) == 64
    assert export_onnx(tmp_path) == path and len(exports) == 1
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(MODEL[: len(MODEL) // 2]),  # truncated
        lambda p: p.write_bytes(MODEL[:-1] + b"\x00"),  # same size, other bytes
        lambda p: p.unlink(),  # gone, sidecar left behind
        lambda p: p.with_name(p.name + ".json").write_text("{not json"),  # sidecar damaged
    ],
    ids=["truncated", "altered", "missing", "bad-sidecar"],
)
def test_export_onnx__a_damaged_export_is_rebuilt(
    tmp_path: Path, exports: list[Path], damage: Callable[[Path], object]
) -> None:
    path = export_onnx(tmp_path)
    damage(path)
    assert export_onnx(tmp_path) == path
    assert len(exports) == 2 and path.read_bytes() == MODEL


def test_export_onnx__an_unverifiable_old_export_is_rebuilt(tmp_path: Path, exports: list[Path]) -> None:
    path = export_onnx(tmp_path)
    path.with_name(path.name + ".json").unlink()  # as left by a version that wrote no sidecar
    path.write_bytes(MODEL[:1000])  # and truncated: not a model ONNX can read
    assert export_onnx(tmp_path) == path
    assert len(exports) == 2 and path.read_bytes() == MODEL


def test_export_onnx__a_readable_old_export_is_kept_and_gets_its_sidecar(
    tmp_path: Path, exports: list[Path]
) -> None:
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    path = footnote.index.embed._onnx_path(tmp_path)
    onnx.save(helper.make_model(graph), str(path))  # an export made before sidecars existed
    assert export_onnx(tmp_path) == path and exports == []
    assert path.with_name(path.name + ".json").exists()


@pytest.mark.slow
def test_export_onnx__a_truncated_real_export_is_rebuilt_and_embeds_as_before(
    model_cache: Path, tmp_path: Path
) -> None:
    from footnote.index.embed import OnnxEmbedder

    good = export_onnx(model_cache)
    cache = tmp_path / "models"
    cache.mkdir()
    for path in (good, good.with_name(good.name + ".json")):
        shutil.copy(path, cache / path.name)
    with (cache / good.name).open("r+b") as f:
        f.truncate(good.stat().st_size // 2)  # e.g. a disk that filled up during a copy
    texts = ["What did Lavrov say about security guarantees?", "Bundeswehr"]
    got = OnnxEmbedder(cache).embed_batch(texts)
    assert np.allclose(got, OnnxEmbedder(model_cache).embed_batch(texts), atol=1e-6)
    assert (cache / good.name).stat().st_size == good.stat().st_size
