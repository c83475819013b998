"""Golden-vector writer and checker.

Evaluates every fixture of :mod:`symverify.goldgen.fixtures` with the float32
emulator (``symverify.emulate``, the golden source), runs the non-vacuity
self-checks, and renders per family

* ``<family>.json``: readable, indented; float32 values as bit patterns
  (``"0x40200000"``) with a decimal ``*_dec`` comment field next to each;
  mantissas as ints; errors as status names;
* ``<family>.h``: a self-contained C99 header for firmware test harnesses
  (static const data, float32 as ``uint32_t`` bit patterns, one struct array
  per kernel; the layout is documented in the header's leading comment).

Besides these four primitive families, :func:`compute` also renders the layer
and chain vectors of :mod:`symverify.goldgen.layer_fixtures` (``layers.json``,
``chain.json``; families ``layers`` and ``chain``) and the C header of the
layer vectors (``layers.h``, :mod:`symverify.goldgen.layers_header`), so ``symverify goldgen``
regenerates and ``--check`` verifies every committed vector file.

All are stamped with :data:`EMULATOR_VERSION` and the fixture hash (sha256 of
the canonical catalog). :func:`write` computes everything first and then
replaces the changed files as one set (staged and fsynced in a staging
directory, renamed into place, the ``SHA256SUMS`` manifest last);
:func:`check` writes nothing and returns a unified diff of any drift and names
a set that disagrees with its manifest.

The same decoding/evaluation (:func:`evaluate`, from
:mod:`symverify.goldgen.kernelcall`, derived from the registry) replays a vector on any backend
with the API.md signatures, which is how the tests replay the golden vectors on
the C kernels.
"""
from __future__ import annotations

import difflib
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from symverify import registry
from symverify.errors import STATUS_CODES
from symverify.types import SR_HALF_AWAY, Rng, q_max, q_min

from . import fixtures as fx
from . import layer_fixtures as lf
from . import vectorset as vs
from .fixtures import FAMILIES, Fixture
from .kernelcall import OK, evaluate  # noqa: F401  (evaluate: re-exported, the tests replay through it)
from .layers_header import render_layers_header
from .layout_header import render_layout_header
from .pool_hook import EXTRA_FAMILIES, compute_extra_families
from .vecformat import (EMULATOR_VERSION, FORMAT_VERSION, FixtureError, dec32, f32_from_hex,  # noqa: F401  (re-exported)
                        float_from_hex, hex32, strip_comments)

GENERATOR = "symverify goldgen (goldgen/generate.py)"


#: families rendered by goldgen/layer_fixtures.py (one JSON file each; layers
#: also gets a C header, goldgen/layers_header.py)
LAYER_FAMILIES = registry.layer_vector_families()


def vectors_dir() -> Path:
    """Default output directory: ``goldgen/vectors`` next to this module."""
    return Path(__file__).resolve().parent / "vectors"


def _f32_array(values: Iterable[str]) -> np.ndarray:
    return np.array([int(v, 16) for v in values], dtype=np.uint32).view(np.float32)


def rng_state_in(args: Mapping[str, Any]) -> str | None:
    return f"0x{Rng(args['seed']).state:08X}" if "seed" in args else None


# --------------------------------------------------------------------------- self-checks
def _away(v: float) -> int:
    return int(math.copysign(math.floor(abs(v) + 0.5), v))


_ALT_ROUNDING: dict[str, Callable[[float], int]] = {
    "half_away": _away,
    "half_even": lambda v: int(round(v)),   # Python's round() is exact half-to-even on a float
    "truncation": lambda v: int(math.trunc(v)),
}


def _tie_model(fixture: Fixture) -> tuple[list[float], Callable[[float, Callable[[float], int], int], int]]:
    """Pre-rounding float32 values of a HALF_AWAY fixture, plus how one value
    becomes an output element under a given rounding function.

    This is plain Python over numpy float32 scalars, written for the self-check
    only: it re-derives the value each output is rounded from, so that the
    alternative roundings can be applied to exactly the same float32 value."""
    f = np.float32
    a = fixture.args
    k = fixture.kernel

    def tensor_values(spec):
        if "int_to_sym" in spec:
            return np.array(spec["int_to_sym"], dtype=np.int32).astype(f), f(1.0)
        return np.array(spec["mantissas"], dtype=np.int32).astype(f), f32_from_hex(spec["scale"])

    def clamp_round(lo, hi, clamp_first):
        def apply(v, rnd, i):
            if clamp_first:
                v = min(max(v, float(f(lo))), float(f(hi)))
            return min(max(rnd(v), lo), hi)
        return apply

    if k == "round_half_away":
        return [float(f(float_from_hex(a["x"])))], lambda v, rnd, i: rnd(v)
    if k == "float_to_sym":
        x = _f32_array(a["x"])
        b = a["q_max_bits"]
        s = f(np.max(np.abs(x)) / f(q_max(b)))
        return [float(v) for v in (x / s)], clamp_round(q_min(b), q_max(b), False)
    if k == "requant_dynamic":
        m, s_in = tensor_values(a["t"])
        b = a["q_max_bits"]
        s_out = f(np.max(np.abs(m * s_in)) / f(q_max(b)))
        if a["order"] == "ratio":
            v = m * f(s_in / s_out)
            return [float(e) for e in v], clamp_round(q_min(b), q_max(b), False)
        v = (m * s_in) / s_out
        return [float(e) for e in v], clamp_round(q_min(b), q_max(b), True)
    if k == "requant_fixed":
        m, s_in = tensor_values(a["t"])
        b = a["q_max_bits"]
        v = (m * s_in) / f32_from_hex(a["target_scale"])
        return [float(e) for e in v], clamp_round(q_min(b), q_max(b), True)
    if k == "rescale_to_acc":
        r = (f(a["q"]) * f32_from_hex(a["param_scale"])) / f32_from_hex(a["acc_scale"])
        return [float(r)], lambda v, rnd, i: rnd(v)
    if k == "accumulate_dynamic":
        t, s_t = tensor_values(a["target"])
        inc, s_inc = tensor_values(a["inc"])
        b = a["target"]["q_max_bits"]
        v = t * s_t + inc * s_inc
        s = f(np.max(np.abs(v)) / f(q_max(b)))
        return [float(e) for e in (v / s)], clamp_round(q_min(b), q_max(b), False)
    if k == "accumulate_fixed":
        t, s_t = tensor_values(a["target"])
        inc, s_inc = tensor_values(a["inc"])
        base = [int(e) for e in t]
        r = (inc * s_inc) / s_t
        return [float(e) for e in r], lambda v, rnd, i: base[i] + rnd(v)
    raise FixtureError(f"fixture {fixture.name!r}: kernel {k} has no tie model")


def _expected_elements(kernel: str, result: Mapping[str, Any]) -> list[int]:
    if kernel in ("round_half_away", "rescale_to_acc"):
        return [result["value"]]
    return list(result["mantissas"])


def check_tie(fixture: Fixture, result: Mapping[str, Any]) -> None:
    """Refuse a tie fixture unless half-away (the emulator's result) differs from
    both half-to-even and truncation on the same float32 values."""
    where = f"tie fixture {fixture.family}/{fixture.name}"
    if fixture.args.get("rounding", "half_away") != "half_away":
        raise FixtureError(f"{where}: a tie fixture must use rounding half_away")
    if result["status"] != OK:
        raise FixtureError(f"{where}: the emulator rejected it ({result['status']}); a tie fixture must succeed")
    values, to_output = _tie_model(fixture)
    if not all(math.isfinite(v) for v in values):
        raise FixtureError(f"{where}: non-finite pre-rounding value in {values}")
    ties = [v for v in values if abs(v - math.trunc(v)) == 0.5]
    if not ties:
        raise FixtureError(f"{where}: no exact .5 tie among the float32 values {values}")
    outputs = {mode: [to_output(v, rnd, i) for i, v in enumerate(values)] for mode, rnd in _ALT_ROUNDING.items()}
    actual = _expected_elements(fixture.kernel, result)
    if outputs["half_away"] != actual:
        raise FixtureError(f"{where}: the self-check's half-away model gives {outputs['half_away']} but the "
                           f"emulator gives {actual}; fix the fixture or report the emulator")
    for alt in ("half_even", "truncation"):
        if outputs[alt] == actual:
            raise FixtureError(f"{where}: vacuous: {alt} gives the same result {actual} as half-away "
                               f"(values {values}); add a tie that separates them (e.g. 2.5 or -0.5)")


def _outputs_only(result: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "rng_state"}


# --------------------------------------------------------------------------- computing
@dataclass
class Vector:
    fixture: Fixture
    expect: dict[str, Any]

    @property
    def c_abi(self) -> bool:
        """False for vectors only the Python API can express (no C parameter for them)."""
        k, a = self.fixture.kernel, self.fixture.args
        if k in ("rescale_to_acc", "accumulate_fixed") and a.get("rounding") != "half_away":
            return False
        return True


@dataclass
class FamilyResult:
    family: str
    vectors: list[Any]   # Vector for the primitive families, records for layers / chain
    json_text: str = ""
    header_text: str = ""
    files: dict[str, str] = field(default_factory=dict)


def compute_layer_families(backend: Any = None) -> dict[str, FamilyResult]:
    """The layer families (``layers``, ``relu``, ...) and the ``chain``
    (goldgen/layer_fixtures.py), rendered; raises FixtureError
    (LayerFixtureError) on a refused fixture."""
    out: dict[str, FamilyResult] = {}
    for family in LAYER_FAMILIES:
        if family == registry.TRAINING_CHAIN:
            continue
        if family == "conv":
            out.update(_conv_family(backend))
            continue
        if family in EXTRA_FAMILIES:
            continue   # pool / softmax: their own fixtures and headers (goldgen/pool_hook.py)
        doc = lf.compute_layers(backend, family)
        # layers.h keeps its hand-laid header (goldgen/layers_header.py); a
        # tensor-only family gets the registry-derived one
        header = render_layers_header(doc) if family == "layers" else render_layout_header(doc)
        files = {f"{family}.json": lf.render(doc), f"{family}.h": header}
        out[family] = FamilyResult(family, list(doc["vectors"]), json_text=files[f"{family}.json"],
                                   header_text=header, files=files)
    chain = lf.compute_chain(backend)
    steps = [s for cfg in chain["configs"].values() for s in cfg["steps"]]
    from . import train_fixtures  # the CNN training steps ride with the chain: one training-vector family

    out[registry.TRAINING_CHAIN] = FamilyResult(registry.TRAINING_CHAIN, steps,
                                                files={"chain.json": lf.render(chain), train_fixtures.FILE:
                                                       train_fixtures.render_file(train_fixtures.compute_train_cnn(
                                                           backend))})
    for name, (vectors, files) in compute_extra_families(backend).items():
        out[name] = FamilyResult(name, vectors, files=files)
    return {f: out[f] for f in LAYER_FAMILIES}


def _conv_family(backend: Any) -> dict[str, FamilyResult]:
    """The ``conv`` family (goldgen/conv_fixtures.py), rendered."""
    from . import conv_fixtures
    from .conv_header import render_conv_header

    conv = conv_fixtures.compute_conv(backend)
    files = {"conv.json": lf.render(conv), "conv.h": render_conv_header(conv)}
    return {"conv": FamilyResult("conv", list(conv["vectors"]), json_text=files["conv.json"],
                                 header_text=files["conv.h"], files=files)}


def compute(backend: Any = None, cat: dict[str, list[Fixture]] | None = None,
            layers: bool = True) -> dict[str, FamilyResult]:
    """Evaluate the whole catalog (default backend: ``symverify.emulate``), run
    the self-checks, and render every file's text; with ``layers`` also the
    layer and chain families. Raises FixtureError."""
    if backend is None:
        import symverify.emulate as backend  # noqa: N813  (the golden source)
    cat = fx.catalog() if cat is None else cat
    digest = fx.fixture_hash(cat)
    out: dict[str, FamilyResult] = {}
    for family in FAMILIES:
        vectors = [Vector(f, evaluate(f.kernel, f.args, backend)) for f in cat.get(family, [])]
        by_name = {v.fixture.name: v for v in vectors}
        for v in vectors:
            if v.fixture.tie:
                check_tie(v.fixture, v.expect)
            if v.fixture.differs_from:
                other = by_name.get(v.fixture.differs_from)
                if other is None:
                    raise FixtureError(f"fixture {family}/{v.fixture.name}: differs_from names unknown fixture "
                                       f"{v.fixture.differs_from!r}")
                if v.expect["status"] != OK or _outputs_only(v.expect) == _outputs_only(other.expect):
                    raise FixtureError(f"fixture {family}/{v.fixture.name}: vacuous: gives the same result as "
                                       f"{other.fixture.name} ({v.expect}); it must differ")
        res = FamilyResult(family, vectors)
        res.json_text = render_json(family, vectors, digest)
        res.header_text = render_header(family, vectors, digest)
        res.files = {f"{family}.json": res.json_text, f"{family}.h": res.header_text}
        out[family] = res
    if layers:
        out.update(compute_layer_families(backend))
    return out


# --------------------------------------------------------------------------- JSON
def _comment_args(obj: Any, key: str | None = None) -> Any:
    """Add ``*_dec`` decimal comments next to float bit-pattern fields."""
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out[k] = _comment_args(v, k)
            dec = _decimal_of(v, k)
            if dec is not None:
                out[f"{k}_dec"] = dec
        return out
    if isinstance(obj, list):
        return [_comment_args(v) for v in obj]
    return obj


_FLOAT_KEYS = {"x", "scale", "target_scale", "param_scale", "acc_scale", "values"}


def _decimal_of(value: Any, key: str) -> Any:
    if key not in _FLOAT_KEYS:
        return None
    if isinstance(value, list):
        return [_dec_one(v) for v in value]
    return _dec_one(value)


def _dec_one(text: str) -> str:
    if len(text) == 18:
        return repr(float_from_hex(text))
    return dec32(f32_from_hex(text))


def render_json(family: str, vectors: list[Vector], digest: str) -> str:
    records = []
    for v in vectors:
        f = v.fixture
        rec: dict[str, Any] = {"name": f.name, "kernel": f.kernel, "purpose": f.purpose,
                               "args": _comment_args(f.args)}
        state = rng_state_in(f.args)
        if state is not None:
            rec["rng_state_in"] = state
        for flag in ("tie", "in_place"):
            if getattr(f, flag):
                rec[flag] = True
        if f.differs_from:
            rec["differs_from"] = f.differs_from
        if not v.c_abi:
            rec["c_abi"] = False
        rec["expect"] = _comment_args(v.expect)
        records.append(rec)
    doc = {
        "family": family,
        "format_version": FORMAT_VERSION,
        "emulator_version": EMULATOR_VERSION,
        "fixture_hash": digest,
        "generator": GENERATOR,
        "note": ("Generated golden vectors: do not edit (run `symverify goldgen`). Floats are IEEE-754 "
                 "float32 bit patterns; *_dec fields are decimal comments only. Errors are C status names."),
        "count": len(records),
        "vectors": records,
    }
    return json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=True) + "\n"


def load_family(path: Path) -> dict[str, Any]:
    """Read a golden JSON file (comments are kept, use strip_comments);
    VectorFileError naming the file if it is unreadable or not valid JSON."""
    return vs.read_json(Path(path))


# --------------------------------------------------------------------------- C header
_ROUNDING_C = {"half_away": ("0", "SYM_HALF_AWAY"), "sr_half_away": ("1", "SYM_SR_HALF_AWAY")}
_ORDER_C = {"ratio": ("0", "SYM_ORDER_RATIO"), "clamp_first": ("1", "SYM_ORDER_CLAMP_FIRST")}
_UNKNOWN_MODE = ("99", "not a valid mode: must be rejected")

# (field, C type, comment) per kernel struct, in declaration order
_STRUCTS: dict[str, list[tuple[str, str, str]]] = {
    "round_half_away": [
        ("x", "uint32_t", "input float32 bits"),
        ("status", "int32_t", "expected status"),
        ("out", "int32_t", "expected result (0 on error)"),
    ],
    "float_to_sym": [
        ("n", "int32_t", "number of elements (0: EMPTY vector, x points to a dummy)"),
        ("x", "const uint32_t *", "n input float32 bit patterns"),
        ("q_max_bits", "int32_t", "output width"),
        ("rounding", "int32_t", "0 HALF_AWAY, 1 SR_HALF_AWAY, 99 invalid"),
        ("rng_state_in", "uint32_t", "state to pass (0: pass NULL)"),
        ("status", "int32_t", "expected status"),
        ("m", "const int32_t *", "expected n mantissas (NULL on error)"),
        ("scale", "uint32_t", "expected scale bits (0 on error)"),
        ("rng_state_out", "uint32_t", "expected state after the call (== in on error)"),
    ],
    "sym_to_float": [
        ("n", "int32_t", "number of elements"),
        ("m", "const int32_t *", "n input mantissas"),
        ("scale", "uint32_t", "input scale bits"),
        ("status", "int32_t", "expected status"),
        ("y", "const uint32_t *", "expected n float32 bit patterns (NULL on error)"),
    ],
    "int_to_sym": [
        ("n", "int32_t", "number of elements (0: EMPTY vector, src points to a dummy)"),
        ("src", "const int32_t *", "n input int32 values"),
        ("in_place", "int32_t", "1: call with m == src"),
        ("status", "int32_t", "expected status"),
        ("m", "const int32_t *", "expected n mantissas (NULL on error)"),
        ("scale", "uint32_t", "expected scale bits (0 on error)"),
    ],
    "requant_dynamic": [
        ("n", "int32_t", "number of elements"),
        ("m_in", "const int32_t *", "n input mantissas"),
        ("s_in", "uint32_t", "input scale bits"),
        ("q_max_bits_out", "int32_t", "output width"),
        ("rounding", "int32_t", "0 HALF_AWAY, 1 SR_HALF_AWAY, 99 invalid"),
        ("order", "int32_t", "0 RATIO, 1 CLAMP_FIRST, 99 invalid"),
        ("rng_state_in", "uint32_t", "state to pass (0: pass NULL)"),
        ("in_place", "int32_t", "1: call with m_out == m_in"),
        ("status", "int32_t", "expected status"),
        ("m_out", "const int32_t *", "expected n mantissas (NULL on error)"),
        ("s_out", "uint32_t", "expected output scale bits (0 on error)"),
        ("rng_state_out", "uint32_t", "expected state after the call (== in on error)"),
    ],
    "requant_fixed": [
        ("n", "int32_t", "number of elements"),
        ("m_in", "const int32_t *", "n input mantissas"),
        ("s_in", "uint32_t", "input scale bits"),
        ("target", "uint32_t", "target scale bits"),
        ("q_max_bits_out", "int32_t", "output width"),
        ("rounding", "int32_t", "0 HALF_AWAY, 1 SR_HALF_AWAY, 99 invalid"),
        ("rng_state_in", "uint32_t", "state to pass (0: pass NULL)"),
        ("in_place", "int32_t", "1: call with m_out == m_in"),
        ("status", "int32_t", "expected status"),
        ("m_out", "const int32_t *", "expected n mantissas (NULL on error)"),
        ("rng_state_out", "uint32_t", "expected state after the call (== in on error)"),
    ],
    "rescale_to_acc": [
        ("q", "int32_t", "input mantissa"),
        ("s_p", "uint32_t", "parameter scale bits"),
        ("s_acc", "uint32_t", "accumulator scale bits"),
        ("status", "int32_t", "expected status"),
        ("out", "int32_t", "expected result (0 on error)"),
    ],
    "accumulate_dynamic": [
        ("n_t", "int32_t", "target length"),
        ("t", "const int32_t *", "n_t target mantissas (copy into a writable buffer: updated in place)"),
        ("s_t", "uint32_t", "target scale bits (updated in place)"),
        ("q_max_bits_t", "int32_t", "target width"),
        ("n_inc", "int32_t", "increment length"),
        ("inc", "const int32_t *", "n_inc increment mantissas"),
        ("s_inc", "uint32_t", "increment scale bits"),
        ("rounding", "int32_t", "0 HALF_AWAY, 1 SR_HALF_AWAY, 99 invalid"),
        ("rng_state_in", "uint32_t", "state to pass (0: pass NULL)"),
        ("status", "int32_t", "expected status"),
        ("t_out", "const int32_t *", "expected n_t mantissas (NULL on error: t unchanged)"),
        ("s_t_out", "uint32_t", "expected scale bits (0 on error: s_t unchanged)"),
        ("rng_state_out", "uint32_t", "expected state after the call (== in on error)"),
    ],
    "accumulate_fixed": [
        ("n_t", "int32_t", "target length"),
        ("t", "const int32_t *", "n_t target mantissas (copy into a writable buffer: updated in place)"),
        ("s_t", "uint32_t", "target scale bits (kept)"),
        ("q_max_bits_t", "int32_t", "target width (2..32)"),
        ("n_inc", "int32_t", "increment length"),
        ("inc", "const int32_t *", "n_inc increment mantissas"),
        ("s_inc", "uint32_t", "increment scale bits"),
        ("status", "int32_t", "expected status"),
        ("t_out", "const int32_t *", "expected n_t mantissas (NULL on error: t unchanged)"),
    ],
}

_KERNEL_ORDER = list(fx.KERNEL_FAMILY)


def _c_comment(text: str) -> str:
    return text.replace("*/", "* /").replace("/*", "/ *")


def _c_i32(v: int) -> str:
    return "(-2147483647 - 1)" if v == -(1 << 31) else str(int(v))


def _c_u32(text_or_int: Any) -> str:
    v = int(text_or_int, 16) if isinstance(text_or_int, str) else int(text_or_int)
    return f"0x{v:08X}u"


def _status_c(name: str) -> str:
    return f"{STATUS_CODES[name]} /* {name} */"


def _mode_c(table, value) -> str:
    code, name = table.get(value, _UNKNOWN_MODE)
    return f"{code} /* {name} */"


def _tensor_c(spec) -> tuple[list[int], str]:
    if "int_to_sym" in spec:
        return list(spec["int_to_sym"]), "0x3F800000"
    return list(spec["mantissas"]), spec["scale"]


class _HeaderWriter:
    def __init__(self, family: str) -> None:
        self.family = family
        self.prefix = f"sym_golden_{family}"
        self.arrays: list[str] = []
        self.max_n = 1
        self.uses_dummy = False

    def array(self, ctype: str, tag: str, values: list[Any], index: int) -> str:
        if not values:
            self.uses_dummy = True
            return f"{self.prefix}_dummy_{'u32' if ctype == 'uint32_t' else 'i32'}"
        self.max_n = max(self.max_n, len(values))
        name = f"{self.prefix}_v{index:03d}_{tag}"
        items = [(_c_u32(v) if ctype == "uint32_t" else _c_i32(v)) for v in values]
        lines = []
        for start in range(0, len(items), 8):
            lines.append("    " + ", ".join(items[start:start + 8]) + ",")
        self.arrays.append(f"static const {ctype} {name}[{len(items)}] = {{\n" + "\n".join(lines) + "\n};")
        return name

    def out_array(self, ctype: str, tag: str, values: list[Any] | None, index: int) -> str:
        if values is None:
            return "NULL"
        return self.array(ctype, tag, values, index)


def _struct_fields(w: _HeaderWriter, idx: int, v: Vector) -> dict[str, str]:
    k, a, e = v.fixture.kernel, strip_comments(v.fixture.args), v.expect
    ok = e["status"] == OK
    st = _status_c(e["status"])
    rng_in = int(rng_state_in(a), 16) if "seed" in a else 0
    rng_out = int(e["rng_state"], 16) if "rng_state" in e else 0
    rounding = _mode_c(_ROUNDING_C, a.get("rounding"))
    if k == "round_half_away":
        x = hex32(np.float32(float_from_hex(a["x"])))
        return {"x": _c_u32(x), "status": st, "out": _c_i32(e["value"]) if ok else "0"}
    if k == "float_to_sym":
        return {"n": str(len(a["x"])), "x": w.array("uint32_t", "x", a["x"], idx), "q_max_bits": str(a["q_max_bits"]),
                "rounding": rounding, "rng_state_in": _c_u32(rng_in), "status": st,
                "m": w.out_array("int32_t", "m", e.get("mantissas"), idx),
                "scale": _c_u32(e["scale"] if ok else 0), "rng_state_out": _c_u32(rng_out)}
    if k == "sym_to_float":
        m, s = _tensor_c(a["t"])
        return {"n": str(len(m)), "m": w.array("int32_t", "m", m, idx), "scale": _c_u32(s), "status": st,
                "y": w.out_array("uint32_t", "y", e.get("values"), idx)}
    if k == "int_to_sym":
        return {"n": str(len(a["m"])), "src": w.array("int32_t", "src", a["m"], idx),
                "in_place": "1" if v.fixture.in_place else "0", "status": st,
                "m": w.out_array("int32_t", "m", e.get("mantissas"), idx), "scale": _c_u32(e["scale"] if ok else 0)}
    if k == "requant_dynamic":
        m, s = _tensor_c(a["t"])
        return {"n": str(len(m)), "m_in": w.array("int32_t", "m_in", m, idx), "s_in": _c_u32(s),
                "q_max_bits_out": str(a["q_max_bits"]), "rounding": rounding,
                "order": _mode_c(_ORDER_C, a.get("order")), "rng_state_in": _c_u32(rng_in),
                "in_place": "1" if v.fixture.in_place else "0", "status": st,
                "m_out": w.out_array("int32_t", "m_out", e.get("mantissas"), idx),
                "s_out": _c_u32(e["scale"] if ok else 0), "rng_state_out": _c_u32(rng_out)}
    if k == "requant_fixed":
        m, s = _tensor_c(a["t"])
        return {"n": str(len(m)), "m_in": w.array("int32_t", "m_in", m, idx), "s_in": _c_u32(s),
                "target": _c_u32(a["target_scale"]), "q_max_bits_out": str(a["q_max_bits"]),
                "rounding": rounding, "rng_state_in": _c_u32(rng_in),
                "in_place": "1" if v.fixture.in_place else "0", "status": st,
                "m_out": w.out_array("int32_t", "m_out", e.get("mantissas"), idx), "rng_state_out": _c_u32(rng_out)}
    if k == "rescale_to_acc":
        return {"q": _c_i32(a["q"]), "s_p": _c_u32(a["param_scale"]), "s_acc": _c_u32(a["acc_scale"]),
                "status": st, "out": _c_i32(e["value"]) if ok else "0"}
    if k in ("accumulate_dynamic", "accumulate_fixed"):
        t, s_t = _tensor_c(a["target"])
        inc, s_inc = _tensor_c(a["inc"])
        bits_t = a["target"].get("q_max_bits", 32)
        out = {"n_t": str(len(t)), "t": w.array("int32_t", "t", t, idx), "s_t": _c_u32(s_t),
               "q_max_bits_t": str(bits_t), "n_inc": str(len(inc)), "inc": w.array("int32_t", "inc", inc, idx),
               "s_inc": _c_u32(s_inc)}
        if k == "accumulate_dynamic":
            out.update({"rounding": rounding, "rng_state_in": _c_u32(rng_in), "status": st,
                        "t_out": w.out_array("int32_t", "t_out", e.get("mantissas"), idx),
                        "s_t_out": _c_u32(e["scale"] if ok else 0), "rng_state_out": _c_u32(rng_out)})
        else:
            out.update({"status": st, "t_out": w.out_array("int32_t", "t_out", e.get("mantissas"), idx)})
        return out
    raise FixtureError(f"no header layout for kernel {k}")


def render_header(family: str, vectors: list[Vector], digest: str) -> str:
    w = _HeaderWriter(family)
    guard = f"SYMVERIFY_GOLDEN_{family.upper()}_H"
    up = family.upper()
    kernels = [k for k in _KERNEL_ORDER if fx.KERNEL_FAMILY[k] == family]
    tables: list[str] = []
    layout_doc: list[str] = []
    skipped = [v.fixture.name for v in vectors if not v.c_abi]
    for k in kernels:
        fields = _STRUCTS[k]
        tname = f"sym_golden_{k}_t"
        layout_doc.append(f" *   {tname}: array {w.prefix}_{k}[SYM_GOLDEN_{up}_{k.upper()}_COUNT]")
        for name, ctype, comment in fields:
            layout_doc.append(f" *     {ctype:<17} {name:<15} {comment}")
        entries = []
        for idx, v in enumerate(vectors):
            if v.fixture.kernel != k or not v.c_abi:
                continue
            vals = _struct_fields(w, idx, v)
            body = ", ".join(f".{name} = {vals[name]}" for name, _, _ in fields)
            entries.append(f"    /* [{len(entries)}] {_c_comment(v.fixture.purpose)} */\n"
                           f"    {{ \"{v.fixture.name}\", {body} }},")
        struct_def = (f"typedef struct {{\n    const char *name;\n"
                      + "".join(f"    {ctype}{'' if ctype.endswith('*') else ' '}{name}; /* {comment} */\n"
                                for name, ctype, comment in fields)
                      + f"}} {tname};")
        count_macro = f"#define SYM_GOLDEN_{up}_{k.upper()}_COUNT {len(entries)}"
        if entries:
            table = f"static const {tname} {w.prefix}_{k}[{len(entries)}] = {{\n" + "\n".join(entries) + "\n};"
        else:
            table = f"/* no C-ABI vectors for {k} */"
        tables.append(f"#ifndef SYM_GOLDEN_{k.upper()}_T_DEFINED\n#define SYM_GOLDEN_{k.upper()}_T_DEFINED\n"
                      f"{struct_def}\n#endif\n\n{count_macro}\n{table}")
    dummies = ""
    if w.uses_dummy:
        dummies = (f"/* Placeholder buffers for zero-length (EMPTY) vectors: never read. */\n"
                   f"static const uint32_t {w.prefix}_dummy_u32[1] = {{ 0u }};\n"
                   f"static const int32_t {w.prefix}_dummy_i32[1] = {{ 0 }};\n")
    skipped_doc = (" * Vectors only the Python API can express (not here): " + ", ".join(skipped) + ".\n"
                   if skipped else "")
    head = f"""/* Golden vectors, family "{family}": generated by `symverify goldgen`
 * from goldgen/fixtures.py with the float32 emulator. DO NOT EDIT.
 *
 * emulator version {EMULATOR_VERSION}, fixture hash (sha256 of the catalog):
 * {digest}
 *
 * Self-contained C99: needs only <stdint.h> and <stddef.h>; static const data
 * only (no functions, no allocation), safe to include in several translation
 * units. Conventions:
 *  - float32 values are IEEE-754 bit patterns in uint32_t (memcpy into a float);
 *  - status: the expected return value, the integer of enum sym_status
 *    (kernels/include/sym_status.h) with its name in a comment;
 *  - rounding 0 = SYM_HALF_AWAY, 1 = SYM_SR_HALF_AWAY; order 0 = SYM_ORDER_RATIO,
 *    1 = SYM_ORDER_CLAMP_FIRST; 99 = an invalid mode the kernel must reject;
 *  - rng_state_in 0 means "pass a NULL rng_state pointer" (HALF_AWAY vectors);
 *    otherwise pass a pointer to a copy of it and compare with rng_state_out
 *    afterwards (on error the state must be unchanged);
 *  - on error the expected output array is NULL and expected scalars are 0:
 *    the harness must check that outputs were not written (fill them with a
 *    sentinel first);
 *  - in_place 1: call with the output buffer == the input buffer (copy the
 *    input into it first); the result must be the same;
 *  - accumulate kernels update their target in place: copy t into a writable
 *    buffer of n_t elements first;
 *  - {w.prefix.upper()}_MAX_N is the largest array length, for static buffers.
 * Struct layout (each struct starts with `const char *name`, the fixture name):
{chr(10).join(layout_doc)}
{skipped_doc} */
#ifndef {guard}
#define {guard}

#include <stddef.h>
#include <stdint.h>

#define SYM_GOLDEN_{up}_EMULATOR_VERSION "{EMULATOR_VERSION}"
#define SYM_GOLDEN_{up}_FIXTURE_HASH "{digest}"
"""
    body = "\n\n".join(tables)
    arrays = "\n".join(w.arrays)
    return (f"{head}#define {w.prefix.upper()}_MAX_N {w.max_n}\n\n{dummies}\n"
            f"/* ---- vector data ---- */\n{arrays}\n\n/* ---- vector tables ---- */\n{body}\n\n"
            f"#endif /* {guard} */\n")


# --------------------------------------------------------------------------- write / check
@dataclass
class FileStatus:
    family: str          # a family, or MANIFEST for the set manifest
    vectors: int
    status: str          # "written" | "unchanged" | "ok" | "drift" | "missing" | "mixed" | "stale"
    diff: str = ""


def _is_full(results: Mapping[str, FamilyResult]) -> bool:
    return set(results) >= set(FAMILIES) | set(LAYER_FAMILIES)


def _generated(results: Mapping[str, FamilyResult]) -> dict[str, bytes]:
    return {name: text.encode("utf-8") for res in results.values() for name, text in res.files.items()}


def _manifest_for(out_dir: Path, files: Mapping[str, bytes], full: bool) -> bytes:
    """The manifest after writing ``files``: exactly them for a full run; for a
    partial run (e.g. only the layer families) the other entries are kept."""
    entries = {} if full or not (out_dir / vs.MANIFEST).is_file() else dict(vs.parse_manifest(out_dir / vs.MANIFEST))
    entries.update({name: vs.sha256(data) for name, data in files.items()})
    return "".join(f"{entries[n]}  {n}\n" for n in sorted(entries)).encode()


def _same(path: Path, data: bytes) -> bool:
    return path.is_file() and path.read_bytes() == data


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return  # not supported here (e.g. Windows): the renames are still in order
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write(out_dir: Path | None = None, results: dict[str, FamilyResult] | None = None) -> list[FileStatus]:
    """Compute all families first, then replace the changed files as one set.

    Nothing is written if any target is a directory (VectorFileError).
    Temporaries of interrupted runs are removed first. Every changed file is
    written and fsynced in a staging directory inside ``out_dir``, then
    renamed into place, the manifest (``SHA256SUMS``) last: a run killed
    before the renames leaves the old set, one killed during them leaves files
    that disagree with the old manifest, which :func:`check` and every vector
    reader name as a mixed set; the next ``write`` completes it."""
    out_dir = Path(out_dir) if out_dir is not None else vectors_dir()
    results = compute() if results is None else results
    files = _generated(results)
    if out_dir.exists() and not out_dir.is_dir():
        raise vs.VectorFileError(f"{out_dir}: not a directory")
    for name in [*files, vs.MANIFEST]:
        if (out_dir / name).is_dir():
            raise vs.VectorFileError(f"{out_dir / name}: is a directory; goldgen will not replace it "
                                     "(nothing was written)")
    out_dir.mkdir(parents=True, exist_ok=True)
    vs.remove_stale(out_dir, [*files, vs.MANIFEST])
    files[vs.MANIFEST] = _manifest_for(out_dir, {n: d for n, d in files.items()}, _is_full(results))
    changed = [name for name, data in files.items() if not _same(out_dir / name, data)]
    if changed:
        stage = Path(tempfile.mkdtemp(prefix=vs.STAGING_PREFIX, dir=out_dir))
        try:
            for name in changed:
                _write_synced(stage / name, files[name])
            _fsync_dir(stage)
            for name in sorted(changed, key=lambda n: n == vs.MANIFEST):  # the manifest last
                os.replace(stage / name, out_dir / name)
            _fsync_dir(out_dir)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    report = [FileStatus(family, len(res.vectors), "written" if set(res.files) & set(changed) else "unchanged")
              for family, res in results.items()]
    report.append(FileStatus(vs.MANIFEST, 0, "written" if vs.MANIFEST in changed else "unchanged"))
    return report


def _read_committed(path: Path) -> str:
    """A committed vector file's text; VectorFileError if unreadable or, for
    JSON, not valid JSON (e.g. truncated)."""
    text = vs.read_text(path)
    if path.suffix == ".json":
        vs.read_json(path)
    return text


def check(out_dir: Path | None = None, results: dict[str, FamilyResult] | None = None) -> list[FileStatus]:
    """Write nothing; compare the committed files with freshly computed ones.

    A drifting family's status is "drift" (or "missing") with a unified diff.
    With every family computed, one more row for the manifest: "mixed" if
    files disagree with ``SHA256SUMS`` (an interrupted write or a hand edit,
    the files named), "drift"/"missing" for the manifest itself, "stale" if
    temporaries of an interrupted run remain. Raises VectorFileError for a
    committed file that is a directory, not text, or not valid JSON."""
    out_dir = Path(out_dir) if out_dir is not None else vectors_dir()
    results = compute() if results is None else results
    report = []
    for family, res in results.items():
        diffs, status = [], "ok"
        for name, text in res.files.items():
            path = out_dir / name
            if not path.exists():
                status = "missing"
                diffs.append(f"--- {path} is missing (run `symverify goldgen` to create it)\n")
                continue
            old = _read_committed(path)
            if old != text:
                status = "drift" if status == "ok" else status
                diffs.append("".join(difflib.unified_diff(
                    old.splitlines(keepends=True), text.splitlines(keepends=True),
                    fromfile=f"{path} (committed)", tofile=f"{path} (emulator {EMULATOR_VERSION})", n=3)))
        report.append(FileStatus(family, len(res.vectors), status, "".join(diffs)))
    if _is_full(results):
        report.append(_check_manifest(out_dir, _generated(results)))
    return report


def _check_manifest(out_dir: Path, files: dict[str, bytes]) -> FileStatus:
    path = out_dir / vs.MANIFEST
    stale = vs.stale_temporaries(out_dir, [*files, vs.MANIFEST])
    if stale:
        return FileStatus(vs.MANIFEST, 0, "stale", "".join(
            f"--- {p} is a temporary of an interrupted goldgen run (`symverify goldgen` removes it)\n"
            for p in stale))
    if not path.exists():
        return FileStatus(vs.MANIFEST, 0, "missing", f"--- {path} is missing (run `symverify goldgen`)\n")
    problems = vs.verify(out_dir)
    if problems:
        return FileStatus(vs.MANIFEST, 0, "mixed", f"--- {out_dir}: mixed or hand-edited vector set, files that "
                          f"disagree with {vs.MANIFEST}: " + "; ".join(problems) + "\n")
    want = _manifest_for(out_dir, files, True).decode()
    old = vs.read_text(path)
    if old != want:
        return FileStatus(vs.MANIFEST, 0, "drift", "".join(difflib.unified_diff(
            old.splitlines(keepends=True), want.splitlines(keepends=True),
            fromfile=f"{path} (committed)", tofile=f"{path} (emulator {EMULATOR_VERSION})", n=0)))
    return FileStatus(vs.MANIFEST, 0, "ok")
