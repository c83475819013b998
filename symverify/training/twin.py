"""The float32 twin: the same network in plain numpy float32, started from the
*dequantized* initial SYM parameters (``model.dequantized()``) and trained
with the same batches and learning rate, so SYM and float32 differ only in
the arithmetic.

One entry per layer kind, like :mod:`symverify.training.sym_ops`: Linear
(exact float32 backward), Quant (identity both ways), LayerNorm (biased
variance, same eps; gamma and beta fixed, as on the SYM side) and the CNN
kinds of :mod:`symverify.training.cnn_twin`. Plain SGD on every Linear's and
Conv1d's w and b.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from symverify.model.factory import Model

from . import cnn_twin

F32 = np.float32


def _linear_fwd(p: dict, h: np.ndarray) -> tuple[np.ndarray, Any]:
    rows = h.reshape(len(h), -1)  # [B, C, L] after a conv / pool: flattened
    return (rows @ p["w"].T + p["b"]).astype(F32), (rows, h.shape)


def _linear_bwd(p: dict, cache: Any, dy: np.ndarray) -> tuple[np.ndarray, dict]:
    rows, shape = cache
    grads = {"w": (dy.T @ rows).astype(F32), "b": dy.sum(axis=0, dtype=F32)}
    return (dy @ p["w"]).astype(F32).reshape(shape), grads


def _quant_fwd(p: dict, h: np.ndarray) -> tuple[np.ndarray, Any]:
    return h, None


def _quant_bwd(p: dict, cache: Any, dy: np.ndarray) -> tuple[np.ndarray, dict]:
    return dy, {}


def _layernorm_fwd(p: dict, h: np.ndarray) -> tuple[np.ndarray, Any]:
    mu = h.mean(axis=1, keepdims=True, dtype=F32)
    d = (h - mu).astype(F32)
    var = (d * d).mean(axis=1, keepdims=True, dtype=F32)
    inv = (F32(1) / np.sqrt(var + p["eps"])).astype(F32)
    n = (d * inv).astype(F32)
    return (n * p["gamma"] + p["beta"]).astype(F32), (n, inv)


def _layernorm_bwd(p: dict, cache: Any, dy: np.ndarray) -> tuple[np.ndarray, dict]:
    n, inv = cache
    dn = (dy * p["gamma"]).astype(F32)
    m1 = dn.mean(axis=1, keepdims=True, dtype=F32)
    m2 = (dn * n).mean(axis=1, keepdims=True, dtype=F32)
    return (inv * ((dn - m1) - n * m2)).astype(F32), {}


FORWARD: dict[str, Callable] = {"linear": _linear_fwd, "quant": _quant_fwd, "layernorm": _layernorm_fwd,
                                **cnn_twin.FORWARD}
BACKWARD: dict[str, Callable] = {"linear": _linear_bwd, "quant": _quant_bwd, "layernorm": _layernorm_bwd,
                                 **cnn_twin.BACKWARD}
UPDATE: dict[str, tuple[str, ...]] = {"linear": ("w", "b"), "conv1d": ("w", "b")}


class FloatTwin:
    """float32 copy of a factory model (built before any SYM step)."""

    name = "numpy"

    def __init__(self, model: Model) -> None:
        values = model.dequantized()
        self.loss_kind = model.loss_kind
        self.layers: list[tuple[str, str, dict]] = []
        for layer in model.layers:
            if layer.kind in cnn_twin.LOSS_KINDS:
                continue
            if layer.kind not in FORWARD:
                raise ValueError(f"layer {layer.name!r}: kind {layer.kind!r} has no float32 twin "
                                 f"(supported: {', '.join(sorted(FORWARD))})")
            p = cnn_twin.layer_params(layer, values)
            self.layers.append((layer.name, layer.kind, p))

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list[Any]]:
        """Output and the per-layer caches for :meth:`step`."""
        h = np.asarray(x, dtype=F32)
        caches = []
        for _, kind, p in self.layers:
            h, c = FORWARD[kind](p, h)
            caches.append(c)
        return h, caches

    def step(self, x: np.ndarray, target: np.ndarray, lr: float) -> np.float32:
        """One SGD step on the loss against the one-hot ``target`` (MSE, or
        cross entropy with reduction mean for a softmax -> cross_entropy
        model); returns the batch loss."""
        out, caches = self.forward(x)
        t = np.asarray(target, dtype=F32)
        if self.loss_kind == "cross_entropy":
            loss, dy = cnn_twin.cross_entropy(out, t)
        else:
            diff = (out - t).astype(F32)
            loss = np.mean(diff * diff, dtype=F32)
            dy = (F32(2) * diff / F32(diff.size)).astype(F32)
        grads = []
        for (_, kind, p), c in zip(reversed(self.layers), reversed(caches)):
            dy, g = BACKWARD[kind](p, c, dy)
            grads.append(g)
        lr32 = F32(lr)
        for (_, kind, p), g in zip(self.layers, reversed(grads)):
            for name in UPDATE.get(kind, ()):
                p[name] = (p[name] - lr32 * g[name]).astype(F32)
        return F32(loss)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class indices (argmax of the output rows; a softmax keeps the argmax)."""
        return np.argmax(self.forward(x)[0], axis=1)
