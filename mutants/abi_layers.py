"""C-ABI cases of the layer cores (``sym_linear.h``, ``sym_layernorm.h``,
``sym_loss.h``, ``sym_sgd.h``): what the golden vectors cannot reach because
the Python layer (:mod:`symverify.kernels_layers`) validates first: NULL
pointers, lengths that do not match the dimensions, out-of-range widths, bad
scales, aliased buffers, mantissas outside their declared width, and "nothing
written on error". Expected statuses come from the header contracts (the
``Errors:`` lists and the check order of docs/layers.md), expected values from
plain Python integer arithmetic, never from the C kernels.

Each core gets a valid base call and a table of one-argument variations
(:func:`table`); the case runs the base call (must be SYM_OK with the Python
values) and every variation (status as listed; outputs left untouched).
"""
from __future__ import annotations

from typing import Any, Callable

from symverify.errors import STATUS_CODES

from .abi import AbiCase

S = STATUS_CODES
SENTINEL = -123456789
F_SENT = -7.25
INT32_MAX = (1 << 31) - 1


class _Call:
    """Buffers of one call: ``spec`` maps an argument name to its value:
    ``("i", [ints])`` an int32 array, ``("f", [floats])`` a float array,
    ``("u", [ints])`` a uint32 array, ``("oi", n)`` / ``("of", n)`` an output
    array filled with a sentinel, ``None`` = NULL, ``("alias", name, ctype,
    offset)`` a pointer into another argument's buffer, a plain number a scalar."""

    def __init__(self, ffi: Any, spec: dict[str, Any]) -> None:
        self.ffi = ffi
        self.bufs: dict[str, Any] = {}
        self.args: list[Any] = []
        for name, v in spec.items():  # buffers first: an alias may point forward
            if isinstance(v, tuple) and v[0] in ("i", "f", "u", "oi", "of"):
                kind = v[0]
                if kind == "oi":
                    buf = ffi.new("int32_t[]", [SENTINEL] * max(v[1], 1))
                elif kind == "of":
                    buf = ffi.new("float[]", [F_SENT] * max(v[1], 1))
                else:
                    ctype = {"i": "int32_t[]", "f": "float[]", "u": "uint32_t[]"}[kind]
                    buf = ffi.new(ctype, list(v[1]) or [0])
                self.bufs[name] = buf
        for name, v in spec.items():
            if name in self.bufs:
                self.args.append(self.bufs[name])
            elif isinstance(v, tuple) and v[0] == "alias":
                _, other, ctype, off = v
                self.args.append(ffi.cast(ctype, self.bufs[other] + off))
            elif v is None:
                self.args.append(ffi.NULL)
            else:
                self.args.append(v)

    def ints(self, name: str, n: int) -> list[int]:
        return list(self.bufs[name][0:n])

    def floats(self, name: str, n: int) -> list[float]:
        return list(self.bufs[name][0:n])


def table(name: str, fn_name: str, base: Callable[[], dict[str, Any]],
          check_ok: Callable[[_Call], "str | None"],
          variations: list[tuple[str, dict[str, Any], str]],
          outputs: list[str]) -> AbiCase:
    """A case: the base call is SYM_OK and ``check_ok`` passes; each variation
    (label, overrides, expected status name) returns that status and leaves
    every output argument at its sentinel."""

    def run(ffi: Any, lib: Any) -> "str | None":
        fn = getattr(lib, fn_name)
        c = _Call(ffi, base())
        st = fn(*c.args)
        if st != 0:
            return f"status {st} != expected 0 (base call of {fn_name})"
        why = check_ok(c)
        if why:
            return why
        for label, over, want in variations:
            spec = base()
            spec.update({k: v for k, v in over.items() if k in spec})  # shared tables name both cores' lengths
            c = _Call(ffi, spec)
            st = fn(*c.args)
            if st != S[want]:
                return f"status {st} != expected {want} ({fn_name}: {label})"
            for o in outputs:
                buf = c.bufs.get(o)
                if buf is None:
                    continue
                n = len(ffi.buffer(buf)) // ffi.sizeof(ffi.typeof(buf).item)
                kind, init = spec[o][0], spec[o][1]
                want_vals = ([SENTINEL] * n if kind == "oi" else [F_SENT] * n if kind == "of"
                             else list(init))  # an in/out buffer (the RNG state): unchanged
                if list(buf[0:n]) != want_vals:
                    return f"{fn_name} ({label}): output {o} written on error {want}"
        return None

    return AbiCase(name, run, family="abi_layers")


def _eq(what: str, got: Any, want: Any) -> "str | None":
    return None if got == want else f"{what}: {got!r} != expected {want!r}"


# ----------------------------------------------------------------- linear
# x: [B=2, I=3], w: [O=2, I=3], b: [O]
X = [1, -2, 3, 4, 0, -1]
W = [2, 1, -1, 0, 3, 5]
B_, I_, O_ = 2, 3, 2


def _fwd_base() -> dict[str, Any]:
    return {"x": ("i", X), "n_x": 6, "s_x": 0.5, "x_bits": 8,
            "w": ("i", W), "n_w": 6, "s_w": 0.25, "w_bits": 8,
            "b": ("i", [3, -2]), "n_b": 2, "s_b": 0.125,
            "batch": B_, "in": I_, "out": O_, "acc": ("oi", 4), "n_acc": 4, "s_acc": ("of", 1)}


def _fwd_ok(c: _Call) -> "str | None":
    seeds = [3, -2]  # s_b == s_acc: rescale is the identity
    want = [seeds[o] + sum(X[i * 3 + k] * W[o * 3 + k] for k in range(3)) for i in range(2) for o in range(2)]
    return _eq("linear_forward acc", c.ints("acc", 4), want) or _eq("s_acc", c.floats("s_acc", 1), [0.125])


_DIMS = [
    ("batch 0", {"batch": 0}, "SYM_ERR_EMPTY"), ("in 0", {"in": 0}, "SYM_ERR_EMPTY"),
    ("out 0", {"out": 0}, "SYM_ERR_EMPTY"),
    ("batch -1", {"batch": -1}, "SYM_ERR_EMPTY"),
]


def _pair_variations(a: str, b: str, na: int, nb: int, out: str, nout: int, sout: str) -> list:
    """Variations of the shared pair check (lengths, widths, scales, alias, mantissa widths)."""
    n_a, n_b, n_o = f"n_{a}", f"n_{b}", f"n_{out}"
    s_a, s_b = f"s_{a}", f"s_{b}"
    a_bits, b_bits = f"{a}_bits", f"{b}_bits"
    return [
        (f"{n_a}+1", {n_a: na + 1}, "SYM_ERR_SHAPE"), (f"{n_a}-1", {n_a: na - 1}, "SYM_ERR_SHAPE"),
        (f"{n_b}+1", {n_b: nb + 1}, "SYM_ERR_SHAPE"), (f"{n_b}-1", {n_b: nb - 1}, "SYM_ERR_SHAPE"),
        (f"{n_o}+1", {n_o: nout + 1}, "SYM_ERR_SHAPE"), (f"{n_o}-1", {n_o: nout - 1}, "SYM_ERR_SHAPE"),
        (f"{a_bits} 1", {a_bits: 1}, "SYM_ERR_BAD_WIDTH"), (f"{a_bits} 17", {a_bits: 17}, "SYM_ERR_BAD_WIDTH"),
        (f"{b_bits} 1", {b_bits: 1}, "SYM_ERR_BAD_WIDTH"), (f"{b_bits} 17", {b_bits: 17}, "SYM_ERR_BAD_WIDTH"),
        (f"{s_a} 0", {s_a: 0.0}, "SYM_ERR_BAD_SCALE"), (f"{s_a} nan", {s_a: float("nan")}, "SYM_ERR_BAD_SCALE"),
        (f"{s_b} 0", {s_b: 0.0}, "SYM_ERR_BAD_SCALE"), (f"{s_b} -1", {s_b: -1.0}, "SYM_ERR_BAD_SCALE"),
        (f"{out} aliases {a}", {out: ("alias", a, "int32_t *", 0)}, "SYM_ERR_ALIAS"),
        (f"{out} aliases {b} end", {out: ("alias", b, "int32_t *", nb - 1)}, "SYM_ERR_ALIAS"),
        (f"{sout} aliases {a}", {sout: ("alias", a, "float *", na - 1)}, "SYM_ERR_ALIAS"),
        (f"{sout} aliases {b}", {sout: ("alias", b, "float *", 0)}, "SYM_ERR_ALIAS"),
        (f"{sout} aliases {out}", {sout: ("alias", out, "float *", nout - 1)}, "SYM_ERR_ALIAS"),
    ]


def _width_variations(a: str, vals_a: list[int], b: str, vals_b: list[int]) -> list:
    """A mantissa just outside its declared width (bits 2: [-2, 1]), first and
    last element, both operands; at the bounds themselves SYM_OK is checked
    by the base calls of width 2 below."""
    out = []
    for name, vals in ((a, vals_a), (b, vals_b)):
        for pos in (0, len(vals) - 1):
            for bad in (2, -3):
                v = [0] * len(vals)
                v[pos] = bad
                out.append((f"{name}[{pos}] = {bad} at width 2", {name: ("i", v), f"{name}_bits": 2},
                            "SYM_ERR_INT_OVERFLOW"))
    return out


def _bounds_ok(fn_name: str, base: Callable[[], dict[str, Any]], a: str, b: str) -> AbiCase:
    """Mantissas exactly at the width-2 bounds (qMin = -2, qMax = 1) are accepted."""

    def run(ffi: Any, lib: Any) -> "str | None":
        for va, vb in (((1, -2), (-2, 1)), ((-2, -2), (1, 1))):
            spec = base()
            na = len(spec[a][1])
            nb = len(spec[b][1])
            spec[a] = ("i", [va[k % 2] for k in range(na)])
            spec[b] = ("i", [vb[k % 2] for k in range(nb)])
            spec[f"{a}_bits"] = 2
            spec[f"{b}_bits"] = 2
            c = _Call(ffi, spec)
            st = getattr(lib, fn_name)(*c.args)
            if st != 0:
                return f"status {st} != expected 0 ({fn_name}: mantissas at the width-2 bounds)"
        return None

    return AbiCase(f"{fn_name}_width_bounds", run, family="abi_layers")


FWD = [
    ("x NULL", {"x": None}, "SYM_ERR_NULL"), ("w NULL", {"w": None}, "SYM_ERR_NULL"),
    ("acc NULL", {"acc": None}, "SYM_ERR_NULL"), ("s_acc NULL", {"s_acc": None}, "SYM_ERR_NULL"),
    *_DIMS,
    ("batch*in > int32", {"batch": 1 << 16, "in": 1 << 15}, "SYM_ERR_SHAPE"),
    ("out*in > int32", {"out": 1 << 16, "in": 1 << 15, "batch": 1}, "SYM_ERR_SHAPE"),
    ("batch*out > int32", {"batch": 1 << 16, "out": 1 << 15, "in": 1}, "SYM_ERR_SHAPE"),
    ("b NULL, n_b 2", {"b": None}, "SYM_ERR_SHAPE"),
    ("n_b 1", {"n_b": 1}, "SYM_ERR_SHAPE"), ("n_b 3", {"n_b": 3}, "SYM_ERR_SHAPE"),
    *_pair_variations("x", "w", 6, 6, "acc", 4, "s_acc"),
    *_width_variations("x", X, "w", W),
    ("s_b 0", {"s_b": 0.0}, "SYM_ERR_BAD_SCALE"), ("s_b inf", {"s_b": float("inf")}, "SYM_ERR_BAD_SCALE"),
    ("acc aliases b", {"acc": ("alias", "b", "int32_t *", 1)}, "SYM_ERR_ALIAS"),
    ("acc ends inside b", {"acc": ("alias", "b", "int32_t *", -3)}, "SYM_ERR_ALIAS"),
    ("s_acc aliases b", {"s_acc": ("alias", "b", "float *", 1)}, "SYM_ERR_ALIAS"),
    ("s_acc inf", {"s_x": 2.0 ** 70, "s_w": 2.0 ** 70, "b": None, "n_b": 0}, "SYM_ERR_FLOAT_OVERFLOW"),
    ("s_acc subnormal", {"s_x": 2.0 ** -70, "s_w": 2.0 ** -70, "b": None, "n_b": 0}, "SYM_ERR_SCALE_UNDERFLOW"),
    ("bias seed guard (last)", {"b": ("i", [0, 1 << 30]), "s_b": 1.0, "s_x": 0.5, "s_w": 0.5},
     "SYM_ERR_RANGE_GUARD"),
    ("overflow in the last row", {"x": ("i", [0, 0, 0, 32767, 32767, 32767]), "x_bits": 16,
                                  "w": ("i", [0, 0, 0, 32767, 32767, 32767]), "w_bits": 16,
                                  "b": None, "n_b": 0}, "SYM_ERR_INT_OVERFLOW"),
    ("negative overflow via the seed", {"x": ("i", [-32768, 32767, 0, 0, 0, 0]), "x_bits": 16,
                                        "w": ("i", [32767, -32768, 0, 0, 0, 0]), "w_bits": 16,
                                        "b": ("i", [-(1 << 30), 0]), "s_b": 0.125}, "SYM_ERR_INT_OVERFLOW"),
]


def _fwd_nobias() -> dict[str, Any]:
    d = _fwd_base()
    d.update({"b": None, "n_b": 0, "s_b": float("nan")})
    return d


def _fwd_nobias_ok(c: _Call) -> "str | None":
    want = [sum(X[i * 3 + k] * W[o * 3 + k] for k in range(3)) for i in range(2) for o in range(2)]
    return _eq("linear_forward (no bias) acc", c.ints("acc", 4), want)


# grad_w: dy [B, O], x [B, I] -> dw [O, I]
DY = [3, -1, 2, 5]


def _gw_base() -> dict[str, Any]:
    return {"dy": ("i", DY), "n_dy": 4, "s_dy": 0.5, "dy_bits": 8,
            "x": ("i", X), "n_x": 6, "s_x": 0.25, "x_bits": 8,
            "batch": B_, "in": I_, "out": O_, "dw": ("oi", 6), "n_dw": 6, "s_dw": ("of", 1)}


def _gw_ok(c: _Call) -> "str | None":
    want = [sum(DY[i * 2 + o] * X[i * 3 + k] for i in range(2)) for o in range(2) for k in range(3)]
    return _eq("linear_grad_w dw", c.ints("dw", 6), want) or _eq("s_dw", c.floats("s_dw", 1), [0.125])


GW = [
    ("dy NULL", {"dy": None}, "SYM_ERR_NULL"), ("x NULL", {"x": None}, "SYM_ERR_NULL"),
    ("dw NULL", {"dw": None}, "SYM_ERR_NULL"), ("s_dw NULL", {"s_dw": None}, "SYM_ERR_NULL"),
    *_DIMS,
    *_pair_variations("dy", "x", 4, 6, "dw", 6, "s_dw"),
    *_width_variations("dy", DY, "x", X),
    ("overflow (last column)", {"dy": ("i", [0, -32768, 0, -32768]), "dy_bits": 16,
                                "x": ("i", [0, 0, -32768, 0, 0, -32768]), "x_bits": 16}, "SYM_ERR_INT_OVERFLOW"),
    ("overflow wins over inf scale", {"dy": ("i", [0, -32768, 0, -32768]), "dy_bits": 16,
                                      "x": ("i", [0, 0, -32768, 0, 0, -32768]), "x_bits": 16,
                                      "s_dy": 2.0 ** 70, "s_x": 2.0 ** 70}, "SYM_ERR_INT_OVERFLOW"),
    ("s_dw inf", {"s_dy": 2.0 ** 70, "s_x": 2.0 ** 70}, "SYM_ERR_FLOAT_OVERFLOW"),
    ("s_dw subnormal", {"s_dy": 2.0 ** -70, "s_x": 2.0 ** -70}, "SYM_ERR_SCALE_UNDERFLOW"),
]

# grad_x: dy [B, O], w [O, I] -> dx [B, I]


def _gx_base() -> dict[str, Any]:
    return {"dy": ("i", DY), "n_dy": 4, "s_dy": 0.5, "dy_bits": 8,
            "w": ("i", W), "n_w": 6, "s_w": 0.25, "w_bits": 8,
            "batch": B_, "in": I_, "out": O_, "dx": ("oi", 6), "n_dx": 6, "s_dx": ("of", 1)}


def _gx_ok(c: _Call) -> "str | None":
    want = [sum(DY[i * 2 + o] * W[o * 3 + k] for o in range(2)) for i in range(2) for k in range(3)]
    return _eq("linear_grad_x dx", c.ints("dx", 6), want) or _eq("s_dx", c.floats("s_dx", 1), [0.125])


GX = [
    ("dy NULL", {"dy": None}, "SYM_ERR_NULL"), ("w NULL", {"w": None}, "SYM_ERR_NULL"),
    ("dx NULL", {"dx": None}, "SYM_ERR_NULL"), ("s_dx NULL", {"s_dx": None}, "SYM_ERR_NULL"),
    *_DIMS,
    *_pair_variations("dy", "w", 4, 6, "dx", 6, "s_dx"),
    *_width_variations("dy", DY, "w", W),
    ("overflow (last row)", {"dy": ("i", [0, 0, -32768, -32768]), "dy_bits": 16,
                             "w": ("i", [0, 0, -32768, 0, 0, -32768]), "w_bits": 16}, "SYM_ERR_INT_OVERFLOW"),
    ("s_dx inf", {"s_dy": 2.0 ** 70, "s_w": 2.0 ** 70}, "SYM_ERR_FLOAT_OVERFLOW"),
    ("s_dx subnormal", {"s_dy": 2.0 ** -70, "s_w": 2.0 ** -70}, "SYM_ERR_SCALE_UNDERFLOW"),
]

# grad_b: dy [B, O] -> db [O]


def _gb_base() -> dict[str, Any]:
    return {"dy": ("i", DY), "n_dy": 4, "batch": B_, "out": O_, "db": ("oi", 2), "n_db": 2}


def _gb_ok(c: _Call) -> "str | None":
    return _eq("linear_grad_b db", c.ints("db", 2), [DY[0] + DY[2], DY[1] + DY[3]])


GB = [
    ("dy NULL", {"dy": None}, "SYM_ERR_NULL"), ("db NULL", {"db": None}, "SYM_ERR_NULL"),
    ("batch 0", {"batch": 0}, "SYM_ERR_EMPTY"), ("out 0", {"out": 0}, "SYM_ERR_EMPTY"),
    ("batch*out > int32", {"batch": 1 << 16, "out": 1 << 15}, "SYM_ERR_SHAPE"),
    ("n_dy+1", {"n_dy": 5}, "SYM_ERR_SHAPE"), ("n_dy-1", {"n_dy": 3}, "SYM_ERR_SHAPE"),
    ("n_db+1", {"n_db": 3}, "SYM_ERR_SHAPE"), ("n_db-1", {"n_db": 1}, "SYM_ERR_SHAPE"),
    ("db aliases dy", {"db": ("alias", "dy", "int32_t *", 3)}, "SYM_ERR_ALIAS"),
    ("positive overflow (last column)", {"dy": ("i", [0, INT32_MAX, 0, 1])}, "SYM_ERR_INT_OVERFLOW"),
    ("negative overflow", {"dy": ("i", [-(1 << 31), 0, -1, 0])}, "SYM_ERR_INT_OVERFLOW"),
]


def _gb_extremes(ffi: Any, lib: Any) -> "str | None":
    """Sums exactly at INT32_MAX / INT32_MIN are accepted and written."""
    c = _Call(ffi, {"dy": ("i", [INT32_MAX - 1, -(1 << 31) + 1, 1, -1]), "n_dy": 4, "batch": 2, "out": 2,
                    "db": ("oi", 2), "n_db": 2})
    st = lib.sym_linear_grad_b(*c.args)
    return _status_ok(st, "grad_b at the int32 bounds") or _eq("db", c.ints("db", 2), [INT32_MAX, -(1 << 31)])


def _status_ok(st: int, what: str) -> "str | None":
    return None if st == 0 else f"status {st} != expected 0 ({what})"


def _fwd_sum_bounds(ffi: Any, lib: Any) -> "str | None":
    """A seed plus products landing exactly on INT32_MAX / INT32_MIN: accepted."""
    # seed 2^30 - 1 + 32767*32767 + 0 ... ; pick x*w to reach the bound exactly
    top = INT32_MAX - 32767 * 32767 - 32767 * 32767   # remaining after two products
    bot = -(1 << 31) + 32768 * 32767 + 32768 * 32767
    spec = {"x": ("i", [32767, 32767, -32768, -32768]), "n_x": 4, "s_x": 1.0, "x_bits": 16,
            "w": ("i", [32767, 32767]), "n_w": 2, "s_w": 1.0, "w_bits": 16,
            "b": ("i", [0]), "n_b": 1, "s_b": 1.0, "batch": 2, "in": 2, "out": 1,
            "acc": ("oi", 2), "n_acc": 2, "s_acc": ("of", 1)}
    # one seed for both rows: choose top (bottom row then is -2*32768*32767 + top, inside int32)
    spec["b"] = ("i", [top])
    c = _Call(ffi, spec)
    st = lib.sym_linear_forward_core(*c.args)
    want = [INT32_MAX, top - 2 * 32768 * 32767]
    r = _status_ok(st, "linear_forward sum at INT32_MAX") or _eq("acc", c.ints("acc", 2), want)
    if r:
        return r
    spec["b"] = ("i", [bot])
    spec["x"] = ("i", [-32768, -32768, 0, 0])
    c = _Call(ffi, spec)
    st = lib.sym_linear_forward_core(*c.args)
    return _status_ok(st, "linear_forward sum at INT32_MIN") or _eq("acc", c.ints("acc", 2),
                                                                   [-(1 << 31), bot])


# ----------------------------------------------------------------- loss
Y = [3, -1, 4, 0]
TG = [1.0, 0.5, -2.0, 0.25]


def _mse_base() -> dict[str, Any]:
    return {"y": ("i", Y), "n_y": 4, "s_y": 0.5, "t": ("f", TG), "n_t": 4,
            "loss": ("of", 1), "grad": ("of", 4), "n_grad": 4}


def _mse_ok(c: _Call) -> "str | None":
    import numpy as np

    f = np.float32
    diff = [f(f(y) * f(0.5)) - f(t) for y, t in zip(Y, TG)]
    s = f(0)
    for d in diff:
        s = f(s + f(d * d))
    loss = f(s / f(4))
    grad = [float(f(f(f(2) * d) / f(4))) for d in diff]
    return _eq("mse loss", c.floats("loss", 1), [float(loss)]) or _eq("mse grad", c.floats("grad", 4), grad)


MSE = [
    ("y NULL", {"y": None}, "SYM_ERR_NULL"), ("target NULL", {"t": None}, "SYM_ERR_NULL"),
    ("loss NULL", {"loss": None}, "SYM_ERR_NULL"), ("grad NULL", {"grad": None}, "SYM_ERR_NULL"),
    ("n_y 0", {"n_y": 0}, "SYM_ERR_EMPTY"), ("n_t 0", {"n_t": 0}, "SYM_ERR_EMPTY"),
    ("n_grad 0", {"n_grad": 0}, "SYM_ERR_EMPTY"),
    ("n_t 3", {"n_t": 3}, "SYM_ERR_SHAPE"), ("n_grad 3", {"n_grad": 3}, "SYM_ERR_SHAPE"),
    ("n_y 3", {"n_y": 3}, "SYM_ERR_SHAPE"),
    ("n_t 5", {"n_t": 5}, "SYM_ERR_SHAPE"), ("n_grad 5", {"n_grad": 5}, "SYM_ERR_SHAPE"),
    ("s_y 0", {"s_y": 0.0}, "SYM_ERR_BAD_SCALE"), ("s_y inf", {"s_y": float("inf")}, "SYM_ERR_BAD_SCALE"),
    ("grad aliases y", {"grad": ("alias", "y", "float *", 3)}, "SYM_ERR_ALIAS"),
    ("grad aliases target", {"grad": ("alias", "t", "float *", 0)}, "SYM_ERR_ALIAS"),
    ("loss aliases y", {"loss": ("alias", "y", "float *", 3)}, "SYM_ERR_ALIAS"),
    ("loss aliases target", {"loss": ("alias", "t", "float *", 0)}, "SYM_ERR_ALIAS"),
    ("loss aliases grad", {"loss": ("alias", "grad", "float *", 3)}, "SYM_ERR_ALIAS"),
    ("target nan (last)", {"t": ("f", [1.0, 0.5, -2.0, float("nan")])}, "SYM_ERR_NONFINITE_INPUT"),
    ("target -inf (first)", {"t": ("f", [float("-inf"), 0.5, -2.0, 0.25])}, "SYM_ERR_NONFINITE_INPUT"),
    ("loss overflow", {"y": ("i", [1 << 30, 0, 0, 0]), "s_y": 2.0 ** 100}, "SYM_ERR_FLOAT_OVERFLOW"),
]

# ----------------------------------------------------------------- sgd
P = [100, -50, 7, 0]
G = [3, -4, 0, 9]


def _sgd_base() -> dict[str, Any]:
    return {"p": ("i", P), "n_p": 4, "s_p": 0.5, "g": ("i", G), "n_g": 4, "s_g": 0.25, "lr": 0.75,
            "w": ("of", 4), "n_w": 4}


def _sgd_ok(c: _Call) -> "str | None":
    import numpy as np

    f = np.float32
    want = [float(f(f(f(p) * f(0.5)) - f(f(0.75) * f(f(g) * f(0.25))))) for p, g in zip(P, G)]
    return _eq("sgd w", c.floats("w", 4), want)


SGD = [
    ("param NULL", {"p": None}, "SYM_ERR_NULL"), ("grad NULL", {"g": None}, "SYM_ERR_NULL"),
    ("w NULL", {"w": None}, "SYM_ERR_NULL"),
    ("n_p 0", {"n_p": 0}, "SYM_ERR_EMPTY"), ("n_g 0", {"n_g": 0}, "SYM_ERR_EMPTY"),
    ("n_w 0", {"n_w": 0}, "SYM_ERR_EMPTY"),
    ("n_g 3", {"n_g": 3}, "SYM_ERR_SHAPE"), ("n_w 3", {"n_w": 3}, "SYM_ERR_SHAPE"),
    ("n_p 3", {"n_p": 3}, "SYM_ERR_SHAPE"),
    # lengths LONGER than n_p too: a shape test written as n_g < n_p accepts them
    ("n_g 5", {"n_g": 5}, "SYM_ERR_SHAPE"), ("n_w 5", {"n_w": 5}, "SYM_ERR_SHAPE"),
    ("s_p 0", {"s_p": 0.0}, "SYM_ERR_BAD_SCALE"), ("s_g nan", {"s_g": float("nan")}, "SYM_ERR_BAD_SCALE"),
    ("lr 0", {"lr": 0.0}, "SYM_ERR_BAD_SCALE"), ("lr -1", {"lr": -1.0}, "SYM_ERR_BAD_SCALE"),
    ("lr inf", {"lr": float("inf")}, "SYM_ERR_BAD_SCALE"), ("lr nan", {"lr": float("nan")}, "SYM_ERR_BAD_SCALE"),
    ("w aliases param", {"w": ("alias", "p", "float *", 3)}, "SYM_ERR_ALIAS"),
    ("w aliases grad", {"w": ("alias", "g", "float *", 0)}, "SYM_ERR_ALIAS"),
    # w starts 3 elements BEFORE the input: only its last element overlaps (the byte count matters)
    ("w ends inside param", {"w": ("alias", "p", "float *", -3)}, "SYM_ERR_ALIAS"),
    ("w ends inside grad", {"w": ("alias", "g", "float *", -3)}, "SYM_ERR_ALIAS"),
    ("w not finite (last)", {"g": ("i", [0, 0, 0, -(1 << 30)]), "s_g": 2.0 ** 100, "lr": 2.0 ** 30},
     "SYM_ERR_FLOAT_OVERFLOW"),
]


def _sgd_subnormal_lr(ffi: Any, lib: Any) -> "str | None":
    """A subnormal lr is accepted (docs/layers.md: positive and finite)."""
    spec = _sgd_base()
    spec["lr"] = 2.0 ** -140
    c = _Call(ffi, spec)
    return _status_ok(lib.sym_sgd_update_core(*c.args), "sgd with a subnormal lr")


CASES: list[AbiCase] = [
    table("linear_forward_table", "sym_linear_forward_core", _fwd_base, _fwd_ok, FWD, ["acc", "s_acc"]),
    table("linear_forward_nobias", "sym_linear_forward_core", _fwd_nobias, _fwd_nobias_ok,
          [("nobias n_b 1", {"n_b": 1}, "SYM_ERR_SHAPE"), ("nobias n_b -1", {"n_b": -1}, "SYM_ERR_SHAPE"),
           ("nobias n_b INT32_MIN", {"n_b": -(1 << 31)}, "SYM_ERR_SHAPE")], ["acc", "s_acc"]),
    table("linear_grad_w_table", "sym_linear_grad_w", _gw_base, _gw_ok, GW, ["dw", "s_dw"]),
    table("linear_grad_x_table", "sym_linear_grad_x", _gx_base, _gx_ok, GX, ["dx", "s_dx"]),
    table("linear_grad_b_table", "sym_linear_grad_b", _gb_base, _gb_ok, GB, ["db"]),
    AbiCase("linear_grad_b_int32_bounds", _gb_extremes, family="abi_layers"),
    AbiCase("linear_forward_int32_bounds", _fwd_sum_bounds, family="abi_layers"),
    _bounds_ok("sym_linear_forward_core", _fwd_nobias, "x", "w"),
    _bounds_ok("sym_linear_grad_w", _gw_base, "dy", "x"),
    _bounds_ok("sym_linear_grad_x", _gx_base, "dy", "w"),
    table("mse_loss_table", "sym_mse_loss_core", _mse_base, _mse_ok, MSE, ["loss", "grad"]),
    table("sgd_update_table", "sym_sgd_update_core", _sgd_base, _sgd_ok, SGD, ["w"]),
    AbiCase("sgd_update_subnormal_lr", _sgd_subnormal_lr, family="abi_layers"),
]


# ----------------------------------------------------------------- layernorm
# x: [B=2, F=3]; only the LAST element differs from x[0] (the identical-input
# pre-check must look at every element); row 0 is constant (var 0).
LX = [5, 5, 5, 5, 5, 7]
LG = [3, -2, 1]
LB = [1, 0, -1]
FLT_BIG = 3.0e38


def _ln_base() -> dict[str, Any]:
    return {"x": ("i", LX), "n_x": 6, "s_x": 0.5, "x_bits": 8,
            "gamma": ("i", LG), "n_gamma": 3, "s_gamma": 0.25, "gamma_bits": 8,
            "beta": ("i", LB), "n_beta": 3, "s_beta": 0.125,
            "batch": 2, "features": 3, "norm_bits": 8, "eps": 1e-5, "rounding": 0, "rng": None,
            "y": ("oi", 6), "n_y": 6, "s_y": ("of", 1)}


def _ln_sr_base() -> dict[str, Any]:
    d = _ln_base()
    d.update({"rounding": 1, "rng": ("u", [12345])})
    return d


def _ln_expect(rounding: str, seed: "int | None") -> tuple[list[int], float, "int | None"]:
    """The emulator (the golden source, goldgen) on the base arguments."""
    import numpy as np

    import symverify as sv

    rng = sv.Rng(seed) if seed is not None else None
    out = sv.emulate.layernorm_forward(sv.SymTensor(np.array(LX).reshape(2, 3), np.float32(0.5), 8),
                                       sv.SymTensor(np.array(LG), np.float32(0.25), 8),
                                       sv.SymTensor(np.array(LB), np.float32(0.125), 16),
                                       8, float(np.float32(1e-5)), rounding, rng)
    return [int(v) for v in out.mantissas.ravel()], float(out.scale), None if rng is None else rng.state


def _ln_ok(c: _Call) -> "str | None":
    y, s_y, _ = _ln_expect("half_away", None)
    return _eq("layernorm_forward y", c.ints("y", 6), y) or _eq("s_y", c.floats("s_y", 1), [s_y])


def _ln_sr_ok(c: _Call) -> "str | None":
    y, s_y, st = _ln_expect("sr_half_away", 12345)
    return (_eq("layernorm_forward SR y", c.ints("y", 6), y) or _eq("s_y", c.floats("s_y", 1), [s_y])
            or _eq("rng state", int(c.bufs["rng"][0]), st))


def _ln_width(names: list[str]) -> list:
    out = []
    for name in names:
        n = 6 if name == "x" else 3
        base = LX if name == "x" else LG
        for pos in (0, n - 1):
            for bad in (2, -3):
                v = [1 if name == "x" else 0] * n
                if name == "x":
                    v[1] = 0  # not identical
                v[pos] = bad
                out.append((f"{name}[{pos}] = {bad} at width 2", {name: ("i", v), f"{name}_bits": 2},
                            "SYM_ERR_INT_OVERFLOW"))
        del base
    return out


LN_COMMON_SHAPE = [
    ("batch 0", {"batch": 0}, "SYM_ERR_EMPTY"), ("features 0", {"features": 0}, "SYM_ERR_EMPTY"),
    ("batch -1", {"batch": -1}, "SYM_ERR_EMPTY"),
    ("features 65536", {"features": 65536, "batch": 1, "n_x": 65536, "n_gamma": 65536, "n_beta": 65536,
                        "n_y": 65536, "n_dy": 65536, "n_dx": 65536}, "SYM_ERR_SHAPE"),
    ("batch*features > int32", {"batch": 1 << 16, "features": 1 << 15}, "SYM_ERR_SHAPE"),
    # the largest accepted shapes pass the shape checks and stop at the next check
    # (x_bits 1), before any buffer is read: F = 65535, and B = INT32_MAX / F exactly
    ("features 65535 is accepted", {"features": 65535, "batch": 1, "n_x": 65535, "n_gamma": 65535,
                                    "n_beta": 65535, "n_y": 65535, "n_dy": 65535, "n_dx": 65535, "x_bits": 1},
     "SYM_ERR_BAD_WIDTH"),
    ("batch = INT32_MAX / features is accepted",
     {"batch": INT32_MAX // 2, "features": 2, "n_x": INT32_MAX - 1, "n_gamma": 2, "n_beta": 2,
      "n_y": INT32_MAX - 1, "n_dy": INT32_MAX - 1, "n_dx": INT32_MAX - 1, "x_bits": 1}, "SYM_ERR_BAD_WIDTH"),
    ("n_x+1", {"n_x": 7}, "SYM_ERR_SHAPE"), ("n_x-1", {"n_x": 5}, "SYM_ERR_SHAPE"),
    ("n_gamma+1", {"n_gamma": 4}, "SYM_ERR_SHAPE"), ("n_gamma-1", {"n_gamma": 2}, "SYM_ERR_SHAPE"),
    ("x_bits 1", {"x_bits": 1}, "SYM_ERR_BAD_WIDTH"), ("x_bits 17", {"x_bits": 17}, "SYM_ERR_BAD_WIDTH"),
    ("s_x 0", {"s_x": 0.0}, "SYM_ERR_BAD_SCALE"), ("s_x nan", {"s_x": float("nan")}, "SYM_ERR_BAD_SCALE"),
    ("s_gamma 0", {"s_gamma": 0.0}, "SYM_ERR_BAD_SCALE"), ("s_gamma inf", {"s_gamma": float("inf")}, "SYM_ERR_BAD_SCALE"),
    ("eps 0", {"eps": 0.0}, "SYM_ERR_BAD_SCALE"), ("eps -1", {"eps": -1.0}, "SYM_ERR_BAD_SCALE"),
    ("eps inf", {"eps": float("inf")}, "SYM_ERR_BAD_SCALE"), ("eps nan", {"eps": float("nan")}, "SYM_ERR_BAD_SCALE"),
]

LNF = [
    ("x NULL", {"x": None}, "SYM_ERR_NULL"), ("gamma NULL", {"gamma": None}, "SYM_ERR_NULL"),
    ("beta NULL", {"beta": None}, "SYM_ERR_NULL"), ("y NULL", {"y": None}, "SYM_ERR_NULL"),
    ("s_y NULL", {"s_y": None}, "SYM_ERR_NULL"),
    *LN_COMMON_SHAPE,
    ("n_beta+1", {"n_beta": 4}, "SYM_ERR_SHAPE"), ("n_beta-1", {"n_beta": 2}, "SYM_ERR_SHAPE"),
    ("n_y+1", {"n_y": 7}, "SYM_ERR_SHAPE"), ("n_y-1", {"n_y": 5}, "SYM_ERR_SHAPE"),
    ("gamma_bits 1", {"gamma_bits": 1}, "SYM_ERR_BAD_WIDTH"), ("gamma_bits 17", {"gamma_bits": 17}, "SYM_ERR_BAD_WIDTH"),
    ("norm_bits 1", {"norm_bits": 1}, "SYM_ERR_BAD_WIDTH"), ("norm_bits 17", {"norm_bits": 17}, "SYM_ERR_BAD_WIDTH"),
    ("s_beta 0", {"s_beta": 0.0}, "SYM_ERR_BAD_SCALE"), ("s_beta -1", {"s_beta": -1.0}, "SYM_ERR_BAD_SCALE"),
    ("rounding 2", {"rounding": 2}, "SYM_ERR_BAD_ROUNDING"), ("rounding -1", {"rounding": -1}, "SYM_ERR_BAD_ROUNDING"),
    ("SR, rng NULL", {"rounding": 1}, "SYM_ERR_NULL"),
    ("SR, rng 0", {"rounding": 1, "rng": ("u", [0])}, "SYM_ERR_BAD_RNG"),
    ("y aliases x", {"y": ("alias", "x", "int32_t *", 5)}, "SYM_ERR_ALIAS"),
    ("y aliases gamma", {"y": ("alias", "gamma", "int32_t *", 2)}, "SYM_ERR_ALIAS"),
    ("y aliases beta", {"y": ("alias", "beta", "int32_t *", 0)}, "SYM_ERR_ALIAS"),
    ("s_y aliases x", {"s_y": ("alias", "x", "float *", 5)}, "SYM_ERR_ALIAS"),
    ("s_y aliases gamma", {"s_y": ("alias", "gamma", "float *", 2)}, "SYM_ERR_ALIAS"),
    ("s_y aliases beta", {"s_y": ("alias", "beta", "float *", 2)}, "SYM_ERR_ALIAS"),
    ("s_y aliases y", {"s_y": ("alias", "y", "float *", 5)}, "SYM_ERR_ALIAS"),
    *[(f"SR, rng aliases {o}", {"rounding": 1, "rng": ("alias", o, "uint32_t *", off)}, "SYM_ERR_ALIAS")
      for o, off in (("x", 5), ("gamma", 2), ("beta", 2), ("y", 5), ("s_y", 0))],
    *_ln_width(["x", "gamma"]),
    ("n not finite", {"s_x": 2.0 ** 127}, "SYM_ERR_FLOAT_OVERFLOW"),
    ("s_y inf", {"s_gamma": FLT_BIG, "norm_bits": 2}, "SYM_ERR_FLOAT_OVERFLOW"),
    ("s_y subnormal", {"s_gamma": 2.0 ** -126}, "SYM_ERR_SCALE_UNDERFLOW"),
    ("beta seed guard (last)", {"beta": ("i", [0, 0, 32767]), "s_beta": 2.0 ** 20}, "SYM_ERR_RANGE_GUARD"),
]

LNB_SPEC_DY = [1, -2, 3, 0, 4, -1]


def _lnb_base() -> dict[str, Any]:
    return {"x": ("i", [1, 2, 4, 5, 5, 7]), "n_x": 6, "s_x": 0.5, "x_bits": 8,
            "gamma": ("i", LG), "n_gamma": 3, "s_gamma": 0.25,
            "dy": ("i", LNB_SPEC_DY), "n_dy": 6, "s_dy": 0.125,
            "batch": 2, "features": 3, "eps": 1e-5, "dx": ("of", 6), "n_dx": 6}


def _lnb_ok(c: _Call) -> "str | None":
    return None if all(v != F_SENT for v in c.floats("dx", 6)) else "layernorm_backward: dx not written"


LNB = [
    ("x NULL", {"x": None}, "SYM_ERR_NULL"), ("gamma NULL", {"gamma": None}, "SYM_ERR_NULL"),
    ("dy NULL", {"dy": None}, "SYM_ERR_NULL"), ("dx NULL", {"dx": None}, "SYM_ERR_NULL"),
    *LN_COMMON_SHAPE,
    ("n_dy+1", {"n_dy": 7}, "SYM_ERR_SHAPE"), ("n_dy-1", {"n_dy": 5}, "SYM_ERR_SHAPE"),
    ("n_dx+1", {"n_dx": 7}, "SYM_ERR_SHAPE"), ("n_dx-1", {"n_dx": 5}, "SYM_ERR_SHAPE"),
    ("s_dy 0", {"s_dy": 0.0}, "SYM_ERR_BAD_SCALE"), ("s_dy -1", {"s_dy": -1.0}, "SYM_ERR_BAD_SCALE"),
    ("dx aliases x", {"dx": ("alias", "x", "float *", 5)}, "SYM_ERR_ALIAS"),
    ("dx aliases gamma", {"dx": ("alias", "gamma", "float *", 2)}, "SYM_ERR_ALIAS"),
    ("dx aliases dy", {"dx": ("alias", "dy", "float *", 0)}, "SYM_ERR_ALIAS"),
    *[(f"dx ends inside {o}", {"dx": ("alias", o, "float *", -5)}, "SYM_ERR_ALIAS") for o in ("x", "gamma", "dy")],
    *_ln_width(["x"]),
    # row 0: dy = 0 gives dn = 0 (finite); row 1: dy * s_dy = inf -> dx not finite. Row 0's dx
    # must not be written either (nothing written on error).
    ("dx not finite (last row)", {"dy": ("i", [0, 0, 0, 0, 4, -1]), "s_dy": FLT_BIG},
     "SYM_ERR_NONFINITE_INPUT"),
]

CASES += [
    table("layernorm_forward_table", "sym_layernorm_forward_core", _ln_base, _ln_ok, LNF, ["y", "s_y"]),
    table("layernorm_forward_sr", "sym_layernorm_forward_core", _ln_sr_base, _ln_sr_ok,
          [("SR, s_y subnormal", {"s_gamma": 2.0 ** -126}, "SYM_ERR_SCALE_UNDERFLOW")], ["y", "s_y", "rng"]),
    table("layernorm_backward_table", "sym_layernorm_backward_core", _lnb_base, _lnb_ok, LNB, ["dx"]),
]


# ----------------------------------------------------------------- values outside float32's exact range
# y / param / grad of any width: mantissas not exact in float32 (2^24 + 1) and
# outside int16 (40000) catch a narrowing cast or a double-precision product.
WIDE = [(1 << 24) + 1, 40000, -((1 << 24) + 3), -40001]


def _mse_wide(ffi: Any, lib: Any) -> "str | None":
    import numpy as np

    f = np.float32
    tg = [1.0, -0.5, 3.0, 0.25]
    c = _Call(ffi, {"y": ("i", WIDE), "n_y": 4, "s_y": 0.375, "t": ("f", tg), "n_t": 4,
                    "loss": ("of", 1), "grad": ("of", 4), "n_grad": 4})
    st = lib.sym_mse_loss_core(*c.args)
    diff = [f(f(f(y) * f(0.375)) - f(t)) for y, t in zip(WIDE, tg)]
    acc = f(0)
    for d in diff:
        acc = f(acc + f(d * d))
    want_loss = float(f(acc / f(4)))
    want_grad = [float(f(f(f(2) * d) / f(4))) for d in diff]
    return (_status_ok(st, "mse_loss with wide y") or _eq("loss", c.floats("loss", 1), [want_loss])
            or _eq("grad", c.floats("grad", 4), want_grad))


def _sgd_wide(ffi: Any, lib: Any) -> "str | None":
    import numpy as np

    f = np.float32
    g = list(reversed(WIDE))
    c = _Call(ffi, {"p": ("i", WIDE), "n_p": 4, "s_p": 0.375, "g": ("i", g), "n_g": 4, "s_g": 0.625,
                    "lr": 0.75, "w": ("of", 4), "n_w": 4})
    st = lib.sym_sgd_update_core(*c.args)
    want = [float(f(f(f(p) * f(0.375)) - f(f(0.75) * f(f(q) * f(0.625))))) for p, q in zip(WIDE, g)]
    return _status_ok(st, "sgd_update with wide mantissas") or _eq("w", c.floats("w", 4), want)


def _ok_at_limits(ffi: Any, lib: Any) -> "str | None":
    """Boundary arguments that must be ACCEPTED: batch 1, operand widths 16,
    norm_bits 16, mantissas at the 16-bit bounds."""
    calls = [
        ("linear_forward B=1 O=1 I=1 w16", "sym_linear_forward_core",
         {"x": ("i", [-32768]), "n_x": 1, "s_x": 1.0, "x_bits": 16, "w": ("i", [32767]), "n_w": 1, "s_w": 1.0,
          "w_bits": 16, "b": None, "n_b": 0, "s_b": 1.0, "batch": 1, "in": 1, "out": 1,
          "acc": ("oi", 1), "n_acc": 1, "s_acc": ("of", 1)}, ("acc", [-32768 * 32767])),
        ("linear_grad_w B=1", "sym_linear_grad_w",
         {"dy": ("i", [-32768]), "n_dy": 1, "s_dy": 1.0, "dy_bits": 16, "x": ("i", [-32768]), "n_x": 1,
          "s_x": 1.0, "x_bits": 16, "batch": 1, "in": 1, "out": 1, "dw": ("oi", 1), "n_dw": 1,
          "s_dw": ("of", 1)}, ("dw", [1 << 30])),
        ("linear_grad_x B=1", "sym_linear_grad_x",
         {"dy": ("i", [32767]), "n_dy": 1, "s_dy": 1.0, "dy_bits": 16, "w": ("i", [-32768]), "n_w": 1,
          "s_w": 1.0, "w_bits": 16, "batch": 1, "in": 1, "out": 1, "dx": ("oi", 1), "n_dx": 1,
          "s_dx": ("of", 1)}, ("dx", [-32768 * 32767])),
        ("linear_grad_b B=1 O=1", "sym_linear_grad_b",
         {"dy": ("i", [INT32_MAX]), "n_dy": 1, "batch": 1, "out": 1, "db": ("oi", 1), "n_db": 1},
         ("db", [INT32_MAX])),
        ("layernorm_forward B=1 widths 16", "sym_layernorm_forward_core",
         {"x": ("i", [-32768, 32767]), "n_x": 2, "s_x": 1.0, "x_bits": 16, "gamma": ("i", [-32768, 32767]),
          "n_gamma": 2, "s_gamma": 1.0, "gamma_bits": 16, "beta": ("i", [0, 0]), "n_beta": 2, "s_beta": 1.0,
          "batch": 1, "features": 2, "norm_bits": 16, "eps": 1e-5, "rounding": 0, "rng": None,
          "y": ("oi", 2), "n_y": 2, "s_y": ("of", 1)}, None),
        ("layernorm_backward B=1 x 16", "sym_layernorm_backward_core",
         {"x": ("i", [-32768, 32767]), "n_x": 2, "s_x": 1.0, "x_bits": 16, "gamma": ("i", [1, 1]),
          "n_gamma": 2, "s_gamma": 1.0, "dy": ("i", [1, 2]), "n_dy": 2, "s_dy": 1.0,
          "batch": 1, "features": 2, "eps": 1e-5, "dx": ("of", 2), "n_dx": 2}, None),
    ]
    for label, fn, spec, want in calls:
        c = _Call(ffi, spec)
        st = getattr(lib, fn)(*c.args)
        if st != 0:
            return f"status {st} != expected 0 ({label})"
        if want is not None:
            why = _eq(label, c.ints(want[0], len(want[1])), want[1])
            if why:
                return why
    return None


def _overflow_first(ffi: Any, lib: Any) -> "str | None":
    """An overflow in the FIRST output element of each checked pass is found."""
    m = -32768
    calls = [
        ("linear_forward_core", {"x": ("i", [m, m, 0, 0]), "n_x": 4, "s_x": 1.0, "x_bits": 16,
                            "w": ("i", [m, m, 0, 0]), "n_w": 4, "s_w": 1.0, "w_bits": 16,
                            "b": None, "n_b": 0, "s_b": 1.0, "batch": 2, "in": 2, "out": 2,
                            "acc": ("oi", 4), "n_acc": 4, "s_acc": ("of", 1)}),
        ("linear_grad_w", {"dy": ("i", [m, 0, m, 0]), "n_dy": 4, "s_dy": 1.0, "dy_bits": 16,
                           "x": ("i", [m, 0, m, 0]), "n_x": 4, "s_x": 1.0, "x_bits": 16,
                           "batch": 2, "in": 2, "out": 2, "dw": ("oi", 4), "n_dw": 4, "s_dw": ("of", 1)}),
        ("linear_grad_x", {"dy": ("i", [m, m, 0, 0]), "n_dy": 4, "s_dy": 1.0, "dy_bits": 16,
                           "w": ("i", [m, 0, m, 0]), "n_w": 4, "s_w": 1.0, "w_bits": 16,
                           "batch": 2, "in": 2, "out": 2, "dx": ("oi", 4), "n_dx": 4, "s_dx": ("of", 1)}),
        ("linear_grad_b", {"dy": ("i", [INT32_MAX, 0, 1, 0]), "n_dy": 4, "batch": 2, "out": 2,
                           "db": ("oi", 2), "n_db": 2}),
    ]
    for fn, spec in calls:
        c = _Call(ffi, spec)
        st = getattr(lib, f"sym_{fn}")(*c.args)
        if st != S["SYM_ERR_INT_OVERFLOW"]:
            return f"status {st} != expected SYM_ERR_INT_OVERFLOW ({fn}: overflow in element 0)"
    return None


CASES += [
    AbiCase("mse_loss_wide_y", _mse_wide, family="abi_layers"),
    AbiCase("sgd_update_wide", _sgd_wide, family="abi_layers"),
    AbiCase("layer_cores_accept_limits", _ok_at_limits, family="abi_layers"),
    AbiCase("layer_cores_overflow_first_element", _overflow_first, family="abi_layers"),
]


def _mse_finite_edges(ffi: Any, lib: Any) -> "str | None":
    """Finite results next to float32 overflow (the gradient check must not fire):
    y = 0 at s_y = FLT_MAX (p = 0); p = t = 1e38 (diff = 0, p + t would be 2e38);
    and N = 40000 elements (n_f = 40000.0f, outside int16)."""
    import numpy as np

    big = float(np.finfo(np.float32).max)
    t38 = float(np.float32(1e38))
    for label, y, s_y, t, want in (("y 0 at s_y FLT_MAX", [0], big, [0.0], 0.0),
                                   ("p = t = 1e38", [1], t38, [t38], 0.0),
                                   ("N = 40000", [1] * 40000, 1.0, [0.0] * 40000, 1.0)):
        n = len(y)
        c = _Call(ffi, {"y": ("i", y), "n_y": n, "s_y": s_y, "t": ("f", t), "n_t": n,
                        "loss": ("of", 1), "grad": ("of", n), "n_grad": n})
        st = lib.sym_mse_loss_core(*c.args)
        why = _status_ok(st, f"mse_loss {label}") or _eq(f"mse_loss {label} loss", c.floats("loss", 1), [want])
        if why:
            return why
    return None


CASES.append(AbiCase("mse_loss_finite_edges", _mse_finite_edges, family="abi_layers"))


def _ln_wide_rows(ffi: Any, lib: Any) -> "str | None":
    """F = 32768 features (n_f = 32768.0f, outside int16), forward and backward,
    against the emulator: forward y and s_y; backward dx through the emulator's
    float_to_sym (12 bits), compared with the emulator's layernorm_backward."""
    import numpy as np

    import symverify as sv

    f = 32768
    x = [(j * 37) % 255 - 127 for j in range(f)]
    g = [(j * 11) % 201 - 100 for j in range(f)]
    b = [(j * 5) % 61 - 30 for j in range(f)]
    dy = [(j * 13) % 151 - 75 for j in range(f)]
    eps = float(np.float32(1e-5))
    xt = sv.SymTensor(np.array(x).reshape(1, f), np.float32(0.5), 8)
    gt = sv.SymTensor(np.array(g), np.float32(0.25), 8)
    want = sv.emulate.layernorm_forward(xt, gt, sv.SymTensor(np.array(b), np.float32(0.125), 16), 12, eps)
    c = _Call(ffi, {"x": ("i", x), "n_x": f, "s_x": 0.5, "x_bits": 8, "gamma": ("i", g), "n_gamma": f,
                    "s_gamma": 0.25, "gamma_bits": 8, "beta": ("i", b), "n_beta": f, "s_beta": 0.125,
                    "batch": 1, "features": f, "norm_bits": 12, "eps": eps, "rounding": 0, "rng": None,
                    "y": ("oi", f), "n_y": f, "s_y": ("of", 1)})
    why = (_status_ok(lib.sym_layernorm_forward_core(*c.args), "layernorm_forward F = 32768")
           or _eq("layernorm_forward F = 32768 y", c.ints("y", f), [int(v) for v in want.mantissas.ravel()])
           or _eq("layernorm_forward F = 32768 s_y", c.floats("s_y", 1), [float(want.scale)]))
    if why:
        return why
    dyt = sv.SymTensor(np.array(dy).reshape(1, f), np.float32(0.125), 8)
    want_dx = sv.emulate.layernorm_backward(xt, gt, dyt, 12, eps)
    c = _Call(ffi, {"x": ("i", x), "n_x": f, "s_x": 0.5, "x_bits": 8, "gamma": ("i", g), "n_gamma": f,
                    "s_gamma": 0.25, "dy": ("i", dy), "n_dy": f, "s_dy": 0.125,
                    "batch": 1, "features": f, "eps": eps, "dx": ("of", f), "n_dx": f})
    why = _status_ok(lib.sym_layernorm_backward_core(*c.args), "layernorm_backward F = 32768")
    if why:
        return why
    got = sv.emulate.float_to_sym(np.array(c.floats("dx", f), dtype=np.float32).reshape(1, f), 12)
    return (_eq("layernorm_backward F = 32768 dx mantissas", got.mantissas.ravel().tolist(),
                want_dx.mantissas.ravel().tolist())
            or _eq("layernorm_backward F = 32768 dx scale", float(got.scale), float(want_dx.scale)))


CASES.append(AbiCase("layernorm_f32768", _ln_wide_rows, family="abi_layers"))

# ----------------------------------------------------------------- linear
# Mutation gate of sym_linear.c (symverify mutate): cases for
# the survivors of the first layer run. Expected values are plain Python ints.
M16 = -32768
INT32_MIN = -(1 << 31)

# A product B*I exactly at its int32 limit (B = INT32_MAX // I) is accepted by
# the dimension check: the call then stops at the width check (x_bits 1,
# BAD_WIDTH) before any element is read, so the short buffers are never touched.
FWD_GATE = [
    ("batch*in == 2147483646 fits (then x_bits 1)",
     {"batch": INT32_MAX // 2, "in": 2, "out": 1, "n_x": 2 * (INT32_MAX // 2), "n_w": 2, "n_b": 1,
      "n_acc": INT32_MAX // 2, "x_bits": 1}, "SYM_ERR_BAD_WIDTH"),
    ("batch*in == INT32_MAX fits (then x_bits 1)",
     {"batch": INT32_MAX, "in": 1, "out": 1, "n_x": INT32_MAX, "n_w": 1, "n_b": 1, "n_acc": INT32_MAX,
      "x_bits": 1}, "SYM_ERR_BAD_WIDTH"),
    # an invalid s_b is an argument error: reported before the product scale (step 1)
    ("s_b 0 and s_acc inf", {"s_b": 0.0, "s_x": 2.0 ** 70, "s_w": 2.0 ** 70}, "SYM_ERR_BAD_SCALE"),
    ("s_b nan and s_acc subnormal", {"s_b": float("nan"), "s_x": 2.0 ** -70, "s_w": 2.0 ** -70},
     "SYM_ERR_BAD_SCALE"),
]

# B*O = 65537 * 65537 leaves int32 (its int32 wrap would be 131073 = n_dy) while
# B*I and O*I fit: SHAPE, whatever the widths.
_WRAP = 65537
GRAD_GATE = [
    ("batch*in > int32", {"batch": 1 << 16, "in": 1 << 15, "out": 1}, "SYM_ERR_SHAPE"),
    ("out*in > int32", {"out": 1 << 16, "in": 1 << 15, "batch": 1}, "SYM_ERR_SHAPE"),
    ("batch*out > int32 (wraps to n_dy)",
     {"batch": _WRAP, "out": _WRAP, "in": 1, "n_dy": (_WRAP * _WRAP) % (1 << 32), "n_x": _WRAP, "n_w": _WRAP,
      "n_dw": _WRAP, "n_dx": _WRAP, "dy_bits": 1}, "SYM_ERR_SHAPE"),
]


def _lin_call(ffi: Any, lib: Any, fn: str, spec: dict[str, Any], out: str, want: list[int]) -> "str | None":
    c = _Call(ffi, spec)
    st = getattr(lib, f"sym_{fn}")(*c.args)
    return _status_ok(st, f"{fn}: {out} = {want}") or _eq(f"{fn} {out}", c.ints(out, len(want)), want)


def _gw_spec(dy: list[int], x: list[int], b: int, i: int, o: int) -> dict[str, Any]:
    return {"dy": ("i", dy), "n_dy": b * o, "s_dy": 1.0, "dy_bits": 16, "x": ("i", x), "n_x": b * i,
            "s_x": 1.0, "x_bits": 16, "batch": b, "in": i, "out": o, "dw": ("oi", o * i), "n_dw": o * i,
            "s_dw": ("of", 1)}


def _gx_spec(dy: list[int], w: list[int], b: int, i: int, o: int) -> dict[str, Any]:
    return {"dy": ("i", dy), "n_dy": b * o, "s_dy": 1.0, "dy_bits": 16, "w": ("i", w), "n_w": o * i,
            "s_w": 1.0, "w_bits": 16, "batch": b, "in": i, "out": o, "dx": ("oi", b * i), "n_dx": b * i,
            "s_dx": ("of", 1)}


def _gw_ref(dy: list[int], x: list[int], b: int, i: int, o: int) -> list[int]:
    return [sum(dy[r * o + c] * x[r * i + k] for r in range(b)) for c in range(o) for k in range(i)]


def _gx_ref(dy: list[int], w: list[int], b: int, i: int, o: int) -> list[int]:
    return [sum(dy[r * o + c] * w[c * i + k] for c in range(o)) for r in range(b) for k in range(i)]


def _lin_sums_at_int32_bounds(ffi: Any, lib: Any) -> "str | None":
    """dW and dx sums landing exactly on INT32_MAX (2^30 + 32767^2 + 2*32767)
    and INT32_MIN (-2 * 32768*32767 - 2*32768): accepted and written (the
    checked pass starts from 0, not from 1 or -1)."""
    hi_a, hi_b = [M16, 32767, 2], [M16, 32767, 32767]
    lo_a, lo_b = [M16, M16, M16], [32767, 32767, 2]
    for a, b in ((hi_a, hi_b), (lo_a, lo_b)):
        want = sum(p * q for p, q in zip(a, b))
        assert want in (INT32_MAX, INT32_MIN)
        # grad_w: B = 3, O = I = 1 (sum over the batch); grad_x: O = 3, B = I = 1 (sum over c)
        why = (_lin_call(ffi, lib, "linear_grad_w", _gw_spec(a, b, 3, 1, 1), "dw", _gw_ref(a, b, 3, 1, 1))
               or _lin_call(ffi, lib, "linear_grad_x", _gx_spec(a, b, 1, 1, 3), "dx", _gx_ref(a, b, 1, 1, 3)))
        if why:
            return why
    return None


def _lin_strided_sums(ffi: Any, lib: Any) -> "str | None":
    """Sums over strided operands (dy columns, x / w columns) whose correct
    value fits (2^30) but that overflow if one operand is re-read (stride 0, or
    t / stride instead of t * stride): accepted and written."""
    calls = [
        # grad_w B = O = I = 2: dy row 1 zero, x all M16 (re-reading dy[0, c] gives 2^31)
        ("linear_grad_w", _gw_spec([M16, M16, 0, 0], [M16, M16, M16, M16], 2, 2, 2),
         _gw_ref([M16, M16, 0, 0], [M16, M16, M16, M16], 2, 2, 2)),
        # grad_w: x row 1 zero, dy all M16 (re-reading x[0, k] gives 2^31)
        ("linear_grad_w", _gw_spec([M16, M16, M16, M16], [M16, M16, 0, 0], 2, 2, 2),
         _gw_ref([M16, M16, M16, M16], [M16, M16, 0, 0], 2, 2, 2)),
        # grad_x B = 1, O = 3, I = 2: dy = [M16, 0, 0], w[:, k] = [M16, M16, 0]
        ("linear_grad_x", _gx_spec([M16, 0, 0], [M16, M16, M16, M16, 0, 0], 1, 2, 3),
         _gx_ref([M16, 0, 0], [M16, M16, M16, M16, 0, 0], 1, 2, 3)),
        # grad_x: w[0, :] = M16, w[1:, :] = 0, dy = M16 everywhere (re-reading w[0, k] gives 3 * 2^30)
        ("linear_grad_x", _gx_spec([M16, M16, M16], [M16, M16, 0, 0, 0, 0], 1, 2, 3),
         _gx_ref([M16, M16, M16], [M16, M16, 0, 0, 0, 0], 1, 2, 3)),
    ]
    for fn, spec, want in calls:
        out = "dw" if fn == "linear_grad_w" else "dx"
        why = _lin_call(ffi, lib, fn, spec, out, want)
        if why:
            return why
    return None


def _lin_alias_byte_counts(ffi: Any, lib: Any) -> "str | None":
    """Partial overlaps that only the full byte count n * 4 of b / db sees:
    b (4 elements) and acc or s_acc starting at b + 3; db (4 elements) with dy
    starting at db + 3. One buffer holds both, so nothing is read or written
    outside it; ALIAS, and the buffer unchanged."""
    init = list(range(10, 18))
    cases = []
    buf = ffi.new("int32_t[]", init)
    xs, ws = ffi.new("int32_t[]", [1]), ffi.new("int32_t[]", [1, 1, 1, 1])
    acc, s_acc = ffi.new("int32_t[]", [SENTINEL] * 4), ffi.new("float[]", [F_SENT])
    cases.append(("forward: acc = b + 3", lambda: lib.sym_linear_forward_core(
        xs, 1, 1.0, 8, ws, 4, 1.0, 8, buf, 4, 1.0, 1, 1, 4, buf + 3, 4, s_acc)))
    cases.append(("forward: s_acc = b + 3", lambda: lib.sym_linear_forward_core(
        xs, 1, 1.0, 8, ws, 4, 1.0, 8, buf, 4, 1.0, 1, 1, 4, acc, 4, ffi.cast("float *", buf + 3))))
    cases.append(("grad_b: dy = db + 3", lambda: lib.sym_linear_grad_b(buf + 3, 4, 1, 4, buf, 4)))
    for label, call in cases:
        st = call()
        if st != S["SYM_ERR_ALIAS"]:
            return f"status {st} != expected SYM_ERR_ALIAS (linear {label})"
        if list(buf[0:8]) != init or list(acc[0:4]) != [SENTINEL] * 4 or s_acc[0] != F_SENT:
            return f"linear {label}: written on error SYM_ERR_ALIAS"
    return None


CASES += [
    table("linear_forward_gate", "sym_linear_forward_core", _fwd_base, _fwd_ok, FWD_GATE, ["acc", "s_acc"]),
    table("linear_grad_w_gate", "sym_linear_grad_w", _gw_base, _gw_ok, GRAD_GATE, ["dw", "s_dw"]),
    table("linear_grad_x_gate", "sym_linear_grad_x", _gx_base, _gx_ok, GRAD_GATE, ["dx", "s_dx"]),
    AbiCase("linear_sums_at_int32_bounds", _lin_sums_at_int32_bounds, family="abi_layers"),
    AbiCase("linear_strided_sums", _lin_strided_sums, family="abi_layers"),
    AbiCase("linear_alias_byte_counts", _lin_alias_byte_counts, family="abi_layers"),
]


# ----------------------------------------------------------------- legal calls that look suspicious
def ok_table(name: str, fn_name: str, base: Callable[[], dict[str, Any]],
             check_ok: Callable[[_Call], "str | None"], variations: list[tuple[str, dict[str, Any]]]) -> AbiCase:
    """A case: each variation of the base call (harmless placements of buffers,
    an unused rng pointer) is a LEGAL call: SYM_OK and ``check_ok`` passes."""

    def run(ffi: Any, lib: Any) -> "str | None":
        fn = getattr(lib, fn_name)
        for label, over in variations:
            spec = base()
            spec.update(over)
            c = _Call(ffi, spec)
            st = fn(*c.args)
            if st != 0:
                return f"status {st} != expected 0 ({fn_name}: {label} is a legal call)"
            why = check_ok(c)
            if why:
                return f"{fn_name} ({label}): {why}"
        return None

    return AbiCase(name, run, family="abi_layers")


def _arena_call(ffi: Any, fn: Any, base: dict[str, Any], placed: dict[str, tuple[str, int]],
                arena_len: int) -> tuple[int, dict[str, Any]]:
    """Call ``fn`` with the buffers in ``placed`` (name -> (ctype, element
    offset)) carved out of one zeroed arena of ``arena_len`` 32-bit slots, the
    inputs copied in; returns (status, name -> pointer)."""
    arena = ffi.new("int32_t[]", arena_len)
    ptrs: dict[str, Any] = {"_arena": arena}  # the casts below do not keep the arena alive
    args = []
    c = _Call(ffi, base)
    for (name, v), arg in zip(base.items(), c.args):
        if name in placed:
            ctype, off = placed[name]
            p = ffi.cast(ctype, arena + off)
            if isinstance(v, tuple) and v[0] in ("i", "f", "u"):
                for k, val in enumerate(v[1]):
                    p[k] = val
            elif isinstance(v, tuple) and v[0] in ("oi", "of"):
                for k in range(v[1]):
                    p[k] = SENTINEL if v[0] == "oi" else F_SENT
            ptrs[name] = p
            args.append(p)
        else:
            args.append(arg)
    return fn(*args), ptrs


def _placements(pairs: list[tuple[str, str, int, int]]) -> list[tuple[str, dict[str, int]]]:
    """For buffers a (n_a slots) and b (n_b slots): b adjacent after a, a
    adjacent after b, and b one element further away on either side: legal
    (non-overlapping) placements where a size test with the two byte counts
    exchanged, or the two buffers exchanged, sees an overlap."""
    out = []
    for a, b, n_a, n_b in pairs:
        for gap in (0, 1):
            out.append((f"{b} {gap} after {a}", {a: 0, b: n_a + gap}))
            out.append((f"{a} {gap} after {b}", {b: 0, a: n_b + gap}))
    return out


def placement_case(name: str, fn_name: str, base: Callable[[], dict[str, Any]],
                   ctypes: dict[str, str], pairs: list[tuple[str, str, int, int]],
                   check: Callable[[dict[str, Any]], "str | None"]) -> AbiCase:
    """Legal calls with two buffers side by side in one arena (no overlap):
    SYM_OK and ``check(pointers)`` passes."""

    def run(ffi: Any, lib: Any) -> "str | None":
        fn = getattr(lib, fn_name)
        for label, offs in _placements(pairs):
            placed = {k: (ctypes[k], off) for k, off in offs.items()}
            st, ptrs = _arena_call(ffi, fn, base(), placed, max(offs.values()) + 64)
            if st != 0:
                return f"status {st} != expected 0 ({fn_name}: {label}, no overlap)"
            why = check(ptrs)
            if why:
                return f"{fn_name} ({label}): {why}"
        return None

    return AbiCase(name, run, family="abi_layers")


def _ln_ptr_ok(p: dict[str, Any]) -> "str | None":
    y, s_y, _ = _ln_expect("half_away", None)
    if "y" in p and [p["y"][k] for k in range(6)] != y:
        return f"y {[p['y'][k] for k in range(6)]} != {y}"
    return None


def _mse_ptr_ok(p: dict[str, Any]) -> "str | None":
    import numpy as np

    f = np.float32
    diff = [f(f(y) * f(0.5)) - f(t) for y, t in zip(Y, TG)]
    s = f(0)
    for d in diff:
        s = f(s + f(d * d))
    if "loss" in p and p["loss"][0] != float(f(s / f(4))):
        return f"loss {p['loss'][0]} != {float(f(s / f(4)))}"
    return None


def _fwd_ptr_ok(p: dict[str, Any]) -> "str | None":
    seeds = [3, -2]
    want = [seeds[o] + sum(X[i * 3 + k] * W[o * 3 + k] for k in range(3)) for i in range(2) for o in range(2)]
    if "acc" in p and [p["acc"][k] for k in range(4)] != want:
        return f"acc {[p['acc'][k] for k in range(4)]} != {want}"
    return None


def _sgd_swap_cases(ffi: Any, lib: Any) -> "str | None":
    """SGD with operands of very different magnitudes, so that exchanging any
    two same-typed arguments of the update (param <-> grad, s_p / s_g / lr)
    changes whether w is finite: the validation pass must compute exactly
    w = m * s_p - lr * (g * s_g). g = 32767 at s_g = 2^120 overflows (g * s_g =
    inf) whatever lr is: FLOAT_OVERFLOW (a pass 1 with lr and s_g exchanged
    sees 32767 * 2^-20 * 2^120, finite, and pass 2 writes -inf)."""
    import numpy as np

    f = np.float32
    cases = [  # (param, s_p, grad, s_g, lr)
        ([1, 2], 2.0 ** 0, [32767, 1], 2.0 ** 120, 2.0 ** -20),
        ([1, -1], 2.0 ** 114, [32767, 3], 1.0, 1.0),
        ([1, 5], 2.0 ** 114, [32767, 2], 2.0 ** 14, 2.0 ** -20),
        ([32767, 1], 2.0 ** 113, [1, 1], 2.0 ** 120, 2.0 ** -100),
        ([3, 1], 2.0 ** -100, [32767, 7], 2.0 ** 100, 2.0 ** 27),
    ]
    for pm, s_p, gm, s_g, lr in cases:
        with np.errstate(over="ignore"):
            w = [f(f(f(p) * f(s_p)) - f(f(lr) * f(f(g) * f(s_g)))) for p, g in zip(pm, gm)]
        want = "SYM_OK" if all(np.isfinite(v) for v in w) else "SYM_ERR_FLOAT_OVERFLOW"
        c = _Call(ffi, {"p": ("i", pm), "n_p": 2, "s_p": s_p, "g": ("i", gm), "n_g": 2, "s_g": s_g, "lr": lr,
                        "w": ("of", 2), "n_w": 2})
        st = lib.sym_sgd_update_core(*c.args)
        if st != S[want]:
            return f"sgd_update(p {pm} * {s_p}, g {gm} * {s_g}, lr {lr}): status {st} != expected {want}"
        got = c.floats("w", 2)
        if want == "SYM_OK" and got != [float(v) for v in w]:
            return f"sgd_update(p {pm}, g {gm}): w {got} != {[float(v) for v in w]}"
        if want != "SYM_OK" and got != [F_SENT, F_SENT]:
            return f"sgd_update: w written on error ({got})"
    return None


def _lnb_magnitudes(ffi: Any, lib: Any) -> "str | None":
    """LayerNorm backward with scales of very different magnitudes: the
    finiteness check of pass 1 must use exactly (dy * s_dy) * (gamma *
    s_gamma) and the row's own x (argument exchanges change the status).
    Expected status from the emulator (goldgen) through the Python layer."""
    import numpy as np

    import symverify as sv

    x = [1, 2, 4, 5, 5, 7]
    for s_x, s_g, s_dy, g, dy in ((0.5, 2.0 ** -100, 2.0 ** 115, LG, [32767, 1, 0, 0, 4, -1]),
                                  (0.5, 2.0 ** 115, 2.0 ** -100, [32767, 1, 1], [1, 1, 0, 0, 4, -1]),
                                  (2.0 ** -100, 2.0 ** 110, 0.125, [127, -100, 3], [100, -2, 3, 0, 4, -1]),
                                  (0.5, 0.25, 2.0 ** 126, [100, 100, 100], [127, 127, -127, 0, 1, -1])):
        xt = sv.SymTensor(np.array(x).reshape(2, 3), np.float32(s_x), 8)
        gt = sv.SymTensor(np.array(g), np.float32(s_g), 16)
        dyt = sv.SymTensor(np.array(dy).reshape(2, 3), np.float32(s_dy), 16)
        try:
            with np.errstate(all="ignore"):
                sv.emulate.layernorm_backward(xt, gt, dyt, 12, float(np.float32(1e-5)))
            want = 0
        except sv.SymError as exc:
            want = S[exc.code]
        c = _Call(ffi, {"x": ("i", x), "n_x": 6, "s_x": s_x, "x_bits": 8, "gamma": ("i", g), "n_gamma": 3,
                        "s_gamma": s_g, "dy": ("i", dy), "n_dy": 6, "s_dy": s_dy, "batch": 2, "features": 3,
                        "eps": 1e-5, "dx": ("of", 6), "n_dx": 6})
        st = lib.sym_layernorm_backward_core(*c.args)
        if st != want:
            return f"layernorm_backward(s_x {s_x}, s_gamma {s_g}, s_dy {s_dy}): status {st} != expected {want}"
    return None


def _ln_affine_error_writes_nothing(ffi: Any, lib: Any) -> "str | None":
    """An INT_OVERFLOW found by the affine check pass at the LAST element
    leaves y untouched (elements 0..2 fit: a check pass that wrote would show
    there). The prover's edge (docs/proofs.md, golden ln_affine_overflow_u0)
    with the outlier moved to j = 3: its draw (the 4th) is u = 0, so q_n =
    qMin and (-32768)(-32768) + 2^30 = 2^31 leaves int32."""
    import numpy as np

    from symverify.goldgen.fixtures import seed_for_first_state

    seed = 1
    for _ in range(4):
        seed = seed_for_first_state(seed)
    s_y_edge = np.float32(np.frombuffer(bytes.fromhex("4DAE5D38"), dtype="<f4")[0])
    spec = {"x": ("i", [3, 2, 1, -100]), "n_x": 4, "s_x": 1.0, "x_bits": 12,
            "gamma": ("i", [0, 0, 0, -32768]), "n_gamma": 4, "s_gamma": 1.0, "gamma_bits": 16,
            "beta": ("i", [0, 0, 0, 16384]), "n_beta": 4, "s_beta": float(s_y_edge * np.float32(65536.0)),
            "batch": 1, "features": 4, "norm_bits": 16, "eps": float(np.float32(1e-5)), "rounding": 1,
            "rng": ("u", [seed]), "y": ("oi", 4), "n_y": 4, "s_y": ("of", 1)}
    c = _Call(ffi, spec)
    st = lib.sym_layernorm_forward_core(*c.args)
    if st != S["SYM_ERR_INT_OVERFLOW"]:
        return f"status {st} != expected SYM_ERR_INT_OVERFLOW (layernorm_forward affine overflow at j = 3)"
    why = (_eq("y after an error", c.ints("y", 4), [SENTINEL] * 4) or _eq("s_y", c.floats("s_y", 1), [F_SENT])
           or _eq("rng after an error", int(c.bufs["rng"][0]), seed))
    if why:
        return why
    # two rows, the overflow only in row 1 (its 4th draw, the 8th, is u = 0): the
    # check pass must cover every row (batch, not another int32 argument)
    seed2 = 1
    for _ in range(8):
        seed2 = seed_for_first_state(seed2)
    spec.update({"x": ("i", [3, 2, 1, -100] * 2), "n_x": 8, "batch": 2, "rng": ("u", [seed2]), "y": ("oi", 8),
                 "n_y": 8})
    c = _Call(ffi, spec)
    st = lib.sym_layernorm_forward_core(*c.args)
    if st != S["SYM_ERR_INT_OVERFLOW"]:
        return f"status {st} != expected SYM_ERR_INT_OVERFLOW (layernorm_forward affine overflow in row 1 only)"
    return _eq("y after an error (2 rows)", c.ints("y", 8), [SENTINEL] * 8)


def _fwd_bias_scale_distinct(ffi: Any, lib: Any) -> "str | None":
    """Bias seeds rescale from s_b INTO s_x * s_w: s_b = 0.5 and s_acc = 0.125
    give seed = b * 4 (the exchanged scales would give b / 4)."""
    spec = _fwd_base()
    spec["s_b"] = 0.5
    c = _Call(ffi, spec)
    st = lib.sym_linear_forward_core(*c.args)
    seeds = [12, -8]
    want = [seeds[o] + sum(X[i * 3 + k] * W[o * 3 + k] for k in range(3)) for i in range(2) for o in range(2)]
    why = _status_ok(st, "linear_forward with s_b != s_acc") or _eq("acc", c.ints("acc", 4), want)
    if why:
        return why
    # the check pass sums with the same seed: 2 * 32767^2 + 2^20 (b = 1 at s_b = 2^20, s_acc = 1)
    # leaves int32; with the scales exchanged the seed would be 0 and the sum would fit
    c = _Call(ffi, {"x": ("i", [32767, 32767]), "n_x": 2, "s_x": 1.0, "x_bits": 16,
                    "w": ("i", [32767, 32767]), "n_w": 2, "s_w": 1.0, "w_bits": 16,
                    "b": ("i", [1]), "n_b": 1, "s_b": 2.0 ** 20, "batch": 1, "in": 2, "out": 1,
                    "acc": ("oi", 1), "n_acc": 1, "s_acc": ("of", 1)})
    assert 2 * 32767 * 32767 + (1 << 20) > INT32_MAX
    st = lib.sym_linear_forward_core(*c.args)
    if st != S["SYM_ERR_INT_OVERFLOW"]:
        return f"status {st} != expected SYM_ERR_INT_OVERFLOW (linear_forward: seed 2^20 + 2 * 32767^2)"
    return _eq("acc after an error", c.ints("acc", 1), [SENTINEL])


CASES.append(AbiCase("linear_forward_bias_scale_distinct", _fwd_bias_scale_distinct, family="abi_layers"))


_BAD_ENUMS = (-1, -2, 2, 3, 99, -(1 << 31), INT32_MAX)

CASES += [
    table("layernorm_forward_enums", "sym_layernorm_forward_core", _ln_base, _ln_ok,
          [(f"rounding {r}", {"rounding": r}, "SYM_ERR_BAD_ROUNDING") for r in _BAD_ENUMS]
          + [(f"SR rounding {r}, rng set", {"rounding": r, "rng": ("u", [7])}, "SYM_ERR_BAD_ROUNDING")
             for r in _BAD_ENUMS]
          # s_beta is checked with the other scales, before the rounding / alias checks
          + [("s_beta 0 and rounding 2", {"s_beta": 0.0, "rounding": 2}, "SYM_ERR_BAD_SCALE"),
             ("s_beta nan and y aliasing x", {"s_beta": float("nan"), "y": ("alias", "x", "int32_t *", 0)},
              "SYM_ERR_BAD_SCALE")],
          ["y", "s_y", "rng"]),
    ok_table("layernorm_forward_unused_rng", "sym_layernorm_forward_core", _ln_base, _ln_ok,
             [(f"HALF_AWAY, rng inside {o}", {"rng": ("alias", o, "uint32_t *", off)})
              for o, off in (("x", 5), ("gamma", 2), ("beta", 0), ("y", 3), ("s_y", 0))]),
    placement_case("layernorm_forward_placements", "sym_layernorm_forward_core", _ln_base,
                   {"y": "int32_t *", "gamma": "int32_t *", "beta": "int32_t *", "x": "int32_t *"},
                   [("y", "gamma", 6, 3), ("y", "beta", 6, 3), ("y", "x", 6, 6)], _ln_ptr_ok),
    placement_case("mse_loss_placements", "sym_mse_loss_core", _mse_base,
                   {"loss": "float *", "t": "float *", "grad": "float *", "y": "int32_t *"},
                   [("loss", "t", 1, 4), ("loss", "y", 1, 4), ("grad", "t", 4, 4), ("loss", "grad", 1, 4)],
                   _mse_ptr_ok),
    placement_case("linear_forward_placements", "sym_linear_forward_core", _fwd_base,
                   {"acc": "int32_t *", "x": "int32_t *", "w": "int32_t *", "b": "int32_t *", "s_acc": "float *"},
                   [("acc", "x", 4, 6), ("acc", "w", 4, 6), ("s_acc", "x", 1, 6), ("s_acc", "w", 1, 6),
                    ("s_acc", "acc", 1, 4)], _fwd_ptr_ok),
    AbiCase("sgd_update_argument_magnitudes", _sgd_swap_cases, family="abi_layers"),
    AbiCase("layernorm_backward_argument_magnitudes", _lnb_magnitudes, family="abi_layers"),
    AbiCase("layernorm_affine_error_writes_nothing", _ln_affine_error_writes_nothing, family="abi_layers"),
]


def _pair_widths_distinct(ffi: Any, lib: Any) -> "str | None":
    """The product kernels check each operand against ITS width: a at 16 bits
    with values beyond 4 bits next to b at 4 bits (and the reverse) is legal."""
    wide = [1000, -2, 3, -30000, 0, -1]
    for fn_name, base, a, b in (("sym_linear_forward_core", _fwd_base, "x", "w"),
                                ("sym_linear_grad_w", _gw_base, "dy", "x"),
                                ("sym_linear_grad_x", _gx_base, "dy", "w")):
        for wide_one, narrow_one in ((a, b), (b, a)):
            spec = base()
            spec[wide_one] = ("i", wide[:len(spec[wide_one][1])])
            spec[f"{wide_one}_bits"] = 16
            spec[narrow_one] = ("i", [v % 8 - 4 for v in range(len(spec[narrow_one][1]))])
            spec[f"{narrow_one}_bits"] = 4
            c = _Call(ffi, spec)
            st = getattr(lib, fn_name)(*c.args)
            if st != 0:
                return f"status {st} != expected 0 ({fn_name}: {wide_one} at 16 bits, {narrow_one} at 4 bits)"
    return None


CASES.append(AbiCase("linear_operand_widths_distinct", _pair_widths_distinct, family="abi_layers"))

# the layer steps (sym_<kernel>(args, err)): error detail and nothing written
from .abi_layer_steps import CASES as _STEP_CASES  # noqa: E402  (after the core cases)

CASES += _STEP_CASES
