"""C header of the layer golden vectors (``goldgen/vectors/layers.h``).

Renders the records of ``layers.json`` (goldgen/layer_fixtures.py) as a
self-contained C99 header with the conventions of the primitive headers
(goldgen/generate.py ``render_header``): static const data only, float32 as
``uint32_t`` bit patterns, one struct array per kernel, a
``SYM_GOLDEN_LAYERS_<KERNEL>_COUNT`` per kernel, NULL expected outputs on
error.

The layer vectors are written against the Python API of docs/layers.md
(``linear_forward(x, w, b, out_bits, rounding, order, rng_state)``, ...), so
each struct holds the API's arguments: tensors as
``sym_golden_tensor_t`` (shape, mantissas, scale bits, width; ``present = 0``
for an omitted optional tensor), float arrays as ``sym_golden_f32s_t``.
A firmware harness composes the C cores with the primitives exactly as
``symverify/kernels_layers.py`` does.

The layout is driven per kernel name by :data:`LAYER_ARGS` /
:data:`LAYER_OUTPUTS`, derived from each kernel's registry layout (its
``args`` / ``outputs``, through the role tables :data:`KIND_OF_ROLE` /
:data:`KIND_OF_OUTPUT`); any vector of a known kernel is rendered, whatever
its values. An argument or result key the layout does not know, or an unknown
kernel, raises :class:`FixtureError` (a new kind of fixture needs a layout
here and a runner in xtarget/, it is never silently dropped).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from symverify import registry
from symverify.errors import STATUS_CODES
from symverify.types import Rng

from .vecformat import FixtureError, strip_comments

#: Largest tensor rank the header can describe.
MAX_NDIM = 4

_HA, _SR = "half_away", "sr_half_away"

#: The family whose vectors this header renders (layers.json).
FAMILY = "layers"

#: Header kind of each registry argument role: tensor, opt_tensor (None /
#: absent -> present = 0), f32s (float array), f32 (scalar bits), int,
#: opt_int (None / absent -> has_<name> = 0), rounding, order. An ``rng``
#: argument is the rng_state_in / rng_state_out pair of every struct.
KIND_OF_ROLE: dict[str, str] = {
    "tensor": "tensor", "optional_tensor": "opt_tensor", "float_array": "f32s", "float": "f32",
    "int": "int", "optional_int": "opt_int", "rounding": "rounding", "order": "order",
}
#: Header kind of each registry output kind (opt_tensor: may be None even on success).
KIND_OF_OUTPUT: dict[str, str] = {"tensor": "tensor", "optional_tensor": "opt_tensor", "float": "f32"}
#: Roles whose registered default the header fills in for an absent argument;
#: every other argument is required in the vector unless optional.
_DEFAULTED_ROLES = ("rounding", "order")


def _kind(table: dict[str, str], what: str, kernel: str, name: str, role: str) -> str:
    if role not in table:
        raise FixtureError(f"{kernel}.{name}: the layers header has no field for {what} {role!r} "
                           f"(extend goldgen/layers_header.py KIND_OF_ROLE / KIND_OF_OUTPUT)")
    return table[role]


def layer_args(k: registry.Kernel) -> list[tuple[str, str, Any]]:
    """``[(argument, kind, default)]`` of ``k``'s struct, in API order (None = required), from its layout."""
    return [(a.name, _kind(KIND_OF_ROLE, "role", k.name, a.name, a.role),
             a.default if a.role in _DEFAULTED_ROLES else None) for a in k.args if a.role != "rng"]


def layer_outputs(k: registry.Kernel) -> list[tuple[str, str]]:
    """``[(result field, kind)]`` of ``k``: the vector's keys (``out`` for a single output)."""
    return [("out" if len(k.outputs) == 1 else o.name, _kind(KIND_OF_OUTPUT, "output kind", k.name, o.name, o.kind))
            for o in k.outputs]


#: kernel -> [(argument, kind, default)] in struct order (derived from the registry).
LAYER_ARGS: dict[str, list[tuple[str, str, Any]]] = {k.name: layer_args(k) for k in registry.kernels_of(FAMILY)}
#: kernel -> [(result field, kind)] (derived from the registry).
LAYER_OUTPUTS: dict[str, list[tuple[str, str]]] = {k.name: layer_outputs(k) for k in registry.kernels_of(FAMILY)}

_ROUNDING = {_HA: 0, _SR: 1}
_ORDER = {"ratio": 0, "clamp_first": 1}
_INVALID_MODE = 99

_PREFIX = "sym_golden_layers"


def _i32(v: int) -> str:
    return "(-2147483647 - 1)" if int(v) == -(1 << 31) else str(int(v))


def _u32(v: Any) -> str:
    n = int(v, 16) if isinstance(v, str) else int(v)
    return f"0x{n:08X}u"


def _comment(text: str) -> str:
    return text.replace("*/", "* /").replace("/*", "/ *")


class _Writer:
    """Collects the data arrays (one per vector and field, never shared: a
    corrupted expected value must not also change an input) and the largest size."""

    def __init__(self) -> None:
        self.arrays: list[str] = []
        self.max_n = 1
        self.dummies: set[str] = set()

    def array(self, ctype: str, tag: str, values: Sequence[Any], index: int) -> str:
        self.note(len(values))
        if not values:
            self.dummies.add(ctype)
            return f"{_PREFIX}_dummy_{'u32' if ctype == 'uint32_t' else 'i32'}"
        items = [_u32(v) if ctype == "uint32_t" else _i32(v) for v in values]
        name = f"{_PREFIX}_v{index:03d}_{tag}"
        lines = ["    " + ", ".join(items[s:s + 8]) + "," for s in range(0, len(items), 8)]
        self.arrays.append(f"static const {ctype} {name}[{len(items)}] = {{\n" + "\n".join(lines) + "\n};")
        return name

    def note(self, n: int) -> None:
        self.max_n = max(self.max_n, int(n))

    def shape(self, shape: Sequence[int], where: str) -> tuple[str, str]:
        if len(shape) > MAX_NDIM:
            raise FixtureError(f"{where}: rank {len(shape)} exceeds the header's {MAX_NDIM}")
        dims = list(shape) + [0] * (MAX_NDIM - len(shape))
        return str(len(shape)), "{ " + ", ".join(str(int(d)) for d in dims) + " }"

    def tensor(self, spec: Mapping[str, Any] | None, tag: str, index: int, where: str) -> str:
        if spec is None:
            return "{ 0, 0, { 0, 0, 0, 0 }, 0, NULL, 0x00000000u, 0 }"
        unknown = set(spec) - {"shape", "mantissas", "scale", "q_max_bits"}
        if unknown:
            raise FixtureError(f"{where}: tensor {tag} has keys the header cannot hold: {sorted(unknown)}")
        ndim, dims = self.shape(spec["shape"], where)
        m = list(spec["mantissas"])
        return (f"{{ 1, {ndim}, {dims}, {len(m)}, {self.array('int32_t', tag, m, index)}, "
                f"{_u32(spec['scale'])}, {int(spec['q_max_bits'])} }}")

    def f32s(self, spec: Mapping[str, Any], tag: str, index: int, where: str) -> str:
        ndim, dims = self.shape(spec["shape"], where)
        vals = list(spec["f32"])
        return f"{{ {ndim}, {dims}, {len(vals)}, {self.array('uint32_t', tag, vals, index)} }}"


def _dim(spec: Mapping[str, Any] | None, i: int) -> int:
    if not spec or len(spec["shape"]) <= i:
        return 0
    return int(spec["shape"][i])


def _work_sizes(kernel: str, a: Mapping[str, Any]) -> list[int]:
    """Intermediate buffer lengths a runner needs beyond the arrays themselves
    (the [B, O] accumulator of a Linear, ...), so MAX_N bounds every buffer."""
    if kernel in ("linear_forward", "linear_backward"):
        b, i, o = _dim(a.get("x"), 0), _dim(a.get("x"), 1), _dim(a.get("w"), 0)
        sizes = [b * o, o * i, b * i]
        if kernel == "linear_backward":
            # the scratch contract of sym_linear_backward (sym_linear.h)
            sizes.append(2 * o * i + b * i + (2 * o if a.get("grad_b") else 0))
        return sizes
    return []


def _field_decls(kernel: str) -> list[tuple[str, str, str]]:
    """(C type, field name, comment) of one kernel's struct."""
    out: list[tuple[str, str, str]] = []
    for name, kind, default in LAYER_ARGS[kernel]:
        if kind in ("tensor", "opt_tensor"):
            out.append(("sym_golden_tensor_t", name,
                        "argument" + (" (present = 0: None)" if kind == "opt_tensor" else "")))
        elif kind == "f32s":
            out.append(("sym_golden_f32s_t", name, "float32 array argument (bit patterns)"))
        elif kind == "f32":
            out.append(("uint32_t", name, "float32 argument (bits)"))
        elif kind == "int":
            out.append(("int32_t", name, "integer argument"))
        elif kind == "opt_int":
            out.append(("int32_t", f"has_{name}", f"0: {name} is None"))
            out.append(("int32_t", name, "integer argument (if has_)"))
        elif kind == "rounding":
            out.append(("int32_t", name, f"0 HALF_AWAY, 1 SR_HALF_AWAY, 99 invalid (default {default})"))
        elif kind == "order":
            out.append(("int32_t", name, "0 RATIO, 1 CLAMP_FIRST, 99 invalid"))
    out.append(("uint32_t", "rng_state_in", "state to pass (0: pass no Rng, rng_state=None)"))
    out.append(("int32_t", "status", "expected status"))
    for name, kind in LAYER_OUTPUTS[kernel]:
        if kind == "f32":
            out.append(("uint32_t", f"exp_{name}", "expected float32 result bits (0 on error)"))
        else:
            out.append(("sym_golden_tensor_t", f"exp_{name}",
                        "expected result (present = 0 on error" + (" or None)" if kind == "opt_tensor" else ")")))
    out.append(("uint32_t", "rng_state_out", "expected state after the call (== in on error)"))
    return out


def _struct_values(w: _Writer, idx: int, rec: Mapping[str, Any]) -> dict[str, str]:
    kernel, name = rec["kernel"], rec["name"]
    where = f"layers vector {name!r} ({kernel})"
    a = strip_comments(dict(rec["args"]))
    e = strip_comments(dict(rec["expect"]))
    known = {n for n, _, _ in LAYER_ARGS[kernel]} | {"seed"}
    unknown = set(a) - known
    if unknown:
        raise FixtureError(f"{where}: arguments the header layout does not know: {sorted(unknown)} "
                           f"(extend goldgen/layers_header.py and symverify/xtarget_table.py)")
    vals: dict[str, str] = {}
    for arg, kind, default in LAYER_ARGS[kernel]:
        present = arg in a and a[arg] is not None
        if default is None and not present and kind not in ("opt_tensor", "opt_int"):
            raise FixtureError(f"{where}: required argument {arg!r} missing")
        v = a.get(arg, default)
        if kind == "tensor":
            vals[arg] = w.tensor(v, arg, idx, where)
        elif kind == "opt_tensor":
            vals[arg] = w.tensor(v if present else None, arg, idx, where)
        elif kind == "f32s":
            vals[arg] = w.f32s(v, arg, idx, where)
        elif kind == "f32":
            vals[arg] = _u32(v)
        elif kind == "int":
            vals[arg] = _i32(v)
        elif kind == "opt_int":
            vals[f"has_{arg}"] = "1" if present else "0"
            vals[arg] = _i32(v) if present else "0"
        elif kind == "rounding":
            vals[arg] = str(_ROUNDING.get(v, _INVALID_MODE))
        elif kind == "order":
            vals[arg] = str(_ORDER.get(v, _INVALID_MODE))
    for n in _work_sizes(kernel, a):
        w.note(n)
    rng_in = Rng(a["seed"]).state if "seed" in a else 0
    vals["rng_state_in"] = _u32(rng_in)
    status = e["status"]
    if status not in STATUS_CODES:
        raise FixtureError(f"{where}: unknown status {status!r}")
    vals["status"] = f"{STATUS_CODES[status]} /* {status} */"
    ok = STATUS_CODES[status] == 0
    outs = {n for n, _ in LAYER_OUTPUTS[kernel]}
    unknown = set(e) - outs - {"status", "rng_state"}
    if unknown:
        raise FixtureError(f"{where}: result fields the header layout does not know: {sorted(unknown)}")
    for out, kind in LAYER_OUTPUTS[kernel]:
        v = e.get(out) if ok else None
        if ok and v is None and kind != "opt_tensor":
            raise FixtureError(f"{where}: successful result without {out!r}")
        if kind == "f32":
            vals[f"exp_{out}"] = _u32(v if v is not None else 0)
        else:
            vals[f"exp_{out}"] = w.tensor(v, f"exp_{out}", idx, where)
    if "seed" in a and "rng_state" not in e:
        raise FixtureError(f"{where}: a seeded vector without its final rng_state")
    vals["rng_state_out"] = _u32(e.get("rng_state", rng_in))
    return vals


def render_layers_header(doc: Mapping[str, Any]) -> str:
    """``layers.h`` from the layers document (``layer_fixtures.compute_layers()``)."""
    records = list(doc["vectors"])
    kinds = sorted({r["kernel"] for r in records} - set(LAYER_ARGS))
    if kinds:
        raise FixtureError(f"layers.json kernels without a header layout: {kinds} "
                           f"(extend goldgen/layers_header.py and symverify/xtarget_table.py)")
    w = _Writer()
    tables: list[str] = []
    layout: list[str] = []
    for kernel in LAYER_ARGS:
        decls = _field_decls(kernel)
        tname = f"sym_golden_layers_{kernel}_t"
        count = f"SYM_GOLDEN_LAYERS_{kernel.upper()}_COUNT"
        layout.append(f" *   {tname}: array {_PREFIX}_{kernel}[{count}]")
        layout.extend(f" *     {ctype:<19} {name:<15} {comment}" for ctype, name, comment in decls)
        entries = []
        for idx, rec in enumerate(records):
            if rec["kernel"] != kernel:
                continue
            vals = _struct_values(w, idx, rec)
            body = ",\n      ".join(f".{name} = {vals[name]}" for _, name, _ in decls)
            entries.append(f"    /* [{len(entries)}] {_comment(rec.get('purpose', ''))} */\n"
                           f"    {{ \"{rec['name']}\",\n      {body} }},")
        struct_def = ("typedef struct {\n    const char *name;\n"
                      + "".join(f"    {ctype} {name}; /* {comment} */\n" for ctype, name, comment in decls)
                      + f"}} {tname};")
        table = (f"static const {tname} {_PREFIX}_{kernel}[{len(entries)}] = {{\n" + "\n".join(entries) + "\n};"
                 if entries else f"/* no vectors for {kernel} */")
        tables.append(f"{struct_def}\n\n#define {count} {len(entries)}\n{table}")
    dummies = ""
    if w.dummies:
        dummies = "/* Placeholder buffers for zero-length arrays: never read. */\n"
        if "uint32_t" in w.dummies:
            dummies += f"static const uint32_t {_PREFIX}_dummy_u32[1] = {{ 0u }};\n"
        if "int32_t" in w.dummies:
            dummies += f"static const int32_t {_PREFIX}_dummy_i32[1] = {{ 0 }};\n"
    digest = doc["fixture_hash"]
    version = doc["emulator_version"]
    head = f"""/* Golden vectors, family "layers": generated by `symverify goldgen`
 * (goldgen/layers_header.py) from the records of layers.json
 * (goldgen/layer_fixtures.py, float32 emulator). DO NOT EDIT.
 *
 * emulator version {version}, fixture hash (sha256 of the layer catalog):
 * {digest}
 *
 * Self-contained C99: needs only <stdint.h> and <stddef.h>; static const data
 * only (no functions, no allocation). Conventions as the primitive headers:
 *  - float32 values are IEEE-754 bit patterns in uint32_t;
 *  - status: the expected status of the Python API call of docs/layers.md
 *    (enum sym_status, name in a comment);
 *  - rounding 0 = SYM_HALF_AWAY, 1 = SYM_SR_HALF_AWAY; order 0 =
 *    SYM_ORDER_RATIO, 1 = SYM_ORDER_CLAMP_FIRST; 99 = invalid (rejected);
 *  - rng_state_in 0: the call gets no Rng; otherwise a copy of it, to be
 *    compared with rng_state_out afterwards (unchanged on error);
 *  - a tensor is sym_golden_tensor_t: present (0 = None), ndim, shape,
 *    n mantissas m, scale bits, q_max_bits; expected results are tensors with
 *    present = 0 (and float results 0) on error: nothing may be written;
 *  - the vectors are calls of the Python API (quant_forward, linear_forward,
 *    ...): a harness composes the C cores (sym_linear.h, sym_layernorm.h,
 *    sym_loss.h, sym_sgd.h) with the primitives as symverify/kernels_layers.py
 *    does, with the argument checks of docs/layers.md first;
 *  - SYM_GOLDEN_LAYERS_MAX_N bounds every array and every intermediate
 *    buffer (e.g. the [B, O] accumulator of a Linear), for static buffers.
 * Struct layout (each struct starts with `const char *name`, the fixture name):
{chr(10).join(layout)}
 */
#ifndef SYMVERIFY_GOLDEN_LAYERS_H
#define SYMVERIFY_GOLDEN_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#define SYM_GOLDEN_LAYERS_EMULATOR_VERSION "{version}"
#define SYM_GOLDEN_LAYERS_FIXTURE_HASH "{digest}"
#define SYM_GOLDEN_LAYERS_MAX_NDIM {MAX_NDIM}

#ifndef SYM_GOLDEN_TENSOR_T_DEFINED
#define SYM_GOLDEN_TENSOR_T_DEFINED
typedef struct {{
    int32_t present;          /* 0: the optional tensor is None */
    int32_t ndim;             /* rank (shape[ndim..] are 0) */
    int32_t shape[{MAX_NDIM}];
    int32_t n;                /* number of mantissas (product of the shape) */
    const int32_t *m;         /* n mantissas, row-major */
    uint32_t scale;           /* float32 scale bits */
    int32_t q_max_bits;       /* declared width */
}} sym_golden_tensor_t;

typedef struct {{
    int32_t ndim;
    int32_t shape[{MAX_NDIM}];
    int32_t n;
    const uint32_t *bits;     /* n float32 bit patterns, row-major */
}} sym_golden_f32s_t;
#endif
"""
    return (f"{head}\n#define {_PREFIX.upper()}_MAX_N {w.max_n}\n\n{dummies}\n"
            f"/* ---- vector data ---- */\n" + "\n".join(w.arrays)
            + "\n\n/* ---- vector tables ---- */\n" + "\n\n".join(tables)
            + "\n\n#endif /* SYMVERIFY_GOLDEN_LAYERS_H */\n")
