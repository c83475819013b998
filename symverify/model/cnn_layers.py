"""The 1D-CNN layer kinds of the factory: Conv1d, ReLU, MaxPool1d,
AdaptiveAvgPool1d, Softmax and CrossEntropy (the loss as the model's last
layer), with the shape walk that checks they chain.

Shapes: a tensor between layers is ``(C, L)`` (the [B, C, L] layout of
docs/layers.md) or ``(F,)`` (rows of [B, F]). A Linear after a ``(C, L)``
tensor takes the flattened rows, ``in_features = C * L``.

Initialisation (seeded, in layer order, from the factory's one
``numpy.random.default_rng``): Conv1d w uniform in +-1/sqrt(in_channels/groups
* kernel_size), b = 0, both converted with the backend's ``float_to_sym``
(HALF_AWAY) at ``w_bits`` / ``b_bits``. The other kinds have no parameters.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from symverify.conv_geometry import conv1d_geometry
from symverify.errors import SymError
from symverify.types import HALF_AWAY, SymTensor

from .modelfile import ModelFile, value

#: a tensor's per-row shape between layers: (C, L) or (F,)
Shape = tuple[int, ...]


@dataclass
class Conv1dLayer:
    name: str
    in_channels: int
    out_channels: int
    kernel_size: int
    in_length: int
    out_length: int
    x_bits: int
    w_bits: int
    w: SymTensor
    b: SymTensor | None
    stride: int = 1
    padding: Any = 0
    dilation: int = 1
    groups: int = 1
    b_bits: int = 16
    out_bits: int | None = None
    dy_bits: int = 12
    dx_bits: int = 12
    grad_w_bits: int = 16
    kind: str = "conv1d"
    spec: dict = field(default_factory=dict, repr=False)

    def params(self) -> dict[str, SymTensor]:
        return {"w": self.w} if self.b is None else {"w": self.w, "b": self.b}

    def geometry(self) -> dict[str, Any]:
        """The keyword arguments of ``conv1d_forward`` / ``conv1d_backward``."""
        return {"stride": self.stride, "padding": self.padding, "dilation": self.dilation, "groups": self.groups}


@dataclass
class ReluLayer:
    name: str
    x_bits: int | None = None
    kind: str = "relu"
    spec: dict = field(default_factory=dict, repr=False)

    def params(self) -> dict[str, SymTensor]:
        return {}


@dataclass
class MaxPool1dLayer:
    name: str
    kernel_size: int
    in_length: int
    out_length: int
    pad: tuple[int, int]  # resolved (left, right)
    stride: int | None = None
    padding: Any = 0
    dilation: int = 1
    x_bits: int | None = None
    kind: str = "maxpool1d"
    spec: dict = field(default_factory=dict, repr=False)

    def params(self) -> dict[str, SymTensor]:
        return {}

    def window(self) -> dict[str, Any]:
        return {"stride": self.stride, "padding": self.padding, "dilation": self.dilation}


@dataclass
class AdaptiveAvgPool1dLayer:
    name: str
    output_size: int
    in_length: int
    x_bits: int | None = None
    kind: str = "adaptive_avgpool1d"
    spec: dict = field(default_factory=dict, repr=False)

    def params(self) -> dict[str, SymTensor]:
        return {}


@dataclass
class SoftmaxLayer:
    name: str
    out_bits: int = 12
    x_bits: int | None = None
    kind: str = "softmax"
    spec: dict = field(default_factory=dict, repr=False)

    def params(self) -> dict[str, SymTensor]:
        return {}


@dataclass
class CrossEntropyLayer:
    """The loss (the model's last layer, after a softmax): class-index targets."""
    name: str
    grad_bits: int | None = None
    reduction: str = "mean"
    x_bits: int | None = None
    kind: str = "cross_entropy"
    spec: dict = field(default_factory=dict, repr=False)

    def params(self) -> dict[str, SymTensor]:
        return {}


CnnLayer = Conv1dLayer | ReluLayer | MaxPool1dLayer | AdaptiveAvgPool1dLayer | SoftmaxLayer | CrossEntropyLayer
#: kinds whose layer is the loss, not a forward step
LOSS_KINDS = ("cross_entropy",)


def _init_conv(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape).astype(np.float32)


def _need_channels(mf: ModelFile, i: int, shape: Shape | None) -> tuple[int, int]:
    spec = mf.layers[i]
    if shape is None or len(shape) != 2:
        raise mf.error(i, "kind", spec["kind"], f"a {spec['kind']} layer takes [B, C, L] input, but it receives "
                       + ("no known shape" if shape is None else f"rows of {shape[0]} features"))
    return shape[0], shape[1]


def _conv(mf: ModelFile, i: int, spec: dict, shape: Shape | None, rng: np.random.Generator, backend: Any
          ) -> tuple[Conv1dLayer, Shape]:
    g = lambda key: value(spec, key)  # noqa: E731
    c_in, c_out, kk = g("in_channels"), g("out_channels"), g("kernel_size")
    if shape is None:
        if spec.get("in_length") is None:
            raise mf.error(i, "in_length", None, "the first conv1d layer must give in_length (the input length)")
        shape = (c_in, spec["in_length"])
    c, length = _need_channels(mf, i, shape)
    if c != c_in:
        raise mf.error(i, "in_channels", c_in, f"the previous layer emits {c} channels: the layers do not chain")
    if spec.get("in_length") is not None and spec["in_length"] != length:
        raise mf.error(i, "in_length", spec["in_length"],
                       f"the previous layer emits length {length}: the layers do not chain")
    pad = g("padding")
    pad = tuple(pad) if isinstance(pad, list) else pad
    groups = g("groups")
    try:
        geom = conv1d_geometry((1, c_in, length), (c_out, c_in // groups, kk), g("stride"), pad, g("dilation"), groups)
    except SymError as exc:
        raise mf.error(i, "kernel_size", kk, str(exc)) from None
    fan_in = (c_in // groups) * kk
    w = backend.float_to_sym(_init_conv(rng, (c_out, c_in // groups, kk), fan_in), g("w_bits"), HALF_AWAY)
    b = backend.float_to_sym(np.zeros(c_out, dtype=np.float32), g("b_bits"), HALF_AWAY) if g("bias") else None
    layer = Conv1dLayer(spec["name"], c_in, c_out, kk, length, geom.out_length, g("x_bits"), g("w_bits"), w, b,
                        g("stride"), pad, g("dilation"), groups, g("b_bits"), g("out_bits"), g("dy_bits") or 12,
                        g("dx_bits"), g("grad_w_bits"), spec=dict(spec))
    return layer, (c_out, geom.out_length)


def _maxpool(mf: ModelFile, i: int, spec: dict, shape: Shape | None, rng: Any, backend: Any
             ) -> tuple[MaxPool1dLayer, Shape]:
    c, length = _need_channels(mf, i, shape)
    kk, s, pad, d = (value(spec, k) for k in ("kernel_size", "stride", "padding", "dilation"))
    s = kk if s is None else s
    if pad == "same":
        total = d * (kk - 1)
        pl, pr = total // 2, total - total // 2
    else:
        pl = pr = pad
    span = d * (kk - 1) + 1
    if length + pl + pr < span:
        raise mf.error(i, "kernel_size", kk, f"the window spans {span} positions, longer than the padded input "
                       f"({length + pl + pr})")
    out = (length + pl + pr - span) // s + 1
    layer = MaxPool1dLayer(spec["name"], kk, length, out, (pl, pr), s, pad, d, spec.get("x_bits"), spec=dict(spec))
    return layer, (c, out)


def _adaptive(mf: ModelFile, i: int, spec: dict, shape: Shape | None, rng: Any, backend: Any
              ) -> tuple[AdaptiveAvgPool1dLayer, Shape]:
    c, length = _need_channels(mf, i, shape)
    if spec.get("in_length") is not None and spec["in_length"] != length:
        raise mf.error(i, "in_length", spec["in_length"],
                       f"the previous layer emits length {length}: the layers do not chain")
    out = value(spec, "output_size")
    return AdaptiveAvgPool1dLayer(spec["name"], out, length, spec.get("x_bits"), spec=dict(spec)), (c, out)


def _relu(mf: ModelFile, i: int, spec: dict, shape: Shape | None, rng: Any, backend: Any
          ) -> tuple[ReluLayer, Shape | None]:
    return ReluLayer(spec["name"], spec.get("x_bits"), spec=dict(spec)), shape


def _softmax(mf: ModelFile, i: int, spec: dict, shape: Shape | None, rng: Any, backend: Any
             ) -> tuple[SoftmaxLayer, Shape | None]:
    if shape is not None and len(shape) != 1:
        raise mf.error(i, "kind", "softmax", f"softmax takes rows [B, C], but it receives [B, {shape[0]}, "
                       f"{shape[1]}]: put a linear layer (or adaptive_avgpool1d to length 1 and a linear) first")
    return SoftmaxLayer(spec["name"], value(spec, "out_bits"), spec.get("x_bits"), spec=dict(spec)), shape


def _cross_entropy(mf: ModelFile, i: int, spec: dict, shape: Shape | None, rng: Any, backend: Any
                   ) -> tuple[CrossEntropyLayer, Shape | None]:
    if i != len(mf.layers) - 1 or i == 0 or mf.layers[i - 1]["kind"] != "softmax":
        raise mf.error(i, "kind", "cross_entropy", "cross_entropy must be the last layer, right after a softmax")
    return CrossEntropyLayer(spec["name"], spec.get("grad_bits"), value(spec, "reduction"), spec.get("x_bits"),
                             spec=dict(spec)), shape


#: kind -> builder (model file, index, spec, incoming shape, rng, backend) -> (layer, outgoing shape)
BUILDERS: dict[str, Callable[..., tuple[Any, Shape | None]]] = {
    "conv1d": _conv, "relu": _relu, "maxpool1d": _maxpool, "adaptive_avgpool1d": _adaptive,
    "softmax": _softmax, "cross_entropy": _cross_entropy}
