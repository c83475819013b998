"""Conv1d and ConvTranspose1d of the ``sv.kernels`` backend (docs/layers.md "Conv1d").

Each function checks and normalises its Python arguments (types, shapes and
geometry through :mod:`symverify.conv_geometry`, widths, rounding), fills the
one C argument struct of ``kernels/include/sym_conv.h`` and makes the one
call; a failure inside C becomes a :class:`symverify.SymError` built from the
``sym_err`` the kernel filled. Arguments are never modified; the RNG state
advances only on success.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import kernels as _kernels, registry
from .conv_geometry import Geom1d, conv1d_geometry, conv_transpose1d_geometry
from .errors import SymError, status_name
from .types import HALF_AWAY, OUTPUT_BITS, Rng, SymTensor, check_bits, check_order, check_rng, check_rounding

__all__ = registry.module_exports(__name__)

_ROUNDING_C = {"half_away": 0, "sr_half_away": 1}
_ORDER_C = {"ratio": 0, "clamp_first": 1}
_PRODUCT_BITS = range(2, 17)


def _tensor(t: Any, argument: str) -> SymTensor:
    if not isinstance(t, SymTensor):
        raise SymError("SYM_ERR_BAD_TYPE", argument, type(t).__name__, f"{argument} must be an sv.SymTensor")
    return t


def _flat(t: SymTensor) -> np.ndarray:
    return np.array(t.mantissas, dtype=np.int32, copy=True, order="C").reshape(-1)


class _Call:
    """Keeps the numpy buffers of one C call alive and builds its structs."""

    def __init__(self) -> None:
        self.ffi, self.lib = _kernels.ffi_lib()
        self.keep: list[Any] = []

    def cview(self, t: SymTensor) -> Any:
        m = _flat(t)
        self.keep.append(m)
        v = self.ffi.new("sym_cview *")
        v.m = self.ffi.cast("const int32_t *", self.ffi.from_buffer(m))
        v.n = int(m.size)
        v.scale = float(t.scale)
        v.bits = int(t.q_max_bits)
        self.keep.append(v)
        return v

    def view(self, n: int, bits: int) -> tuple[Any, np.ndarray]:
        m = np.empty(n, dtype=np.int32)
        v = self.ffi.new("sym_view *")
        v.m = self.ffi.cast("int32_t *", self.ffi.from_buffer(m))
        v.n = n
        v.scale = 0.0
        v.bits = bits
        self.keep += [m, v]
        return v, m

    def scratch(self, n: int) -> tuple[Any, int]:
        buf = np.empty(max(n, 1), dtype=np.int32)
        self.keep.append(buf)
        return self.ffi.cast("int32_t *", self.ffi.from_buffer(buf)), n

    def geom(self, g: Geom1d, target: Any) -> None:
        for field in ("batch", "in_channels", "out_channels", "in_length", "out_length", "kernel_size",
                      "stride", "dilation", "groups", "pad_left", "pad_right", "output_padding"):
            setattr(target, field, getattr(g, field))

    def round(self, target: Any, rounding: str, order: str, rng: "Rng | None") -> Any:
        target.mode = _ROUNDING_C[rounding]
        target.order = _ORDER_C[order]
        state = self.ffi.new("uint32_t[1]", [rng.state if rng is not None else 0])
        self.keep.append(state)
        target.rng_state = state if rng is not None else self.ffi.NULL
        return state

    def raise_for(self, status: int, err: Any, where: str, value: Any) -> None:
        if status == 0:
            return
        arg = self.ffi.string(err.arg).decode() if err.arg != self.ffi.NULL else where
        reason = self.ffi.string(err.reason).decode() if err.reason != self.ffi.NULL else "failed"
        index = int(err.index)
        shown = f"{arg}[{index}]" if index >= 0 else arg
        raise SymError(status_name(status), shown, value if index < 0 else index, f"{where}: {shown}: {reason}")


def _conv1d_forward(lib: Any, args: Any, err: Any) -> int:
    return int(lib.sym_conv1d_forward(args, err))


def _conv1d_backward(lib: Any, args: Any, err: Any) -> int:
    return int(lib.sym_conv1d_backward(args, err))


def _conv_transpose1d_forward(lib: Any, args: Any, err: Any) -> int:
    return int(lib.sym_conv_transpose1d_forward(args, err))


def _conv_transpose1d_backward(lib: Any, args: Any, err: Any) -> int:
    return int(lib.sym_conv_transpose1d_backward(args, err))


def _checks(x: SymTensor, w: SymTensor, out_bits: "int | None", rounding: str, order: str,
            rng_state: "Rng | None") -> tuple[str, str, "Rng | None"]:
    """The width group (x, w, out_bits), then rounding, order, RNG (docs/semantics.md)."""
    check_bits(x.q_max_bits, _PRODUCT_BITS, "x.q_max_bits")
    check_bits(w.q_max_bits, _PRODUCT_BITS, "w.q_max_bits")
    if out_bits is not None:
        check_bits(out_bits, OUTPUT_BITS, "out_bits")
    rounding = check_rounding(rounding)
    order = check_order(order)
    return rounding, order, check_rng(rounding, rng_state)


def _forward(entry: Any, geom: Geom1d, x: SymTensor, w: SymTensor, b: "SymTensor | None",
             out_bits: "int | None", rounding: str, order: str, rng_state: "Rng | None") -> SymTensor:
    if b is not None:
        if tuple(b.mantissas.shape) != (geom.out_channels,):
            raise SymError("SYM_ERR_SHAPE", "b", tuple(b.mantissas.shape), f"b must be [C_out] = ({geom.out_channels},)")
    rounding, order, rng = _checks(x, w, out_bits, rounding, order, rng_state)
    bits = 0 if out_bits is None else int(out_bits)
    call = _Call()
    args = call.ffi.new("sym_conv1d_forward_args *")
    args.x = call.cview(x)[0]
    args.w = call.cview(w)[0]
    args.b = call.cview(b) if b is not None else call.ffi.NULL
    args.out_bits = bits
    call.geom(geom, args.geom)
    state = call.round(args.round, rounding, order, rng)
    n_y = geom.batch * geom.out_channels * geom.out_length
    args.scratch, args.n_scratch = call.scratch(n_y) if bits else (call.ffi.NULL, 0)
    y, ym = call.view(n_y, bits or 32)
    args.y = y
    err = call.ffi.new("sym_err *")
    status = entry(call.lib, args, err)
    call.raise_for(status, err, "sym" + entry.__name__, None)
    if rng is not None:
        rng.state = int(state[0])
    shape = (geom.batch, geom.out_channels, geom.out_length)
    return SymTensor(ym.reshape(shape), np.float32(y.scale), bits or 32)


def _backward(entry: Any, geom: Geom1d, x: SymTensor, w: SymTensor, dy: SymTensor, grad_w: SymTensor,
              grad_b: "SymTensor | None", dx_bits: int, rounding: str, order: str, rng_state: "Rng | None"
              ) -> tuple[SymTensor, SymTensor, "SymTensor | None"]:
    dy_shape = (geom.batch, geom.out_channels, geom.out_length)
    if tuple(dy.mantissas.shape) != dy_shape:
        raise SymError("SYM_ERR_SHAPE", "dy", tuple(dy.mantissas.shape), f"dy must be {dy_shape} (the output shape)")
    if tuple(grad_w.mantissas.shape) != tuple(w.mantissas.shape):
        raise SymError("SYM_ERR_SHAPE", "grad_w", tuple(grad_w.mantissas.shape),
                       f"grad_w must have w's shape {tuple(w.mantissas.shape)}")
    if grad_b is not None and tuple(grad_b.mantissas.shape) != (geom.out_channels,):
        raise SymError("SYM_ERR_SHAPE", "grad_b", tuple(grad_b.mantissas.shape), f"grad_b must be ({geom.out_channels},)")
    check_bits(x.q_max_bits, _PRODUCT_BITS, "x.q_max_bits")
    check_bits(w.q_max_bits, _PRODUCT_BITS, "w.q_max_bits")
    check_bits(dy.q_max_bits, _PRODUCT_BITS, "dy.q_max_bits")
    check_bits(grad_w.q_max_bits, OUTPUT_BITS, "grad_w.q_max_bits")
    bits = check_bits(dx_bits, OUTPUT_BITS, "dx_bits")
    rounding = check_rounding(rounding)
    order = check_order(order)
    rng = check_rng(rounding, rng_state)
    call = _Call()
    args = call.ffi.new("sym_conv1d_backward_args *")
    args.x = call.cview(x)[0]
    args.w = call.cview(w)[0]
    args.dy = call.cview(dy)[0]
    args.grad_w = call.cview(grad_w)[0]
    args.grad_b = call.cview(grad_b) if grad_b is not None else call.ffi.NULL
    args.dx_bits = bits
    call.geom(geom, args.geom)
    state = call.round(args.round, rounding, order, rng)
    n_x = int(x.mantissas.size)
    n_w = int(w.mantissas.size)
    args.scratch, args.n_scratch = call.scratch(2 * n_w + n_x + (geom.out_channels if grad_b is not None else 0))
    dx, dxm = call.view(n_x, bits)
    gw, gwm = call.view(n_w, int(grad_w.q_max_bits))
    args.dx = dx
    args.new_grad_w = gw
    gbm = None
    if grad_b is not None:
        gb, gbm = call.view(geom.out_channels, int(grad_b.q_max_bits))
        args.new_grad_b = gb
    else:
        args.new_grad_b = call.ffi.NULL
    err = call.ffi.new("sym_err *")
    status = entry(call.lib, args, err)
    call.raise_for(status, err, "sym" + entry.__name__, None)
    if rng is not None:
        rng.state = int(state[0])
    new_b = None if gbm is None or grad_b is None else SymTensor(gbm, np.float32(gb.scale), grad_b.q_max_bits)
    return (SymTensor(dxm.reshape(x.mantissas.shape), np.float32(dx.scale), bits),
            SymTensor(gwm.reshape(w.mantissas.shape), np.float32(gw.scale), grad_w.q_max_bits), new_b)


def conv1d_forward(x: SymTensor, w: SymTensor, b: "SymTensor | None" = None, stride: int = 1, padding: Any = 0,
                   dilation: int = 1, groups: int = 1, out_bits: "int | None" = None, rounding: str = HALF_AWAY,
                   order: str = "ratio", rng_state: "Rng | None" = None) -> SymTensor:
    """Conv1d forward: x [B, C_in, L], w [C_out, C_in/groups, K], b [C_out] or None;
    raw [B, C_out, L_out] at s_x*s_w (width 32) or requantized to ``out_bits``."""
    x, w = _tensor(x, "x"), _tensor(w, "w")
    b = None if b is None else _tensor(b, "b")
    geom = conv1d_geometry(x.mantissas.shape, w.mantissas.shape, stride, padding, dilation, groups)
    return _forward(_conv1d_forward, geom, x, w, b, out_bits, rounding, order, rng_state)


def conv1d_backward(x: SymTensor, w: SymTensor, dy: SymTensor, grad_w: SymTensor,
                    grad_b: "SymTensor | None" = None, stride: int = 1, padding: Any = 0, dilation: int = 1,
                    groups: int = 1, dx_bits: int = 12, rounding: str = HALF_AWAY, order: str = "ratio",
                    rng_state: "Rng | None" = None) -> tuple[SymTensor, SymTensor, "SymTensor | None"]:
    """Conv1d backward: ``(dx, new_grad_w, new_grad_b)``; SR draws grad_w's
    size, then x's size; all steps succeed or nothing changes."""
    x, w, dy, grad_w = _tensor(x, "x"), _tensor(w, "w"), _tensor(dy, "dy"), _tensor(grad_w, "grad_w")
    grad_b = None if grad_b is None else _tensor(grad_b, "grad_b")
    geom = conv1d_geometry(x.mantissas.shape, w.mantissas.shape, stride, padding, dilation, groups)
    return _backward(_conv1d_backward, geom, x, w, dy, grad_w, grad_b, dx_bits, rounding, order, rng_state)


def conv_transpose1d_forward(x: SymTensor, w: SymTensor, b: "SymTensor | None" = None, stride: int = 1,
                             padding: int = 0, output_padding: int = 0, dilation: int = 1, groups: int = 1,
                             out_bits: "int | None" = None, rounding: str = HALF_AWAY, order: str = "ratio",
                             rng_state: "Rng | None" = None) -> SymTensor:
    """ConvTranspose1d forward: x [B, C_in, L], w [C_in, C_out/groups, K];
    raw [B, C_out, L_out] at s_x*s_w or requantized to ``out_bits``."""
    x, w = _tensor(x, "x"), _tensor(w, "w")
    b = None if b is None else _tensor(b, "b")
    geom = conv_transpose1d_geometry(x.mantissas.shape, w.mantissas.shape, stride, padding, output_padding,
                                     dilation, groups)
    return _forward(_conv_transpose1d_forward, geom, x, w, b, out_bits, rounding, order, rng_state)


def conv_transpose1d_backward(x: SymTensor, w: SymTensor, dy: SymTensor, grad_w: SymTensor,
                              grad_b: "SymTensor | None" = None, stride: int = 1, padding: int = 0,
                              output_padding: int = 0, dilation: int = 1, groups: int = 1, dx_bits: int = 12,
                              rounding: str = HALF_AWAY, order: str = "ratio", rng_state: "Rng | None" = None
                              ) -> tuple[SymTensor, SymTensor, "SymTensor | None"]:
    """ConvTranspose1d backward: ``(dx, new_grad_w, new_grad_b)``, draws as conv1d_backward."""
    x, w, dy, grad_w = _tensor(x, "x"), _tensor(w, "w"), _tensor(dy, "dy"), _tensor(grad_w, "grad_w")
    grad_b = None if grad_b is None else _tensor(grad_b, "grad_b")
    geom = conv_transpose1d_geometry(x.mantissas.shape, w.mantissas.shape, stride, padding, output_padding,
                                     dilation, groups)
    return _backward(_conv_transpose1d_backward, geom, x, w, dy, grad_w, grad_b, dx_bits, rounding, order,
                     rng_state)
