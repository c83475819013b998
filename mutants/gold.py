"""The gold suite of the mutation engine: the golden vectors
(``goldgen/vectors/*.json``) replayed through the *raw* C ABI of a kernel
library (a cffi ``lib``), with no Python-layer validation in between.

Each vector becomes a :class:`Case` whose :meth:`Case.run` calls the C kernel
and returns ``None`` when every output matches bit-exactly, else a short
reason (``"status SYM_OK != SYM_ERR_RANGE_GUARD"``, ``"mantissas[2] 5 != 4"``).
Vectors that only the Python API can express (``c_abi: false``) are skipped.
A family of registry-described layer-ABI steps (ReLU) becomes
:class:`LayoutCase` s, replayed through its one C entry point per step. A
primitive's vector is a :class:`Case` replayed through its C prototype (the
hand-written ``_RUNNERS``) and a :class:`.decl_gold.DeclCase` replayed
through its ``sym_<kernel>_ex`` entry point (derived from the declarations).
"""
from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from symverify import registry
from symverify.errors import STATUS_CODES, status_name
from symverify.goldgen import vectorset
from symverify.goldgen.vecformat import strip_comments

from . import conv_gold, decl_gold, layers_gold, pool_gold
from .layers_gold import SENTINEL_BYTE

ROUNDING = {"half_away": 0, "sr_half_away": 1}
ORDER = {"ratio": 0, "clamp_first": 1}
UNKNOWN_MODE = 99


def vectors_dir() -> Path:
    """goldgen's vector directory; ``$SYMVERIFY_VECTORS_DIR`` overrides it (as for xtarget)."""
    import os
    from importlib import resources

    env = os.environ.get("SYMVERIFY_VECTORS_DIR")
    if env:
        return Path(env)
    return Path(str(resources.files("symverify.goldgen"))) / "vectors"


def vector_files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or vectors_dir()).glob("*.json"))


def vectors_digest(files: list[Path]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0" + vectorset.read_bytes(f) + b"\0")
    return h.hexdigest()


def _f32(text: str) -> float:
    """A float32 argument from its bit pattern (16 hex digits: a binary64 value
    that the C prototype converts to float, like the Python layer does)."""
    if len(text) == 18:
        return struct.unpack(">d", bytes.fromhex(text[2:]))[0]
    return struct.unpack("<f", struct.pack("<I", int(text, 16)))[0]


def _hex_f32(value: float) -> str:
    return f"0x{struct.unpack('<I', struct.pack('<f', value))[0]:08X}"


def _rng_seed(seed: int) -> int:
    return int(seed) or 0xFFFFFFFF


def _status(code: int) -> str:
    return status_name(code)


@dataclass
class Case:
    family: str
    name: str
    kernel: str
    args: dict[str, Any]
    expect: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.family}/{self.name}"

    def run(self, ffi: Any, lib: Any) -> str | None:
        """Replay on ``lib``; None if bit-exact, else the first difference."""
        got = _RUNNERS[self.kernel](ffi, lib, self.args)
        return compare(self.expect, got)


def compare(expect: dict[str, Any], got: dict[str, Any]) -> str | None:
    if got["status"] != expect["status"]:
        return f"status {got['status']} != expected {expect['status']}"
    if got.get("wrote_on_error"):
        return f"status {got['status']} but an output buffer was written (nothing may be written on error)"
    for key, want in expect.items():
        if key in ("status", "q_max_bits") or key.endswith("_dec"):
            continue
        have = got.get(key)
        if isinstance(want, list):
            if not isinstance(have, list) or len(have) != len(want):
                return f"{key}: length {None if have is None else len(have)} != {len(want)}"
            for i, (a, b) in enumerate(zip(have, want)):
                if a != b:
                    return f"{key}[{i}] {a} != expected {b}"
        elif have != want:
            return f"{key} {have} != expected {want}"
    return None


def _tensor(ffi: Any, lib: Any, spec: dict[str, Any]) -> tuple[Any, int, float]:
    """(int32 buffer, n, scale) of an encoded tensor argument."""
    if "int_to_sym" in spec:
        vals = spec["int_to_sym"]
        src = ffi.new("int32_t[]", vals or [0])
        m = ffi.new("int32_t[]", max(len(vals), 1))
        sc = ffi.new("float *")
        st = lib.sym_int_to_sym(src, len(vals), m, sc)
        if st != 0:
            raise _Setup(_status(st))
        return m, len(vals), sc[0]
    vals = spec["mantissas"]
    return ffi.new("int32_t[]", vals or [0]), len(vals), _f32(spec["scale"])


class _Setup(Exception):
    """A setup call (int_to_sym of an argument) failed."""


def _rng(ffi: Any, args: dict[str, Any]) -> Any:
    if "seed" in args:
        return ffi.new("uint32_t *", _rng_seed(args["seed"]))
    return ffi.NULL




def sentinel(ffi: Any, ctype: str, n: int = 1) -> Any:
    """A new output buffer of ``n`` elements, every byte SENTINEL_BYTE."""
    buf = ffi.new(ctype, max(n, 1)) if ctype.endswith("[]") else ffi.new(ctype)
    view = ffi.buffer(buf)
    view[:] = bytes([SENTINEL_BYTE]) * len(view)
    return buf


def untouched(ffi: Any, bufs: list[Any]) -> bool:
    """Every byte of every buffer still SENTINEL_BYTE."""
    return all(set(bytes(ffi.buffer(b))) <= {SENTINEL_BYTE} for b in bufs)


def _finish(ffi: Any, status: int, rng: Any, out: Callable[[], dict[str, Any]],
            outputs: list[Any] | None = None) -> dict[str, Any]:
    res: dict[str, Any] = {"status": _status(status)}
    if status == 0:
        res.update(out())
    elif outputs and not untouched(ffi, outputs):
        res["wrote_on_error"] = True
    if rng != ffi.NULL:
        res["rng_state"] = f"0x{rng[0]:08X}"
    return res


def _mode(table: dict[str, int], value: Any) -> int:
    return table.get(value, UNKNOWN_MODE)


def _run_round(ffi, lib, a):
    out = sentinel(ffi, "int32_t *")
    st = lib.sym_round_half_away(_f32(a["x"]), out)
    return _finish(ffi, st, ffi.NULL, lambda: {"value": out[0]}, [out])


def _run_float_to_sym(ffi, lib, a):
    xs = [_f32(v) for v in a["x"]]
    n = len(xs)
    x = ffi.new("float[]", xs or [0.0])
    m = sentinel(ffi, "int32_t[]", n)
    sc = sentinel(ffi, "float *")
    rng = _rng(ffi, a)
    st = lib.sym_float_to_sym(x, n, a["q_max_bits"], _mode(ROUNDING, a["rounding"]), rng, m, sc)
    return _finish(ffi, st, rng, lambda: {"mantissas": list(m[0:n]), "scale": _hex_f32(sc[0])}, [m, sc])


def _run_sym_to_float(ffi, lib, a):
    m, n, s = _tensor(ffi, lib, a["t"])
    y = sentinel(ffi, "float[]", n)
    st = lib.sym_sym_to_float(m, n, s, y)
    return _finish(ffi, st, ffi.NULL, lambda: {"values": [_hex_f32(v) for v in y[0:n]]}, [y])


def _run_int_to_sym(ffi, lib, a):
    vals = a["m"]
    n = len(vals)
    src = ffi.new("int32_t[]", vals or [0])
    m = sentinel(ffi, "int32_t[]", n)
    sc = sentinel(ffi, "float *")
    st = lib.sym_int_to_sym(src, n, m, sc)
    return _finish(ffi, st, ffi.NULL, lambda: {"mantissas": list(m[0:n]), "scale": _hex_f32(sc[0])}, [m, sc])


def _run_requant_dynamic(ffi, lib, a):
    m, n, s = _tensor(ffi, lib, a["t"])
    out = sentinel(ffi, "int32_t[]", n)
    so = sentinel(ffi, "float *")
    rng = _rng(ffi, a)
    st = lib.sym_requant_dynamic(m, n, s, a["q_max_bits"], _mode(ROUNDING, a["rounding"]),
                                 _mode(ORDER, a["order"]), rng, out, so)
    return _finish(ffi, st, rng, lambda: {"mantissas": list(out[0:n]), "scale": _hex_f32(so[0])}, [out, so])


def _run_requant_fixed(ffi, lib, a):
    m, n, s = _tensor(ffi, lib, a["t"])
    out = sentinel(ffi, "int32_t[]", n)
    target = _f32(a["target_scale"])
    rng = _rng(ffi, a)
    st = lib.sym_requant_fixed(m, n, s, target, a["q_max_bits"], _mode(ROUNDING, a["rounding"]), rng, out)
    return _finish(ffi, st, rng, lambda: {"mantissas": list(out[0:n]), "scale": _hex_f32(target)}, [out])


def _run_rescale(ffi, lib, a):
    out = sentinel(ffi, "int32_t *")
    st = lib.sym_rescale_to_acc(a["q"], _f32(a["param_scale"]), _f32(a["acc_scale"]), out)
    return _finish(ffi, st, ffi.NULL, lambda: {"value": out[0]}, [out])


def _run_acc_dynamic(ffi, lib, a):
    t, n, s_t = _tensor(ffi, lib, a["target"])
    inc, n_inc, s_inc = _tensor(ffi, lib, a["inc"])
    st_buf = ffi.new("float *", s_t)
    rng = _rng(ffi, a)
    st = lib.sym_accumulate_dynamic(t, n, st_buf, a["target"].get("q_max_bits", 32), inc, n_inc, s_inc,
                                    _mode(ROUNDING, a["rounding"]), rng)
    res = _finish(ffi, st, rng, lambda: {"mantissas": list(t[0:n]), "scale": _hex_f32(st_buf[0])})
    return _in_place_untouched(res, a["target"], list(t[0:n]), _hex_f32(st_buf[0]))


def _run_acc_fixed(ffi, lib, a):
    t, n, s_t = _tensor(ffi, lib, a["target"])
    inc, n_inc, s_inc = _tensor(ffi, lib, a["inc"])
    st = lib.sym_accumulate_fixed(t, n, s_t, a["target"].get("q_max_bits", 32), inc, n_inc, s_inc)
    res = _finish(ffi, st, ffi.NULL, lambda: {"mantissas": list(t[0:n]), "scale": _hex_f32(s_t)})
    return _in_place_untouched(res, a["target"], list(t[0:n]), None)


def _in_place_untouched(res: dict[str, Any], spec: dict[str, Any], m: list[int], scale: str | None) -> dict[str, Any]:
    """An in-place kernel that failed must leave its target (mantissas and
    scale) as it was."""
    if res["status"] != "SYM_OK" and "mantissas" in spec:
        if m != list(spec["mantissas"]) or (scale is not None and scale != _hex_f32(_f32(spec["scale"]))):
            res["wrote_on_error"] = True
    return res


_RUNNERS: dict[str, Callable[[Any, Any, dict[str, Any]], dict[str, Any]]] = {
    "round_half_away": _run_round,
    "float_to_sym": _run_float_to_sym,
    "sym_to_float": _run_sym_to_float,
    "int_to_sym": _run_int_to_sym,
    "requant_dynamic": _run_requant_dynamic,
    "requant_fixed": _run_requant_fixed,
    "rescale_to_acc": _run_rescale,
    "accumulate_dynamic": _run_acc_dynamic,
    "accumulate_fixed": _run_acc_fixed,
}
KERNELS = frozenset(_RUNNERS)


# ------------------------------------------------------------ layer-ABI steps
#: bits of the float written into an output view's scale before a call: -1.0,
#: never a valid scale (and no NaN, which a float round trip could quieten),
#: so "scale untouched on error" is checked
_SCALE_SENTINEL = 0xBF800000


@dataclass
class LayoutCase:
    """A vector of a layer step that its registry layout fully describes
    (:func:`symverify.registry.layer_abi_kernel`): replayed through the one C
    entry point ``sym_<kernel>(&args, &err)``, no Python composition."""

    family: str
    name: str
    kernel: str
    args: dict[str, Any]
    expect: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.family}/{self.name}"

    def run(self, ffi: Any, lib: Any) -> str | None:
        return compare_layout(self.kernel, self.expect, run_layout(ffi, lib, self.kernel, self.args))


def run_layout(ffi: Any, lib: Any, kernel: str, args: dict[str, Any]) -> dict[str, Any]:
    """Call ``sym_<kernel>`` on raw views of the encoded tensors (whatever
    their width, scale or range: C validates them) and return
    ``{"status", <out>: {"mantissas", "scale"}, "wrote_on_error"?}``."""
    k = registry.kernel(kernel)
    c_args = ffi.new(f"sym_{kernel}_args *")
    keep: list[Any] = []
    spec_of = {a.name: strip_comments(args[a.name]) for a in k.args}
    for a in k.args:
        vals = spec_of[a.name]["mantissas"]
        buf = ffi.new("int32_t[]", vals or [0])
        keep.append(buf)
        view = getattr(c_args, a.name)
        view.m, view.n = buf, len(vals)
        view.scale, view.bits = _f32(spec_of[a.name]["scale"]), spec_of[a.name]["q_max_bits"]
    outs: dict[str, tuple[Any, Any, int]] = {}
    for o in k.outputs:
        like = spec_of[o.like]
        n = len(like["mantissas"])
        buf = sentinel(ffi, "int32_t[]", n)
        view = ffi.new("sym_view *")
        view.m, view.n, view.bits = buf, n, like["q_max_bits"]
        view.scale = _f32(f"0x{_SCALE_SENTINEL:08X}")
        setattr(c_args, o.name, view)
        outs[o.name] = (view, buf, n)
    err = ffi.new("sym_err *", {"status": _ERR_SENTINEL, "index": _ERR_SENTINEL})
    st = getattr(lib, f"sym_{kernel}")(c_args, err)
    res: dict[str, Any] = {"status": _status(st)}
    for name, (view, buf, n) in outs.items():
        if st == 0:
            res[name] = {"mantissas": list(buf[0:n]), "scale": _hex_f32(view.scale)}
        elif not untouched(ffi, [buf]) or _hex_f32(view.scale) != f"0x{_SCALE_SENTINEL:08X}":
            res["wrote_on_error"] = True
    if st != 0:
        why = _err_problem(ffi, k, spec_of, st, err)
        if why:
            res["err_problem"] = why
    elif err.status != _ERR_SENTINEL:
        res["err_problem"] = "sym_err written on success"
    return res


#: sym_err.status / .index before a call: a value no kernel writes
_ERR_SENTINEL = -0x5A5A5A5A


def _err_problem(ffi: Any, k: Any, spec_of: dict[str, Any], st: int, err: Any) -> str | None:
    """What is wrong with the error detail of a failed call, if anything: it
    must repeat the status, name an argument or output of the kernel, give a
    reason, and for INT_OVERFLOW index the first mantissa outside its width."""
    if err.status != st:
        return f"sym_err.status {_status(err.status)} != returned {_status(st)}"
    if err.arg == ffi.NULL or err.reason == ffi.NULL:
        return "sym_err.arg or .reason is NULL"
    arg = ffi.string(err.arg).decode()
    owners = {"args", *(a.name for a in k.args), *(o.name for o in k.outputs)}
    if arg.split(".", 1)[0] not in owners:
        return f"sym_err.arg {arg!r} names no argument of {k.name}"
    if _status(st) == "SYM_ERR_INT_OVERFLOW":
        spec = spec_of.get(arg.split(".", 1)[0])
        if spec is None:
            return f"INT_OVERFLOW names {arg!r}, not an input"
        lo, hi = -(1 << (spec["q_max_bits"] - 1)), (1 << (spec["q_max_bits"] - 1)) - 1
        first = next((i for i, m in enumerate(spec["mantissas"]) if not lo <= m <= hi), -1)
        if err.index != first:
            return f"sym_err.index {err.index} != first mantissa outside the width {first}"
    elif err.index != -1:
        return f"sym_err.index {err.index} for a whole-argument error (expected -1)"
    return None


def compare_layout(kernel: str, expect: dict[str, Any], got: dict[str, Any]) -> str | None:
    """None if ``got`` (:func:`run_layout`) is the vector's ``expect``, else the first difference."""
    if got["status"] != expect["status"]:
        return f"status {got['status']} != expected {expect['status']}"
    if got.get("wrote_on_error"):
        return f"status {got['status']} but an output was written (nothing may be written on error)"
    if "err_problem" in got:
        return got["err_problem"]
    if expect["status"] != "SYM_OK":
        return None
    outputs = registry.kernel(kernel).outputs
    for o in outputs:
        want = expect["out"] if len(outputs) == 1 else expect[o.name]
        have = got[o.name]
        if have["mantissas"] != list(want["mantissas"]):
            diff = next(i for i, (a, b) in enumerate(zip(have["mantissas"], want["mantissas"])) if a != b)
            return f"{o.name}[{diff}] {have['mantissas'][diff]} != expected {want['mantissas'][diff]}"
        if have["scale"] != want["scale"]:
            return f"{o.name}.scale {have['scale']} != expected {want['scale']}"
    return None


def layout_families() -> tuple[str, ...]:
    """Vector families whose every kernel is a registry-described layer-ABI step."""
    return tuple(f for f in registry.families()
                 if f not in layers_gold.LAYER_FAMILIES and registry.kernels_of(f)
                 and all(registry.layer_abi_kernel(k) for k in registry.kernels_of(f)))


def _needs_python_layer(kernel: str, args: dict[str, Any]) -> bool:
    """Rounding modes the C prototype has no parameter for (the Python API rejects them)."""
    if kernel in ("rescale_to_acc", "accumulate_fixed") and args.get("rounding", "half_away") != "half_away":
        return True
    return False


#: goldgen/vectors/train_cnn.json (goldgen/train_fixtures.py)
TRAIN_CNN_FAMILY = "train_cnn"


def load_cases(files: list[Path] | None = None) -> tuple[list[Case], list[str]]:
    """All C-replayable cases of the golden vectors, and the labels skipped
    (Python-only vectors and kernels this replayer does not know). The layer
    families (layers.json, chain.json) become :mod:`.layers_gold` cases.

    Raises VectorFileError naming the file for an unreadable, truncated or
    malformed vector file, or a set that disagrees with its SHA256SUMS."""
    cases: list[Any] = []
    skipped: list[str] = []
    files = list(files) if files is not None else vector_files()
    vectorset.check_set(files)
    for path in files:
        data = vectorset.read_json(path)
        family = data.get("family", path.stem)
        if family == TRAIN_CNN_FAMILY:
            # whole training steps through the Python trainer, replayed by
            # tests/test_training_cnn.py, not a C-ABI case of this suite
            skipped.append(f"{family}/*")
            continue
        try:
            if family in layers_gold.LAYER_FAMILIES:
                cases.extend(layers_gold.load(path, data))
                continue
            if family == conv_gold.FAMILY:
                cases.extend(conv_gold.load(path, data))
                continue
            if family in pool_gold.FAMILIES:
                cases.extend(pool_gold.load(path, data))
                continue
            if family in layout_families():
                for v in data["vectors"]:
                    if v.get("c_abi") is False:
                        skipped.append(f"{family}/{v.get('name')}")
                    else:
                        cases.append(LayoutCase(family, v["name"], v["kernel"], v["args"], v["expect"]))
                continue
            for v in data["vectors"]:
                label = f"{family}/{v.get('name')}"
                if v.get("c_abi") is False or v.get("kernel") not in _RUNNERS \
                        or _needs_python_layer(v["kernel"], v.get("args", {})):
                    skipped.append(label)
                    continue
                cases.append(Case(family, v["name"], v["kernel"], v["args"], v["expect"]))
            if family in decl_gold.primitive_families():
                from symverify.build import kernel_dir

                cases.extend(decl_gold.load(family, data, kernel_dir() / "include"))
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise vectorset.VectorFileError(f"{path}: not a golden vector file of family {family!r}: "
                                            f"{type(exc).__name__} {exc}") from None
    return cases, skipped


def load_suite(files: list[Path] | None = None, abi: bool = True) -> tuple[list[Any], list[str]]:
    """The gold suite: the golden vectors plus (``abi``) the supplementary C-ABI
    cases of :mod:`symverify.mutants.abi` (and its siblings; :mod:`.abi_err`
    pins the primitives' error detail)."""
    cases, skipped = load_cases(files)
    if abi:
        from .abi import CASES
        from .abi_layers import CASES as LAYER_CASES
        from .abi_intreq import CASES as INTREQ_CASES
        from .abi_intreq_div import CASES as INTREQ_DIV_CASES
        from .abi_intreq_add import CASES as INTREQ_ADD_CASES
        from .abi_intreq_acc import CASES as INTREQ_ACC_CASES
        from .abi_pool import CASES as POOL_CASES
        from .abi_err import CASES as ERR_CASES
        from .abi_relu import CASES as RELU_CASES

        cases = [*cases, *CASES, *ERR_CASES, *LAYER_CASES, *RELU_CASES, *POOL_CASES, *INTREQ_CASES,
                 *INTREQ_DIV_CASES, *INTREQ_ADD_CASES, *INTREQ_ACC_CASES]
    return cases, skipped


class _MallocFFI:
    """``ffi`` whose ``new`` gives every buffer its OWN ``malloc`` block.

    A plain ``ffi.new`` array lives inside its Python cdata object (header and
    data in one allocation), so an access one element before the buffer
    (``for (i = -1; ...)``) lands in the object header: no redzone, ASan stays
    silent. With a separate ``malloc`` block per buffer (zero-filled like
    ``ffi.new``), the sanitize pass (libasan preloaded, so ``malloc`` is
    ASan's) sees every out-of-bounds read or write of a kernel."""

    def __init__(self, ffi: Any) -> None:
        import cffi

        libc_ffi = cffi.FFI()
        libc_ffi.cdef("void *malloc(size_t size); void free(void *ptr);")
        self._libc = libc_ffi.dlopen(None)
        self._ffi = ffi
        self.new = ffi.new_allocator(alloc=self._libc.malloc, free=self._libc.free,
                                     should_clear_after_alloc=True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ffi, name)


_MALLOC_FFI: dict[int, _MallocFFI] = {}


def malloc_ffi(ffi: Any) -> Any:
    """The :class:`_MallocFFI` wrapper of ``ffi`` (one per ffi, cached)."""
    if isinstance(ffi, _MallocFFI):
        return ffi
    w = _MALLOC_FFI.get(id(ffi))
    if w is None or w._ffi is not ffi:
        w = _MALLOC_FFI[id(ffi)] = _MallocFFI(ffi)
    return w


def run_case(case: Any, ffi: Any, lib: Any) -> str | None:
    """Replay ``case``; every buffer is a separate malloc block (see :class:`_MallocFFI`)."""
    try:
        return case.run(malloc_ffi(ffi), lib)
    except _Setup as exc:
        return f"setup int_to_sym failed: {exc}"


def first_failure(cases: Any, ffi: Any, lib: Any) -> tuple[Any, str] | None:
    """``(case, why)`` of the first case of ``cases`` that fails on ``lib``
    (a kill), or ``None`` when every case passes (the mutant survives)."""
    for case in cases:
        why = run_case(case, ffi, lib)
        if why:
            return case, why
    return None


assert set(STATUS_CODES)  # the table is importable (the status names are the expected values)
