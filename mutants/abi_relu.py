"""C-ABI cases of the ReLU layer steps (kernels/include/sym_relu.h) that no
golden vector can express: NULL pointers, output views of the wrong length
or width, partial and exact aliasing, a NULL ``err``. Each case checks the
returned status, the ``sym_err`` detail (status, argument name, index) and
that nothing was written on error; part of the gold suite
(:func:`symverify.mutants.gold.load_suite`).
"""
from __future__ import annotations

from typing import Any, Callable

from .abi import AbiCase

__all__ = ["CASES"]

_SENT = 0x5A5AA5A5
_SCALE_SENT = -1.0
_NULL, _EMPTY, _WIDTH, _SCALE, _SHAPE, _ALIAS = -1, -2, -3, -4, -13, -10


def _arg(ffi: Any, err: Any) -> str | None:
    return None if err.arg == ffi.NULL else ffi.string(err.arg).decode()


def _expect_error(ffi: Any, st: int, err: Any, status: int, arg: str, untouched: list[tuple[Any, int]],
                  views: list[Any]) -> str | None:
    if st != status:
        return f"status {st} != expected {status}"
    if err.status != status or _arg(ffi, err) != arg or err.index != -1 or err.reason == ffi.NULL:
        return f"sym_err ({err.status}, {_arg(ffi, err)!r}, {err.index}) != ({status}, {arg!r}, -1)"
    for buf, n in untouched:
        if any(buf[i] != _SENT for i in range(n)):
            return f"{arg}: an output element was written on error"
    if any(v != ffi.NULL and v.scale != _SCALE_SENT for v in views):
        return f"{arg}: the output scale was written on error"
    return None


def _fwd(ffi: Any, lib: Any, x: list[int], *, y_n: int | None = None, y_bits: int = 8, alias: str = "",
         null: str = "", err_null: bool = False, x_n: int | None = None, x_bits: int = 8,
         x_scale: float = 0.5) -> tuple[int, Any, Any, Any, Any]:
    """Call sym_relu_forward on x (width 8, scale 0.5); ``alias``: "exact"
    (y.m = x.m), "partial" (y.m = x.m + 1) or "far" (y.m = the last element
    of x: an overlap of one element); ``null``: which pointer is NULL."""
    store = ffi.new("int32_t[]", [*x, _SENT, _SENT])
    out = ffi.new("int32_t[]", [_SENT] * (len(x) + 2))
    ym = {"exact": store, "partial": store + 1, "far": store + (len(x) - 1)}.get(alias, out)
    y = ffi.new("sym_view *", {"m": ffi.NULL if null == "y.m" else ym, "n": len(x) if y_n is None else y_n,
                               "scale": _SCALE_SENT, "bits": y_bits})
    args = ffi.new("sym_relu_forward_args *", {"x": {"m": ffi.NULL if null == "x.m" else store,
                                                     "n": len(x) if x_n is None else x_n,
                                                     "scale": x_scale, "bits": x_bits},
                                               "y": ffi.NULL if null == "y" else y})
    err = ffi.new("sym_err *", {"status": 7, "index": 7})
    st = lib.sym_relu_forward(ffi.NULL if null == "args" else args, ffi.NULL if err_null else err)
    return st, err, y, out, store


def _bwd(ffi: Any, lib: Any, x: list[int], dy: list[int], *, dx_n: int | None = None, dx_bits: int = 12,
         alias: str = "", null: str = "", x_n: int | None = None, dy_n: int | None = None,
         x_bits: int = 8, dy_bits: int = 12, x_scale: float = 1.0,
         dy_scale: float = 0.25) -> tuple[int, Any, Any, Any, Any, Any]:
    """Call sym_relu_backward on x (width 8) and dy (width 12, scale 0.25);
    ``alias``: "x", "dy" (exact), "x+1", "dy+1" (partial)."""
    xs = ffi.new("int32_t[]", [*x, _SENT, _SENT])
    ds = ffi.new("int32_t[]", [*dy, _SENT, _SENT])
    out = ffi.new("int32_t[]", [_SENT] * (len(dy) + 2))
    far = len(x) - 1
    dxm = {"x": xs, "dy": ds, "x+1": xs + 1, "dy+1": ds + 1, "x+far": xs + far, "dy+far": ds + far}.get(alias, out)
    dx = ffi.new("sym_view *", {"m": ffi.NULL if null == "dx.m" else dxm, "n": len(x) if dx_n is None else dx_n,
                                "scale": _SCALE_SENT, "bits": dx_bits})
    args = ffi.new("sym_relu_backward_args *", {
        "x": {"m": ffi.NULL if null == "x.m" else xs, "n": len(x) if x_n is None else x_n, "scale": x_scale,
              "bits": x_bits},
        "dy": {"m": ffi.NULL if null == "dy.m" else ds, "n": len(dy) if dy_n is None else dy_n,
               "scale": dy_scale, "bits": dy_bits},
        "dx": ffi.NULL if null == "dx" else dx})
    err = ffi.new("sym_err *", {"status": 7, "index": 7})
    st = lib.sym_relu_backward(ffi.NULL if null == "args" else args, err)
    return st, err, dx, out, xs, ds


def _fwd_error(arg: str, status: int, **kw: Any) -> Callable[[Any, Any], str | None]:
    def run(ffi: Any, lib: Any) -> str | None:
        x = [-3, 4, 0]
        st, err, y, out, store = _fwd(ffi, lib, x, **kw)
        return (_expect_error(ffi, st, err, status, arg, [(out, len(x) + 2)], [y])
                or (None if list(store[0:3]) == x else "x was written on error"))
    return run


def _bwd_error(arg: str, status: int, **kw: Any) -> Callable[[Any, Any], str | None]:
    def run(ffi: Any, lib: Any) -> str | None:
        x, dy = [2, -1, 0], [5, 6, -7]
        st, err, dx, out, xs, ds = _bwd(ffi, lib, x, dy, **kw)
        return (_expect_error(ffi, st, err, status, arg, [(out, len(dy) + 2)], [dx])
                or (None if list(xs[0:3]) == x and list(ds[0:3]) == dy else "an input was written on error"))
    return run


def _fwd_error_no_err(ffi: Any, lib: Any) -> str | None:
    """An error with err == NULL: the status alone, no write through err."""
    st, _, y, out, _ = _fwd(ffi, lib, [1, 2], y_n=1, err_null=True)
    return None if st == _SHAPE and out[0] == _SENT and y.scale == _SCALE_SENT else f"status {st} != {_SHAPE}"


def _fwd_ok(alias: str = "", err_null: bool = False) -> Callable[[Any, Any], str | None]:
    def run(ffi: Any, lib: Any) -> str | None:
        st, err, y, out, store = _fwd(ffi, lib, [-3, 4, 0, -8, 7], alias=alias, err_null=err_null)
        got = list((store if alias == "exact" else out)[0:6])
        want = [0, 4, 0, 0, 7, _SENT]
        if st != 0 or got != want or y.scale != 0.5:
            return f"in-place={alias!r}: status {st}, y {got} scale {y.scale} != 0, {want}, 0.5"
        return None if err_null or err.status == 7 else "sym_err written on success"
    return run


def _bwd_ok(alias: str) -> Callable[[Any, Any], str | None]:
    def run(ffi: Any, lib: Any) -> str | None:
        st, err, dx, out, xs, ds = _bwd(ffi, lib, [2, -1, 0, 9], [5, 6, -7, -8], dx_n=4, alias=alias)
        got = list({"x": xs, "dy": ds}.get(alias, out)[0:5])
        want = [5, 0, 0, -8, _SENT]
        if st != 0 or got != want or dx.scale != 0.25 or err.status != 7:
            return f"in-place={alias!r}: status {st}, dx {got} scale {dx.scale} != 0, {want}, 0.25"
        return None
    return run


CASES: list[AbiCase] = [AbiCase(name, fn, family="abi_relu") for name, fn in (
    ("fwd_null_args", _fwd_error("args", _NULL, null="args")),
    ("fwd_x_n_zero", _fwd_error("x.n", _EMPTY, x_n=0)),
    ("fwd_x_bits_33", _fwd_error("x.bits", _WIDTH, x_bits=33)),
    ("fwd_x_scale_zero", _fwd_error("x.scale", _SCALE, x_scale=0.0)),
    ("fwd_error_err_null", _fwd_error_no_err),
    ("fwd_null_x_m", _fwd_error("x.m", _NULL, null="x.m")),
    ("fwd_null_y", _fwd_error("y", _NULL, null="y")),
    ("fwd_null_y_m", _fwd_error("y.m", _NULL, null="y.m")),
    ("fwd_y_n_short", _fwd_error("y.n", _SHAPE, y_n=2)),
    ("fwd_y_n_long", _fwd_error("y.n", _SHAPE, y_n=4)),
    ("fwd_y_bits", _fwd_error("y.bits", _WIDTH, y_bits=12)),
    ("fwd_alias_partial", _fwd_error("y.m", _ALIAS, alias="partial")),
    ("fwd_alias_last_element", _fwd_error("y.m", _ALIAS, alias="far")),
    ("fwd_ok", _fwd_ok()),
    ("fwd_in_place", _fwd_ok("exact")),
    ("fwd_err_null", _fwd_ok(err_null=True)),
    ("bwd_null_args", _bwd_error("args", _NULL, null="args")),
    ("bwd_x_n_zero", _bwd_error("x.n", _EMPTY, x_n=0)),
    ("bwd_x_bits_1", _bwd_error("x.bits", _WIDTH, x_bits=1)),
    ("bwd_x_scale_neg", _bwd_error("x.scale", _SCALE, x_scale=-1.0)),
    ("bwd_dy_n_zero", _bwd_error("dy.n", _EMPTY, dy_n=0)),
    ("bwd_dy_bits_33", _bwd_error("dy.bits", _WIDTH, dy_bits=33)),
    ("bwd_dy_scale_zero", _bwd_error("dy.scale", _SCALE, dy_scale=0.0)),
    ("bwd_dy_n_short", _bwd_error("dy.n", _SHAPE, dy_n=2)),
    ("bwd_null_x_m", _bwd_error("x.m", _NULL, null="x.m")),
    ("bwd_null_dy_m", _bwd_error("dy.m", _NULL, null="dy.m")),
    ("bwd_null_dx", _bwd_error("dx", _NULL, null="dx")),
    ("bwd_null_dx_m", _bwd_error("dx.m", _NULL, null="dx.m")),
    ("bwd_dx_n", _bwd_error("dx.n", _SHAPE, dx_n=2)),
    ("bwd_dx_bits", _bwd_error("dx.bits", _WIDTH, dx_bits=8)),
    ("bwd_alias_x", _bwd_error("dx.m", _ALIAS, alias="x+1")),
    ("bwd_alias_dy", _bwd_error("dx.m", _ALIAS, alias="dy+1")),
    ("bwd_alias_x_last_element", _bwd_error("dx.m", _ALIAS, alias="x+far")),
    ("bwd_alias_dy_last_element", _bwd_error("dx.m", _ALIAS, alias="dy+far")),
    ("bwd_ok", _bwd_ok("")),
    ("bwd_in_place_x", _bwd_ok("x")),
    ("bwd_in_place_dy", _bwd_ok("dy")),
)]
