"""C-ABI cases of the integer-only float32 adder and the SR dynamic requant
(kernels/include/sym_intreq.h, sym_intreq_tensor.h): ``sym_intreq_add_bits``
on edge pairs (exact ties at every alignment distance, cancellation,
subnormal operands and results, the overflow boundary, signed zeros and
infinities) and random pairs, ``sym_intreq_sr_loop`` element by element,
the SR ratio-order ``requant_dynamic`` vectors through
``sym_intreq_requant_dynamic_sr`` (out of place and in place, with the final
RNG state), and its every error status with nothing written. The expected
values are numpy float32 arithmetic (the float expressions the integer code
replaces, never the C). Part of the gold suite
(:func:`symverify.mutants.gold.load_suite`).
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np

from symverify.errors import STATUS_CODES
from symverify.xorshift import xorshift32

from .abi import AbiCase
from .abi_intreq import _tensor_of, _vectors_all

__all__ = ["CASES", "add_edge_inputs", "expect_add", "expect_sr"]

SIGN = 0x80000000
INF = 0x7F800000
QNAN = 0x7FC00000
F32_MAX = 0x7F7FFFFF
_SENT = 0x5A5AA5A5
CASES: list[AbiCase] = []


def _case(fn: Callable[[Any, Any], "str | None"]) -> Callable[[Any, Any], "str | None"]:
    CASES.append(AbiCase(fn.__name__, fn, family="abi_intreq_add"))
    return fn


def _f(bits: int) -> np.float32:
    return np.uint32(bits).view(np.float32)


def expect_add(a: int, b: int) -> int:
    """The bits of float32 a + b (numpy), 0x7FC00000 for inf + -inf."""
    with np.errstate(all="ignore"):
        s = _f(a) + _f(b)
    return QNAN if np.isnan(s) else int(np.float32(s).view(np.uint32))


def _f32(sign: int, exp: int, frac: int) -> int:
    return (sign << 31) | (exp << 23) | frac


def add_edge_inputs() -> list[tuple[int, int]]:
    """(a, b) bit pairs: ties and one step beside them at every alignment
    distance 1..26 for both operations and both operand orders,
    cancellation at exponent difference 0 and 1, subnormal operands and
    results, sums at the overflow boundary, the special operands."""
    rng = np.random.default_rng(1919)
    out = []
    for d in range(0, 28):
        for _ in range(6):
            ea = int(rng.integers(max(d, 1) + 1, 254))
            fa = int(rng.integers(0, 1 << 23))
            sig = int(rng.integers(1 << 23, 1 << 24))
            if 1 <= d <= 24:
                sig = (sig & ~((1 << d) - 1)) | (1 << (d - 1))  # the lost bits are exactly 100..0
            for step in (-1, 0, 1):
                b_sig = min(max(sig + step, 1 << 23), (1 << 24) - 1)
                for sa in (0, 1):
                    for sb in (0, 1):
                        a, b = _f32(sa, ea, fa), _f32(sb, ea - d, b_sig & 0x7FFFFF)
                        out += [(a, b), (b, a)]
    for d in range(0, 28):  # x a power of two: the borrow into the binade below, the d > 25 cut
        for fy in (0, 1, 0x400000, 0x600000, 0x7FFFFF, 0x7FFFFE):
            for sy in (0, 1):
                a, b = _f32(0, 100, 0), _f32(sy, 100 - d, fy)
                out += [(a, b), (b ^ SIGN, a ^ SIGN)]
    for d in range(1, 26):  # x with an all-ones significand: the carry out, ties after it
        for low in (1 << (d - 1) if d <= 24 else 0, (1 << (d - 1)) + 1 if d <= 24 else 1, 0):
            out.append((_f32(0, 120, 0x7FFFFF), _f32(0, 120 - d, (0x7FFFFF & ~((1 << min(d, 23)) - 1)) | low)))
            out.append((_f32(1, 120, 0x7FFFFE), _f32(1, 120 - d, low & 0x7FFFFF)))
    for k in range(23):  # |a| - |b| = 2^k ulps: the normalisation at every bit length
        for extra in (0, (1 << k) - 1):
            out.append((_f32(0, 127, (1 << k) | extra), _f32(1, 127, 0)))
            out.append((_f32(1, 2, (1 << k) | extra), _f32(0, 1, 0x7FFFFF)))
    for e in (1, 2, 24, 25, 26, 100, 254):  # cancellation: |a| - |b| many binades below
        for low in (1, 2, 3, 0x7FFFF, 0x400000):
            a = _f32(0, e, 0x2AAAAA)
            out += [(a, (a ^ SIGN) - low), (a, (a ^ SIGN) + low), (a, a ^ SIGN)]
            out += [(_f32(0, e, 0), _f32(1, e - 1, 0x7FFFFF - low + 1))]
    for _ in range(200):  # subnormal operands and results
        a = _f32(int(rng.integers(0, 2)), int(rng.integers(0, 3)), int(rng.integers(0, 1 << 23)))
        b = _f32(int(rng.integers(0, 2)), int(rng.integers(0, 3)), int(rng.integers(0, 1 << 23)))
        out.append((a, b))
    for k in range(4):  # the largest binade: last finite and first infinite sums
        for half in (0x73000000 - 1, 0x73000000, 0x73000000 + 1, 0x73800000, 0x72FFFFFF):
            for s in (0, SIGN):
                out.append(((F32_MAX - k) | s, half | s))
    specials = [0, SIGN, INF, INF | SIGN, F32_MAX, F32_MAX | SIGN, 1, 1 | SIGN, 0x00800000, 0x807FFFFF,
                0x3F800000, 0xBF800000, 0x33800000, 0x34000000, 0xB3800001]
    out += [(x, y) for x in specials for y in specials]
    return out


@functools.lru_cache(maxsize=1)
def _add_cases() -> tuple[tuple[int, int, int], ...]:
    rng = np.random.default_rng(5)
    pairs = add_edge_inputs()
    for _ in range(3000):  # effective additions that carry out, d = 3..23: the sticky bit after the carry
        d = int(rng.integers(3, 24))
        e = int(rng.integers(d + 1, 254))
        s = int(rng.integers(0, 2)) << 31
        pairs.append((s | _f32(0, e, int(rng.integers(0x600000, 0x800000))),
                      s | _f32(0, e - d, int(rng.integers(0, 1 << 23)))))
    while len(pairs) < 17_000:  # random pairs, half of them with nearby exponents
        a, b = (int(x) for x in rng.integers(0, 2 ** 32, 2, dtype=np.uint64))
        if len(pairs) % 2:
            b = (b & 0x807FFFFF) | ((((a >> 23) & 0xFF) + int(rng.integers(-2, 3))) % 255) << 23
        if (a >> 23) & 0xFF != 0xFF and (b >> 23) & 0xFF != 0xFF:
            pairs.append((a, b))
    return tuple((a, b, expect_add(a, b)) for a, b in pairs)


@_case
def intreq_add_edges(ffi, lib):
    add = lib.sym_intreq_add_bits
    for a, b, want in _add_cases():
        got = add(a, b)
        if got != want:
            return f"sym_intreq_add_bits(0x{a:08X}, 0x{b:08X}) = 0x{got:08X} != expected 0x{want:08X}"
    return None


# ------------------------------------------------------------- the SR step
def expect_sr(m: list[int], r_bits: int, b: int, state: int) -> tuple[list[int], int]:
    """sym_round_sat(SR) of fl(fl(m_i) * r) in numpy float32, in the float
    kernel's order, and the final state."""
    q_hi = (1 << (b - 1)) - 1
    r = _f(r_bits)
    out = []
    with np.errstate(over="ignore"):
        for mi in m:
            state = xorshift32(state) & 0xFFFFFFFF
            u = np.float32(state >> 8) * np.float32(2.0 ** -24)
            w = float((np.float32(mi) * r + u) - np.float32(0.5))
            if w >= q_hi:
                out.append(q_hi)
            elif w <= -q_hi - 1:
                out.append(-q_hi - 1)
            else:
                out.append(int(math.copysign(math.floor(abs(w) + 0.5), w)))
    return out, state


def _sr_loop_inputs() -> list[tuple[list[int], int, int, int]]:
    """(m, r_bits, b, state): r chosen so that fl(m) * r lands on or next to
    k + 1/2 and next to the saturation, both signs, every width; a state
    whose first draw is u = 0 (0xF2B58529)."""
    rng = np.random.default_rng(23)
    out = []
    for b in (2, 3, 8, 12, 16):
        q_hi = (1 << (b - 1)) - 1
        ms = [0, 1, -1, 2, -2, 3, -3, q_hi, -q_hi, q_hi + 1, -q_hi - 1, 2 * q_hi + 1, -(2 * q_hi + 1),
              2 ** 24 + 1, -(2 ** 31), 2 ** 31 - 1]
        for r in (1.0, 0.5, 0.25, 1.0 - 2.0 ** -24, 1.0 + 2.0 ** -23, 2.0 ** -24, 2.0 ** -30, 3.0, 1.0 / 3.0):
            r_bits = int(np.float32(r).view(np.uint32))
            out.append((ms, r_bits, b, int(rng.integers(1, 2 ** 32))))
        out.append(([-q_hi, q_hi, -q_hi], 0x3F800000, b, 0xF2B58529))
        out.append(([0, 0, 1], 0x3F800000, b, 0xF2B58529))  # u = 0 at m = 0: -0.5 rounds to -1
        out.append(([0, 0, -1], 0x3F800000, b, 0x9DAC6942))  # u = 2^-24 (state >> 8 = 1) at m = 0
    for _ in range(40):
        m = rng.integers(-(2 ** 31), 2 ** 31, 32).tolist()
        r_bits = int(rng.integers(96, 140)) << 23 | int(rng.integers(0, 1 << 23))
        out.append((m, r_bits, int(rng.integers(2, 17)), int(rng.integers(1, 2 ** 32))))
    return out


@functools.lru_cache(maxsize=1)
def _sr_loop_cases() -> tuple:
    return tuple((m, r, b, s, *expect_sr(m, r, b, s)) for m, r, b, s in _sr_loop_inputs())


@_case
def intreq_sr_loop_edges(ffi, lib):
    for m, r_bits, b, state, want, want_state in _sr_loop_cases():
        out = ffi.new("int32_t[]", len(m))
        st = ffi.new("uint32_t *", state)
        lib.sym_intreq_sr_loop(ffi.new("int32_t[]", m), len(m), r_bits, b, st, out)
        if list(out) != want or st[0] != want_state:
            return (f"sym_intreq_sr_loop({m}, 0x{r_bits:08X}, {b}, 0x{state:08X}) = {list(out)}, "
                    f"state 0x{st[0]:08X} != expected {want}, 0x{want_state:08X}")
    return None


def _sr_vectors() -> list[dict]:
    return [v for v in _vectors_all() if v["kernel"] == "requant_dynamic"
            and v["args"].get("order") == "ratio" and v["args"].get("rounding") == "sr_half_away"]


def _replay_sr(ffi, lib, in_place: bool) -> "str | None":
    vs = _sr_vectors()
    if len(vs) < 6:
        return f"only {len(vs)} SR ratio vectors found"
    for v in vs:
        m, s_in = _tensor_of(v)
        n = len(m)
        src = ffi.new("int32_t[]", m)
        dst = src if in_place else ffi.new("int32_t[]", [_SENT] * n)
        s_out = ffi.new("float *", -1.0)
        state = ffi.new("uint32_t *", int(v["rng_state_in"], 16))
        rc = lib.sym_intreq_requant_dynamic_sr(src, n, s_in, v["args"]["q_max_bits"], state, dst, s_out)
        e = v["expect"]
        got = (rc, f"0x{state[0]:08X}")
        want = (STATUS_CODES[e["status"]], e["rng_state"])
        if rc == 0:
            got += (list(dst[0:n]), f"0x{int(np.float32(s_out[0]).view(np.uint32)):08X}")
            want += (e["mantissas"], e["scale"])
        if got != want:
            return f"{v['name']} (in_place={in_place}): {got} != expected {want}"
    return None


@_case
def intreq_sr_vectors(ffi, lib):
    return _replay_sr(ffi, lib, False)


@_case
def intreq_sr_vectors_in_place(ffi, lib):
    return _replay_sr(ffi, lib, True)


@_case
def intreq_sr_errors(ffi, lib):
    """Every status of sym_intreq_requant_dynamic_sr in the float kernel's
    check order; nothing written (outputs, scale, state) on error."""
    buf = ffi.new("int32_t[]", [5, 6, 7, 8])
    other = ffi.new("int32_t[]", [1, 2, 3, 4])
    s_out = ffi.new("float *", 9.0)
    state = ffi.new("uint32_t *", 77)
    zero = ffi.new("uint32_t *", 0)
    big = ffi.new("int32_t[]", [2 ** 31 - 1])
    tiny = ffi.new("int32_t[]", [1])
    null = ffi.NULL
    in_other = ffi.cast("uint32_t *", other + 2)
    in_buf = ffi.cast("uint32_t *", buf + 3)
    cases = [
        ((buf, 4, 1.0, 8, state, other, null), "SYM_ERR_NULL"),
        ((null, 4, 1.0, 8, state, other, s_out), "SYM_ERR_NULL"),
        ((buf, 4, 1.0, 8, state, null, s_out), "SYM_ERR_NULL"),
        ((buf, 0, 1.0, 8, null, other, s_out), "SYM_ERR_EMPTY"),
        ((buf, 4, 1.0, 1, null, other, s_out), "SYM_ERR_BAD_WIDTH"),
        ((buf, 4, 1.0, 17, zero, other, s_out), "SYM_ERR_BAD_WIDTH"),
        ((buf, 4, 0.0, 8, null, buf + 1, s_out), "SYM_ERR_NULL"),
        ((buf, 4, 0.0, 8, zero, buf + 1, s_out), "SYM_ERR_BAD_RNG"),
        ((buf, 4, 0.0, 8, state, buf + 1, s_out), "SYM_ERR_ALIAS"),
        ((buf, 4, 0.0, 8, in_other, other, s_out), "SYM_ERR_ALIAS"),
        ((buf, 4, 0.0, 8, in_buf, other, s_out), "SYM_ERR_ALIAS"),
        ((buf, 4, 0.0, 8, state, other, s_out), "SYM_ERR_BAD_SCALE"),
        ((buf, 4, float("inf"), 8, state, other, ffi.cast("float *", buf + 1)), "SYM_ERR_BAD_SCALE"),
        ((buf, 4, 1.0, 8, state, other, ffi.cast("float *", other + 1)), "SYM_ERR_ALIAS"),
        ((buf, 4, 1.0, 8, state, other, ffi.cast("float *", buf)), "SYM_ERR_ALIAS"),
        ((big, 1, 3e38, 8, ffi.cast("uint32_t *", s_out), other, s_out), "SYM_ERR_ALIAS"),
        ((big, 1, 3e38, 8, state, other, s_out), "SYM_ERR_FLOAT_OVERFLOW"),
        ((tiny, 1, 2.0 ** -126, 16, state, other, s_out), "SYM_ERR_SCALE_UNDERFLOW"),
    ]
    for args, want in cases:
        before = (list(buf), list(other), s_out[0], state[0])
        rc = lib.sym_intreq_requant_dynamic_sr(*args)
        if rc != STATUS_CODES[want]:
            return f"case {want}: status {rc}"
        if (list(buf), list(other), s_out[0], state[0]) != before:
            return f"case {want}: an output was written on error"
    # in place, the state right after the tensor: accepted
    arr = ffi.new("int32_t[]", [3, -3, 0, 0x33333333])
    st = ffi.cast("uint32_t *", arr + 3)
    if lib.sym_intreq_requant_dynamic_sr(arr, 3, 1.0, 8, st, arr, s_out) != 0:
        return "a state right after the tensor was rejected"
    return None
