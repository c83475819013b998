"""The cases of the one Cortex-M runner (``xtarget/run_table.c``).

For one kernel family, :func:`build_cases` turns the golden vectors
``goldgen/vectors/<family>.json`` into cases, using the registry and the C
declarations in ``kernels/include`` (:mod:`symverify.xtarget_cdecl`): one case
per C-expressible vector, one call per C entry point of the kernel (plus its
``c_alternates`` where they apply), holding the inputs, the scalar fields,
the expected status, outputs (mantissas, scale bits, width) and RNG states
as plain data. :func:`symverify.xtarget_render.family_table` renders them as
``xt_cases.h``.

What a field is follows from its C type and name
(:func:`~symverify.xtarget_cdecl.category`); the values come from the vector's
arguments by name, plus the few values the Python binding derives before its
C call (dimensions, the conv / pool geometry, output sizes and widths,
scratch sizes: :func:`_layer_values`, :func:`_prim_values`). The expected
values are the emulator's, read from the vector file; nothing here runs
either backend.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from . import registry
from .errors import STATUS_CODES
from .types import Rng
from .xtarget_cdecl import CItem, XtableError, category, entry_items

__all__ = ["XtableError", "CItem", "entry_items", "category", "In", "Out", "Round", "Call", "Case",
           "build_cases", "ALTERNATES", "PROTOTYPE_PREFIX", "ANY_BITS"]

#: Float32 bits of 1.0 (the scale of an ``int_to_sym`` tensor spec).
_ONE = 0x3F800000
_ROUNDING = {"half_away": 0, "sr_half_away": 1}
_ORDER = {"ratio": 0, "clamp_first": 1}
_INVALID_MODE = 99
_REDUCTION = {"mean": 0, "sum": 1}
_INVALID_REDUCTION = 2
#: ``xt_out.exp_bits`` when the width is not compared.
ANY_BITS = -1

#: The registered ``Kernel.c_alternates``: field prefix of their checks and
#: the vectors they run (the integer-only requant cores equal the float
#: dynamic requant in both orders, the fixed-scale requant, the rescale
#: helper and both accumulates under HALF_AWAY, and the ratio order under
#: SR; docs/integer-only.md).
ALTERNATES: dict[str, tuple[str, Callable[[Mapping[str, Any]], bool]]] = {
    "sym_intreq_requant_dynamic": ("intreq_", lambda a: a.get("rounding", "half_away") == "half_away"
                                   and a.get("order", "ratio") == "ratio"),
    "sym_intreq_requant_dynamic_clamp_first": ("intreq_", lambda a: a.get("rounding", "half_away") == "half_away"
                                               and a.get("order", "ratio") == "clamp_first"),
    "sym_intreq_requant_dynamic_sr": ("intreq_", lambda a: a.get("rounding") == "sr_half_away"
                                      and a.get("order", "ratio") == "ratio"),
    "sym_intreq_requant_fixed": ("intreq_", lambda a: a.get("rounding", "half_away") == "half_away"),
    "sym_intreq_rescale_to_acc": ("intreq_", lambda a: a.get("rounding", "half_away") == "half_away"),
    "sym_intreq_accumulate_fixed": ("intreq_", lambda a: a.get("rounding", "half_away") == "half_away"),
    "sym_intreq_accumulate_dynamic": ("intreq_", lambda a: a.get("rounding", "half_away") == "half_away"),
}
#: The alternates of :data:`ALTERNATES` that take the vector's RNG state.
RNG_ALTERNATES: frozenset[str] = frozenset({"sym_intreq_requant_dynamic_sr"})


# --------------------------------------------------------------------------
# values of one call
# --------------------------------------------------------------------------

@dataclass
class In:
    """An input: a tensor view or an array (float arrays as bit patterns)."""

    m: list[int]
    scale: int = _ONE
    bits: int = 32
    present: bool = True
    alias: int = -1          # in place: passed as output buffer ``alias`` (filled with ``m``)
    own: bool = False        # its own array, never shared with an equal one (must not overlap another input)


@dataclass
class Out:
    """An output buffer: what the runner passes and what it must hold after."""

    n: int                    # view n / elements the call may write
    exp: list[int] | None     # expected on success (None: must stay untouched)
    view: bool = False
    is_float: bool = False
    present: bool = True      # False: NULL is passed (an optional output)
    view_bits: int = 0x5A5AA5A5
    init: list[int] | None = None   # contents before the call (in / out buffers)
    scale: int = 0
    bits: int = ANY_BITS
    scalar: bool = False      # one value (a result, scale or loss): reported without an index


@dataclass
class Round:
    mode: int
    order: int


@dataclass
class Call:
    """One C call of a case: the entry point and the values of its slots."""

    entry: str
    prefix: str
    is_struct: bool
    ins: list[In] = field(default_factory=list)
    iv: list[int] = field(default_factory=list)
    outs: list[tuple[str, Out]] = field(default_factory=list)
    status: int = 0
    status_name: str = "SYM_OK"
    rng_in: int = 0
    rng_out: int = 0
    use_rng: bool = False
    check_rng: bool = False


@dataclass
class Case:
    kernel: str
    index: int
    name: str
    calls: list[Call]


def _strip(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if not k.endswith("_dec")}


def _tensor(spec: Mapping[str, Any]) -> In:
    if "int_to_sym" in spec:
        return In(list(spec["int_to_sym"]), _ONE, 32)
    if "fill" in spec:
        return In([int(spec["fill"])] * int(np.prod(spec["shape"])), int(spec["scale"], 16),
                  int(spec.get("q_max_bits", 32)))
    return In([int(v) for v in spec["mantissas"]], int(spec["scale"], 16), int(spec.get("q_max_bits", 32)))


def _bits(text: Any) -> int:
    return int(text, 16) if isinstance(text, str) else int(np.float32(text).view(np.uint32))


def _f32_bits(x: Any) -> int:
    """Bits of a float32 argument given as hex (32 or 64 bit) or a number."""
    if isinstance(x, str):
        h = x[2:] if x.lower().startswith("0x") else x
        if len(h) > 8:
            return int(np.float32(np.uint64(int(h, 16)).view(np.float64)).view(np.uint32))
        return int(h, 16)
    return int(np.float32(x).view(np.uint32))


def _dims(spec: Mapping[str, Any] | None) -> tuple[int, int]:
    """A tensor of shape (d0, d1, ...) as [d0, d1*...] (1-D: [n, 1])."""
    if not spec:
        return 0, 0
    shape = list(spec["shape"])
    d0 = shape[0] if shape else 1
    return d0, int(np.prod(shape[1:])) if len(shape) > 1 else 1


def _conv_geom(kernel: str, a: Mapping[str, Any]) -> list[int] | None:
    from .conv_geometry import conv1d_geometry, conv_transpose1d_geometry
    from .errors import SymError

    pad = a.get("padding", 0)
    pad = tuple(pad) if isinstance(pad, list) else pad
    common = dict(stride=a.get("stride", 1), dilation=a.get("dilation", 1), groups=a.get("groups", 1))
    try:
        if kernel.startswith("conv_transpose"):
            g = conv_transpose1d_geometry(a["x"]["shape"], a["w"]["shape"], padding=pad,
                                          output_padding=a.get("output_padding", 0), **common)
        else:
            g = conv1d_geometry(a["x"]["shape"], a["w"]["shape"], padding=pad, **common)
    except SymError:
        return None   # rejected by the Python layer before any C call
    return [int(getattr(g, f)) for f in _GEOM]


_GEOM = ("batch", "in_channels", "out_channels", "in_length", "out_length", "kernel_size", "stride",
         "dilation", "groups", "pad_left", "pad_right", "output_padding")


def _pool_geom(kernel: str, a: Mapping[str, Any]) -> list[int] | None:
    from .goldgen.pool_header import MAX_ELEMENTS, resolve

    g = resolve(kernel, a)
    if g is None:
        return None
    src = a["x"] if "x" in a else a["dy"]
    rows = g["batch"] * g["in_channels"]
    n_out = rows * (g["in_length"] if kernel.endswith("backward") else g["out_length"])
    if len(_tensor(src).m) > MAX_ELEMENTS or n_out > MAX_ELEMENTS:
        return None   # host-only, as in goldgen's pool header
    return [int(g[f]) for f in _GEOM]


def _exp_tensor(e: Mapping[str, Any], key: str | None) -> tuple[list[int] | None, int, int]:
    spec = e.get(key) if key else None
    if spec is None:
        return None, 0, ANY_BITS
    t = _tensor(spec)
    return t.m, t.scale, int(spec.get("q_max_bits", ANY_BITS))


def _view_out(e: Mapping[str, Any], key: str | None, n: int, view_bits: int, ok: bool,
              present: bool = True) -> Out:
    m, s, b = _exp_tensor(e, key) if ok and present else (None, 0, ANY_BITS)
    return Out(n, m, view=True, present=present, view_bits=view_bits, scale=s, bits=b)


def _view_outputs(k: registry.Kernel) -> list[registry.Out]:
    """The registered tensor outputs, in the order of the C output views."""
    return [o for o in k.outputs if o.kind in ("tensor", "optional_tensor")]


def _layer_out_keys(k: registry.Kernel, view_fields: Sequence[str],
                    records: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """C output view field -> the key of its expectation in the vector file:
    in struct order against the registry's tensor outputs; a kernel with one
    tensor output stores it as ``out`` unless the file names it."""
    keys = {key for r in records for key, v in r["expect"].items() if isinstance(v, dict)
            and "indices" != key}
    outs = [o.name for o in _view_outputs(k)]
    if len(outs) != len(view_fields):
        raise XtableError(f"{k.name}: {len(view_fields)} C output views, {len(outs)} registered tensor outputs")
    mapping = {}
    for fld, name in zip(view_fields, outs):
        mapping[fld] = name if name in keys or len(outs) > 1 else ("out" if "out" in keys or not keys
                                                                    else sorted(keys)[0])
    return mapping


def _arg(k: registry.Kernel, a: Mapping[str, Any], name: str) -> Any:
    if name in a:
        return a[name]
    try:
        default = k.arg(name).default
    except KeyError:
        return None
    return None if default is registry.REQUIRED else default


def _scalar(k: registry.Kernel, a: Mapping[str, Any], name: str) -> int | None:
    """A registered scalar argument as the C int field of the same name."""
    try:
        role = k.arg(name).role
    except KeyError:
        return None
    v = _arg(k, a, name)
    if role == "choice":
        return _REDUCTION.get(v, _INVALID_REDUCTION)
    if role == "float":
        return _f32_bits(v)
    if role in ("int", "optional_int", "bool"):
        return 0 if v is None else int(v)
    return None


def _layer_values(k: registry.Kernel, a: Mapping[str, Any], e: Mapping[str, Any], ok: bool,
                  items: Sequence[CItem], out_keys: Mapping[str, str], cap: int) -> dict[str, Any] | None:
    """Values of a layer step's struct fields (None: not C-expressible)."""
    name = k.name
    vals: dict[str, Any] = {}
    tensors = {t: _tensor(a[t]) for t in a if isinstance(a[t], dict) and ("mantissas" in a[t] or "fill" in a[t]
                                                                          or "int_to_sym" in a[t])}
    geom = None
    if k.family == "conv":
        geom = _conv_geom(name, a)
    elif k.family == "pool":
        geom = _pool_geom(name, a)
    if k.family in ("conv", "pool") and geom is None:
        return None
    if k.family == "softmax" and len(a[k.args[0].name]["shape"]) != 2:
        return None   # rejected by the Python layer (rows of [B, C] only)
    first = a[k.args[0].name]
    b0, d1 = _dims(first)
    g = dict(zip(_GEOM, geom)) if geom else {}
    rows = g.get("batch", 0) * g.get("in_channels", 0)
    derived = {"batch": b0, "features": d1, "in_features": d1, "classes": d1,
               "out_features": _dims(a.get("w"))[0], "n_scratch": cap, "n_fscratch": cap}
    # the element count of each output view, as the binding sizes it
    sizes: dict[str, int] = {}
    if k.family == "conv":
        sizes = {"y": g["batch"] * g["out_channels"] * g["out_length"], "dx": len(tensors["x"].m),
                 "new_grad_w": len(tensors["w"].m),
                 "new_grad_b": len(tensors["grad_b"].m) if "grad_b" in tensors else 0}
    elif k.family == "pool":
        n = rows * (g["in_length"] if name.endswith("backward") else g["out_length"])
        sizes = {"y": n, "dx": n}
        derived["n_indices"] = n if name == "maxpool1d_forward" else len(a.get("indices", {}).get("values", []))
        if name.endswith("backward"):
            derived["n_scratch"] = n
    elif k.family == "softmax":   # the float scratch exactly as large as the binding's
        derived["n_fscratch"] = b0 * d1
        sizes = {"y": b0 * d1, "grad": b0 * d1}
    elif name == "linear_forward":
        sizes = {"out": derived["batch"] * derived["out_features"]}
    elif name == "linear_backward":
        o, i = derived["out_features"], derived["in_features"]
        sizes = {"dx": derived["batch"] * i, "new_grad_w": o * i, "new_grad_b": o}
    else:
        sizes = {f: len(tensors[k.args[0].name].m) for f in ("out", "y", "dx", "dy", "grad")}
    views = [it.name for it in items if category(it) == "view"]
    reg_of = dict(zip(views, _view_outputs(k)))
    for fld, reg in reg_of.items():   # an output registered ``like`` an argument keeps its length
        if reg.like is not None:
            sizes[fld] = len(tensors[reg.like].m)

    # the width a view carries into the call (the per-family convention the binding uses)
    def view_bits(fld: str) -> int:
        like = reg_of[fld].like
        if like is not None:   # ... and its width
            return tensors[like].bits
        if k.family == "conv":
            if fld == "y":
                return int(a.get("out_bits") or 0) or 32
            if fld == "dx":
                return int(a.get("dx_bits", 12))
            src = fld.removeprefix("new_")
            return tensors[src].bits if src in tensors else 0
        if k.family == "pool":
            return 32
        if k.family == "softmax":
            return int(a.get("out_bits", a.get("grad_bits", 12)))
        return 0x5A5AA5A5
    for it in items:
        cat = category(it)
        f = it.name
        if cat in ("cview", "opt_cview"):
            if cat == "cview" and f not in tensors:
                raise XtableError(f"{name}: struct field {f} has no tensor argument of that name")
            vals[f] = tensors.get(f, In([], 0, 0, present=False))
        elif cat == "view":
            # an optional output (grad_b) is passed only with its optional input of that name
            absent = reg_of[f].kind == "optional_tensor" and reg_of[f].name not in tensors
            vals[f] = _view_out(e, out_keys[f], sizes[f], view_bits(f), ok, present=not absent)
            if k.family == "pool":   # the pool steps keep the caller's width; the binding sets it
                vals[f].bits = ANY_BITS
        elif cat == "geom":
            vals[f] = geom
        elif cat == "round":
            vals[f] = Round(_ROUNDING.get(_arg(k, a, "rounding"), _INVALID_MODE),
                            _ORDER.get(_arg(k, a, "order") or "ratio", _INVALID_MODE))
        elif cat == "int":
            v = _scalar(k, a, f)
            vals[f] = v if v is not None else derived.get(f)
        elif cat == "float":
            vals[f] = _scalar(k, a, f)
        elif cat == "i32_in":
            spec = a.get("indices" if f == "indices" else "target")
            vals[f] = (In(list(spec["values"])) if f == "indices" else
                       In(list(spec["index"])) if spec and "index" in spec else In([], present=False))
        elif cat == "f32_in":
            spec = a.get("target") or {}
            vals[f] = In([int(b, 16) for b in spec["f32"]]) if "f32" in spec else In([], present=False)
        elif cat == "i32_out":   # the argmax positions of a max pool
            vals[f] = Out(derived["n_indices"], list(e["indices"]["values"]) if ok else None)
        elif cat == "f32_out":   # the loss of MSE / cross entropy
            vals[f] = Out(1, [_bits(e["loss"])] if ok else None, is_float=True, scalar=True)
        if f in ("n_target",):
            tgt = a.get("target") or {}
            vals[f] = len(tgt.get("index", tgt.get("f32", [])))
    return vals


def _prim_values(k: registry.Kernel, a: Mapping[str, Any], e: Mapping[str, Any], ok: bool,
                 in_place: bool) -> dict[str, Any]:
    """Values of a primitive's prototype parameters, by parameter name."""
    rnd = _ROUNDING.get(a.get("rounding", "half_away"), _INVALID_MODE)
    order = _ORDER.get(a.get("order", "ratio"), _INVALID_MODE)
    mant = e.get("mantissas") if ok else None
    scale = [_bits(e["scale"])] if ok and "scale" in e else None
    name = k.name
    if name == "round_half_away":
        return {"x": _f32_bits(a["x"]), "out": Out(1, [int(e["value"])] if ok else None, scalar=True)}
    if name == "rescale_to_acc":
        return {"q": int(a["q"]), "s_p": _bits(a["param_scale"]), "s_acc": _bits(a["acc_scale"]),
                "out": Out(1, [int(e["value"])] if ok else None, scalar=True)}
    if name == "float_to_sym":
        x = [int(b, 16) for b in a["x"]]
        return {"x": In(x), "n": len(x), "q_max_bits": int(a["q_max_bits"]), "rounding": rnd,
                "m": Out(len(x), mant), "scale": Out(1, scale, is_float=True, scalar=True)}
    if name == "sym_to_float":
        t = _tensor(a["t"])
        return {"m": t, "n": len(t.m), "scale": t.scale,
                "y": Out(len(t.m), [int(b, 16) for b in e["values"]] if ok else None, is_float=True)}
    if name == "int_to_sym":
        src = In(list(a["m"]), alias=0 if in_place else -1)
        return {"src": src, "n": len(src.m), "m": Out(len(src.m), mant, init=src.m if in_place else None),
                "scale": Out(1, scale, is_float=True, scalar=True)}
    if name in ("requant_dynamic", "requant_fixed"):
        t = _tensor(a["t"])
        t.alias = 0 if in_place else -1
        vals = {"m_in": t, "n": len(t.m), "s_in": t.scale, "q_max_bits_out": int(a["q_max_bits"]),
                "rounding": rnd, "order": order, "m_out": Out(len(t.m), mant, init=t.m if in_place else None),
                "s_out": Out(1, scale, is_float=True, scalar=True)}
        if name == "requant_fixed":
            vals["target"] = _bits(a["target_scale"])
        return vals
    if name in ("accumulate_dynamic", "accumulate_fixed"):
        t, inc = _tensor(a["target"]), _tensor(a["inc"])
        vals = {"t": Out(len(t.m), mant, init=t.m), "n_t": len(t.m), "q_max_bits_t": t.bits,
                "inc": inc, "n_inc": len(inc.m), "s_inc": inc.scale, "rounding": rnd}
        # in / out scale of the dynamic accumulate: unchanged on error
        vals["s_t"] = (Out(1, scale, is_float=True, init=[t.scale], scalar=True) if name == "accumulate_dynamic" else t.scale)
        return vals
    raise XtableError(f"{name}: no prototype fill rule in symverify/xtarget_table.py")


def _prim_ex_values(k: registry.Kernel, a: Mapping[str, Any], e: Mapping[str, Any], ok: bool) -> dict[str, Any]:
    """Values of the fields of a primitive's ``sym_<kernel>_args`` struct
    (its ``sym_<kernel>_ex`` entry point), by field name: the prototype's
    values, with the output buffer and its scale as one output view."""
    p = _prim_values(k, a, e, ok, False)
    name = k.name
    rnd = Round(_ROUNDING.get(a.get("rounding", "half_away"), _INVALID_MODE),
                _ORDER.get(a.get("order", "ratio"), _INVALID_MODE))
    mant = e.get("mantissas") if ok else None
    scale = _bits(e["scale"]) if ok and "scale" in e else 0

    def view(n: int, bits: int) -> Out:
        return Out(n, mant, view=True, scale=scale, bits=bits if ok else ANY_BITS)

    if name in ("round_half_away", "sym_to_float"):
        return {**p, "t": p.get("m")}
    if name == "rescale_to_acc":
        return {**p, "param_scale": p["s_p"], "acc_scale": p["s_acc"]}
    if name == "float_to_sym":
        return {**p, "round": rnd, "out": view(p["n"], p["q_max_bits"])}
    if name == "int_to_sym":
        return {"m": In(p["src"].m), "n": p["n"], "out": view(p["n"], 32)}
    if name in ("requant_dynamic", "requant_fixed"):
        t = _tensor(a["t"])
        vals = {"t": t, "q_max_bits": p["q_max_bits_out"], "round": rnd, "out": view(len(t.m), p["q_max_bits_out"])}
        if name == "requant_fixed":
            vals["target_scale"] = p["target"]
        return vals
    if name in ("accumulate_dynamic", "accumulate_fixed"):
        t, inc = _tensor(a["target"]), _tensor(a["inc"])
        t.own = inc.own = True   # equal mantissas would share one array: overlap is ALIAS
        return {"target": t, "inc": inc, "round": rnd, "out": view(len(t.m), t.bits)}
    raise XtableError(f"{name}: no args-struct fill rule in symverify/xtarget_table.py")


def _make_call(entry: str, prefix: str, is_struct: bool, items: Sequence[CItem], vals: Mapping[str, Any],
               where: str) -> Call:
    c = Call(entry, prefix, is_struct)
    for it in items:
        cat = category(it)
        if cat in ("scratch", "fscratch", "rng"):
            continue
        if it.name not in vals or vals[it.name] is None:
            raise XtableError(f"{where}: no value for {entry} field {it.name}")
        v = vals[it.name]
        if cat in ("cview", "opt_cview", "i32_in", "f32_in"):
            c.ins.append(v)
        elif cat in ("view", "i32_out", "f32_out"):
            if not isinstance(v, Out):
                raise XtableError(f"{where}: {entry} field {it.name} is an output, the value is not")
            c.outs.append((it.name, v))
        elif cat == "geom":
            c.iv.extend(v)
        elif cat == "round":
            c.iv.extend([v.mode, v.order])
        else:
            c.iv.append(int(v))
    return c


#: Field prefix of the checks of a primitive's own prototype, the alternate
#: of its ``sym_<kernel>_ex`` entry point: it runs every vector, with the RNG.
PROTOTYPE_PREFIX = "proto_"


def _alternate(entry: str, k: registry.Kernel) -> tuple[str, Callable[[Mapping[str, Any]], bool], bool]:
    """(field prefix, which vectors, passes the vector's RNG) of an alternate."""
    if f"{entry}_ex" in k.c_entry_points:
        return PROTOTYPE_PREFIX, lambda a: True, True
    if entry not in ALTERNATES:
        raise XtableError(f"{k.name}: alternate C entry point {entry} has no rule in symverify/xtarget_table.py")
    prefix, rule = ALTERNATES[entry]
    return prefix, rule, entry in RNG_ALTERNATES


def build_cases(family: str, doc: Mapping[str, Any], include: Path, min_cap: int = 1) -> tuple[list[Case], int]:
    """The cases of one family's vector document and the largest buffer they
    need (elements). Vectors the Python layer rejects before any C call are
    left out (``c_abi`` false, a conv / pool geometry error, a softmax input
    that is not [B, C], a pool vector above goldgen's header size)."""
    records = doc["vectors"]
    kernels = registry.kernels_of(family)
    cases: list[Case] = []
    cap = min_cap
    for pass_ in (0, 1):   # the first pass sizes the buffers, the second fills n_scratch
        cases = []
        for k in kernels:
            recs = [r for r in records if r["kernel"] == k.vector_kernel]
            entries = [(ep, "", True) for ep in k.c_entry_points]
            index = 0
            for r in recs:
                if r.get("c_abi", True) is False:
                    continue
                a, e = _strip(r["args"]), _strip(r["expect"])
                where = f"{family} vector {r['name']!r} ({k.name})"
                if e["status"] not in STATUS_CODES:
                    raise XtableError(f"{where}: unknown status {e['status']!r}")
                ok = STATUS_CODES[e["status"]] == 0
                rng_in = Rng(a["seed"]).state if "seed" in a else 0
                rng_out = int(e["rng_state"], 16) if "rng_state" in e else rng_in
                calls = []
                skip = False
                extra = [(ep, *_alternate(ep, k)[::2]) for ep in k.c_alternates if _alternate(ep, k)[1](a)]
                for ep, prefix, with_rng in entries + extra:
                    is_struct, items = entry_items(ep, include)
                    if is_struct and k.layer is None:
                        vals = _prim_ex_values(k, a, e, ok)
                    elif is_struct:
                        views = [it.name for it in items if category(it) == "view"]
                        vals = _layer_values(k, a, e, ok, items, _layer_out_keys(k, views, recs), cap)
                    else:
                        vals = _prim_values(k, a, e, ok, bool(r.get("in_place")))
                    if vals is None:
                        skip = True
                        break
                    c = _make_call(ep, prefix, is_struct, items, vals, where)
                    c.status, c.status_name = STATUS_CODES[e["status"]], e["status"]
                    if with_rng:   # a vector without an Rng passes NULL
                        c.rng_in, c.rng_out, c.use_rng, c.check_rng = rng_in, rng_out, rng_in != 0, True
                    calls.append(c)
                if skip:
                    continue
                cases.append(Case(k.name, index, r["name"], calls))
                index += 1
        need = max([min_cap] + [len(i.m) for c in cases for cl in c.calls for i in cl.ins]
                   + [o.n for c in cases for cl in c.calls for _, o in cl.outs]
                   + [_work_size(c.kernel, cl) for c in cases for cl in c.calls])
        if pass_ == 0:
            cap = need
    return cases, cap


def _work_size(kernel: str, call: Call) -> int:
    """Scratch a layer step needs beyond its arrays (the sym_linear.h contract;
    the other families' needs are bounded by goldgen's header MAX_N)."""
    outs = dict(call.outs)
    if kernel == "linear_backward":
        gw, dx, gb = outs["new_grad_w"].n, outs["dx"].n, outs["new_grad_b"].n
        return 2 * gw + dx + (2 * gb if outs["new_grad_b"].present else 0)
    return 0
