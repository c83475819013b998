"""The integer-only accumulate entries (sym_intreq_accumulate_fixed,
sym_intreq_accumulate_dynamic; docs/integer-only.md):

* both against the float C kernels sym_accumulate_fixed and
  sym_accumulate_dynamic(HALF_AWAY) on random tensors (scales over every
  exponent, near each other for cancellations, tiny for the underflow
  boundary) and every status, in place, nothing written on error;
* the edge tensors of mutants/abi_intreq_acc.py against numpy float32 and
  the float kernels, and the cases are not vacuous (they reach every branch);
* the HALF_AWAY accumulate golden vectors replayed;
* a planted bug in a copy of the C is caught by the edges;
* the M0+ object references only sym_* functions and memcpy, and the source
  has no float or 64-bit type.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import zlib

import numpy as np
import pytest

from symverify import build
from symverify.errors import STATUS_CODES
from symverify.mutants import abi_intreq_acc as acc

OK = 0
MIN_NORMAL, F32_MAX = 0x00800000, 0x7F7FFFFF


@pytest.fixture(scope="module")
def c():
    return build.load_library()


def _f(bits: int) -> float:
    return float(np.uint32(bits).view(np.float32))


def _bits(x) -> int:
    return int(np.float32(x).view(np.uint32))


def _float_call(ffi, lib, dynamic: bool, x):
    t, s_t, inc, s_inc, b = x
    n = len(t)
    tb, ib = ffi.new("int32_t[]", list(t)), ffi.new("int32_t[]", list(inc))
    if dynamic:
        s = ffi.new("float *", _f(s_t))
        rc = lib.sym_accumulate_dynamic(tb, n, s, b, ib, n, _f(s_inc), 0, ffi.NULL)
        return rc, list(tb[0:n]), _bits(s[0])
    rc = lib.sym_accumulate_fixed(tb, n, _f(s_t), b, ib, n, _f(s_inc))
    return rc, list(tb[0:n]), s_t


def _random_inputs(n_cases: int, seed: int, dynamic: bool):
    """Tensors of 1..9 elements: mantissas inside the width or any int32,
    inc = -t + small (cancellation) or independent; scales anywhere, equal
    up to a few ulps, a few binades apart, or next to 2^-126."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_cases):
        n = int(rng.integers(1, 10))
        b = int(rng.integers(2, 17)) if dynamic else int(rng.choice([2, 8, 12, 16, 24, 31, 32]))
        lim = 1 << (b - 1)
        t = rng.integers(-lim, lim, n) if rng.random() < 0.6 else rng.integers(-2 ** 31, 2 ** 31, n)
        u = rng.random()
        inc = (rng.integers(-(1 << 15), 1 << 15, n) if u < 0.4 else
               rng.integers(-2 ** 31, 2 ** 31, n) if u < 0.6 else
               np.clip(-t + rng.integers(-3, 4, n), -2 ** 31, 2 ** 31 - 1))
        lo_exp = 1 if rng.random() < 0.2 else int(rng.integers(1, 255))
        s_t = (lo_exp << 23) | int(rng.integers(0, 1 << 23))
        v = rng.random()
        s_i = (s_t + int(rng.integers(-3, 4)) if v < 0.4 else
               s_t + (int(rng.integers(-6, 7)) << 23) if v < 0.7 else
               (int(rng.integers(1, 255)) << 23) | int(rng.integers(0, 1 << 23)))
        s_i = min(max(s_i, MIN_NORMAL), F32_MAX)
        out.append((tuple(int(x) for x in t), s_t, tuple(int(x) for x in inc), s_i, b))
    return out


@pytest.mark.parametrize("dynamic", [False, True], ids=["fixed", "dynamic"])
def test_equals_float_kernel_on_random_tensors(c, dynamic):
    ffi, lib = c
    seen = set()
    for x in _random_inputs(6000, seed=19 + dynamic, dynamic=dynamic):
        want = _float_call(ffi, lib, dynamic, x)
        assert acc._call(ffi, lib, dynamic, x) == want, x
        seen.add(want[0])
    names = ({"SYM_ERR_FLOAT_OVERFLOW", "SYM_ERR_SCALE_UNDERFLOW"} if dynamic
             else {"SYM_ERR_RANGE_GUARD", "SYM_ERR_INT_OVERFLOW"})
    assert seen == {OK} | {STATUS_CODES[s] for s in names}


@pytest.mark.parametrize("dynamic", [False, True], ids=["fixed", "dynamic"])
def test_edges_equal_numpy_and_the_float_kernel(c, dynamic):
    ffi, lib = c
    inputs = acc.dynamic_edge_inputs() if dynamic else acc.fixed_edge_inputs()
    for x in inputs:
        assert acc._check(ffi, lib, dynamic, x) is None
        assert acc._call(ffi, lib, dynamic, x) == _float_call(ffi, lib, dynamic, x), x


def test_dynamic_edges_reach_every_branch():
    """Not vacuous: A = 0, subnormal v with a quotient rounded to +-1 and to
    0 on both sides of the s_new >= 2^-125 cut, exact ties, the clamp, both
    errors."""
    f32 = np.float32
    kinds = set()
    for x in acc.dynamic_edge_inputs():
        st, m, s = acc.expect_dynamic(*x)
        if st != "SYM_OK":
            kinds.add(st)
            continue
        t, s_t, inc, s_inc, b = x
        with np.errstate(all="ignore"):
            v = f32(t[0]) * np.uint32(s_t).view(f32) + f32(inc[0]) * np.uint32(s_inc).view(f32)
            q = abs(v / np.uint32(s).view(f32))
        q_hi = (1 << (b - 1)) - 1
        if s == 0x3F800000 and all(y == 0 for y in m):
            kinds.add("A = 0")
        if v != 0 and abs(v) < f32(2.0 ** -126):
            kinds.add(("subnormal v", s >> 23, abs(m[0])))
        if q == int(q) + 0.5:
            kinds.add("tie")
        if q > q_hi:
            kinds.add("clamp")
    assert {"A = 0", "tie", "clamp", "SYM_ERR_FLOAT_OVERFLOW", "SYM_ERR_SCALE_UNDERFLOW",
            ("subnormal v", 1, 1), ("subnormal v", 1, 0), ("subnormal v", 2, 0)} <= kinds, kinds


def test_dynamic_random_gold_cases_reach_every_status():
    from collections import Counter

    names = Counter(acc.expect_dynamic(*x)[0] for x in acc.dynamic_random_inputs())
    assert set(names) == {"SYM_OK", "SYM_ERR_FLOAT_OVERFLOW", "SYM_ERR_SCALE_UNDERFLOW"}, names
    assert names["SYM_OK"] > len(acc.dynamic_random_inputs()) // 2, names


def test_fixed_edges_reach_every_status():
    names = {acc.expect_fixed(*x)[0] for x in acc.fixed_edge_inputs()}
    assert names == {"SYM_OK", "SYM_ERR_RANGE_GUARD", "SYM_ERR_INT_OVERFLOW"}


def test_gold_cases_pass(c):
    ffi, lib = c
    assert len(acc.CASES) == 6
    for case in acc.CASES:
        assert case.run(ffi, lib) is None, case.name


def test_golden_vectors_are_replayed():
    """The replay is not empty: HALF_AWAY vectors of both kernels, with errors."""
    dyn, fix = acc._vectors("accumulate_dynamic"), acc._vectors("accumulate_fixed")
    assert len(dyn) >= 20 and len(fix) >= 10
    assert {v["expect"]["status"] for v in dyn} >= {"SYM_OK", "SYM_ERR_FLOAT_OVERFLOW", "SYM_ERR_SCALE_UNDERFLOW"}
    assert {v["expect"]["status"] for v in fix} >= {"SYM_OK", "SYM_ERR_INT_OVERFLOW", "SYM_ERR_RANGE_GUARD"}


@pytest.mark.parametrize("dynamic", [False, True], ids=["fixed", "dynamic"])
def test_argument_errors_equal_the_float_kernel(c, dynamic):
    """Every argument error of the gold case gives the float kernel's status."""
    ffi, lib = c
    for j in range(len(acc._error_calls(ffi, dynamic)[3])):
        args, _ = acc._error_calls(ffi, dynamic)[3][j]
        got = getattr(lib, "sym_intreq_accumulate_" + ("dynamic" if dynamic else "fixed"))(*args)
        args2, _ = acc._error_calls(ffi, dynamic)[3][j]
        if dynamic:
            want = lib.sym_accumulate_dynamic(*args2, 0, ffi.NULL)
        else:
            want = lib.sym_accumulate_fixed(*args2)
        assert got == want, (j, args)


@pytest.mark.parametrize("good, bad", [
    ("if (v_mag == 0u || (s_bits >> 23) > 1u) {", "if (v_mag == 0u || (s_bits >> 23) > 0u) {"),
    ("if (mag > absmax) {", "if (mag < absmax) {"),
    ("return m < 0 ? p | SYM_IQA_SIGN : p;", "return p;"),
])
def test_planted_bug_in_a_c_copy_is_caught(tmp_path, good, bad):
    """A subnormal v rounded to 0 too early, the absmax as a minimum, a lost
    sign: the edge cases fail on a copy of the C with that bug."""
    root = tmp_path / "csrc"
    shutil.copytree(build.kernel_dir(), root)
    src = root / "src" / "sym_intreq_accumulate.c"
    text = src.read_text()
    assert text.count(good) == 1
    src.write_text(text.replace(good, bad))
    lib_path = build.compile_shared(build.kernel_sources(root), "release", include_dirs=[root / "include"],
                                    name=f"intreq_acc_planted_{zlib.crc32(bad.encode()):08x}")
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(build.cdef_from_headers(build.kernel_headers(root)))
    lib = ffi.dlopen(str(lib_path))
    edges = next(cs for cs in acc.CASES if cs.name == "intreq_acc_dynamic_edges")
    assert edges.fn(ffi, lib)


def test_m0plus_object_needs_no_soft_float(tmp_path, tools):
    gcc, nm = tools.gcc, tools.nm   # conftest: a skip locally, a failure in CI
    kdir = build.kernel_dir()
    src = kdir / "src" / "sym_intreq_accumulate.c"
    for opt in ("-O0", "-O2", "-Os"):
        obj = tmp_path / f"a{opt}.o"
        subprocess.run([gcc, "-std=c99", opt, "-Wall", "-Wextra", "-Werror", "-ffp-contract=off", "-mthumb",
                        "-mcpu=cortex-m0plus", f"-I{kdir / 'include'}", "-c", str(src), "-o", str(obj)], check=True)
        undefined = subprocess.run([nm, "-u", str(obj)], capture_output=True, text=True, check=True).stdout.split()
        names = [u for u in undefined if u != "U"]
        assert names and all(u.startswith("sym_") or u == "memcpy" for u in names), (opt, names)
    code = re.sub(r"/\*.*?\*/", " ", src.read_text(), flags=re.S)
    for word in ("float", "double", "int64_t", "uint64_t", "long"):
        assert not re.search(rf"\b{word}\b", code.replace("float *s_t", "").replace("float s_t", "")
                             .replace("float s_inc", "")), word


# ------------------------------------------------------------ the lemmas
def test_acc_lemmas_are_registered_and_prove():
    from symverify.proofs import runner

    lems = runner.select(None, "intreq.acc*")
    assert len(lems) == 8
    for lem in lems:
        assert runner.prove(lem, use_cache=False).status == "PROVEN", lem.id


def test_planted_cut_off_is_refuted_and_premises_are_satisfiable():
    """acc_quot_small with the cut at s >= 2^-126 (field 1) has a
    counterexample (there |v / s| reaches 1/2): the lemma is not vacuous;
    every lemma's premises have a model."""
    import z3

    from symverify.proofs import intreq_acc as pa

    q = pa.q_quot_small(cut=1)
    s = q.solver(60_000)
    s.add(*q.pre, z3.Not(q.goals[0].goal))
    assert s.check() == z3.sat
    for lem in pa.intreq_acc_lemmas():
        q = lem.build()
        s = z3.Solver()
        s.add(*q.pre)
        assert s.check() == z3.sat, lem.id
