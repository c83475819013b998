"""Layer kernels of the ``sv.kernels`` backend (docs/layers.md), through cffi.

Each layer step is one C entry point composed in C (``sym_<kernel>`` of
``kernels/include/sym_linear.h``, ``sym_layernorm.h``, ``sym_loss.h``,
``sym_sgd.h``, ``sym_requant.h``; the layer-level C ABI of docs/layers.md).
Every function here validates and normalises its Python arguments in the
precedence order of docs/semantics.md (Errors): types, ranks and shapes,
widths, modes, the Rng, eps / lr. It then makes that one C call
(:func:`symverify.layers_abi.call`) and raises :class:`symverify.SymError`
from the C's ``sym_err`` detail (argument, reason) on failure. It returns new
tensors, never modifies its arguments, and leaves the RNG state unchanged on
any error (the C writes nothing on error). The tensor-only steps (ReLU) are
not written here: they are bound from their registry layout and C args
struct (:mod:`symverify.layout_binding`).
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from . import kernels as _kernels, registry
from . import layers_abi, layout_binding
from .errors import STATUS_CODES, SymError, status_name
from .types import (CONVERSION_BITS, HALF_AWAY, OUTPUT_BITS, SR_HALF_AWAY, Rng, SymTensor, check_bits,
                    check_order, check_real, check_rng, check_rounding)

__all__ = registry.module_exports(__name__)

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1
#: Operand widths allowed into a product accumulator (|product| <= 2^30).
PRODUCT_BITS = range(2, 17)
#: LayerNorm needs F < 2^16 (the int32 row sum of <= 16-bit mantissas).
LN_MAX_FEATURES = (1 << 16) - 1


# ---------------------------------------------------------------- helpers

def _prims() -> Any:
    """``symverify.kernels``, looked up at call time (the gold suite swaps its
    ``ffi_lib``)."""
    return _kernels


def _ffi_lib() -> tuple[Any, Any]:
    return _prims().ffi_lib()


def _tensor(t: Any, argument: str) -> SymTensor:
    if not isinstance(t, SymTensor):
        raise SymError("SYM_ERR_BAD_TYPE", argument, type(t).__name__, f"{argument} must be an sv.SymTensor")
    return t


def _ndim(t: SymTensor, argument: str, ndim: int, layout: str) -> tuple[int, ...]:
    shape = tuple(t.mantissas.shape)
    if len(shape) != ndim:
        raise SymError("SYM_ERR_SHAPE", argument, shape, f"{argument} must be {ndim}-D {layout}, got shape {shape}")
    return shape


def _shape_match(argument: str, got: tuple[int, ...], want: tuple[int, ...], other: str,
                 other_shape: tuple[int, ...], layout: str) -> None:
    if tuple(got) != tuple(want):
        raise SymError("SYM_ERR_SHAPE", argument, tuple(got),
                       f"{argument} must be {layout} = {tuple(want)} to match {other} {tuple(other_shape)}, "
                       f"got {argument} {tuple(got)}")


def _int32_len(n: int, argument: str) -> int:
    if n > INT32_MAX:
        raise SymError("SYM_ERR_SHAPE", argument, n, "at most 2^31 - 1 elements fit an int32 length")
    return n


def _product_width(t: SymTensor, argument: str) -> None:
    check_bits(t.q_max_bits, PRODUCT_BITS, f"{argument}.q_max_bits")


def _positive_float32(x: Any, argument: str) -> np.float32:
    """``x`` as a positive, finite float32 (subnormal allowed), else BAD_SCALE."""
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, np.floating, np.integer)):
        raise SymError("SYM_ERR_BAD_TYPE", argument, x, f"{argument} must be a real number")
    with np.errstate(over="ignore", invalid="ignore"):
        f = np.float32(x)
    if not np.isfinite(f) or not f > 0:
        raise SymError("SYM_ERR_BAD_SCALE", argument, x,
                       f"{argument} must be a positive, finite float32 (got {float(f)!r} as float32)")
    return f


def _c_call(kernel: str, tensors: dict[str, SymTensor | None], rounding: str = HALF_AWAY,
            order: str = "ratio", rng: Rng | None = None, **scalars: Any) -> layers_abi.CResult:
    """The one C call of a layer step; raise the SymError of its ``sym_err``."""
    ffi, lib = _ffi_lib()
    state = rng.state if (rng is not None and rounding == SR_HALF_AWAY) else None
    res = layers_abi.call(ffi, lib, kernel, tensors, rounding=rounding, order=order, rng_state=state, **scalars)
    if res.status != 0:
        name = status_name(res.status)
        if name not in STATUS_CODES:
            raise SymError("SYM_ERR_BAD_TYPE", f"sym_{kernel}", res.status, f"sym_{kernel} returned an unknown status")
        argument = res.arg or f"sym_{kernel}"
        if res.index >= 0:
            argument = f"{argument}[{res.index}]"
        raise SymError(name, argument, res.arg_value, f"sym_{kernel}: {res.reason or name}")
    if state is not None and res.rng_state is not None:
        assert rng is not None
        rng.state = res.rng_state
    return res


def _sym(out: tuple[np.ndarray, np.float32, int]) -> SymTensor:
    m, scale, bits = out
    return SymTensor(m, scale, bits)


# ---------------------------------------------------------------- quantization layer

def quant_forward(x: SymTensor, q_max_bits: int, rounding: str = HALF_AWAY, order: str = "ratio",
                  rng_state: Rng | None = None) -> SymTensor:
    """Quantization layer forward: ``requant_dynamic(x, q_max_bits, rounding, order, rng_state)``
    (C: ``sym_quant_forward``)."""
    x = _tensor(x, "x")
    bits = check_bits(q_max_bits, OUTPUT_BITS)
    rounding = check_rounding(rounding)
    order = check_order(order)
    rng = check_rng(rounding, rng_state)
    _int32_len(int(x.mantissas.size), "x")
    res = _c_call("quant_forward", {"x": x}, rounding, order, rng, q_max_bits=bits)
    return _sym(res.outputs["out"])


def quant_backward(dy: SymTensor) -> SymTensor:
    """Quantization layer backward: straight-through, an exact copy of ``dy``
    (C: ``sym_quant_backward``)."""
    dy = _tensor(dy, "dy")
    _int32_len(int(dy.mantissas.size), "dy")
    res = _c_call("quant_backward", {"dy": dy})
    return _sym(res.outputs["out"])


# ---------------------------------------------------------------- linear

def _linear_shapes(x: SymTensor, w: SymTensor) -> tuple[int, int, int]:
    bsz, in_f = _ndim(x, "x", 2, "[B, I]")
    w_shape = _ndim(w, "w", 2, "[O, I]")
    if w_shape[1] != in_f:
        raise SymError("SYM_ERR_SHAPE", "w", w_shape,
                       f"w must be [O, I] with I = x.shape[1]: x {(bsz, in_f)}, w {w_shape}")
    out_f = w_shape[0]
    _int32_len(bsz * in_f, "x")
    _int32_len(out_f * in_f, "w")
    _int32_len(bsz * out_f, "acc")
    return bsz, in_f, out_f


def linear_forward(x: SymTensor, w: SymTensor, b: SymTensor | None = None, out_bits: int | None = None,
                   rounding: str = HALF_AWAY, order: str = "ratio",
                   rng_state: Rng | None = None) -> SymTensor:
    """y = x w^T + b: int32 accumulator seeded with rescale_to_acc(b_c, s_b, s_x*s_w),
    raw [B, O] output at scale s_x*s_w (width 32), or requantized dynamically to
    ``out_bits`` if given (C: ``sym_linear_forward``)."""
    x = _tensor(x, "x")
    w = _tensor(w, "w")
    if b is not None:
        b = _tensor(b, "b")
    _, _, out_f = _linear_shapes(x, w)
    if b is not None:
        _shape_match("b", b.mantissas.shape, (out_f,), "w", w.mantissas.shape, "[O]")
    _product_width(x, "x")
    _product_width(w, "w")
    bits = None if out_bits is None else check_bits(out_bits, OUTPUT_BITS, "out_bits")
    rounding = check_rounding(rounding)
    order = check_order(order)
    rng = check_rng(rounding, rng_state)
    res = _c_call("linear_forward", {"x": x, "w": w, "b": b}, rounding, order, rng, out_bits=bits or 0)
    return _sym(res.outputs["out"])


def linear_backward(x: SymTensor, w: SymTensor, dy: SymTensor, grad_w: SymTensor,
                    grad_b: SymTensor | None = None, dx_bits: int = 12, rounding: str = HALF_AWAY,
                    order: str = "ratio", rng_state: Rng | None = None
                    ) -> tuple[SymTensor, SymTensor, SymTensor | None]:
    """Returns ``(dx, new_grad_w, new_grad_b)``: dW = dy^T x accumulated
    dynamically into grad_w, db = column sums of dy accumulated at fixed scale
    into grad_b, dx = dy w requantized dynamically to ``dx_bits``. RNG draws:
    grad_w (O*I) then dx (B*I); all steps succeed or nothing changes
    (C: ``sym_linear_backward``)."""
    x = _tensor(x, "x")
    w = _tensor(w, "w")
    dy = _tensor(dy, "dy")
    grad_w = _tensor(grad_w, "grad_w")
    if grad_b is not None:
        grad_b = _tensor(grad_b, "grad_b")
    bsz, in_f, out_f = _linear_shapes(x, w)
    dy_shape = _ndim(dy, "dy", 2, "[B, O]")
    if dy_shape != (bsz, out_f):
        raise SymError("SYM_ERR_SHAPE", "dy", dy_shape,
                       f"dy must be [B, O] = {(bsz, out_f)}: x {(bsz, in_f)}, w {w.mantissas.shape}, "
                       f"dy {dy_shape}")
    _shape_match("grad_w", grad_w.mantissas.shape, (out_f, in_f), "w", w.mantissas.shape, "[O, I]")
    if grad_b is not None:
        _shape_match("grad_b", grad_b.mantissas.shape, (out_f,), "w", w.mantissas.shape, "[O]")
    _product_width(x, "x")
    _product_width(w, "w")
    _product_width(dy, "dy")
    check_bits(grad_w.q_max_bits, OUTPUT_BITS, "grad_w.q_max_bits")
    bits = check_bits(dx_bits, OUTPUT_BITS, "dx_bits")
    rounding = check_rounding(rounding)
    order = check_order(order)
    rng = check_rng(rounding, rng_state)
    _int32_len(2 * out_f * in_f + bsz * in_f + 2 * out_f, "scratch")
    res = _c_call("linear_backward", {"x": x, "w": w, "dy": dy, "grad_w": grad_w, "grad_b": grad_b},
                  rounding, order, rng, dx_bits=bits)
    new_grad_b = _sym(res.outputs["grad_b"]) if grad_b is not None else None
    return _sym(res.outputs["dx"]), _sym(res.outputs["grad_w"]), new_grad_b


# ---------------------------------------------------------------- layernorm

def _layernorm_shapes(x: SymTensor, gamma: SymTensor, other: SymTensor, other_name: str
                      ) -> tuple[int, int]:
    bsz, feats = _ndim(x, "x", 2, "[B, F]")
    _shape_match("gamma", gamma.mantissas.shape, (feats,), "x", (bsz, feats), "[F]")
    if other_name == "beta":
        _shape_match("beta", other.mantissas.shape, (feats,), "x", (bsz, feats), "[F]")
    else:
        _shape_match(other_name, other.mantissas.shape, (bsz, feats), "x", (bsz, feats), "[B, F]")
    if feats > LN_MAX_FEATURES:
        raise SymError("SYM_ERR_SHAPE", "x", (bsz, feats),
                       f"LayerNorm needs F < 2^16 (int32 row sums), got F = {feats}")
    _int32_len(bsz * feats, "x")
    return bsz, feats


def layernorm_forward(x: SymTensor, gamma: SymTensor, beta: SymTensor, norm_bits: int = 12,
                      eps: Any = 1e-5, rounding: str = HALF_AWAY,
                      rng_state: Rng | None = None) -> SymTensor:
    """LayerNorm forward (docs/layers.md): float32 row statistics, normalized
    values requantized to ``norm_bits`` with one global scale, integer affine
    y = q_n * gamma_j + rescale_to_acc(beta_j, s_beta, s_y); raw output (width 32)
    (C: ``sym_layernorm_forward``)."""
    x = _tensor(x, "x")
    gamma = _tensor(gamma, "gamma")
    beta = _tensor(beta, "beta")
    check_real(eps, "eps")
    _layernorm_shapes(x, gamma, beta, "beta")
    _product_width(x, "x")
    _product_width(gamma, "gamma")
    bits = check_bits(norm_bits, OUTPUT_BITS, "norm_bits")
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    eps32 = _positive_float32(eps, "eps")
    res = _c_call("layernorm_forward", {"x": x, "gamma": gamma, "beta": beta}, rounding, "ratio", rng,
                  norm_bits=bits, eps=eps32)
    return _sym(res.outputs["out"])


def layernorm_backward(x: SymTensor, gamma: SymTensor, dy: SymTensor, dx_bits: int = 12,
                       eps: Any = 1e-5, rounding: str = HALF_AWAY,
                       rng_state: Rng | None = None) -> SymTensor:
    """LayerNorm backward in float32: dx = inv*((dn - mean(dn)) - n*mean(dn*n)),
    dn = dy*gamma (dequantized); then float_to_sym(dx, dx_bits)
    (C: ``sym_layernorm_backward``)."""
    x = _tensor(x, "x")
    gamma = _tensor(gamma, "gamma")
    dy = _tensor(dy, "dy")
    check_real(eps, "eps")
    _layernorm_shapes(x, gamma, dy, "dy")
    _product_width(x, "x")
    bits = check_bits(dx_bits, CONVERSION_BITS, "dx_bits")
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    eps32 = _positive_float32(eps, "eps")
    res = _c_call("layernorm_backward", {"x": x, "gamma": gamma, "dy": dy}, rounding, "ratio", rng,
                  dx_bits=bits, eps=eps32)
    return _sym(res.outputs["out"])


# ---------------------------------------------------------------- MSE loss

def mse_loss(y: SymTensor, target: Any, grad_bits: int = 12, rounding: str = HALF_AWAY,
             rng_state: Rng | None = None) -> tuple[np.float32, SymTensor]:
    """Fake-quant MSE: loss = mean((y*s_y - t)^2) in float32 (row-major sum),
    dy = float_to_sym((2*diff)/N, grad_bits). Returns ``(loss, dy)``
    (C: ``sym_mse_loss``)."""
    y = _tensor(y, "y")
    raw = np.asarray(target)
    if raw.dtype.kind not in "fiu":
        raise SymError("SYM_ERR_BAD_TYPE", "target", raw.dtype, "target must be a real (float32) array")
    if raw.size == 0:
        raise SymError("SYM_ERR_EMPTY", "target", tuple(raw.shape), "target needs at least one element")
    if tuple(raw.shape) != tuple(y.mantissas.shape):
        raise SymError("SYM_ERR_SHAPE", "target", tuple(raw.shape),
                       f"target must have y's shape: y {tuple(y.mantissas.shape)}, target {tuple(raw.shape)}")
    bits = check_bits(grad_bits, CONVERSION_BITS, "grad_bits")
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    with np.errstate(over="ignore", invalid="ignore"):
        t32 = np.array(raw, dtype=np.float32, copy=True, order="C").reshape(-1)
    _int32_len(int(y.mantissas.size), "y")
    res = _c_call("mse_loss", {"y": y}, rounding, "ratio", rng, target=t32, grad_bits=bits)
    return np.float32(res.outputs["loss"]), _sym(res.outputs["dy"])


# ---------------------------------------------------------------- SGD

def sgd_update(param: SymTensor, grad: SymTensor, lr: Any, rounding: str = SR_HALF_AWAY,
               rng_state: Rng | None = None) -> SymTensor:
    """w = p - lr * g in float32 (the product first), written back with
    float_to_sym at param's width (2..31), SR_HALF_AWAY by default
    (C: ``sym_sgd_update``)."""
    param = _tensor(param, "param")
    grad = _tensor(grad, "grad")
    check_real(lr, "lr")
    if tuple(grad.mantissas.shape) != tuple(param.mantissas.shape):
        raise SymError("SYM_ERR_SHAPE", "grad", tuple(grad.mantissas.shape),
                       f"grad must have param's shape: param {tuple(param.mantissas.shape)}, "
                       f"grad {tuple(grad.mantissas.shape)}")
    check_bits(param.q_max_bits, CONVERSION_BITS, "param.q_max_bits")
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    lr32 = _positive_float32(lr, "lr")
    _int32_len(int(param.mantissas.size), "param")
    res = _c_call("sgd_update", {"param": param, "grad": grad}, rounding, "ratio", rng, lr=lr32)
    return _sym(res.outputs["out"])


# ---------------------------------------------------------------- tensor-only steps
# ReLU and any other step whose registry layout says it takes and returns only
# tensors: bound from that layout and its C args struct (symverify/layout_binding.py).

for _k in registry.KERNELS:
    if _k.c_module == __name__ and registry.layer_abi_kernel(_k):
        globals()[_k.name] = layout_binding.bind(_k, __name__, _ffi_lib)
del _k
