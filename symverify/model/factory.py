"""Layer factory: a model (list of layers with SYM parameters) from the TOML
model file of shared/API.md, plus widths per tensor.

Keys read per kind (unknown keys are allowed and ignored, so the same file
feeds ``symverify bounds``):

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

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from symverify.types import HALF_AWAY, SymTensor

KINDS = ("linear", "quant", "layernorm")


class ModelFileError(ValueError):
    """A malformed model file: names the file, the layer, the key and the value."""

    def __init__(self, path: str, layer: str | None, key: str, value: Any, message: str) -> None:
        self.path, self.layer, self.key, self.value = path, layer, key, value
        where = f"{path}: layer {layer!r}" if layer else path
        super().__init__(f"{where}: key {key!r} = {value!r}: {message}")


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


Layer = LinearLayer | QuantLayer | LayerNormLayer


@dataclass
class Model:
    layers: list[Layer]
    path: str = "<model>"
    training: dict = field(default_factory=dict)
    spec: dict = field(default_factory=dict, repr=False)

    @property
    def in_features(self) -> int:
        first = self.layers[0]
        return first.in_features if isinstance(first, LinearLayer) else first.features  # type: ignore[union-attr]

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


def _int(path: str, layer: str, spec: dict, key: str, default: Any = None, lo: int = 1, hi: int = 1 << 30) -> Any:
    if key not in spec:
        if default is None:
            raise ModelFileError(path, layer, key, None, "required key is missing")
        return default
    v = spec[key]
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise ModelFileError(path, layer, key, v, f"must be an integer in {lo}..{hi}")
    return v


def load_model_spec(source: str | Path | dict) -> tuple[str, dict]:
    """(path, parsed TOML) of a model file path, TOML text or an already parsed dict."""
    if isinstance(source, dict):
        return "<dict>", source
    p = Path(source)
    if p.exists():
        with p.open("rb") as fh:
            return str(p), tomllib.load(fh)
    return "<string>", tomllib.loads(str(source))


def _init_values(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape).astype(np.float32)


def build_model(source: str | Path | dict, backend: Any, seed: int | None = None) -> Model:
    """Build the model of a TOML model file with seeded parameters.

    ``backend`` is ``sv.kernels`` or ``sv.emulate`` (only its ``float_to_sym``
    is called); ``seed`` defaults to ``[training].seed`` or 0. Raises
    :class:`ModelFileError` on malformed files (run :func:`validate` for the
    arithmetic's rules).
    """
    path, data = load_model_spec(source)
    specs = data.get("layer")
    if not isinstance(specs, list) or not specs:
        raise ModelFileError(path, None, "layer", specs, "a model needs at least one [[layer]] table")
    training = dict(data.get("training", {}))
    if seed is None:
        seed = int(training.get("seed", 0))
    rng = np.random.default_rng(seed)
    layers: list[Layer] = []
    seen: set[str] = set()
    for i, spec in enumerate(specs):
        name = spec.get("name", f"layer{i}")
        if not isinstance(name, str) or not name:
            raise ModelFileError(path, f"#{i}", "name", name, "must be a non-empty string")
        if name in seen:
            raise ModelFileError(path, name, "name", name, "layer names must be unique")
        seen.add(name)
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ModelFileError(path, name, "kind", kind, f"the factory builds {', '.join(KINDS)}")
        g = lambda key, default=None, lo=1, hi=1 << 30: _int(path, name, spec, key, default, lo, hi)  # noqa: E731
        if kind == "linear":
            i_f, o_f = g("in_features"), g("out_features")
            xb, wb = g("x_bits", None, 2, 32), g("w_bits", None, 2, 31)
            bias = spec.get("bias", True)
            if not isinstance(bias, bool):
                raise ModelFileError(path, name, "bias", bias, "must be true or false")
            bb = g("b_bits", 16, 2, 31)
            w = backend.float_to_sym(_init_values(rng, (o_f, i_f), i_f), wb, HALF_AWAY)
            b = backend.float_to_sym(np.zeros(o_f, dtype=np.float32), bb, HALF_AWAY) if bias else None
            out_bits = spec.get("out_bits")
            if out_bits is not None:
                out_bits = g("out_bits", None, 2, 16)
            dy_bits = g("dy_bits", None, 2, 32) if "dy_bits" in spec else None
            layers.append(LinearLayer(name, i_f, o_f, xb, wb, w, b, bb, out_bits, dy_bits,
                                      g("dx_bits", 12, 2, 16), g("grad_w_bits", 16, 2, 16), spec=dict(spec)))
        elif kind == "quant":
            qb = g("q_max_bits", None, 2, 16)
            xb = g("x_bits", None, 2, 32) if "x_bits" in spec else None
            layers.append(QuantLayer(name, qb, xb, spec=dict(spec)))
        else:
            f = g("normalized_shape", None, 1, (1 << 16) - 1)
            xb = g("x_bits", None, 2, 32)
            gb, bb, nb = g("gamma_bits", 12, 2, 31), g("beta_bits", 16, 2, 31), g("norm_bits", 12, 2, 16)
            eps = spec.get("eps", 1e-5)
            if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0:
                raise ModelFileError(path, name, "eps", eps, "must be a positive number")
            gamma = backend.float_to_sym(np.ones(f, dtype=np.float32), gb, HALF_AWAY)
            beta = backend.float_to_sym(np.zeros(f, dtype=np.float32), bb, HALF_AWAY)
            layers.append(LayerNormLayer(name, f, xb, gamma, beta, gb, bb, nb, float(eps),
                                         g("dx_bits", 12, 2, 16), spec=dict(spec)))
    return Model(layers, path, training, data)
