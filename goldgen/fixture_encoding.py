"""The encoding shared by the layer-kind vector catalogs (layers, pool,
softmax): argument builders, the ``*_dec`` comments, the catalog hash and the
status-mismatch error.

It imports no fixture catalog, so every catalog module can import it without
an import circle (tests/test_import_graph.py).
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from .vecformat import FixtureError, dec32, f32_from_hex, hex32


def T(m: Any, scale: float, bits: int) -> dict[str, Any]:
    """An encoded SymTensor argument."""
    arr = np.asarray(m, dtype=np.int64)
    return {"shape": list(arr.shape), "mantissas": [int(v) for v in arr.ravel()],
            "scale": hex32(np.float32(scale)), "q_max_bits": bits}


def F(values: Any) -> dict[str, Any]:
    """An encoded float32 array argument."""
    arr = np.asarray(values, dtype=np.float32)
    return {"shape": list(arr.shape), "f32": [hex32(v) for v in arr.ravel()]}


def S(x: float) -> str:
    """An encoded float32 scalar."""
    return hex32(np.float32(x))


def comment(obj: Any, key: str | None = None) -> Any:
    """``obj`` with ``*_dec`` decimal comments next to its float32 hex fields."""
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out[k] = comment(v, k)
            if isinstance(v, str) and v.startswith("0x") and k in ("scale", "eps", "lr", "loss"):
                out[f"{k}_dec"] = dec32(f32_from_hex(v))
            if k == "f32":
                out["f32_dec"] = [dec32(f32_from_hex(s)) for s in v]
        return out
    if isinstance(obj, list):
        return [comment(v) for v in obj]
    return obj


def catalog_hash(items: list[dict[str, Any]]) -> str:
    """The sha256 of a fixture catalog in canonical JSON (stamped into its vector file)."""
    return hashlib.sha256(json.dumps(items, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class LayerFixtureError(FixtureError):
    """A fixture's emulator status differs from its declared status."""
