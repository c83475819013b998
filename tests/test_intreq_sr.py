"""The integer-only SR dynamic requant, ratio order
(sym_intreq_requant_dynamic_sr, sym_intreq_sr_loop; docs/integer-only.md):

* whole tensors against the float C kernel sym_requant_dynamic(SR, RATIO):
  the same statuses, mantissas, scale bits and final RNG state, in place and
  out of place, on random tensors and on inputs where v + u - 0.5 lands on
  or next to k + 1/2, saturates, or is subnormal;
* every error status, in the float kernel's order, with nothing written;
* the SR ratio vectors of requant.json replay bit-exactly;
* the M0+ objects reference no soft-float symbol.
"""
from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest

from symverify import build
from symverify.errors import STATUS_CODES
from symverify.goldgen.generate import load_family
from symverify.mutants import gold

OK = 0


@pytest.fixture(scope="module")
def c():
    return build.load_library()


def _bits(x) -> int:
    return int(np.float32(x).view(np.uint32))


def _f(bits: int) -> float:
    return float(np.uint32(bits).view(np.float32))


def _pair(ffi, lib, m, s_in: float, bits: int, state: int, in_place: bool = False):
    """(status, mantissas, scale bits, state) of the float and the integer entry."""
    n = len(m)
    outs = []
    for fn in ("float", "int"):
        src = ffi.new("int32_t[]", list(m))
        dst = src if in_place else ffi.new("int32_t[]", [-7] * n)
        s_out = ffi.new("float *", -1.0)
        st = ffi.new("uint32_t *", state)
        if fn == "float":
            rc = lib.sym_requant_dynamic(src, n, s_in, bits, lib.SYM_SR_HALF_AWAY, lib.SYM_ORDER_RATIO, st, dst, s_out)
        else:
            rc = lib.sym_intreq_requant_dynamic_sr(src, n, s_in, bits, st, dst, s_out)
        outs.append((rc, list(dst[0:n]), _bits(s_out[0]), st[0]))
    return outs


def _random_tensor(rng):
    n = int(rng.integers(1, 40))
    span = int(rng.choice([1, 3, 2 ** 11, 2 ** 16, 2 ** 24 + 5, 2 ** 31 - 1]))
    m = rng.integers(-span, span + 1, n).tolist()
    s_in = _f(int(rng.integers(1, 255)) << 23 | int(rng.integers(0, 1 << 23)))
    return m, s_in, int(rng.integers(2, 17)), int(rng.integers(1, 2 ** 32))


def test_sr_entry_equals_sym_requant_dynamic_on_random_tensors(c):
    ffi, lib = c
    rng = np.random.default_rng(1919)
    states = set()
    for k in range(1500):
        m, s_in, bits, state = _random_tensor(rng)
        f, i = _pair(ffi, lib, m, s_in, bits, state, in_place=k % 3 == 0)
        assert f == i, (m, s_in, bits, hex(state))
        states.add(f[3])
    assert len(states) > 1400  # the state advanced differently per tensor


def _near_half_tensors(rng):
    """Tensors whose ratio r puts fl(m) * r on k + 1/2 - u for the first draw
    (ties of the final rounding), next to it, or on large / tiny values:
    s_in is chosen so that A / qMax and so r are simple."""
    out = []
    for bits in (2, 3, 8, 12, 16):
        q_hi = (1 << (bits - 1)) - 1
        for s_in in (1.0, 0.5, 2.0 ** -20, 3.0, 2.0 ** 40):
            for _ in range(20):
                m = [q_hi * int(rng.integers(1, 4))] + rng.integers(-q_hi, q_hi + 1, 15).tolist()
                out.append((m, s_in, bits, int(rng.integers(1, 2 ** 32))))
        out.append(([-q_hi, q_hi], 1.0, bits, 0xF2B58529))  # a u = 0 draw: (-qMax + 0) - 0.5 is a tie
    out.append(([2 ** 31 - 1, -(2 ** 31), 1, -1, 0], 2.0 ** -100, 16, 1))
    out.append(([1, -1, 0, 0, 2], 2.0 ** -126, 2, 0xFFFFFFFF))
    return out


def test_sr_entry_equals_float_kernel_on_tie_and_edge_inputs(c):
    ffi, lib = c
    rng = np.random.default_rng(7)
    for m, s_in, bits, state in _near_half_tensors(rng):
        for in_place in (False, True):
            f, i = _pair(ffi, lib, m, s_in, bits, state, in_place)
            assert f == i, (m, s_in, bits, hex(state))


def test_sr_loop_element_by_element_against_numpy(c):
    """The per-element SR step on bits against numpy float32 arithmetic in
    the float kernel's order (v = fl(fl(m) r), u, w = fl(fl(v + u) - 0.5))."""
    ffi, lib = c
    rng = np.random.default_rng(3)
    n = 20000
    m = rng.integers(-(2 ** 31), 2 ** 31, n).astype(np.int64)
    m = np.where(rng.random(n) < 0.5, m % 70000 - 35000, m).astype(np.int32)
    r_bits = int(rng.integers(90, 150)) << 23 | int(rng.integers(0, 1 << 23))
    state = ffi.new("uint32_t *", 0x2545F491)
    out = ffi.new("int32_t[]", n)
    lib.sym_intreq_sr_loop(ffi.new("int32_t[]", m.tolist()), n, r_bits, 12, state, out)
    s = 0x2545F491
    want = []
    r = np.float32(_f(r_bits))
    with np.errstate(over="ignore"):
        for mi in m.tolist():
            s ^= (s << 13) & 0xFFFFFFFF
            s ^= s >> 17
            s ^= (s << 5) & 0xFFFFFFFF
            u = np.float32(s >> 8) * np.float32(2.0 ** -24)
            w = (np.float32(mi) * r + u) - np.float32(0.5)
            q = -2048 if w <= -2048 else 2047 if w >= 2047 else int(np.sign(w) * np.floor(abs(float(w)) + 0.5))
            want.append(max(-2048, min(2047, q)))
    assert list(out[0:n]) == want
    assert state[0] == s


def test_sr_statuses_in_the_float_kernels_order(c):
    ffi, lib = c
    st = STATUS_CODES
    buf = ffi.new("int32_t[]", [5, 6, 7, 8])
    other = ffi.new("int32_t[]", [1, 2, 3, 4])  # non-zero: a valid state where it is one
    s_out = ffi.new("float *", 9.0)
    state = ffi.new("uint32_t *", 77)
    zero = ffi.new("uint32_t *", 0)
    big = ffi.new("int32_t[]", [2 ** 31 - 1])
    tiny = ffi.new("int32_t[]", [1])
    cases = [
        ((buf, 4, 1.0, 8, state, other, ffi.NULL), "SYM_ERR_NULL"),
        ((ffi.NULL, 4, 1.0, 8, state, other, s_out), "SYM_ERR_NULL"),
        ((buf, 0, 1.0, 8, ffi.NULL, other, s_out), "SYM_ERR_EMPTY"),
        ((buf, 4, 1.0, 17, ffi.NULL, other, s_out), "SYM_ERR_BAD_WIDTH"),
        ((buf, 4, 1.0, 8, ffi.NULL, other, s_out), "SYM_ERR_NULL"),
        ((buf, 4, 0.0, 8, zero, other, s_out), "SYM_ERR_BAD_RNG"),
        ((buf, 4, 0.0, 8, state, buf + 1, s_out), "SYM_ERR_ALIAS"),
        ((buf, 4, 0.0, 8, ffi.cast("uint32_t *", other + 2), other, s_out), "SYM_ERR_ALIAS"),
        ((buf, 4, 0.0, 8, state, other, s_out), "SYM_ERR_BAD_SCALE"),
        ((buf, 4, 1.0, 8, state, other, ffi.cast("float *", other + 1)), "SYM_ERR_ALIAS"),
        ((buf, 4, 1.0, 8, ffi.cast("uint32_t *", s_out), other, s_out), "SYM_ERR_ALIAS"),
        ((big, 1, 3e38, 8, state, other, s_out), "SYM_ERR_FLOAT_OVERFLOW"),
        ((tiny, 1, 2.0 ** -126, 16, state, other, s_out), "SYM_ERR_SCALE_UNDERFLOW"),
    ]
    for args, want in cases:
        before = (list(other[0:4]), s_out[0], state[0])
        rc_int = lib.sym_intreq_requant_dynamic_sr(*args)
        assert (list(other[0:4]), s_out[0], state[0]) == before, want  # nothing written on error
        rc_float = lib.sym_requant_dynamic(*args[:4], lib.SYM_SR_HALF_AWAY, lib.SYM_ORDER_RATIO, *args[4:])
        assert rc_int == rc_float == st[want], (want, rc_int, rc_float)


def test_golden_sr_ratio_vectors_replay_bit_exactly(c):
    ffi, lib = c
    replayed = 0
    for v in load_family(gold.vectors_dir() / "requant.json")["vectors"]:
        a = v["args"]
        if v["kernel"] != "requant_dynamic" or a.get("order") != "ratio" or a.get("rounding") != "sr_half_away":
            continue
        t = a["t"]
        if "int_to_sym" in t:
            m, s_in = t["int_to_sym"], 1.0
        else:
            m, s_in = t["mantissas"], _f(int(t["scale"], 16))
        src = ffi.new("int32_t[]", m)
        dst = src if v.get("in_place") else ffi.new("int32_t[]", len(m))
        s_out = ffi.new("float *")
        state = ffi.new("uint32_t *", int(v["rng_state_in"], 16))
        rc = lib.sym_intreq_requant_dynamic_sr(src, len(m), s_in, a["q_max_bits"], state, dst, s_out)
        want = v["expect"]
        assert rc == STATUS_CODES[want["status"]], v["name"]
        assert f"0x{state[0]:08X}" == want["rng_state"], v["name"]
        if rc == OK:
            assert list(dst[0:len(m)]) == want["mantissas"], v["name"]
            assert f"0x{_bits(s_out[0]):08X}" == want["scale"], v["name"]
        replayed += 1
    assert replayed >= 6


def test_m0plus_objects_reference_no_soft_float(tmp_path, tools):
    gcc, nm = tools.gcc, tools.nm   # conftest: a skip locally, a failure in CI
    kdir = build.kernel_dir()
    for stem, allowed in (("sym_intreq", set()), ("sym_intreq_tensor", {"memcpy"})):
        obj = tmp_path / f"{stem}.o"
        subprocess.run([gcc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off",
                        "-mthumb", "-mcpu=cortex-m0plus", f"-I{kdir / 'include'}", "-c",
                        str(kdir / "src" / f"{stem}.c"), "-o", str(obj)], check=True)
        listing = subprocess.run([nm, "-u", str(obj)], capture_output=True, text=True, check=True).stdout
        undefined = [line.split()[-1] for line in listing.splitlines() if line.strip()]
        assert [s for s in undefined if not (s.startswith("sym_") or s in allowed)] == [], (stem, undefined)
        code = re.sub(r"/\*.*?\*/", " ", (kdir / "src" / f"{stem}.c").read_text(), flags=re.S)
        assert not re.search(r"\b(double|int64_t|uint64_t)\b", code), stem


def test_every_sr_ratio_vector_calls_the_sr_entry_on_cortex_m():
    """The xtarget case table calls sym_intreq_requant_dynamic_sr, with the
    vector's RNG state and its expected final state, for every SR
    ratio-order requant_dynamic vector, and for no other vector."""
    import json

    from symverify import xtarget_table

    doc = json.loads((gold.vectors_dir() / "requant.json").read_text())
    cases = xtarget_table.build_cases("requant", doc, build.kernel_dir() / "include")[0]
    sr = {c.name for c in cases if any(call.entry == "sym_intreq_requant_dynamic_sr" for call in c.calls)}
    want = {v["name"] for v in doc["vectors"] if v["kernel"] == "requant_dynamic"
            and v["args"].get("rounding") == "sr_half_away" and v["args"].get("order") == "ratio"}
    assert sr == want and len(want) >= 6
    calls = [call for c in cases for call in c.calls if call.entry == "sym_intreq_requant_dynamic_sr"]
    assert all(call.check_rng and call.use_rng and call.rng_in != 0 for call in calls)


def test_sr_encoding_equals_the_c(c):
    from symverify.proofs import intreq_sr

    ffi, lib = c
    rng = np.random.default_rng(31)
    for k in range(6):
        m = rng.integers(-(2 ** 31), 2 ** 31, 6).tolist() if k % 2 else rng.integers(-3000, 3000, 6).tolist()
        r_bits = int(rng.integers(100, 140)) << 23 | int(rng.integers(0, 1 << 23))
        b, state = int(rng.integers(2, 17)), int(rng.integers(1, 2 ** 32))
        out = ffi.new("int32_t[]", len(m))
        st = ffi.new("uint32_t *", state)
        lib.sym_intreq_sr_loop(ffi.new("int32_t[]", m), len(m), r_bits, b, st, out)
        assert intreq_sr.run_sr(m, r_bits, b, state) == (list(out), st[0])


def test_sr_lemmas_prove_and_a_planted_bug_is_caught():
    import z3

    from symverify.proofs import intreq_sr, runner

    lems = runner.select(None, "intreq.sr*")
    assert [lem.id for lem in lems] == ["intreq.sr_uniform", "intreq.sr_round"]
    assert all(runner.prove(lem).status == "PROVEN" for lem in lems)
    q = intreq_sr.q_round(planted_half_down=True)
    s = q.solver(60_000)
    s.add(*q.pre, z3.Not(q.goals[0].goal))
    assert s.check() == z3.sat
