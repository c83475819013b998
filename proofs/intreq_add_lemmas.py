"""The intreq.add* lemmas: the integer float32 adder ``sym_intreq_add_bits``
equals ``fpAdd(RNE, a, b)`` (as IEEE bits, the quiet NaN 0x7FC00000 for
inf + -inf) for every pair of non-NaN float32 a, b (encoding in
proofs/intreq_add.py, docs/integer-only.md#the-float32-adder).

The C orders the operands by magnitude first. ``intreq.add_swap`` shows
that fpAdd gives the same bits in both orders, so the other lemmas take an
ordered pair |x| >= |y| and the C after its swap. They split it by the
C's exponent difference d and by effective addition / subtraction (and,
for the cancelling d = 0, by the normalisation shift s), so that each
query stays small: a fixed or narrow d makes both alignment shifters
nearly constant.
"""
from __future__ import annotations

import z3

from . import intreq as iq
from . import intreq_add as ia
from .query import Goal, Lemma, Query

DOC = "intreq-add"
#: the bit-blasted queries take 0.2-2 s on a loaded 2-core machine; room
#: beyond the runner's 20 s default rather than an UNKNOWN
SOLVER_TIMEOUT_MS = 60_000
#: (operation, d band, s band) of each ordered-pair lemma; None: any
BANDS: tuple[tuple[str, tuple[int, int], tuple[int, int] | None], ...] = (
    ("sub", (0, 0), (0, 1)), ("sub", (0, 0), (2, 8)), ("sub", (0, 0), (9, 17)), ("sub", (0, 0), (18, 26)),
    ("sub", (1, 1), (0, 1)), ("sub", (1, 1), (2, 26)),
    ("sub", (2, 4), None), ("sub", (5, 8), None), ("sub", (9, 13), None), ("sub", (14, 19), None),
    ("sub", (20, 25), None),
    ("add", (0, 1), None), ("add", (2, 8), None), ("add", (9, 17), None), ("add", (18, 25), None),
    ("any", (26, 253), None),
)


def _solver(timeout_ms: int) -> z3.Solver:
    return iq.fpbv_solver(max(timeout_ms, SOLVER_TIMEOUT_MS))


def _not_nan(v: z3.BitVecRef) -> z3.BoolRef:
    return z3.Not(z3.And((v & ia.INF) == ia.INF, (v & iq.FRAC) != 0))


def _pair(name: str) -> tuple[z3.BitVecRef, z3.BitVecRef, list]:
    """x, y non-NaN with |x| >= |y| (the C's order after its swap)."""
    x, y = z3.BitVecs(name, 32)
    return x, y, [_not_nan(x), _not_nan(y), z3.UGE(x & ia.MAG, y & ia.MAG)]


def q_swap() -> Query:
    """fpAdd(RNE, a, b) and fpAdd(RNE, b, a) have the same bits, and the C's
    swap yields |x| >= |y|: the ordered lemmas cover every pair."""
    a, b = z3.BitVecs("a b", 32)
    x, y = ia.ordered(a, b)
    return Query(pre=[_not_nan(a), _not_nan(b)], goals=[
        Goal("reference(a, b) = reference(b, a)", ia.reference(a, b) == ia.reference(b, a)),
        Goal("(x, y) is (a, b) or (b, a), |x| >= |y|",
             z3.And(z3.Or(z3.And(x == a, y == b), z3.And(x == b, y == a)), z3.UGE(x & ia.MAG, y & ia.MAG))),
    ], show={"a": a, "b": b}, solver=_solver)


def q_special() -> Query:
    """x = +-inf: the C returns x, or the quiet NaN for inf + -inf."""
    x, y, pre = _pair("x y")
    t = ia.trace(x, y)
    return Query(pre=pre + [(x & ia.MAG) == ia.INF], goals=[
        Goal("C(x, y) = bits of fl(x + y) (QNAN for inf + -inf)", t.result == ia.reference(x, y))],
        show={"x": x, "y": y, "C": t.result, "reference": ia.reference(x, y)}, solver=_solver)


def q_band(op: str, d_band: tuple[int, int], s_band: tuple[int, int] | None, **planted) -> Query:
    """Finite x, the C's exponent difference d in d_band (and its
    normalisation shift in s_band), effective op: C = reference, and the
    C's int32 values and shifts stay in range."""
    x, y, pre = _pair("x y")
    t = ia.trace(x, y, **planted)
    subtract = ((x ^ y) & ia.SIGN) != 0
    pre = pre + [z3.Not((x & ia.INF) == ia.INF), t.d >= d_band[0], t.d <= d_band[1]]
    if op != "any":
        pre.append(subtract if op == "sub" else z3.Not(subtract))
    if s_band is not None:
        pre += [t.m != 0, t.s >= s_band[0], t.s <= s_band[1]]
    ref = ia.reference(x, y)
    return Query(pre=pre, goals=[Goal("C(x, y) = bits of fl(x + y)", t.result == ref)],
                 show={"x": x, "y": y, "C": t.result, "reference": ref}, solver=_solver)


def q_ranges() -> Query:
    """Every finite ordered pair: the C's int32 values and shift counts stay
    in range (integer side only)."""
    x, y, pre = _pair("x y")
    t = ia.trace(x, y)
    return Query(pre=pre + [z3.Not((x & ia.INF) == ia.INF), t.d <= ia.X_ONLY], goals=[
        Goal("int32 ranges and shift counts of the C", ia.obligations(t))],
        show={"x": x, "y": y, "d": t.d, "s": t.s}, solver=_solver)


def _band_id(op: str, d_band: tuple[int, int], s_band) -> dict:
    d = f"{d_band[0]}" if d_band[0] == d_band[1] else f"{d_band[0]}..{d_band[1]}"
    params = {"op": op, "d": d}
    if s_band is not None:
        params["s"] = f"{s_band[0]}..{s_band[1]}"
    return params


def intreq_add_lemmas() -> list[Lemma]:
    out = [
        Lemma("intreq.add_swap", None, None, "PROVEN",
              "a, b not NaN  =>  fpAdd(RNE, a, b) = fpAdd(RNE, b, a) as bits; the C's swap orders |x| >= |y|",
              q_swap, DOC, "exact"),
        Lemma("intreq.add_special", None, None, "PROVEN",
              "x = +-inf, y not NaN  =>  sym_intreq_add_bits = x, or 0x7FC00000 for inf + -inf",
              q_special, DOC, "exact"),
        Lemma("intreq.add_ranges", None, None, "PROVEN",
              "|x| >= |y| finite, d <= 25  =>  exponents in 1..254, shifts in 0..26 without a lost bit",
              q_ranges, DOC, "exact"),
    ]
    for op, d_band, s_band in BANDS:
        shift = "" if s_band is None else f", normalisation shift in [{s_band[0]}, {s_band[1]}]"
        out.append(Lemma("intreq.add", None, None, "PROVEN",
                         f"|x| >= |y| finite, effective {op}, d in [{d_band[0]}, {d_band[1]}]{shift}  =>  "
                         "sym_intreq_add_bits = bits of fl(x + y) (RNE), C ranges hold",
                         lambda op=op, d=d_band, s=s_band: q_band(op, d, s), DOC, "exact",
                         params=_band_id(op, d_band, s_band)))
    return out
