"""Exact Z3 encodings of the SYM kernel steps (docs/semantics.md), over
float32 FP terms and Int mantissas.

Each function takes Z3 terms (symbolic or concrete) for one kernel call on a
vector of ``n`` elements and returns a :class:`Step` with the status, the
outputs, the RNG state and a ``trace`` of named intermediates (the values the
range lemmas talk about). With concrete arguments, :func:`run` evaluates a step
to Python values: that is what tests/test_proofs_concrete.py compares with the
C kernels bit for bit. The preconditions every caller (the Python layer and
the kernels' first validation pass) has already established are *not*
re-encoded: valid scales (positive, finite, normal), legal widths, equal
lengths, RNG state != 0, mantissas inside their declared width.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import z3

from . import fp
from .fp import fabs, fadd, fconst, fdiv, fmax_c, fmul, i2f, sat_round, sr_arg, uniform, xorshift32

OK = 0
ERR_NONFINITE_INPUT = -5
ERR_SCALE_UNDERFLOW = -6
ERR_FLOAT_OVERFLOW = -7
ERR_RANGE_GUARD = -8
ERR_INT_OVERFLOW = -9

HA = "half_away"
SR = "sr_half_away"


def qmax(b: int) -> int:
    return (1 << (b - 1)) - 1


def qmin(b: int) -> int:
    return -(1 << (b - 1))


@dataclass
class Step:
    status: Any
    out: list = field(default_factory=list)
    scale: Any = None
    state: Any = None
    trace: dict = field(default_factory=dict)
    #: (label, reached Bool, float argument) of every float->int32 cast
    casts: list = field(default_factory=list)


class _Rounder:
    """Rounds one element per call, drawing from the RNG under SR."""

    def __init__(self, mode: str, state):
        self.mode, self.state = mode, state

    def __call__(self, v, lo, hi, label, casts, trace):
        if self.mode == SR:
            self.state = xorshift32(self.state)
            u = uniform(self.state)
            trace.setdefault("u", []).append(u)
            v = sr_arg(v, u)
            trace.setdefault("w", []).append(v)
        res, r, reached = sat_round(v, lo, hi)
        casts.append((label, reached, r))
        return res


def _scale_of(A, b):
    """s = A / (float)qMax, 1.0 when A == 0; status SCALE_UNDERFLOW if not normal."""
    s_raw = fdiv(A, fconst(fp.f32_of(qmax(b))))
    zero = z3.fpIsZero(A)
    s = z3.If(zero, fconst(1.0), s_raw)
    bad = z3.And(z3.Not(zero), z3.Not(z3.fpIsNormal(s_raw)))
    return s, bad


def float_to_sym(xs: Sequence, b: int, mode: str = HA, state=None) -> Step:
    """sym_float_to_sym: A = max|x|; s = A/qMax; m = clamp(round(x/s))."""
    st = Step(status=None, trace={})
    nonfinite = z3.Or(*[z3.Not(fp.is_finite(x)) for x in xs]) if xs else z3.BoolVal(False)
    A = fconst(0.0)
    for x in xs:
        A = fmax_c(A, fabs(x))
    s, underflow = _scale_of(A, b)
    rnd = _Rounder(mode, state)
    st.trace.update(A=A, s=s, v=[])
    for i, x in enumerate(xs):
        v = fdiv(x, s)
        st.trace["v"].append(v)
        st.out.append(rnd(v, qmin(b), qmax(b), f"m[{i}]", st.casts, st.trace))
    st.status = z3.If(nonfinite, ERR_NONFINITE_INPUT, z3.If(underflow, ERR_SCALE_UNDERFLOW, OK))
    st.scale, st.state = s, rnd.state
    return st


def requant_dynamic(ms: Sequence, s_in, b: int, mode: str = HA, order: str = "ratio", state=None) -> Step:
    """sym_requant_dynamic, both expression orders."""
    st = Step(status=None, trace={})
    mf = [i2f(m) for m in ms]
    p = [fmul(f, s_in) for f in mf]
    A = fconst(0.0)
    for pi in p:
        A = fmax_c(A, fabs(pi))
    overflow = z3.fpIsInf(A)
    s_out, underflow = _scale_of(A, b)
    rnd = _Rounder(mode, state)
    st.trace.update(A=A, s_out=s_out, p=p, mf=mf, v=[])
    lo, hi = qmin(b), qmax(b)
    if order == "ratio":
        r = fdiv(s_in, s_out)
        st.trace["r"] = r
        for i, f in enumerate(mf):
            v = fmul(f, r)
            st.trace["v"].append(v)
            st.out.append(rnd(v, lo, hi, f"m'[{i}]", st.casts, st.trace))
    elif order == "clamp_first":
        st.trace["c"] = []
        for i, pi in enumerate(p):
            v = fdiv(pi, s_out)
            c = _fclamp(v, lo, hi)
            st.trace["v"].append(v)
            st.trace["c"].append(c)
            st.out.append(rnd(c, lo, hi, f"m'[{i}]", st.casts, st.trace))
    else:
        raise ValueError(order)
    st.status = z3.If(overflow, ERR_FLOAT_OVERFLOW, z3.If(underflow, ERR_SCALE_UNDERFLOW, OK))
    st.scale, st.state = s_out, rnd.state
    return st


def _fclamp(v, lo, hi):
    """c = min(max(v, (float)lo), (float)hi) in float32 (v never NaN here)."""
    lo_f, hi_f = fconst(fp.f32_of(lo)), fconst(fp.f32_of(hi))
    c = z3.If(z3.fpLT(v, lo_f), lo_f, v)
    return z3.If(z3.fpGT(c, hi_f), hi_f, c)


def requant_fixed(ms: Sequence, s_in, target, b: int, mode: str = HA, state=None) -> Step:
    """sym_requant_fixed: m' = round(clamp((m*s_in)/t)) then saturate."""
    st = Step(status=z3.IntVal(OK), trace={"v": [], "c": []})
    rnd = _Rounder(mode, state)
    lo, hi = qmin(b), qmax(b)
    for i, m in enumerate(ms):
        v = fdiv(fmul(i2f(m), s_in), target)
        c = _fclamp(v, lo, hi)
        st.trace["v"].append(v)
        st.trace["c"].append(c)
        st.out.append(rnd(c, lo, hi, f"m'[{i}]", st.casts, st.trace))
    st.scale, st.state = target, rnd.state
    return st


def rescale_to_acc(q, s_p, s_acc) -> Step:
    """sym_rescale_to_acc: r = ((float)q*s_p)/s_acc; |r| <= guard; round(r)."""
    r = fdiv(fmul(i2f(q), s_p), s_acc)
    guard = fconst(float(fp.RESCALE_GUARD))
    ok = z3.fpLEQ(fabs(r), guard)  # false for NaN
    rounded = fp.roundf(r)
    st = Step(status=z3.If(ok, OK, ERR_RANGE_GUARD), out=[fp.cast_i32(rounded)], trace={"r": r})
    st.casts.append(("seed", ok, rounded))
    return st


def accumulate_dynamic(ts: Sequence, s_t, b: int, incs: Sequence, s_inc, mode: str = HA, state=None) -> Step:
    """sym_accumulate_dynamic: v = t*s_t + inc*s_inc; rescale dynamically."""
    st = Step(status=None, trace={"v": [], "q": []})
    vs = [fadd(fmul(i2f(t), s_t), fmul(i2f(c), s_inc)) for t, c in zip(ts, incs)]
    overflow = z3.Or(*[z3.Not(fp.is_finite(v)) for v in vs])
    A = fconst(0.0)
    for v in vs:
        A = fmax_c(A, fabs(v))
    s, underflow = _scale_of(A, b)
    rnd = _Rounder(mode, state)
    st.trace.update(A=A, s=s)
    for i, v in enumerate(vs):
        q = fdiv(v, s)
        st.trace["v"].append(v)
        st.trace["q"].append(q)
        st.out.append(rnd(q, qmin(b), qmax(b), f"t[{i}]", st.casts, st.trace))
    st.status = z3.If(overflow, ERR_FLOAT_OVERFLOW, z3.If(underflow, ERR_SCALE_UNDERFLOW, OK))
    st.scale, st.state = s, rnd.state
    return st


def accumulate_fixed(ts: Sequence, s_t, b: int, incs: Sequence, s_inc) -> Step:
    """sym_accumulate_fixed: t + rescale(inc), checked against t's width."""
    lo, hi = (fp.INT32_MIN, fp.INT32_MAX) if b == 32 else (qmin(b), qmax(b))
    st = Step(status=None, trace={"seed": [], "sum": []})
    status = z3.IntVal(OK)
    per = []
    for t, c in zip(ts, incs):
        r = rescale_to_acc(c, s_inc, s_t)
        seed = r.out[0]
        total = t + seed  # Int: exact; the obligation below is on this value
        st.trace["seed"].append(seed)
        st.trace["sum"].append(total)
        st.casts.extend(r.casts)
        per.append((r.status, z3.Or(total < lo, total > hi)))
        st.out.append(total)
    for rs, bad in reversed(per):  # first failing element decides
        status = z3.If(rs != OK, rs, z3.If(bad, ERR_INT_OVERFLOW, status))
    st.status, st.scale = status, s_t
    return st


def mac(xs: Sequence, ws: Sequence, seed) -> Step:
    """The int32 dot-product accumulator: acc = seed; acc += x_i*w_i.

    ``trace['acc']`` lists every partial sum (each must lie in int32; the C
    harness proofs/harness/mac_harness.c is this loop)."""
    st = Step(status=z3.IntVal(OK), trace={"acc": [], "prod": []})
    acc = seed
    for x, w in zip(xs, ws):
        p = x * w
        acc = acc + p
        st.trace["prod"].append(p)
        st.trace["acc"].append(acc)
    st.out = [acc]
    return st


def value_sum(qs: Sequence) -> Step:
    """Integer sum of mantissas (pools, LayerNorm mean)."""
    st = Step(status=z3.IntVal(OK), trace={"acc": []})
    acc = z3.IntVal(0)
    for q in qs:
        acc = acc + q
        st.trace["acc"].append(acc)
    st.out = [acc]
    return st


# ------------------------------------------------------------------ concrete
def F(x: float):
    """Concrete float32 argument (exact bits of float32(x))."""
    return fconst(x)


def I(i: int):
    return z3.IntVal(int(i))


def S(state: int):
    return z3.BitVecVal(int(state), 32)


def run(step: Step) -> dict:
    """Evaluate a step built from concrete arguments to Python values."""
    status = fp.ev(step.status)
    res = {"status": status}
    if status == OK:
        res["out"] = [fp.ev(o) for o in step.out]
        res["scale"] = fp.ev(step.scale) if step.scale is not None else None
    res["state"] = fp.ev(step.state) if step.state is not None else None
    return res
