"""The integer-only requant core (kernels/src/sym_intreq.c, docs/integer-only.md).

* the C integer core against the float C path, bit for bit, on random and
  edge inputs (per element and whole tensors);
* the Z3 encoding (proofs/intreq.py) against the C on concrete inputs;
* planted bugs: in the encoding (caught by the proof and by the concrete
  check) and in a copy of the C (caught by the concrete check);
* the ratio-order HALF_AWAY golden vectors replayed through the integer path;
* the M0+ object references no soft-float or long-multiply helper.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import z3

from symverify import build
from symverify.errors import STATUS_CODES
from symverify.goldgen.generate import load_family
from symverify.mutants import gold
from symverify.proofs import intreq as iq
from symverify.proofs import intreq_lemmas, runner

OK = 0
F32_MAX_BITS = 0x7F7FFFFF
MIN_NORMAL_BITS = 0x00800000


@pytest.fixture(scope="module")
def c():
    return build.load_library()


def _f32_bits(x: float) -> int:
    return int(np.float32(x).view(np.uint32))


def _edge_inputs() -> list[tuple[int, int, int]]:
    """(m, r_bits, b): exact / rounded fl(m), ties of the product, the carry
    of fl(m) to 2^24, saturation and underflow boundaries, subnormal and
    infinite products."""
    ms = [0, 1, -1, 2, -2, 3, 5, 7, 2047, -2048, 32767, -32768, 1 << 23, (1 << 24) - 1, 1 << 24,
          (1 << 24) + 1, (1 << 24) + 2, (1 << 24) + 3, -((1 << 24) + 1), -((1 << 24) + 3),
          (1 << 25) - 1, (1 << 25) + 2, (1 << 25) + 6, (1 << 31) - 1, -(1 << 31), -((1 << 31) - 1),
          (1 << 30) + (1 << 6), (1 << 30) + (3 << 6), 0x7FFFFFC0, -0x7FFFFFC0, 123456789, -987654321]
    rs = [1.0, 0.5, 0.25, 1.5, 2.0, 0.75, 1.0 / 3.0, 2.0 ** -24, 2.0 ** -31, 2.0 ** -30, 1.0 + 2.0 ** -23,
          1.0 - 2.0 ** -24, 32767.0, 32767.5, 2047.0, 1.0009471, 2.0 ** 15, 2.0 ** -16]
    rbits = [_f32_bits(r) for r in rs] + [MIN_NORMAL_BITS, F32_MAX_BITS, 0x3F7FFFFF, 0x3F000001, 0x3EFFFFFF]
    out = [(m, r, b) for m in ms for r in rbits for b in (2, 8, 12, 16)]
    # products exactly at k + 1/2 (a tie of roundf) and next to it
    for k in (0, 1, 2, 3, 100, 2047, 32766):
        for m, r in ((2 * k + 1, 0.5), (4 * k + 2, 0.25), (6 * k + 3, 1.0 / 6.0)):
            out += [(s * m, _f32_bits(r), b) for s in (1, -1) for b in (2, 12, 16)]
    # fl(m) at a tie (|m| > 2^24, dropped bits exactly half) times an r that
    # puts fl(m) * r next to k + 1/2: the tie rule of fl(m) decides the result
    ties = ((1 << 24) + 1, (1 << 24) + 3, (1 << 25) + 2, (1 << 25) + 6, (1 << 26) + 4, (1 << 30) + (1 << 6))
    for m in ties:
        x = float(np.float32(m))
        for k in (1, 2, 100, 2047, 32766):
            r0 = _f32_bits((k + 0.5) / x)
            out += [(s * m, r0 + step, 16) for s in (1, -1) for step in range(-2, 3)]
    return out


def _random_inputs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    half = n // 2
    m = np.concatenate([rng.integers(-2 ** 31, 2 ** 31, half, dtype=np.int64),
                        rng.integers(-70000, 70001, n - half)]).astype(np.int32)
    # exponents mostly where the result is neither 0 nor saturated, some anywhere
    exp = np.where(rng.random(n) < 0.8, rng.integers(96, 150, n), rng.integers(1, 255, n)).astype(np.uint32)
    r = ((exp << 23) | rng.integers(0, 1 << 23, n).astype(np.uint32)).astype(np.uint32)
    b = rng.integers(2, 17, n).astype(np.int32)
    return m, r, b


def _float_c(ffi, lib, m: int, r_bits: int, b: int) -> int:
    """The float kernels' element: fl(fl(m) * r) in float32, then the C's sym_round_sat."""
    with np.errstate(over="ignore"):
        v = np.float32(m) * np.uint32(r_bits).view(np.float32)
    q_hi = (1 << (b - 1)) - 1
    return lib.sym_round_sat(float(v), lib.SYM_HALF_AWAY, ffi.NULL, -q_hi - 1, q_hi)


def _int_c(ffi, lib, m: int, r_bits: int, b: int) -> int:
    out = ffi.new("int32_t *")
    assert lib.sym_intreq_one(m, r_bits, b, out) == OK
    return out[0]


def _mismatches(ffi, lib, inputs) -> list:
    return [(m, hex(r), b) for m, r, b in inputs if _int_c(ffi, lib, m, r, b) != _float_c(ffi, lib, m, r, b)]


# ------------------------------------------------------------- C against C
def test_core_equals_float_path_on_edges(c):
    ffi, lib = c
    inputs = _edge_inputs()
    assert len(inputs) > 2000
    assert _mismatches(ffi, lib, inputs) == []


def test_core_equals_float_path_on_random_inputs(c):
    ffi, lib = c
    m, r, b = _random_inputs(60000, seed=19)
    inputs = list(zip(m.tolist(), r.tolist(), b.tolist()))
    assert _mismatches(ffi, lib, inputs) == []
    # not vacuous: the sample reaches 0, saturation and values in between
    got = {_int_c(ffi, lib, *x) for x in inputs}
    assert 0 in got and 32767 in got and -32768 in got and len(got) > 500


def _tensor_pair(ffi, lib, m: np.ndarray, s_in: float, bits: int, in_place: bool = False):
    n = len(m)
    outs = []
    for fn in ("float", "int"):
        src = ffi.new("int32_t[]", m.tolist())
        dst = src if in_place else ffi.new("int32_t[]", n)
        s_out = ffi.new("float *", -1.0)
        if fn == "float":
            rc = lib.sym_requant_dynamic(src, n, s_in, bits, lib.SYM_HALF_AWAY, lib.SYM_ORDER_RATIO,
                                         ffi.NULL, dst, s_out)
        else:
            rc = lib.sym_intreq_requant_dynamic(src, n, s_in, bits, dst, s_out)
        outs.append((rc, list(dst[0:n]), _f32_bits(s_out[0])))
    return outs


def test_tensor_entry_equals_sym_requant_dynamic(c):
    ffi, lib = c
    rng = np.random.default_rng(7)
    for k in range(400):
        n = int(rng.integers(1, 40))
        span = int(rng.choice([3, 2 ** 11, 2 ** 16, 2 ** 24 + 5, 2 ** 31 - 1]))
        m = rng.integers(-span, span + 1, n).astype(np.int32)
        s_in = float(np.uint32(int(rng.integers(1, 255)) << 23 | int(rng.integers(0, 1 << 23))).view(np.float32))
        bits = int(rng.integers(2, 17))
        f, i = _tensor_pair(ffi, lib, m, s_in, bits, in_place=bool(k % 3 == 0))
        assert f == i, (m.tolist(), s_in, bits)


def test_tensor_entry_statuses(c):
    ffi, lib = c
    one = np.array([1], dtype=np.int32)
    cases = [
        (one, 1.0, 1), (one, 1.0, 17), (one, 0.0, 8), (one, -1.0, 8), (one, float("inf"), 8),
        (one, float("nan"), 8), (one, 1e-45, 8),  # BAD_WIDTH x2, BAD_SCALE x5
        (np.array([2 ** 31 - 1], dtype=np.int32), 3e38, 8),  # FLOAT_OVERFLOW
        (np.array([32766, 1], dtype=np.int32), 2.0 ** -126, 16),  # SCALE_UNDERFLOW
        (np.array([0, 0, 0], dtype=np.int32), 0.5, 12),  # A = 0: scale 1
    ]
    seen = set()
    for m, s_in, bits in cases:
        f, i = _tensor_pair(ffi, lib, m, s_in, bits)
        assert f[0] == i[0], (m, s_in, bits)
        if f[0] == OK:
            assert f == i
        seen.add(f[0])
    assert {OK, STATUS_CODES["SYM_ERR_BAD_WIDTH"], STATUS_CODES["SYM_ERR_BAD_SCALE"],
            STATUS_CODES["SYM_ERR_FLOAT_OVERFLOW"], STATUS_CODES["SYM_ERR_SCALE_UNDERFLOW"]} <= seen
    buf = ffi.new("int32_t[]", 4)
    s_out = ffi.new("float *")
    assert lib.sym_intreq_requant_dynamic(buf, 0, 1.0, 8, buf, s_out) == STATUS_CODES["SYM_ERR_EMPTY"]
    assert lib.sym_intreq_requant_dynamic(buf, 2, 1.0, 8, ffi.NULL, s_out) == STATUS_CODES["SYM_ERR_NULL"]
    assert lib.sym_intreq_requant_dynamic(buf, 2, 1.0, 8, buf + 1, s_out) == STATUS_CODES["SYM_ERR_ALIAS"]


def test_one_rejects_bad_arguments(c):
    ffi, lib = c
    out = ffi.new("int32_t *", 12345)
    for b in (1, 17, 0, -3):
        assert lib.sym_intreq_one(5, _f32_bits(1.0), b, out) == STATUS_CODES["SYM_ERR_BAD_WIDTH"]
    for r in (0, 0x80000000, _f32_bits(-1.0), 1, 0x007FFFFF, 0x7F800000, 0x7FC00000, 0xFF800000):
        assert lib.sym_intreq_one(5, r, 8, out) == STATUS_CODES["SYM_ERR_BAD_SCALE"]
    assert out[0] == 12345
    assert lib.sym_intreq_one(5, _f32_bits(1.0), 8, ffi.NULL) == STATUS_CODES["SYM_ERR_NULL"]


# ---------------------------------------------------------------- goldens
def test_golden_ratio_half_away_vectors_replay_bit_exactly(c):
    ffi, lib = c
    vectors = load_family(gold.vectors_dir() / "requant.json")["vectors"]
    replayed = 0
    for v in vectors:
        a = v["args"]
        if v["kernel"] != "requant_dynamic" or a.get("order") != "ratio" or a.get("rounding") != "half_away":
            continue
        t = a["t"]
        if "int_to_sym" in t:
            m, s_in = np.array(t["int_to_sym"], dtype=np.int32), 1.0
        else:
            m = np.array(t["mantissas"], dtype=np.int32)
            s_in = float(np.uint32(int(t["scale"], 16)).view(np.float32))
        src = ffi.new("int32_t[]", m.tolist())
        dst = ffi.new("int32_t[]", len(m))
        s_out = ffi.new("float *")
        rc = lib.sym_intreq_requant_dynamic(src, len(m), s_in, a["q_max_bits"], dst, s_out)
        want = v["expect"]
        assert rc == STATUS_CODES[want["status"]], v["name"]
        if rc == OK:
            assert list(dst[0:len(m)]) == want["mantissas"], v["name"]
            assert f"0x{_f32_bits(s_out[0]):08X}" == want["scale"], v["name"]
        replayed += 1
    assert replayed >= 30


# ------------------------------------------------------ encoding against C
def _sample(k: int) -> list[tuple[int, int, int]]:
    edges = _edge_inputs()
    picks = [edges[i] for i in range(0, len(edges), max(1, len(edges) // (k // 2)))]
    m, r, b = _random_inputs(k // 2, seed=5)
    return picks + list(zip(m.tolist(), r.tolist(), b.tolist()))


def test_encoding_equals_c_on_concrete_inputs(c):
    ffi, lib = c
    for m, r, b in _sample(300):
        want = _int_c(ffi, lib, m, r, b)
        assert iq.run_core(m, r, b) == want, (m, hex(r), b)
        assert iq.run_core(m, r, b, iq.product_exact) == want, (m, hex(r), b)
        assert iq.run_reference(m, r, b) == _float_c(ffi, lib, m, r, b), (m, hex(r), b)


# ------------------------------------------------------------ planted bugs
def _solve(q) -> z3.CheckSatResult:
    s = q.solver(60_000) if q.solver else z3.Solver()
    s.add(*q.pre, *q.goals[-1].extra, z3.Not(q.goals[-1].goal))
    return s.check()


def test_planted_half_down_is_caught_by_proof_and_concrete_check(c, monkeypatch):
    """The final rounding ties toward zero (top + 2^(d-1) - 1): intreq.round
    finds a counterexample and the encoding disagrees with the C."""
    ffi, lib = c
    assert _solve(intreq_lemmas.q_round(259, 259)) == z3.unsat
    monkeypatch.setattr(iq, "_half_away", lambda top, d: z3.LShR(top + (iq._u(1) << (d - 1)) - 1, d))
    assert _solve(intreq_lemmas.q_round(259, 259)) == z3.sat
    assert [x for x in _edge_inputs() if iq.run_core(*x) != _int_c(ffi, lib, *x)]


def test_planted_fl_m_tie_bug_is_caught_by_proof_and_concrete_check(c, monkeypatch):
    """fl(m) rounding ties up instead of to even: intreq.fl_int fails."""
    ffi, lib = c
    monkeypatch.setattr(iq, "_rne_up", lambda rem, half, kept: z3.UGE(rem, half))
    assert _solve(intreq_lemmas.q_fl_int()) == z3.sat
    assert [x for x in _edge_inputs() if iq.run_core(*x) != _int_c(ffi, lib, *x)]


def test_planted_product_split_bug_is_caught(c, monkeypatch):
    """11-bit limbs in place of 12: intreq.product fails; the same slip in
    the bit-vector encoding disagrees with the C."""
    ffi, lib = c
    assert _solve(intreq_lemmas.q_product(12)) == z3.unsat
    assert _solve(intreq_lemmas.q_product(11)) == z3.sat

    def limbs11(ma, mr):
        ah, al, bh, bl = z3.LShR(ma, 11), ma & 0x7FF, z3.LShR(mr, 12), mr & iq.LOW12
        mid = ah * bl + al * bh
        lo = al * bl + ((mid & iq.LOW12) << 12)
        return ah * bh + z3.LShR(mid, 12) + z3.LShR(lo, 24), lo & iq.LOW24

    assert [x for x in _sample(100) if iq.run_core(*x, limbs11) != _int_c(ffi, lib, *x)]


def test_planted_bug_in_a_c_copy_is_caught(tmp_path):
    """fl(m) ties up in a copy of the C: the concrete check against the float
    path finds it (the edge inputs that put a tie of fl(m) next to k + 1/2;
    uniform random inputs almost never do)."""
    root = tmp_path / "csrc"
    shutil.copytree(build.kernel_dir(), root)
    src = root / "src" / "sym_intreq.c"
    text = src.read_text()
    good = "if (rem > half || (rem == half && (ma & 1u) != 0u)) {"
    assert text.count(good) == 1
    src.write_text(text.replace(good, "if (rem >= half) {"))
    lib_path = build.compile_shared(build.kernel_sources(root), "release", include_dirs=[root / "include"],
                                    name="intreq_planted")
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(build.cdef_from_headers(build.kernel_headers(root)))
    lib = ffi.dlopen(str(lib_path))
    assert _mismatches(ffi, lib, _edge_inputs())


# ------------------------------------------------------------ the lemmas
def test_intreq_lemmas_are_registered():
    ids = [lem.id for lem in runner.select(None, "intreq*")]
    assert "intreq.fl_int" in ids and "intreq.product" in ids and "intreq.zero" in ids
    bands = [lem.params["exp_sum"] for lem in runner.select(None, "intreq.round*")]
    assert bands[0] == "128..250" and bands[-1] == "271..412" and len(bands) == 22


@pytest.mark.parametrize("pattern", ["intreq.zero", "intreq.fl_int", "intreq.product",
                                     "intreq.round[exp_sum=271..412*"])
def test_intreq_lemmas_prove(pattern):
    lems = runner.select(None, pattern)
    assert len(lems) == 1
    res = runner.prove(lems[0])
    assert res.status == "PROVEN", res


# ---------------------------------------------------------- the M0+ object
def test_m0plus_object_needs_no_soft_float_or_long_multiply(tmp_path, tools):
    gcc, nm = tools.gcc, tools.nm   # conftest: a skip locally, a failure in CI
    kdir = build.kernel_dir()
    obj = tmp_path / "sym_intreq.o"
    subprocess.run([gcc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off",
                    "-mthumb", "-mcpu=cortex-m0plus", f"-I{kdir / 'include'}", "-c",
                    str(kdir / "src" / "sym_intreq.c"), "-o", str(obj)], check=True)
    undefined = subprocess.run([nm, "-u", str(obj)], capture_output=True, text=True, check=True).stdout.split()
    assert [s for s in undefined if s.startswith("__")] == [], undefined
    code = re.sub(r"/\*.*?\*/", " ", (kdir / "src" / "sym_intreq.c").read_text(), flags=re.S)
    for word in ("float", "double", "int64_t", "uint64_t", "long"):
        assert not re.search(rf"\b{word}\b", code), word


def test_bit_length_0xffff_mutant_is_equivalent_by_enumeration():
    """The enumeration behind the equivalent mutant sym_iq_bit_length
    `x >= 0xFFFFu` (mutants/equivalent.toml): with a = 0xFFFF normalised one
    bit short, only mr = 2^23 + f, f < 128, round one bit coarser, and that
    moves the integer only if N / 2^15 (N = 0xFFFF * mr) lies in [B - 1,
    B - 1/2) for a boundary B = an odd multiple of 2^(d-1), d in 8..25."""
    from fractions import Fraction

    hits = []
    for f in range(128):
        u = Fraction(0xFFFF * ((1 << 23) + f), 1 << 15)
        for d in range(8, 26):
            r = u % (1 << d)
            if (1 << (d - 1)) - 1 <= r < Fraction((1 << d) - 1, 2):
                hits.append((f, d))
    assert hits == []
    # the window test itself can fire: a value just below a boundary is found
    u = Fraction((1 << 7) - 1)
    assert (1 << 7) - 1 <= u % (1 << 8) < Fraction((1 << 8) - 1, 2)
