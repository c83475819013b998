"""Pool kernels of the ``sv.kernels`` backend (docs/layers.md "Pools"), through cffi.

Each function validates and normalises its Python arguments (types, the
[B, C, L] layout, the geometry), fills the one args struct of its C entry
point (kernels/include/sym_pool.h) and makes that one call; a non-zero
status becomes a :class:`symverify.SymError` built from the C ``sym_err``
detail (the failing argument, element index and reason). Functions return
new tensors and never modify their arguments.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from . import kernels as _kernels, registry
from .errors import SymError, status_name
from .types import SymTensor

__all__ = registry.module_exports(__name__)

INT32_MAX = (1 << 31) - 1
#: Backward outputs (dx) are scatter sums: declared at raw accumulator range.
DX_BITS = 32


def _ffi_lib() -> tuple[Any, Any]:
    """Looked up at call time (the gold suite swaps ``symverify.kernels.ffi_lib``)."""
    return _kernels.ffi_lib()


def _tensor3(t: Any, argument: str) -> tuple[int, int, int]:
    if not isinstance(t, SymTensor):
        raise SymError("SYM_ERR_BAD_TYPE", argument, type(t).__name__, f"{argument} must be an sv.SymTensor")
    shape = tuple(t.mantissas.shape)
    if len(shape) != 3:
        raise SymError("SYM_ERR_SHAPE", argument, shape, f"{argument} must be 3-D [B, C, L], got shape {shape}")
    return shape  # type: ignore[return-value]


def _check_types(tensors: dict[str, Any], ints: dict[str, Any], stride: Any = None, padding: Any = 0,
                 include_pad: Any = True) -> None:
    """Raise BAD_TYPE for any type fault before a shape or value is looked at
    (docs/semantics.md: the type group precedes the shape group)."""
    for argument, t in tensors.items():
        if not isinstance(t, SymTensor):
            raise SymError("SYM_ERR_BAD_TYPE", argument, type(t).__name__, f"{argument} must be an sv.SymTensor")
    if stride is not None:
        ints = {**ints, "stride": stride}
    if not isinstance(padding, str):
        ints = {**ints, "padding": padding}
    for argument, v in ints.items():
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Integral, np.integer)):
            raise SymError("SYM_ERR_BAD_TYPE", argument, v, f"{argument} must be an integer")
    _include_pad(include_pad)


def _int_arg(v: Any, argument: str, lo: int) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Integral, np.integer)):
        raise SymError("SYM_ERR_BAD_TYPE", argument, v, f"{argument} must be an integer")
    if not lo <= int(v) <= INT32_MAX:
        raise SymError("SYM_ERR_SHAPE", argument, v, f"{argument} must be an integer in {lo}..2^31-1")
    return int(v)


def _window_geom(length: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any) -> dict[str, int]:
    """kernel_size, stride (None = kernel_size), padding (int or "same"),
    dilation as the resolved (K, S, D, PL, PR, O) of sym_geom1d."""
    k = _int_arg(kernel_size, "kernel_size", 1)
    s = k if stride is None else _int_arg(stride, "stride", 1)
    d = _int_arg(dilation, "dilation", 1)
    if isinstance(padding, str):
        if padding != "same":
            raise SymError("SYM_ERR_SHAPE", "padding", padding, 'padding must be an int >= 0 or "same"')
        if s != 1:
            raise SymError("SYM_ERR_SHAPE", "padding", padding, f'padding "same" needs stride 1, got {s}')
        total = d * (k - 1)
        pl, pr = total // 2, total - total // 2
    else:
        pl = pr = _int_arg(padding, "padding", 0)
    span = d * (k - 1) + 1
    padded = length + pl + pr
    if padded < span:
        raise SymError("SYM_ERR_SHAPE", "kernel_size", k,
                       f"the window spans {span} positions, longer than the padded input ({padded})")
    return {"kernel_size": k, "stride": s, "dilation": d, "pad_left": pl, "pad_right": pr,
            "out_length": (padded - span) // s + 1}


def _geom(batch: int, channels: int, length: int, out_length: int, **window: int) -> dict[str, int]:
    """The sym_geom1d initializer of a pool (channels kept, groups 1)."""
    return {"batch": batch, "in_channels": channels, "out_channels": channels, "in_length": length,
            "out_length": out_length, "kernel_size": window.get("kernel_size", 1),
            "stride": window.get("stride", 1), "dilation": window.get("dilation", 1), "groups": 1,
            "pad_left": window.get("pad_left", 0), "pad_right": window.get("pad_right", 0), "output_padding": 0}


def _cview(ffi: Any, t: SymTensor, keep: list[Any]) -> dict[str, Any]:
    m = np.array(t.mantissas, dtype=np.int32, copy=True, order="C").reshape(-1)
    keep.append(m)
    return {"m": ffi.cast("const int32_t *", ffi.from_buffer(m)), "n": int(m.size),
            "scale": float(t.scale), "bits": int(t.q_max_bits)}


def _out_view(ffi: Any, n: int, bits: int, keep: list[Any]) -> tuple[Any, np.ndarray]:
    m = np.empty(n, dtype=np.int32)
    keep.append(m)
    v = ffi.new("sym_view *")
    v.m = ffi.cast("int32_t *", ffi.from_buffer(m))
    v.n, v.scale, v.bits = n, 0.0, bits
    return v, m


def _scratch(ffi: Any, n: int, keep: list[Any]) -> Any:
    s = np.empty(n, dtype=np.int32)
    keep.append(s)
    return ffi.cast("int32_t *", ffi.from_buffer(s))


def _raise_err(ffi: Any, status: int, err: Any, name: str) -> None:
    """Return for status 0, else raise the SymError of the C ``sym_err`` detail."""
    if status == 0:
        return
    arg = ffi.string(err.arg).decode() if err.arg != ffi.NULL else name
    reason = ffi.string(err.reason).decode() if err.reason != ffi.NULL else "rejected"
    where = f" at element {int(err.index)}" if int(err.index) >= 0 else ""
    raise SymError(status_name(status), arg, int(err.index), f"{name}: {reason}{where}")


def _width_of_sum(bits: int, terms: int) -> int:
    """The declared width of a sum of ``terms`` ``bits``-wide mantissas (<= 32)."""
    return min(32, bits + (math.ceil(math.log2(terms)) if terms > 1 else 0))


# ---------------------------------------------------------------- MaxPool1d

def maxpool1d_forward(x: SymTensor, kernel_size: int, stride: int | None = None, padding: Any = 0,
                      dilation: int = 1) -> tuple[SymTensor, np.ndarray]:
    """Max mantissa per window (first on ties, padding never wins), x's scale
    and width; returns ``(y, indices)``, indices int32 positions into L with y's shape."""
    _check_types({"x": x}, {"kernel_size": kernel_size, "dilation": dilation}, stride, padding)
    b, c, length = _tensor3(x, "x")
    w = _window_geom(length, kernel_size, stride, padding, dilation)
    ffi, lib = _ffi_lib()
    keep: list[Any] = []
    n_out = b * c * w["out_length"]
    y, ym = _out_view(ffi, n_out, int(x.q_max_bits), keep)
    idx = np.empty(n_out, dtype=np.int32)
    args = ffi.new("sym_maxpool1d_forward_args *", {
        "x": _cview(ffi, x, keep), "geom": _geom(b, c, length, **w), "y": y,
        "indices": ffi.cast("int32_t *", ffi.from_buffer(idx)), "n_indices": n_out})
    err = ffi.new("sym_err *")
    _raise_err(ffi, lib.sym_maxpool1d_forward(args, err), err, "sym_maxpool1d_forward")
    shape = (b, c, w["out_length"])
    return SymTensor(ym.reshape(shape), np.float32(y.scale), int(x.q_max_bits)), idx.reshape(shape).copy()


def maxpool1d_backward(dy: SymTensor, indices: Any, input_length: int) -> SymTensor:
    """dx[b, c, j] = sum of dy[b, c, o] with indices[b, c, o] == j (checked
    int32), at dy's scale, declared width 32."""
    _check_types({"dy": dy}, {"input_length": input_length})
    raw = np.asarray(indices)
    if raw.dtype.kind not in "iu":
        raise SymError("SYM_ERR_BAD_TYPE", "indices", raw.dtype, "indices must be an integer array")
    b, c, o = _tensor3(dy, "dy")
    length = _int_arg(input_length, "input_length", 1)
    if tuple(raw.shape) != (b, c, o):
        raise SymError("SYM_ERR_SHAPE", "indices", tuple(raw.shape), f"indices must have dy's shape {(b, c, o)}")
    if raw.size and (raw.min() < -(1 << 31) or raw.max() > INT32_MAX):
        raise SymError("SYM_ERR_SHAPE", "indices", int(raw.max()), "indices must fit int32")
    idx = np.array(raw, dtype=np.int32, copy=True, order="C").reshape(-1)
    ffi, lib = _ffi_lib()
    keep: list[Any] = [idx]
    n_in = b * c * length
    dx, dxm = _out_view(ffi, n_in, DX_BITS, keep)
    args = ffi.new("sym_maxpool1d_backward_args *", {
        "dy": _cview(ffi, dy, keep), "indices": ffi.cast("const int32_t *", ffi.from_buffer(idx)),
        "n_indices": int(idx.size), "geom": _geom(b, c, length, o), "dx": dx,
        "scratch": _scratch(ffi, n_in, keep), "n_scratch": n_in})
    err = ffi.new("sym_err *")
    _raise_err(ffi, lib.sym_maxpool1d_backward(args, err), err, "sym_maxpool1d_backward")
    return SymTensor(dxm.reshape(b, c, length), np.float32(dx.scale), DX_BITS)


# ---------------------------------------------------------------- AvgPool1d

def _include_pad(v: Any) -> int:
    if not isinstance(v, (bool, np.bool_)):
        raise SymError("SYM_ERR_BAD_TYPE", "count_include_pad", v, "count_include_pad must be a bool")
    return int(bool(v))


def avgpool1d_forward(x: SymTensor, kernel_size: int, stride: int | None = None, padding: Any = 0,
                      dilation: int = 1, count_include_pad: bool = True) -> SymTensor:
    """Window sums at s_x / K (see docs/layers.md for count_include_pad=False),
    declared width x.bits + ceil(log2 K)."""
    _check_types({"x": x}, {"kernel_size": kernel_size, "dilation": dilation}, stride, padding, count_include_pad)
    b, c, length = _tensor3(x, "x")
    w = _window_geom(length, kernel_size, stride, padding, dilation)
    inc = _include_pad(count_include_pad)
    ffi, lib = _ffi_lib()
    keep: list[Any] = []
    bits = _width_of_sum(int(x.q_max_bits), w["kernel_size"])
    y, ym = _out_view(ffi, b * c * w["out_length"], bits, keep)
    args = ffi.new("sym_avgpool1d_forward_args *", {
        "x": _cview(ffi, x, keep), "geom": _geom(b, c, length, **w), "count_include_pad": inc, "y": y})
    err = ffi.new("sym_err *")
    _raise_err(ffi, lib.sym_avgpool1d_forward(args, err), err, "sym_avgpool1d_forward")
    return SymTensor(ym.reshape(b, c, w["out_length"]), np.float32(y.scale), bits)


def avgpool1d_backward(dy: SymTensor, input_length: int, kernel_size: int, stride: int | None = None,
                       padding: Any = 0, dilation: int = 1, count_include_pad: bool = True) -> SymTensor:
    """The adjoint of the forward fold: each window adds its (folded) dy to
    its real positions (checked int32), at s_dy / K, declared width 32."""
    _check_types({"dy": dy}, {"input_length": input_length, "kernel_size": kernel_size, "dilation": dilation},
                 stride, padding, count_include_pad)
    b, c, o = _tensor3(dy, "dy")
    length = _int_arg(input_length, "input_length", 1)
    w = _window_geom(length, kernel_size, stride, padding, dilation)
    if w["out_length"] != o:
        raise SymError("SYM_ERR_SHAPE", "dy", (b, c, o),
                       f"dy's length must be the pool's output length {w['out_length']} for input_length {length}")
    inc = _include_pad(count_include_pad)
    ffi, lib = _ffi_lib()
    keep: list[Any] = []
    n_in = b * c * length
    dx, dxm = _out_view(ffi, n_in, DX_BITS, keep)
    args = ffi.new("sym_avgpool1d_backward_args *", {
        "dy": _cview(ffi, dy, keep), "geom": _geom(b, c, length, **w), "count_include_pad": inc,
        "dx": dx, "scratch": _scratch(ffi, n_in, keep), "n_scratch": n_in})
    err = ffi.new("sym_err *")
    _raise_err(ffi, lib.sym_avgpool1d_backward(args, err), err, "sym_avgpool1d_backward")
    return SymTensor(dxm.reshape(b, c, length), np.float32(dx.scale), DX_BITS)


# ---------------------------------------------------------------- AdaptiveAvgPool1d

def adaptive_avgpool1d_forward(x: SymTensor, output_size: int) -> SymTensor:
    """Half-away integer mean over PyTorch's adaptive windows, x's scale and width."""
    _check_types({"x": x}, {"output_size": output_size})
    b, c, length = _tensor3(x, "x")
    out = _int_arg(output_size, "output_size", 1)
    ffi, lib = _ffi_lib()
    keep: list[Any] = []
    y, ym = _out_view(ffi, b * c * out, int(x.q_max_bits), keep)
    args = ffi.new("sym_adaptive_avgpool1d_forward_args *", {
        "x": _cview(ffi, x, keep), "geom": _geom(b, c, length, out), "y": y})
    err = ffi.new("sym_err *")
    _raise_err(ffi, lib.sym_adaptive_avgpool1d_forward(args, err), err, "sym_adaptive_avgpool1d_forward")
    return SymTensor(ym.reshape(b, c, out), np.float32(y.scale), int(x.q_max_bits))


def adaptive_avgpool1d_backward(dy: SymTensor, input_length: int) -> SymTensor:
    """Window o adds div_half_away(dy * N, n_o) to its positions (N = the
    longest window), at s_dy / N, declared width 32."""
    _check_types({"dy": dy}, {"input_length": input_length})
    b, c, o = _tensor3(dy, "dy")
    length = _int_arg(input_length, "input_length", 1)
    ffi, lib = _ffi_lib()
    keep: list[Any] = []
    n_in = b * c * length
    dx, dxm = _out_view(ffi, n_in, DX_BITS, keep)
    args = ffi.new("sym_adaptive_avgpool1d_backward_args *", {
        "dy": _cview(ffi, dy, keep), "geom": _geom(b, c, length, o), "dx": dx,
        "scratch": _scratch(ffi, n_in, keep), "n_scratch": n_in})
    err = ffi.new("sym_err *")
    _raise_err(ffi, lib.sym_adaptive_avgpool1d_backward(args, err), err, "sym_adaptive_avgpool1d_backward")
    return SymTensor(dxm.reshape(b, c, length), np.float32(dx.scale), DX_BITS)
