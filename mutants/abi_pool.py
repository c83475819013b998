"""C-ABI cases of the pool and softmax entry points (``sym_pool.h``,
``sym_softmax.h``): what the golden vectors cannot reach because the Python
binding validates first or never builds such a call: NULL pointers, counts
that do not match the geometry, bad geometry fields, widths, scales,
aliasing, and the ``sym_err`` detail (status, argument, element index and the
exact reason pinned in :mod:`mutants.pool_reasons`) of every failure, with
every output left untouched.

Each entry point has a valid base call whose expected outputs come from the
emulator (``sv.emulate``, never the C kernels) and a table of variations:
(label, edit of the base spec, status, err.arg, err.index)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from symverify.errors import STATUS_CODES

from . import pool_reasons
from .abi import AbiCase

S = STATUS_CODES
SENT = -123456789
F_SENT = -7.25


@dataclass
class In:
    m: list[int] | None
    scale: float
    bits: int
    n: int | None = None
    alias: str | None = None          # m points into this field's buffer (its contents are read)
    offset: int = 0


@dataclass
class Out:
    cap: int
    n: int | None = None
    null_view: bool = False
    null_m: bool = False
    alias: str | None = None          # the view's m points into this field's buffer
    offset: int = 0                   # ... at this element offset


@dataclass
class Buf:
    values: list[int] | None = None   # input int32 array (None: NULL)
    cap: int = 0                      # output array of cap elements filled with SENT
    ftype: bool = False               # float (scratch) instead of int32


@dataclass
class FBuf:
    values: list[float] | None        # input float array (None: NULL)


@dataclass
class Round:
    mode: int = 0
    state: int | None = None          # the xorshift32 state (None: NULL pointer)


@dataclass
class Alias:
    target: str                       # another field whose buffer this pointer reuses
    offset: int = 0                   # element offset into it


def _geom(**kw: int) -> dict[str, int]:
    g = {"batch": 2, "in_channels": 1, "out_channels": 1, "in_length": 5, "out_length": 3, "kernel_size": 2,
         "stride": 2, "dilation": 1, "groups": 1, "pad_left": 1, "pad_right": 1, "output_padding": 0}
    g.update(kw)
    return g


@dataclass
class Built:
    args: Any
    outs: dict[str, Any] = field(default_factory=dict)   # name -> (buffer, view or None, cap)
    keep: list[Any] = field(default_factory=list)
    keep_state: int = 0                                   # the RNG state before the call
    aliased: dict[str, tuple[Any, bytes]] = field(default_factory=dict)  # out view into another buffer -> bytes


def build(ffi: Any, ctype: str, spec: dict[str, Any]) -> Built:
    b = Built(None)
    init: dict[str, Any] = {}
    ptrs: dict[str, Any] = {}
    for name, v in spec.items():
        if isinstance(v, In) and v.alias:
            continue
        if isinstance(v, In):
            buf = ffi.new("int32_t[]", v.m or [0]) if v.m is not None else ffi.NULL
            b.keep.append(buf)
            ptrs[name] = buf
            init[name] = {"m": buf, "n": len(v.m or []) if v.n is None else v.n, "scale": v.scale, "bits": v.bits}
        elif isinstance(v, Out):
            buf = ffi.new("int32_t[]", [SENT] * (v.cap + 4))
            m = ffi.NULL if v.null_m else (ffi.cast("int32_t *", ptrs[v.alias]) + v.offset if v.alias else buf)
            view = ffi.new("sym_view *", {"m": m, "n": v.cap if v.n is None else v.n, "scale": F_SENT, "bits": 32})
            b.keep += [buf, view]
            ptrs[name] = buf
            b.outs[name] = (buf, view, v.cap)
            init[name] = ffi.NULL if v.null_view else view
        elif isinstance(v, Buf):
            if v.values is not None:
                buf = ffi.new("int32_t[]", v.values or [0])
            elif v.cap:
                buf = ffi.new("float[]", [F_SENT] * (v.cap + 4)) if v.ftype else ffi.new("int32_t[]", [SENT] * (v.cap + 4))
                b.outs[name] = (buf, None, v.cap)
            else:
                buf = ffi.NULL
            b.keep.append(buf)
            ptrs[name] = buf
            init[name] = buf
        elif isinstance(v, FBuf):
            buf = ffi.new("float[]", v.values or [0.0]) if v.values is not None else ffi.NULL
            b.keep.append(buf)
            ptrs[name] = buf
            init[name] = buf
        elif isinstance(v, Round):
            st = ffi.new("uint32_t[1]", [v.state or 0]) if v.state is not None else ffi.NULL
            b.keep.append(st)
            b.outs["rng_state"] = (st, None, -4) if v.state is not None else None
            if b.outs["rng_state"] is None:
                del b.outs["rng_state"]
            init[name] = {"mode": v.mode, "order": 0, "rng_state": st}
            b.keep_state = v.state or 0
        elif not isinstance(v, Alias):
            init[name] = v
    for name, v in spec.items():
        if isinstance(v, In) and v.alias:
            m = ffi.cast("int32_t *", ffi.cast("int32_t *", ptrs[v.alias]) + v.offset)
            init[name] = {"m": m, "n": v.n, "scale": v.scale, "bits": v.bits}
        if isinstance(v, Alias):
            ptype = "float *" if name in ("fscratch", "loss") else "int32_t *"
            init[name] = ffi.cast(ptype, ffi.cast(ptype, ptrs[v.target]) + v.offset)
    for name, v in spec.items():
        if isinstance(v, Out) and v.alias and not v.null_m and not v.null_view:
            # only the part of the view inside the target's allocation (the rest is not ours to read)
            size = ffi.sizeof(ptrs[v.alias]) - 4 * v.offset if ptrs[v.alias] != ffi.NULL else 0
            n = max(0, min(4 * v.cap, size))
            if n:
                view = b.outs[name][1]
                b.aliased[name] = (view.m, bytes(ffi.buffer(view.m, n)))
    b.args = ffi.new(f"{ctype} *", init)
    b.keep.append(init)
    return b


def _untouched(ffi: Any, b: Built) -> str | None:
    for name, (buf, view, cap) in b.outs.items():
        if name == "rng_state":
            if buf[0] != b.keep_state:
                return "rng_state advanced on error"
            continue
        if name in ("scratch", "fscratch"):
            continue  # working memory
        sent = F_SENT if ffi.typeof(buf).item.cname == "float" else SENT   # the float loss is an output too
        if any(buf[i] != sent for i in range(cap + 4)):
            return f"{name} written on error"
        if view is not None and view.scale != F_SENT:
            return f"{name}.scale written on error"
    # an output whose view points into another buffer (even scratch): its memory is the output's
    for name, (m, before) in b.aliased.items():
        if bytes(ffi.buffer(m, len(before))) != before:
            return f"{name} (inside another buffer) written on error"
    return None


def _check_out(ffi: Any, b: Built, name: str, want: Any, scale: float) -> str | None:
    buf, view, cap = b.outs[name]
    if name in ("rng_state", "loss"):
        got = int(buf[0]) if name == "rng_state" else int(np.float32(buf[0]).view(np.uint32))
        return None if got == want else f"{name}: {got:#x} != expected {want:#x}"
    got = [buf[i] for i in range(cap + 4)]
    if got[:len(want)] != list(want):
        return f"{name}: {got[:len(want)]} != expected {list(want)}"
    if any(v != SENT for v in got[len(want):]):
        return f"{name}: written past its {len(want)} elements"
    if view is not None and np.float32(view.scale).view(np.uint32) != np.float32(scale).view(np.uint32):
        return f"{name}.scale {view.scale!r} != expected {scale!r}"
    return None


def _text(ffi: Any, p: Any) -> str | None:
    """The C string at ``p``, None for NULL (a mutant that leaves it unset is a kill, not a replayer error)."""
    return ffi.string(p).decode() if p != ffi.NULL else None


def _reason_differs(ffi: Any, err: Any, key: str) -> str | None:
    """None if ``err.reason`` is exactly the text pinned for ``key`` ("table/variation")."""
    want = pool_reasons.REASONS.get(key)
    if want is None:
        return f"no pinned sym_err.reason for case {key!r} (mutants/pool_reasons.py)"
    got = _text(ffi, err.reason)
    return None if got == want else f"sym_err.reason {got!r} != {want!r}"


Edit = Callable[[dict[str, Any]], None]

#: ``"name/label"`` of every failing variation of every table (the keys a pin needs)
FAILING_KEYS: list[str] = []


def table(name: str, fn: str, ctype: str, base: Callable[[], dict[str, Any]],
          expect: Callable[[], dict[str, tuple[list[int], float]]],
          variations: list[tuple[str, Edit, str, str, int]]) -> AbiCase:
    """The base call (SYM_OK, outputs as ``expect`` gives) and every variation
    (status, err.arg, err.index as listed, err.reason as pinned in
    :data:`pool_reasons.REASONS` under ``"name/label"``; outputs untouched)."""

    FAILING_KEYS.extend(f"{name}/{label}" for label, _, status, _, _ in variations if status != "SYM_OK_SKIP")

    def run(ffi: Any, lib: Any) -> str | None:
        want = expect()
        b = build(ffi, ctype, base())
        err = ffi.new("sym_err *")
        st = getattr(lib, fn)(b.args, err)
        if st != 0:
            return f"{name}: base call status {st} != 0"
        for out, (m, scale) in want.items():
            why = _check_out(ffi, b, out, m, scale)
            if why:
                return f"{name}: base: {why}"
        if getattr(lib, fn)(ffi.NULL, ffi.NULL) != S["SYM_ERR_NULL"]:
            return f"{name}: NULL args not SYM_ERR_NULL"
        err = ffi.new("sym_err *")
        if getattr(lib, fn)(ffi.NULL, err) != S["SYM_ERR_NULL"] or err.status != S["SYM_ERR_NULL"] \
                or _text(ffi, err.arg) != "args" or err.index != -1 or _text(ffi, err.reason) != pool_reasons.ARGS_NULL:
            return f"{name}: NULL args: err not (NULL, 'args', -1, {pool_reasons.ARGS_NULL!r})"
        for label, edit, status, arg, index in variations:
            if status == "SYM_OK_SKIP":
                continue
            spec = base()
            edit(spec)
            try:
                b = build(ffi, ctype, spec)
            except (TypeError, KeyError) as exc:
                return f"{name}/{label}: cannot build the call ({exc})"
            err = ffi.new("sym_err *", {"status": 99, "arg": ffi.NULL, "index": 777, "reason": ffi.NULL})
            st = getattr(lib, fn)(b.args, err)
            if st != S[status]:
                return f"{name}/{label}: status {st} != expected {status}"
            got_arg = _text(ffi, err.arg)
            if err.status != st or got_arg != arg or err.index != index or err.reason == ffi.NULL:
                return (f"{name}/{label}: err = ({err.status}, {got_arg!r}, {err.index}) != expected "
                        f"({st}, {arg!r}, {index})")
            why = _reason_differs(ffi, err, f"{name}/{label}")
            if why:
                return f"{name}/{label}: {why}"
            why = _untouched(ffi, b)
            if why:
                return f"{name}/{label}: {why}"
            st = getattr(lib, fn)(b.args, ffi.NULL)  # err may be NULL
            if st != S[status]:
                return f"{name}/{label}: status with err NULL {st} != {status}"
        return None

    return AbiCase(name, run, family="abi_pool")


# ---------------------------------------------------------------- shared data
X = [3, 1, 3, -2, 5, -1, -4, 0, 2, 2]   # [2, 1, 5]
DY = [3, -5, 7, 1, 2, -2]              # [2, 1, 3]


def _sym(m: list[int], shape: tuple[int, ...], scale: float, bits: int) -> Any:
    import symverify as sv

    return sv.SymTensor(np.array(m).reshape(shape), scale, bits)


def _emu() -> Any:
    import symverify as sv

    return sv.emulate


def _set(path: str, value: Any) -> Edit:
    def edit(spec: dict[str, Any]) -> None:
        obj: Any = spec
        keys = path.split(".")
        for k in keys[:-1]:
            obj = obj[k] if isinstance(obj, dict) else getattr(obj, k)
        if isinstance(obj, dict):
            obj[keys[-1]] = value
        else:
            setattr(obj, keys[-1], value)
    return edit


def _geom_set(**kw: int) -> Edit:
    def edit(spec: dict[str, Any]) -> None:
        spec["geom"].update(kw)
    return edit


def _dims_variations(window: bool) -> list[tuple[str, Edit, str, str, int]]:
    v = [("batch0", _geom_set(batch=0), "SYM_ERR_EMPTY", "geom", -1),
         ("channels0", _geom_set(in_channels=0), "SYM_ERR_EMPTY", "geom", -1),
         ("length0", _geom_set(in_length=0), "SYM_ERR_EMPTY", "geom", -1),
         ("out0", _geom_set(out_length=0), "SYM_ERR_EMPTY", "geom", -1),
         ("rows_overflow", _geom_set(batch=1 << 16, in_channels=1 << 15, out_channels=1 << 15), "SYM_ERR_SHAPE",
          "geom", -1),
         ("n_in_overflow", _geom_set(batch=1 << 16, in_channels=1 << 14, out_channels=1 << 14), "SYM_ERR_SHAPE",
          "geom", -1),
         ("n_out_overflow", _geom_set(batch=1 << 14, in_channels=1 << 15, out_channels=1 << 15, in_length=1,
                                      out_length=5), "SYM_ERR_SHAPE", "geom", -1)]
    if window:
        v += [("k0", _geom_set(kernel_size=0), "SYM_ERR_SHAPE", "geom.kernel_size", -1),
              ("s0", _geom_set(stride=0), "SYM_ERR_SHAPE", "geom.kernel_size", -1),
              ("d0", _geom_set(dilation=0), "SYM_ERR_SHAPE", "geom.kernel_size", -1),
              ("pl_neg", _geom_set(pad_left=-1), "SYM_ERR_SHAPE", "geom.pad_left", -1),
              ("pr_neg", _geom_set(pad_right=-1), "SYM_ERR_SHAPE", "geom.pad_left", -1),
              ("out_channels", _geom_set(out_channels=2), "SYM_ERR_SHAPE", "geom.out_channels", -1),
              ("out_channels_0", _geom_set(out_channels=0), "SYM_ERR_SHAPE", "geom.out_channels", -1),
              ("groups", _geom_set(groups=2), "SYM_ERR_SHAPE", "geom.out_channels", -1),
              ("output_padding", _geom_set(output_padding=1), "SYM_ERR_SHAPE", "geom.out_channels", -1),
              ("span_overflow", _geom_set(dilation=1 << 30, kernel_size=3), "SYM_ERR_SHAPE", "geom.kernel_size", -1),
              ("span_edge", _geom_set(dilation=(1 << 30) - 1, kernel_size=3), "SYM_ERR_SHAPE", "geom.out_length", -1),
              ("pl_overflow", _geom_set(pad_left=(1 << 31) - 5), "SYM_ERR_SHAPE", "geom.kernel_size", -1),
              ("pl_edge", _geom_set(pad_left=(1 << 31) - 6, pad_right=0), "SYM_ERR_SHAPE", "geom.out_length", -1),
              ("pr_overflow", _geom_set(pad_right=(1 << 31) - 6), "SYM_ERR_SHAPE", "geom.kernel_size", -1),
              ("pr_edge", _geom_set(pad_right=(1 << 31) - 7), "SYM_ERR_SHAPE", "geom.out_length", -1),
              ("out_plus1", _geom_set(out_length=4), "SYM_ERR_SHAPE", "geom.out_length", -1),
              ("out_minus1", _geom_set(out_length=2), "SYM_ERR_SHAPE", "geom.out_length", -1),
              ("window_too_long", _geom_set(kernel_size=9, out_length=1), "SYM_ERR_SHAPE", "geom.out_length", -1),
              # padded 7 = span - 1: (7 - 8) / 2 + 1 == 1 in C, so only the span bound rejects it
              ("window_one_short", _geom_set(kernel_size=8, out_length=1), "SYM_ERR_SHAPE", "geom.out_length", -1),
              # 2^31 - 1 is prime: D = INT32_MAX is the one dilation where (MAX - 1) / D != MAX / D
              ("span_dilation_max", _geom_set(dilation=(1 << 31) - 1, kernel_size=2), "SYM_ERR_SHAPE",
               "geom.kernel_size", -1),
              ("only_padding", _geom_set(in_length=2, kernel_size=2, dilation=3, stride=3, pad_left=0, pad_right=5,
                                         out_length=2), "SYM_ERR_SHAPE", "geom.pad_left", 1),
              # window 1 starts exactly at in_length (no real position left, dilation 2)
              ("only_padding_at_end", _geom_set(in_length=2, kernel_size=2, dilation=2, stride=2, pad_left=0,
                                                pad_right=3, out_length=2), "SYM_ERR_SHAPE", "geom.pad_left", 1)]
    return v


def _in_variations(arg: str, hi_bits: int) -> list[tuple[str, Edit, str, str, int]]:
    return [(f"{arg}_null", _set(f"{arg}.m", None), "SYM_ERR_NULL", arg, -1),
            (f"{arg}_bits1", _set(f"{arg}.bits", 1), "SYM_ERR_BAD_WIDTH", f"{arg}.bits", -1),
            (f"{arg}_bits_hi", _set(f"{arg}.bits", hi_bits + 1), "SYM_ERR_BAD_WIDTH", f"{arg}.bits", -1),
            (f"{arg}_n", _set(f"{arg}.n", 9 if arg == "x" else 5), "SYM_ERR_SHAPE", arg, -1),
            (f"{arg}_scale0", _set(f"{arg}.scale", 0.0), "SYM_ERR_BAD_SCALE", f"{arg}.scale", -1),
            # the first element outside 3 bits [-4, 3]: X[4] = 5 (above), DY[1] = -5 (below)
            (f"{arg}_width", _set(f"{arg}.bits", 3), "SYM_ERR_INT_OVERFLOW", arg, 4 if arg == "x" else 1),
            # X[0] = DY[0] = 3 is already outside 2 bits [-2, 1]
            (f"{arg}_width_first", _set(f"{arg}.bits", 2), "SYM_ERR_INT_OVERFLOW", arg, 0)]


def _out_variations(arg: str, cap: int) -> list[tuple[str, Edit, str, str, int]]:
    return [(f"{arg}_view_null", _set(f"{arg}.null_view", True), "SYM_ERR_NULL", arg, -1),
            (f"{arg}_m_null", _set(f"{arg}.null_m", True), "SYM_ERR_NULL", arg, -1),
            (f"{arg}_n", _set(f"{arg}.n", cap - 1), "SYM_ERR_SHAPE", arg, -1),
            (f"{arg}_n_plus", _set(f"{arg}.n", cap + 1), "SYM_ERR_SHAPE", arg, -1)]


def _scratch_variations(src: str) -> list[tuple[str, Edit, str, str, int]]:
    return [("scratch_null", _set("scratch", Buf()), "SYM_ERR_NULL", "scratch", -1),
            ("scratch_short", _set("n_scratch", 9), "SYM_ERR_SHAPE", "scratch", -1),
            ("dx_is_dy", _set("dx", Out(10, alias=src)), "SYM_ERR_ALIAS", "dx", -1),
            ("dx_in_dy_tail", _set("dx", Out(10, alias=src, offset=5)), "SYM_ERR_ALIAS", "dx", -1),
            ("dy_in_dx_tail", _set(f"{src}", In(list(DY), 0.25, 12)), "SYM_OK_SKIP", "", 0),
            ("scratch_in_dy_tail", _set("scratch", Alias(src, 5)), "SYM_ERR_ALIAS", "dx", -1),
            ("scratch_in_dx_tail", _set("scratch", Alias("dx", 9)), "SYM_ERR_ALIAS", "dx", -1),
            ("dy_in_dx_tail2", _set(src, In(None, 0.25, 32, n=6, alias="dx", offset=8)), "SYM_ERR_ALIAS", "dx", -1),
            ("dy_in_scratch_tail", _set(src, In(None, 0.25, 32, n=6, alias="scratch", offset=8)), "SYM_ERR_ALIAS",
             "dx", -1)]


# ---------------------------------------------------------------- MaxPool1d

def _mp_fwd_base() -> dict[str, Any]:
    return {"x": In(list(X), 0.5, 12), "geom": _geom(), "y": Out(6), "indices": Buf(cap=6), "n_indices": 6}


def _mp_fwd_expect() -> dict[str, tuple[list[int], float]]:
    y, idx = _emu().maxpool1d_forward(_sym(X, (2, 1, 5), 0.5, 12), 2, 2, 1, 1)
    return {"y": (y.mantissas.ravel().tolist(), float(y.scale)), "indices": (idx.ravel().tolist(), 0.0)}


MP_FWD = table("maxpool1d_forward", "sym_maxpool1d_forward", "sym_maxpool1d_forward_args", _mp_fwd_base,
               _mp_fwd_expect,
               _dims_variations(True) + _in_variations("x", 32) + _out_variations("y", 6) + [
                   ("indices_null", _set("indices", Buf()), "SYM_ERR_NULL", "indices", -1),
                   ("indices_n", _set("n_indices", 5), "SYM_ERR_SHAPE", "indices", -1),
                   ("indices_is_x", _set("indices", Alias("x")), "SYM_ERR_ALIAS", "y", -1),
                   ("y_is_x", _set("y", Out(6, alias="x")), "SYM_ERR_ALIAS", "y", -1),
                   ("y_in_x_tail", _set("y", Out(6, alias="x", offset=8)), "SYM_ERR_ALIAS", "y", -1),
                   ("indices_in_x_tail", _set("indices", Alias("x", 9)), "SYM_ERR_ALIAS", "y", -1),
                   ("indices_is_y", _set("indices", Alias("y")), "SYM_ERR_ALIAS", "y", -1),
                   ("indices_in_y_tail", _set("indices", Alias("y", 5)), "SYM_ERR_ALIAS", "y", -1),
               ])


def _mp_bwd_base() -> dict[str, Any]:
    _, idx = _emu().maxpool1d_forward(_sym(X, (2, 1, 5), 0.5, 12), 2, 2, 1, 1)
    return {"dy": In(list(DY), 0.25, 12), "indices": Buf(idx.ravel().tolist()), "n_indices": 6,
            "geom": _geom(), "dx": Out(10), "scratch": Buf(cap=10), "n_scratch": 10}


def _mp_bwd_expect() -> dict[str, tuple[list[int], float]]:
    _, idx = _emu().maxpool1d_forward(_sym(X, (2, 1, 5), 0.5, 12), 2, 2, 1, 1)
    dx = _emu().maxpool1d_backward(_sym(DY, (2, 1, 3), 0.25, 12), idx, 5)
    return {"dx": (dx.mantissas.ravel().tolist(), float(dx.scale))}


def _in_indices_room(edit: Edit) -> Edit:
    """``edit`` with 10 spare elements after the 6 indices (n_indices stays 6): a dx or
    scratch (10 elements) placed at or in the indices then overlaps the indices only,
    never whatever buffer the allocator put next (dy's overlap reports the other reason)."""
    def room(spec: dict[str, Any]) -> None:
        spec["indices"] = Buf(list(spec["indices"].values) + [0] * 10)
        edit(spec)
    return room


MP_BWD = table("maxpool1d_backward", "sym_maxpool1d_backward", "sym_maxpool1d_backward_args", _mp_bwd_base,
               _mp_bwd_expect,
               _dims_variations(False) + _in_variations("dy", 32) + _out_variations("dx", 10)
               + _scratch_variations("dy") + [
                   ("indices_null", _set("indices", Buf()), "SYM_ERR_NULL", "indices", -1),
                   ("indices_n", _set("n_indices", 5), "SYM_ERR_SHAPE", "indices", -1),
                   ("index_high", _set("indices", Buf([0, 2, 4, 0, 5, 4])), "SYM_ERR_SHAPE", "indices", 4),
                   ("index_neg", _set("indices", Buf([0, 2, -1, 0, 2, 4])), "SYM_ERR_SHAPE", "indices", 2),
                   ("overflow", lambda s: (s.update(dy=In([1 << 30] * 6, 1.0, 32), indices=Buf([0, 1, 2, 3, 3, 3]))),
                    "SYM_ERR_INT_OVERFLOW", "dx", 8),
                   ("overflow_neg", lambda s: (s.update(dy=In([-(1 << 30)] * 5 + [-1], 1.0, 32),
                                                        indices=Buf([0, 1, 2, 4, 4, 4]))),
                    "SYM_ERR_INT_OVERFLOW", "dx", 9),
                   ("scratch_is_dx", _set("scratch", Alias("dx")), "SYM_ERR_ALIAS", "dx", -1),
                   ("scratch_is_indices", _in_indices_room(_set("scratch", Alias("indices"))), "SYM_ERR_ALIAS", "dx",
                    -1),
                   ("scratch_in_indices_tail", _in_indices_room(_set("scratch", Alias("indices", 5))),
                    "SYM_ERR_ALIAS", "dx", -1),
                   ("dx_in_indices_tail", _in_indices_room(_set("dx", Out(10, alias="indices", offset=5))),
                    "SYM_ERR_ALIAS", "dx", -1),
                   ("indices_in_dx_tail", _set("indices", Alias("dx", 8)), "SYM_ERR_ALIAS", "dx", -1),
                   ("indices_in_scratch_tail", _set("indices", Alias("scratch", 8)), "SYM_ERR_ALIAS", "dx", -1),
                   ("scratch_is_dy", _set("scratch", Alias("dy")), "SYM_ERR_ALIAS", "dx", -1),
               ])

# ---------------------------------------------------------------- AvgPool1d
AP_GEOM = dict(kernel_size=3, stride=2, pad_left=1, pad_right=1, out_length=3)


def _ap_fwd_base(include: int = 0) -> dict[str, Any]:
    return {"x": In(list(X), 0.5, 12), "geom": _geom(**AP_GEOM), "count_include_pad": include, "y": Out(6)}


def _ap_fwd_expect(include: bool = False) -> dict[str, tuple[list[int], float]]:
    y = _emu().avgpool1d_forward(_sym(X, (2, 1, 5), 0.5, 12), 3, 2, 1, 1, include)
    return {"y": (y.mantissas.ravel().tolist(), float(y.scale))}


GUARD_GEOM = dict(in_length=1, kernel_size=65536, stride=1, pad_left=32768, pad_right=32768, out_length=2)

#: [2, 1, 299], K = 300, pads 0 / 2: row 1's window 0 sum * 300 still fits
#: int32, its window 1 (one tap fewer) does not
PRODUCT_X = [0] * 299 + [32767] + [-32768] * 218 + [-26576] + [0] * 79

AP_FWD = table("avgpool1d_forward", "sym_avgpool1d_forward", "sym_avgpool1d_forward_args", _ap_fwd_base,
               _ap_fwd_expect,
               _dims_variations(True) + _in_variations("x", 16) + _out_variations("y", 6) + [
                   ("guard", lambda s: (s.update(x=In([-32768, 5], 1.0, 16), y=Out(4)), s["geom"].update(GUARD_GEOM)),
                    "SYM_ERR_RANGE_GUARD", "geom.kernel_size", -1),
                   ("underflow", _set("x.scale", 2.0 ** -126), "SYM_ERR_SCALE_UNDERFLOW", "y.scale", -1),
                   ("y_is_x", _set("y", Out(6, alias="x")), "SYM_ERR_ALIAS", "y", -1),
                   ("y_in_x_tail", _set("y", Out(6, alias="x", offset=8)), "SYM_ERR_ALIAS", "y", -1),
                   ("product", lambda s: (s.update(x=In([-32768] * 512, 1.0, 16), y=Out(2)),
                                          s["geom"].update(in_length=256, kernel_size=257, stride=256, pad_left=1,
                                                           pad_right=1, out_length=1)),
                    "SYM_ERR_INT_OVERFLOW", "y", 0),
                   # row 1, window 1 (flat index 3) is the first product out of int32
                   ("product_row1_window1", lambda s: (s.update(x=In(PRODUCT_X, 1.0, 16), y=Out(4)),
                                                       s["geom"].update(in_length=299, kernel_size=300, stride=1,
                                                                        pad_left=0, pad_right=2, out_length=2)),
                    "SYM_ERR_INT_OVERFLOW", "y", 3),
               ])
AP_FWD_INCLUDE = table("avgpool1d_forward_include_pad", "sym_avgpool1d_forward", "sym_avgpool1d_forward_args",
                       lambda: _ap_fwd_base(1), lambda: _ap_fwd_expect(True), [])


def _ap_bwd_base(include: int = 0) -> dict[str, Any]:
    return {"dy": In(list(DY), 0.25, 12), "geom": _geom(**AP_GEOM), "count_include_pad": include, "dx": Out(10),
            "scratch": Buf(cap=10), "n_scratch": 10}


def _ap_bwd_expect(include: bool = False) -> dict[str, tuple[list[int], float]]:
    dx = _emu().avgpool1d_backward(_sym(DY, (2, 1, 3), 0.25, 12), 5, 3, 2, 1, 1, include)
    return {"dx": (dx.mantissas.ravel().tolist(), float(dx.scale))}


AP_BWD = table("avgpool1d_backward", "sym_avgpool1d_backward", "sym_avgpool1d_backward_args", _ap_bwd_base,
               _ap_bwd_expect,
               _dims_variations(True) + _in_variations("dy", 32) + _out_variations("dx", 10)
               + _scratch_variations("dy") + [
                   ("underflow", _set("dy.scale", 2.0 ** -126), "SYM_ERR_SCALE_UNDERFLOW", "dx.scale", -1),
                   ("product", _set("dy", In([0, 0, 0, 0, 0, 1 << 30], 1.0, 32)), "SYM_ERR_INT_OVERFLOW", "dy", 5),
                   ("product_neg", _set("dy", In([0, 0, 0, 0, 0, -(1 << 30)], 1.0, 32)), "SYM_ERR_INT_OVERFLOW", "dy", 5),
                   ("product_pos_edge", _set("dy", In([715827883, 0, 0, 0, 0, 0], 1.0, 32)), "SYM_ERR_INT_OVERFLOW",
                    "dy", 0),
                   ("product_neg_edge", _set("dy", In([0, 0, 0, 0, 0, -715827883], 1.0, 32)), "SYM_ERR_INT_OVERFLOW",
                    "dy", 5),
                   ("overflow", lambda s: (s.update(dy=In([1 << 30] * 6, 1.0, 32), count_include_pad=1)),
                    "SYM_ERR_INT_OVERFLOW", "dx", 1),
                   ("scratch_is_dx", _set("scratch", Alias("dx")), "SYM_ERR_ALIAS", "dx", -1),
                   ("scratch_is_dy", _set("scratch", Alias("dy")), "SYM_ERR_ALIAS", "dx", -1),
               ])
AP_BWD_INCLUDE = table("avgpool1d_backward_include_pad", "sym_avgpool1d_backward", "sym_avgpool1d_backward_args",
                       lambda: _ap_bwd_base(1), lambda: _ap_bwd_expect(True), [])

# ---------------------------------------------------------------- AdaptiveAvgPool1d
AD_GEOM = dict(kernel_size=0, stride=0, dilation=0, pad_left=0, pad_right=0, groups=0, out_channels=0)


def _ad_fwd_base() -> dict[str, Any]:
    return {"x": In(list(X), 0.5, 12), "geom": _geom(**AD_GEOM), "y": Out(6)}


def _ad_fwd_expect() -> dict[str, tuple[list[int], float]]:
    y = _emu().adaptive_avgpool1d_forward(_sym(X, (2, 1, 5), 0.5, 12), 3)
    return {"y": (y.mantissas.ravel().tolist(), float(y.scale))}


AD_LO = [("lo_overflow", _geom_set(in_length=1 << 16, out_length=1 << 15), "SYM_ERR_SHAPE", "geom.out_length", -1),
         ("lo_edge", _geom_set(in_length=(1 << 16), out_length=(1 << 15) - 1, batch=1), "SYM_ERR_SHAPE",
          "geom.out_length", -1)]

#: The L*O + O bound at its edges, told apart by err.arg: within it, the
#: geometry passes and x (10 elements, not L) is the first fault.
#: 2^31 - 1 is prime, so L*O == INT32_MAX - O only for O = 1, L = INT32_MAX - 1.
AD_BOUNDS = [
    ("lo_plus_o_over", _geom_set(batch=1, in_length=(1 << 30) - 1, out_length=2), "SYM_ERR_SHAPE",
     "geom.out_length", -1),
    ("lo_plus_o_exact", _geom_set(batch=1, in_length=(1 << 31) - 2, out_length=1), "SYM_ERR_SHAPE", "x", -1),
    ("lo_above_max_over_o", _geom_set(batch=1, in_length=1 << 29, out_length=2), "SYM_ERR_SHAPE", "x", -1),
    ("last_window_end_2_30", _geom_set(batch=1, in_length=1 << 30, out_length=1), "SYM_ERR_SHAPE", "x", -1),
]

AD_FWD = table("adaptive_avgpool1d_forward", "sym_adaptive_avgpool1d_forward",
               "sym_adaptive_avgpool1d_forward_args", _ad_fwd_base, _ad_fwd_expect,
               _dims_variations(False) + AD_LO[:1] + _in_variations("x", 16) + _out_variations("y", 6) + [
                   ("guard", lambda s: (s.update(x=In([0] * 65536, 1.0, 16), y=Out(1)),
                                        s["geom"].update(batch=1, in_length=65536, out_length=1)),
                    "SYM_ERR_RANGE_GUARD", "geom.in_length", -1),
                   ("y_is_x", _set("y", Out(6, alias="x")), "SYM_ERR_ALIAS", "y", -1),
                   ("y_in_x_tail", _set("y", Out(6, alias="x", offset=8)), "SYM_ERR_ALIAS", "y", -1),
                   *AD_BOUNDS,
               ])


def _ad_bwd_base() -> dict[str, Any]:
    return {"dy": In(list(DY), 0.25, 12), "geom": _geom(**AD_GEOM), "dx": Out(10), "scratch": Buf(cap=10),
            "n_scratch": 10}


def _ad_bwd_expect() -> dict[str, tuple[list[int], float]]:
    dx = _emu().adaptive_avgpool1d_backward(_sym(DY, (2, 1, 3), 0.25, 12), 5)
    return {"dx": (dx.mantissas.ravel().tolist(), float(dx.scale))}


AD_BWD = table("adaptive_avgpool1d_backward", "sym_adaptive_avgpool1d_backward",
               "sym_adaptive_avgpool1d_backward_args", _ad_bwd_base, _ad_bwd_expect,
               _dims_variations(False) + AD_LO[:1] + _in_variations("dy", 32) + _out_variations("dx", 10)
               + _scratch_variations("dy") + [
                   ("underflow", _set("dy.scale", 2.0 ** -126), "SYM_ERR_SCALE_UNDERFLOW", "dx.scale", -1),
                   ("product", _set("dy", In([0, 0, 0, 1 << 30, 0, 0], 1.0, 32)), "SYM_ERR_INT_OVERFLOW", "dy", 3),
                   ("product_neg", _set("dy", In([0, 0, 0, -(1 << 30), 0, 0], 1.0, 32)), "SYM_ERR_INT_OVERFLOW",
                    "dy", 3),
                   ("overflow", lambda s: (s.update(dy=In([1 << 30] * 6, 1.0, 32), dx=Out(2), n_scratch=2),
                                           s["geom"].update(in_length=1, out_length=3)),
                    "SYM_ERR_INT_OVERFLOW", "dx", 0),
                   ("scratch_is_dx", _set("scratch", Alias("dx")), "SYM_ERR_ALIAS", "dx", -1),
                   ("scratch_is_dy", _set("scratch", Alias("dy")), "SYM_ERR_ALIAS", "dx", -1),
                   # windows [0, 2) and [1, 3) share position 1: the overflow there must stick
                   ("overflow_mid_window", lambda s: (s.update(dy=In([1073741825, 1073741825], 0.25, 32), dx=Out(3),
                                                               scratch=Buf(cap=3), n_scratch=3),
                                                      s["geom"].update(batch=1, in_length=3, out_length=2)),
                    "SYM_ERR_INT_OVERFLOW", "dx", 1),
])


# ---------------------------------------------------------------- softmax / cross entropy
SMX = [1, 2, 3, 30, -40, 30]           # [2, 3]
P = [1200, 600, 247, 100, 1900, 47]    # [2, 3] at 1/2047
SEED = 12345


def _sm_base() -> dict[str, Any]:
    return {"x": In(list(SMX), 0.25, 12), "batch": 2, "classes": 3, "out_bits": 8,
            "round": Round(1, _rng_state(SEED)), "y": Out(6), "fscratch": Buf(cap=6, ftype=True), "n_fscratch": 6}


def _rng_state(seed: int) -> int:
    import symverify as sv

    return sv.Rng(seed).state


def _sm_expect() -> dict[str, Any]:
    import symverify as sv

    rng = sv.Rng(SEED)
    y = _emu().softmax_forward(_sym(SMX, (2, 3), 0.25, 12), 8, sv.SR_HALF_AWAY, rng)
    return {"y": (y.mantissas.ravel().tolist(), float(y.scale)), "rng_state": (rng.state, 0.0)}


def _rows_variations(arg: str) -> list[tuple[str, Edit, str, str, int]]:
    return [("batch0", _set("batch", 0), "SYM_ERR_EMPTY", "batch", -1),
            ("classes0", _set("classes", 0), "SYM_ERR_EMPTY", "classes", -1),
            ("batch1_classes0", lambda s: s.update(batch=1, classes=0), "SYM_ERR_EMPTY", "classes", -1),
            ("classes_max", lambda s: s.update(batch=1, classes=(1 << 31) - 1), "SYM_ERR_SHAPE", arg, -1),
            ("rows_overflow", lambda s: s.update(batch=1 << 16, classes=1 << 15), "SYM_ERR_SHAPE", "classes", -1),
            ("rows_edge", lambda s: s.update(batch=1 << 16, classes=(1 << 15) - 1), "SYM_ERR_SHAPE", arg, -1),
            (f"{arg}_null", _set(f"{arg}.m", None), "SYM_ERR_NULL", arg, -1),
            (f"{arg}_bits1", _set(f"{arg}.bits", 1), "SYM_ERR_BAD_WIDTH", arg, -1),
            (f"{arg}_bits33", _set(f"{arg}.bits", 33), "SYM_ERR_BAD_WIDTH", arg, -1),
            (f"{arg}_n", _set(f"{arg}.n", 5), "SYM_ERR_SHAPE", arg, -1),
            (f"{arg}_scale0", _set(f"{arg}.scale", 0.0), "SYM_ERR_BAD_SCALE", f"{arg}.scale", -1),
            # the first element outside 2 bits [-2, 1]: SMX[1] = 2, P[0] = 1200
            (f"{arg}_width", _set(f"{arg}.bits", 2), "SYM_ERR_INT_OVERFLOW", arg, 1 if arg == "x" else 0)]


def _sm_out_variations(out: str, bits: str) -> list[tuple[str, Edit, str, str, int]]:
    return [(f"{bits}1", _set(bits, 1), "SYM_ERR_BAD_WIDTH", bits, -1),
            (f"{bits}32", _set(bits, 32), "SYM_ERR_BAD_WIDTH", bits, -1),
            ("mode", _set("round.mode", 2), "SYM_ERR_BAD_ROUNDING", "round.mode", -1),
            ("rng_null", _set("round.state", None), "SYM_ERR_NULL", "round.rng_state", -1),
            ("rng_zero", _set("round.state", 0), "SYM_ERR_BAD_RNG", "round.rng_state", -1),
            (f"{out}_view_null", _set(f"{out}.null_view", True), "SYM_ERR_NULL", out, -1),
            (f"{out}_m_null", _set(f"{out}.null_m", True), "SYM_ERR_NULL", out, -1),
            (f"{out}_n", _set(f"{out}.n", 5), "SYM_ERR_SHAPE", out, -1),
            ("fscratch_null", _set("fscratch", Buf()), "SYM_ERR_NULL", "fscratch", -1),
            ("fscratch_short", _set("n_fscratch", 5), "SYM_ERR_SHAPE", "fscratch", -1)]


SM_FWD = table("softmax_forward", "sym_softmax_forward", "sym_softmax_forward_args", _sm_base, _sm_expect,
               _rows_variations("x") + _sm_out_variations("y", "out_bits") + [
                   ("y_is_x", _set("y", Out(6, alias="x")), "SYM_ERR_ALIAS", "y", -1),
                   ("fscratch_is_x", _set("fscratch", Alias("x")), "SYM_ERR_ALIAS", "y", -1),
                   # y starts 20 bytes into fscratch's 24: only the full n * sizeof(float) sees it
                   ("y_in_fscratch_tail", lambda s: (s.pop("y"), s.update(y=Out(6, alias="fscratch", offset=5))),
                    "SYM_ERR_ALIAS", "y", -1),
                   # m * s_x overflows, while (int16_t)m would not
                   ("x_overflow_wide", _set("x", In([1 << 20, 0, 0, 0, 0, 0], 1e33, 32)), "SYM_ERR_FLOAT_OVERFLOW",
                    "x", 0),
                   ("fscratch_is_y", _set("fscratch", Alias("y")), "SYM_ERR_ALIAS", "y", -1),
                   ("fscratch_in_x_tail", _set("fscratch", Alias("x", 5)), "SYM_ERR_ALIAS", "y", -1),
                   ("fscratch_in_y_tail", _set("fscratch", Alias("y", 5)), "SYM_ERR_ALIAS", "y", -1),
                   ("y_in_x_tail", _set("y", Out(6, alias="x", offset=5)), "SYM_ERR_ALIAS", "y", -1),
                   ("x_in_fscratch_tail", _set("x", In(None, 0.25, 32, n=6, alias="fscratch", offset=4)),
                    "SYM_ERR_ALIAS", "y", -1),
                   ("x_in_y_tail", _set("x", In(None, 0.25, 32, n=6, alias="y", offset=4)), "SYM_ERR_ALIAS", "y", -1),
                   ("x_overflow", lambda s: s.update(x=In([1, 2, 3, 4, 2047, 6], 3e35, 12)),
                    "SYM_ERR_FLOAT_OVERFLOW", "x", 4),
               ])


def _ce_base(prob: bool = False) -> dict[str, Any]:
    t = {"target_index": Buf(), "target_prob": FBuf([0.5, 0.5, 0.0, 0.1, 0.7, 0.2]), "n_target": 6} if prob else \
        {"target_index": Buf([0, 1]), "target_prob": FBuf(None), "n_target": 2}
    return {"p": In(list(P), 1.0 / 2047, 12), "batch": 2, "classes": 3, **t, "grad_bits": 8,
            "reduction": 0 if not prob else 1, "round": Round(1, _rng_state(SEED)), "loss": Buf(cap=1, ftype=True),
            "grad": Out(6), "fscratch": Buf(cap=6, ftype=True), "n_fscratch": 6}


def _ce_expect(prob: bool = False) -> dict[str, Any]:
    import symverify as sv

    rng = sv.Rng(SEED)
    t = np.array([[0.5, 0.5, 0.0], [0.1, 0.7, 0.2]], dtype=np.float32) if prob else np.array([0, 1])
    loss, g = _emu().cross_entropy_loss(_sym(P, (2, 3), 1.0 / 2047, 12), t, 8, "sum" if prob else "mean",
                                        sv.SR_HALF_AWAY, rng)
    return {"grad": (g.mantissas.ravel().tolist(), float(g.scale)), "rng_state": (rng.state, 0.0),
            "loss": (int(np.float32(loss).view(np.uint32)), 0.0)}


CE_VARIATIONS = _rows_variations("p") + _sm_out_variations("grad", "grad_bits") + [
    ("targets_both_null", _set("target_index", Buf()), "SYM_ERR_NULL", "target", -1),
    ("grad_in_fscratch_tail", lambda s: (s.pop("grad"), s.update(grad=Out(6, alias="fscratch", offset=5))),
     "SYM_ERR_ALIAS", "grad", -1),
    ("p_overflow_first", _set("p", In([2047, 1, 2, 3, 4, 5], 3e35, 12)), "SYM_ERR_FLOAT_OVERFLOW", "p", 0),
    ("p_overflow_wide", _set("p", In([1 << 20, 0, 0, 0, 0, 0], 1e33, 32)), "SYM_ERR_FLOAT_OVERFLOW", "p", 0),
    ("targets_both_set", _set("target_prob", FBuf([0.0] * 6)), "SYM_ERR_NULL", "target", -1),
    ("n_target", _set("n_target", 3), "SYM_ERR_SHAPE", "target", -1),
    ("reduction2", _set("reduction", 2), "SYM_ERR_BAD_TYPE", "reduction", -1),
    ("reduction_neg", _set("reduction", -1), "SYM_ERR_BAD_TYPE", "reduction", -1),
    ("loss_null", _set("loss", Buf()), "SYM_ERR_NULL", "loss", -1),
    ("index_high", _set("target_index", Buf([0, 3])), "SYM_ERR_SHAPE", "target", 1),
    ("index_neg", _set("target_index", Buf([-1, 0])), "SYM_ERR_SHAPE", "target", 0),
    ("p_overflow", lambda s: s.update(p=In([1, 2, 3, 4, 5, 2047], 3e35, 12)), "SYM_ERR_FLOAT_OVERFLOW", "p", 5),
    ("grad_is_p", _set("grad", Out(6, alias="p")), "SYM_ERR_ALIAS", "grad", -1),
    ("grad_in_p_tail", _set("grad", Out(6, alias="p", offset=5)), "SYM_ERR_ALIAS", "grad", -1),
    ("p_in_grad_tail", _set("p", In(None, 1.0 / 2047, 32, n=6, alias="grad", offset=4)), "SYM_ERR_ALIAS", "grad", -1),
    ("p_in_fscratch_tail", _set("p", In(None, 1.0 / 2047, 32, n=6, alias="fscratch", offset=4)), "SYM_ERR_ALIAS",
     "grad", -1),
    ("fscratch_in_p_tail", _set("fscratch", Alias("p", 5)), "SYM_ERR_ALIAS", "grad", -1),
    ("fscratch_in_grad_tail", _set("fscratch", Alias("grad", 5)), "SYM_ERR_ALIAS", "grad", -1),
    ("loss_in_grad_tail", _set("loss", Alias("grad", 5)), "SYM_ERR_ALIAS", "grad", -1),
    ("loss_in_fscratch_tail", _set("loss", Alias("fscratch", 5)), "SYM_ERR_ALIAS", "grad", -1),
]
CE_INDEX = table("cross_entropy_loss_index", "sym_cross_entropy_loss", "sym_cross_entropy_loss_args",
                 _ce_base, _ce_expect, CE_VARIATIONS)
CE_PROB = table("cross_entropy_loss_prob", "sym_cross_entropy_loss", "sym_cross_entropy_loss_args",
                lambda: _ce_base(True), lambda: _ce_expect(True), [
                    ("prob_nan", _set("target_prob", FBuf([0.5, float("nan"), 0, 0, 0, 0])),
                     "SYM_ERR_NONFINITE_INPUT", "target", 1),
                    ("prob_inf", _set("target_prob", FBuf([0.5, 0, 0, 0, 0, float("-inf")])),
                     "SYM_ERR_NONFINITE_INPUT", "target", 5),
                    ("loss_overflow", _set("target_prob", FBuf([3e38, 3e38, 3e38, 0, 0, 0])),
                     "SYM_ERR_FLOAT_OVERFLOW", "loss", -1),
                    ("grad_overflow", lambda s: s.update(p=In([2047, 0, 0, 0, 2047, 0], 1.656e35, 12),
                                                         target_prob=FBuf([-3.0e36, 0, 0, 0, 0, 0])),
                     "SYM_ERR_FLOAT_OVERFLOW", "grad", 0),
                    ("loss_is_grad", _set("loss", Alias("grad")), "SYM_ERR_ALIAS", "grad", -1),
                    ("grad_overflow_row1_class2", lambda s: s.update(p=In([0, 0, 0, 0, 0, 2047], 1.656e35, 12),
                                                                     target_prob=FBuf([0, 0, 0, 0, 0, -3.0e36])),
                     "SYM_ERR_FLOAT_OVERFLOW", "grad", 5),
                    ("grad_underflow", lambda s: s.update(p=In([1, 0, 0, 0, 0, 0], 1e-36, 12),
                                                          target_prob=FBuf([0.0] * 6)),
                     "SYM_ERR_SCALE_UNDERFLOW", "grad", -1),
                    ("fscratch_is_p", _set("fscratch", Alias("p")), "SYM_ERR_ALIAS", "grad", -1),
                    ("fscratch_is_grad", _set("fscratch", Alias("grad")), "SYM_ERR_ALIAS", "grad", -1),
                    ("loss_is_fscratch", _set("loss", Alias("fscratch")), "SYM_ERR_ALIAS", "grad", -1),
                ])

# OK calls at the edges: products that just fit, sums beyond 16 bits, wide mantissas
EDGE_DY = [715827882, 0, 0, 0, 0, -715827882]
WIDE = [30000, 29999, -30001, 32767, 32767, -32768, -32768, -32767, 30001, 1]


def _edge(name: str, fn: str, ctype: str, spec: Callable[[], dict[str, Any]], emu: Callable[[], Any],
          out: str) -> AbiCase:
    def expect() -> dict[str, Any]:
        t = emu()
        return {out: (t.mantissas.ravel().tolist(), float(t.scale))}
    return table(name, fn, ctype, spec, expect, [])


#: distinct values whose windows' sums and maxima depend on which taps are real
DILATED_X = [7, -3, 11, 2, -9, 5, 13]
DILATED_DY = [1000, -30, 7]


def _dilated_geom() -> dict[str, int]:
    return _geom(batch=1, in_length=7, out_length=3, kernel_size=5, stride=1, dilation=2, pad_left=2, pad_right=2)


def _mp_expect(result: Any) -> dict[str, tuple[list[int], float]]:
    y, idx = result
    return {"y": (y.mantissas.ravel().tolist(), float(y.scale)), "indices": (idx.ravel().tolist(), 0.0)}

EDGES = [
    _edge("avgpool1d_backward_product_edges", "sym_avgpool1d_backward", "sym_avgpool1d_backward_args",
          lambda: {**_ap_bwd_base(), "dy": In(list(EDGE_DY), 0.25, 32)},
          lambda: _emu().avgpool1d_backward(_sym(EDGE_DY, (2, 1, 3), 0.25, 32), 5, 3, 2, 1, 1, False), "dx"),
    _edge("adaptive_avgpool1d_forward_wide_sums", "sym_adaptive_avgpool1d_forward",
          "sym_adaptive_avgpool1d_forward_args", lambda: {**_ad_fwd_base(), "x": In(list(WIDE), 0.5, 16)},
          lambda: _emu().adaptive_avgpool1d_forward(_sym(WIDE, (2, 1, 5), 0.5, 16), 3), "y"),
    _edge("avgpool1d_forward_wide_sums", "sym_avgpool1d_forward", "sym_avgpool1d_forward_args",
          lambda: {**_ap_fwd_base(), "x": In(list(WIDE), 0.5, 16)},
          lambda: _emu().avgpool1d_forward(_sym(WIDE, (2, 1, 5), 0.5, 16), 3, 2, 1, 1, False), "y"),
    # K = 5, dilation 2, padding 2 on L = 7: the windows start at -2, -1, 0 (first real tap k = 1, 1, 0)
    _edge("avgpool1d_forward_dilated_padded", "sym_avgpool1d_forward", "sym_avgpool1d_forward_args",
          lambda: {"x": In(list(DILATED_X), 0.5, 12), "count_include_pad": 0, "y": Out(3), "geom": _dilated_geom()},
          lambda: _emu().avgpool1d_forward(_sym(DILATED_X, (1, 1, 7), 0.5, 12), 5, 1, 2, 2, False), "y"),
    table("maxpool1d_forward_dilated_padded", "sym_maxpool1d_forward", "sym_maxpool1d_forward_args",
          lambda: {"x": In(list(DILATED_X), 0.5, 12), "geom": _dilated_geom(), "y": Out(3), "indices": Buf(cap=3),
                   "n_indices": 3},
          lambda: _mp_expect(_emu().maxpool1d_forward(_sym(DILATED_X, (1, 1, 7), 0.5, 12), 5, 1, 2, 2)), []),
    _edge("avgpool1d_backward_dilated_padded", "sym_avgpool1d_backward", "sym_avgpool1d_backward_args",
          lambda: {"dy": In(list(DILATED_DY), 0.25, 32), "count_include_pad": 1, "dx": Out(7),
                   "scratch": Buf(cap=7), "n_scratch": 7, "geom": _dilated_geom()},
          lambda: _emu().avgpool1d_backward(_sym(DILATED_DY, (1, 1, 3), 0.25, 32), 7, 5, 1, 2, 2, True), "dx"),
    _edge("adaptive_avgpool1d_backward_wide", "sym_adaptive_avgpool1d_backward",
          "sym_adaptive_avgpool1d_backward_args", lambda: {**_ad_bwd_base(), "dy": In(list(EDGE_DY), 0.25, 32)},
          lambda: _emu().adaptive_avgpool1d_backward(_sym(EDGE_DY, (2, 1, 3), 0.25, 32), 5), "dx"),
]

#: one window of 65536 taps: the divisor of the half-away mean needs all 32 bits
HALF_65536 = [1] * 32768 + [0] * 32768
#: a partial K = 2 window (n = 1) whose dy * K is exactly INT32_MIN
NEG_EDGE_DY = [-(1 << 30), 0]
#: K = 2^24 + 1 (not a float32): the folded scale s / (float)K in float32
BIG_K = (1 << 24) + 1

EDGES += [
    # padded 8 == span 8 with S = 2: one window, exactly fitting
    _edge("avgpool1d_forward_span_exact", "sym_avgpool1d_forward", "sym_avgpool1d_forward_args",
          lambda: {"x": In([3, -1, 4, 1, -5, 9], 0.5, 12), "count_include_pad": 0, "y": Out(1),
                   "geom": _geom(batch=1, in_length=6, out_length=1, kernel_size=8, stride=2)},
          lambda: _emu().avgpool1d_forward(_sym([3, -1, 4, 1, -5, 9], (1, 1, 6), 0.5, 12), 8, 2, 1, 1, False), "y"),
    _edge("adaptive_avgpool1d_forward_window_65536", "sym_adaptive_avgpool1d_forward",
          "sym_adaptive_avgpool1d_forward_args",
          lambda: {"x": In(list(HALF_65536), 0.5, 12), "geom": _geom(**{**AD_GEOM, "batch": 1, "in_length": 65536,
                                                                          "out_length": 1}), "y": Out(1)},
          lambda: _emu().adaptive_avgpool1d_forward(_sym(HALF_65536, (1, 1, 65536), 0.5, 12), 1), "y"),
    _edge("avgpool1d_backward_product_int32_min", "sym_avgpool1d_backward", "sym_avgpool1d_backward_args",
          lambda: {"dy": In(list(NEG_EDGE_DY), 0.25, 32),
                   "geom": _geom(batch=1, in_length=3, out_length=2, kernel_size=2, stride=2, pad_left=1,
                                 pad_right=1), "count_include_pad": 0, "dx": Out(3), "scratch": Buf(cap=3),
                   "n_scratch": 3},
          lambda: _emu().avgpool1d_backward(_sym(NEG_EDGE_DY, (1, 1, 2), 0.25, 32), 3, 2, 2, 1, 1, False), "dx"),
    _edge("avgpool1d_forward_bits_2", "sym_avgpool1d_forward", "sym_avgpool1d_forward_args",
          lambda: {**_ap_fwd_base(), "x": In([1, -1, 0, 1, 1, -1, -1, 0, 1, 1], 0.5, 2)},
          lambda: _emu().avgpool1d_forward(_sym([1, -1, 0, 1, 1, -1, -1, 0, 1, 1], (2, 1, 5), 0.5, 2), 3, 2, 1, 1,
                                           False), "y"),
    # one real tap and 2^24 padding taps (the emulator's tap lists would not fit
    # memory): y = x (count_include_pad), s_y = s_x / K rounded once in float32
    table("avgpool1d_forward_k_2_24_plus_1", "sym_avgpool1d_forward", "sym_avgpool1d_forward_args",
          lambda: {"x": In([1], 1.0, 2), "count_include_pad": 1, "y": Out(1),
                   "geom": _geom(batch=1, in_length=1, out_length=1, kernel_size=BIG_K, stride=1, pad_left=0,
                                 pad_right=BIG_K - 1)},
          lambda: {"y": ([1], float(np.float32(1.0) / np.float32(BIG_K)))}, []),
]

SM_WIDE = [16777217, 33554435, -16777219, 5, 100000001, -7]
P_WIDE = [16777217, 33554435, 1, 3, 16777219, 100000001]


def _sm_wide_expect() -> dict[str, Any]:
    import symverify as sv

    rng = sv.Rng(SEED)
    y = _emu().softmax_forward(_sym(SM_WIDE, (2, 3), 1e-7, 32), 8, sv.SR_HALF_AWAY, rng)
    return {"y": (y.mantissas.ravel().tolist(), float(y.scale)), "rng_state": (rng.state, 0.0)}


def _ce_wide_expect() -> dict[str, Any]:
    import symverify as sv

    rng = sv.Rng(SEED)
    loss, g = _emu().cross_entropy_loss(_sym(P_WIDE, (2, 3), 5e-9, 32), np.array([0, 1]), 8, "mean",
                                        sv.SR_HALF_AWAY, rng)
    return {"grad": (g.mantissas.ravel().tolist(), float(g.scale)), "rng_state": (rng.state, 0.0),
            "loss": (int(np.float32(loss).view(np.uint32)), 0.0)}


def _ce_big_batch_expect() -> dict[str, Any]:
    import symverify as sv

    rng = sv.Rng(SEED)
    loss, g = _emu().cross_entropy_loss(_sym([1000] * 40000, (40000, 1), 1.0 / 2047, 12), np.zeros(40000, np.int64),
                                        8, "mean", sv.SR_HALF_AWAY, rng)
    return {"grad": (g.mantissas.ravel().tolist(), float(g.scale)), "rng_state": (rng.state, 0.0),
            "loss": (int(np.float32(loss).view(np.uint32)), 0.0)}


#: m = 2^24 + 1 is no float32: (float)m * s and (double)m * s round apart by
#: one ulp at q ~ 0.9; out_bits / grad_bits 31 keep that ulp visible
Q_WIDE = [16777217, 3, 16777219, 16777215, 16777217, 5]
Q_SCALE = float(np.float32(0.9 / (1 << 24)))


def _sm_q_expect() -> dict[str, Any]:
    y = _emu().softmax_forward(_sym(Q_WIDE, (2, 3), Q_SCALE, 32), 31)
    return {"y": (y.mantissas.ravel().tolist(), float(y.scale))}


def _ce_q_expect(prob: bool, weights: list[float] | None = None) -> dict[str, Any]:
    target = np.array(weights or Q_PROB, dtype=np.float32).reshape(2, 3) if prob else np.array([0, 2])
    loss, g = _emu().cross_entropy_loss(_sym(Q_WIDE, (2, 3), Q_SCALE, 32), target, 31, "mean")
    return {"grad": (g.mantissas.ravel().tolist(), float(g.scale)),
            "loss": (int(np.float32(loss).view(np.uint32)), 0.0)}


Q_PROB = [0.75, 0.25, 0.0, 0.0, 0.5, 0.5]
#: all weight on 2^24 + 3 (row 0) and on the exact 2^24 - 1 (row 1): log(q) ~ -0.1 shows the
#: float vs double q = m * s one ulp apart (~9 ulps of the log). 2^24 + 1 would round the other
#: way and cancel it in the row sum.
Q_PROB_WIDE = [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]

EDGES += [
    table("softmax_forward_q_rounding", "sym_softmax_forward", "sym_softmax_forward_args",
          lambda: {**_sm_base(), "x": In(list(Q_WIDE), Q_SCALE, 32), "out_bits": 31, "round": Round(0, None)},
          _sm_q_expect, []),
    table("cross_entropy_loss_index_q_rounding", "sym_cross_entropy_loss", "sym_cross_entropy_loss_args",
          lambda: {**_ce_base(), "p": In(list(Q_WIDE), Q_SCALE, 32), "target_index": Buf([0, 2]), "grad_bits": 31,
                   "reduction": 0, "round": Round(0, None)}, lambda: _ce_q_expect(False), []),
    table("cross_entropy_loss_prob_q_rounding", "sym_cross_entropy_loss", "sym_cross_entropy_loss_args",
          lambda: {**_ce_base(True), "p": In(list(Q_WIDE), Q_SCALE, 32), "target_prob": FBuf(list(Q_PROB)),
                   "grad_bits": 31, "reduction": 0, "round": Round(0, None)}, lambda: _ce_q_expect(True), []),
    table("cross_entropy_loss_prob_wide_q", "sym_cross_entropy_loss", "sym_cross_entropy_loss_args",
          lambda: {**_ce_base(True), "p": In(list(Q_WIDE), Q_SCALE, 32), "target_prob": FBuf(list(Q_PROB_WIDE)),
                   "grad_bits": 31, "reduction": 0, "round": Round(0, None)},
          lambda: _ce_q_expect(True, Q_PROB_WIDE), []),
]

EDGES += [
    table("softmax_forward_wide_mantissas", "sym_softmax_forward", "sym_softmax_forward_args",
          lambda: {**_sm_base(), "x": In(list(SM_WIDE), 1e-7, 32)}, _sm_wide_expect, []),
    table("cross_entropy_loss_wide_mantissas", "sym_cross_entropy_loss", "sym_cross_entropy_loss_args",
          lambda: {**_ce_base(), "p": In(list(P_WIDE), 5e-9, 32)}, _ce_wide_expect, []),
    table("cross_entropy_loss_batch_40000", "sym_cross_entropy_loss", "sym_cross_entropy_loss_args",
          lambda: {**_ce_base(), "p": In([1000] * 40000, 1.0 / 2047, 12), "batch": 40000, "classes": 1,
                   "target_index": Buf([0] * 40000), "n_target": 40000, "grad": Out(40000),
                   "fscratch": Buf(cap=40000, ftype=True), "n_fscratch": 40000}, _ce_big_batch_expect, []),
]

for _bits in (2, 31):
    EDGES.append(table(f"softmax_forward_out_bits_{_bits}", "sym_softmax_forward", "sym_softmax_forward_args",
                       lambda b=_bits: {**_sm_base(), "out_bits": b, "round": Round(0, None)},
                       lambda b=_bits: {"y": ((y := _emu().softmax_forward(_sym(SMX, (2, 3), 0.25, 12), b))
                                              .mantissas.ravel().tolist(), float(y.scale))}, []))


def _mathf_inputs() -> tuple[np.ndarray, np.ndarray]:
    rs = np.random.default_rng(11)
    ex = np.concatenate([-rs.random(3000, dtype=np.float32) * 87, rs.random(200, dtype=np.float32) * 88,
                         np.float32([0.0, -0.0, -87.0, -86.99999, -87.00001, -1e-30, 1e-30, -0.34657359, 0.34657359,
                                     0.3466, 0.5, 0.6, 0.69,
                                     -1e3, 88.0])])
    lx = np.concatenate([np.exp(rs.uniform(np.log(1e-7), 0, 3000)).astype(np.float32),
                         np.exp(rs.uniform(0, 80, 300)).astype(np.float32),
                         np.float32([1e-7, 1.0, 0.5, 0.70710677, 0.7071068, 0.70710683, 1.17549435e-38, 3e38, 2.0,
                                     1.4142135])])
    return ex.astype(np.float32), lx.astype(np.float32)


def _mathf(ffi: Any, lib: Any) -> str | None:
    """sym_expf / sym_logf bit for bit against the documented algorithm in numpy
    (symverify.emulator.mathf32), incl. the -87 flush edge, NaN and the sqrt(1/2) split."""
    from symverify.emulator.mathf32 import expf32, logf32

    ex, lx = _mathf_inputs()
    for name, fn, ref, xs in (("sym_expf", lib.sym_expf, expf32, ex), ("sym_logf", lib.sym_logf, logf32, lx)):
        want = ref(xs).view(np.uint32)
        got = np.array([fn(float(v)) for v in xs], dtype=np.float32).view(np.uint32)
        bad = np.flatnonzero(got != want)
        if bad.size:
            i = int(bad[0])
            return f"{name}({float(xs[i])!r}) bits {int(got[i]):#010x} != expected {int(want[i]):#010x}"
    if not np.isnan(lib.sym_expf(float("nan"))):
        return "sym_expf(NaN) is not NaN"
    return None


MATHF = AbiCase("mathf_bits", _mathf, family="abi_pool")

CASES: list[AbiCase] = [MATHF, *EDGES, MP_FWD, MP_BWD, AP_FWD, AP_FWD_INCLUDE, AP_BWD, AP_BWD_INCLUDE, AD_FWD, AD_BWD,
                        SM_FWD, CE_INDEX, CE_PROB]
