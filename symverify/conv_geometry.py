"""Geometry of Conv1d and ConvTranspose1d (docs/layers.md "Conv1d"): the
checks of the Python arguments and the resolved 1-D geometry both backends
pass on.

Every bad argument raises :class:`symverify.SymError` naming the argument and
its value: ``SYM_ERR_BAD_TYPE`` for a non-integer, ``SYM_ERR_SHAPE`` for any
geometry that does not describe a convolution (including lengths whose
products leave int32). Only the PyTorch formulas are used here; the C kernel
checks the resolved geometry again on its own.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import SymError

__all__ = ["Geom1d", "conv1d_geometry", "conv_transpose1d_geometry", "INT32_MAX"]

INT32_MAX = (1 << 31) - 1


@dataclass(frozen=True)
class Geom1d:
    """The resolved geometry, field for field the C ``sym_geom1d``.

    ``in_*`` / ``out_*`` are the layer's own input and output (for
    ConvTranspose1d, ``out_length`` is the long side); ``pad_left`` /
    ``pad_right`` are resolved paddings in input positions."""

    batch: int
    in_channels: int
    out_channels: int
    in_length: int
    out_length: int
    kernel_size: int
    stride: int
    dilation: int
    groups: int
    pad_left: int
    pad_right: int
    output_padding: int = 0


def _int(value: Any, argument: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise SymError("SYM_ERR_BAD_TYPE", argument, value, f"{argument} must be an int, got {value!r}")
    return int(value)


def _at_least(value: Any, argument: str, low: int) -> int:
    v = _int(value, argument)
    if v < low:
        raise SymError("SYM_ERR_SHAPE", argument, v, f"{argument} must be >= {low}, got {v}")
    return v


def _types(stride: Any, padding: Any, dilation: Any, groups: Any, output_padding: Any = 0) -> None:
    """The type faults of the geometry arguments (group 1 of docs/semantics.md,
    before any empty or shape fault): ints, padding an int, a pair of ints or a str."""
    for value, argument in ((stride, "stride"), (dilation, "dilation"), (groups, "groups"),
                            (output_padding, "output_padding")):
        _int(value, argument)
    if isinstance(padding, (tuple, list)):
        for i, v in enumerate(padding):
            _int(v, f"padding[{i}]")
    elif not isinstance(padding, str):
        _int(padding, "padding")


def _shape3(shape: tuple[int, ...], argument: str, layout: str) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise SymError("SYM_ERR_SHAPE", argument, tuple(shape), f"{argument} must be 3-D {layout}, got {tuple(shape)}")
    if min(shape) < 1:
        raise SymError("SYM_ERR_EMPTY", argument, tuple(shape), f"{argument} {layout} has an empty dimension: {tuple(shape)}")
    return int(shape[0]), int(shape[1]), int(shape[2])


def _fits(value: int, argument: str, shown: Any, what: str) -> None:
    if value > INT32_MAX:
        raise SymError("SYM_ERR_SHAPE", argument, shown, f"{what} = {value} does not fit int32")


def _groups(groups: Any, c_in: int, c_out: int) -> int:
    g = _at_least(groups, "groups", 1)
    if c_in % g:
        raise SymError("SYM_ERR_SHAPE", "groups", g, f"in_channels = {c_in} is not divisible by groups = {g}")
    if c_out % g:
        raise SymError("SYM_ERR_SHAPE", "groups", g, f"out_channels = {c_out} is not divisible by groups = {g}")
    return g


def _sizes(g: Geom1d, w_count: int) -> None:
    _fits(g.batch * g.in_channels * g.in_length, "x", (g.batch, g.in_channels, g.in_length), "B*C_in*L")
    _fits(w_count, "w", w_count, "the number of weights")
    _fits(g.batch * g.out_channels * g.out_length, "out_length", g.out_length, "B*C_out*L_out")


def _conv_padding(padding: Any, span: int, stride: int) -> tuple[int, int]:
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0
        if padding == "same":
            if stride != 1:
                raise SymError("SYM_ERR_SHAPE", "padding", padding,
                               f"padding='same' needs stride 1, got stride = {stride}")
            extra = span - 1
            return extra // 2, extra - extra // 2
        raise SymError("SYM_ERR_SHAPE", "padding", padding,
                       f"padding must be an int, a (left, right) pair, 'valid' or 'same', got {padding!r}")
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise SymError("SYM_ERR_SHAPE", "padding", padding, f"padding as a pair must be (left, right), got {padding!r}")
        return _at_least(padding[0], "padding[0]", 0), _at_least(padding[1], "padding[1]", 0)
    p = _at_least(padding, "padding", 0)
    return p, p


def conv1d_geometry(x_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: Any = 1, padding: Any = 0,
                    dilation: Any = 1, groups: Any = 1) -> Geom1d:
    """Geometry of Conv1d: x [B, C_in, L], w [C_out, C_in/groups, K].

    L_out = (L + pad_left + pad_right - dilation*(K-1) - 1) // stride + 1;
    "same" pads dilation*(K-1) in total, the odd extra on the right.
    Raises SymError (argument and value named) for every bad case, in the
    precedence of docs/semantics.md: the argument types, then shapes."""
    _types(stride, padding, dilation, groups)
    bsz, c_in, length = _shape3(tuple(x_shape), "x", "[B, C_in, L]")
    c_out, c_in_g, k = _shape3(tuple(w_shape), "w", "[C_out, C_in/groups, K]")
    s = _at_least(stride, "stride", 1)
    d = _at_least(dilation, "dilation", 1)
    g = _groups(groups, c_in, c_out)
    if c_in_g * g != c_in:
        raise SymError("SYM_ERR_SHAPE", "w", tuple(w_shape),
                       f"w must be [C_out, C_in/groups = {c_in // g}, K] for x {tuple(x_shape)}, groups = {g}")
    span = d * (k - 1) + 1
    _fits(span, "dilation", d, "dilation*(K-1) + 1")
    left, right = _conv_padding(padding, span, s)
    padded = length + left + right
    _fits(padded, "padding", padding, "L + pad_left + pad_right")
    if span > padded:
        raise SymError("SYM_ERR_SHAPE", "w", tuple(w_shape),
                       f"the kernel spans dilation*(K-1)+1 = {span} positions, longer than the padded input "
                       f"L + pad_left + pad_right = {padded}")
    out_len = (padded - span) // s + 1
    geom = Geom1d(bsz, c_in, c_out, length, out_len, k, s, d, g, left, right, 0)
    _sizes(geom, c_out * c_in_g * k)
    return geom


def conv_transpose1d_geometry(x_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: Any = 1,
                              padding: Any = 0, output_padding: Any = 0, dilation: Any = 1,
                              groups: Any = 1) -> Geom1d:
    """Geometry of ConvTranspose1d: x [B, C_in, L], w [C_in, C_out/groups, K].

    L_out = (L-1)*stride - 2*padding + dilation*(K-1) + output_padding + 1,
    with 0 <= output_padding < max(stride, dilation) (PyTorch's rule) and
    padding an int >= 0 (both sides). Raises SymError for every bad case
    (the argument types, then shapes)."""
    _types(stride, padding, dilation, groups, output_padding)
    bsz, c_in, length = _shape3(tuple(x_shape), "x", "[B, C_in, L]")
    w_in, c_out_g, k = _shape3(tuple(w_shape), "w", "[C_in, C_out/groups, K]")
    if w_in != c_in:
        raise SymError("SYM_ERR_SHAPE", "w", tuple(w_shape),
                       f"w must be [C_in = {c_in}, C_out/groups, K] for x {tuple(x_shape)}")
    s = _at_least(stride, "stride", 1)
    d = _at_least(dilation, "dilation", 1)
    g = _at_least(groups, "groups", 1)
    c_out = c_out_g * g
    g = _groups(g, c_in, c_out)
    if isinstance(padding, (str, tuple, list)):
        raise SymError("SYM_ERR_SHAPE", "padding", padding,
                       f"ConvTranspose1d padding must be an int >= 0 (both sides), got {padding!r}")
    p = _at_least(padding, "padding", 0)
    op = _at_least(output_padding, "output_padding", 0)
    if op >= max(s, d):
        raise SymError("SYM_ERR_SHAPE", "output_padding", op,
                       f"output_padding must be smaller than stride ({s}) or dilation ({d}), got {op}")
    full = (length - 1) * s + d * (k - 1) + op + 1
    _fits(full, "stride", s, "(L-1)*stride + dilation*(K-1) + output_padding + 1")
    out_len = full - 2 * p
    if out_len < 1:
        raise SymError("SYM_ERR_SHAPE", "padding", p,
                       f"the output length (L-1)*stride - 2*padding + dilation*(K-1) + output_padding + 1 "
                       f"= {out_len} is <= 0")
    geom = Geom1d(bsz, c_in, c_out, length, out_len, k, s, d, g, p, p, op)
    _sizes(geom, c_in * c_out_g * k)
    return geom
