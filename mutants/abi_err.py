"""C-ABI cases of the mutation gold suite for the error detail of the
primitives' ``sym_<kernel>_ex`` entry points: every failure of every
primitive, with the ``sym_err`` it must fill (status, the field it names,
the element index or -1, a reason) and its output view left untouched.

The expected field and index follow from the header contracts
(``kernels/include/sym_round.h``, ``sym_convert.h``, ``sym_requant.h``,
``sym_accumulate.h``) in plain Python: the first element at fault, the
first element whose magnitude is the absmax. Same ``label`` / ``run``
interface as :class:`symverify.mutants.abi.AbiCase`.
"""
from __future__ import annotations

import dataclasses
import struct
from dataclasses import dataclass, field
from typing import Any, Callable

from symverify.errors import STATUS_CODES, status_name

__all__ = ["ErrCase", "CASES"]

FLT_MAX = struct.unpack("<f", struct.pack("<I", 0x7F7FFFFF))[0]
MIN_NORMAL = 2.0 ** -126
SENTINEL = 0x5A5AA5A5
SCALE_SENTINEL = -1.0
HALF_AWAY, SR = 0, 1


@dataclass
class ErrCase:
    """One failing ``sym_<kernel>_ex`` call: ``fields`` fill the args struct
    (a tensor field is ``(mantissas, scale, bits)``, ``out`` is the length of
    the output view or None for NULL, a callable gets the struct and the
    buffers after they are filled)."""

    name: str
    kernel: str
    fields: dict[str, Any]
    status: str
    arg: str
    index: int = -1
    family: str = "abi_err"
    reason: str | None = None   # the exact sym_err.reason, where a case pins it
    patch: Callable[[Any, Any, dict[str, Any]], None] | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return f"{self.family}/{self.name}"

    def run(self, ffi: Any, lib: Any) -> str | None:
        return _run(ffi, lib, self)


def _i32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def _run(ffi: Any, lib: Any, c: ErrCase) -> str | None:
    entry = "sym_sym_to_float_ex" if c.kernel == "sym_to_float" else f"sym_{c.kernel}_ex"
    a = ffi.new(f"sym_{c.kernel}_args *")
    bufs: dict[str, Any] = {}
    out_view = None
    for name, v in c.fields.items():
        if name == "args":
            continue
        if name == "out":
            if v is None:
                a.out = ffi.NULL
                continue
            if c.kernel in ("round_half_away", "rescale_to_acc"):
                b = ffi.new("int32_t[]", [_i32(SENTINEL)] * 2)
                a.out = b
            else:
                b = ffi.new("int32_t[]", [_i32(SENTINEL)] * (max(v, 1) + 2))
                out_view = ffi.new("sym_view *", {"m": b, "n": v, "scale": SCALE_SENTINEL, "bits": 77})
                a.out = out_view
            bufs["out"] = b
        elif name in ("t", "target", "inc"):
            m, scale, bits = v
            b = ffi.new("int32_t[]", list(m) or [0])
            bufs[name] = b
            view = getattr(a, name)
            view.m, view.n, view.scale, view.bits = b, len(m), scale, bits
        elif name == "x" and isinstance(v, list):
            b = ffi.new("float[]", v or [0.0])
            bufs["x"] = b
            a.x, a.n = b, len(v)
        elif name == "m" and isinstance(v, list):
            b = ffi.new("int32_t[]", v or [0])
            bufs["m"] = b
            a.m, a.n = b, len(v)
        elif name == "y":
            b = ffi.new("float[]", max(v, 1))
            bufs["y"] = b
            a.y = b
        elif name == "round":
            mode, state = v
            a.round.mode, a.round.order = mode, 0
            if state is None:
                a.round.rng_state = ffi.NULL
            else:
                r = ffi.new("uint32_t *", state)
                bufs["rng"] = r
                a.round.rng_state = r
        elif name == "order":
            a.round.order = v
        else:
            setattr(a, name, v)
    if c.patch is not None:
        c.patch(ffi, a, bufs)
    args = ffi.NULL if "args" in c.fields else a
    err = ffi.new("sym_err *", {"status": 0, "index": -77})
    rc = getattr(lib, entry)(args, err)
    want = STATUS_CODES[c.status]
    if rc != want:
        return f"status {status_name(rc)} != expected {c.status}"
    if err.status != want:
        return f"sym_err.status {status_name(err.status)} != {c.status}"
    got_arg = ffi.string(err.arg).decode() if err.arg != ffi.NULL else None
    if got_arg != c.arg:
        return f"sym_err.arg {got_arg!r} != expected {c.arg!r}"
    if err.index != c.index:
        return f"sym_err.index {err.index} != expected {c.index}"
    if err.reason == ffi.NULL or not ffi.string(err.reason):
        return "sym_err.reason is NULL or empty"
    if c.reason is not None and ffi.string(err.reason).decode() != c.reason:
        return f"sym_err.reason {ffi.string(err.reason).decode()!r} != {c.reason!r}"
    if "out" in bufs and c.fields.get("out") is not None and c.status != "SYM_ERR_ALIAS":
        n = 2 if out_view is None else max(c.fields["out"], 1) + 2
        if any(bufs["out"][j] != _i32(SENTINEL) for j in range(n)):
            return "an output element was written on error"
        if out_view is not None and (out_view.scale != SCALE_SENTINEL or out_view.bits != 77):
            return "the output view's scale or width was written on error"
    return None


def _null(field_name: str) -> Callable[[Any, Any, dict[str, Any]], None]:
    """Set a pointer field (``x``, ``t.m``, ``out.m``, ...) to NULL after filling."""
    def patch(ffi: Any, a: Any, bufs: dict[str, Any]) -> None:
        obj = a
        parts = field_name.split(".")
        for p in parts[:-1]:
            obj = getattr(obj, p)
        setattr(obj, parts[-1], ffi.NULL)
    return patch


def _point(dst: str, src: str, offset: int = 0, ctype: str = "int32_t *") -> Callable[[Any, Any, dict[str, Any]], None]:
    """Point field ``dst`` into buffer ``src`` at element ``offset`` (an overlap)."""
    def patch(ffi: Any, a: Any, bufs: dict[str, Any]) -> None:
        obj = a
        parts = dst.split(".")
        for p in parts[:-1]:
            obj = getattr(obj, p)
        setattr(obj, parts[-1], ffi.cast(ctype, ffi.cast("int32_t *", bufs[src]) + offset))
    return patch


def _view_in(src: str) -> Callable[[Any, Any, dict[str, Any]], None]:
    """Move the output view struct itself into buffer ``src`` (its scale
    then lies inside that buffer: an overlap)."""
    def patch(ffi: Any, a: Any, bufs: dict[str, Any]) -> None:
        v = ffi.cast("sym_view *", bufs[src])
        m, n, scale, bits = a.out.m, a.out.n, a.out.scale, a.out.bits
        v.m, v.n, v.scale, v.bits = m, n, scale, bits
        a.out = v
    return patch


def _rng_at_out_scale(ffi: Any, a: Any, bufs: dict[str, Any]) -> None:
    """Point the RNG state at the output view's scale (an overlap)."""
    a.round.rng_state = ffi.cast("uint32_t *", ffi.addressof(a.out[0], "scale"))


CASES: list[ErrCase] = []


def _add(*cases: ErrCase) -> None:
    CASES.extend(cases)


T1 = ([3, -2, 1], 0.5, 12)

# ---- round_half_away
_add(ErrCase("round_args_null", "round_half_away", {"args": None, "x": 1.0, "out": 1}, "SYM_ERR_NULL", "args"),
     ErrCase("round_out_null", "round_half_away", {"x": 1.0, "out": None}, "SYM_ERR_NULL", "out"),
     ErrCase("round_nan", "round_half_away", {"x": float("nan"), "out": 1}, "SYM_ERR_CAST_RANGE", "x"),
     ErrCase("round_two_pow_31", "round_half_away", {"x": 2.0 ** 31, "out": 1}, "SYM_ERR_CAST_RANGE", "x"))

# ---- float_to_sym
F = {"x": [1.0, -2.0, 0.5], "q_max_bits": 8, "round": (HALF_AWAY, None), "out": 3}
_add(ErrCase("f2s_args_null", "float_to_sym", {**F, "args": None}, "SYM_ERR_NULL", "args"),
     ErrCase("f2s_out_null", "float_to_sym", {**F, "out": None}, "SYM_ERR_NULL", "out"),
     ErrCase("f2s_out_n", "float_to_sym", {**F, "out": 2}, "SYM_ERR_SHAPE", "out.n"),
     ErrCase("f2s_x_null", "float_to_sym", F, "SYM_ERR_NULL", "x", patch=_null("x")),
     ErrCase("f2s_out_m_null", "float_to_sym", F, "SYM_ERR_NULL", "out.m", patch=_null("out.m")),
     ErrCase("f2s_empty", "float_to_sym", {**F, "x": [], "out": 0}, "SYM_ERR_EMPTY", "n"),
     ErrCase("f2s_width_1", "float_to_sym", {**F, "q_max_bits": 1}, "SYM_ERR_BAD_WIDTH", "q_max_bits"),
     ErrCase("f2s_width_32", "float_to_sym", {**F, "q_max_bits": 32}, "SYM_ERR_BAD_WIDTH", "q_max_bits"),
     ErrCase("f2s_mode", "float_to_sym", {**F, "round": (2, None)}, "SYM_ERR_BAD_ROUNDING", "round.mode"),
     ErrCase("f2s_rng_null", "float_to_sym", {**F, "round": (SR, None)}, "SYM_ERR_NULL", "round.rng_state"),
     ErrCase("f2s_rng_zero", "float_to_sym", {**F, "round": (SR, 0)}, "SYM_ERR_BAD_RNG", "round.rng_state"),
     ErrCase("f2s_alias_out", "float_to_sym", F, "SYM_ERR_ALIAS", "out", patch=_point("out.m", "x", 1)),
     ErrCase("f2s_alias_rng", "float_to_sym", {**F, "round": (SR, 7)}, "SYM_ERR_ALIAS", "round.rng_state",
             patch=_point("round.rng_state", "x", 2, "uint32_t *")),
     ErrCase("f2s_nonfinite_2", "float_to_sym", {**F, "x": [1.0, 2.0, float("inf"), float("nan")], "out": 4},
             "SYM_ERR_NONFINITE_INPUT", "x", 2),
     ErrCase("f2s_nonfinite_0", "float_to_sym", {**F, "x": [float("nan"), 1.0], "out": 2},
             "SYM_ERR_NONFINITE_INPUT", "x", 0),
     ErrCase("f2s_underflow_first_max", "float_to_sym",
             {**F, "x": [0.0, -2.0 ** -120, 2.0 ** -121, 2.0 ** -120], "q_max_bits": 12, "out": 4},
             "SYM_ERR_SCALE_UNDERFLOW", "x", 1))

T8 = ([3, -2, 1, 0, 5, -7, 2, 1], 0.5, 12)
X8 = [1.0, -2.0, 0.5, 0.0, 3.0, -1.0, 0.25, 2.0]
_add(ErrCase("f2s_view_in_x", "float_to_sym", {**F, "x": X8, "out": 8}, "SYM_ERR_ALIAS", "out", patch=_view_in("x")),
     ErrCase("f2s_view_in_out_m", "float_to_sym", {**F, "x": X8, "out": 8}, "SYM_ERR_ALIAS", "out",
             patch=_view_in("out")),
     ErrCase("f2s_rng_at_scale", "float_to_sym", {**F, "round": (SR, 7)}, "SYM_ERR_ALIAS", "round.rng_state",
             patch=_rng_at_out_scale))

# ---- sym_to_float
S = {"t": T1, "y": 3}
_add(ErrCase("s2f_args_null", "sym_to_float", {**S, "args": None}, "SYM_ERR_NULL", "args"),
     ErrCase("s2f_t_null", "sym_to_float", S, "SYM_ERR_NULL", "t.m", patch=_null("t.m")),
     ErrCase("s2f_y_null", "sym_to_float", S, "SYM_ERR_NULL", "y", patch=_null("y")),
     ErrCase("s2f_empty", "sym_to_float", {**S, "t": ([], 0.5, 12)}, "SYM_ERR_EMPTY", "t.n"),
     ErrCase("s2f_scale", "sym_to_float", {**S, "t": ([1], 0.0, 12)}, "SYM_ERR_BAD_SCALE", "t.scale"),
     ErrCase("s2f_alias", "sym_to_float", S, "SYM_ERR_ALIAS", "y", patch=_point("y", "t", 1, "float *")),
     ErrCase("s2f_overflow_1", "sym_to_float", {**S, "t": ([1, 2, -3], FLT_MAX, 12)}, "SYM_ERR_FLOAT_OVERFLOW", "t", 1),
     ErrCase("s2f_overflow_2", "sym_to_float", {**S, "t": ([0, 1, -2], FLT_MAX, 12)}, "SYM_ERR_FLOAT_OVERFLOW", "t", 2))

# ---- int_to_sym
I = {"m": [5, -6, 7], "out": 3}
_add(ErrCase("i2s_args_null", "int_to_sym", {**I, "args": None}, "SYM_ERR_NULL", "args"),
     ErrCase("i2s_out_null", "int_to_sym", {**I, "out": None}, "SYM_ERR_NULL", "out"),
     ErrCase("i2s_out_n", "int_to_sym", {**I, "out": 4}, "SYM_ERR_SHAPE", "out.n"),
     ErrCase("i2s_m_null", "int_to_sym", I, "SYM_ERR_NULL", "m", patch=_null("m")),
     ErrCase("i2s_out_m_null", "int_to_sym", I, "SYM_ERR_NULL", "out.m", patch=_null("out.m")),
     ErrCase("i2s_empty", "int_to_sym", {"m": [], "out": 0}, "SYM_ERR_EMPTY", "n"),
     ErrCase("i2s_alias", "int_to_sym", I, "SYM_ERR_ALIAS", "out", patch=_point("out.m", "m", 1)))

_add(ErrCase("i2s_view_in_m", "int_to_sym", {"m": T8[0], "out": 8}, "SYM_ERR_ALIAS", "out", patch=_view_in("m")),
     ErrCase("i2s_view_in_out_m", "int_to_sym", {"m": T8[0], "out": 8}, "SYM_ERR_ALIAS", "out",
             patch=_view_in("out")))

# ---- requant_dynamic / requant_fixed
R = {"t": T1, "q_max_bits": 8, "round": (HALF_AWAY, None), "out": 3}
RF = {**R, "target_scale": 0.25}
for kern, base, tag in (("requant_dynamic", R, "rqd"), ("requant_fixed", RF, "rqf")):
    _add(ErrCase(f"{tag}_args_null", kern, {**base, "args": None}, "SYM_ERR_NULL", "args"),
         ErrCase(f"{tag}_out_null", kern, {**base, "out": None}, "SYM_ERR_NULL", "out"),
         ErrCase(f"{tag}_out_n", kern, {**base, "out": 2}, "SYM_ERR_SHAPE", "out.n"),
         ErrCase(f"{tag}_t_null", kern, base, "SYM_ERR_NULL", "t.m", patch=_null("t.m")),
         ErrCase(f"{tag}_out_m_null", kern, base, "SYM_ERR_NULL", "out.m", patch=_null("out.m")),
         ErrCase(f"{tag}_empty", kern, {**base, "t": ([], 0.5, 12), "out": 0}, "SYM_ERR_EMPTY", "t.n"),
         ErrCase(f"{tag}_width_17", kern, {**base, "q_max_bits": 17}, "SYM_ERR_BAD_WIDTH", "q_max_bits"),
         ErrCase(f"{tag}_width_1", kern, {**base, "q_max_bits": 1}, "SYM_ERR_BAD_WIDTH", "q_max_bits"),
         ErrCase(f"{tag}_mode", kern, {**base, "round": (5, None)}, "SYM_ERR_BAD_ROUNDING", "round.mode"),
         ErrCase(f"{tag}_rng_null", kern, {**base, "round": (SR, None)}, "SYM_ERR_NULL", "round.rng_state"),
         ErrCase(f"{tag}_rng_zero", kern, {**base, "round": (SR, 0)}, "SYM_ERR_BAD_RNG", "round.rng_state"),
         ErrCase(f"{tag}_alias_out", kern, base, "SYM_ERR_ALIAS", "out", patch=_point("out.m", "t", 1)),
         ErrCase(f"{tag}_alias_rng", kern, {**base, "round": (SR, 9)}, "SYM_ERR_ALIAS", "round.rng_state",
                 patch=_point("round.rng_state", "t", 1, "uint32_t *")),
         ErrCase(f"{tag}_scale", kern, {**base, "t": ([1], float("inf"), 12), "out": 1}, "SYM_ERR_BAD_SCALE", "t.scale"))
_add(ErrCase("rqd_order", "requant_dynamic", {**R, "order": 2}, "SYM_ERR_BAD_ORDER", "round.order"),
     ErrCase("rqd_overflow_1", "requant_dynamic", {**R, "t": ([1, 2, -2], FLT_MAX, 32)}, "SYM_ERR_FLOAT_OVERFLOW", "t", 1),
     ErrCase("rqd_overflow_2", "requant_dynamic", {**R, "t": ([1, 0, -3], FLT_MAX, 32)}, "SYM_ERR_FLOAT_OVERFLOW", "t", 2),
     ErrCase("rqd_underflow_first_max", "requant_dynamic", {**R, "t": ([0, -1, 1], MIN_NORMAL, 32), "q_max_bits": 16},
             "SYM_ERR_SCALE_UNDERFLOW", "t", 1),
     ErrCase("rqd_underflow_0", "requant_dynamic", {**R, "t": ([1, 0, -1], MIN_NORMAL, 32), "q_max_bits": 16},
             "SYM_ERR_SCALE_UNDERFLOW", "t", 0),
     ErrCase("rqd_view_in_t", "requant_dynamic", {**R, "t": T8, "out": 8}, "SYM_ERR_ALIAS", "out",
             patch=_view_in("t")),
     ErrCase("rqd_view_in_out_m", "requant_dynamic", {**R, "t": T8, "out": 8}, "SYM_ERR_ALIAS", "out",
             patch=_view_in("out")),
     ErrCase("rqd_rng_at_scale", "requant_dynamic", {**R, "round": (SR, 7)}, "SYM_ERR_ALIAS", "round.rng_state",
             patch=_rng_at_out_scale),
     ErrCase("rqf_target", "requant_fixed", {**RF, "target_scale": 0.0}, "SYM_ERR_BAD_SCALE", "target_scale"),
     ErrCase("rqf_target_nan", "requant_fixed", {**RF, "target_scale": float("nan")}, "SYM_ERR_BAD_SCALE",
             "target_scale"))

# ---- rescale_to_acc
Q = {"q": 3, "param_scale": 1.0, "acc_scale": 1.0, "out": 1}
_add(ErrCase("rsc_args_null", "rescale_to_acc", {**Q, "args": None}, "SYM_ERR_NULL", "args"),
     ErrCase("rsc_out_null", "rescale_to_acc", {**Q, "out": None}, "SYM_ERR_NULL", "out"),
     ErrCase("rsc_param_scale", "rescale_to_acc", {**Q, "param_scale": -1.0}, "SYM_ERR_BAD_SCALE", "param_scale"),
     ErrCase("rsc_acc_scale", "rescale_to_acc", {**Q, "acc_scale": 2.0 ** -130}, "SYM_ERR_BAD_SCALE", "acc_scale"),
     ErrCase("rsc_guard", "rescale_to_acc", {**Q, "q": 1073774592}, "SYM_ERR_RANGE_GUARD", "q"),
     ErrCase("rsc_guard_neg", "rescale_to_acc", {**Q, "q": -3, "param_scale": FLT_MAX, "acc_scale": MIN_NORMAL},
             "SYM_ERR_RANGE_GUARD", "q"))

# ---- accumulate_dynamic / accumulate_fixed
AD = {"target": ([1, -1, 2], 0.5, 8), "inc": ([3, 0, -1], 0.25, 12), "round": (HALF_AWAY, None), "out": 3}
AF = {k: v for k, v in AD.items() if k != "round"}
for kern, base, tag in (("accumulate_dynamic", AD, "acd"), ("accumulate_fixed", AF, "acf")):
    _add(ErrCase(f"{tag}_args_null", kern, {**base, "args": None}, "SYM_ERR_NULL", "args"),
         ErrCase(f"{tag}_out_null", kern, {**base, "out": None}, "SYM_ERR_NULL", "out"),
         ErrCase(f"{tag}_out_n", kern, {**base, "out": 4}, "SYM_ERR_SHAPE", "out.n"),
         ErrCase(f"{tag}_target_null", kern, base, "SYM_ERR_NULL", "target.m", patch=_null("target.m")),
         ErrCase(f"{tag}_inc_null", kern, base, "SYM_ERR_NULL", "inc.m", patch=_null("inc.m")),
         ErrCase(f"{tag}_out_m_null", kern, base, "SYM_ERR_NULL", "out.m", patch=_null("out.m")),
         ErrCase(f"{tag}_empty_target", kern, {**base, "target": ([], 0.5, 8), "out": 0}, "SYM_ERR_EMPTY", "target.n"),
         ErrCase(f"{tag}_empty_inc", kern, {**base, "inc": ([], 0.5, 8)}, "SYM_ERR_EMPTY", "inc.n"),
         ErrCase(f"{tag}_shape", kern, {**base, "inc": ([1, 2], 0.5, 8)}, "SYM_ERR_SHAPE", "inc.n"),
         ErrCase(f"{tag}_alias_inc", kern, base, "SYM_ERR_ALIAS", "inc", patch=_point("inc.m", "target", 2)),
         ErrCase(f"{tag}_alias_out_target", kern, base, "SYM_ERR_ALIAS", "out", patch=_point("out.m", "target", 1)),
         ErrCase(f"{tag}_alias_out_inc", kern, base, "SYM_ERR_ALIAS", "out", patch=_point("out.m", "inc", 0)),
         ErrCase(f"{tag}_scale_target", kern, {**base, "target": ([1, -1, 2], 0.0, 8)}, "SYM_ERR_BAD_SCALE",
                 "target.scale"),
         ErrCase(f"{tag}_scale_inc", kern, {**base, "inc": ([3, 0, -1], float("nan"), 12)}, "SYM_ERR_BAD_SCALE",
                 "inc.scale"))
_add(ErrCase("acd_width_17", "accumulate_dynamic", {**AD, "target": ([1, -1, 2], 0.5, 17)}, "SYM_ERR_BAD_WIDTH",
             "target.bits"),
     ErrCase("acd_width_1", "accumulate_dynamic", {**AD, "target": ([1, -1, 0], 0.5, 1)}, "SYM_ERR_BAD_WIDTH",
             "target.bits"),
     ErrCase("acd_mode", "accumulate_dynamic", {**AD, "round": (3, None)}, "SYM_ERR_BAD_ROUNDING", "round.mode"),
     ErrCase("acd_rng_null", "accumulate_dynamic", {**AD, "round": (SR, None)}, "SYM_ERR_NULL", "round.rng_state"),
     ErrCase("acd_rng_zero", "accumulate_dynamic", {**AD, "round": (SR, 0)}, "SYM_ERR_BAD_RNG", "round.rng_state"),
     ErrCase("acd_alias_rng_out", "accumulate_dynamic", {**AD, "round": (SR, 5)}, "SYM_ERR_ALIAS", "round.rng_state",
             patch=_point("round.rng_state", "out", 1, "uint32_t *")),
     ErrCase("acd_alias_rng_target", "accumulate_dynamic", {**AD, "round": (SR, 5)}, "SYM_ERR_ALIAS",
             "round.rng_state", patch=_point("round.rng_state", "target", 2, "uint32_t *")),
     ErrCase("acd_alias_rng_inc", "accumulate_dynamic", {**AD, "round": (SR, 5)}, "SYM_ERR_ALIAS",
             "round.rng_state", patch=_point("round.rng_state", "inc", 2, "uint32_t *")),
     ErrCase("acd_view_in_target", "accumulate_dynamic", {**AD, "target": (T8[0], 0.5, 8),
             "inc": ([1] * 8, 0.5, 8), "out": 8}, "SYM_ERR_ALIAS", "out", patch=_view_in("target")),
     ErrCase("acd_view_in_inc", "accumulate_dynamic", {**AD, "target": (T8[0], 0.5, 8),
             "inc": ([1] * 8, 0.5, 8), "out": 8}, "SYM_ERR_ALIAS", "out", patch=_view_in("inc")),
     ErrCase("acd_view_in_out_m", "accumulate_dynamic", {**AD, "target": (T8[0], 0.5, 8),
             "inc": ([1] * 8, 0.5, 8), "out": 8}, "SYM_ERR_ALIAS", "out", patch=_view_in("out")),
     ErrCase("acd_rng_at_scale", "accumulate_dynamic", {**AD, "round": (SR, 7)}, "SYM_ERR_ALIAS", "round.rng_state",
             patch=_rng_at_out_scale),
     ErrCase("acd_overflow_1", "accumulate_dynamic",
             {**AD, "target": ([1, 2, 2], FLT_MAX, 8), "inc": ([0, 0, 0], 1.0, 8)}, "SYM_ERR_FLOAT_OVERFLOW", "inc", 1),
     ErrCase("acd_overflow_nan_2", "accumulate_dynamic",
             {**AD, "target": ([1, 0, 2], FLT_MAX, 8), "inc": ([0, 0, -2], FLT_MAX, 8)}, "SYM_ERR_FLOAT_OVERFLOW",
             "inc", 2),
     ErrCase("acd_underflow_first_max", "accumulate_dynamic",
             {**AD, "target": ([0, 1, -1], MIN_NORMAL, 16), "inc": ([0, 0, 0], 1.0, 8)}, "SYM_ERR_SCALE_UNDERFLOW",
             "target", 1),
     ErrCase("acf_width_33", "accumulate_fixed", {**AF, "target": ([1, -1, 2], 0.5, 33)}, "SYM_ERR_BAD_WIDTH",
             "target.bits"),
     ErrCase("acf_width_1", "accumulate_fixed", {**AF, "target": ([0, -1, 0], 0.5, 1)}, "SYM_ERR_BAD_WIDTH",
             "target.bits"),
     ErrCase("acf_guard_1", "accumulate_fixed",
             {**AF, "target": ([0, 0, 0], 1.0, 32), "inc": ([1, 2, 4], 2.0 ** 30, 32)}, "SYM_ERR_RANGE_GUARD", "inc", 1),
     ErrCase("acf_outside_width_1", "accumulate_fixed",
             {**AF, "target": ([0, 200, -300], 1.0, 8), "inc": ([0, 0, 0], 1.0, 8)}, "SYM_ERR_INT_OVERFLOW",
             "target", 1),
     ErrCase("acf_below_width_2", "accumulate_fixed",
             {**AF, "target": ([0, 1, -129], 1.0, 8), "inc": ([0, 0, 0], 1.0, 8)}, "SYM_ERR_INT_OVERFLOW",
             "target", 2),
     ErrCase("acf_sum_above_1", "accumulate_fixed",
             {**AF, "target": ([0, 127, 0], 1.0, 8), "inc": ([0, 1, 0], 1.0, 8)}, "SYM_ERR_INT_OVERFLOW", "target", 1),
     ErrCase("acf_sum_below_2", "accumulate_fixed",
             {**AF, "target": ([0, 0, -128], 1.0, 8), "inc": ([5, 0, -1], 1.0, 8)}, "SYM_ERR_INT_OVERFLOW", "target", 2))

#: the exact reason of one case per reason text of the requant cores and the
#: shared _ex helpers (the other cases pin status, field and index)
REASONS: dict[str, str] = {
    "rsc_out_null": "out is NULL",
    "rqd_out_null": "out is NULL",
    "rqd_out_n": "out.n must equal the input length",
    "rqd_out_m_null": "out.m is NULL",
    "rqd_t_null": "t.m is NULL",
    "rqd_empty": "t needs at least one element",
    "rqd_alias_out": "out.m overlaps t.m partially (only out.m == t.m is allowed)",
    "rqd_alias_rng": "the RNG state overlaps t.m or out.m",
    "rqd_view_in_t": "out.scale lies inside t.m or out.m",
    "rqd_rng_at_scale": "the RNG state overlaps out.scale",
    "rqd_overflow_1": "|m * s_in| overflows float32: absmax is inf",
    "rqd_underflow_0": "absmax / qMax must be a normal float32 (>= 2^-126): absmax is too small",
    "rsc_guard": "q * param_scale / acc_scale exceeds the rescale guard |r| <= 1073774591",
    "rqd_width_17": "q_max_bits must be 2..16",
    "rqd_mode": "rounding must be SYM_HALF_AWAY or SYM_SR_HALF_AWAY",
    "rqd_rng_zero": "SR_HALF_AWAY needs an RNG state that is not 0",
    "rqd_order": "order must be SYM_ORDER_RATIO or SYM_ORDER_CLAMP_FIRST",
    "rqd_scale": "a scale must be a positive, finite, normal float32",
    "rqf_target": "a scale must be a positive, finite, normal float32",
    "rqd_args_null": "the args struct is NULL",
}
#: reasons that one status always has, whichever kernel reports it: every
#: case with that status pins it (a changed text at any site is caught)
REASON_OF_STATUS: dict[str, str] = {
    "SYM_ERR_BAD_SCALE": "a scale must be a positive, finite, normal float32",
}
CASES = [dataclasses.replace(c, reason=REASONS.get(c.name, REASON_OF_STATUS.get(c.status))) for c in CASES]
assert {c.name for c in CASES if c.name in REASONS} == set(REASONS)
