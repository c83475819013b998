"""Layer factory: a model (list of layers with SYM parameters) from the TOML
model file of shared/API.md, plus widths per tensor.

The file is read and checked by :func:`symverify.model.modelfile.read_model_file`,
the same loader as ``symverify bounds``: unknown keys, kinds and out-of-domain
values are a :class:`ModelFileError`, and so are layers whose feature counts
do not chain (``out_features`` 4 into ``in_features`` 99). Keys used per kind
(defaults in modelfile.LAYER_KINDS):

* ``linear``: ``in_features``, ``out_features``, ``x_bits`` (input width),
  ``w_bits``, ``bias`` (default true), ``b_bits`` (bias width, default 16),
  ``out_bits`` (optional: requant the raw output to this width),
  ``dy_bits`` (optional: width of the gradient arriving at this layer; the
  validator checks it), ``dx_bits`` (width of the propagated gradient,
  default 12), ``grad_w_bits`` (default 16).
* ``quant``: ``q_max_bits`` (its configured output width), ``x_bits`` (input
  width, informational).
* ``layernorm``: ``normalized_shape``, ``x_bits``, ``gamma_bits`` (default 12),
  ``beta_bits`` (default 16), ``norm_bits`` (default 12), ``eps``
  (default 1e-5), ``dx_bits`` (default 12).

* ``conv1d``, ``relu``, ``maxpool1d``, ``adaptive_avgpool1d``, ``softmax``,
  ``cross_entropy`` (the loss, last, after a softmax): see
  :mod:`symverify.model.cnn_layers`. A first conv1d needs ``in_length``; the
  factory walks the [C, L] shapes and rejects layers that do not chain (a
  Linear after [C, L] takes ``in_features = C * L``).

An optional ``[training]`` table (``lr``, ``grad_bits``, ``rounding``,
``sgd_rounding``, ``order``, ``seed``, ``batch``) is returned as
:attr:`Model.training`.

Initialisation is seeded and backend-generic: float32 values from
``numpy.random.default_rng(seed)`` (Linear: uniform in +-1/sqrt(in_features),
bias 0; LayerNorm: gamma 1, beta 0), converted with the backend's
``float_to_sym`` (HALF_AWAY) at the declared widths. The float32 values are
kept (:attr:`LinearLayer.w0` ...) so a float reference can start from the same
point -- the *dequantized* SYM values, see :func:`Model.dequantized`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from symverify.types import HALF_AWAY, SymTensor

from . import cnn_layers
from .cnn_layers import (AdaptiveAvgPool1dLayer, Conv1dLayer, CrossEntropyLayer, MaxPool1dLayer,  # noqa: F401
                         ReluLayer, SoftmaxLayer)
from .modelfile import LAYER_KINDS, ModelFileError, read_model_file, require, shape_mismatches, value  # noqa: F401

#: The kinds the factory builds (and the training chain runs), from the one kinds list.
KINDS = tuple(k for k, spec in LAYER_KINDS.items() if spec.buildable)


@dataclass
class LinearLayer:
    name: str
    in_features: int
    out_features: int
    x_bits: int
    w_bits: int
    w: SymTensor
    b: SymTensor | None
    b_bits: int = 16
    out_bits: int | None = None
    dy_bits: int | None = None
    dx_bits: int = 12
    grad_w_bits: int = 16
    kind: str = "linear"
    spec: dict = field(default_factory=dict, repr=False)

    def params(self) -> dict[str, SymTensor]:
        return {"w": self.w} if self.b is None else {"w": self.w, "b": self.b}


@dataclass
class QuantLayer:
    name: str
    q_max_bits: int
    x_bits: int | None = None
    kind: str = "quant"
    spec: dict = field(default_factory=dict, repr=False)

    def params(self) -> dict[str, SymTensor]:
        return {}


@dataclass
class LayerNormLayer:
    name: str
    features: int
    x_bits: int
    gamma: SymTensor
    beta: SymTensor
    gamma_bits: int = 12
    beta_bits: int = 16
    norm_bits: int = 12
    eps: float = 1e-5
    dx_bits: int = 12
    kind: str = "layernorm"
    spec: dict = field(default_factory=dict, repr=False)

    def params(self) -> dict[str, SymTensor]:
        return {"gamma": self.gamma, "beta": self.beta}


Layer = LinearLayer | QuantLayer | LayerNormLayer | cnn_layers.CnnLayer


@dataclass
class Model:
    layers: list[Layer]
    path: str = "<model>"
    training: dict = field(default_factory=dict)
    spec: dict = field(default_factory=dict, repr=False)

    @property
    def in_features(self) -> int:
        """Values per input row (C * L for a conv1d first layer)."""
        return int(np.prod(self.input_shape))

    @property
    def input_shape(self) -> tuple[int, ...]:
        """One input row: ``(C, L)`` for a conv1d first layer, else ``(F,)``."""
        first = self.layers[0]
        if isinstance(first, Conv1dLayer):
            return (first.in_channels, first.in_length)
        return (first.in_features if isinstance(first, LinearLayer) else first.features,)  # type: ignore[union-attr]

    @property
    def loss_kind(self) -> str:
        """``"cross_entropy"`` if the last layer is that loss, else ``"mse"`` (the trainer's default)."""
        return self.layers[-1].kind if self.layers[-1].kind in cnn_layers.LOSS_KINDS else "mse"

    @property
    def input_bits(self) -> int:
        return int(self.layers[0].x_bits or 12)  # type: ignore[union-attr]

    def params(self) -> dict[str, SymTensor]:
        """All SYM parameters as ``{"layer.param": tensor}``, in layer order."""
        out: dict[str, SymTensor] = {}
        for layer in self.layers:
            for k, v in layer.params().items():
                out[f"{layer.name}.{k}"] = v
        return out

    def dequantized(self) -> dict[str, np.ndarray]:
        """float32 values of every parameter: (float)m * scale."""
        return {k: (v.mantissas.astype(np.float32) * np.float32(v.scale)).astype(np.float32)
                for k, v in self.params().items()}


def load_model_spec(source: str | Path | dict) -> tuple[str, dict]:
    """(path, parsed TOML) of a model file path, TOML text or an already parsed
    dict, after the checks of :func:`symverify.model.modelfile.read_model_file`."""
    mf = read_model_file(source)
    return mf.path, mf.data


def _init_values(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape).astype(np.float32)


def build_model(source: str | Path | dict, backend: Any, seed: int | None = None) -> Model:
    """Build the model of a TOML model file with seeded parameters.

    ``backend`` is ``sv.kernels`` or ``sv.emulate`` (only its ``float_to_sym``
    is called); ``seed`` defaults to ``[training].seed`` or 0. Raises
    :class:`ModelFileError` on malformed files, kinds the factory does not
    build and layers that do not chain (run :func:`validate` for the
    arithmetic's rules); nothing is built then.
    """
    mf = read_model_file(source)
    require(mf, "build")
    for i, layer in enumerate(mf.layers):
        if layer["kind"] not in KINDS:
            raise mf.error(i, "kind", layer["kind"], f"the factory builds {', '.join(KINDS)}")
    for i, key, v, src, feats in shape_mismatches(mf.layers):
        raise mf.error(i, key, v, f"layer {src!r} emits {feats} features: the layers do not chain")
    training = dict(mf.training)
    if seed is None:
        seed = int(training.get("seed", 0))
    rng = np.random.default_rng(seed)
    layers: list[Layer] = []
    shape: tuple[int, ...] | None = None  # per-row shape arriving at the layer (None: the model input)
    for i, spec in enumerate(mf.layers):
        name, kind = spec["name"], spec["kind"]
        g = lambda key: value(spec, key)  # noqa: E731  (checked by the loader; kind default if absent)
        if kind in cnn_layers.BUILDERS:
            layer, shape = cnn_layers.BUILDERS[kind](mf, i, spec, shape, rng, backend)
            layers.append(layer)
            continue
        if kind == "linear":
            i_f, o_f, xb, wb, bb = g("in_features"), g("out_features"), g("x_bits"), g("w_bits"), g("b_bits")
            if shape is not None and int(np.prod(shape)) != i_f:
                raise mf.error(i, "in_features", i_f, f"the previous layer emits {' x '.join(map(str, shape))} = "
                               f"{int(np.prod(shape))} values per row: the layers do not chain")
            shape = (o_f,)
            w = backend.float_to_sym(_init_values(rng, (o_f, i_f), i_f), wb, HALF_AWAY)
            b = backend.float_to_sym(np.zeros(o_f, dtype=np.float32), bb, HALF_AWAY) if g("bias") else None
            layers.append(LinearLayer(name, i_f, o_f, xb, wb, w, b, bb, g("out_bits"), g("dy_bits"),
                                      g("dx_bits"), g("grad_w_bits"), spec=dict(spec)))
        elif kind == "quant":
            layers.append(QuantLayer(name, g("q_max_bits"), g("x_bits"), spec=dict(spec)))
        else:
            f = g("normalized_shape")
            shape = (f,)
            gb, bb = g("gamma_bits"), g("beta_bits")
            gamma = backend.float_to_sym(np.ones(f, dtype=np.float32), gb, HALF_AWAY)
            beta = backend.float_to_sym(np.zeros(f, dtype=np.float32), bb, HALF_AWAY)
            layers.append(LayerNormLayer(name, f, g("x_bits"), gamma, beta, gb, bb, g("norm_bits"), float(g("eps")),
                                         g("dx_bits"), spec=dict(spec)))
    return Model(layers, mf.path, training, mf.data)
