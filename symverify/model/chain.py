"""Full-SYM training step over a backend (docs/training.md).

Backend-generic: every arithmetic call goes to the given backend
(``sv.kernels`` or ``sv.emulate``) through the layer API of docs/layers.md;
this module only moves tensors around. One :class:`~symverify.Rng` carries
all stochastic rounding of a step, in this order: forward layers, loss,
backward layers (last to first), SGD updates (layers first to last, w then b).

A step on a model built by :func:`symverify.model.build_model`:

1. x (float32) -> ``float_to_sym(x, model.input_bits)`` (HALF_AWAY, no draws);
2. forward: ``linear_forward`` / ``quant_forward`` / ``layernorm_forward``;
3. ``mse_loss(y, target, grad_bits)``;
4. backward: ``linear_backward`` (grad_w: fresh zeros at ``grad_w_bits``,
   scale 1; grad_b: fresh zeros at the incoming dy's scale, width 32, so the
   fixed-scale accumulate adds db exactly), ``quant_backward``
   (straight-through), ``layernorm_backward`` (gamma/beta are not trained);
5. ``sgd_update`` of every Linear w and b with ``sgd_rounding`` (default
   SR_HALF_AWAY) -- the write-back into SYM.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symverify.types import HALF_AWAY, SR_HALF_AWAY, Rng, SymTensor

from .factory import LayerNormLayer, LinearLayer, Model, QuantLayer


@dataclass
class TrainConfig:
    lr: float = 0.05
    grad_bits: int = 12
    rounding: str = HALF_AWAY        # forward / loss / backward rounding
    sgd_rounding: str = SR_HALF_AWAY  # write-back rounding
    order: str = "ratio"

    @classmethod
    def from_model(cls, model: Model, **overrides: Any) -> "TrainConfig":
        t = model.training
        kw = {k: t[k] for k in ("lr", "grad_bits", "rounding", "sgd_rounding", "order") if k in t}
        kw.update(overrides)
        return cls(**kw)


@dataclass
class StepResult:
    loss: np.float32
    rng_state: int
    grads: dict[str, SymTensor] = field(default_factory=dict)


def _rng(mode: str, rng: Rng | None) -> Rng | None:
    return rng if mode == SR_HALF_AWAY else None


def forward(model: Model, backend: Any, x: SymTensor, cfg: TrainConfig, rng: Rng | None
            ) -> tuple[SymTensor, list[SymTensor]]:
    """Forward through every layer; returns (output, inputs of every layer)."""
    inputs: list[SymTensor] = []
    r = _rng(cfg.rounding, rng)
    for layer in model.layers:
        inputs.append(x)
        if isinstance(layer, LinearLayer):
            x = backend.linear_forward(x, layer.w, layer.b, layer.out_bits, rounding=cfg.rounding,
                                       order=cfg.order, rng_state=r)
        elif isinstance(layer, QuantLayer):
            x = backend.quant_forward(x, layer.q_max_bits, rounding=cfg.rounding, order=cfg.order, rng_state=r)
        elif isinstance(layer, LayerNormLayer):
            x = backend.layernorm_forward(x, layer.gamma, layer.beta, layer.norm_bits, layer.eps,
                                          rounding=cfg.rounding, rng_state=r)
        else:  # pragma: no cover
            raise TypeError(f"unknown layer {layer!r}")
    return x, inputs


def backward(model: Model, backend: Any, inputs: list[SymTensor], dy: SymTensor, cfg: TrainConfig,
             rng: Rng | None) -> dict[str, SymTensor]:
    """Backward through every layer (last to first); returns the parameter
    gradients ``{"layer.w": grad_w, "layer.b": grad_b}``."""
    grads: dict[str, SymTensor] = {}
    r = _rng(cfg.rounding, rng)
    for layer, x in zip(reversed(model.layers), reversed(inputs)):
        if isinstance(layer, LinearLayer):
            gw0 = SymTensor(np.zeros(layer.w.mantissas.shape, dtype=np.int32), np.float32(1.0), layer.grad_w_bits)
            gb0 = None
            if layer.b is not None:
                gb0 = SymTensor(np.zeros(layer.b.mantissas.shape, dtype=np.int32), dy.scale, 32)
            dy, gw, gb = backend.linear_backward(x, layer.w, dy, gw0, gb0, layer.dx_bits, rounding=cfg.rounding,
                                                 order=cfg.order, rng_state=r)
            grads[f"{layer.name}.w"] = gw
            if gb is not None:
                grads[f"{layer.name}.b"] = gb
        elif isinstance(layer, QuantLayer):
            dy = backend.quant_backward(dy)
        elif isinstance(layer, LayerNormLayer):
            dy = backend.layernorm_backward(x, layer.gamma, dy, layer.dx_bits, layer.eps, rounding=cfg.rounding,
                                            rng_state=r)
    return grads


def sgd(model: Model, backend: Any, grads: dict[str, SymTensor], cfg: TrainConfig, rng: Rng | None) -> None:
    """Write the SGD update back into every Linear's w and b (in place on the model)."""
    r = _rng(cfg.sgd_rounding, rng)
    for layer in model.layers:
        if isinstance(layer, LinearLayer):
            layer.w = backend.sgd_update(layer.w, grads[f"{layer.name}.w"], cfg.lr, rounding=cfg.sgd_rounding,
                                         rng_state=r)
            if layer.b is not None:
                layer.b = backend.sgd_update(layer.b, grads[f"{layer.name}.b"], cfg.lr,
                                             rounding=cfg.sgd_rounding, rng_state=r)


def loss_only(model: Model, backend: Any, x: np.ndarray, target: np.ndarray, cfg: TrainConfig) -> np.float32:
    """The MSE of the current model on (x, target), HALF_AWAY everywhere, no RNG."""
    ha = TrainConfig(cfg.lr, cfg.grad_bits, HALF_AWAY, HALF_AWAY, cfg.order)
    xs = backend.float_to_sym(np.asarray(x, dtype=np.float32), model.input_bits, HALF_AWAY)
    y, _ = forward(model, backend, xs, ha, None)
    loss, _ = backend.mse_loss(y, np.asarray(target, dtype=np.float32), cfg.grad_bits, rounding=HALF_AWAY)
    return loss


def train_step(model: Model, backend: Any, x: np.ndarray, target: np.ndarray, cfg: TrainConfig,
               rng: Rng) -> StepResult:
    """One full-SYM training step (forward, MSE, backward, SGD write-back);
    updates the model's parameters and ``rng`` in place."""
    xs = backend.float_to_sym(np.asarray(x, dtype=np.float32), model.input_bits, HALF_AWAY)
    y, inputs = forward(model, backend, xs, cfg, rng)
    loss, dy = backend.mse_loss(y, np.asarray(target, dtype=np.float32), cfg.grad_bits, rounding=cfg.rounding,
                                rng_state=_rng(cfg.rounding, rng))
    grads = backward(model, backend, inputs, dy, cfg, rng)
    sgd(model, backend, grads, cfg, rng)
    return StepResult(np.float32(loss), rng.state, grads)


# --------------------------------------------------------------------------- synthetic task
def synthetic_regression(n: int, in_features: int, out_features: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """A small smooth regression task: x ~ N(0, 1); target_k = tanh(x a_k) +
    0.5 * (x c_k) / sqrt(I), float32."""
    g = np.random.default_rng(seed)
    x = g.standard_normal((n, in_features)).astype(np.float32)
    a = g.standard_normal((in_features, out_features)) / np.sqrt(in_features)
    c = g.standard_normal((in_features, out_features))
    y = np.tanh(x.astype(np.float64) @ a) + 0.5 * (x.astype(np.float64) @ c) / np.sqrt(in_features)
    return x, y.astype(np.float32)


def batches(n: int, batch: int, steps: int, seed: int = 2) -> list[np.ndarray]:
    """Row indices of each step: fixed seeded permutations, epoch after epoch."""
    g = np.random.default_rng(seed)
    out: list[np.ndarray] = []
    perm = g.permutation(n)
    pos = 0
    while len(out) < steps:
        if pos + batch > n:
            perm, pos = g.permutation(n), 0
        out.append(perm[pos:pos + batch])
        pos += batch
    return out


def train(model: Model, backend: Any, x: np.ndarray, target: np.ndarray, steps: int, batch: int,
          cfg: TrainConfig, seed: int = 0, every: int = 0, eval_x: np.ndarray | None = None,
          eval_y: np.ndarray | None = None) -> dict[str, Any]:
    """Train for ``steps`` steps; returns per-step batch losses, the final RNG
    state and (every ``every`` steps, if set) the full-data loss."""
    rng = Rng(seed)
    losses: list[float] = []
    curve: list[tuple[int, float]] = []
    ex = x if eval_x is None else eval_x
    ey = target if eval_y is None else eval_y
    for t, idx in enumerate(batches(len(x), batch, steps)):
        if every and t % every == 0:
            curve.append((t, float(loss_only(model, backend, ex, ey, cfg))))
        res = train_step(model, backend, x[idx], target[idx], cfg, rng)
        losses.append(float(res.loss))
    if every:
        curve.append((steps, float(loss_only(model, backend, ex, ey, cfg))))
    return {"losses": losses, "curve": curve, "rng_state": rng.state}
