"""The integer-only fixed-scale requant core (sym_intreq_fixed_one,
sym_intreq_requant_fixed, and the clamp-first dynamic requant built on it,
sym_intreq_requant_dynamic_clamp_first; docs/integer-only.md).

* the C core against numpy float32 (the float expression it replaces) on
  random and edge inputs: ties, fl(m) * s overflowing to inf, quotients that
  overflow, are subnormal or zero, t tiny and huge;
* the tensor entry against sym_requant_fixed (HALF_AWAY), and the
  clamp-first entry against sym_requant_dynamic: random tensors, in place,
  every status, nothing written on error;
* the HALF_AWAY requant_fixed and clamp-first golden vectors replayed;
* the Z3 encoding (proofs/intreq_fixed.py) against the C, the reference
  encoding against numpy, the lemmas proven, planted bugs caught;
* the integer rescale helper (sym_intreq_rescale_to_acc) against
  sym_rescale_to_acc and numpy float32, its encoding and lemmas.
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import z3

from symverify import build
from symverify.errors import STATUS_CODES
from symverify.mutants import abi_intreq
from symverify.proofs import intreq_fixed as fx
from symverify.proofs import intreq_fixed_lemmas, runner

OK = 0
MIN_NORMAL, F32_MAX = 0x00800000, 0x7F7FFFFF


@pytest.fixture(scope="module")
def c():
    return build.load_library()


def _bits(x: float) -> int:
    return int(np.float32(x).view(np.uint32))


def _int_c(ffi, lib, m: int, s: int, t: int, b: int) -> int:
    out = ffi.new("int32_t *")
    assert lib.sym_intreq_fixed_one(m, s, t, b, out) == OK
    return out[0]


def _random_inputs(n: int, seed: int) -> list[tuple[int, int, int, int]]:
    """m over every int32 and over small ranges; s and t over every exponent,
    and t near s (quotients near fl(m)) or near fl(m) * s (quotients near 1)."""
    rng = np.random.default_rng(seed)
    span = rng.choice([2 ** 12, 2 ** 17, 2 ** 25, 2 ** 31], n)
    m = (rng.random(n) * 2 * span - span).astype(np.int64).clip(-2 ** 31, 2 ** 31 - 1)
    s = (rng.integers(1, 255, n) << 23) | rng.integers(0, 1 << 23, n)
    t = (rng.integers(1, 255, n) << 23) | rng.integers(0, 1 << 23, n)
    near = rng.random(n) < 0.4
    t = np.where(near, (s + rng.integers(-(1 << 26), 1 << 26, n)).clip(MIN_NORMAL, F32_MAX), t)
    b = rng.integers(2, 17, n)
    return list(zip(m.tolist(), s.tolist(), t.tolist(), b.tolist()))


def _subnormal_and_extreme_inputs() -> list[tuple[int, int, int, int]]:
    """Quotients below 2^-126 (subnormal or zero in float32), t at both ends
    of the normal range, products at the overflow edge."""
    out = []
    for m in (1, -1, 3, 2047, -32768, 2 ** 31 - 1, -(2 ** 31)):
        for s in (MIN_NORMAL, MIN_NORMAL + 5, _bits(1.0), _bits(2.0 ** 60), F32_MAX):
            for t in (MIN_NORMAL, _bits(2.0 ** -100), _bits(1.5), _bits(2.0 ** 100), F32_MAX, F32_MAX - 1):
                out += [(m, s, t, b) for b in (2, 12, 16)]
    return out


def test_core_equals_numpy_float32_on_edges(c):
    ffi, lib = c
    inputs = abi_intreq.fixed_edge_inputs() + _subnormal_and_extreme_inputs()
    assert len(inputs) > 5000
    bad = [x for x in inputs if _int_c(ffi, lib, *x) != abi_intreq.expect_fixed(*x)]
    assert bad == []


def test_edges_reach_every_branch():
    """Not vacuous: the edges hold exact ties, an infinite product, an
    infinite and a subnormal quotient, results 0, +-1 and both clamps."""
    inputs = abi_intreq.fixed_edge_inputs()
    with np.errstate(over="ignore", under="ignore"):
        p = [np.float32(m) * np.uint32(s).view(np.float32) for m, s, _, _ in inputs]
        v = [pi / np.uint32(t).view(np.float32) for pi, (_, _, t, _) in zip(p, inputs)]
    assert any(np.isinf(x) for x in p)
    assert any(np.isinf(x) and not np.isinf(y) for x, y in zip(v, p))
    assert any(0 < abs(x) < 2.0 ** -126 for x in v)
    assert any(abs(x) % 1 == 0.5 and abs(x) < 32768 for x in v)
    got = {abi_intreq.expect_fixed(*x) for x in inputs}
    assert {0, 1, -1, 2, -2, 32767, -32768} <= got


def test_core_equals_numpy_float32_on_random_inputs(c):
    ffi, lib = c
    inputs = _random_inputs(60000, seed=1919)
    assert [x for x in inputs if _int_c(ffi, lib, *x) != abi_intreq.expect_fixed(*x)] == []
    got = {_int_c(ffi, lib, *x) for x in inputs}
    assert 0 in got and 32767 in got and -32768 in got and len(got) > 500


def _pair(ffi, lib, m: list[int], s_in: float, target: float, bits: int, in_place: bool = False):
    n = len(m)
    outs = []
    for fn in ("float", "int"):
        src = ffi.new("int32_t[]", m)
        dst = src if in_place else ffi.new("int32_t[]", [0x5A5AA5A5] * n)
        if fn == "float":
            rc = lib.sym_requant_fixed(src, n, s_in, target, bits, lib.SYM_HALF_AWAY, ffi.NULL, dst)
        else:
            rc = lib.sym_intreq_requant_fixed(src, n, s_in, target, bits, dst)
        outs.append((rc, list(dst[0:n])))
    return outs


def test_tensor_entry_equals_sym_requant_fixed(c):
    ffi, lib = c
    rng = np.random.default_rng(19)
    seen = set()
    for k in range(1500):
        n = int(rng.integers(1, 40))
        span = int(rng.choice([3, 2 ** 11, 2 ** 16, 2 ** 24 + 5, 2 ** 31 - 1]))
        m = rng.integers(-span, span + 1, n).tolist()
        s_in = float(np.uint32(int(rng.integers(1, 255)) << 23 | int(rng.integers(0, 1 << 23))).view(np.float32))
        e_t = int(rng.integers(1, 255)) if k % 2 else int(np.clip(int(rng.integers(-12, 12)) + (_bits(s_in) >> 23), 1, 254))
        target = float(np.uint32(e_t << 23 | int(rng.integers(0, 1 << 23))).view(np.float32))
        bits = int(rng.integers(2, 17))
        f, i = _pair(ffi, lib, m, s_in, target, bits, in_place=bool(k % 3 == 0))
        assert f == i, (m, s_in, target, bits)
        seen.update(f[1])
    assert len(seen) > 1000


def test_tensor_entry_statuses_match_sym_requant_fixed(c):
    ffi, lib = c
    inf, nan = float("inf"), float("nan")
    cases = [([1], s, t, b) for b in (1, 17, 8) for s in (1.0, 0.0, -1.0, inf, nan, 1e-45)
             for t in (1.0, 0.0, -2.0, inf, nan, 1e-45)]
    seen = set()
    for m, s, t, b in cases:
        f, i = _pair(ffi, lib, m, s, t, b)
        assert f == i, (s, t, b)
        seen.add(f[0])
        if f[0] != OK:
            assert i[1] == [0x5A5AA5A5]
    assert {OK, STATUS_CODES["SYM_ERR_BAD_WIDTH"], STATUS_CODES["SYM_ERR_BAD_SCALE"]} <= seen
    buf = ffi.new("int32_t[]", 8)
    assert lib.sym_intreq_requant_fixed(buf, 0, 1.0, 1.0, 8, buf) == STATUS_CODES["SYM_ERR_EMPTY"]
    assert lib.sym_intreq_requant_fixed(ffi.NULL, 2, 1.0, 1.0, 8, buf) == STATUS_CODES["SYM_ERR_NULL"]
    assert lib.sym_intreq_requant_fixed(buf, 4, 0.0, 1.0, 8, buf + 1) == STATUS_CODES["SYM_ERR_ALIAS"]


def _dynamic_pair(ffi, lib, m: list[int], s_in: float, bits: int, in_place: bool = False):
    n = len(m)
    outs = []
    for fn in ("float", "int"):
        src = ffi.new("int32_t[]", m)
        dst = src if in_place else ffi.new("int32_t[]", [0x5A5AA5A5] * n)
        s_out = ffi.new("float *", -1.0)
        if fn == "float":
            rc = lib.sym_requant_dynamic(src, n, s_in, bits, lib.SYM_HALF_AWAY, lib.SYM_ORDER_CLAMP_FIRST,
                                         ffi.NULL, dst, s_out)
        else:
            rc = lib.sym_intreq_requant_dynamic_clamp_first(src, n, s_in, bits, dst, s_out)
        outs.append((rc, list(dst[0:n]), _bits(s_out[0])))
    return outs


def test_clamp_first_entry_equals_sym_requant_dynamic(c):
    ffi, lib = c
    rng = np.random.default_rng(23)
    seen = set()
    for k in range(1500):
        n = int(rng.integers(1, 40))
        span = int(rng.choice([1, 3, 2 ** 11, 2 ** 16, 2 ** 24 + 5, 2 ** 31 - 1]))
        m = rng.integers(-span, span + 1, n).tolist()
        s_in = float(np.uint32(int(rng.integers(1, 255)) << 23 | int(rng.integers(0, 1 << 23))).view(np.float32))
        f, i = _dynamic_pair(ffi, lib, m, s_in, int(rng.integers(2, 17)), in_place=bool(k % 3 == 0))
        assert f == i, (m, s_in)
        seen.add(f[0])
    assert {OK, STATUS_CODES["SYM_ERR_FLOAT_OVERFLOW"], STATUS_CODES["SYM_ERR_SCALE_UNDERFLOW"]} <= seen
    for s_in, bits in ((0.0, 8), (float("nan"), 8), (1.0, 1), (1.0, 17)):
        f, i = _dynamic_pair(ffi, lib, [3, -4], s_in, bits)
        assert f == i and f[0] != OK and i[1] == [0x5A5AA5A5] * 2


def test_golden_fixed_half_away_vectors_replay_bit_exactly(c):
    ffi, lib = c
    vectors = abi_intreq._fixed_vectors()
    assert len(vectors) >= 30
    assert {v["expect"]["status"] for v in vectors} >= {"SYM_OK", "SYM_ERR_BAD_SCALE"}
    cases = {cs.name: cs for cs in abi_intreq.CASES}
    assert len(abi_intreq._vectors(order="clamp_first")) >= 20
    for name in ("intreq_requant_fixed_vectors", "intreq_requant_fixed_vectors_in_place",
                 "intreq_requant_clamp_first_vectors", "intreq_requant_clamp_first_vectors_in_place",
                 "intreq_fixed_one_edges", "intreq_fixed_one_errors", "intreq_requant_fixed_errors"):
        assert cases[name].fn(ffi, lib) is None, name


# ------------------------------------------------------ encoding and lemmas
def _sample(k: int) -> list[tuple[int, int, int, int]]:
    edges = abi_intreq.fixed_edge_inputs()
    rng = np.random.default_rng(5)
    picks = [edges[i] for i in rng.integers(0, len(edges), k)]
    return picks + _random_inputs(k, seed=7)


def test_encoding_equals_c_and_reference_equals_numpy(c):
    ffi, lib = c
    for x in _sample(150):
        want = abi_intreq.expect_fixed(*x)
        assert fx.run_core(*x) == _int_c(ffi, lib, *x) == want, x
        assert fx.run_reference(*x) == want, x


def test_fixed_lemmas_are_registered_and_prove():
    lems = runner.select(None, "intreq.fixed_*")
    assert sorted(lem.name for lem in lems) == ["intreq.fixed_div_sign", "intreq.fixed_mul_sign",
                                                "intreq.fixed_round", "intreq.fixed_sign", "intreq.fixed_zero"]
    for lem in lems:
        res = runner.prove(lem, use_cache=False)
        assert res.status == "PROVEN", res


def _solve(q) -> z3.CheckSatResult:
    s = q.solver(60_000)
    s.add(*q.pre, *q.goals[-1].extra, z3.Not(q.goals[-1].goal))
    return s.check()


def test_planted_half_down_is_caught_by_the_proof():
    assert _solve(intreq_fixed_lemmas.q_round()) == z3.unsat
    assert _solve(intreq_fixed_lemmas.q_round(half_down=True)) == z3.sat


def test_planted_saturation_bound_is_caught_by_the_proof(monkeypatch):
    """Saturating from 2^14 up (exponent field > 140) is wrong at b = 16."""
    good = fx.round_bits

    def early(v_bits, q_sat):
        return z3.If(z3.UGT(z3.LShR(v_bits, 23), 140), q_sat, good(v_bits, q_sat))

    monkeypatch.setattr(fx, "round_bits", early)
    assert _solve(intreq_fixed_lemmas.q_round()) == z3.sat


def test_planted_bug_in_a_c_copy_is_caught(tmp_path):
    """Values in [1/2, 1) rounded to 0 in a copy of the C: the edge inputs
    find it."""
    root = tmp_path / "csrc"
    shutil.copytree(build.kernel_dir(), root)
    src = root / "src" / "sym_intreq.c"
    text = src.read_text()
    good = "if (ef < 126u) { /* below 1/2: 0, subnormal and the tiny normals */"
    assert text.count(good) == 1
    src.write_text(text.replace(good, "if (ef < 127u) {"))
    lib_path = build.compile_shared(build.kernel_sources(root), "release", include_dirs=[root / "include"],
                                    name="intreq_fixed_planted")
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(build.cdef_from_headers(build.kernel_headers(root)))
    lib = ffi.dlopen(str(lib_path))
    edges = next(cs for cs in abi_intreq.CASES if cs.name == "intreq_fixed_one_edges")
    assert edges.fn(ffi, lib)


# ------------------------------------------------------ the rescale helper
def _rescale_pair(ffi, lib, q: int, s: int, t: int):
    outs = []
    for fn in (lib.sym_rescale_to_acc, lib.sym_intreq_rescale_to_acc):
        out = ffi.new("int32_t *", 0x5A5AA5A5)
        rc = fn(q, float(np.uint32(s).view(np.float32)), float(np.uint32(t).view(np.float32)), out)
        outs.append((rc, out[0]))
    return outs


def _rescale_random(n: int, seed: int) -> list[tuple[int, int, int]]:
    """q over every int32 and small ranges, s_acc near s_p (r near q) or anywhere."""
    rng = np.random.default_rng(seed)
    q = np.where(rng.random(n) < 0.5, rng.integers(-2 ** 31, 2 ** 31, n), rng.integers(-70000, 70000, n))
    s = (rng.integers(1, 255, n) << 23) | rng.integers(0, 1 << 23, n)
    near = (np.clip((s >> 23) + rng.integers(-40, 40, n), 1, 254) << 23) | rng.integers(0, 1 << 23, n)
    anywhere = (rng.integers(1, 255, n) << 23) | rng.integers(0, 1 << 23, n)
    t = np.where(rng.random(n) < 0.7, near, anywhere)
    return list(zip(q.tolist(), s.tolist(), t.tolist()))


def test_rescale_equals_sym_rescale_to_acc(c):
    ffi, lib = c
    inputs = _rescale_random(60000, seed=31) + abi_intreq.rescale_edge_inputs()
    seen = set()
    for x in inputs:
        f, i = _rescale_pair(ffi, lib, *x)
        assert f == i, x
        seen.add(f[0])
    assert seen == {OK, STATUS_CODES["SYM_ERR_RANGE_GUARD"]}
    for x in abi_intreq.rescale_edge_inputs():
        name, want = abi_intreq.expect_rescale(*x)
        f, _ = _rescale_pair(ffi, lib, *x)
        assert f == (STATUS_CODES[name], 0x5A5AA5A5 if want is None else want), x
    for s, t in ((0.0, 1.0), (1.0, float("nan")), (-1.0, 1.0), (1.0, float("inf")), (1e-45, 1.0)):
        f, i = _rescale_pair(ffi, lib, 3, _bits(s), _bits(t))
        assert f == i == (STATUS_CODES["SYM_ERR_BAD_SCALE"], 0x5A5AA5A5)


def test_rescale_encoding_equals_c():
    ffi, lib = build.load_library()
    out = ffi.new("int32_t *")
    for q, s, t in _rescale_random(100, seed=4) + abi_intreq.rescale_edge_inputs()[::20]:
        rc = lib.sym_intreq_rescale_bits(q, s, t, out)
        want = (OK, out[0]) if rc == OK else (fx.RANGE_GUARD, None)
        assert fx.run_rescale(q, s, t) == want == fx.run_rescale(q, s, t, reference=True), (q, s, t)


def test_rescale_lemmas_prove_and_a_planted_guard_is_caught():
    lems = runner.select(None, "intreq.rescale_round*")
    assert sorted(lem.params["sign"] for lem in lems) == ["+", "-"]
    for lem in lems:
        assert runner.prove(lem, use_cache=False).status == "PROVEN"
    q = intreq_fixed_lemmas.q_rescale_round(False, guard=fx.RESCALE_GUARD + 1)
    s = q.solver(60_000)
    s.add(*q.pre, z3.Not(q.goals[0].goal))
    assert s.check() == z3.sat


def test_round_cutoff_equivalence_proof_holds_and_can_fail(monkeypatch):
    """mutants/equivalence.py intreq_round_bits_cutoffs: the slack of one
    step on the lax side is proven; a cut-off moved to the strict side is
    refuted (the proof is not vacuous)."""
    from symverify.mutants import equivalence

    assert equivalence.prove("intreq_round_bits_cutoffs").proven
    good_bits, good_wide = fx.round_bits, fx.round_wide
    monkeypatch.setattr(fx, "round_bits", lambda v, q, sat_field=fx.SAT_FIELD, zero_field=fx.ZERO_FIELD:
                        good_bits(v, q, sat_field, zero_field + 1))
    assert not equivalence.prove("intreq_round_bits_cutoffs").proven
    monkeypatch.setattr(fx, "round_bits", good_bits)
    monkeypatch.setattr(fx, "round_wide", lambda v, zero_field=fx.ZERO_FIELD: good_wide(v, zero_field + 1))
    assert not equivalence.prove("intreq_round_bits_cutoffs").proven
