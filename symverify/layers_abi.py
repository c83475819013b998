"""The raw layer-level C ABI (docs/layers.md "C ABI") through cffi: fill one
``sym_<kernel>_args`` struct, make the one ``sym_<kernel>`` call, read the
outputs and the ``sym_err`` detail back.

No validation and no composition happen here: whatever the C entry point
returns is the result. :mod:`symverify.kernels_layers` validates the Python
arguments first and then calls :func:`call`; the gold suite
(mutants/layers_gold.py) calls :func:`call` directly on decoded vectors and a
(mutated) library. Output buffers start filled with :data:`SENTINEL_BYTE`, so
an element the C never writes cannot pass for a golden value.

Dimensions come from the shapes: a tensor of shape ``(d0, d1, ...)`` is
``[d0, d1*...]`` (a 1-D tensor is ``[n, 1]``); a tensor whose length does not
match the dimensions is the C's SHAPE error.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .types import HALF_AWAY, SR_HALF_AWAY, SymTensor

__all__ = ["SENTINEL_BYTE", "ROUNDING_C", "ORDER_C", "KERNELS", "CResult", "scratch_size", "call"]

#: every output and scratch byte before the call (int32 1515870810)
SENTINEL_BYTE = 0x5A
ROUNDING_C = {HALF_AWAY: 0, SR_HALF_AWAY: 1}
ORDER_C = {"ratio": 0, "clamp_first": 1}


@dataclass
class CResult:
    """One C call: its status, the ``sym_err`` detail (``arg`` None on
    success), the outputs by name (``(mantissas, scale, bits)`` for a
    tensor, a float32 for the loss) and the RNG state after the call."""
    status: int
    arg: str | None = None
    index: int = -1
    reason: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    rng_state: int | None = None
    arg_value: Any = None
    #: on an error: the outputs (and "rng_state") the C wrote anyway; on
    #: success: "err" if the C filled sym_err
    written: list[str] = field(default_factory=list)


def _dims2(t: SymTensor) -> tuple[int, int]:
    shape = tuple(t.mantissas.shape)
    if not shape:
        return 1, 1
    return int(shape[0]), int(math.prod(shape[1:]))


def _sentinel(dtype: Any, n: int) -> np.ndarray:
    a = np.empty(max(n, 1), dtype=dtype)
    a.view(np.uint8).fill(SENTINEL_BYTE)
    return a


class _Builder:
    """Keeps every buffer a struct points into alive for the call."""

    def __init__(self, ffi: Any) -> None:
        self.ffi = ffi
        self.keep: list[Any] = []

    def cview(self, t: SymTensor) -> dict[str, Any]:
        m = np.array(t.mantissas, dtype=np.int32, copy=True, order="C").reshape(-1)
        self.keep.append(m)
        ptr = self.ffi.cast("const int32_t *", self.ffi.from_buffer(m)) if m.size else self.ffi.NULL
        return {"m": ptr, "n": int(m.size), "scale": float(t.scale), "bits": int(t.q_max_bits)}

    def cview_ptr(self, t: SymTensor | None) -> Any:
        if t is None:
            return self.ffi.NULL
        p = self.ffi.new("sym_cview *", self.cview(t))
        self.keep.append(p)
        return p

    def view(self, n: int) -> tuple[Any, np.ndarray]:
        m = _sentinel(np.int32, n)
        self.keep.append(m)
        v = self.ffi.new("sym_view *", {"m": self.ffi.cast("int32_t *", self.ffi.from_buffer(m)), "n": n,
                                        "scale": -1.0, "bits": 0})
        self.keep.append(v)
        return v, m

    def i32(self, n: int) -> tuple[Any, int]:
        a = _sentinel(np.int32, n)
        self.keep.append(a)
        return self.ffi.cast("int32_t *", self.ffi.from_buffer(a)), n

    def f32(self, n: int) -> tuple[Any, int]:
        a = _sentinel(np.float32, n)
        self.keep.append(a)
        return self.ffi.cast("float *", self.ffi.from_buffer(a)), n

    def round_ctx(self, rounding: str, order: str, rng_state: int | None) -> tuple[dict[str, Any], Any]:
        rbuf = self.ffi.new("uint32_t[1]", [rng_state]) if rng_state is not None else self.ffi.NULL
        self.keep.append(rbuf)
        return ({"mode": ROUNDING_C.get(rounding, -1), "order": ORDER_C.get(order, -1), "rng_state": rbuf}, rbuf)


#: the one C entry point of each layer step (spelled out: tests/test_registry.py
#: checks that the registry's c_entry_points are the ones called)
_ENTRY_POINTS: dict[str, Any] = {
    "quant_forward": lambda lib, a, e: lib.sym_quant_forward(a, e),
    "quant_backward": lambda lib, a, e: lib.sym_quant_backward(a, e),
    "linear_forward": lambda lib, a, e: lib.sym_linear_forward(a, e),
    "linear_backward": lambda lib, a, e: lib.sym_linear_backward(a, e),
    "layernorm_forward": lambda lib, a, e: lib.sym_layernorm_forward(a, e),
    "layernorm_backward": lambda lib, a, e: lib.sym_layernorm_backward(a, e),
    "mse_loss": lambda lib, a, e: lib.sym_mse_loss(a, e),
    "sgd_update": lambda lib, a, e: lib.sym_sgd_update(a, e),
}

#: the kernels :func:`call` fills a struct for
KERNELS: tuple[str, ...] = tuple(_ENTRY_POINTS)


def scratch_size(kernel: str, batch: int, in_f: int, out_f: int, with_bias: bool) -> int:
    """The int32 scratch a Linear step needs (sym_linear.h)."""
    if kernel == "linear_forward":
        return batch * out_f
    return 2 * out_f * in_f + batch * in_f + (2 * out_f if with_bias else 0)


def _tensor_out(view: Any, m: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, np.float32, int]:
    n = int(math.prod(shape))
    return m[:n].reshape(shape).copy(), np.float32(view.scale), int(view.bits)


def _arg_value(args: Any, arg: str | None, index: int = -1,
               elements: dict[str, np.ndarray] | None = None) -> Any:
    """The value of a failing struct field (``x.scale``, ``out_bits``), of
    the element ``index`` of a named input buffer (``x.m``, ``target``: a key
    of ``elements``), or None (an output element, whose sum was never kept)."""
    if not arg:
        return None
    if index >= 0:
        buf = (elements or {}).get(arg)
        if buf is None or index >= buf.size:
            return None
        return buf[index].item()
    obj = args
    try:
        for part in arg.split("."):
            obj = getattr(obj, part)
    except (AttributeError, TypeError):
        return None
    return obj if isinstance(obj, (int, float)) else None


def call(ffi: Any, lib: Any, kernel: str, t: dict[str, SymTensor | None], *, rounding: str = HALF_AWAY,
         order: str = "ratio", rng_state: int | None = None, patch: Callable[[Any], None] | None = None,
         **scalars: Any) -> CResult:
    """Fill ``sym_<kernel>_args`` from the tensors ``t`` (Python parameter
    names) and ``scalars`` (``out_bits``: 0 = raw, ``dx_bits``, ``eps``, ``lr``,
    ``target``: a float32 array, ...), call ``sym_<kernel>`` once on ``lib``
    and return its :class:`CResult`. ``rng_state`` is the xorshift32 state
    the call gets (None: a NULL pointer); ``patch`` may edit the filled
    struct before the call (the C-ABI cases: NULL pointers, wrong lengths).
    A tensor is anything with ``mantissas``, ``scale``, ``q_max_bits`` (the
    C-ABI cases pass values a SymTensor refuses). Raises ``KeyError`` for a
    kernel that has no layer entry point."""
    b = _Builder(ffi)
    rnd, rbuf = b.round_ctx(rounding, order, rng_state)
    shapes: dict[str, tuple[int, ...]] = {}
    fields: dict[str, Any] = {}
    views: dict[str, tuple[Any, np.ndarray]] = {}
    loss = None
    if kernel == "quant_forward":
        x = t["x"]
        assert x is not None
        views["out"] = b.view(int(x.mantissas.size))
        shapes["out"] = tuple(x.mantissas.shape)
        fields = {"x": b.cview(x), "q_max_bits": int(scalars["q_max_bits"]), "round": rnd, "out": views["out"][0]}
    elif kernel == "quant_backward":
        dy = t["dy"]
        assert dy is not None
        views["out"] = b.view(int(dy.mantissas.size))
        shapes["out"] = tuple(dy.mantissas.shape)
        fields = {"dy": b.cview(dy), "out": views["out"][0]}
    elif kernel == "linear_forward":
        x, w = t["x"], t["w"]
        assert x is not None and w is not None
        (bsz, in_f), out_f = _dims2(x), _dims2(w)[0]
        out_bits = int(scalars.get("out_bits") or 0)
        views["out"] = b.view(bsz * out_f)
        shapes["out"] = (bsz, out_f)
        scratch, n_scratch = b.i32(scratch_size(kernel, bsz, in_f, out_f, False)) if out_bits else (ffi.NULL, 0)
        fields = {"x": b.cview(x), "w": b.cview(w), "b": b.cview_ptr(t.get("b")), "batch": bsz,
                  "in_features": in_f, "out_features": out_f, "out_bits": out_bits, "round": rnd,
                  "scratch": scratch, "n_scratch": n_scratch, "out": views["out"][0]}
    elif kernel == "linear_backward":
        x, w, dy, gw, gb = t["x"], t["w"], t["dy"], t["grad_w"], t.get("grad_b")
        assert x is not None and w is not None and dy is not None and gw is not None
        (bsz, in_f), out_f = _dims2(x), _dims2(w)[0]
        views["dx"] = b.view(bsz * in_f)
        shapes["dx"] = (bsz, in_f)
        views["grad_w"] = b.view(out_f * in_f)
        shapes["grad_w"] = (out_f, in_f)
        if gb is not None:
            views["grad_b"] = b.view(out_f)
            shapes["grad_b"] = (out_f,)
        scratch, n_scratch = b.i32(scratch_size(kernel, bsz, in_f, out_f, gb is not None))
        fields = {"x": b.cview(x), "w": b.cview(w), "dy": b.cview(dy), "grad_w": b.cview(gw),
                  "grad_b": b.cview_ptr(gb), "batch": bsz, "in_features": in_f, "out_features": out_f,
                  "dx_bits": int(scalars["dx_bits"]), "round": rnd, "scratch": scratch, "n_scratch": n_scratch,
                  "dx": views["dx"][0], "new_grad_w": views["grad_w"][0],
                  "new_grad_b": views["grad_b"][0] if gb is not None else ffi.NULL}
    elif kernel in ("layernorm_forward", "layernorm_backward"):
        x, gamma = t["x"], t["gamma"]
        assert x is not None and gamma is not None
        bsz, feats = _dims2(x)
        views["out"] = b.view(bsz * feats)
        shapes["out"] = tuple(x.mantissas.shape)
        fields = {"x": b.cview(x), "gamma": b.cview(gamma), "batch": bsz, "features": feats,
                  "eps": float(scalars["eps"]), "round": rnd, "out": views["out"][0]}
        if kernel == "layernorm_forward":
            beta = t["beta"]
            assert beta is not None
            fields.update({"beta": b.cview(beta), "norm_bits": int(scalars["norm_bits"])})
        else:
            dy = t["dy"]
            assert dy is not None
            fs, n_fs = b.f32(bsz * feats)
            fields.update({"dy": b.cview(dy), "dx_bits": int(scalars["dx_bits"]), "fscratch": fs, "n_fscratch": n_fs})
    elif kernel == "mse_loss":
        y = t["y"]
        assert y is not None
        target = np.array(scalars["target"], dtype=np.float32, copy=True, order="C").reshape(-1)
        b.keep.append(target)
        n = int(y.mantissas.size)
        views["dy"] = b.view(n)
        shapes["dy"] = tuple(y.mantissas.shape)
        loss = b.f32(1)[0]
        fs, n_fs = b.f32(n)
        fields = {"y": b.cview(y), "target": ffi.cast("const float *", ffi.from_buffer(target)) if target.size
                  else ffi.NULL, "n_target": int(target.size), "grad_bits": int(scalars["grad_bits"]), "round": rnd,
                  "fscratch": fs, "n_fscratch": n_fs, "loss": loss, "dy": views["dy"][0]}
    elif kernel == "sgd_update":
        param, grad = t["param"], t["grad"]
        assert param is not None and grad is not None
        n = int(param.mantissas.size)
        views["out"] = b.view(n)
        shapes["out"] = tuple(param.mantissas.shape)
        fs, n_fs = b.f32(n)
        fields = {"param": b.cview(param), "grad": b.cview(grad), "lr": float(scalars["lr"]), "round": rnd,
                  "fscratch": fs, "n_fscratch": n_fs, "out": views["out"][0]}
    else:
        raise KeyError(f"kernel {kernel!r} has no layer-level C entry point")
    args = ffi.new(f"sym_{kernel}_args *", fields)
    if patch is not None:
        patch(args)
    err = ffi.new("sym_err *", {"status": 0, "arg": ffi.NULL, "index": -1, "reason": ffi.NULL})
    status = int(_ENTRY_POINTS[kernel](lib, args, err))
    res = CResult(status, rng_state=None if rbuf == ffi.NULL else int(rbuf[0]))
    if status != 0:
        res.arg = ffi.string(err.arg).decode() if err.arg != ffi.NULL else None
        res.index = int(err.index)
        res.reason = ffi.string(err.reason).decode() if err.reason != ffi.NULL else ""
        # the input buffers by the names sym_err gives them ("x.m", "target")
        elements = {name: np.asarray(v.mantissas).reshape(-1) for k, v in t.items() if v is not None
                    for name in (k, f"{k}.m")}
        if "target" in scalars:
            elements["target"] = np.asarray(scalars["target"], dtype=np.float32).reshape(-1)
        res.arg_value = _arg_value(args, res.arg, res.index, elements)
        sentinel = _sentinel(np.int32, 1)[0]
        res.written = [name for name, (_, m) in views.items() if np.any(m != sentinel)]
        if loss is not None and np.asarray(loss[0], dtype=np.float32).view(np.int32) != sentinel:
            res.written.append("loss")
        if rng_state is not None and res.rng_state != rng_state:
            res.written.append("rng_state")
        return res
    if err.arg != ffi.NULL or err.reason != ffi.NULL:
        res.written.append("err")  # sym_err is filled on error only
    for name, (view, m) in views.items():
        res.outputs[name] = _tensor_out(view, m, shapes[name])
    if loss is not None:
        res.outputs["loss"] = np.float32(loss[0])
    return res
