"""C header of the conv golden vectors (``goldgen/vectors/conv.h``): the C
view of conv.json for firmware harnesses (xtarget's runner counts its vectors).

One struct type for the four conv kernels, one table per kernel. Each vector
carries the tensors, the geometry already resolved to ``sym_geom1d`` order
(padding as left/right, as the Python binding hands it to C), the rounding,
the expected status, outputs and RNG state. Vectors the Python layer rejects
before any C call (bad geometry) are left out: their C-level counterparts are
the C-ABI cases of mutants/conv_gold.py.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from symverify.conv_geometry import conv1d_geometry, conv_transpose1d_geometry
from symverify.errors import STATUS_CODES, SymError
from symverify.types import Rng

from .vecformat import FixtureError, strip_comments

_PREFIX = "sym_golden_conv"
_GEOM = ("batch", "in_channels", "out_channels", "in_length", "out_length", "kernel_size", "stride", "dilation",
         "groups", "pad_left", "pad_right", "output_padding")
_TENSORS = ("x", "w", "b", "dy", "grad_w", "grad_b")
_OUTPUTS = ("out", "dx", "grad_w", "grad_b")
KERNELS = ("conv1d_forward", "conv1d_backward", "conv_transpose1d_forward", "conv_transpose1d_backward")


def _u32(v: Any) -> str:
    return f"0x{(int(v, 16) if isinstance(v, str) else int(v)):08X}u"


def _i32(v: int) -> str:
    return "(-2147483647 - 1)" if int(v) == -(1 << 31) else str(int(v))


def resolved_geometry(kernel: str, a: Mapping[str, Any]) -> Any:
    """The sym_geom1d values of a vector, or None if the Python layer rejects it."""
    x, w = a["x"]["shape"], a["w"]["shape"]
    pad = a.get("padding", 0)
    pad = tuple(pad) if isinstance(pad, list) else pad
    common = dict(stride=a.get("stride", 1), dilation=a.get("dilation", 1), groups=a.get("groups", 1))
    try:
        if kernel.startswith("conv_transpose"):
            return conv_transpose1d_geometry(x, w, padding=pad, output_padding=a.get("output_padding", 0), **common)
        return conv1d_geometry(x, w, padding=pad, **common)
    except SymError:
        return None


class _Writer:
    def __init__(self) -> None:
        self.arrays: list[str] = []
        self.max_n = 1

    def tensor(self, spec: Mapping[str, Any] | None, tag: str) -> str:
        if spec is None:
            return "{ 0, 0, { 0, 0, 0, 0 }, 0, NULL, 0x00000000u, 0 }"
        m = list(spec["mantissas"])
        self.max_n = max(self.max_n, len(m))
        name = f"{_PREFIX}_{tag}"
        items = [_i32(v) for v in m]
        lines = ["    " + ", ".join(items[s:s + 8]) + "," for s in range(0, len(items), 8)]
        self.arrays.append(f"static const int32_t {name}[{len(items)}] = {{\n" + "\n".join(lines) + "\n};")
        dims = list(spec["shape"]) + [0] * (4 - len(spec["shape"]))
        return (f"{{ 1, {len(spec['shape'])}, {{ {', '.join(str(d) for d in dims)} }}, {len(m)}, {name}, "
                f"{_u32(spec['scale'])}, {int(spec['q_max_bits'])} }}")


def _entry(w: _Writer, idx: int, rec: Mapping[str, Any], geom: Any) -> str:
    a = strip_comments(dict(rec["args"]))
    e = strip_comments(dict(rec["expect"]))
    if e["status"] not in STATUS_CODES:
        raise FixtureError(f"conv vector {rec['name']!r}: unknown status {e['status']!r}")
    fields = [f'"{rec["name"]}"']
    fields += [w.tensor(a.get(t), f"v{idx:03d}_{t}") for t in _TENSORS]
    fields += [str(int(a.get("out_bits") or 0)), str(int(a.get("dx_bits", 12)))]
    fields.append("{ " + ", ".join(str(getattr(geom, g)) for g in _GEOM) + " }")
    fields.append("1" if a.get("rounding") == "sr_half_away" else "0")
    fields.append("1" if a.get("order") == "clamp_first" else "0")
    rng_in = Rng(a["seed"]).state if "seed" in a else 0
    fields.append(_u32(rng_in))
    fields.append(f"{STATUS_CODES[e['status']]} /* {e['status']} */")
    fields += [w.tensor(e.get(o), f"v{idx:03d}_exp_{o}") for o in _OUTPUTS]
    fields.append(_u32(e.get("rng_state", rng_in)))
    n_x = geom.batch * geom.in_channels * geom.in_length
    n_w = len(a["w"]["mantissas"])
    n_y = geom.batch * geom.out_channels * geom.out_length
    w.max_n = max(w.max_n, n_y, 2 * n_w + n_x + geom.out_channels)
    return f"    /* {rec.get('purpose', '').replace('*/', '* /')} */\n    {{ " + ",\n      ".join(fields) + " },"


def render_conv_header(doc: Mapping[str, Any]) -> str:
    """``conv.h`` from the conv document (``conv_fixtures.compute_conv()``)."""
    records: Sequence[Mapping[str, Any]] = doc["vectors"]
    w = _Writer()
    tables = []
    omitted: list[str] = []
    for kernel in KERNELS:
        entries = []
        for idx, rec in enumerate(records):
            if rec["kernel"] != kernel:
                continue
            geom = resolved_geometry(kernel, strip_comments(dict(rec["args"])))
            if geom is not None:
                entries.append(_entry(w, idx, rec, geom))
            else:
                omitted.append(rec["name"])
        count = f"SYM_GOLDEN_CONV_{kernel.upper()}_COUNT"
        tables.append(f"#define {count} {len(entries)}\nstatic const sym_golden_conv_t {_PREFIX}_{kernel}"
                      f"[{max(len(entries), 1)}] = {{\n" + ("\n".join(entries) or "    { 0 }") + "\n};")
    return f"""/* Golden vectors, family "conv": generated by `symverify goldgen`
 * (goldgen/conv_header.py) from conv.json (goldgen/conv_fixtures.py, emulator). DO NOT EDIT.
 *
 * emulator version {doc['emulator_version']}, fixture hash {doc['fixture_hash']}
 *
 * Static const data only. float32 as bit patterns; geom in sym_geom1d field
 * order (batch, in_channels, out_channels, in_length, out_length,
 * kernel_size, stride, dilation, groups, pad_left, pad_right,
 * output_padding); rounding 0 HALF_AWAY / 1 SR; order 0 RATIO / 1
 * CLAMP_FIRST; rng_state_in 0: no Rng; expected tensors present = 0 on error
 * (nothing may be written); SYM_GOLDEN_CONV_MAX_N bounds every array and the
 * scratch a call needs. Vectors the Python layer rejects before C are omitted.
 * Vectors only the Python API can express (not here): {", ".join(omitted) or "none"}.
 */
#ifndef SYMVERIFY_GOLDEN_CONV_H
#define SYMVERIFY_GOLDEN_CONV_H

#include <stddef.h>
#include <stdint.h>

#ifndef SYM_GOLDEN_TENSOR_T_DEFINED
#define SYM_GOLDEN_TENSOR_T_DEFINED
typedef struct {{
    int32_t present;          /* 0: the optional tensor is None */
    int32_t ndim;             /* rank (shape[ndim..] are 0) */
    int32_t shape[4];
    int32_t n;                /* number of mantissas */
    const int32_t *m;         /* n mantissas, row-major */
    uint32_t scale;           /* float32 scale bits */
    int32_t q_max_bits;       /* declared width */
}} sym_golden_tensor_t;
#endif

typedef struct {{
    const char *name;
    sym_golden_tensor_t x, w, b, dy, grad_w, grad_b;   /* arguments (present = 0: absent) */
    int32_t out_bits;                                   /* forward: 0 = raw */
    int32_t dx_bits;                                    /* backward */
    int32_t geom[12];
    int32_t rounding;
    int32_t order;
    uint32_t rng_state_in;
    int32_t status;
    sym_golden_tensor_t exp_out, exp_dx, exp_grad_w, exp_grad_b;
    uint32_t rng_state_out;
}} sym_golden_conv_t;

#define SYM_GOLDEN_CONV_MAX_N {w.max_n}

/* ---- vector data ---- */
{chr(10).join(w.arrays)}

/* ---- vector tables ---- */
{(chr(10) * 2).join(tables)}

#endif /* SYMVERIFY_GOLDEN_CONV_H */
"""
