"""The same network in plain float32 numpy: the reference the SYM chain is
compared against (docs/training.md).

Linear and LayerNorm (biased variance, same eps, gamma/beta fixed), Quant is
the identity, MSE loss, exact float32 backward, plain SGD on every Linear's
w and b. It starts from the *dequantized* initial SYM parameters
(``model.dequantized()``), so both runs begin at the same point.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .chain import batches
from .factory import LayerNormLayer, LinearLayer, Model

F32 = np.float32


class FloatChain:
    def __init__(self, model: Model) -> None:
        p = model.dequantized()
        self.layers: list[dict[str, Any]] = []
        for layer in model.layers:
            if isinstance(layer, LinearLayer):
                self.layers.append({"kind": "linear", "name": layer.name, "w": p[f"{layer.name}.w"].copy(),
                                    "b": p.get(f"{layer.name}.b", np.zeros(layer.out_features, F32)).copy()})
            elif isinstance(layer, LayerNormLayer):
                self.layers.append({"kind": "layernorm", "gamma": p[f"{layer.name}.gamma"].copy(),
                                    "beta": p[f"{layer.name}.beta"].copy(), "eps": F32(layer.eps)})
            else:
                self.layers.append({"kind": "quant"})

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list[Any]]:
        cache: list[Any] = []
        h = np.asarray(x, dtype=F32)
        for L in self.layers:
            if L["kind"] == "linear":
                cache.append(h)
                h = (h @ L["w"].T + L["b"]).astype(F32)
            elif L["kind"] == "layernorm":
                mu = h.mean(axis=1, keepdims=True, dtype=F32)
                d = h - mu
                var = (d * d).mean(axis=1, keepdims=True, dtype=F32)
                inv = (F32(1) / np.sqrt(var + L["eps"])).astype(F32)
                n = (d * inv).astype(F32)
                cache.append((n, inv))
                h = (n * L["gamma"] + L["beta"]).astype(F32)
            else:
                cache.append(None)
        return h, cache

    def loss(self, x: np.ndarray, y: np.ndarray) -> float:
        out, _ = self.forward(x)
        diff = out - np.asarray(y, dtype=F32)
        return float(np.mean(diff * diff, dtype=F32))

    def step(self, x: np.ndarray, y: np.ndarray, lr: float) -> float:
        out, cache = self.forward(x)
        diff = (out - np.asarray(y, dtype=F32)).astype(F32)
        loss = float(np.mean(diff * diff, dtype=F32))
        dy = (F32(2) * diff / F32(diff.size)).astype(F32)
        grads: list[Any] = [None] * len(self.layers)
        for i in range(len(self.layers) - 1, -1, -1):
            L, c = self.layers[i], cache[i]
            if L["kind"] == "linear":
                grads[i] = ((dy.T @ c).astype(F32), dy.sum(axis=0, dtype=F32))
                dy = (dy @ L["w"]).astype(F32)
            elif L["kind"] == "layernorm":
                n, inv = c
                dn = (dy * L["gamma"]).astype(F32)
                m1 = dn.mean(axis=1, keepdims=True, dtype=F32)
                m2 = (dn * n).mean(axis=1, keepdims=True, dtype=F32)
                dy = (inv * ((dn - m1) - n * m2)).astype(F32)
        lr32 = F32(lr)
        for L, g in zip(self.layers, grads):
            if L["kind"] == "linear":
                L["w"] = (L["w"] - lr32 * g[0]).astype(F32)
                L["b"] = (L["b"] - lr32 * g[1]).astype(F32)
        return loss


def train_float(model: Model, x: np.ndarray, target: np.ndarray, steps: int, batch: int, lr: float,
                every: int = 0) -> dict[str, Any]:
    """float32 training with the same batches as :func:`symverify.model.chain.train`."""
    net = FloatChain(model)
    losses: list[float] = []
    curve: list[tuple[int, float]] = []
    for t, idx in enumerate(batches(len(x), batch, steps)):
        if every and t % every == 0:
            curve.append((t, net.loss(x, target)))
        losses.append(net.step(x[idx], target[idx], lr))
    if every:
        curve.append((steps, net.loss(x, target)))
    return {"losses": losses, "curve": curve, "net": net}
