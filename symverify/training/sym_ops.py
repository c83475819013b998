"""Full-SYM forward / backward / SGD of a factory model, one entry per layer kind.

Every arithmetic call goes to the given backend (``sv.kernels`` = the C
kernels through cffi, ``sv.emulate`` = the numpy float32 emulator): the same
code trains on both, so the two runs can be compared bit for bit. A new layer
kind plugs in by adding its entry to :data:`FORWARD`, :data:`BACKWARD` and,
if it has parameters, :data:`UPDATE`. Between layers the conv / pool kinds
pass [B, C, L]; a Linear flattens it to [B, C*L] (and its dx back). A Conv1d
requantizes an incoming gradient wider than its ``dy_bits`` (the pools'
backward emits declared width 32) with ``requant_dynamic`` before its
products. Softmax + cross entropy: the loss gives the gradient w.r.t. the
logits, so the softmax backward passes it through.

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


def _rows(x: SymTensor) -> SymTensor:
    """[B, C, L] -> [B, C*L] (a Linear after a conv / pool), same mantissas and scale."""
    if x.mantissas.ndim <= 2:
        return x
    return SymTensor(x.mantissas.reshape(len(x.mantissas), -1), x.scale, x.q_max_bits)


def _narrow(backend: Any, dy: SymTensor, bits: int, cfg: TrainConfig, r: Rng | None) -> SymTensor:
    """An incoming gradient wider than the layer's ``dy_bits`` (a pool's
    backward emits declared width 32) is requantized to it first."""
    if dy.q_max_bits <= bits:
        return dy
    return backend.requant_dynamic(dy, bits, rounding=cfg.rounding, order=cfg.order, rng_state=r)


def _linear_fwd(layer, backend, x, cfg, r):
    x = _rows(x)
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
    dx, gw, gb = backend.linear_backward(_rows(x), layer.w, dy, gw0, gb0, layer.dx_bits, rounding=cfg.rounding,
                                         order=cfg.order, rng_state=r)
    if x.mantissas.ndim > 2:
        dx = SymTensor(dx.mantissas.reshape(x.mantissas.shape), dx.scale, dx.q_max_bits)
    return dx, ({"w": gw} if gb is None else {"w": gw, "b": gb})


def _conv1d_fwd(layer, backend, x, cfg, r):
    return backend.conv1d_forward(x, layer.w, layer.b, **layer.geometry(), out_bits=layer.out_bits,
                                  rounding=cfg.rounding, order=cfg.order, rng_state=r)


def _conv1d_bwd(layer, backend, x, dy, cfg, r):
    # the parameter gradients as for Linear: grad_w fresh zeros at grad_w_bits
    # (scale 1, set by the dynamic accumulate), grad_b raw at dy's scale
    dy = _narrow(backend, dy, layer.dy_bits, cfg, r)
    gw0 = SymTensor(np.zeros(layer.w.mantissas.shape, dtype=np.int32), np.float32(1.0), layer.grad_w_bits)
    gb0 = None if layer.b is None else SymTensor(np.zeros(layer.b.mantissas.shape, dtype=np.int32), dy.scale, 32)
    dx, gw, gb = backend.conv1d_backward(x, layer.w, dy, gw0, gb0, **layer.geometry(), dx_bits=layer.dx_bits,
                                         rounding=cfg.rounding, order=cfg.order, rng_state=r)
    return dx, ({"w": gw} if gb is None else {"w": gw, "b": gb})


def _relu_fwd(layer, backend, x, cfg, r):
    return backend.relu_forward(x)


def _relu_bwd(layer, backend, x, dy, cfg, r):
    return backend.relu_backward(x, dy), {}


def _maxpool_fwd(layer, backend, x, cfg, r):
    return backend.maxpool1d_forward(x, layer.kernel_size, **layer.window())[0]


def _maxpool_bwd(layer, backend, x, dy, cfg, r):
    # the argmax indices are recomputed from the kept input (the forward is exact and draws nothing)
    _, idx = backend.maxpool1d_forward(x, layer.kernel_size, **layer.window())
    return backend.maxpool1d_backward(dy, idx, x.mantissas.shape[2]), {}


def _adaptive_fwd(layer, backend, x, cfg, r):
    return backend.adaptive_avgpool1d_forward(x, layer.output_size)


def _adaptive_bwd(layer, backend, x, dy, cfg, r):
    return backend.adaptive_avgpool1d_backward(dy, x.mantissas.shape[2]), {}


def _softmax_fwd(layer, backend, x, cfg, r):
    return backend.softmax_forward(x, layer.out_bits, rounding=cfg.rounding, rng_state=r)


def _softmax_bwd(layer, backend, x, dy, cfg, r):
    # the cross-entropy gradient is already the one w.r.t. the logits (p - y)
    return dy, {}


def _quant_bwd(layer, backend, x, dy, cfg, r):
    return backend.quant_backward(dy), {}


def _layernorm_bwd(layer, backend, x, dy, cfg, r):
    # gamma and beta stay fixed: the LayerNorm kernel gives dx only (docs/layers.md)
    return backend.layernorm_backward(x, layer.gamma, dy, layer.dx_bits, layer.eps, rounding=cfg.rounding,
                                      rng_state=r), {}


FORWARD: dict[str, Forward] = {"linear": _linear_fwd, "quant": _quant_fwd, "layernorm": _layernorm_fwd,
                               "conv1d": _conv1d_fwd, "relu": _relu_fwd, "maxpool1d": _maxpool_fwd,
                               "adaptive_avgpool1d": _adaptive_fwd, "softmax": _softmax_fwd}
BACKWARD: dict[str, Backward] = {"linear": _linear_bwd, "quant": _quant_bwd, "layernorm": _layernorm_bwd,
                                 "conv1d": _conv1d_bwd, "relu": _relu_bwd, "maxpool1d": _maxpool_bwd,
                                 "adaptive_avgpool1d": _adaptive_bwd, "softmax": _softmax_bwd}
#: trained parameters per kind, in update order
UPDATE: dict[str, tuple[str, ...]] = {"linear": ("w", "b"), "conv1d": ("w", "b")}
#: loss layers: the trainer runs them (``cross_entropy_loss``), not forward / backward
LOSS_KINDS = ("cross_entropy",)


def forward_layers(model: Model) -> list[Any]:
    """The layers forward / backward run: all but a trailing loss layer."""
    return [layer for layer in model.layers if layer.kind not in LOSS_KINDS]


def _op(table: dict, layer: Any) -> Any:
    try:
        return table[layer.kind]
    except KeyError:
        raise ValueError(f"layer {layer.name!r}: kind {layer.kind!r} has no SYM training step "
                         f"(supported: {', '.join(sorted(table))})") from None


def check_trainable(model: Model) -> None:
    """Raise ValueError naming the first layer whose kind has no training step."""
    for layer in forward_layers(model):
        _op(FORWARD, layer)
        _op(BACKWARD, layer)


def forward(model: Model, backend: Any, x: SymTensor, cfg: TrainConfig, rng: Rng | None, logits: bool = False
            ) -> tuple[SymTensor, list[SymTensor]]:
    """Forward through every layer; returns (output, the input of every layer).
    ``logits``: stop before a softmax (prediction takes the argmax there:
    the softmax's rounded probabilities can tie)."""
    r = rng_for(cfg.rounding, rng)
    kept: list[SymTensor] = []
    for layer in forward_layers(model):
        if logits and layer.kind == "softmax":
            break
        kept.append(x)
        x = _op(FORWARD, layer)(layer, backend, x, cfg, r)
    return x, kept


def backward(model: Model, backend: Any, kept: list[SymTensor], dy: SymTensor, cfg: TrainConfig,
             rng: Rng | None) -> dict[str, SymTensor]:
    """Backward, last layer first; returns ``{"layer.param": grad}``."""
    r = rng_for(cfg.rounding, rng)
    grads: dict[str, SymTensor] = {}
    for layer, x in zip(reversed(forward_layers(model)), reversed(kept)):
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
