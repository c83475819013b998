"""C-ABI cases of the layer steps (``sym_<kernel>(const sym_<kernel>_args *,
sym_err *)``, docs/layers.md "C ABI"): what the golden vectors cannot reach
because every vector is a well-formed Python call: NULL structs and buffers,
output views and scratch of the wrong length, invalid modes, and which
argument ``sym_err`` names for each failure.

Each step gets a valid base call (must be SYM_OK) and a table of
variations. A variation listed as SYM_OK (a width at the end of its range)
must be accepted; any other must return the listed status, name the listed
argument in ``sym_err.arg`` with the reason pinned in
:mod:`mutants.layer_step_reasons`, write no output, loss or RNG state, and return
the same status with a NULL ``sym_err``. Expected statuses and names come
from the header contracts (kernels/include/*.h), never from running the C;
the outputs of every accepted call must equal those of the independent
emulator (sv.emulate) bit for bit.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from symverify.errors import STATUS_CODES
from symverify.layers_abi import call

from .abi import AbiCase
from .layer_step_reasons import REASONS

S = STATUS_CODES
FLT_MAX = float(np.finfo(np.float32).max)
TINY = float(np.float32(2.0 ** -126))


@dataclass
class Raw:
    """A tensor argument as the C sees it (no SymTensor validation)."""
    mantissas: Any
    scale: float
    q_max_bits: int


def T(m: Any, scale: float = 0.5, bits: int = 8) -> Raw:
    return Raw(np.asarray(m, dtype=np.int64), scale, bits)


Spec = dict[str, Any]
Variation = tuple[str, Callable[[Spec], None], str, str]


def _set(path: str, value: Any) -> Callable[[Spec], None]:
    """A variation that sets ``spec[a][b] = value`` (``"t.x.scale"``: a tensor field)."""
    parts = path.split(".")

    def apply(spec: Spec) -> None:
        if parts[0] == "t" and len(parts) == 3:
            setattr(spec["t"][parts[1]], parts[2], value)
        elif parts[0] in ("t", "s"):
            spec[parts[0]][parts[1]] = value
        else:
            spec[parts[0]] = value
    return apply


def _patch(*edits: tuple[str, Any]) -> Callable[[Spec], None]:
    """A variation that edits the filled struct (``("out", NULL)``, ``("x.n", 0)``)."""
    def apply(spec: Spec) -> None:
        def patch(args: Any) -> None:
            for path, value in edits:
                obj = args
                *head, last = path.split(".")
                for h in head:
                    obj = getattr(obj, h)
                setattr(obj, last, spec["ffi"].NULL if value is None else value)
        spec["patch"] = patch
    return apply


def _overlap(offset: int) -> Callable[[Spec], None]:
    """quant_backward with out.m placed `offset` elements from dy.m inside one
    12-element arena (dy at [4, 8)): a partial overlap for |offset| < 4."""
    def apply(spec: Spec) -> None:
        def patch(args: Any) -> None:
            ffi = spec["ffi"]
            arena = ffi.new("int32_t[12]", [0, 0, 0, 0, 1, -2, 3, 0, 0, 0, 0, 0])
            spec["arena"] = arena
            args.dy.m = arena + 4
            args.out.m = arena + 4 + offset
        spec["patch"] = patch
    return apply


def _both(*fs: Callable[[Spec], None]) -> Callable[[Spec], None]:
    def apply(spec: Spec) -> None:
        for f in fs:
            f(spec)
    return apply


def _run(ffi: Any, lib: Any, kernel: str, spec: Spec) -> Any:
    return call(ffi, lib, kernel, spec["t"], rounding=spec["rounding"], order=spec["order"],
                rng_state=spec["rng"], patch=spec.get("patch"), **spec["s"])


def _null_err_status(ffi: Any, lib: Any, kernel: str, spec: Spec) -> int:
    """The status of the same call with a NULL sym_err (via a patched entry table)."""
    class _NoErr:
        def __getattr__(self, name: str) -> Any:
            fn = getattr(lib, name)
            return lambda a, e: fn(a, ffi.NULL)
    return call(ffi, _NoErr(), kernel, spec["t"], rounding=spec["rounding"], order=spec["order"],
                rng_state=spec["rng"], patch=spec.get("patch"), **spec["s"]).status


def _emulated(kernel: str, spec: Spec) -> dict[str, Any]:
    """The outputs sv.emulate (the independent float32 emulator) gives for a
    valid spec, keyed as layers_abi names them: the oracle of the SYM_OK calls."""
    import symverify.emulate as E
    from symverify.types import Rng, SymTensor

    t = {k: None if v is None else SymTensor(np.asarray(v.mantissas), np.float32(v.scale), v.q_max_bits)
         for k, v in spec["t"].items()}
    s, r = spec["s"], spec["rounding"]
    rng = Rng(1) if spec["rng"] is None else Rng(1)
    if spec["rng"] is not None:
        rng.state = spec["rng"]
    if kernel == "quant_forward":
        out: Any = {"out": E.quant_forward(t["x"], s["q_max_bits"], r, spec["order"], rng)}
    elif kernel == "quant_backward":
        out = {"out": E.quant_backward(t["dy"])}
    elif kernel == "linear_forward":
        out = {"out": E.linear_forward(t["x"], t["w"], t.get("b"), s.get("out_bits") or None, r, spec["order"], rng)}
    elif kernel == "linear_backward":
        dx, gw, gb = E.linear_backward(t["x"], t["w"], t["dy"], t["grad_w"], t.get("grad_b"), s["dx_bits"], r,
                                       spec["order"], rng)
        out = {"dx": dx, "grad_w": gw, **({"grad_b": gb} if gb is not None else {})}
    elif kernel == "layernorm_forward":
        out = {"out": E.layernorm_forward(t["x"], t["gamma"], t["beta"], s["norm_bits"], s["eps"], r, rng)}
    elif kernel == "layernorm_backward":
        out = {"out": E.layernorm_backward(t["x"], t["gamma"], t["dy"], s["dx_bits"], s["eps"], r, rng)}
    elif kernel == "mse_loss":
        loss, dy = E.mse_loss(t["y"], s["target"], s["grad_bits"], r, rng)
        out = {"loss": np.float32(loss), "dy": dy}
    else:
        out = {"out": E.sgd_update(t["param"], t["grad"], s["lr"], r, rng)}
    out["rng_state"] = rng.state if spec["rng"] is not None else None
    return out


def _same_as_emulator(kernel: str, spec: Spec, res: Any) -> "str | None":
    want = _emulated(kernel, spec)
    if want.pop("rng_state") != res.rng_state:
        return f"RNG state {res.rng_state} != emulator's"
    if set(want) != set(res.outputs):
        return f"outputs {sorted(res.outputs)} != {sorted(want)}"
    for name, w in want.items():
        got = res.outputs[name]
        if name == "loss":
            if np.float32(got).view(np.uint32) != np.float32(w).view(np.uint32):
                return f"loss {got!r} != emulator's {w!r}"
            continue
        m, scale, bits = got
        if (m.tolist(), int(np.float32(scale).view(np.uint32)), bits) != (
                w.mantissas.tolist(), int(w.scale.view(np.uint32)), w.q_max_bits):
            return f"{name} {m.tolist()} * {scale!r} ({bits} bits) != emulator's {w!r}"
    return None


def _reason_differs(kernel: str, label: str, got: str) -> "str | None":
    """None if ``got`` is exactly the reason pinned for this variation."""
    want = REASONS.get(kernel, {}).get(label)
    if want is None:
        return f"sym_{kernel} ({label}): no pinned sym_err.reason (mutants/layer_step_reasons.py)"
    return None if got == want else f"sym_{kernel} ({label}): sym_err.reason {got!r} != {want!r}"


def arg_index(want_arg: str) -> tuple[str, int]:
    """``"x.m[4]"`` -> ``("x.m", 4)``: the argument and element index
    sym_err must name; a name without ``[i]`` has index -1 (no element)."""
    if want_arg.endswith("]"):
        name, _, index = want_arg[:-1].partition("[")
        return name, int(index)
    return want_arg, -1


def step_table(kernel: str, base: Callable[[], Spec], variations: list[Variation],
               name: "str | None" = None) -> AbiCase:
    """The case of one step: its base call, the NULL-args checks and every
    variation; ``name`` (default ``<kernel>_err_detail``) labels it."""
    def run(ffi: Any, lib: Any) -> "str | None":
        spec = base()
        spec["ffi"] = ffi
        res = _run(ffi, lib, kernel, spec)
        if res.status != 0:
            return f"sym_{kernel} base call: status {res.status} ({res.arg}: {res.reason}) != expected 0"
        why = _same_as_emulator(kernel, spec, res)
        if why:
            return f"sym_{kernel} base call: {why}"
        if res.written:
            return f"sym_{kernel} base call: sym_err filled on success"
        if getattr(lib, f"sym_{kernel}")(ffi.NULL, ffi.NULL) != S["SYM_ERR_NULL"]:
            return f"sym_{kernel}(NULL, NULL) is not SYM_ERR_NULL"
        err = ffi.new("sym_err *", {"status": 0, "arg": ffi.NULL, "index": 7, "reason": ffi.NULL})
        st = getattr(lib, f"sym_{kernel}")(ffi.NULL, err)
        if st != S["SYM_ERR_NULL"] or err.status != st or err.arg == ffi.NULL or ffi.string(err.arg) != b"args" \
                or err.index != -1:
            return f"sym_{kernel}(NULL args): sym_err not filled (status, 'args', -1)"
        why = _reason_differs(kernel, "NULL args", ffi.string(err.reason).decode() if err.reason != ffi.NULL else "")
        if why:
            return why
        for label, change, want, want_arg in variations:
            spec = base()
            spec["ffi"] = ffi
            change(spec)
            res = _run(ffi, lib, kernel, spec)
            if want == "SYM_OK":  # a limit that must still be accepted
                if res.status != 0:
                    return f"sym_{kernel} ({label}): status {res.status} != expected SYM_OK ({res.arg}: {res.reason})"
                why = None if spec.get("patch") else _same_as_emulator(kernel, spec, res)
                if why:
                    return f"sym_{kernel} ({label}): {why}"
                continue
            if res.status != S[want]:
                return f"sym_{kernel} ({label}): status {res.status} != expected {want} ({res.arg}: {res.reason})"
            arg, index = arg_index(want_arg)
            if res.arg != arg or res.index != index:
                return f"sym_{kernel} ({label}): sym_err names {res.arg!r}[{res.index}] != expected {want_arg!r}"
            why = _reason_differs(kernel, label, res.reason)
            if why:
                return why
            if res.written:
                return f"sym_{kernel} ({label}): {', '.join(res.written)} written on error {want}"
            if _null_err_status(ffi, lib, kernel, spec) != S[want]:
                return f"sym_{kernel} ({label}): a NULL sym_err changes the status"
        return None

    return AbiCase(name or f"{kernel}_err_detail", run, family="abi_layers")


def _spec(t: dict[str, Raw], s: dict[str, Any], rounding: str = "half_away", order: str = "ratio",
          rng: "int | None" = None) -> Spec:
    return {"t": copy.deepcopy(t), "s": dict(s), "rounding": rounding, "order": order, "rng": rng}


# the round context variations every rounding step shares
def _round_vars(with_order: bool) -> list[Variation]:
    out: list[Variation] = [
        ("rounding -1", _set("rounding", "bogus"), "SYM_ERR_BAD_ROUNDING", "round.mode"),
        ("rounding 2", _patch(("round.mode", 2)), "SYM_ERR_BAD_ROUNDING", "round.mode"),
        ("SR without an RNG", _both(_set("rounding", "sr_half_away"), _set("rng", None)), "SYM_ERR_NULL", "round.rng_state"),
        ("SR with state 0", _both(_set("rounding", "sr_half_away"), _set("rng", 0)), "SYM_ERR_BAD_RNG",
         "round.rng_state"),
    ]
    if not with_order:
        out.append(("order 7 (not read)", _patch(("round.order", 7)), "SYM_OK", ""))
    if with_order:
        out.append(("order -1", _set("order", "bogus"), "SYM_ERR_BAD_ORDER", "round.order"))
        out.append(("order 2", _patch(("round.order", 2)), "SYM_ERR_BAD_ORDER", "round.order"))
    return out


# ----------------------------------------------------------------- quant
def _qf() -> Spec:
    return _spec({"x": T([[6, 3], [-3, 1]], 1.0, 32)}, {"q_max_bits": 3})


QF: list[Variation] = [
    ("out NULL", _patch(("out", None)), "SYM_ERR_NULL", "out"),
    ("out.m NULL", _patch(("out.m", None)), "SYM_ERR_NULL", "out.m"),
    ("x.m NULL", _patch(("x.m", None)), "SYM_ERR_NULL", "x.m"),
    ("q_max_bits 1", _set("s.q_max_bits", 1), "SYM_ERR_BAD_WIDTH", "q_max_bits"),
    ("q_max_bits 17", _set("s.q_max_bits", 17), "SYM_ERR_BAD_WIDTH", "q_max_bits"),
    ("q_max_bits 2", _set("s.q_max_bits", 2), "SYM_OK", ""),
    ("q_max_bits 16", _set("s.q_max_bits", 16), "SYM_OK", ""),
    *_round_vars(True),
    ("out.n 3", _patch(("out.n", 3)), "SYM_ERR_SHAPE", "out.n"),
    ("x.n 0 (and out.n 0)", _patch(("x.n", 0), ("out.n", 0)), "SYM_ERR_EMPTY", "x.n"),
    ("x.scale 0", _set("t.x.scale", 0.0), "SYM_ERR_BAD_SCALE", "x.scale"),
    ("m * s_in inf", _set("t.x.scale", FLT_MAX), "SYM_ERR_FLOAT_OVERFLOW", "x[0]"),
    # 1 * FLT_MAX and 0 * FLT_MAX are finite, -3 * FLT_MAX is not
    ("m * s_in -inf at 2", _both(_set("t.x", T([[1, 0], [-3, 5]], FLT_MAX, 8))), "SYM_ERR_FLOAT_OVERFLOW", "x[2]"),
    ("absmax / qMax subnormal", _both(_set("t.x.scale", TINY), _set("s.q_max_bits", 16)),
     "SYM_ERR_SCALE_UNDERFLOW", "x"),
]


def _qb() -> Spec:
    return _spec({"dy": T([[1, -2], [3, 0]], 0.125, 12)}, {})


QB: list[Variation] = [
    ("out NULL", _patch(("out", None)), "SYM_ERR_NULL", "out"),
    ("out.m NULL", _patch(("out.m", None)), "SYM_ERR_NULL", "out.m"),
    ("dy.m NULL", _patch(("dy.m", None)), "SYM_ERR_NULL", "dy.m"),
    ("dy.n 0", _patch(("dy.n", 0)), "SYM_ERR_EMPTY", "dy.n"),
    ("one element", _set("t.dy", T([7], 0.125, 12)), "SYM_OK", ""),
    ("out 3 elements before dy", _overlap(-3), "SYM_ERR_ALIAS", "out"),
    ("out 3 elements after dy", _overlap(3), "SYM_ERR_ALIAS", "out"),
    ("out.n 3", _patch(("out.n", 3)), "SYM_ERR_SHAPE", "out.n"),
]


# ----------------------------------------------------------------- linear
def _lf() -> Spec:
    return _spec({"x": T([[1, -2, 3], [4, 0, -1]], 0.5, 8), "w": T([[2, 1, -1]], 0.25, 8),
                  "b": T([3], 0.1875, 16)}, {"out_bits": 8})


LF: list[Variation] = [
    ("out NULL", _patch(("out", None)), "SYM_ERR_NULL", "out"),
    ("out.m NULL", _patch(("out.m", None)), "SYM_ERR_NULL", "out.m"),
    ("x.m NULL", _patch(("x.m", None)), "SYM_ERR_NULL", "x.m"),
    ("w.m NULL", _patch(("w.m", None)), "SYM_ERR_NULL", "w.m"),
    ("b.m NULL", _patch(("b.m", None)), "SYM_ERR_NULL", "b.m"),
    ("out_bits 1", _set("s.out_bits", 1), "SYM_ERR_BAD_WIDTH", "out_bits"),
    ("out_bits 17", _set("s.out_bits", 17), "SYM_ERR_BAD_WIDTH", "out_bits"),
    ("out_bits 2", _set("s.out_bits", 2), "SYM_OK", ""),
    ("out_bits 16", _set("s.out_bits", 16), "SYM_OK", ""),
    ("raw output", _set("s.out_bits", 0), "SYM_OK", ""),
    ("x.bits 16, w.bits 17", _both(_set("t.x.q_max_bits", 16), _set("t.w.q_max_bits", 17)), "SYM_ERR_BAD_WIDTH",
     "w.bits"),
    ("x.bits 2 (mantissas 1, -2, 1 ...), w.bits 1", _both(_set("t.x", T([[1, -2, 1], [0, 1, -1]], 0.5, 2)),
                                                        _set("t.w.q_max_bits", 1)), "SYM_ERR_BAD_WIDTH", "w.bits"),
    *_round_vars(True),
    ("batch 0", _patch(("batch", 0)), "SYM_ERR_EMPTY", "batch"),
    ("in_features 0", _patch(("in_features", 0)), "SYM_ERR_EMPTY", "in_features"),
    ("out_features 0", _patch(("out_features", 0)), "SYM_ERR_EMPTY", "out_features"),
    ("B*O > int32", _patch(("batch", 65536), ("out_features", 65536), ("in_features", 1)), "SYM_ERR_SHAPE",
     "batch"),
    ("out.n 3", _patch(("out.n", 3)), "SYM_ERR_SHAPE", "out.n"),
    ("scratch NULL", _patch(("scratch", None)), "SYM_ERR_SHAPE", "scratch"),
    ("n_scratch one short", _patch(("n_scratch", 1)), "SYM_ERR_SHAPE", "scratch"),
    ("x.n 5", _patch(("x.n", 5)), "SYM_ERR_SHAPE", "x.m"),
    ("x.n 5 without b", _both(_set("t.b", None), _patch(("x.n", 5))), "SYM_ERR_SHAPE", "x.m"),
    ("requant absmax subnormal", _both(_set("t.b", None), _set("t.x.scale", 2.0 ** -63), _set("t.w.scale", 2.0 ** -63),
                                       _set("t.x.mantissas", np.array([[1, 0, 0], [0, 0, 0]])),
                                       _set("t.w.mantissas", np.array([[1, 0, 0]]))),
     "SYM_ERR_SCALE_UNDERFLOW", "out"),
    ("b.n 2", _patch(("b.n", 2)), "SYM_ERR_SHAPE", "b.n"),
    ("x.bits 17", _set("t.x.q_max_bits", 17), "SYM_ERR_BAD_WIDTH", "x.bits"),
    ("w.bits 1", _set("t.w.q_max_bits", 1), "SYM_ERR_BAD_WIDTH", "w.bits"),
    ("x.scale 0", _set("t.x.scale", 0.0), "SYM_ERR_BAD_SCALE", "x.scale"),
    ("w.scale inf", _set("t.w.scale", float("inf")), "SYM_ERR_BAD_SCALE", "w.scale"),
    ("b.scale -1", _set("t.b.scale", -1.0), "SYM_ERR_BAD_SCALE", "b.scale"),
    ("x mantissa 200 at 8 bits", _set("t.x.mantissas", np.array([[1, -2, 3], [4, 200, -1]])), "SYM_ERR_INT_OVERFLOW",
     "x.m[4]"),
    ("x mantissa -129 first", _set("t.x.mantissas", np.array([[-129, -2, 3], [4, 200, -1]])), "SYM_ERR_INT_OVERFLOW",
     "x.m[0]"),
    ("w mantissa -129 at 8 bits", _set("t.w.mantissas", np.array([[2, -129, -1]])),
     "SYM_ERR_INT_OVERFLOW", "w.m[1]"),
    ("w mantissa 128 first", _set("t.w.mantissas", np.array([[128, -129, -1]])),
     "SYM_ERR_INT_OVERFLOW", "w.m[0]"),
    # each operand is checked against its own width (x 16 bits, w 8 bits)
    ("x.bits 16 (mantissa 300), w.bits 8", _set("t.x", T([[1, -2, 300], [4, 0, -1]], 0.5, 16)), "SYM_OK", ""),
    ("x.bits 8, w.bits 16 (mantissa 300)", _set("t.w", T([[2, 300, -1]], 0.25, 16)), "SYM_OK", ""),
    ("s_x*s_w inf", _both(_set("t.x.scale", 2.0 ** 100), _set("t.w.scale", 2.0 ** 100)), "SYM_ERR_FLOAT_OVERFLOW",
     "out"),
    ("s_x*s_w subnormal", _both(_set("t.x.scale", 2.0 ** -100), _set("t.w.scale", 2.0 ** -30)),
     "SYM_ERR_SCALE_UNDERFLOW", "out"),
    ("bias guard", _set("t.b.scale", 2.0 ** 40), "SYM_ERR_RANGE_GUARD", "b[0]"),
    # O = 3: 0 and 1 * 2^20 / (0.5 * 0.25) fit the guard, 32767 * 2^20 / 0.125 does not
    ("bias guard at b[2]", _both(_set("t.w", T([[2, 1, -1], [0, 1, 1], [1, 0, 0]], 0.25, 8)),
                                 _set("t.b", T([0, 1, 32767], 2.0 ** 20, 16))),
     "SYM_ERR_RANGE_GUARD", "b[2]"),
    # 1000 * 2^20 / (0.5 * 0.25) = 2^33 leaves the guard; at 0.5 / 0.25 it would fit
    ("bias guard at b[1] through s_x*s_w", _both(_set("t.w", T([[2, 1, -1], [0, 1, 1], [1, 0, 0]], 0.25, 8)),
                                                _set("t.b", T([0, 1000, 32767], 2.0 ** 20, 16))),
     "SYM_ERR_RANGE_GUARD", "b[1]"),
    ("sum overflow", _both(_set("t.x", T([[-32768, -32768]], 1.0, 16)), _set("t.w", T([[-32768, -32768]], 1.0, 16)),
                           _set("t.b", None)), "SYM_ERR_INT_OVERFLOW", "out[0]"),
    # out[1, 2] of [B=2, O=3] is the first sum leaving int32 (flat index 1*3 + 2)
    ("sum overflow at out[1, 2]",
     _both(_set("t.x", T([[1, 1], [-32768, -32768]], 1.0, 16)),
           _set("t.w", T([[1, 1], [1, 1], [-32768, -32768]], 1.0, 16)), _set("t.b", None)),
     "SYM_ERR_INT_OVERFLOW", "out[5]"),
    # out[1, 0] (flat 3): the first failing element starts a row
    ("sum overflow at out[1, 0]",
     _both(_set("t.x", T([[1, 1], [-32768, -32768]], 1.0, 16)),
           _set("t.w", T([[-32768, -32768], [1, 1], [1, 1]], 1.0, 16)), _set("t.b", None)),
     "SYM_ERR_INT_OVERFLOW", "out[3]"),
    # 2*32767^2 fits int32 by 131069; only the seed 8*32767 of b[1] pushes out[2, 1] over
    ("seeded sum overflow at out[2, 1]",
     _both(_set("t.x", T([[1, 1], [1, 1], [32767, 32767]], 1.0, 16)),
           _set("t.w", T([[1, 1], [32767, 32767]], 1.0, 16)), _set("t.b", T([0, 32767], 8.0, 16))),
     "SYM_ERR_INT_OVERFLOW", "out[5]"),
]


def _lb() -> Spec:
    return _spec({"x": T([[1, -2, 3], [4, 0, -1]], 0.5, 8), "w": T([[2, 1, -1]], 0.25, 8),
                  "dy": T([[3], [-1]], 0.125, 8), "grad_w": T([[1, 0, -1]], 0.25, 12),
                  "grad_b": T([5], 0.125, 16)}, {"dx_bits": 8}, "sr_half_away", "ratio", 12345)


def _lb_two_outputs(spec: Spec) -> None:
    """O = 2: the scratch size 2*O*I + B*I + 2*O differs from the O = 1 one in every term."""
    spec["t"]["w"] = T([[2, 1, -1], [0, 1, 1]], 0.25, 8)
    spec["t"]["dy"] = T([[3, 1], [-1, 2]], 0.125, 8)
    spec["t"]["grad_w"] = T([[1, 0, -1], [0, 0, 1]], 0.25, 12)
    spec["t"]["grad_b"] = T([5, -1], 0.125, 16)


def _lb_tall(outputs: int) -> Callable[[Spec], None]:
    """B = 65540 rows with ONE input feature (x all zeros): a dy column sum of
    16-bit values leaves int32 only past 65537 rows; I = 1 keeps the dW step
    that runs before the db check (B*O*I checked products, each with its
    mutant site tests) as short as it can be: these rows dominate the
    gold suite's replay time."""
    def apply(spec: Spec) -> None:
        spec["t"]["x"] = T(np.zeros((65540, 1)), 0.5, 8)
        spec["t"]["w"] = T([[2], [0]][:outputs], 0.25, 8)
        spec["t"]["grad_w"] = T([[1], [0]][:outputs], 0.25, 12)
        spec["t"]["grad_b"] = T([5, -1][:outputs], 0.125, 16)
    return apply


LB: list[Variation] = [
    ("dx NULL", _patch(("dx", None)), "SYM_ERR_NULL", "dx"),
    ("dx.m NULL", _patch(("dx.m", None)), "SYM_ERR_NULL", "dx.m"),
    ("new_grad_w NULL", _patch(("new_grad_w", None)), "SYM_ERR_NULL", "new_grad_w"),
    ("new_grad_w.m NULL", _patch(("new_grad_w.m", None)), "SYM_ERR_NULL", "new_grad_w.m"),
    ("new_grad_b NULL with grad_b", _patch(("new_grad_b", None)), "SYM_ERR_NULL", "new_grad_b"),
    ("new_grad_b without grad_b", _patch(("grad_b", None)), "SYM_ERR_NULL", "new_grad_b"),
    ("new_grad_b.m NULL", _patch(("new_grad_b.m", None)), "SYM_ERR_NULL", "new_grad_b.m"),
    ("x.m NULL", _patch(("x.m", None)), "SYM_ERR_NULL", "x.m"),
    ("w.m NULL", _patch(("w.m", None)), "SYM_ERR_NULL", "w.m"),
    ("dy.m NULL", _patch(("dy.m", None)), "SYM_ERR_NULL", "dy.m"),
    ("grad_w.m NULL", _patch(("grad_w.m", None)), "SYM_ERR_NULL", "grad_w.m"),
    ("grad_b.m NULL", _patch(("grad_b.m", None)), "SYM_ERR_NULL", "grad_b.m"),
    ("batch 0", _patch(("batch", 0)), "SYM_ERR_EMPTY", "batch"),
    ("in_features 0", _patch(("in_features", 0)), "SYM_ERR_EMPTY", "in_features"),
    ("out_features 0", _patch(("out_features", 0)), "SYM_ERR_EMPTY", "out_features"),
    ("grad_w.n 5", _patch(("grad_w.n", 5)), "SYM_ERR_SHAPE", "grad_w.n"),
    ("grad_b.n 2", _patch(("grad_b.n", 2)), "SYM_ERR_SHAPE", "grad_b.n"),
    ("grad_w.bits 1", _set("t.grad_w.q_max_bits", 1), "SYM_ERR_BAD_WIDTH", "grad_w.bits"),
    ("grad_w.bits 17", _set("t.grad_w.q_max_bits", 17), "SYM_ERR_BAD_WIDTH", "grad_w.bits"),
    ("grad_w.bits 16", _set("t.grad_w.q_max_bits", 16), "SYM_OK", ""),
    ("grad_w.bits 2", _set("t.grad_w", T([[1, 0, -1]], 0.25, 2)), "SYM_OK", ""),
    ("dx_bits 1", _set("s.dx_bits", 1), "SYM_ERR_BAD_WIDTH", "dx_bits"),
    ("dx_bits 17", _set("s.dx_bits", 17), "SYM_ERR_BAD_WIDTH", "dx_bits"),
    ("dx_bits 2", _set("s.dx_bits", 2), "SYM_OK", ""),
    ("dx_bits 16", _set("s.dx_bits", 16), "SYM_OK", ""),
    ("half_away without an RNG", _both(_set("rounding", "half_away"), _set("rng", None)), "SYM_OK", ""),
    ("dy.bits 16, x.bits 17", _both(_set("t.dy.q_max_bits", 16), _set("t.x.q_max_bits", 17)), "SYM_ERR_BAD_WIDTH",
     "x.bits"),
    # each operand is checked against its own width in every product (dy 16 bits, x and w 8 bits)
    ("dy.bits 16 (mantissa 300), w.bits 8", _set("t.dy", T([[300], [-1]], 0.125, 16)), "SYM_OK", ""),
    ("w.bits 16 (mantissa 300), dy.bits 8", _set("t.w", T([[2, 300, -1]], 0.25, 16)), "SYM_OK", ""),
    ("out_features 2", _lb_two_outputs, "SYM_OK", ""),
    ("n_scratch one short, out_features 2", _both(_lb_two_outputs, _patch(("n_scratch", 2 * 6 + 6 + 2 * 2 - 1))),
     "SYM_ERR_SHAPE", "scratch"),
    *_round_vars(True),
    ("dx.n 5", _patch(("dx.n", 5)), "SYM_ERR_SHAPE", "dx.n"),
    ("new_grad_w.n 5", _patch(("new_grad_w.n", 5)), "SYM_ERR_SHAPE", "new_grad_w.n"),
    ("new_grad_b.n 2", _patch(("new_grad_b.n", 2)), "SYM_ERR_SHAPE", "new_grad_b.n"),
    ("scratch NULL", _patch(("scratch", None)), "SYM_ERR_SHAPE", "scratch"),
    ("n_scratch one short", _patch(("n_scratch", 2 * 3 + 6 + 2 - 1)), "SYM_ERR_SHAPE", "scratch"),
    ("n_scratch one short without grad_b", _both(_set("t.grad_b", None), _patch(("n_scratch", 2 * 3 + 6 - 1))),
     "SYM_ERR_SHAPE", "scratch"),
    # dW[1, 2] = dy[:, 1] . x[:, 2] = 2 * 2^30 is the first dW sum leaving int32 (flat 1*3 + 2)
    ("dW sum overflow at new_grad_w[1, 2]",
     _both(_lb_two_outputs, _set("t.dy", T([[1, -32768], [1, -32768]], 0.125, 16)),
           _set("t.x", T([[1, 1, -32768], [1, 1, -32768]], 0.5, 16))),
     "SYM_ERR_INT_OVERFLOW", "new_grad_w[5]"),
    # dx[1, 2] = dy[1, :] . w[:, 2] = 2 * 2^30 is the first dx sum leaving int32 (flat 1*3 + 2)
    ("dx sum overflow at dx[1, 2]",
     _both(_lb_two_outputs, _set("t.dy", T([[1, 1], [-32768, -32768]], 0.125, 16)),
           _set("t.w", T([[1, 1, -32768], [1, 1, -32768]], 0.25, 16))),
     "SYM_ERR_INT_OVERFLOW", "dx[5]"),
    ("dy.bits 17", _set("t.dy.q_max_bits", 17), "SYM_ERR_BAD_WIDTH", "dy.bits"),
    ("x.bits 1", _set("t.x.q_max_bits", 1), "SYM_ERR_BAD_WIDTH", "x.bits"),
    ("dy.scale 0", _set("t.dy.scale", 0.0), "SYM_ERR_BAD_SCALE", "dy.scale"),
    ("x.scale 0", _set("t.x.scale", 0.0), "SYM_ERR_BAD_SCALE", "x.scale"),
    ("x mantissa 300", _set("t.x.mantissas", np.array([[1, -2, 3], [4, 300, -1]])), "SYM_ERR_INT_OVERFLOW",
     "x.m[4]"),
    ("dy mantissa 300", _set("t.dy.mantissas", np.array([[3], [300]])), "SYM_ERR_INT_OVERFLOW", "dy.m[1]"),
    ("grad_w.scale 0", _set("t.grad_w.scale", 0.0), "SYM_ERR_BAD_SCALE", "grad_w.scale"),
    ("grad_b overflow", _set("t.grad_b", T([32767], 0.125, 16)), "SYM_ERR_INT_OVERFLOW", "new_grad_b[0]"),
    # O = 2: db = (2, 3); 5 + 2 fits, 32766 + 3 leaves 16 bits
    ("grad_b[1] + db[1] leaves 16 bits", _both(_lb_two_outputs, _set("t.grad_b", T([5, 32766], 0.125, 16))),
     "SYM_ERR_INT_OVERFLOW", "new_grad_b[1]"),
    # O = 3: db = (2, 3, 2); only 32767 + 2 leaves 16 bits
    ("grad_b[2] + db[2] leaves 16 bits",
     _both(_set("t.w", T([[2, 1, -1], [0, 1, 1], [1, 0, 0]], 0.25, 8)),
           _set("t.dy", T([[3, 1, 1], [-1, 2, 1]], 0.125, 8)),
           _set("t.grad_w", T([[1, 0, -1], [0, 0, 1], [0, 0, 0]], 0.25, 12)),
           _set("t.grad_b", T([5, -1, 32767], 0.125, 16))),
     "SYM_ERR_INT_OVERFLOW", "new_grad_b[2]"),
    # db * s_dy / s_b: 0.25 / 3e-10 fits the guard 1073774591, 0.375 / 3e-10 does not
    ("grad_b[1] rescale beyond the guard", _both(_lb_two_outputs, _set("t.grad_b", T([5, -1], 3e-10, 32))),
     "SYM_ERR_RANGE_GUARD", "new_grad_b[1]"),
    # grad_b's own width and scale are checked by the fixed-scale accumulate: no element at fault
    ("grad_b.scale 0", _set("t.grad_b.scale", 0.0), "SYM_ERR_BAD_SCALE", "new_grad_b"),
    ("grad_b.bits 1", _set("t.grad_b.q_max_bits", 1), "SYM_ERR_BAD_WIDTH", "new_grad_b"),
    ("w.bits 17", _set("t.w.q_max_bits", 17), "SYM_ERR_BAD_WIDTH", "w.bits"),
    ("w.scale 0", _set("t.w.scale", 0.0), "SYM_ERR_BAD_SCALE", "w.scale"),
    ("w mantissa 300", _set("t.w.mantissas", np.array([[2, 300, -1]])), "SYM_ERR_INT_OVERFLOW", "w.m[1]"),
    ("s_dy*s_x inf", _both(_set("t.dy.scale", 2.0 ** 100), _set("t.x.scale", 2.0 ** 100)),
     "SYM_ERR_FLOAT_OVERFLOW", "new_grad_w"),
    ("s_dy*s_w inf", _both(_set("t.dy.scale", 2.0 ** 100), _set("t.w.scale", 2.0 ** 100),
                           _set("t.x.scale", 2.0 ** -100), _set("t.grad_b", None)),
     "SYM_ERR_FLOAT_OVERFLOW", "dx"),
    ("accumulate overflow", _both(_set("t.grad_w.scale", FLT_MAX), _set("t.grad_w.mantissas",
                                                                         np.array([[2047, 0, 0]]))),
     "SYM_ERR_FLOAT_OVERFLOW", "new_grad_w"),
    ("dx requant subnormal", _both(_set("t.dy.scale", 2.0 ** -70), _set("t.w.scale", 2.0 ** -56),
                                   _set("t.x.scale", 2.0 ** 60)), "SYM_ERR_SCALE_UNDERFLOW", "dx"),
]

# The tall-batch rows: a table of their own, so that the cheapest-first
# replay (mutants/engine.py) runs the cheap rows of LB before these.
LB_TALL: list[Variation] = [
    ("db column sum leaves int32 (B = 65540)",
     _both(_lb_tall(1), _set("t.dy", T(np.full((65540, 1), 32767), 0.125, 16))),
     "SYM_ERR_INT_OVERFLOW", "new_grad_b[0]"),
    ("db column 1 leaves int32 (B = 65540)",
     _both(_lb_tall(2), _set("t.dy", T(np.stack([np.zeros(65540), np.full(65540, 32767)], axis=1), 0.125, 16))),
     "SYM_ERR_INT_OVERFLOW", "new_grad_b[1]"),
    # column 0 sums to exactly INT32_MAX (fits), column 1 leaves int32
    ("db column 0 = INT32_MAX, column 1 leaves int32",
     _both(_lb_tall(2), _set("t.dy", T(np.stack([np.r_[np.full(65538, 32767), 1, 0], np.full(65540, 32767)],
                                                    axis=1), 0.125, 16))),
     "SYM_ERR_INT_OVERFLOW", "new_grad_b[1]"),
    # column 0 sums to exactly INT32_MIN (fits), column 1 leaves int32
    ("db column 0 = INT32_MIN, column 1 leaves int32",
     _both(_lb_tall(2), _set("t.dy", T(np.stack([np.r_[np.full(65536, -32768), np.zeros(4)], np.full(65540, 32767)],
                                                    axis=1), 0.125, 16))),
     "SYM_ERR_INT_OVERFLOW", "new_grad_b[1]"),
]


# ----------------------------------------------------------------- layernorm
def _lnf() -> Spec:
    return _spec({"x": T([[5, 5, 5, 7], [1, 2, 3, 4]], 0.25, 12), "gamma": T([3, -2, 1, 1], 2.0 ** -11, 12),
                  "beta": T([1, 0, -1, 0], 2.0 ** -8, 16)}, {"norm_bits": 12, "eps": 1e-5},
                 "sr_half_away", "ratio", 99)


LNF: list[Variation] = [
    ("out NULL", _patch(("out", None)), "SYM_ERR_NULL", "out"),
    ("out.m NULL", _patch(("out.m", None)), "SYM_ERR_NULL", "out.m"),
    ("x.m NULL", _patch(("x.m", None)), "SYM_ERR_NULL", "x.m"),
    ("gamma.m NULL", _patch(("gamma.m", None)), "SYM_ERR_NULL", "gamma.m"),
    ("beta.m NULL", _patch(("beta.m", None)), "SYM_ERR_NULL", "beta.m"),
    *_round_vars(False),
    ("batch 0", _patch(("batch", 0)), "SYM_ERR_EMPTY", "batch"),
    ("out.n 7", _patch(("out.n", 7)), "SYM_ERR_SHAPE", "out.n"),
    ("gamma.n 3", _patch(("gamma.n", 3)), "SYM_ERR_SHAPE", "gamma.n"),
    ("beta.n 3", _patch(("beta.n", 3)), "SYM_ERR_SHAPE", "beta.n"),
    # a length of 0 is a SHAPE fault of that length, not an EMPTY batch or features
    ("gamma.n 0", _patch(("gamma.n", 0)), "SYM_ERR_SHAPE", "gamma.n"),
    ("beta.n 0", _patch(("beta.n", 0)), "SYM_ERR_SHAPE", "beta.n"),
    ("x.n 7 (and out.n)", _patch(("x.n", 7), ("out.n", 7)), "SYM_ERR_SHAPE", "x.n"),
    ("x.bits 17", _set("t.x.q_max_bits", 17), "SYM_ERR_BAD_WIDTH", "x.bits"),
    ("gamma.bits 17", _set("t.gamma.q_max_bits", 17), "SYM_ERR_BAD_WIDTH", "gamma.bits"),
    ("norm_bits 1", _set("s.norm_bits", 1), "SYM_ERR_BAD_WIDTH", "norm_bits"),
    ("x.bits 16, gamma.bits 17", _both(_set("t.x.q_max_bits", 16), _set("t.gamma.q_max_bits", 17)),
     "SYM_ERR_BAD_WIDTH", "gamma.bits"),
    ("x.bits 2 (mantissas -1, 0, 1), gamma.bits 1", _both(_set("t.x", T([[1, 0, -1, 1], [0, 1, 0, -2]], 0.25, 2)),
                                                        _set("t.gamma.q_max_bits", 1)), "SYM_ERR_BAD_WIDTH",
     "gamma.bits"),
    ("gamma.bits 16, norm_bits 17", _both(_set("t.gamma.q_max_bits", 16), _set("s.norm_bits", 17)),
     "SYM_ERR_BAD_WIDTH", "norm_bits"),
    ("gamma.bits 2 (mantissas 1, -2, 1, 1), norm_bits 1", _both(_set("t.gamma", T([1, -2, 1, 1], 2.0 ** -11, 2)),
                                                              _set("s.norm_bits", 1)), "SYM_ERR_BAD_WIDTH",
     "norm_bits"),
    ("half_away without an RNG", _both(_set("rounding", "half_away"), _set("rng", None)), "SYM_OK", ""),
    ("x.scale 0", _set("t.x.scale", 0.0), "SYM_ERR_BAD_SCALE", "x.scale"),
    ("gamma.scale 0", _set("t.gamma.scale", 0.0), "SYM_ERR_BAD_SCALE", "gamma.scale"),
    ("beta.scale 0", _set("t.beta.scale", 0.0), "SYM_ERR_BAD_SCALE", "beta.scale"),
    ("eps 0", _set("s.eps", 0.0), "SYM_ERR_BAD_SCALE", "eps"),
    ("x mantissa 5000 at 12 bits", _set("t.x.mantissas", np.array([[5, 5, 5, 7], [1, 2, 5000, 4]])),
     "SYM_ERR_INT_OVERFLOW", "x.m[6]"),
    ("gamma mantissa 5000", _set("t.gamma.mantissas", np.array([3, -2, 5000, 1])), "SYM_ERR_INT_OVERFLOW",
     "gamma.m[2]"),
    ("x mantissa -5000 first", _set("t.x.mantissas", np.array([[-5000, 5, 5, 7], [1, 2, 5000, 4]])),
     "SYM_ERR_INT_OVERFLOW", "x.m[0]"),
    ("gamma mantissa -5000 first", _set("t.gamma.mantissas", np.array([-5000, -2, 5000, 1])), "SYM_ERR_INT_OVERFLOW",
     "gamma.m[0]"),
    ("affine overflow (the u = 0 draw of goldgen's ln_affine_overflow_u0)",
     _both(_set("t.x", T([[-100, 1, 2, 3]], 1.0, 12)), _set("t.gamma", T([-32768, 0, 0, 0], 1.0, 16)),
           _set("t.beta", T([16384, 0, 0, 0], float(np.uint32(0x405DAE4D).view(np.float32)), 16)),
           _set("s.norm_bits", 16), _set("rng", 4071982377)), "SYM_ERR_INT_OVERFLOW", "out"),
    ("beta guard", _set("t.beta.scale", 2.0 ** 30), "SYM_ERR_RANGE_GUARD", "beta"),
    ("non-finite n", _set("t.x.scale", FLT_MAX), "SYM_ERR_FLOAT_OVERFLOW", "x"),
    ("s_y subnormal", _set("t.gamma.scale", TINY), "SYM_ERR_SCALE_UNDERFLOW", "gamma.scale"),
]


def _lnb() -> Spec:
    return _spec({"x": T([[5, 5, 5, 7], [1, 2, 3, 4]], 0.25, 12), "gamma": T([3, -2, 1, 1], 2.0 ** -11, 12),
                  "dy": T([[1, -2, 3, 0], [4, -1, 0, 2]], 2.0 ** -6, 12)}, {"dx_bits": 12, "eps": 1e-5},
                 "sr_half_away", "ratio", 77)


LNB: list[Variation] = [
    ("out NULL", _patch(("out", None)), "SYM_ERR_NULL", "out"),
    ("out.m NULL", _patch(("out.m", None)), "SYM_ERR_NULL", "out.m"),
    ("fscratch NULL", _patch(("fscratch", None)), "SYM_ERR_NULL", "fscratch"),
    ("x.m NULL", _patch(("x.m", None)), "SYM_ERR_NULL", "x.m"),
    ("gamma.m NULL", _patch(("gamma.m", None)), "SYM_ERR_NULL", "gamma.m"),
    ("dy.m NULL", _patch(("dy.m", None)), "SYM_ERR_NULL", "dy.m"),
    ("dx_bits 1", _set("s.dx_bits", 1), "SYM_ERR_BAD_WIDTH", "dx_bits"),
    ("dx_bits 32", _set("s.dx_bits", 32), "SYM_ERR_BAD_WIDTH", "dx_bits"),
    ("dx_bits 2", _set("s.dx_bits", 2), "SYM_OK", ""),
    ("dx_bits 31", _set("s.dx_bits", 31), "SYM_OK", ""),
    *_round_vars(False),
    ("out.n 7", _patch(("out.n", 7)), "SYM_ERR_SHAPE", "out.n"),
    ("n_fscratch 7", _patch(("n_fscratch", 7)), "SYM_ERR_SHAPE", "fscratch"),
    ("batch 0", _patch(("batch", 0)), "SYM_ERR_EMPTY", "batch"),
    ("gamma.n 3", _patch(("gamma.n", 3)), "SYM_ERR_SHAPE", "gamma.n"),
    ("dy.n 7", _patch(("dy.n", 7)), "SYM_ERR_SHAPE", "dy.n"),
    ("gamma.n 0", _patch(("gamma.n", 0)), "SYM_ERR_SHAPE", "gamma.n"),
    ("x.bits 17", _set("t.x.q_max_bits", 17), "SYM_ERR_BAD_WIDTH", "x.bits"),
    ("dy.scale 0", _set("t.dy.scale", 0.0), "SYM_ERR_BAD_SCALE", "dy.scale"),
    ("gamma.scale 0", _set("t.gamma.scale", 0.0), "SYM_ERR_BAD_SCALE", "gamma.scale"),
    ("eps inf", _set("s.eps", float("inf")), "SYM_ERR_BAD_SCALE", "eps"),
    ("x mantissa 5000", _set("t.x.mantissas", np.array([[5, 5, 5, 7], [1, 2, 5000, 4]])), "SYM_ERR_INT_OVERFLOW",
     "x.m[6]"),
    ("dx not finite", _both(_set("t.gamma.scale", 2.0 ** 100), _set("t.dy.scale", 2.0 ** 100)),
     "SYM_ERR_NONFINITE_INPUT", "out"),
    ("dx absmax subnormal", _both(_set("t.gamma.scale", 2.0 ** -100), _set("t.dy.scale", 2.0 ** -40)),
     "SYM_ERR_SCALE_UNDERFLOW", "out"),
]


# ----------------------------------------------------------------- loss, SGD
def _mse() -> Spec:
    return _spec({"y": T([3, -1, 4, 0], 0.5, 8)}, {"target": np.array([1.0, 0.5, -2.0, 0.25], np.float32),
                                                   "grad_bits": 12}, "sr_half_away", "ratio", 5)


MSE: list[Variation] = [
    ("loss NULL", _patch(("loss", None)), "SYM_ERR_NULL", "loss"),
    ("fscratch NULL", _patch(("fscratch", None)), "SYM_ERR_NULL", "fscratch"),
    ("dy NULL", _patch(("dy", None)), "SYM_ERR_NULL", "dy"),
    ("dy.m NULL", _patch(("dy.m", None)), "SYM_ERR_NULL", "dy.m"),
    ("y.m NULL", _patch(("y.m", None)), "SYM_ERR_NULL", "y.m"),
    ("target NULL", _patch(("target", None)), "SYM_ERR_NULL", "target"),
    ("grad_bits 1", _set("s.grad_bits", 1), "SYM_ERR_BAD_WIDTH", "grad_bits"),
    ("grad_bits 32", _set("s.grad_bits", 32), "SYM_ERR_BAD_WIDTH", "grad_bits"),
    ("grad_bits 2", _set("s.grad_bits", 2), "SYM_OK", ""),
    ("grad_bits 31", _set("s.grad_bits", 31), "SYM_OK", ""),
    *_round_vars(False),
    ("dy.n 3", _patch(("dy.n", 3)), "SYM_ERR_SHAPE", "dy.n"),
    ("n_fscratch 3", _patch(("n_fscratch", 3)), "SYM_ERR_SHAPE", "fscratch"),
    ("y.n 0 (and dy.n)", _patch(("y.n", 0), ("dy.n", 0)), "SYM_ERR_EMPTY", "y.n"),
    ("n_target 3", _patch(("n_target", 3)), "SYM_ERR_SHAPE", "n_target"),
    ("y.scale 0", _set("t.y.scale", 0.0), "SYM_ERR_BAD_SCALE", "y.scale"),
    ("target nan", _set("s.target", np.array([1.0, np.nan, 0.0, 0.0], np.float32)), "SYM_ERR_NONFINITE_INPUT",
     "target[1]"),
    ("target inf first", _set("s.target", np.array([np.inf, 0.5, 0.0, 0.0], np.float32)), "SYM_ERR_NONFINITE_INPUT",
     "target[0]"),
    ("target -inf last", _set("s.target", np.array([1.0, 0.5, 0.0, -np.inf], np.float32)), "SYM_ERR_NONFINITE_INPUT",
     "target[3]"),
    ("loss inf", _set("t.y.scale", FLT_MAX), "SYM_ERR_FLOAT_OVERFLOW", "loss"),
    ("grad absmax subnormal", _both(_set("t.y.scale", 2.0 ** -120), _set("s.target", np.zeros(4, np.float32))),
     "SYM_ERR_SCALE_UNDERFLOW", "dy"),
]


def _sgd() -> Spec:
    return _spec({"param": T([100, -50, 7, 0], 0.25, 12), "grad": T([3, -4, 0, 9], 0.5, 12)}, {"lr": 0.1},
                 "sr_half_away", "ratio", 1)


SGD: list[Variation] = [
    ("out NULL", _patch(("out", None)), "SYM_ERR_NULL", "out"),
    ("out.m NULL", _patch(("out.m", None)), "SYM_ERR_NULL", "out.m"),
    ("fscratch NULL", _patch(("fscratch", None)), "SYM_ERR_NULL", "fscratch"),
    ("param.m NULL", _patch(("param.m", None)), "SYM_ERR_NULL", "param.m"),
    ("grad.m NULL", _patch(("grad.m", None)), "SYM_ERR_NULL", "grad.m"),
    ("param.bits 1", _set("t.param.q_max_bits", 1), "SYM_ERR_BAD_WIDTH", "param.bits"),
    ("param.bits 32", _set("t.param.q_max_bits", 32), "SYM_ERR_BAD_WIDTH", "param.bits"),
    ("param.bits 31", _set("t.param.q_max_bits", 31), "SYM_OK", ""),
    ("param.bits 2", _set("t.param", T([1, -2, 0, 1], 0.25, 2)), "SYM_OK", ""),
    *_round_vars(False),
    ("out.n 3", _patch(("out.n", 3)), "SYM_ERR_SHAPE", "out.n"),
    ("n_fscratch 3", _patch(("n_fscratch", 3)), "SYM_ERR_SHAPE", "fscratch"),
    ("param.n 0 (and out.n)", _patch(("param.n", 0), ("out.n", 0)), "SYM_ERR_EMPTY", "param.n"),
    ("grad.n 3", _patch(("grad.n", 3)), "SYM_ERR_SHAPE", "grad.n"),
    ("param.scale 0", _set("t.param.scale", 0.0), "SYM_ERR_BAD_SCALE", "param.scale"),
    ("grad.scale 0", _set("t.grad.scale", 0.0), "SYM_ERR_BAD_SCALE", "grad.scale"),
    ("lr -1", _set("s.lr", -1.0), "SYM_ERR_BAD_SCALE", "lr"),
    ("w inf", _both(_set("t.param.scale", FLT_MAX), _set("t.param.mantissas", np.array([2047, 0, 0, 0]))),
     "SYM_ERR_FLOAT_OVERFLOW", "param[0]"),
    # g = (0, FLT_MAX, 2*FLT_MAX = inf, 0): w[1] = 2^100 - 0.1*FLT_MAX is finite, w[2] is -inf
    ("w -inf at 2", _both(_set("t.param", T([1, -1, 0, 5], 2.0 ** 100, 12)),
                          _set("t.grad", T([0, 1, 2, 0], FLT_MAX, 12))),
     "SYM_ERR_FLOAT_OVERFLOW", "param[2]"),
    ("w absmax subnormal", _both(_set("t.param.scale", 2.0 ** -120), _set("t.grad.scale", 2.0 ** -120),
                                 _set("t.param.q_max_bits", 16)), "SYM_ERR_SCALE_UNDERFLOW", "out"),
]

CASES: list[AbiCase] = [
    step_table("quant_forward", _qf, QF),
    step_table("quant_backward", _qb, QB),
    step_table("linear_forward", _lf, LF),
    step_table("linear_backward", _lb, LB),
    step_table("linear_backward", _lb, LB_TALL, name="linear_backward_err_detail_tall"),
    step_table("layernorm_forward", _lnf, LNF),
    step_table("layernorm_backward", _lnb, LNB),
    step_table("mse_loss", _mse, MSE),
    step_table("sgd_update", _sgd, SGD),
]
