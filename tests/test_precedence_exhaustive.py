"""The whole error precedence of docs/semantics.md, enumerated, on both backends.

For every primitive and layer kernel of the Python API, each precedence group
that can fail for it has a list of concrete faults (bad width, bad scale
NaN / inf / 0 / negative / subnormal / non-number, shape mismatch, bad
rounding, bad order, RNG problems, data faults such as overflow). Every
non-empty subset of a kernel's groups is run (with every combination of
fault variants up to VARIANT_LIMIT, a deterministic rotation beyond), under
HALF_AWAY and SR_HALF_AWAY where the kernel rounds. Each call must fail on
both backends with the same code: the code of the lowest group in the
subset (docs/semantics.md, Errors). Unlike the hypothesis tests in
test_differential.py / test_layers_differential.py, nothing is sampled: the
enumeration is the same on every run and covers every group combination.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable

import numpy as np
import pytest

import symverify as sv
from _precedence import precedence_outcome
from symverify import SymTensor

F32 = np.float32
FLT_MAX = float(np.finfo(np.float32).max)
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
HA, SR = sv.HALF_AWAY, sv.SR_HALF_AWAY
TYPE, EMPTY, SHAPE, WIDTH, ROUND, ORDER, RNG, SCALE, DATA = range(1, 10)
GROUP_NAMES = {TYPE: "type", EMPTY: "empty", SHAPE: "shape", WIDTH: "width", ROUND: "rounding",
               ORDER: "order", RNG: "rng", SCALE: "scale", DATA: "data"}
VARIANT_LIMIT = 12
SEED = 12345

#: Invalid scales: NaN, infinities, zeros, negative, subnormal, inf after the float32 cast.
BAD_SCALES = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, -0.5, 1e-40, 1e-45, 1e39]
#: Invalid eps / lr: the same without the subnormals (accepted there, docs/layers.md).
BAD_PARAMS = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, -0.5, -1e-40, 1e39]
#: Non-number scalar parameters: a type fault (group 1), not a bad value.
NON_NUMBERS = ["0.5", None, [0.5]]
BAD_MODES = ["bogus", None, 3]
BAD_ORDERS = ["bogus", None, 7]
NOT_TENSORS = [1, None, np.zeros(3, dtype=np.int32)]
BAD_WIDTHS_OUT = [-1, 0, 1, 17, 32, 33, True, 12.0]


def T(m: Any, scale: float = 0.5, bits: int = 12) -> SymTensor:
    return SymTensor(np.array(m, dtype=np.int64), F32(scale), bits)


class Case:
    """One call under construction: the chosen variant per faulty group,
    the expected code per group, the rounding mode and the RNG spec."""

    def __init__(self, faults: dict[int, int], mode: str | None, sr_allowed: bool = True) -> None:
        self.faults = faults
        self.codes: dict[int, str] = {}
        self.rounding: Any = mode
        if ROUND in faults:
            bad = BAD_MODES + ([SR] if not sr_allowed else [])
            self.rounding = bad[faults[ROUND] % len(bad)]
            self.codes[ROUND] = "SYM_ERR_BAD_ROUNDING"
        self.rng: Any = SEED if self.rounding == SR else None
        if RNG in faults:
            if mode == SR and ROUND not in faults:
                self.rng = ["junk", None][faults[RNG] % 2]
                self.codes[RNG] = "SYM_ERR_NULL"        # SR without an sv.Rng
            else:
                self.rng = "junk"
                self.codes[RNG] = "SYM_ERR_BAD_RNG"     # rng_state that is not an Rng / None

    def has(self, group: int) -> bool:
        return group in self.faults

    def pick(self, group: int, options: list, code: str) -> Any:
        """The chosen option of ``group`` (recording its code)."""
        self.codes[group] = code
        return options[self.faults[group] % len(options)]


# Each builder returns (args, kwargs) for its kernel; groups lists the groups
# it can fail in and variants the number of distinct faults per group.
Builder = Callable[[Case], tuple[tuple, dict]]


def _kw(c: Case, order: bool = False) -> dict:
    kw: dict[str, Any] = {"rounding": c.rounding}
    if order:
        kw["order"] = c.pick(ORDER, BAD_ORDERS, "SYM_ERR_BAD_ORDER") if c.has(ORDER) else "ratio"
    return kw


def b_round_half_away(c: Case) -> tuple[tuple, dict]:
    x: Any = 2.5
    if c.has(DATA):
        x = c.pick(DATA, [float("nan"), float("inf"), 3e9, -3e9], "SYM_ERR_CAST_RANGE")
    if c.has(TYPE):
        x = c.pick(TYPE, ["2.5", None, [2.5]], "SYM_ERR_BAD_TYPE")
    return (x,), {}


def b_float_to_sym(c: Case) -> tuple[tuple, dict]:
    x: Any = np.array([0.5, -1.25, 3.0], dtype=np.float32)
    if c.has(DATA):
        kind = c.pick(DATA, ["nan", "inf", "-inf", "1e39", "tiny"], "SYM_ERR_NONFINITE_INPUT")
        if kind == "tiny":      # absmax / qMax is not a normal float32
            x = np.array([1e-45, 0.0, -1e-45], dtype=np.float32)
            c.codes[DATA] = "SYM_ERR_SCALE_UNDERFLOW"
        else:
            x = np.array([0.5, float(kind), 3.0], dtype=np.float64)
    if c.has(EMPTY):
        x = c.pick(EMPTY, [x[:0]], "SYM_ERR_EMPTY")
    if c.has(TYPE):
        x = c.pick(TYPE, [np.asarray(x).astype(str), np.array([1 + 2j] * max(1, len(x))), "abc"],
                   "SYM_ERR_BAD_TYPE")
    bits = c.pick(WIDTH, [-1, 0, 1, 32, 33, True, 12.0], "SYM_ERR_BAD_WIDTH") if c.has(WIDTH) else 12
    return (x, bits), _kw(c)


def b_sym_to_float(c: Case) -> tuple[tuple, dict]:
    t: Any = T([3, -4, 5])
    if c.has(DATA):
        t = c.pick(DATA, [T([INT32_MAX, 1], FLT_MAX, 32), T([1, INT32_MIN], FLT_MAX, 32)],
                   "SYM_ERR_FLOAT_OVERFLOW")
    if c.has(TYPE):
        t = c.pick(TYPE, NOT_TENSORS, "SYM_ERR_BAD_TYPE")
    return (t,), {}


def b_int_to_sym(c: Case) -> tuple[tuple, dict]:
    m: Any = np.array([1, -2, 3], dtype=np.int64)
    if c.has(DATA):
        m = c.pick(DATA, [np.array([1, 1 << 31]), np.array([-(1 << 31) - 1, 0]),
                          np.array([2**64 - 1], dtype=np.uint64), [0, 2**70]], "SYM_ERR_INT_OVERFLOW")
    if c.has(EMPTY):
        m = c.pick(EMPTY, [np.asarray(m)[:0]], "SYM_ERR_EMPTY")
    if c.has(TYPE):
        m = c.pick(TYPE, [np.asarray(m).astype(np.float32), np.asarray(m).astype(bool),
                          np.asarray(m).astype(str)], "SYM_ERR_BAD_TYPE")
    return (m,), {}


def _requant_tensor(c: Case) -> Any:
    t: Any = T([5, -7, 1])
    if c.has(DATA):
        t = c.pick(DATA, [T([INT32_MAX, 1, -3], FLT_MAX, 32), T([1, 0, -1], 2.0 ** -126, 12)],
                   "SYM_ERR_FLOAT_OVERFLOW")
        if t.scale < 1.0:
            c.codes[DATA] = "SYM_ERR_SCALE_UNDERFLOW"
    if c.has(TYPE):
        t = c.pick(TYPE, NOT_TENSORS, "SYM_ERR_BAD_TYPE")
    return t


def b_requant_dynamic(c: Case) -> tuple[tuple, dict]:
    t = _requant_tensor(c)
    bits = c.pick(WIDTH, BAD_WIDTHS_OUT, "SYM_ERR_BAD_WIDTH") if c.has(WIDTH) else 8
    return (t, bits), _kw(c, order=True)


def b_quant_forward(c: Case) -> tuple[tuple, dict]:
    return b_requant_dynamic(c)


def b_quant_backward(c: Case) -> tuple[tuple, dict]:
    dy: Any = T([1, 2, 3])
    if c.has(TYPE):
        dy = c.pick(TYPE, NOT_TENSORS, "SYM_ERR_BAD_TYPE")
    return (dy,), {}


def b_requant_fixed(c: Case) -> tuple[tuple, dict]:
    t: Any = T([5, -7, 1])
    target: Any = 0.25
    if c.has(SCALE):
        target = c.pick(SCALE, BAD_SCALES, "SYM_ERR_BAD_SCALE")
    if c.has(TYPE):
        which = c.pick(TYPE, ["t", "t", "t", "scale", "scale", "scale"], "SYM_ERR_BAD_TYPE")
        if which == "t":
            t = NOT_TENSORS[c.faults[TYPE] % 3]
        else:
            target = NON_NUMBERS[c.faults[TYPE] % 3]
    bits = c.pick(WIDTH, BAD_WIDTHS_OUT, "SYM_ERR_BAD_WIDTH") if c.has(WIDTH) else 8
    return (t, target, bits), _kw(c)


def b_rescale_to_acc(c: Case) -> tuple[tuple, dict]:
    q: Any = 3
    sp: Any = 0.5
    sa: Any = 0.25
    if c.has(DATA):   # |q * s_p / s_acc| > 1073774591
        q, sp, sa = c.pick(DATA, [(INT32_MAX, 1.0, 0.5), (INT32_MIN, 1.0, 0.5), (2**30, 4.0, 1.0)],
                           "SYM_ERR_RANGE_GUARD")
    if c.has(SCALE):
        bad = c.pick(SCALE, BAD_SCALES, "SYM_ERR_BAD_SCALE")
        sp, sa = (bad, sa) if c.faults[SCALE] % 2 else (sp, bad)
    if c.has(TYPE):
        kind = c.pick(TYPE, ["q1.5", "q'3'", "qNone", "q2^31", "q-2^40", "spstr", "saNone", "qTrue"],
                      "SYM_ERR_BAD_TYPE")
        if kind.startswith("q2") or kind.startswith("q-"):
            q = (1 << 31) if kind == "q2^31" else -(1 << 40)
            c.codes[TYPE] = "SYM_ERR_INT_OVERFLOW"   # group 1: q outside int32
        elif kind == "spstr":
            sp = "0.5"
        elif kind == "saNone":
            sa = None
        else:
            q = {"q1.5": 1.5, "q'3'": "3", "qNone": None, "qTrue": True}[kind]
    return (q, sp, sa), {"rounding": c.rounding}


def _acc_pair(c: Case, dynamic: bool) -> tuple[Any, Any]:
    tbits = c.pick(WIDTH, [17, 24, 32], "SYM_ERR_BAD_WIDTH") if (dynamic and c.has(WIDTH)) else 12
    target: Any = T([100, -50, 7], 0.5, tbits)
    inc: Any = T([3, 1, -1], 0.25, 12)
    if c.has(DATA):
        if dynamic:
            kind = c.pick(DATA, ["overflow", "underflow"], "SYM_ERR_FLOAT_OVERFLOW")
            if kind == "overflow":   # t*s_t + inc*s_inc overflows float32
                target, inc = T([2, 1, 0], FLT_MAX, tbits), T([2, 0, 0], FLT_MAX, 12)
            else:                    # absmax / qMax is not normal
                target, inc = T([1, 0, 0], 2.0 ** -126, tbits), T([0, 0, 0], 2.0 ** -126, 12)
                c.codes[DATA] = "SYM_ERR_SCALE_UNDERFLOW"
        else:
            kind = c.pick(DATA, ["overflow", "guard"], "SYM_ERR_INT_OVERFLOW")
            if kind == "overflow":   # t + rescale(inc) leaves the 12-bit width
                target, inc = T([2047, 0, 0], 0.5, tbits), T([4, 0, 0], 0.5, 12)
            else:                    # inc * s_inc / s_t beyond the guard
                target, inc = T([0, 0, 0], 2.0 ** -20, 32), T([2047, 0, 0], 1.0, 12)
                c.codes[DATA] = "SYM_ERR_RANGE_GUARD"
    if c.has(SHAPE):
        m = c.pick(SHAPE, ["short", "long", "2d"], "SYM_ERR_SHAPE")
        mi = inc.mantissas
        mi = {"short": mi[:2], "long": np.concatenate([mi, [0]]), "2d": mi.reshape(3, 1)}[m]
        inc = SymTensor(mi, inc.scale, inc.q_max_bits)
    if c.has(TYPE):
        which = c.pick(TYPE, ["t"] * 3 + ["inc"] * 3, "SYM_ERR_BAD_TYPE")
        bad = NOT_TENSORS[c.faults[TYPE] % 3]
        target, inc = (bad, inc) if which == "t" else (target, bad)
    return target, inc


def b_accumulate_dynamic(c: Case) -> tuple[tuple, dict]:
    return _acc_pair(c, True), _kw(c)


def b_accumulate_fixed(c: Case) -> tuple[tuple, dict]:
    return _acc_pair(c, False), {"rounding": c.rounding}


def b_linear_forward(c: Case) -> tuple[tuple, dict]:
    s = 0.5
    if c.has(DATA):   # s_x * s_w overflows float32
        s = c.pick(DATA, [2.0 ** 70], "SYM_ERR_FLOAT_OVERFLOW")
    xbits, wbits, out_bits = 8, 8, 8
    if c.has(WIDTH):   # x, w <= 16 bits (b: any width, it is rescaled); out_bits 2..16
        kind = c.pick(WIDTH, ["x17", "w17", "out0", "out1", "out17", "out33"], "SYM_ERR_BAD_WIDTH")
        if kind == "x17":
            xbits = 17
        elif kind == "w17":
            wbits = 17
        else:
            out_bits = int(kind[3:])
    x: Any = T([[1, -2, 3], [4, 0, -1]], s, xbits)
    w: Any = T(np.ones((2, 3)), s, wbits)
    b: Any = T([1, -1], 0.25, 32)
    if c.has(SHAPE):
        kind = c.pick(SHAPE, ["in", "bias", "rank_x", "rank_w"], "SYM_ERR_SHAPE")
        if kind == "in":
            w = T(np.ones((2, 2)), s, w.q_max_bits)
        elif kind == "bias":
            b = T([1, -1, 0], 0.25, b.q_max_bits)
        elif kind == "rank_x":
            x = T([1, -2, 3], s, x.q_max_bits)
        else:
            w = T(np.ones(3), s, w.q_max_bits)
    if c.has(TYPE):
        which = c.pick(TYPE, ["x", "w", "b"], "SYM_ERR_BAD_TYPE")
        bad = NOT_TENSORS[c.faults[TYPE] % 3] if which != "b" else "junk"
        x, w, b = (bad if which == "x" else x, bad if which == "w" else w, bad if which == "b" else b)
    return (x, w, b, out_bits), _kw(c, order=True)


def b_linear_backward(c: Case) -> tuple[tuple, dict]:
    s = 0.5
    if c.has(DATA):
        s = c.pick(DATA, [2.0 ** 70], "SYM_ERR_FLOAT_OVERFLOW")
    widths = {"x": 8, "w": 8, "dy": 8}
    dx_bits: Any = 12
    if c.has(WIDTH):
        kind = c.pick(WIDTH, ["x", "w", "dy", "dx0", "dx17", "dx1"], "SYM_ERR_BAD_WIDTH")
        if kind.startswith("dx"):
            dx_bits = int(kind[2:])
        else:
            widths[kind] = 17
    x: Any = T([[1, -2, 3], [4, 0, -1]], s, widths["x"])
    w: Any = T(np.ones((2, 3)), s, widths["w"])
    dy: Any = T([[3, -1], [2, 5]], s, widths["dy"])
    gw: Any = T(np.zeros((2, 3)), 1.0, 16)
    gb: Any = T([0, 0], 0.5, 32)
    if c.has(SHAPE):
        kind = c.pick(SHAPE, ["w_in", "dy_out", "dy_batch", "gw", "gb"], "SYM_ERR_SHAPE")
        if kind == "w_in":
            w = T(np.ones((2, 2)), s, widths["w"])
        elif kind == "dy_out":
            dy = T([[3, -1, 1], [2, 5, 1]], s, widths["dy"])
        elif kind == "dy_batch":
            dy = T([[3, -1]], s, widths["dy"])
        elif kind == "gw":
            gw = T(np.zeros((3, 2)), 1.0, 16)
        else:
            gb = T([0, 0, 0], 0.5, 32)
    if c.has(TYPE):
        which = c.pick(TYPE, ["x", "w", "dy", "grad_w", "grad_b"], "SYM_ERR_BAD_TYPE")
        bad = NOT_TENSORS[c.faults[TYPE] % 3] if which != "grad_b" else "junk"
        x = bad if which == "x" else x
        w = bad if which == "w" else w
        dy = bad if which == "dy" else dy
        gw = bad if which == "grad_w" else gw
        gb = bad if which == "grad_b" else gb
    return (x, w, dy, gw, gb, dx_bits), _kw(c, order=True)


def _ln_args(c: Case, second: str) -> tuple[Any, Any, Any, Any, Any]:
    """x, gamma, (beta | dy), out bits, eps of a LayerNorm call."""
    widths = {"x": 12, "gamma": 12, second: 16 if second == "beta" else 12}
    out_bits: Any = 12
    if c.has(WIDTH):
        # forward: x, gamma <= 16, norm_bits 2..16; backward: x <= 16, dx_bits 2..31
        kinds = (["x", "gamma", "out0", "out17", "out1"] if second == "beta"
                 else ["x", "out0", "out32", "out1"])
        kind = c.pick(WIDTH, kinds, "SYM_ERR_BAD_WIDTH")
        if kind.startswith("out"):
            out_bits = int(kind[3:])
        else:
            widths[kind] = 17      # operand widths must be <= 16
    gscale, dyscale = 2.0 ** -11, 0.5
    if c.has(DATA) and second == "beta":   # s_y = s_norm * s_gamma not normal
        gscale = c.pick(DATA, [2.0 ** -120], "SYM_ERR_SCALE_UNDERFLOW")
    if c.has(DATA) and second == "dy":     # dn = dy * gamma overflows: reaches float_to_sym
        gscale = dyscale = c.pick(DATA, [2.0 ** 100], "SYM_ERR_NONFINITE_INPUT")
    x: Any = T([[1, 2, 3, 4], [-8, 0, 8, 100]], 0.25, widths["x"])
    gamma: Any = T([1, 1, 1, 1], gscale, widths["gamma"])
    other: Any = (T([0, 0, 0, 0], 1.0, widths["beta"]) if second == "beta"
                  else T([[1, -1, 2, 0], [0, 3, -3, 1]], dyscale, widths["dy"]))
    if c.has(SHAPE):
        kind = c.pick(SHAPE, ["gamma", second, "rank_x"], "SYM_ERR_SHAPE")
        if kind == "gamma":
            gamma = T([1, 1, 1], gscale, widths["gamma"])
        elif kind == second:
            other = (T([0, 0, 0], 1.0, widths["beta"]) if second == "beta"
                     else T([[1, -1, 2], [0, 3, -3]], dyscale, widths["dy"]))
        else:
            x = T([1, 2, 3, 4], 0.25, widths["x"])
    eps: Any = 1e-5
    if c.has(SCALE):
        eps = c.pick(SCALE, BAD_PARAMS, "SYM_ERR_BAD_SCALE")
    if c.has(TYPE):
        which = c.pick(TYPE, ["x", "gamma", second, "eps"], "SYM_ERR_BAD_TYPE")
        bad = NOT_TENSORS[c.faults[TYPE] % 3]
        if which == "eps":
            eps = NON_NUMBERS[c.faults[TYPE] % 3]
        x = bad if which == "x" else x
        gamma = bad if which == "gamma" else gamma
        other = bad if which == second else other
    return x, gamma, other, out_bits, eps


def b_layernorm_forward(c: Case) -> tuple[tuple, dict]:
    return _ln_args(c, "beta"), _kw(c)


def b_layernorm_backward(c: Case) -> tuple[tuple, dict]:
    return _ln_args(c, "dy"), _kw(c)


def b_mse_loss(c: Case) -> tuple[tuple, dict]:
    y: Any = T([[4, -2], [1, 0]], 0.5, 32)
    t: Any = np.array([[1.0, -1.5], [0.25, 0.0]], dtype=np.float32)
    if c.has(DATA):
        t = t.copy()
        t = t.astype(np.float64)   # 1e39 becomes inf only in the kernels' float32 conversion
        t.flat[c.faults[DATA] % 4] = c.pick(DATA, [np.nan, np.inf, -np.inf, 1e39], "SYM_ERR_NONFINITE_INPUT")
    if c.has(SHAPE):
        kind = c.pick(SHAPE, ["flat", "narrow", "3d"], "SYM_ERR_SHAPE")
        t = {"flat": t.reshape(-1), "narrow": t[:, :1], "3d": t.reshape(2, 2, 1)}[kind]
    if c.has(EMPTY):
        t = c.pick(EMPTY, [t[:0]], "SYM_ERR_EMPTY")
    if c.has(TYPE):
        kind = c.pick(TYPE, ["y1", "yNone", "tstr", "tbool"], "SYM_ERR_BAD_TYPE")
        if kind == "y1":
            y = 1
        elif kind == "yNone":
            y = None
        elif kind == "tstr":
            t = np.asarray(t).astype(str)
        else:
            t = np.asarray(t).astype(bool)
    gbits = c.pick(WIDTH, [0, 1, 32, 33, True], "SYM_ERR_BAD_WIDTH") if c.has(WIDTH) else 8
    return (y, t, gbits), _kw(c)


def b_sgd_update(c: Case) -> tuple[tuple, dict]:
    pbits = c.pick(WIDTH, [32], "SYM_ERR_BAD_WIDTH") if c.has(WIDTH) else 12   # param: 2..31
    scale = 0.01
    if c.has(DATA):   # p - lr * g overflows float32
        scale = c.pick(DATA, [FLT_MAX / 2048], "SYM_ERR_FLOAT_OVERFLOW")
    p: Any = T([[2047, 3]], scale, pbits)
    g: Any = T([[-2047, 1]], scale, 12)
    if c.has(SHAPE):
        kind = c.pick(SHAPE, ["transposed", "flat", "long"], "SYM_ERR_SHAPE")
        g = {"transposed": T([[-2047], [1]], scale, 12), "flat": T([-2047, 1], scale, 12),
             "long": T([[-2047, 1, 0]], scale, 12)}[kind]
    lr: Any = 10.0
    if c.has(SCALE):
        lr = c.pick(SCALE, BAD_PARAMS, "SYM_ERR_BAD_SCALE")
    if c.has(TYPE):
        which = c.pick(TYPE, ["p", "p", "g", "g", "lr", "lr"], "SYM_ERR_BAD_TYPE")
        k = c.faults[TYPE] % 3
        if which == "p":
            p = NOT_TENSORS[k]
        elif which == "g":
            g = NOT_TENSORS[k]
        else:
            lr = NON_NUMBERS[k]
    return (p, g, lr), _kw(c)


def b_relu_forward(c: Case) -> tuple[tuple, dict]:
    x: Any = T([[1, -2], [0, 3]])
    if c.has(TYPE):
        x = c.pick(TYPE, NOT_TENSORS, "SYM_ERR_BAD_TYPE")
    return (x,), {}


def b_relu_backward(c: Case) -> tuple[tuple, dict]:
    x: Any = T([[1, -2], [0, 3]])
    dy: Any = T([[5, 6], [-7, 8]], 0.5, 16)
    if c.has(SHAPE):
        kind = c.pick(SHAPE, ["flat", "short", "transposed"], "SYM_ERR_SHAPE")
        dy = {"flat": T([5, 6, -7, 8]), "short": T([[5, 6]]), "transposed": T([[5, 6, -7, 8]])}[kind]
    if c.has(TYPE):
        which = c.pick(TYPE, ["x", "x", "x", "dy", "dy", "dy"], "SYM_ERR_BAD_TYPE")
        bad = NOT_TENSORS[c.faults[TYPE] % 3]
        x = bad if which == "x" else x
        dy = bad if which == "dy" else dy
    return (x, dy), {}


def _conv_operands(c: Case, transpose: bool, backward: bool) -> dict[str, Any]:
    """x [1, 2, 4], w [2, 2, 2] (both layouts), b / grad_b [2], dy of the output
    shape (Conv1d L_out 3, ConvTranspose1d 5), grad_w like w; DATA: s_x*s_w
    overflows float32, or the accumulator overflows int32 (16-bit maxima)."""
    s, big = 0.5, False
    if c.has(DATA):
        kind = c.pick(DATA, ["scale", "int"], "SYM_ERR_FLOAT_OVERFLOW")
        if kind == "scale":
            s = 2.0 ** 70
        else:
            big = True
            c.codes[DATA] = "SYM_ERR_INT_OVERFLOW"
    bits = {"x": 16 if big else 12, "w": 16 if big else 12, "dy": 16 if big else 12}
    out_bits: Any = 8
    if c.has(WIDTH):   # x, w, dy <= 16 bits; out_bits / dx_bits 2..16
        kind = c.pick(WIDTH, ["x", "w", "out0", "out1", "out17", "dy"][: 6 if backward else 5], "SYM_ERR_BAD_WIDTH")
        if kind.startswith("out"):
            out_bits = int(kind[3:])
        else:
            bits[kind] = 17
    val = 32767 if big else 3
    out_len = 5 if transpose else 3
    ops: dict[str, Any] = {
        "x": T(np.full((1, 2, 4), val), s, bits["x"]), "w": T(np.full((2, 2, 2), val), s, bits["w"]),
        "b": T([1, -1], 0.25, 32), "dy": T(np.full((1, 2, out_len), val), s, bits["dy"]),
        "grad_w": T(np.zeros((2, 2, 2)), 0.5, 12), "grad_b": T([0, 0], 0.5, 16),
        "stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bits": out_bits}
    if c.has(SHAPE):
        kinds = ["x2d", "w_in", "bias", "groups", "stride0", "padding"] + (["dy", "grad_w"] if backward else [])
        kind = c.pick(SHAPE, kinds, "SYM_ERR_SHAPE")
        if kind == "x2d":
            ops["x"] = T(np.full((2, 4), val), s, bits["x"])
        elif kind == "w_in":
            ops["w"] = T(np.full((3, 2, 2), val), s, bits["w"]) if transpose else T(np.full((2, 3, 2), val), s, bits["w"])
        elif kind == "bias":
            ops["grad_b" if backward else "b"] = T([1, -1, 0], 0.25, 16)
        elif kind == "groups":
            ops["groups"] = 3
        elif kind == "stride0":
            ops["stride"] = 0
        elif kind == "padding":
            ops["padding"] = "same" if transpose else "bogus"
        elif kind == "dy":
            ops["dy"] = T(np.full((1, 2, out_len + 1), val), s, bits["dy"])
        else:
            ops["grad_w"] = T(np.zeros((2, 2, 3)), 0.5, 12)
    if c.has(TYPE):
        names = ["x", "w", "b", "stride", "padding", "dilation"] if not backward else \
            ["x", "w", "dy", "grad_w", "grad_b", "stride", "padding", "groups"]
        which = c.pick(TYPE, names, "SYM_ERR_BAD_TYPE")
        k = c.faults[TYPE] % 3
        if which in ("stride", "dilation", "groups"):
            ops[which] = ["1", 1.0, True][k]
        elif which == "padding":
            ops[which] = [1.5, (0, "1"), None][k]
        elif which in ("b", "grad_b"):
            ops[which] = ["junk", 1, np.zeros(2, dtype=np.int32)][k]
        else:
            ops[which] = NOT_TENSORS[k]
    return ops


def _conv_geo_kw(ops: dict[str, Any], transpose: bool) -> dict[str, Any]:
    kw = {"stride": ops["stride"], "padding": ops["padding"], "dilation": ops["dilation"], "groups": ops["groups"]}
    if transpose:
        kw["output_padding"] = 0
    return kw


def _conv_forward(transpose: bool) -> Builder:
    def build(c: Case) -> tuple[tuple, dict]:
        ops = _conv_operands(c, transpose, backward=False)
        kw = {**_conv_geo_kw(ops, transpose), "out_bits": ops["bits"], **_kw(c, order=True)}
        return (ops["x"], ops["w"], ops["b"]), kw
    return build


def _conv_backward(transpose: bool) -> Builder:
    def build(c: Case) -> tuple[tuple, dict]:
        ops = _conv_operands(c, transpose, backward=True)
        kw = {**_conv_geo_kw(ops, transpose), "dx_bits": ops["bits"], **_kw(c, order=True)}
        return (ops["x"], ops["w"], ops["dy"], ops["grad_w"], ops["grad_b"]), kw
    return build
def T3(m: Any, scale: float = 0.5, bits: int = 12) -> SymTensor:
    return SymTensor(np.array(m, dtype=np.int64).reshape(1, 1, -1), F32(scale), bits)


#: non-integer window / length parameters (a type fault; a bool is no integer)
NOT_INTS = ["2", None, 2.0, True]


def _pool_window(c: Case, length: int, kinds: tuple[str, ...] = ("long", "stride0", "padding")) -> dict:
    """kernel_size / stride / padding for a pool over ``length``: a SHAPE
    fault is a window longer than the padded input, a zero stride or an
    unknown padding string (a kind not named here leaves them valid); a
    TYPE fault a non-integer parameter."""
    kw: dict[str, Any] = {"kernel_size": 2, "stride": None, "padding": 0}
    if c.has(SHAPE):
        kind = c.pick(SHAPE, list(kinds), "SYM_ERR_SHAPE")
        kw.update({"long": {"kernel_size": length + 1}, "stride0": {"stride": 0},
                   "padding": {"padding": "bogus"}}.get(kind, {}))
    if c.has(TYPE):
        kw[["kernel_size", "stride", "padding"][c.faults[TYPE] % 3]] = c.pick(TYPE, NOT_INTS, "SYM_ERR_BAD_TYPE")
    return kw


def b_maxpool1d_forward(c: Case) -> tuple[tuple, dict]:
    x: Any = T3([1, -2, 3, 0])
    kw = _pool_window(c, 4)
    if c.has(TYPE) and c.faults[TYPE] % 2:
        x = NOT_TENSORS[c.faults[TYPE] % 3]
    return (x, kw.pop("kernel_size")), kw


def _avg_x(c: Case) -> Any:
    bits = c.pick(WIDTH, [17, 32], "SYM_ERR_BAD_WIDTH") if c.has(WIDTH) else 12   # a value sum: b <= 16
    return T3([1, -2, 3, 0], 0.5, bits)


def b_avgpool1d_forward(c: Case) -> tuple[tuple, dict]:
    x: Any = _avg_x(c)
    kw = _pool_window(c, 4)
    kw["count_include_pad"] = True
    if c.has(TYPE) and c.faults[TYPE] % 2:
        kw["count_include_pad"] = [1, "yes", None][c.faults[TYPE] % 3]
    return (x, kw.pop("kernel_size")), kw


def b_avgpool1d_backward(c: Case) -> tuple[tuple, dict]:
    kw = _pool_window(c, 4, ("long", "stride0", "padding", "dy_length"))
    # dy_length: dy is not the pool's output length (2 windows of 2 over 4)
    dy: Any = T3([5, -6, 7]) if c.has(SHAPE) and c.faults[SHAPE] % 4 == 3 else T3([5, -6])
    kw["count_include_pad"] = True
    if c.has(TYPE) and c.faults[TYPE] % 2:
        kw["count_include_pad"] = [1, "yes", None][c.faults[TYPE] % 3]
    return (dy, 4, kw.pop("kernel_size")), kw


def b_maxpool1d_backward(c: Case) -> tuple[tuple, dict]:
    dy: Any = T3([5, -6])
    idx: Any = np.array([[[0, 3]]], dtype=np.int32)
    length: Any = 4
    if c.has(SHAPE):
        kind = c.pick(SHAPE, ["outside", "negative", "shape"], "SYM_ERR_SHAPE")
        idx = {"outside": np.array([[[0, 4]]]), "negative": np.array([[[-1, 3]]]), "shape": np.array([[0, 3]])}[kind]
    if c.has(TYPE):
        kind = c.pick(TYPE, ["dy", "idx", "length"], "SYM_ERR_BAD_TYPE")
        k = c.faults[TYPE] % 3
        if kind == "dy":
            dy = NOT_TENSORS[k]
        elif kind == "idx":
            idx = np.asarray(idx).astype(np.float32)
        else:
            length = NOT_INTS[k]
    return (dy, idx, length), {}


def b_adaptive_avgpool1d_forward(c: Case) -> tuple[tuple, dict]:
    x: Any = _avg_x(c)
    out: Any = 3
    if c.has(SHAPE):
        kind = c.pick(SHAPE, ["zero", "flat"], "SYM_ERR_SHAPE")
        if kind == "zero":
            out = 0
        else:
            x = SymTensor(x.mantissas.reshape(-1), x.scale, x.q_max_bits)
    if c.has(TYPE):
        kind = c.pick(TYPE, ["x", "out", "out"], "SYM_ERR_BAD_TYPE")
        if kind == "x":
            x = NOT_TENSORS[c.faults[TYPE] % 3]
        else:
            out = NOT_INTS[c.faults[TYPE] % 4]
    return (x, out), {}


def b_adaptive_avgpool1d_backward(c: Case) -> tuple[tuple, dict]:
    dy: Any = T3([5, -6, 7])
    length: Any = 5
    if c.has(SHAPE):
        kind = c.pick(SHAPE, ["zero", "flat"], "SYM_ERR_SHAPE")
        if kind == "zero":
            length = 0
        else:
            dy = T([5, -6, 7])
    if c.has(TYPE):
        kind = c.pick(TYPE, ["dy", "length", "length"], "SYM_ERR_BAD_TYPE")
        if kind == "dy":
            dy = NOT_TENSORS[c.faults[TYPE] % 3]
        else:
            length = NOT_INTS[c.faults[TYPE] % 4]
    return (dy, length), {}


def b_softmax_forward(c: Case) -> tuple[tuple, dict]:
    x: Any = T([[3, -1, 0], [2, 2, -5]], 0.25, 12)
    if c.has(DATA):   # m * s_x is not finite
        x = c.pick(DATA, [T([[2147483647, 1]], FLT_MAX, 32)], "SYM_ERR_FLOAT_OVERFLOW")
    if c.has(SHAPE):
        x = c.pick(SHAPE, [T([3, -1, 0]), T([[[3, -1, 0]]])], "SYM_ERR_SHAPE")
    if c.has(TYPE):
        x = c.pick(TYPE, NOT_TENSORS, "SYM_ERR_BAD_TYPE")
    bits = c.pick(WIDTH, [-1, 0, 1, 32, 33, True, 12.0], "SYM_ERR_BAD_WIDTH") if c.has(WIDTH) else 8
    return (x, bits), _kw(c)


def b_cross_entropy_loss(c: Case) -> tuple[tuple, dict]:
    p: Any = T([[300, 100, 624], [1000, 24, 0]], 2.0 ** -10, 12)
    target: Any = np.array([2, 0], dtype=np.int32)
    reduction: Any = "mean"
    if c.has(DATA):   # a class index outside [0, C): a value check, after every parameter
        target = c.pick(DATA, [np.array([3, 0]), np.array([-1, 0])], "SYM_ERR_SHAPE")
    if c.has(SHAPE):
        kind = c.pick(SHAPE, ["length", "p1d", "probs"], "SYM_ERR_SHAPE")
        if kind == "p1d":
            p = T([300, 100, 624])
        else:
            target = {"length": np.array([2]), "probs": np.zeros((2, 2), dtype=np.float32)}[kind]
    if c.has(TYPE):
        kind = c.pick(TYPE, ["p", "target", "reduction", "reduction"], "SYM_ERR_BAD_TYPE")
        k = c.faults[TYPE] % 3
        if kind == "p":
            p = NOT_TENSORS[k]
        elif kind == "target":
            target = np.asarray(target).astype(str)
        else:
            reduction = ["none", None, 1][k]
    bits = c.pick(WIDTH, [0, 1, 32, 33, True], "SYM_ERR_BAD_WIDTH") if c.has(WIDTH) else 8
    return (p, target, bits, reduction), _kw(c)


#: kernel -> (builder, {group: number of variants}, rounds?, SR allowed?)
KERNELS: dict[str, tuple[Builder, dict[int, int], bool, bool]] = {
    "round_half_away": (b_round_half_away, {TYPE: 3, DATA: 4}, False, False),
    "float_to_sym": (b_float_to_sym, {TYPE: 3, EMPTY: 1, WIDTH: 7, ROUND: 3, RNG: 2, DATA: 5}, True, True),
    "sym_to_float": (b_sym_to_float, {TYPE: 3, DATA: 2}, False, False),
    "int_to_sym": (b_int_to_sym, {TYPE: 3, EMPTY: 1, DATA: 4}, False, False),
    "requant_dynamic": (b_requant_dynamic, {TYPE: 3, WIDTH: 8, ROUND: 3, ORDER: 3, RNG: 2, DATA: 2}, True, True),
    "requant_fixed": (b_requant_fixed, {TYPE: 6, WIDTH: 8, ROUND: 3, RNG: 2, SCALE: 9}, True, True),
    "rescale_to_acc": (b_rescale_to_acc, {TYPE: 8, ROUND: 4, SCALE: 9, DATA: 3}, True, False),
    "accumulate_dynamic": (b_accumulate_dynamic, {TYPE: 6, SHAPE: 3, WIDTH: 3, ROUND: 3, RNG: 2, DATA: 2},
                           True, True),
    "accumulate_fixed": (b_accumulate_fixed, {TYPE: 6, SHAPE: 3, ROUND: 4, DATA: 2}, True, False),
    "quant_forward": (b_quant_forward, {TYPE: 3, WIDTH: 8, ROUND: 3, ORDER: 3, RNG: 2, DATA: 2}, True, True),
    "quant_backward": (b_quant_backward, {TYPE: 3}, False, False),
    "linear_forward": (b_linear_forward, {TYPE: 3, SHAPE: 4, WIDTH: 6, ROUND: 3, ORDER: 3, RNG: 2, DATA: 1},
                       True, True),
    "linear_backward": (b_linear_backward, {TYPE: 5, SHAPE: 5, WIDTH: 6, ROUND: 3, ORDER: 3, RNG: 2, DATA: 1},
                        True, True),
    "layernorm_forward": (b_layernorm_forward, {TYPE: 4, SHAPE: 3, WIDTH: 5, ROUND: 3, RNG: 2, SCALE: 8, DATA: 1},
                          True, True),
    "layernorm_backward": (b_layernorm_backward, {TYPE: 4, SHAPE: 3, WIDTH: 4, ROUND: 3, RNG: 2, SCALE: 8,
                                                  DATA: 1},
                           True, True),
    "mse_loss": (b_mse_loss, {TYPE: 4, EMPTY: 1, SHAPE: 3, WIDTH: 5, ROUND: 3, RNG: 2, DATA: 4}, True, True),
    "sgd_update": (b_sgd_update, {TYPE: 6, SHAPE: 3, WIDTH: 1, ROUND: 3, RNG: 2, SCALE: 8, DATA: 1}, True, True),
    "relu_forward": (b_relu_forward, {TYPE: 3}, False, False),
    "relu_backward": (b_relu_backward, {TYPE: 6, SHAPE: 3}, False, False),
    "conv1d_forward": (_conv_forward(False), {TYPE: 6, SHAPE: 6, WIDTH: 5, ROUND: 3, ORDER: 3, RNG: 2,
                                              DATA: 2}, True, True),
    "conv_transpose1d_forward": (_conv_forward(True), {TYPE: 6, SHAPE: 6, WIDTH: 5, ROUND: 3, ORDER: 3,
                                                        RNG: 2, DATA: 2}, True, True),
    "conv1d_backward": (_conv_backward(False), {TYPE: 8, SHAPE: 8, WIDTH: 6, ROUND: 3, ORDER: 3, RNG: 2,
                                                DATA: 2}, True, True),
    "conv_transpose1d_backward": (_conv_backward(True), {TYPE: 8, SHAPE: 8, WIDTH: 6, ROUND: 3, ORDER: 3,
                                                          RNG: 2, DATA: 2}, True, True),
    "maxpool1d_forward": (b_maxpool1d_forward, {TYPE: 6, SHAPE: 3}, False, False),
    "maxpool1d_backward": (b_maxpool1d_backward, {TYPE: 3, SHAPE: 3}, False, False),
    "avgpool1d_forward": (b_avgpool1d_forward, {TYPE: 6, SHAPE: 3, WIDTH: 2}, False, False),
    "avgpool1d_backward": (b_avgpool1d_backward, {TYPE: 6, SHAPE: 4}, False, False),
    "adaptive_avgpool1d_forward": (b_adaptive_avgpool1d_forward, {TYPE: 6, SHAPE: 2, WIDTH: 2}, False, False),
    "adaptive_avgpool1d_backward": (b_adaptive_avgpool1d_backward, {TYPE: 6, SHAPE: 2}, False, False),
    "softmax_forward": (b_softmax_forward, {TYPE: 3, SHAPE: 2, WIDTH: 7, ROUND: 3, RNG: 2, DATA: 1}, True, True),
    "cross_entropy_loss": (b_cross_entropy_loss, {TYPE: 6, SHAPE: 3, WIDTH: 5, ROUND: 3, RNG: 2, DATA: 2},
                           True, True),
}


def enumerate_cases(kind: str):
    """Every (faults, mode) of ``kind``: each non-empty subset of its groups,
    every variant combination up to VARIANT_LIMIT (else a rotation)."""
    _, variants, rounds, sr_ok = KERNELS[kind]
    groups = sorted(variants)
    modes = ([HA, SR] if sr_ok else [HA]) if rounds else [None]
    for r in range(1, len(groups) + 1):
        for subset in itertools.combinations(groups, r):
            counts = [variants[g] for g in subset]
            total = int(np.prod(counts))
            if total <= VARIANT_LIMIT:
                combos = itertools.product(*(range(n) for n in counts))
            else:
                combos = (tuple((j + k * 5) % n for k, n in enumerate(counts)) for j in range(VARIANT_LIMIT))
            for combo in combos:
                for mode in modes:
                    yield dict(zip(subset, combo)), mode


def run_case(kind: str, faults: dict[int, int], mode: str | None) -> tuple[tuple, tuple, str, str]:
    builder, _, rounds, sr_ok = KERNELS[kind]
    case = Case(faults, mode if rounds else None, sr_ok)
    args, kwargs = builder(case)
    rng_spec = case.rng if sr_ok else None   # kernels without an rng_state parameter get none
    expected = ("err", case.codes[min(case.codes)])
    c = precedence_outcome(sv.kernels, kind, args, kwargs, rng_spec)
    e = precedence_outcome(sv.emulate, kind, args, kwargs, rng_spec)
    where = (f"{kind} faults={ {GROUP_NAMES[g]: v for g, v in faults.items()} } mode={mode} "
             f"args={args!r} kwargs={kwargs!r} rng={rng_spec!r}")
    return c, e, expected[1], where


@pytest.mark.parametrize("kind", sorted(KERNELS))
def test_error_precedence_exhaustive(kind):
    """Every group combination of ``kind``: both backends report the code of
    the lowest failing group."""
    mismatches = []
    count = 0
    for faults, mode in enumerate_cases(kind):
        c, e, expected, where = run_case(kind, faults, mode)
        count += 1
        if not (c == e == ("err", expected)):
            mismatches.append(f"C {c} emulator {e} expected {expected}: {where}")
    assert count >= 2 ** len(KERNELS[kind][1]) - 1
    assert not mismatches, f"{len(mismatches)} of {count} calls:\n" + "\n".join(mismatches[:25])


def test_every_api_kernel_is_enumerated():
    """A new kernel in sv.kernels must join the enumeration."""
    public = {n for n in sv.kernels.__all__ if n not in ("ffi_lib", "selftest_fp")}
    assert public == set(KERNELS), sorted(public ^ set(KERNELS))


def _x(): return T([[1, 2, 3, 4], [-8, 0, 8, 100]], 0.25, 12)


@pytest.mark.parametrize("name, args", [
    # C BAD_TYPE (after shapes/widths/rounding), emulator BAD_SCALE
    ("layernorm_forward", (_x(), T([1, 1, 1, 1], 2.0 ** -11), T([0, 0, 0, 0], 1.0, 16), 12, "1e-5")),
    ("layernorm_backward", (_x(), T([1, 1, 1, 1], 2.0 ** -11), T([[1, 0, 0, 0], [0, 1, 0, 0]]), 12, None)),
    # C BAD_TYPE, emulator accepted the list and returned a result
    ("sgd_update", (T([[2047, 3]], 0.01), T([[-2047, 1]], 0.01), [0.5])),
    # both: a TypeError escaped instead of a SymError
    ("requant_fixed", (T([5, -7, 1]), [0.25], 8)),
    # both accepted the string as 0.5
    ("rescale_to_acc", (3, "0.5", 0.25)),
])
def test_non_number_scalar_parameters_are_type_faults(name, args):
    """The disagreements the enumeration found: a non-number scalar parameter
    is SYM_ERR_BAD_TYPE (group 1, docs/semantics.md) on both backends, and it
    wins over a shape fault (group 3)."""
    kw = {"rng_state": sv.Rng(5)} if name == "sgd_update" else {}
    for backend in (sv.kernels, sv.emulate):
        with pytest.raises(sv.SymError) as info:
            getattr(backend, name)(*args, **kw)
        assert info.value.code == "SYM_ERR_BAD_TYPE", (backend.__name__, name, info.value)
    if name.startswith("layernorm"):
        short_gamma = (args[0], T([1, 1, 1], 2.0 ** -11), *args[2:])
        for backend in (sv.kernels, sv.emulate):
            with pytest.raises(sv.SymError) as info:
                getattr(backend, name)(*short_gamma)
            assert info.value.code == "SYM_ERR_BAD_TYPE", (backend.__name__, name, info.value)
