"""Supplementary C-ABI cases of the mutation gold suite (owned here, next to the
engine): what the JSON golden vectors cannot express through the Python API —
NULL pointers, partially overlapping buffers, in-place calls, the exported
helpers of ``sym_round.h`` (saturating round, widths, scale validity, overlap
test, xorshift32, stochastic rounding) — with expected values derived from
docs/semantics.md in plain Python (never from the C kernels).

Each case is a :class:`AbiCase` with the same ``label`` / ``run(ffi, lib)``
interface as :class:`symverify.mutants.gold.Case`.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any, Callable

from symverify.errors import STATUS_CODES
from symverify.goldgen.fixtures import seed_for_first_state
from symverify.xorshift import xorshift32 as xorshift

OK = 0
NULL = STATUS_CODES["SYM_ERR_NULL"]
ALIAS = STATUS_CODES["SYM_ERR_ALIAS"]
BAD_RNG = STATUS_CODES["SYM_ERR_BAD_RNG"]
CAST_RANGE = STATUS_CODES["SYM_ERR_CAST_RANGE"]
EMPTY = STATUS_CODES["SYM_ERR_EMPTY"]
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def bits_f32(b: int) -> float:
    return struct.unpack("<f", struct.pack("<I", b))[0]


def round_away(x: float) -> int:
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def uniform(s: int) -> tuple[int, float]:
    s = xorshift(s)
    return s, (s >> 8) * 2.0 ** -24


@dataclass
class AbiCase:
    name: str
    fn: Callable[[Any, Any], "str | None"]
    family: str = "abi"

    @property
    def label(self) -> str:
        return f"{self.family}/{self.name}"

    def run(self, ffi: Any, lib: Any) -> "str | None":
        return self.fn(ffi, lib)


def _eq(what: str, got: Any, want: Any) -> "str | None":
    return None if got == want else f"{what}: {got!r} != expected {want!r}"


def _status(what: str, got: int, want: int) -> "str | None":
    return None if got == want else f"status {got} != expected {want} ({what})"


CASES: list[AbiCase] = []


def case(fn: Callable[[Any, Any], "str | None"]) -> Callable[[Any, Any], "str | None"]:
    CASES.append(AbiCase(fn.__name__, fn))
    return fn


# --------------------------------------------------------------------------- helpers of sym_round.h
@case
def q_max_min_every_width(ffi, lib):
    for b in range(-1, 35):
        want_hi = (1 << (b - 1)) - 1 if 2 <= b <= 32 else 0
        want_lo = -(1 << (b - 1)) if 2 <= b <= 32 else 0
        if lib.sym_q_max(b) != want_hi:
            return f"sym_q_max({b}) = {lib.sym_q_max(b)} != {want_hi}"
        if lib.sym_q_min(b) != want_lo:
            return f"sym_q_min({b}) = {lib.sym_q_min(b)} != {want_lo}"
    return None


@case
def scale_is_valid_table(ffi, lib):
    table = [(1.0, 1), (bits_f32(0x00800000), 1), (bits_f32(0x007FFFFF), 0), (0.0, 0), (-0.0, 0), (-1.0, 0),
             (math.inf, 0), (-math.inf, 0), (math.nan, 0), (bits_f32(0x7F7FFFFF), 1), (-bits_f32(0x00800000), 0)]
    for x, want in table:
        got = lib.sym_scale_is_valid(x)
        if got != want:
            return f"sym_scale_is_valid({x!r}) = {got} != {want}"
    return None


@case
def ranges_overlap_table(ffi, lib):
    buf = ffi.new("char[]", 64)
    base = ffi.cast("char *", buf)
    table = [((0, 8), (8, 8), 0), ((0, 8), (7, 8), 1), ((8, 8), (0, 8), 0), ((7, 8), (0, 8), 1),
             ((0, 0), (0, 8), 0), ((0, 8), (0, 0), 0), ((4, 4), (0, 16), 1), ((0, 16), (4, 4), 1),
             ((0, 1), (0, 1), 1), ((3, 1), (4, 1), 0), ((4, 1), (3, 1), 0), ((4, 0), (0, 8), 0),
             ((0, 8), (4, 0), 0)]
    for (ao, an), (bo, bn), want in table:
        got = lib.sym_ranges_overlap(base + ao, an, base + bo, bn)
        if got != want:
            return f"sym_ranges_overlap([{ao},+{an}), [{bo},+{bn})) = {got} != {want}"
    return None


@case
def sat_round_edges(ffi, lib):
    table = [(2.5, -8, 7, 3), (-2.5, -8, 7, -3), (0.5, -8, 7, 1), (-0.5, -8, 7, -1), (0.49999997, -8, 7, 0),
             (6.5, -8, 7, 7), (6.49, -8, 7, 6), (7.0, -8, 7, 7), (7.5, -8, 7, 7), (1e30, -8, 7, 7),
             (-7.5, -8, 7, -8), (-8.0, -8, 7, -8), (-8.5, -8, 7, -8), (-7.49, -8, 7, -7), (-1e30, -8, 7, -8),
             (math.nan, -8, 7, -8), (math.inf, -8, 7, 7), (-math.inf, -8, 7, -8),
             (2147483520.0, INT32_MIN, INT32_MAX, 2147483520), (2147483648.0, INT32_MIN, INT32_MAX, INT32_MAX),
             (-2147483648.0, INT32_MIN, INT32_MAX, INT32_MIN), (-2147483520.0, INT32_MIN, INT32_MAX, -2147483520),
             (16777215.0, -(1 << 24), (1 << 24) - 1, 16777215), (16777216.0, -(1 << 24), (1 << 24) - 1, 16777215),
             (-16777216.0, -(1 << 24), (1 << 24) - 1, -16777216),
             (33554430.0, -(1 << 25), (1 << 25) - 1, 33554430), (3.0, 3, 3, 3), (0.0, 1, 5, 1)]
    for v, lo, hi, want in table:
        got = lib.sym_sat_round(v, lo, hi)
        if got != want:
            return f"sym_sat_round({v!r}, {lo}, {hi}) = {got} != {want}"
    return None


@case
def rng_seed_and_uniform(ffi, lib):
    for seed, want in ((0, 0xFFFFFFFF), (1, 1), (0xFFFFFFFE, 0xFFFFFFFE), (0xFFFFFFFF, 0xFFFFFFFF), (12345, 12345)):
        if lib.sym_rng_seed(seed) != want:
            return f"sym_rng_seed({seed}) = {lib.sym_rng_seed(seed)} != {want}"
    st = ffi.new("uint32_t *", 0x9E3779B9)
    u = ffi.new("float *")
    s = 0x9E3779B9
    for k in range(8):
        s, uu = uniform(s)
        r = lib.sym_rng_uniform(st, u)
        if r != OK or st[0] != s or u[0] != uu:
            return f"draw {k}: status {r}, state 0x{st[0]:08X} u {u[0]!r} != 0x{s:08X} {uu!r}"
    st[0] = 0xFFFFFFFF
    s, uu = uniform(0xFFFFFFFF)
    if lib.sym_rng_uniform(st, u) != OK or u[0] != uu:
        return "draw from 0xFFFFFFFF"
    st[0] = 0
    return (_status("state 0", lib.sym_rng_uniform(st, u), BAD_RNG)
            or _status("NULL state", lib.sym_rng_uniform(ffi.NULL, u), NULL)
            or _status("NULL u", lib.sym_rng_uniform(st, ffi.NULL), NULL)
            or _eq("state after BAD_RNG", st[0], 0)
            or _alias_uniform(ffi, lib))


def _alias_uniform(ffi, lib):
    buf = ffi.new("uint32_t[]", [7, 0])
    return _status("u aliases state", lib.sym_rng_uniform(buf, ffi.cast("float *", buf)), ALIAS) \
        or _eq("state after ALIAS", buf[0], 7)


SEED_U_ZERO = seed_for_first_state(0x00000001)  # first draw: state 1, u = 0
SEED_U_HALF = seed_for_first_state(0x80000000)  # first draw: u = 2^23 / 2^24 = 0.5


def _sr_expect(x: float, state: int) -> tuple[int, int, int]:
    s, u = uniform(state)
    w = f32(f32(x + u) - 0.5)
    if not (-2147483648.0 <= w < 2147483648.0):
        return CAST_RANGE, state, 0
    return OK, s, round_away(w)


@case
def round_stochastic_values(ffi, lib):
    st = ffi.new("uint32_t *")
    out = ffi.new("int32_t *")
    for x in (0.0, 0.25, -0.25, 0.5, -0.5, 1.75, -1.75, 100.3, -100.3, 2.0, -3.0, 123456.5, 0.999):
        # the designed seeds make the first draw u = 0 and u = 0.5 exactly: then (x + u) - 0.5
        # lands on a tie for x = 0.0 / 0.5 (a perturbed 0.5 constant no longer rounds away)
        for seed in (1, 99, 12345, 0xFFFFFFFF, 0xDEADBEEF, 0x00000100, SEED_U_ZERO, SEED_U_HALF):
            st[0] = seed
            out[0] = -7
            want_st, want_s, want_v = _sr_expect(f32(x), seed)
            r = lib.sym_round_stochastic(x, st, out)
            if r != want_st or st[0] != want_s or (r == OK and out[0] != want_v):
                return (f"sym_round_stochastic({x}, 0x{seed:08X}) = status {r}, {out[0]}, state 0x{st[0]:08X};"
                        f" expected {want_st}, {want_v}, 0x{want_s:08X}")
    return None


@case
def round_stochastic_errors(ffi, lib):
    st = ffi.new("uint32_t *", 5)
    out = ffi.new("int32_t *", -7)
    checks = [
        ("NULL state", lib.sym_round_stochastic(1.0, ffi.NULL, out), NULL),
        ("NULL out", lib.sym_round_stochastic(1.0, st, ffi.NULL), NULL),
        ("inf", lib.sym_round_stochastic(math.inf, st, out), CAST_RANGE),
        ("nan", lib.sym_round_stochastic(math.nan, st, out), CAST_RANGE),
        ("2^31", lib.sym_round_stochastic(2147483648.0, st, out), CAST_RANGE),
        ("-2^31 - 256", lib.sym_round_stochastic(-2147483904.0, st, out), CAST_RANGE),
    ]
    for what, got, want in checks:
        if got != want:
            return f"status {got} != expected {want} ({what})"
    if st[0] != 5 or out[0] != -7:
        return f"an error wrote outputs: state {st[0]}, out {out[0]}"
    # -2^31 itself: w = (-2^31 + u) - 0.5 rounds to -2^31 in float32 for small u: castable
    st[0] = 1
    want = _sr_expect(-2147483648.0, 1)
    r = lib.sym_round_stochastic(-2147483648.0, st, out)
    if r != want[0] or (r == OK and out[0] != want[2]):
        return f"-2^31: status {r} value {out[0]} != {want}"
    st[0] = 0
    r = lib.sym_round_stochastic(1.0, st, out)
    if r != BAD_RNG:
        return f"status {r} != expected {BAD_RNG} (state 0)"
    # argument checks before data checks (docs/semantics.md, Errors): state 0 AND a
    # non-castable x is BAD_RNG, not the CAST_RANGE a later check would give
    for x in (math.inf, math.nan, 2147483648.0):
        r = lib.sym_round_stochastic(x, st, out)
        if r != BAD_RNG:
            return f"status {r} != expected {BAD_RNG} (state 0, x = {x})"
    buf = ffi.new("uint32_t[]", [9])
    r = lib.sym_round_stochastic(1.0, buf, ffi.cast("int32_t *", buf))
    return _status("out aliases state", r, ALIAS)


@case
def round_half_away_null(ffi, lib):
    return _status("NULL out", lib.sym_round_half_away(1.0, ffi.NULL), NULL)


@case
def round_sat_modes(ffi, lib):
    st = ffi.new("uint32_t *")
    for v in (0.3, -0.3, 2.5, -2.5, 6.9, -7.9, 100.0, -100.0):
        for seed in (1, 0xFFFFFFFF, 777):
            st[0] = seed
            s, u = uniform(seed)
            w = f32(f32(f32(v) + u) - 0.5)
            want = max(-8, min(7, round_away(w))) if -9 < w < 8 else (7 if w > 0 else -8)
            got = lib.sym_round_sat(v, 1, st, -8, 7)
            if got != want or st[0] != s:
                return f"sym_round_sat({v}, SR, 0x{seed:08X}) = {got}, state 0x{st[0]:08X} != {want}, 0x{s:08X}"
        st[0] = 3
        want = max(-8, min(7, round_away(f32(v))))
        if lib.sym_round_sat(v, 0, st, -8, 7) != want or st[0] != 3:
            return f"sym_round_sat({v}, HALF_AWAY) != {want} or the state moved"
    return None


# --------------------------------------------------------------------------- NULL / EMPTY / ALIAS of the kernels
def _bufs(ffi, n=4):
    return (ffi.new("int32_t[]", [1, -2, 3, -4][:n]), ffi.new("int32_t[]", [1] * n), ffi.new("float *", 1.0),
            ffi.new("uint32_t *", 1), ffi.new("float[]", [0.5, -1.0, 0.25, 2.0][:n]))


@case
def float_to_sym_pointer_checks(ffi, lib):
    m_in, m, sc, st, x = _bufs(ffi)
    big = ffi.new("int32_t[]", [1] * 16)
    checks = [
        ("x NULL", lib.sym_float_to_sym(ffi.NULL, 4, 8, 0, ffi.NULL, m, sc), NULL),
        ("m NULL", lib.sym_float_to_sym(x, 4, 8, 0, ffi.NULL, ffi.NULL, sc), NULL),
        ("scale NULL", lib.sym_float_to_sym(x, 4, 8, 0, ffi.NULL, m, ffi.NULL), NULL),
        ("SR rng NULL", lib.sym_float_to_sym(x, 4, 8, 1, ffi.NULL, m, sc), NULL),
        ("n = -1", lib.sym_float_to_sym(x, -1, 8, 0, ffi.NULL, m, sc), EMPTY),
        ("m overlaps x", lib.sym_float_to_sym(ffi.cast("float *", big), 4, 8, 0, ffi.NULL, big + 2, sc), ALIAS),
        ("scale inside x", lib.sym_float_to_sym(x, 4, 8, 0, ffi.NULL, m, x + 3), ALIAS),
        ("scale inside m", lib.sym_float_to_sym(x, 4, 8, 0, ffi.NULL, m, ffi.cast("float *", m + 3)), ALIAS),
        ("rng inside x", lib.sym_float_to_sym(x, 4, 8, 1, ffi.cast("uint32_t *", x + 1), m, sc), ALIAS),
        ("rng inside m", lib.sym_float_to_sym(x, 4, 8, 1, ffi.cast("uint32_t *", m + 1), m, sc), ALIAS),
        ("rng is scale", lib.sym_float_to_sym(x, 4, 8, 1, ffi.cast("uint32_t *", sc), m, sc), ALIAS),
    ]
    st[0] = 0
    checks.append(("SR state 0", lib.sym_float_to_sym(x, 4, 8, 1, st, m, sc), BAD_RNG))
    for what, got, want in checks:
        if got != want:
            return f"status {got} != expected {want} ({what})"
    # a valid SR call with the rng right after m (adjacent, not overlapping) works
    pair = ffi.new("int32_t[]", 5)
    pair[4] = 1
    r = lib.sym_float_to_sym(x, 4, 8, 1, ffi.cast("uint32_t *", pair + 4), pair, sc)
    return _status("rng adjacent to m", r, OK)


@case
def sym_to_float_pointer_checks(ffi, lib):
    m_in, m, sc, st, x = _bufs(ffi)
    y = ffi.new("float[]", 4)
    big = ffi.new("int32_t[]", [1] * 16)
    for what, got, want in [
        ("m NULL", lib.sym_sym_to_float(ffi.NULL, 4, 1.0, y), NULL),
        ("y NULL", lib.sym_sym_to_float(m_in, 4, 1.0, ffi.NULL), NULL),
        ("n = 0", lib.sym_sym_to_float(m_in, 0, 1.0, y), EMPTY),
        ("y overlaps m", lib.sym_sym_to_float(big, 4, 1.0, ffi.cast("float *", big + 3)), ALIAS),
        ("y overlaps m (before)", lib.sym_sym_to_float(big + 3, 4, 1.0, ffi.cast("float *", big)), ALIAS),
        ("y adjacent to m", lib.sym_sym_to_float(big, 4, 1.0, ffi.cast("float *", big + 4)), OK),
    ]:
        if got != want:
            return f"status {got} != expected {want} ({what})"
    return None


@case
def int_to_sym_pointer_checks(ffi, lib):
    m_in, m, sc, st, x = _bufs(ffi)
    big = ffi.new("int32_t[]", [1, 2, 3, 4, 5, 6, 7, 8])
    for what, got, want in [
        ("src NULL", lib.sym_int_to_sym(ffi.NULL, 4, m, sc), NULL),
        ("m NULL", lib.sym_int_to_sym(m_in, 4, ffi.NULL, sc), NULL),
        ("scale NULL", lib.sym_int_to_sym(m_in, 4, m, ffi.NULL), NULL),
        ("partial overlap", lib.sym_int_to_sym(big, 4, big + 1, sc), ALIAS),
        ("partial overlap, m before src", lib.sym_int_to_sym(big + 1, 4, big, sc), ALIAS),
        ("scale inside src", lib.sym_int_to_sym(big, 4, m, ffi.cast("float *", big + 3)), ALIAS),
        ("scale inside m", lib.sym_int_to_sym(m_in, 4, big, ffi.cast("float *", big + 2)), ALIAS),
    ]:
        if got != want:
            return f"status {got} != expected {want} ({what})"
    sc[0] = 7.0
    r = lib.sym_int_to_sym(big, 4, big, sc)
    return _status("in place", r, OK) or _eq("in place", list(big[0:4]) + [sc[0]], [1, 2, 3, 4, 1.0])


def _requant_expect(m: list[int], s_in: float, bits: int) -> tuple[list[int], float]:
    """HALF_AWAY ratio-order dynamic requant per docs/semantics.md (float32 steps)."""
    hi = (1 << (bits - 1)) - 1
    lo = -hi - 1
    a = max(abs(f32(f32(float(v)) * s_in)) for v in m)
    s_new = 1.0 if a == 0 else f32(a / hi)
    r = f32(s_in / s_new)
    return [max(lo, min(hi, round_away(f32(f32(float(v)) * r)))) for v in m], s_new


@case
def requant_pointer_checks(ffi, lib):
    m_in, m, sc, st, x = _bufs(ffi)
    big = ffi.new("int32_t[]", [1] * 16)
    st[0] = 1
    checks = [
        ("s_out NULL", lib.sym_requant_dynamic(m_in, 4, 1.0, 8, 0, 0, ffi.NULL, m, ffi.NULL), NULL),
        ("m_in NULL", lib.sym_requant_dynamic(ffi.NULL, 4, 1.0, 8, 0, 0, ffi.NULL, m, sc), NULL),
        ("m_out NULL", lib.sym_requant_dynamic(m_in, 4, 1.0, 8, 0, 0, ffi.NULL, ffi.NULL, sc), NULL),
        ("n = 0", lib.sym_requant_dynamic(m_in, 0, 1.0, 8, 0, 0, ffi.NULL, m, sc), EMPTY),
        ("SR rng NULL", lib.sym_requant_dynamic(m_in, 4, 1.0, 8, 1, 0, ffi.NULL, m, sc), NULL),
        ("partial overlap", lib.sym_requant_dynamic(big, 4, 1.0, 8, 0, 0, ffi.NULL, big + 2, sc), ALIAS),
        ("partial overlap, m_out before m_in", lib.sym_requant_dynamic(big + 2, 4, 1.0, 8, 0, 0, ffi.NULL, big, sc),
         ALIAS),
        ("fixed partial overlap, m_out before m_in", lib.sym_requant_fixed(big + 1, 4, 1.0, 1.0, 8, 0, ffi.NULL, big),
         ALIAS),
        ("s_out inside m_in", lib.sym_requant_dynamic(big, 4, 1.0, 8, 0, 0, ffi.NULL, m, ffi.cast("float *", big + 3)), ALIAS),
        ("s_out inside m_out", lib.sym_requant_dynamic(m_in, 4, 1.0, 8, 0, 0, ffi.NULL, big, ffi.cast("float *", big + 1)), ALIAS),
        ("rng inside m_in", lib.sym_requant_dynamic(big, 4, 1.0, 8, 1, 0, ffi.cast("uint32_t *", big + 2), m, sc), ALIAS),
        ("rng inside m_out", lib.sym_requant_dynamic(m_in, 4, 1.0, 8, 1, 0, ffi.cast("uint32_t *", big + 2), big, sc), ALIAS),
        ("rng is s_out", lib.sym_requant_dynamic(m_in, 4, 1.0, 8, 1, 0, ffi.cast("uint32_t *", sc), m, sc), ALIAS),
        ("fixed m_in NULL", lib.sym_requant_fixed(ffi.NULL, 4, 1.0, 1.0, 8, 0, ffi.NULL, m), NULL),
        ("fixed SR rng NULL", lib.sym_requant_fixed(m_in, 4, 1.0, 1.0, 8, 1, ffi.NULL, m), NULL),
        ("fixed rng in m_out", lib.sym_requant_fixed(m_in, 4, 1.0, 1.0, 8, 1, ffi.cast("uint32_t *", big + 1), big), ALIAS),
        ("rescale out NULL", lib.sym_rescale_to_acc(3, 1.0, 1.0, ffi.NULL), NULL),
    ]
    st[0] = 0
    checks.append(("SR state 0", lib.sym_requant_dynamic(m_in, 4, 1.0, 8, 1, 0, st, m, sc), BAD_RNG))
    checks.append(("fixed SR state 0", lib.sym_requant_fixed(m_in, 4, 1.0, 1.0, 8, 1, st, m), BAD_RNG))
    for what, got, want in checks:
        if got != want:
            return f"status {got} != expected {want} ({what})"
    return None


@case
def requant_in_place(ffi, lib):
    vals = [1000, -2047, 3, 0, 1500, -7]
    want, s_new = _requant_expect(vals, 0.01, 8)
    buf = ffi.new("int32_t[]", vals)
    so = ffi.new("float *")
    r = lib.sym_requant_dynamic(buf, len(vals), f32(0.01), 8, 0, 0, ffi.NULL, buf, so)
    return _status("in place", r, OK) or _eq("in-place mantissas", list(buf[0:len(vals)]), want) \
        or _eq("in-place scale", so[0], s_new)


@case
def accumulate_pointer_checks(ffi, lib):
    t = ffi.new("int32_t[]", [1, 2, 3, 4])
    inc = ffi.new("int32_t[]", [1, 1, 1, 1])
    st_s = ffi.new("float *", 1.0)
    rng = ffi.new("uint32_t *", 1)
    big = ffi.new("int32_t[]", [1] * 16)
    checks = [
        ("s_t NULL", lib.sym_accumulate_dynamic(t, 4, ffi.NULL, 8, inc, 4, 1.0, 0, ffi.NULL), NULL),
        ("t NULL", lib.sym_accumulate_dynamic(ffi.NULL, 4, st_s, 8, inc, 4, 1.0, 0, ffi.NULL), NULL),
        ("inc NULL", lib.sym_accumulate_dynamic(t, 4, st_s, 8, ffi.NULL, 4, 1.0, 0, ffi.NULL), NULL),
        ("n_t 0", lib.sym_accumulate_dynamic(t, 0, st_s, 8, inc, 0, 1.0, 0, ffi.NULL), EMPTY),
        ("n_inc 0", lib.sym_accumulate_dynamic(t, 4, st_s, 8, inc, 0, 1.0, 0, ffi.NULL), EMPTY),
        ("t overlaps inc", lib.sym_accumulate_dynamic(big, 4, st_s, 8, big + 3, 4, 1.0, 0, ffi.NULL), ALIAS),
        ("inc overlaps t", lib.sym_accumulate_dynamic(big + 3, 4, st_s, 8, big, 4, 1.0, 0, ffi.NULL), ALIAS),
        ("s_t inside t", lib.sym_accumulate_dynamic(big, 4, ffi.cast("float *", big + 3), 8, inc, 4, 1.0, 0, ffi.NULL), ALIAS),
        ("s_t inside inc", lib.sym_accumulate_dynamic(t, 4, ffi.cast("float *", big + 3), 8, big, 4, 1.0, 0, ffi.NULL), ALIAS),
        ("SR rng NULL", lib.sym_accumulate_dynamic(t, 4, st_s, 8, inc, 4, 1.0, 1, ffi.NULL), NULL),
        ("rng inside t", lib.sym_accumulate_dynamic(big, 4, st_s, 8, inc, 4, 1.0, 1, ffi.cast("uint32_t *", big + 1)), ALIAS),
        ("rng inside inc", lib.sym_accumulate_dynamic(t, 4, st_s, 8, big, 4, 1.0, 1, ffi.cast("uint32_t *", big + 1)), ALIAS),
        ("rng is s_t", lib.sym_accumulate_dynamic(t, 4, st_s, 8, inc, 4, 1.0, 1, ffi.cast("uint32_t *", st_s)), ALIAS),
        ("fixed t NULL", lib.sym_accumulate_fixed(ffi.NULL, 4, 1.0, 8, inc, 4, 1.0), NULL),
        ("fixed inc NULL", lib.sym_accumulate_fixed(t, 4, 1.0, 8, ffi.NULL, 4, 1.0), NULL),
        ("fixed n 0", lib.sym_accumulate_fixed(t, 0, 1.0, 8, inc, 0, 1.0), EMPTY),
        ("fixed t overlaps inc", lib.sym_accumulate_fixed(big, 4, 1.0, 8, big + 2, 4, 1.0), ALIAS),
        ("fixed width 1", lib.sym_accumulate_fixed(t, 4, 1.0, 1, inc, 4, 1.0), STATUS_CODES["SYM_ERR_BAD_WIDTH"]),
        ("fixed width 33", lib.sym_accumulate_fixed(t, 4, 1.0, 33, inc, 4, 1.0), STATUS_CODES["SYM_ERR_BAD_WIDTH"]),
        ("fixed bad s_t", lib.sym_accumulate_fixed(t, 4, -1.0, 8, inc, 4, 1.0), STATUS_CODES["SYM_ERR_BAD_SCALE"]),
        ("fixed bad s_inc", lib.sym_accumulate_fixed(t, 4, 1.0, 8, inc, 4, 0.0), STATUS_CODES["SYM_ERR_BAD_SCALE"]),
        ("dyn bad s_t", lib.sym_accumulate_dynamic(t, 4, ffi.new("float *", math.nan), 8, inc, 4, 1.0, 0, ffi.NULL),
         STATUS_CODES["SYM_ERR_BAD_SCALE"]),
        ("dyn bad s_inc", lib.sym_accumulate_dynamic(t, 4, st_s, 8, inc, 4, -2.0, 0, ffi.NULL),
         STATUS_CODES["SYM_ERR_BAD_SCALE"]),
        ("fixed t outside width", lib.sym_accumulate_fixed(ffi.new("int32_t[]", [200]), 1, 1.0, 8,
                                                           ffi.new("int32_t[]", [0]), 1, 1.0),
         STATUS_CODES["SYM_ERR_INT_OVERFLOW"]),
        ("fixed t below width", lib.sym_accumulate_fixed(ffi.new("int32_t[]", [-200]), 1, 1.0, 8,
                                                         ffi.new("int32_t[]", [0]), 1, 1.0),
         STATUS_CODES["SYM_ERR_INT_OVERFLOW"]),
    ]
    rng[0] = 0
    checks.append(("SR state 0", lib.sym_accumulate_dynamic(t, 4, st_s, 8, inc, 4, 1.0, 1, rng, ), BAD_RNG))
    for what, got, want in checks:
        if got != want:
            return f"status {got} != expected {want} ({what})"
    if list(t[0:4]) != [1, 2, 3, 4] or st_s[0] != 1.0:
        return "an error wrote outputs"
    return None


@case
def accumulate_fixed_exact_bounds(ffi, lib):
    # t + d lands exactly on qMax / qMin (allowed), or one past (INT_OVERFLOW)
    for t0, inc0, want_status, want in ((120, 7, OK, 127), (-120, -8, OK, -128), (127, 0, OK, 127),
                                        (-128, 0, OK, -128), (126, 2, STATUS_CODES["SYM_ERR_INT_OVERFLOW"], None),
                                        (-127, -2, STATUS_CODES["SYM_ERR_INT_OVERFLOW"], None), (5, -3, OK, 2),
                                        (-5, 3, OK, -2)):
        t = ffi.new("int32_t[]", [t0, 1])
        inc = ffi.new("int32_t[]", [inc0, 0])
        r = lib.sym_accumulate_fixed(t, 2, 1.0, 8, inc, 2, 1.0)
        if r != want_status or (r == OK and (t[0] != want or t[1] != 1)):
            return f"fixed {t0} + {inc0}: status {r}, t {list(t[0:2])}; expected {want_status}, {want}"
    return None


# --------------------------------------------------------------------------- enum arguments, unused buffers
BAD_ROUNDING = STATUS_CODES["SYM_ERR_BAD_ROUNDING"]
BAD_ORDER = STATUS_CODES["SYM_ERR_BAD_ORDER"]
#: out-of-range values for every enum argument: negative, just past the last
#: member, large; a check written as an ordering test (`order > RATIO`,
#: `rounding <= SR`) accepts some of them
BAD_ENUMS = (-1, -2, 2, 3, 99, INT32_MIN, INT32_MAX)


def _untouched(what: str, got: list, want: list) -> "str | None":
    return None if got == want else f"{what}: an error wrote outputs ({got!r} != {want!r})"


@case
def rounding_out_of_range_every_kernel(ffi, lib):
    """Every kernel with a rounding argument rejects each bad value with
    BAD_ROUNDING (checked before the rng), outputs and rng untouched."""
    x = ffi.new("float[]", [0.5, -1.0, 0.25, 2.0])
    m_in = ffi.new("int32_t[]", [1, -2, 3, -4])
    for r in BAD_ENUMS:
        for rng in (ffi.NULL, ffi.new("uint32_t *", 5)):
            m = ffi.new("int32_t[]", [-7] * 4)
            sc = ffi.new("float *", -7.0)
            t = ffi.new("int32_t[]", [1, 2, 3, 4])
            s_t = ffi.new("float *", 1.0)
            calls = [
                ("float_to_sym", lib.sym_float_to_sym(x, 4, 8, r, rng, m, sc)),
                ("requant_dynamic", lib.sym_requant_dynamic(m_in, 4, 1.0, 8, r, 0, rng, m, sc)),
                ("requant_fixed", lib.sym_requant_fixed(m_in, 4, 1.0, 0.5, 8, r, rng, m)),
                ("accumulate_dynamic", lib.sym_accumulate_dynamic(t, 4, s_t, 8, m_in, 4, 1.0, r, rng)),
                ("rounding_check", lib.sym_rounding_check(r, rng)),
            ]
            for what, got in calls:
                why = _status(f"{what} rounding {r}", got, BAD_ROUNDING)
                if why:
                    return why
            why = (_untouched("m", list(m[0:4]), [-7] * 4) or _untouched("scale", [sc[0]], [-7.0])
                   or _untouched("t", list(t[0:4]) + [s_t[0]], [1, 2, 3, 4, 1.0])
                   or (None if rng == ffi.NULL or rng[0] == 5 else f"rounding {r}: rng state moved"))
            if why:
                return why
    return None


@case
def order_out_of_range(ffi, lib):
    """requant_dynamic rejects every order but RATIO (0) and CLAMP_FIRST (1)."""
    m_in = ffi.new("int32_t[]", [1000, -7, 3])
    for order in BAD_ENUMS:
        for rounding, rng in ((0, ffi.NULL), (1, ffi.new("uint32_t *", 9))):
            m = ffi.new("int32_t[]", [-7] * 3)
            so = ffi.new("float *", -7.0)
            got = lib.sym_requant_dynamic(m_in, 3, 0.5, 8, rounding, order, rng, m, so)
            why = (_status(f"order {order}, rounding {rounding}", got, BAD_ORDER)
                   or _untouched("m_out", list(m[0:3]) + [so[0]], [-7, -7, -7, -7.0]))
            if why:
                return why
    want, s_new = _requant_expect([1000, -7, 3], f32(0.5), 8)
    m = ffi.new("int32_t[]", 3)
    so = ffi.new("float *")
    got = lib.sym_requant_dynamic(m_in, 3, 0.5, 8, 0, 0, ffi.NULL, m, so)
    return _status("order 0", got, OK) or _eq("order 0 mantissas", list(m[0:3]), want)


def _convert_expect(xs: list[float], bits: int) -> tuple[list[int], float]:
    """HALF_AWAY float_to_sym per docs/semantics.md (float32 steps)."""
    hi = (1 << (bits - 1)) - 1
    a = max(abs(f32(v)) for v in xs)
    s = 1.0 if a == 0 else f32(a / hi)
    return [max(-hi - 1, min(hi, round_away(f32(f32(v) / s)))) for v in xs], s


@case
def half_away_ignores_unused_rng(ffi, lib):
    """A legal HALF_AWAY call whose unused rng_state pointer lies inside an
    input or output buffer is not an alias (only SR reads the state): SYM_OK,
    correct outputs, for every kernel with a rounding argument."""
    xs = [0.5, -1.0, 0.25, 2.0, -0.125, 1.5]
    want_m, want_s = _convert_expect(xs, 8)
    for where in ("x", "m", "scale"):
        x = ffi.new("float[]", xs)
        m = ffi.new("int32_t[]", 6)
        sc = ffi.new("float *")
        rng = {"x": ffi.cast("uint32_t *", x + 2), "m": ffi.cast("uint32_t *", m + 5),
               "scale": ffi.cast("uint32_t *", sc)}[where]
        got = lib.sym_float_to_sym(x, 6, 8, 0, rng, m, sc)
        why = (_status(f"float_to_sym HALF_AWAY, rng inside {where}", got, OK)
               or _eq(f"float_to_sym rng inside {where}", (list(m[0:6]), sc[0]), (want_m, want_s)))
        if why:
            return why
    vals = [1000, -2047, 3, 0, 1500, -7]
    want_r, s_new = _requant_expect(vals, f32(0.01), 8)
    for where in ("m_in", "m_out", "s_out"):
        m_in = ffi.new("int32_t[]", vals)
        m = ffi.new("int32_t[]", 6)
        so = ffi.new("float *")
        rng = {"m_in": ffi.cast("uint32_t *", m_in + 1), "m_out": ffi.cast("uint32_t *", m + 4),
               "s_out": ffi.cast("uint32_t *", so)}[where]
        got = lib.sym_requant_dynamic(m_in, 6, f32(0.01), 8, 0, 0, rng, m, so)
        why = (_status(f"requant_dynamic HALF_AWAY, rng inside {where}", got, OK)
               or _eq(f"requant_dynamic rng inside {where}", (list(m[0:6]), so[0]), (want_r, s_new)))
        if why:
            return why
    fixed = [max(-128, min(127, round_away(f32(f32(f32(float(v)) * f32(0.01)) / f32(0.5))))) for v in vals]
    for where in ("m_in", "m_out"):
        m_in = ffi.new("int32_t[]", vals)
        m = ffi.new("int32_t[]", 6)
        rng = ffi.cast("uint32_t *", (m_in if where == "m_in" else m) + 3)
        got = lib.sym_requant_fixed(m_in, 6, f32(0.01), 0.5, 8, 0, rng, m)
        why = (_status(f"requant_fixed HALF_AWAY, rng inside {where}", got, OK)
               or _eq(f"requant_fixed rng inside {where}", list(m[0:6]), fixed))
        if why:
            return why
    for where in ("t", "inc", "s_t"):
        t = ffi.new("int32_t[]", [10, -20, 30, 0])
        inc = ffi.new("int32_t[]", [1, 1, -1, 5])
        s_t = ffi.new("float *", 0.5)
        v = [f32(f32(f32(float(a)) * 0.5) + f32(float(b)) * 1.0) for a, b in zip([10, -20, 30, 0], [1, 1, -1, 5])]
        want_t, want_st = _convert_expect(v, 8)
        rng = {"t": ffi.cast("uint32_t *", t + 1), "inc": ffi.cast("uint32_t *", inc + 2),
               "s_t": ffi.cast("uint32_t *", s_t)}[where]
        got = lib.sym_accumulate_dynamic(t, 4, s_t, 8, inc, 4, 1.0, 0, rng)
        why = (_status(f"accumulate_dynamic HALF_AWAY, rng inside {where}", got, OK)
               or _eq(f"accumulate_dynamic rng inside {where}", (list(t[0:4]), s_t[0]), (want_t, want_st)))
        if why:
            return why
    return None


#: xorshift32 seeds whose first draw is u = 0.25 / 0.75 exactly
SEED_U_QUARTER = seed_for_first_state(0x40000000)
SEED_U_3QUARTERS = seed_for_first_state(0xC0000000)


@case
def round_stochastic_evaluation_order(ffi, lib):
    """SR evaluates (x + u) - 0.5f in float32 LEFT TO RIGHT (SPEC section 2).
    At x = 2^23 + 1 (ulp 1) the three orders differ: u = 0.75 gives
    (x + u) - 0.5 -> 8388610, x + (u - 0.5) -> 8388609, (x - 0.5) + u -> 8388609;
    u = 0.25 gives 8388608 against 8388609 for x + (u - 0.5)."""
    st = ffi.new("uint32_t *")
    out = ffi.new("int32_t *")
    for x in (8388609.0, -8388609.0, 4194305.0, 16777215.0, 1073741824.0):
        for seed in (SEED_U_QUARTER, SEED_U_3QUARTERS, SEED_U_HALF):
            want_st, want_s, want_v = _sr_expect(f32(x), seed)
            st[0] = seed
            r = lib.sym_round_stochastic(x, st, out)
            if r != want_st or (r == OK and out[0] != want_v):
                return f"sym_round_stochastic({x}, 0x{seed:08X}) = {r}, {out[0]}; expected {want_st}, {want_v}"
            st[0] = seed
            got = lib.sym_round_sat(x, 1, st, INT32_MIN, INT32_MAX)
            if got != want_v or st[0] != want_s:
                return f"sym_round_sat({x}, SR, 0x{seed:08X}) = {got}, state 0x{st[0]:08X}; expected {want_v}"
    return None
