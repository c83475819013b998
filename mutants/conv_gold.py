"""The conv part of the gold suite: ``goldgen/vectors/conv.json`` replayed on a
mutant schemata library through :mod:`symverify.kernels_conv` (the decoder of
:mod:`symverify.goldgen.conv_fixtures`, as tests/test_conv_golden.py), plus
C-ABI cases that reach what the Python binding never sends: bad geometry in
the struct and an error sweep of every validation branch (status, the whole
``sym_err``: arg, index and the exact reason pinned in
:mod:`mutants.conv_reasons`; nothing written) and the geometry edges the
binding accepts.

A case returns ``None`` when bit-exact, else its first difference; every case
is cheap (a few hundred multiply-adds), so the first failing one ends a mutant
quickly.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .abi import AbiCase
from .conv_reasons import REASONS
from .layers_gold import SENTINEL_BYTE, LayerCase, _SentinelNumpy, first_difference, using_library

FAMILY = "conv"


@contextlib.contextmanager
def _conv_library(ffi: Any, lib: Any) -> Iterator[None]:
    import symverify.kernels_conv as KC

    saved = KC.__dict__["np"]
    KC.np = _SentinelNumpy(saved)
    try:
        with using_library(ffi, lib):
            yield
    finally:
        KC.np = saved


class ConvCase(LayerCase):
    """One vector of conv.json through the conv binding."""

    def run(self, ffi: Any, lib: Any) -> str | None:
        import symverify.kernels as K
        from symverify.goldgen import conv_fixtures
        from symverify.goldgen.vecformat import strip_comments

        try:
            with _conv_library(ffi, lib):
                got = conv_fixtures.evaluate(self.kernel, self.args, K)
        except Exception as exc:  # noqa: BLE001  (a wrong C result breaking the binding)
            return f"exception {type(exc).__name__}: {exc}"
        return first_difference(strip_comments(self.expect), got)


def load(path: Path, data: dict[str, Any]) -> list[Any]:
    """The cases of conv.json: its vectors, then the C-ABI cases."""
    return [*(ConvCase(FAMILY, v["name"], v["kernel"], v["args"], v["expect"]) for v in data["vectors"]), *CASES]


# --------------------------------------------------------------------------- C-ABI cases
_GOOD = dict(batch=1, in_channels=2, out_channels=2, in_length=5, out_length=3, kernel_size=3, stride=1,
             dilation=1, groups=1, pad_left=0, pad_right=0, output_padding=0)
_SENT = int(np.frombuffer(bytes([SENTINEL_BYTE] * 4), dtype=np.int32)[0])


def _forward_call(ffi: Any, lib: Any, transpose: bool, geom: dict[str, int], n_x: int, n_w: int, n_y: int
                  ) -> tuple[int, Any, np.ndarray]:
    keep = []
    args = ffi.new("sym_conv1d_forward_args *")
    for name, n, bits in (("x", n_x, 8), ("w", n_w, 8)):
        m = (np.arange(n, dtype=np.int32) % 7) - 3
        keep.append(m)
        view = getattr(args, name)
        view.m = ffi.cast("const int32_t *", ffi.from_buffer(m))
        view.n, view.scale, view.bits = n, 1.0, bits
    for k, v in geom.items():
        setattr(args.geom, k, v)
    y = np.full(max(n_y, 1), _SENT, dtype=np.int32)
    yv = ffi.new("sym_view *")
    yv.m = ffi.cast("int32_t *", ffi.from_buffer(y))
    yv.n, yv.scale, yv.bits = n_y, -1.0, 32
    args.y = yv
    err = ffi.new("sym_err *")
    entry = lib.sym_conv_transpose1d_forward if transpose else lib.sym_conv1d_forward
    status = entry(args, err)
    keep.append(yv)
    return status, err, y


def _reason_differs(ffi: Any, err: Any, name: str) -> str | None:
    """None if ``err.reason`` is exactly the text pinned for case ``name``."""
    want = REASONS.get(name)
    if want is None:
        return f"no pinned sym_err.reason for case {name!r} (mutants/conv_reasons.py)"
    got = ffi.string(err.reason).decode() if err.reason != ffi.NULL else None
    return None if got == want else f"sym_err.reason {got!r} != {want!r}"


def _geometry_error(name: str, transpose: bool, field: str, value: int, arg: str,
                    counts: tuple[int, int, int] = (10, 12, 6), also: dict[str, int] | None = None) -> AbiCase:
    """A bad geometry: the status, the whole sym_err (arg, index -1, the
    pinned reason of :data:`REASONS`), nothing written."""
    def run(ffi: Any, lib: Any) -> str | None:
        geom = {**_GOOD, **({"in_length": 3, "out_length": 5} if transpose else {}), **(also or {})}
        geom[field] = value
        status, err, y = _forward_call(ffi, lib, transpose, geom, *counts)
        if status != lib.SYM_ERR_SHAPE and status != lib.SYM_ERR_EMPTY:
            return f"status {status} != a geometry error ({field} = {value})"
        got = ffi.string(err.arg).decode() if err.arg != ffi.NULL else None
        if got != arg:
            return f"sym_err.arg {got!r} != {arg!r}"
        if err.index != -1 or err.status != status:
            return f"sym_err index {err.index} (want -1) or status {err.status} != {status}"
        why = _reason_differs(ffi, err, name)
        if why:
            return why
        if not np.all(y == _SENT):
            return "y written on a geometry error"
        return None
    return AbiCase(name, run, family="abi_conv")


def _accepted(name: str, transpose: bool, geom: dict[str, int]) -> AbiCase:
    """An edge the binding accepts; the expected output is the emulator's."""
    def run(ffi: Any, lib: Any) -> str | None:
        import symverify as sv
        from symverify import SymTensor

        g = dict(_GOOD, **geom)
        c_short = g["in_channels"] if transpose else g["out_channels"]
        c_long_g = (g["out_channels"] if transpose else g["in_channels"]) // g["groups"]
        x_shape = (g["batch"], g["in_channels"], g["in_length"])
        w_shape = (c_short, c_long_g, g["kernel_size"])
        n_x, n_w = int(np.prod(x_shape)), int(np.prod(w_shape))
        n_y = g["batch"] * g["out_channels"] * g["out_length"]
        status, _, y = _forward_call(ffi, lib, transpose, g, n_x, n_w, n_y)
        if status != 0:
            return f"status {status} != SYM_OK for an accepted geometry"
        x = SymTensor(((np.arange(n_x) % 7) - 3).reshape(x_shape).astype(np.int32), np.float32(1.0), 8)
        w = SymTensor(((np.arange(n_w) % 7) - 3).reshape(w_shape).astype(np.int32), np.float32(1.0), 8)
        common = dict(stride=g["stride"], dilation=g["dilation"], groups=g["groups"])
        if transpose:
            want = sv.emulate.conv_transpose1d_forward(x, w, padding=g["pad_left"],
                                                       output_padding=g["output_padding"], **common)
        else:
            want = sv.emulate.conv1d_forward(x, w, padding=(g["pad_left"], g["pad_right"]), **common)
        got = y[:n_y].tolist()
        return None if got == want.mantissas.ravel().tolist() else f"y {got} != {want.mantissas.ravel().tolist()}"
    return AbiCase(name, run, family="abi_conv")


CASES: list[AbiCase] = [
    _geometry_error("conv_stride0", False, "stride", 0, "geom.stride"),
    _geometry_error("conv_dilation0", False, "dilation", 0, "geom.dilation"),
    _geometry_error("conv_groups0", False, "groups", 0, "geom.groups"),
    _geometry_error("conv_groups3", False, "groups", 3, "geom.groups"),
    _geometry_error("conv_batch0", False, "batch", 0, "geom.batch"),
    _geometry_error("conv_in_channels0", False, "in_channels", 0, "geom.in_channels"),
    _geometry_error("conv_out_channels0", False, "out_channels", 0, "geom.out_channels"),
    _geometry_error("conv_in_length0", False, "in_length", 0, "geom.in_length"),
    _geometry_error("conv_kernel0", False, "kernel_size", 0, "geom.kernel_size"),
    _geometry_error("conv_out_length0", False, "out_length", 0, "geom.out_length"),
    _geometry_error("conv_kernel_long", False, "kernel_size", 6, "geom.kernel_size"),
    _geometry_error("conv_out_length_off", False, "out_length", 4, "geom.out_length"),
    _geometry_error("conv_out_length_short", False, "out_length", 2, "geom.out_length"),
    _geometry_error("conv_output_padding", False, "output_padding", 1, "geom.output_padding"),
    _geometry_error("conv_pad_left_neg", False, "pad_left", -1, "geom.pad_left"),
    _geometry_error("conv_pad_right_neg", False, "pad_right", -1, "geom.pad_right"),
    _geometry_error("conv_output_padding_neg", False, "output_padding", -1, "geom.output_padding"),
    _geometry_error("conv_pad_overflow", False, "pad_right", 2 ** 31 - 3, "geom.pad_right"),
    _geometry_error("conv_pad_left_overflow", False, "pad_left", 2 ** 31 - 3, "geom.pad_right"),
    _geometry_error("conv_dilation_overflow", False, "dilation", 2 ** 30, "geom.dilation"),
    _geometry_error("convt_op_range", True, "output_padding", 1, "geom.output_padding", (6, 12, 10)),
    _geometry_error("convt_len0", True, "pad_left", 5, "geom.out_length", (6, 12, 10)),
    _geometry_error("convt_len0_right", True, "pad_right", 5, "geom.out_length", (6, 12, 10)),
    _geometry_error("convt_len0_split", True, "pad_right", 3, "geom.out_length", (6, 12, 10), also={"pad_left": 2}),
    _geometry_error("convt_groups3", True, "groups", 3, "geom.groups", (6, 12, 10)),
    _geometry_error("convt_stride0", True, "stride", 0, "geom.stride", (6, 12, 10)),
    # (L-1)*stride fits; + span, then + output_padding, leave int32
    _geometry_error("convt_span_overflow", True, "stride", 2 ** 31 - 2, "geom.stride", (6, 12, 10),
                    also={"in_length": 2}),
    _geometry_error("convt_op_overflow", True, "stride", 2 ** 31 - 4, "geom.stride", (6, 12, 10),
                    also={"in_length": 2, "output_padding": 1}),
    _geometry_error("conv_pad_split_overflow", False, "pad_right", 2 ** 30, "geom.pad_right",
                    also={"pad_left": 2 ** 30}),
    _geometry_error("convt_out_length_off", True, "out_length", 4, "geom.out_length", (6, 12, 10)),
    _geometry_error("convt_stride_overflow", True, "stride", 2 ** 30, "geom.stride", (6, 12, 10)),
    # one side divisible by groups, the other not (each half of the divisibility test)
    _geometry_error("conv_groups_in_only", False, "in_channels", 3, "geom.groups", also={"groups": 2}),
    _geometry_error("conv_groups_out_only", False, "out_channels", 3, "geom.groups", also={"groups": 2}),
    # dilation*(K-1) = INT32_MAX fits, its span + 1 does not
    _geometry_error("conv_reach_max", False, "dilation", 2 ** 31 - 1, "geom.dilation", also={"kernel_size": 2}),
    # accepted edges: the kernel exactly fills the padded input; stride remainders; output_padding limits
    _accepted("conv_kernel_fills_input", False, dict(kernel_size=5, out_length=1)),
    _accepted("conv_kernel_fills_padded", False, dict(kernel_size=7, out_length=1, pad_left=1, pad_right=1)),
    _accepted("conv_stride_remainder", False, dict(stride=2, out_length=2)),
    _accepted("conv_stride_exact", False, dict(stride=2, out_length=3, in_length=6, kernel_size=2)),
    _accepted("conv_groups_dilated_padded", False, dict(groups=2, dilation=2, pad_left=2, pad_right=1,
                                                       out_length=5, kernel_size=2, in_length=4)),
    _accepted("convt_op_stride_minus_1", True, dict(in_length=2, out_length=6, stride=2, output_padding=1)),
    _accepted("convt_op_dilation", True, dict(in_length=2, out_length=5, dilation=2, output_padding=1,
                                             kernel_size=2)),
    _accepted("convt_padded_groups", True, dict(in_length=3, out_length=5, stride=2, pad_left=1, pad_right=1,
                                               groups=2, kernel_size=3)),
]


# --------------------------------------------------------------------------- C-ABI error sweep
# Each case starts from a valid call (conv1d, SR requant, bias), changes one
# thing, and checks the status, sym_err.arg / .index / .reason, and that no output,
# scale or RNG state was written. The order follows sym_conv.c's validation.
class _Setup:
    """Buffers and structs of one C call, kept alive together."""

    def __init__(self, ffi: Any, backward: bool) -> None:
        self.ffi = ffi
        self.keep: list[Any] = []
        self.rng = ffi.new("uint32_t[1]", [77])
        self.rng0 = 77
        self.err = ffi.new("sym_err *")
        self.err.status, self.err.index = 12345, 12345
        if backward:
            a = self.args = ffi.new("sym_conv1d_backward_args *")
            self.x, self.w = self._cview(a.x, 10, 8, 0.5), self._cview(a.w, 12, 8, 0.25)
            self.dy, self.gw = self._cview(a.dy, 6, 8, 0.125), self._cview(a.grad_w, 12, 12, 0.01)
            self.gb_view = ffi.new("sym_cview *")
            self.gb = self._cview(self.gb_view, 2, 16, 0.5)
            a.grad_b = self.gb_view
            a.dx_bits = 8
            self.scratch = self._scratch(36)
            self.outs = [self._view("dx", 10, 8), self._view("new_grad_w", 12, 12), self._view("new_grad_b", 2, 16)]
        else:
            a = self.args = ffi.new("sym_conv1d_forward_args *")
            self.x, self.w = self._cview(a.x, 10, 8, 0.5), self._cview(a.w, 12, 8, 0.25)
            self.b_view = ffi.new("sym_cview *")
            self.b = self._cview(self.b_view, 2, 12, 0.5)
            a.b = self.b_view
            a.out_bits = 8
            self.scratch = self._scratch(6)
            self.outs = [self._view("y", 6, 8)]
        for k, v in _GOOD.items():
            setattr(a.geom, k, v)
        a.round.mode, a.round.order, a.round.rng_state = 1, 0, self.rng

    def _cview(self, view: Any, n: int, bits: int, scale: float) -> np.ndarray:
        m = ((np.arange(n) * 5) % 9 - 4).astype(np.int32)
        self.keep.append(m)
        view.m = self.ffi.cast("const int32_t *", self.ffi.from_buffer(m))
        view.n, view.bits, view.scale = n, bits, scale
        return m

    def _scratch(self, n: int) -> np.ndarray:
        s = np.zeros(n, dtype=np.int32)
        self.keep.append(s)
        self.args.scratch = self.ffi.cast("int32_t *", self.ffi.from_buffer(s))
        self.args.n_scratch = n
        return s

    def _view(self, name: str, n: int, bits: int) -> tuple[Any, np.ndarray]:
        m = np.full(n, _SENT, dtype=np.int32)
        v = self.ffi.new("sym_view *")
        v.m = self.ffi.cast("int32_t *", self.ffi.from_buffer(m))
        v.n, v.bits, v.scale = n, bits, -3.0
        setattr(self.args, name, v)
        self.keep += [m, v]
        return v, m

    def ptr(self, a: np.ndarray, offset: int = 0) -> Any:
        return self.ffi.cast("int32_t *", self.ffi.from_buffer(a)) + offset

    def untouched(self) -> str | None:
        for v, m in self.outs:
            if not np.all(m == _SENT) or v.scale != -3.0:
                return "an output was written on error"
        return None if self.rng[0] == self.rng0 else "the RNG state changed on error"


def _sweep(name: str, backward: bool, change: Any, status: str, arg: str, index: int = -1,
           transpose: bool = False) -> AbiCase:
    def run(ffi: Any, lib: Any) -> str | None:
        s = _Setup(ffi, backward)
        if transpose:
            s.args.geom.in_length, s.args.geom.out_length = 3, 5
            s.x[:] = s.x  # same sizes: x 2*3 = 6 and y 2*5 = 10 are swapped by the changes below
        call_args = change(s, ffi)
        entry = {(False, False): lib.sym_conv1d_forward, (True, False): lib.sym_conv1d_backward,
                 (False, True): lib.sym_conv_transpose1d_forward,
                 (True, True): lib.sym_conv_transpose1d_backward}[(backward, transpose)]
        got = entry(s.args if call_args is None else call_args, s.err)
        want = getattr(lib, status)
        if got != want:
            return f"status {got} != {status} ({want})"
        if s.err.status != want:
            return f"sym_err.status {s.err.status} != {want}"
        got_arg = ffi.string(s.err.arg).decode() if s.err.arg != ffi.NULL else None
        if got_arg != arg:
            return f"sym_err.arg {got_arg!r} != {arg!r}"
        if s.err.index != index:
            return f"sym_err.index {s.err.index} != {index}"
        return _reason_differs(ffi, s.err, name) or s.untouched()
    return AbiCase(name, run, family="abi_conv")


def _set(path: str, value: Any) -> Any:
    def change(s: _Setup, ffi: Any) -> None:
        obj = s.args
        parts = path.split(".")
        for p in parts[:-1]:
            obj = getattr(obj, p)
        setattr(obj, parts[-1], ffi.NULL if value is None else value)
    return change


def _put(buf: str, i: int, v: int) -> Any:
    def change(s: _Setup, ffi: Any) -> None:
        getattr(s, buf)[i] = v
    return change


def _all(*changes: Any) -> Any:
    def change(s: _Setup, ffi: Any) -> None:
        for c in changes:
            c(s, ffi)
    return change


def _fill(buf: str, v: int, start: int = 0, stop: int | None = None) -> Any:
    def change(s: _Setup, ffi: Any) -> None:
        getattr(s, buf)[start:stop] = v
    return change


def _alias(field: str, target: str, offset: int = 0) -> Any:
    def change(s: _Setup, ffi: Any) -> None:
        obj = s.args
        parts = field.split(".")
        for p in parts[:-1]:
            obj = getattr(obj, p)
        setattr(obj, parts[-1], ffi.cast(ffi.typeof(getattr(obj, parts[-1])), s.ptr(getattr(s, target), offset)))
    return change


def _b_at_scratch_end(s: _Setup, ffi: Any) -> None:
    """b starting at the last element of the scratch, both inside one arena (b's
    second element past the scratch could otherwise land in y: a y.m alias)."""
    arena = np.zeros(6 + 1, dtype=np.int32)
    s.keep.append(arena)
    s.args.scratch = s.ptr(arena)
    s.b_view.m = ffi.cast("const int32_t *", s.ptr(arena, 5))


def _dx_at_gw_end(s: _Setup, ffi: Any) -> None:
    """dx starting at the last element of new_grad_w, both inside one arena:
    the 9 elements of dx past new_grad_w overlap nothing else (with separate
    buffers they could reach an input, and the dx check would fire first)."""
    arena = np.full(12 + 9, _SENT, dtype=np.int32)
    s.keep.append(arena)
    s.args.new_grad_w.m = s.ptr(arena)
    s.args.dx.m = s.ptr(arena, 11)
    s.outs = [(s.args.dx, arena), (s.args.new_grad_w, arena), s.outs[2]]


def _operand_cases(prefix: str, backward: bool, names: list[tuple[str, str, int]]) -> list[AbiCase]:
    out = []
    for field, view, hi in names:
        base = f"{view}." if "." not in view else view
        out += [_sweep(f"{prefix}_{field}_null", backward, _set(f"{view}.m", None), "SYM_ERR_NULL", f"{field}.m"),
                _sweep(f"{prefix}_{field}_n", backward, _set(f"{view}.n", 1), "SYM_ERR_SHAPE", f"{field}.n"),
                _sweep(f"{prefix}_{field}_bits_hi", backward, _set(f"{view}.bits", hi + 1), "SYM_ERR_BAD_WIDTH",
                       f"{field}.bits"),
                _sweep(f"{prefix}_{field}_bits_lo", backward, _set(f"{view}.bits", 1), "SYM_ERR_BAD_WIDTH",
                       f"{field}.bits"),
                _sweep(f"{prefix}_{field}_scale", backward, _set(f"{view}.scale", 0.0), "SYM_ERR_BAD_SCALE",
                       f"{field}.scale")]
        del base
    return out


def _long_db(s: _Setup, ffi: Any) -> None:
    """db of 65537 positions of -32768 leaves int32 (x = 0 keeps dW at 0)."""
    n = 65537
    a = s.args
    for k, v in dict(in_channels=1, out_channels=1, kernel_size=1, in_length=n, out_length=n).items():
        setattr(a.geom, k, v)
    x = np.zeros(n, dtype=np.int32)
    dy = np.full(n, -32768, dtype=np.int32)
    w = np.ones(1, dtype=np.int32)
    scratch = np.zeros(2 + n + 1, dtype=np.int32)
    s.keep += [x, dy, w, scratch]
    a.x.m, a.x.n = ffi.cast("const int32_t *", ffi.from_buffer(x)), n
    a.dy.m, a.dy.n, a.dy.bits = ffi.cast("const int32_t *", ffi.from_buffer(dy)), n, 16
    a.w.m, a.w.n = ffi.cast("const int32_t *", ffi.from_buffer(w)), 1
    a.grad_w.n = 1
    s.gb_view.n = 1
    a.scratch, a.n_scratch = ffi.cast("int32_t *", ffi.from_buffer(scratch)), scratch.size
    s.outs = [s._view("dx", n, 8), s._view("new_grad_w", 1, 12), s._view("new_grad_b", 1, 16)]


def _huge(n_x: int, k: int, out_length: int, pad_right: int, bias: bool) -> Any:
    """Backward sizes near the int32 limit of the scratch size: x [1, 1, n_x],
    w [1, 1, k], dy [1, 1, out_length]; every view's n matches (the buffers
    are never read: the scratch size is checked before any data)."""
    def change(s: _Setup, ffi: Any) -> None:
        a = s.args
        for f, v in dict(in_channels=1, out_channels=1, kernel_size=k, in_length=n_x, out_length=out_length,
                         pad_right=pad_right).items():
            setattr(a.geom, f, v)
        a.x.n, a.w.n, a.dy.n, a.grad_w.n, a.dx.n, a.new_grad_w.n = n_x, k, out_length, k, n_x, k
        if bias:
            s.gb_view.n, a.new_grad_b.n = 1, 1
        else:
            a.grad_b, a.new_grad_b = ffi.NULL, ffi.NULL
    return change


def _null_args(s: _Setup, ffi: Any) -> Any:
    return ffi.NULL


FWD, BWD = False, True
CASES += [
    _sweep("fwd_args_null", FWD, _null_args, "SYM_ERR_NULL", "args"),
    _sweep("fwd_y_null", FWD, _set("y", None), "SYM_ERR_NULL", "y"),
    _sweep("fwd_y_m_null", FWD, _set("y.m", None), "SYM_ERR_NULL", "y"),
    _sweep("fwd_counts_short", FWD, _all(_set("geom.batch", 2 ** 16), _set("geom.out_channels", 2 ** 16),
                                         _set("geom.in_channels", 1)), "SYM_ERR_SHAPE", "geom"),
    _sweep("fwd_counts_long", FWD, _all(_set("geom.batch", 2 ** 14), _set("geom.in_length", 2 ** 17 + 2),
                                        _set("geom.stride", 2 ** 17), _set("geom.out_length", 1),
                                        _set("geom.out_channels", 1)),
           "SYM_ERR_SHAPE", "geom"),
    # n_x = 2 * 1073741823 = 2^31 - 2 fits exactly: the product check passes, then x.n differs
    _sweep("fwd_counts_edge", FWD, _all(_set("geom.in_length", 1073741823), _set("geom.kernel_size", 1),
                                        _set("geom.out_length", 1073741823), _set("geom.out_channels", 1),
                                        _set("geom.groups", 1)),
           "SYM_ERR_SHAPE", "x.n"),
    _sweep("fwd_counts_w", FWD, _all(_set("geom.out_channels", 2 ** 15), _set("geom.in_channels", 2 ** 15)),
           "SYM_ERR_SHAPE", "geom"),
    *_operand_cases("fwd", FWD, [("x", "x", 16), ("w", "w", 16)]),
    _sweep("fwd_b_null", FWD, lambda s, ffi: setattr(s.b_view, "m", ffi.NULL), "SYM_ERR_NULL", "b.m"),
    _sweep("fwd_b_n", FWD, lambda s, ffi: setattr(s.b_view, "n", 3), "SYM_ERR_SHAPE", "b.n"),
    _sweep("fwd_b_bits", FWD, lambda s, ffi: setattr(s.b_view, "bits", 33), "SYM_ERR_BAD_WIDTH", "b.bits"),
    _sweep("fwd_b_bits_lo", FWD, lambda s, ffi: setattr(s.b_view, "bits", 1), "SYM_ERR_BAD_WIDTH", "b.bits"),
    _sweep("fwd_b_scale", FWD, lambda s, ffi: setattr(s.b_view, "scale", float("nan")), "SYM_ERR_BAD_SCALE",
           "b.scale"),
    _sweep("fwd_y_n", FWD, _set("y.n", 5), "SYM_ERR_SHAPE", "y.n"),
    _sweep("fwd_out_bits_hi", FWD, _set("out_bits", 17), "SYM_ERR_BAD_WIDTH", "out_bits"),
    _sweep("fwd_out_bits_lo", FWD, _set("out_bits", 1), "SYM_ERR_BAD_WIDTH", "out_bits"),
    _sweep("fwd_out_bits_neg", FWD, _set("out_bits", -1), "SYM_ERR_BAD_WIDTH", "out_bits"),
    _sweep("fwd_y_bits", FWD, _set("y.bits", 9), "SYM_ERR_BAD_WIDTH", "y.bits"),
    _sweep("fwd_y_bits_raw", FWD, _set("out_bits", 0), "SYM_ERR_BAD_WIDTH", "y.bits"),
    _sweep("fwd_mode", FWD, _set("round.mode", 2), "SYM_ERR_BAD_ROUNDING", "round.mode"),
    _sweep("fwd_rng_null", FWD, _set("round.rng_state", None), "SYM_ERR_NULL", "round.rng_state"),
    _sweep("fwd_rng_zero", FWD, _all(_put("rng", 0, 0), lambda s, ffi: setattr(s, "rng0", 0)),
           "SYM_ERR_BAD_RNG", "round.rng_state"),
    _sweep("fwd_order", FWD, _set("round.order", 2), "SYM_ERR_BAD_ORDER", "round.order"),
    _sweep("fwd_order_neg", FWD, _set("round.order", -1), "SYM_ERR_BAD_ORDER", "round.order"),
    _sweep("fwd_scratch_null", FWD, _set("scratch", None), "SYM_ERR_NULL", "scratch"),
    _sweep("fwd_scratch_small", FWD, _set("n_scratch", 5), "SYM_ERR_SHAPE", "n_scratch"),
    _sweep("fwd_y_alias_x", FWD, _alias("y.m", "x", 4), "SYM_ERR_ALIAS", "y.m"),
    _sweep("fwd_y_alias_w", FWD, _alias("y.m", "w", 6), "SYM_ERR_ALIAS", "y.m"),
    _sweep("fwd_y_alias_b", FWD, _alias("y.m", "b", 1), "SYM_ERR_ALIAS", "y.m"),
    _sweep("fwd_scratch_alias_y", FWD, lambda s, ffi: setattr(s.args, "scratch", ffi.cast(
        "int32_t *", s.args.y.m) + 5), "SYM_ERR_ALIAS", "scratch"),
    _sweep("fwd_scratch_alias_x", FWD, _alias("scratch", "x", 4), "SYM_ERR_ALIAS", "scratch"),
    _sweep("fwd_scratch_alias_w", FWD, _alias("scratch", "w", 6), "SYM_ERR_ALIAS", "scratch"),
    _sweep("fwd_scratch_alias_b", FWD, _alias("scratch", "b", 1), "SYM_ERR_ALIAS", "scratch"),
    _sweep("fwd_rng_in_y", FWD, lambda s, ffi: setattr(s.args.round, "rng_state", ffi.cast(
        "uint32_t *", s.args.y.m) + 5), "SYM_ERR_ALIAS", "scratch"),
    _sweep("fwd_rng_in_scratch", FWD, _all(_fill("scratch", 77), lambda s, ffi: setattr(
        s.args.round, "rng_state", ffi.cast("uint32_t *", s.ptr(s.scratch, 5)))), "SYM_ERR_ALIAS", "scratch"),
    # edge overlaps of buffers of different lengths (one element in common)
    _sweep("fwd_y_at_x_end", FWD, _alias("y.m", "x", 9), "SYM_ERR_ALIAS", "y.m"),
    _sweep("fwd_b_at_y_end", FWD, lambda s, ffi: setattr(s.b_view, "m", ffi.cast("const int32_t *", s.args.y.m) + 5),
           "SYM_ERR_ALIAS", "y.m"),
    _sweep("fwd_scratch_at_x_end", FWD, _alias("scratch", "x", 9), "SYM_ERR_ALIAS", "scratch"),
    _sweep("fwd_b_at_scratch_end", FWD, lambda s, ffi: _b_at_scratch_end(s, ffi), "SYM_ERR_ALIAS", "scratch"),
    _sweep("fwd_x_range_first", FWD, _put("x", 0, 128), "SYM_ERR_INT_OVERFLOW", "x.m", 0),
    _sweep("fwd_x_range", FWD, _put("x", 3, 128), "SYM_ERR_INT_OVERFLOW", "x.m", 3),
    _sweep("fwd_x_range_lo", FWD, _put("x", 9, -129), "SYM_ERR_INT_OVERFLOW", "x.m", 9),
    _sweep("fwd_w_range", FWD, _put("w", 5, -129), "SYM_ERR_INT_OVERFLOW", "w.m", 5),
    _sweep("fwd_w_range_hi", FWD, _put("w", 11, 128), "SYM_ERR_INT_OVERFLOW", "w.m", 11),
    _sweep("fwd_scale_inf", FWD, _all(_set("x.scale", 2.0 ** 100), _set("w.scale", 2.0 ** 100)),
           "SYM_ERR_FLOAT_OVERFLOW", "x.scale"),
    _sweep("fwd_scale_tiny", FWD, _all(_set("x.scale", 2.0 ** -70), _set("w.scale", 2.0 ** -70)),
           "SYM_ERR_SCALE_UNDERFLOW", "x.scale"),
    _sweep("fwd_seed_guard", FWD, _all(lambda s, ffi: setattr(s.b_view, "bits", 32), _put("b", 1, 2 ** 31 - 1)),
           "SYM_ERR_RANGE_GUARD", "b.m", 1),
    _sweep("fwd_sum_overflow", FWD, _all(_set("x.bits", 16), _set("w.bits", 16), _fill("x", -32768),
                                         _fill("w", 0, 0, 6), _fill("w", -32768, 6)),
           "SYM_ERR_INT_OVERFLOW", "y", 3),
    _sweep("fwd_requant_inf", FWD, _all(_set("x.scale", 2.0 ** 62), _set("w.scale", 2.0 ** 62),
                                        lambda s, ffi: setattr(s.b_view, "scale", 2.0 ** 124)),
           "SYM_ERR_FLOAT_OVERFLOW", "y"),
    _sweep("fwdt_requant_inf", FWD, _all(_set("x.scale", 2.0 ** 62), _set("w.scale", 2.0 ** 62),
                                         _set("x.n", 6), _set("y.n", 10), _set("n_scratch", 6),
                                         lambda s, ffi: setattr(s.b_view, "scale", 2.0 ** 124)),
           "SYM_ERR_SHAPE", "n_scratch", transpose=True),
    # backward
    _sweep("bwd_args_null", BWD, _null_args, "SYM_ERR_NULL", "args"),
    _sweep("bwd_new_grad_b_null", BWD, _set("new_grad_b", None), "SYM_ERR_NULL", "new_grad_b"),
    _sweep("bwd_grad_b_null_only", BWD, _set("grad_b", None), "SYM_ERR_NULL", "new_grad_b"),
    _sweep("bwd_geom", BWD, _set("geom.stride", 0), "SYM_ERR_SHAPE", "geom.stride"),
    _sweep("bwd_counts", BWD, _all(_set("geom.out_channels", 2 ** 15), _set("geom.in_channels", 2 ** 15)),
           "SYM_ERR_SHAPE", "geom"),
    *_operand_cases("bwd", BWD, [("x", "x", 16), ("w", "w", 16), ("dy", "dy", 16), ("grad_w", "grad_w", 16)]),
    _sweep("bwd_grad_b_m", BWD, lambda s, ffi: setattr(s.gb_view, "m", ffi.NULL), "SYM_ERR_NULL", "grad_b.m"),
    _sweep("bwd_grad_b_n", BWD, lambda s, ffi: setattr(s.gb_view, "n", 3), "SYM_ERR_SHAPE", "grad_b.n"),
    _sweep("bwd_grad_b_bits", BWD, lambda s, ffi: setattr(s.gb_view, "bits", 33), "SYM_ERR_BAD_WIDTH",
           "grad_b.bits"),
    _sweep("bwd_grad_b_scale", BWD, lambda s, ffi: setattr(s.gb_view, "scale", -1.0), "SYM_ERR_BAD_SCALE",
           "grad_b.scale"),
    _sweep("bwd_dx_bits_hi", BWD, _set("dx_bits", 17), "SYM_ERR_BAD_WIDTH", "dx_bits"),
    _sweep("bwd_dx_bits_lo", BWD, _set("dx_bits", 1), "SYM_ERR_BAD_WIDTH", "dx_bits"),
    _sweep("bwd_dx_null", BWD, _set("dx", None), "SYM_ERR_NULL", "dx"),
    _sweep("bwd_dx_m_null", BWD, _set("dx.m", None), "SYM_ERR_NULL", "dx"),
    _sweep("bwd_dx_n", BWD, _set("dx.n", 9), "SYM_ERR_SHAPE", "dx"),
    _sweep("bwd_dx_bits_view", BWD, _set("dx.bits", 9), "SYM_ERR_BAD_WIDTH", "dx"),
    _sweep("bwd_gw_null", BWD, _set("new_grad_w", None), "SYM_ERR_NULL", "new_grad_w"),
    _sweep("bwd_gw_n", BWD, _set("new_grad_w.n", 11), "SYM_ERR_SHAPE", "new_grad_w"),
    _sweep("bwd_gw_bits", BWD, _set("new_grad_w.bits", 11), "SYM_ERR_BAD_WIDTH", "new_grad_w"),
    _sweep("bwd_gb_n", BWD, _set("new_grad_b.n", 1), "SYM_ERR_SHAPE", "new_grad_b"),
    _sweep("bwd_gb_bits", BWD, _set("new_grad_b.bits", 15), "SYM_ERR_BAD_WIDTH", "new_grad_b"),
    _sweep("bwd_mode", BWD, _set("round.mode", 2), "SYM_ERR_BAD_ROUNDING", "round.mode"),
    _sweep("bwd_rng_null", BWD, _set("round.rng_state", None), "SYM_ERR_NULL", "round.rng_state"),
    _sweep("bwd_order", BWD, _set("round.order", 2), "SYM_ERR_BAD_ORDER", "round.order"),
    _sweep("bwd_scratch_null", BWD, _set("scratch", None), "SYM_ERR_NULL", "scratch"),
    _sweep("bwd_scratch_small", BWD, _set("n_scratch", 35), "SYM_ERR_SHAPE", "n_scratch"),
    _sweep("bwd_scratch_small_nobias", BWD, _all(_set("grad_b", None), _set("new_grad_b", None),
                                                 _set("n_scratch", 33)), "SYM_ERR_SHAPE", "n_scratch"),
    _sweep("bwd_scratch_overflow", BWD, _all(
        _set("geom.in_channels", 1), _set("geom.out_channels", 1), _set("geom.kernel_size", 2 ** 30),
        _set("geom.in_length", 2 ** 30), _set("geom.out_length", 1), _set("x.n", 2 ** 30), _set("w.n", 2 ** 30),
        _set("dy.n", 1), _set("grad_w.n", 2 ** 30), lambda s, ffi: setattr(s.gb_view, "n", 1),
        _set("dx.n", 2 ** 30), _set("new_grad_w.n", 2 ** 30), _set("new_grad_b.n", 1)),
           "SYM_ERR_SHAPE", "n_scratch"),
    # 2*n_w + n_x (+ C_out) at the int32 limit: n_w = INT32_MAX/2, n_x = 1 fits exactly (then the
    # small n_scratch is refused), + C_out = 1 does not; 2*2^29 + 2^30 = 2^31 does not
    _sweep("bwd_scratch_max", BWD, _huge(1, 2 ** 30 - 1, 1, 2 ** 30 - 2, False), "SYM_ERR_SHAPE", "n_scratch"),
    _sweep("bwd_scratch_max_bias", BWD, _huge(1, 2 ** 30 - 1, 1, 2 ** 30 - 2, True), "SYM_ERR_SHAPE",
           "n_scratch"),
    _sweep("bwd_scratch_2_31", BWD, _huge(2 ** 30, 2 ** 29, 2 ** 29 + 1, 0, False), "SYM_ERR_SHAPE", "n_scratch"),
    _sweep("bwd_scratch_fits_bias", BWD, _huge(2 ** 29, 2 ** 29, 1, 0, True), "SYM_ERR_SHAPE", "n_scratch"),
    _sweep("bwd_dx_alias_x", BWD, _alias("dx.m", "x", 3), "SYM_ERR_ALIAS", "dx"),
    _sweep("bwd_dx_alias_w", BWD, _alias("dx.m", "w", 3), "SYM_ERR_ALIAS", "dx"),
    _sweep("bwd_dx_alias_dy", BWD, _alias("dx.m", "dy", 3), "SYM_ERR_ALIAS", "dx"),
    _sweep("bwd_dx_alias_gw", BWD, _alias("dx.m", "gw", 3), "SYM_ERR_ALIAS", "dx"),
    _sweep("bwd_dx_alias_gb", BWD, _alias("dx.m", "gb", 1), "SYM_ERR_ALIAS", "dx"),
    _sweep("bwd_dx_alias_scratch", BWD, _alias("dx.m", "scratch", 30), "SYM_ERR_ALIAS", "dx"),
    _sweep("bwd_gw_alias_gw_shifted", BWD, _alias("new_grad_w.m", "gw", 1), "SYM_ERR_ALIAS", "new_grad_w"),
    _sweep("bwd_gw_alias_x", BWD, _alias("new_grad_w.m", "x", 1), "SYM_ERR_ALIAS", "new_grad_w"),
    _sweep("bwd_gw_alias_dx", BWD, lambda s, ffi: setattr(s.args.new_grad_w, "m", s.args.dx.m + 5),
           "SYM_ERR_ALIAS", "new_grad_w"),
    _sweep("bwd_gb_alias_gb_shifted", BWD, _alias("new_grad_b.m", "gb", 1), "SYM_ERR_ALIAS", "new_grad_b"),
    _sweep("bwd_gb_alias_dy", BWD, _alias("new_grad_b.m", "dy", 1), "SYM_ERR_ALIAS", "new_grad_b"),
    _sweep("bwd_gb_alias_dx", BWD, lambda s, ffi: setattr(s.args.new_grad_b, "m", s.args.dx.m + 9),
           "SYM_ERR_ALIAS", "new_grad_b"),
    _sweep("bwd_gb_alias_gw", BWD, lambda s, ffi: setattr(s.args.new_grad_b, "m", s.args.new_grad_w.m + 11),
           "SYM_ERR_ALIAS", "new_grad_b"),
    _sweep("bwd_dx_at_w_end", BWD, _alias("dx.m", "w", 11), "SYM_ERR_ALIAS", "dx"),
    _sweep("bwd_grad_b_at_dx_end", BWD, lambda s, ffi: setattr(s.gb_view, "m", ffi.cast(
        "const int32_t *", s.args.dx.m) + 9), "SYM_ERR_ALIAS", "dx"),
    _sweep("bwd_dx_at_scratch_end", BWD, _alias("dx.m", "scratch", 35), "SYM_ERR_ALIAS", "dx"),
    _sweep("bwd_dx_at_gw_end", BWD, lambda s, ffi: _dx_at_gw_end(s, ffi), "SYM_ERR_ALIAS", "new_grad_w"),
    # in place (new_grad_w.m == grad_w.m) does not excuse an overlap with another input
    _sweep("bwd_in_place_gw_over_x", BWD, _all(
        lambda s, ffi: setattr(s.args.new_grad_w, "m", ffi.cast("int32_t *", s.args.grad_w.m)),
        lambda s, ffi: setattr(s.args.x, "m", ffi.cast("const int32_t *", s.args.grad_w.m) + 1),
        lambda s, ffi: s.outs.pop(1)), "SYM_ERR_ALIAS", "new_grad_w"),
    _sweep("bwd_in_place_gw_over_grad_b", BWD, _all(
        lambda s, ffi: setattr(s.args.new_grad_w, "m", ffi.cast("int32_t *", s.args.grad_w.m)),
        lambda s, ffi: setattr(s.gb_view, "m", ffi.cast("const int32_t *", s.args.grad_w.m) + 3),
        lambda s, ffi: s.outs.pop(1)), "SYM_ERR_ALIAS", "new_grad_w"),
    _sweep("bwd_x_range", BWD, _put("x", 7, 128), "SYM_ERR_INT_OVERFLOW", "x.m", 7),
    _sweep("bwd_w_range", BWD, _put("w", 2, -129), "SYM_ERR_INT_OVERFLOW", "w.m", 2),
    _sweep("bwd_dy_range", BWD, _put("dy", 5, 128), "SYM_ERR_INT_OVERFLOW", "dy.m", 5),
    _sweep("bwd_gw_range", BWD, _put("gw", 4, 2048), "SYM_ERR_INT_OVERFLOW", "grad_w.m", 4),
    _sweep("bwd_gb_range", BWD, _put("gb", 1, -32769), "SYM_ERR_INT_OVERFLOW", "grad_b.m", 1),
    _sweep("bwd_dw_overflow", BWD, _all(_set("x.bits", 16), _set("dy.bits", 16), _fill("x", -32768),
                                        _fill("dy", 0, 0, 3), _fill("dy", -32768, 3)),
           "SYM_ERR_INT_OVERFLOW", "new_grad_w", 6),
    _sweep("bwd_dw_scale", BWD, _all(_set("dy.scale", 2.0 ** 100), _set("x.scale", 2.0 ** 100)),
           "SYM_ERR_FLOAT_OVERFLOW", "dy.scale"),
    _sweep("bwd_acc_dynamic", BWD, _set("grad_w.scale", 3.0e38), "SYM_ERR_FLOAT_OVERFLOW", "new_grad_w"),
    _sweep("bwd_acc_fixed", BWD, _fill("gb", 32767), "SYM_ERR_INT_OVERFLOW", "new_grad_b"),
    _sweep("bwd_dx_overflow", BWD, _all(_set("w.bits", 16), _set("dy.bits", 16), _fill("w", -32768),
                                        _fill("dy", -32768), _fill("x", 0)),
           "SYM_ERR_INT_OVERFLOW", "dx", 0),
    _sweep("bwd_dx_scale", BWD, _all(_set("dy.scale", 2.0 ** -70), _set("x.scale", 2.0 ** 60),
                                     _set("w.scale", 2.0 ** -60)), "SYM_ERR_SCALE_UNDERFLOW", "dy.scale"),
    _sweep("bwd_dx_requant", BWD, _all(_set("dy.scale", 2.0 ** 62), _set("w.scale", 2.0 ** 62),
                                       _set("x.scale", 2.0 ** -62), _set("grad_b", None),
                                       _set("new_grad_b", None)), "SYM_ERR_FLOAT_OVERFLOW", "dx"),
    _sweep("bwd_db_overflow", BWD, lambda s, ffi: _long_db(s, ffi), "SYM_ERR_INT_OVERFLOW", "new_grad_b", 0),
]


def _ok(name: str, backward: bool, change: Any) -> AbiCase:
    """A valid call at a domain edge: SYM_OK, every output written, err untouched."""
    def run(ffi: Any, lib: Any) -> str | None:
        s = _Setup(ffi, backward)
        change(s, ffi)
        entry = lib.sym_conv1d_backward if backward else lib.sym_conv1d_forward
        got = entry(s.args, s.err)
        if got != 0:
            return f"status {got} != SYM_OK at an accepted edge"
        if s.err.status != 12345 or s.err.index != 12345:
            return "sym_err written on success"
        for v, m in s.outs:
            if np.any(m == _SENT) or v.scale == -3.0:
                return "an output was not written on success"
        return None
    return AbiCase(name, run, family="abi_conv")


CASES += [
    _ok("fwd_out_bits_2", FWD, _all(_set("out_bits", 2), _set("y.bits", 2))),
    _ok("fwd_out_bits_16", FWD, _all(_set("out_bits", 16), _set("y.bits", 16))),
    _ok("fwd_raw", FWD, _all(_set("out_bits", 0), _set("y.bits", 32), _set("scratch", None),
                             _set("n_scratch", 0))),
    _ok("fwd_operands_16_2", FWD, _all(_set("x.bits", 16), _set("w.bits", 2), _fill("w", 1),
                                       lambda s, ffi: setattr(s.b_view, "bits", 32))),
    # raw output (out_bits 0) uses no scratch: a scratch pointer into y is no alias
    _ok("fwd_raw_scratch_in_y", FWD, _all(_set("out_bits", 0), _set("y.bits", 32), lambda s, ffi: setattr(
        s.args, "scratch", ffi.cast("int32_t *", s.args.y.m)), _set("round.mode", 0))),
    _ok("fwd_half_away_no_rng", FWD, _all(_set("round.mode", 0), _set("round.rng_state", None),
                                          _set("round.order", 1))),
    _ok("bwd_widths_16_32", BWD, _all(_set("x.bits", 16), _set("w.bits", 16), _set("dy.bits", 16),
                                      _set("grad_w.bits", 16), _set("new_grad_w.bits", 16),
                                      lambda s, ffi: setattr(s.gb_view, "bits", 32), _set("new_grad_b.bits", 32))),
    _ok("bwd_widths_2", BWD, _all(_set("x.bits", 2), _set("w.bits", 2), _set("dy.bits", 2), _fill("x", 1),
                                  _fill("w", -1), _fill("dy", 1), _set("grad_w.bits", 2), _fill("gw", 0),
                                  _set("new_grad_w.bits", 2), _set("dx_bits", 2), _set("dx.bits", 2),
                                  lambda s, ffi: setattr(s.gb_view, "bits", 2), _fill("gb", 0),
                                  _set("new_grad_b.bits", 2))),
    _ok("bwd_dx_bits_16", BWD, _all(_set("dx_bits", 16), _set("dx.bits", 16))),
    _ok("bwd_exact_scratch", BWD, _set("n_scratch", 36)),
    _ok("bwd_exact_scratch_nobias", BWD, _all(_set("grad_b", None), _set("new_grad_b", None),
                                              _set("n_scratch", 34), lambda s, ffi: s.outs.pop(2))),
    _ok("bwd_in_place", BWD, lambda s, ffi: (setattr(s.args.new_grad_w, "m", ffi.cast("int32_t *", s.args.grad_w.m)),
                                             setattr(s.args.new_grad_b, "m", ffi.cast("int32_t *", s.gb_view.m)),
                                             s.outs.pop(2), s.outs.pop(1))),
    _sweep("fwd_y_m_null_raw", FWD, _all(_set("out_bits", 0), _set("y.bits", 32), _set("y.m", None)),
           "SYM_ERR_NULL", "y"),
    _sweep("bwd_dx_m_null_first", BWD, _all(_set("dx.m", None), _set("grad_b", None), _set("new_grad_b", None)),
           "SYM_ERR_NULL", "dx"),
]
