"""Gold replay of the primitives' error-detail entry points, derived from the
declarations: no hand-written runner per kernel.

The calls come from :func:`symverify.xtarget_table.build_cases` (the same
plain-data cases the Cortex-M runner replays: registry layout, golden
vector, and each field's fill rule from its C type in ``kernels/include``);
:class:`DeclCase` makes the ``sym_<kernel>_ex(&args, &err)`` call of one
vector through cffi and checks it as ``xtarget/run_table.c`` does: status,
every output element bit-exactly, the elements after the output untouched,
the view's scale and width, the RNG state, nothing written on error, and a
``sym_err`` that repeats the failing status and names a field (and nothing
in it written on success). The old prototypes stay with
:mod:`symverify.mutants.gold`'s runners.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from symverify import registry
from symverify.errors import status_name
from symverify.xtarget_cdecl import args_struct, category, entry_items
from symverify.xtarget_table import Call, build_cases

__all__ = ["DeclCase", "load", "run_call"]

#: extra elements after an output that must keep the sentinel (XT_GUARD)
GUARD = 4
#: every output element before the call (XT_SENTINEL) and a view's scale
#: bits (-1.0: never a valid scale, and no NaN, which a float round trip
#: through Python could quieten)
SENTINEL = 0x5A5AA5A5
SCALE_SENTINEL = 0xBF800000
#: sym_err.status / .index before a call: a value no kernel writes
ERR_SENTINEL = -0x5A5A5A5A


def _f32(bits: int) -> float:
    return struct.unpack("<f", struct.pack("<I", bits & 0xFFFFFFFF))[0]


def _bits(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def _i32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


@dataclass
class DeclCase:
    """One golden vector of a primitive, replayed through its ``_ex`` entry point."""

    family: str
    name: str
    kernel: str
    call: Call
    include: Path

    @property
    def label(self) -> str:
        return f"{self.family}/{self.name}#ex"

    def run(self, ffi: Any, lib: Any) -> str | None:
        return run_call(ffi, lib, self.call, self.include)


def run_call(ffi: Any, lib: Any, call: Call, include: Path) -> str | None:
    """Make one struct call of a case table on ``lib``; None if it matches,
    else the first difference."""
    is_struct, items = entry_items(call.entry, include)
    assert is_struct, call.entry
    a = ffi.new(f"{args_struct(call.entry, include)} *")
    keep: list[Any] = []
    outs: list[tuple[str, Any, Any, Any]] = []   # (field, Out, buffer, view or None)
    rng = ffi.new("uint32_t *", call.rng_in)
    slot = {"in": 0, "out": 0, "iv": 0}

    def buf(values: list[int], n: int) -> Any:
        b = ffi.new("int32_t[]", max(n, 1))
        for j, v in enumerate(values):
            b[j] = _i32(v)
        keep.append(b)
        return b

    for it in items:
        cat, f = category(it), it.name
        if cat in ("cview", "i32_in", "f32_in"):
            src = call.ins[slot["in"]]
            slot["in"] += 1
            if not src.present:
                ptr = ffi.NULL
            elif src.alias >= 0:
                ptr = outs[src.alias][2]
            else:
                ptr = buf(src.m, len(src.m))
            if cat == "cview":
                view = getattr(a, f)
                view.m, view.n, view.scale, view.bits = ptr, len(src.m), _f32(src.scale), src.bits
            else:
                setattr(a, f, ffi.cast("const float *" if cat == "f32_in" else "const int32_t *", ptr))
        elif cat in ("view", "i32_out", "f32_out"):
            name, o = call.outs[slot["out"]]
            slot["out"] += 1
            b = buf([SENTINEL] * (o.n + GUARD), o.n + GUARD)
            for j, v in enumerate(o.init or []):
                b[j] = _i32(v)
            view = None
            if cat == "view":
                view = ffi.new("sym_view *", {"m": b, "n": o.n, "scale": _f32(SCALE_SENTINEL),
                                              "bits": _i32(o.view_bits)})
                keep.append(view)
                setattr(a, f, view if o.present else ffi.NULL)
            else:
                setattr(a, f, ffi.cast("float *" if cat == "f32_out" else "int32_t *", b) if o.present
                        else ffi.NULL)
            outs.append((name, o, b, view))
        elif cat == "round":
            i = slot["iv"]
            slot["iv"] += 2
            r = getattr(a, f)
            r.mode, r.order = call.iv[i], call.iv[i + 1]
            r.rng_state = rng if call.use_rng else ffi.NULL
        elif cat == "int":
            setattr(a, f, call.iv[slot["iv"]])
            slot["iv"] += 1
        elif cat == "float":
            setattr(a, f, _f32(call.iv[slot["iv"]]))
            slot["iv"] += 1
        else:
            raise ValueError(f"{call.entry}: field {f} of category {cat} has no replay rule")
    err = ffi.new("sym_err *", {"status": ERR_SENTINEL, "index": ERR_SENTINEL})
    rc = getattr(lib, call.entry)(a, err)
    if rc != call.status:
        return f"status {status_name(rc)} != expected {call.status_name}"
    for name, o, b, view in outs:
        why = _check_out(name, o, b, view, rc)
        if why:
            return why
    if call.check_rng and rng[0] != call.rng_out:
        return f"rng_state 0x{rng[0]:08X} != expected 0x{call.rng_out:08X}"
    return _check_err(ffi, rc, err)


def _check_out(name: str, o: Any, b: Any, view: Any, rc: int) -> str | None:
    n = o.n + GUARD
    got = [b[j] & 0xFFFFFFFF for j in range(n)]
    if rc == 0 and o.exp is not None:
        if view is not None and view.n != len(o.exp):
            return f"{name}.n {view.n} != expected {len(o.exp)}"
        for j, want in enumerate(o.exp):
            if got[j] != want & 0xFFFFFFFF:
                return f"{name}[{j}] {_i32(got[j])} != expected {_i32(want)}"
        if any(g != SENTINEL for g in got[len(o.exp):]):
            return f"{name}: an element after the output was written"
        if view is not None:
            if _bits(view.scale) != o.scale & 0xFFFFFFFF:
                return f"{name}.scale 0x{_bits(view.scale):08X} != expected 0x{o.scale & 0xFFFFFFFF:08X}"
            if o.bits >= 0 and view.bits != o.bits:
                return f"{name}.bits {view.bits} != expected {o.bits}"
        return None
    want = [v & 0xFFFFFFFF for v in (o.init or [])]
    want += [SENTINEL] * (n - len(want))
    if got != want or (view is not None and o.present and _bits(view.scale) != SCALE_SENTINEL):
        return f"status {status_name(rc)} but {name} was written (nothing may be written on error)"
    return None


def _check_err(ffi: Any, rc: int, err: Any) -> str | None:
    if rc == 0:
        return None if err.status == ERR_SENTINEL and err.index == ERR_SENTINEL else "sym_err written on success"
    if err.status != rc:
        return f"sym_err.status {status_name(err.status)} != returned {status_name(rc)}"
    if err.arg == ffi.NULL or err.reason == ffi.NULL:
        return "sym_err.arg or .reason is NULL"
    return None


def primitive_families() -> tuple[str, ...]:
    """Families whose kernels are primitives with a ``sym_<kernel>_ex`` entry point."""
    return tuple(f for f in registry.primitive_families()
                 if all(k.c_entry_points == (f"sym_{k.name}_ex",) for k in registry.kernels_of(f)))


def load(family: str, doc: Mapping[str, Any], include: Path) -> list[DeclCase]:
    """The ``_ex`` cases of one primitive family's vector document."""
    cases, _ = build_cases(family, doc, include)
    return [DeclCase(family, c.name, c.kernel, cl, include) for c in cases for cl in c.calls if cl.is_struct]
