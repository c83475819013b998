"""Full-SYM forward / backward / SGD of a factory model, one entry per layer kind.

Every arithmetic call goes to the given backend (``sv.kernels`` = the C
kernels through cffi, ``sv.emulate`` = the numpy float32 emulator): the same
code trains on both, so the two runs can be compared bit for bit. A new layer
kind (conv1d, relu, pools) plugs in by adding its entry to :data:`FORWARD`,
:data:`BACKWARD` and, if it has parameters, :data:`UPDATE`.

The step order and RNG use are those of :mod:`symverify.model.chain`: one
:class:`~symverify.Rng` carries every stochastic rounding of a step: forward
layers, loss, backward layers (last to first), SGD updates (first to last,
w then b). With ``rounding = half_away`` only the SGD write-back draws.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from symverify.model.chain import TrainConfig
from symverify.model.factory import Model
from symverify.types import SR_HALF_AWAY, Rng, SymTensor

#: a kind's forward: (layer, backend, x, cfg, rng) -> y
Forward = Callable[[Any, Any, SymTensor, TrainConfig, "Rng | None"], SymTensor]
#: a kind's backward: (layer, backend, x, dy, cfg, rng) -> (dx, {param: grad})
Backward = Callable[[Any, Any, SymTensor, SymTensor, TrainConfig, "Rng | None"],
                    tuple[SymTensor, dict[str, SymTensor]]]


def rng_for(mode: str, rng: Rng | None) -> Rng | None:
    """The RNG only where the rounding mode draws."""
    return rng if mode == SR_HALF_AWAY else None


def _linear_fwd(layer, backend, x, cfg, r):
    return backend.linear_forward(x, layer.w, layer.b, layer.out_bits, rounding=cfg.rounding, order=cfg.order,
                                  rng_state=r)


def _quant_fwd(layer, backend, x, cfg, r):
    return backend.quant_forward(x, layer.q_max_bits, rounding=cfg.rounding, order=cfg.order, rng_state=r)


def _layernorm_fwd(layer, backend, x, cfg, r):
    return backend.layernorm_forward(x, layer.gamma, layer.beta, layer.norm_bits, layer.eps, rounding=cfg.rounding,
                                     rng_state=r)


def _linear_bwd(layer, backend, x, dy, cfg, r):
    # fresh zero gradients: grad_w at grad_w_bits (the dynamic accumulate sets
    # its scale); grad_b at dy's scale, width 32, so the fixed-scale
    # accumulate adds db exactly
    gw0 = SymTensor(np.zeros(layer.w.mantissas.shape, dtype=np.int32), np.float32(1.0), layer.grad_w_bits)
    gb0 = None if layer.b is None else SymTensor(np.zeros(layer.b.mantissas.shape, dtype=np.int32), dy.scale, 32)
    dx, gw, gb = backend.linear_backward(x, layer.w, dy, gw0, gb0, layer.dx_bits, rounding=cfg.rounding,
                                         order=cfg.order, rng_state=r)
    return dx, ({"w": gw} if gb is None else {"w": gw, "b": gb})


def _quant_bwd(layer, backend, x, dy, cfg, r):
    return backend.quant_backward(dy), {}


def _layernorm_bwd(layer, backend, x, dy, cfg, r):
    # gamma and beta stay fixed: the LayerNorm kernel gives dx only (docs/layers.md)
    return backend.layernorm_backward(x, layer.gamma, dy, layer.dx_bits, layer.eps, rounding=cfg.rounding,
                                      rng_state=r), {}


FORWARD: dict[str, Forward] = {"linear": _linear_fwd, "quant": _quant_fwd, "layernorm": _layernorm_fwd}
BACKWARD: dict[str, Backward] = {"linear": _linear_bwd, "quant": _quant_bwd, "layernorm": _layernorm_bwd}
#: trained parameters per kind, in update order
UPDATE: dict[str, tuple[str, ...]] = {"linear": ("w", "b")}


def _op(table: dict, layer: Any) -> Any:
    try:
        return table[layer.kind]
    except KeyError:
        raise ValueError(f"layer {layer.name!r}: kind {layer.kind!r} has no SYM training step "
                         f"(supported: {', '.join(sorted(table))})") from None


def check_trainable(model: Model) -> None:
    """Raise ValueError naming the first layer whose kind has no training step."""
    for layer in model.layers:
        _op(FORWARD, layer)
        _op(BACKWARD, layer)


def forward(model: Model, backend: Any, x: SymTensor, cfg: TrainConfig, rng: Rng | None
            ) -> tuple[SymTensor, list[SymTensor]]:
    """Forward through every layer; returns (output, the input of every layer)."""
    r = rng_for(cfg.rounding, rng)
    kept: list[SymTensor] = []
    for layer in model.layers:
        kept.append(x)
        x = _op(FORWARD, layer)(layer, backend, x, cfg, r)
    return x, kept


def backward(model: Model, backend: Any, kept: list[SymTensor], dy: SymTensor, cfg: TrainConfig,
             rng: Rng | None) -> dict[str, SymTensor]:
    """Backward, last layer first; returns ``{"layer.param": grad}``."""
    r = rng_for(cfg.rounding, rng)
    grads: dict[str, SymTensor] = {}
    for layer, x in zip(reversed(model.layers), reversed(kept)):
        dy, g = _op(BACKWARD, layer)(layer, backend, x, dy, cfg, r)
        grads.update({f"{layer.name}.{k}": v for k, v in g.items()})
    return grads


def sgd(model: Model, backend: Any, grads: dict[str, SymTensor], cfg: TrainConfig, rng: Rng | None) -> None:
    """SGD with write-back into SYM (``cfg.sgd_rounding``), in place on the model."""
    r = rng_for(cfg.sgd_rounding, rng)
    for layer in model.layers:
        for name in UPDATE.get(layer.kind, ()):
            p = getattr(layer, name)
            if p is None:
                continue
            setattr(layer, name, backend.sgd_update(p, grads[f"{layer.name}.{name}"], cfg.lr,
                                                    rounding=cfg.sgd_rounding, rng_state=r))
