"""The golden suite: every committed golden vector replayed on the C kernels, bit-exact.

* through the Python API (``symverify.kernels``), the same decoding the
  generator uses with the emulator;
* through the raw C ABI (cffi ``ffi``/``lib``), the way the firmware headers
  describe it: outputs pre-filled with a sentinel (untouched on error), RNG
  state checked, and every in-place-capable kernel replayed with in == out;
* through the generated C headers themselves: a host C99 harness that includes
  all four headers is compiled with -Wall -Wextra -Werror -pedantic and run;
* ``symverify goldgen --check`` passes on the committed files and fails, with a
  unified diff, on a tampered copy; the generator's self-checks refuse vacuous
  fixtures; writes are atomic.

Nothing here is skipped: a missing vector file or compiler is a failure.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import symverify as sv
from symverify.errors import STATUS_CODES, STATUS_NAMES
from symverify.goldgen import fixtures as fx
from symverify.goldgen import generate as gen
from symverify.types import Rng

VECTOR_DIR = gen.vectors_dir()
SENTINEL_I32 = 0x5A5A5A5A
SENTINEL_F32_BITS = 0x7FA5A5A5  # a NaN payload no kernel produces


# --------------------------------------------------------------------------- loading
def load_vectors() -> list[tuple[str, dict[str, Any]]]:
    """All (family, vector) pairs of the committed golden files. Raises if any is missing."""
    out = []
    for family in fx.FAMILIES:
        path = VECTOR_DIR / f"{family}.json"
        if not path.exists():
            raise FileNotFoundError(f"golden file {path} is missing: run `symverify goldgen` and commit it")
        doc = gen.load_family(path)
        out.extend((family, v) for v in doc["vectors"])
    return out


ALL = load_vectors()
C_ABI = [(f, v) for f, v in ALL if v.get("c_abi", True)]
IN_PLACE_KERNELS = ("int_to_sym", "requant_dynamic", "requant_fixed")


def _id(item: tuple[str, dict[str, Any]]) -> str:
    return f"{item[0]}/{item[1]['name']}"


# --------------------------------------------------------------------------- raw C replay
_ROUND_C = {"half_away": 0, "sr_half_away": 1}
_ORDER_C = {"ratio": 0, "clamp_first": 1}


def _bits(x: float | np.floating) -> str:
    return gen.hex32(x)


def _f32(text: str) -> float:
    return float(gen.f32_from_hex(text))


def _tensor_raw(spec: dict[str, Any]) -> tuple[np.ndarray, str, int]:
    if "int_to_sym" in spec:
        return np.array(spec["int_to_sym"], dtype=np.int32), "0x3F800000", 32
    return np.array(spec["mantissas"], dtype=np.int32), spec["scale"], spec["q_max_bits"]


def raw_replay(ffi: Any, lib: Any, kernel: str, args: dict[str, Any], in_place: bool = False) -> tuple[dict, list[str]]:
    """Call the raw C kernel as a firmware harness would. Returns the encoded
    result (same shape as ``generate.evaluate``) and a list of contract problems
    (outputs written on error, input changed, ...)."""
    args = gen.strip_comments(args)
    problems: list[str] = []
    state0 = Rng(args["seed"]).state if "seed" in args else None
    rng = ffi.new("uint32_t[1]", [state0]) if state0 is not None else ffi.NULL
    rounding = _ROUND_C.get(args.get("rounding", "half_away"), 99)

    def i32buf(values):
        arr = np.array(values if len(values) else [0], dtype=np.int32)
        return arr, ffi.cast("int32_t *", ffi.from_buffer(arr))

    def sentinel(n):
        return i32buf([SENTINEL_I32] * max(n, 1))

    def f32_out():
        p = ffi.new("float[1]")
        ffi.cast("uint32_t *", p)[0] = SENTINEL_F32_BITS
        return p

    def f32_bits_of(p) -> int:
        return int(ffi.cast("uint32_t *", p)[0])

    def finish(status: int, ok_result: dict) -> dict:
        name = STATUS_NAMES.get(status, f"UNKNOWN({status})")
        result = dict(ok_result) if status == 0 else {"status": name}
        result["status"] = name
        if state0 is not None:
            result["rng_state"] = f"0x{int(rng[0]):08X}"
            if status != 0 and int(rng[0]) != state0:
                problems.append("rng state advanced on error")
        return result

    if kernel == "round_half_away":
        out = ffi.new("int32_t[1]", [SENTINEL_I32])
        x = float(np.float32(gen.float_from_hex(args["x"])))
        st = lib.sym_round_half_away(x, out)
        if st != 0 and out[0] != SENTINEL_I32:
            problems.append("output written on error")
        return finish(st, {"value": int(out[0])}), problems

    if kernel == "float_to_sym":
        xs = args["x"]
        xa = np.array([int(v, 16) for v in xs] or [0], dtype=np.uint32).view(np.float32)
        m, mp = sentinel(len(xs))
        sc = f32_out()
        st = lib.sym_float_to_sym(ffi.cast("const float *", ffi.from_buffer(xa)), len(xs), args["q_max_bits"],
                                  rounding, rng, mp, sc)
        if st != 0 and (np.any(m != SENTINEL_I32) or f32_bits_of(sc) != SENTINEL_F32_BITS):
            problems.append("output written on error")
        return finish(st, {"mantissas": m[:len(xs)].tolist(), "scale": f"0x{f32_bits_of(sc):08X}",
                           "q_max_bits": args["q_max_bits"]}), problems

    if kernel == "sym_to_float":
        mi, s, _ = _tensor_raw(args["t"])
        _, mip = i32buf(mi)
        y = np.full(len(mi), SENTINEL_F32_BITS, dtype=np.uint32)
        st = lib.sym_sym_to_float(mip, len(mi), _f32(s), ffi.cast("float *", ffi.from_buffer(y)))
        if st != 0 and np.any(y != SENTINEL_F32_BITS):
            problems.append("output written on error")
        return finish(st, {"values": [f"0x{int(b):08X}" for b in y]}), problems

    if kernel == "int_to_sym":
        src, srcp = i32buf(args["m"])
        original = src.copy()
        if in_place:
            out, outp = src, srcp
        else:
            out, outp = sentinel(len(args["m"]))
        sc = f32_out()
        st = lib.sym_int_to_sym(srcp, len(args["m"]), outp, sc)
        if st != 0 and (not np.array_equal(out, original if in_place else np.full_like(out, SENTINEL_I32))
                        or f32_bits_of(sc) != SENTINEL_F32_BITS):
            problems.append("output written on error")
        n = len(args["m"])
        return finish(st, {"mantissas": out[:n].tolist(), "scale": f"0x{f32_bits_of(sc):08X}", "q_max_bits": 32}), problems

    if kernel in ("requant_dynamic", "requant_fixed"):
        mi, s, _ = _tensor_raw(args["t"])
        n = len(mi)
        src, srcp = i32buf(mi)
        original = src.copy()
        if in_place:
            out, outp = src, srcp
        else:
            out, outp = sentinel(n)
        bits = args["q_max_bits"]
        if kernel == "requant_dynamic":
            sc = f32_out()
            st = lib.sym_requant_dynamic(srcp, n, _f32(s), bits, rounding, _ORDER_C.get(args["order"], 99),
                                         rng, outp, sc)
            scale_bits = f"0x{f32_bits_of(sc):08X}"
            scale_touched = f32_bits_of(sc) != SENTINEL_F32_BITS
        else:
            st = lib.sym_requant_fixed(srcp, n, _f32(s), _f32(args["target_scale"]), bits, rounding, rng, outp)
            scale_bits, scale_touched = args["target_scale"], False
        untouched = original if in_place else np.full_like(out, SENTINEL_I32)
        if st != 0 and (not np.array_equal(out, untouched) or scale_touched):
            problems.append("output written on error")
        if not in_place and not np.array_equal(src, original):
            problems.append("input modified")
        return finish(st, {"mantissas": out[:n].tolist(), "scale": scale_bits, "q_max_bits": bits}), problems

    if kernel == "rescale_to_acc":
        out = ffi.new("int32_t[1]", [SENTINEL_I32])
        st = lib.sym_rescale_to_acc(args["q"], _f32(args["param_scale"]), _f32(args["acc_scale"]), out)
        if st != 0 and out[0] != SENTINEL_I32:
            problems.append("output written on error")
        return finish(st, {"value": int(out[0])}), problems

    if kernel in ("accumulate_dynamic", "accumulate_fixed"):
        t, s_t, bits_t = _tensor_raw(args["target"])
        inc, s_inc, _ = _tensor_raw(args["inc"])
        tb, tp = i32buf(t)
        ib, ip = i32buf(inc)
        t_orig, i_orig = tb.copy(), ib.copy()
        if kernel == "accumulate_dynamic":
            sp = ffi.new("float[1]", [_f32(s_t)])
            st = lib.sym_accumulate_dynamic(tp, len(t), sp, bits_t, ip, len(inc), _f32(s_inc), rounding, rng)
            scale_bits = f"0x{f32_bits_of(sp):08X}"
        else:
            st = lib.sym_accumulate_fixed(tp, len(t), _f32(s_t), bits_t, ip, len(inc), _f32(s_inc))
            scale_bits = s_t
        if st != 0 and (not np.array_equal(tb, t_orig) or scale_bits != s_t):
            problems.append("target or scale written on error")
        if not np.array_equal(ib, i_orig):
            problems.append("increment modified")
        return finish(st, {"mantissas": tb[:len(t)].tolist(), "scale": scale_bits, "q_max_bits": bits_t}), problems

    raise AssertionError(f"no raw replay for kernel {kernel}")


def replay_all(backend: Any, ffi: Any, lib: Any) -> tuple[int, list[str]]:
    """Replay every vector through the API and every C-ABI vector raw (and in
    place where possible). Returns (number of replays, failure messages).
    Used by this module's tests and by the sanitize subprocess."""
    failures: list[str] = []
    count = 0
    for family, vec in ALL:
        expect = gen.strip_comments(vec["expect"])
        got = gen.evaluate(vec["kernel"], vec["args"], backend)
        count += 1
        if got != expect:
            failures.append(f"{family}/{vec['name']} (API): expected {expect}, got {got}")
        if not vec.get("c_abi", True):
            continue
        modes = (False, True) if vec["kernel"] in IN_PLACE_KERNELS else (False,)
        for in_place in modes:
            got, problems = raw_replay(ffi, lib, vec["kernel"], vec["args"], in_place)
            count += 1
            tag = "raw in-place" if in_place else "raw"
            if got != expect:
                failures.append(f"{family}/{vec['name']} ({tag}): expected {expect}, got {got}")
            for p in problems:
                failures.append(f"{family}/{vec['name']} ({tag}): {p}")
    return count, failures


# --------------------------------------------------------------------------- tests: files and stamps
def test_vector_files_are_stamped_with_current_emulator_and_catalog():
    digest = fx.fixture_hash()
    for family in fx.FAMILIES:
        doc = gen.load_family(VECTOR_DIR / f"{family}.json")
        assert doc["family"] == family
        assert doc["emulator_version"] == gen.EMULATOR_VERSION
        assert doc["fixture_hash"] == digest, f"{family}.json is stale: run `symverify goldgen`"
        assert doc["count"] == len(doc["vectors"]) > 0
        header = (VECTOR_DIR / f"{family}.h").read_text()
        assert digest in header and f'"{gen.EMULATOR_VERSION}"' in header
    assert len(ALL) >= 200, f"only {len(ALL)} golden vectors"


def test_catalog_covers_the_required_corners():
    cat = fx.catalog()
    names = {(f.family, f.name): f for fxs in cat.values() for f in fxs}
    by_kernel: dict[str, list[fx.Fixture]] = {}
    for f in names.values():
        by_kernel.setdefault(f.kernel, []).append(f)
    assert set(by_kernel) == set(fx.KERNEL_FAMILY), "every kernel has fixtures"
    # requant widths 2..16, both orders, from accumulator range
    for bits in range(2, 17):
        for order in ("ratio", "clamp_first"):
            f = names[("requant", f"acc_to_b{bits}_{order}")]
            assert f.args["t"].get("int_to_sym") and f.args["q_max_bits"] == bits
    # rejected widths 0/1/32/33 on conversion, 0/1/17/32/33 on requant
    conv_widths = {f.args["q_max_bits"] for f in by_kernel["float_to_sym"]}
    assert {0, 1, 32, 33} <= conv_widths and set(range(2, 32)) & conv_widths >= {2, 16, 17, 24, 25, 26, 31}
    req_widths = {f.args["q_max_bits"] for f in by_kernel["requant_dynamic"]}
    assert {0, 1, 17, 32, 33} <= req_widths
    # ties in every rounding kernel, SR with seeds in every SR kernel, in-place fixtures, orders that differ
    for kernel in ("round_half_away", "float_to_sym", "requant_dynamic", "requant_fixed", "rescale_to_acc",
                   "accumulate_dynamic", "accumulate_fixed"):
        assert any(f.tie for f in by_kernel[kernel]), f"no tie fixture for {kernel}"
    for kernel in ("float_to_sym", "requant_dynamic", "requant_fixed", "accumulate_dynamic"):
        assert any(f.args.get("rounding") == "sr_half_away" and "seed" in f.args for f in by_kernel[kernel])
    assert any(f.in_place for f in by_kernel["requant_dynamic"]) and any(f.in_place for f in by_kernel["requant_fixed"])
    assert any(f.differs_from for f in by_kernel["requant_dynamic"])
    # expected errors are golden too
    statuses = {gen.strip_comments(v["expect"])["status"] for _, v in ALL}
    for code in ("SYM_ERR_BAD_WIDTH", "SYM_ERR_BAD_SCALE", "SYM_ERR_NONFINITE_INPUT", "SYM_ERR_SCALE_UNDERFLOW",
                 "SYM_ERR_FLOAT_OVERFLOW", "SYM_ERR_RANGE_GUARD", "SYM_ERR_INT_OVERFLOW", "SYM_ERR_CAST_RANGE",
                 "SYM_ERR_SHAPE", "SYM_ERR_EMPTY", "SYM_ERR_BAD_ORDER", "SYM_ERR_BAD_ROUNDING"):
        assert code in statuses, f"no golden vector expects {code}"
    assert all(s in STATUS_CODES for s in statuses)


# --------------------------------------------------------------------------- tests: replay
@pytest.mark.parametrize("item", ALL, ids=_id)
def test_golden_vector_on_c_kernels(item):
    family, vec = item
    expect = gen.strip_comments(vec["expect"])
    got = gen.evaluate(vec["kernel"], vec["args"], sv.kernels)
    assert got == expect, f"{family}/{vec['name']} ({vec['purpose']}): C gives {got}, golden {expect}"


@pytest.fixture(scope="module")
def raw():
    return sv.kernels.ffi_lib()


@pytest.mark.parametrize("item", C_ABI, ids=_id)
def test_golden_vector_raw_c_abi(item, raw):
    family, vec = item
    ffi, lib = raw
    expect = gen.strip_comments(vec["expect"])
    modes = (False, True) if vec["kernel"] in IN_PLACE_KERNELS else (False,)
    for in_place in modes:
        got, problems = raw_replay(ffi, lib, vec["kernel"], vec["args"], in_place)
        where = f"{family}/{vec['name']} ({'in place' if in_place else 'separate buffers'})"
        assert got == expect, f"{where}: C gives {got}, golden {expect}"
        assert not problems, f"{where}: {problems}"


def test_in_place_vectors_exist_and_replay_in_place(raw):
    ffi, lib = raw
    flagged = [(f, v) for f, v in C_ABI if v.get("in_place")]
    assert {v["kernel"] for _, v in flagged} >= set(IN_PLACE_KERNELS)
    for family, vec in flagged:
        got, problems = raw_replay(ffi, lib, vec["kernel"], vec["args"], in_place=True)
        assert got == gen.strip_comments(vec["expect"]) and not problems, f"{family}/{vec['name']}"


def test_replay_all_counts(raw):
    count, failures = replay_all(sv.kernels, *raw)
    assert not failures, "\n".join(failures)
    assert count > len(ALL)


# --------------------------------------------------------------------------- tests: C headers
HARNESS = r"""
#include <stdio.h>
#include <string.h>
#include "sym_status.h"
#include "sym_round.h"
#include "sym_convert.h"
#include "sym_requant.h"
#include "sym_accumulate.h"
#include "round.h"
#include "convert.h"
#include "requant.h"
#include "accumulate.h"
#include "round.h"   /* include guard */

#define MAXN 64
#define SENT 0x5A5A5A5A
static int failures = 0, checked = 0;
static float f32(uint32_t b) { float f; memcpy(&f, &b, sizeof f); return f; }
static uint32_t bits(float f) { uint32_t b; memcpy(&b, &f, sizeof b); return b; }
static void fail(const char *k, const char *name, const char *what) {
    printf("FAIL %s/%s: %s\n", k, name, what); failures++;
}
static int same(const int32_t *a, const int32_t *b, int32_t n) {
    int32_t i; for (i = 0; i < n; i++) if (a[i] != b[i]) return 0; return 1;
}
static int all_sent(const int32_t *a, int32_t n) {
    int32_t i; for (i = 0; i < n; i++) if (a[i] != SENT) return 0; return 1;
}
static void fill(int32_t *a, int32_t n) { int32_t i; for (i = 0; i < n; i++) a[i] = SENT; }

int main(void) {
    int32_t buf[MAXN], buf2[MAXN];
    uint32_t st, *rp;
    size_t i;
    float s;
    #define CHECK_RNG(v) if ((v).rng_state_in && st != (v).rng_state_out) fail(K, (v).name, "rng state")
    #define RNG_SETUP(v) st = (v).rng_state_in; rp = (v).rng_state_in ? &st : NULL
    {
        const char *K = "round_half_away";
        for (i = 0; i < SYM_GOLDEN_ROUND_ROUND_HALF_AWAY_COUNT; i++) {
            const sym_golden_round_half_away_t *v = &sym_golden_round_round_half_away[i];
            int32_t out = SENT;
            int r = sym_round_half_away(f32(v->x), &out); checked++;
            if (r != v->status) fail(K, v->name, "status");
            else if (r == 0 ? out != v->out : out != SENT) fail(K, v->name, "value");
        }
    }
    {
        const char *K = "float_to_sym";
        for (i = 0; i < SYM_GOLDEN_CONVERT_FLOAT_TO_SYM_COUNT; i++) {
            const sym_golden_float_to_sym_t *v = &sym_golden_convert_float_to_sym[i];
            float x[MAXN]; int32_t j;
            for (j = 0; j < v->n; j++) x[j] = f32(v->x[j]);
            fill(buf, MAXN); s = f32(0x7FA5A5A5u); RNG_SETUP(*v);
            { int r = sym_float_to_sym(x, v->n, v->q_max_bits, v->rounding, rp, buf, &s); checked++;
              if (r != v->status) fail(K, v->name, "status");
              else if (r == 0 && (!same(buf, v->m, v->n) || bits(s) != v->scale)) fail(K, v->name, "outputs");
              else if (r != 0 && (!all_sent(buf, MAXN) || bits(s) != 0x7FA5A5A5u)) fail(K, v->name, "written on error"); }
            CHECK_RNG(*v);
        }
    }
    {
        const char *K = "sym_to_float";
        for (i = 0; i < SYM_GOLDEN_CONVERT_SYM_TO_FLOAT_COUNT; i++) {
            const sym_golden_sym_to_float_t *v = &sym_golden_convert_sym_to_float[i];
            float y[MAXN]; int32_t j; int r;
            for (j = 0; j < MAXN; j++) y[j] = f32(0x7FA5A5A5u);
            r = sym_sym_to_float(v->m, v->n, f32(v->scale), y); checked++;
            if (r != v->status) fail(K, v->name, "status");
            else if (r == 0) { for (j = 0; j < v->n; j++) if (bits(y[j]) != v->y[j]) { fail(K, v->name, "values"); break; } }
            else { for (j = 0; j < v->n; j++) if (bits(y[j]) != 0x7FA5A5A5u) { fail(K, v->name, "written on error"); break; } }
        }
    }
    {
        const char *K = "int_to_sym";
        for (i = 0; i < SYM_GOLDEN_CONVERT_INT_TO_SYM_COUNT; i++) {
            const sym_golden_int_to_sym_t *v = &sym_golden_convert_int_to_sym[i];
            int r;
            memcpy(buf, v->src, sizeof(int32_t) * (size_t)(v->n > 0 ? v->n : 1));
            fill(buf2, MAXN); s = f32(0x7FA5A5A5u);
            r = v->in_place ? sym_int_to_sym(buf, v->n, buf, &s) : sym_int_to_sym(buf, v->n, buf2, &s); checked++;
            if (r != v->status) fail(K, v->name, "status");
            else if (r == 0 && (!same(v->in_place ? buf : buf2, v->m, v->n) || bits(s) != v->scale)) fail(K, v->name, "outputs");
        }
    }
    {
        const char *K = "requant_dynamic";
        for (i = 0; i < SYM_GOLDEN_REQUANT_REQUANT_DYNAMIC_COUNT; i++) {
            const sym_golden_requant_dynamic_t *v = &sym_golden_requant_requant_dynamic[i];
            int pass;
            for (pass = 0; pass < 2; pass++) {   /* pass 1: in place (every vector, not only flagged ones) */
                int r; int32_t *out = pass ? buf : buf2;
                memcpy(buf, v->m_in, sizeof(int32_t) * (size_t)v->n);
                if (!pass) fill(buf2, MAXN);
                s = f32(0x7FA5A5A5u); RNG_SETUP(*v);
                r = sym_requant_dynamic(buf, v->n, f32(v->s_in), v->q_max_bits_out, v->rounding, v->order, rp, out, &s);
                checked++;
                if (r != v->status) fail(K, v->name, "status");
                else if (r == 0 && (!same(out, v->m_out, v->n) || bits(s) != v->s_out)) fail(K, v->name, "outputs");
                else if (r != 0 && (pass ? !same(buf, v->m_in, v->n) : !all_sent(buf2, MAXN))) fail(K, v->name, "written on error");
                CHECK_RNG(*v);
            }
        }
    }
    {
        const char *K = "requant_fixed";
        for (i = 0; i < SYM_GOLDEN_REQUANT_REQUANT_FIXED_COUNT; i++) {
            const sym_golden_requant_fixed_t *v = &sym_golden_requant_requant_fixed[i];
            int pass;
            for (pass = 0; pass < 2; pass++) {
                int r; int32_t *out = pass ? buf : buf2;
                memcpy(buf, v->m_in, sizeof(int32_t) * (size_t)v->n);
                if (!pass) fill(buf2, MAXN);
                RNG_SETUP(*v);
                r = sym_requant_fixed(buf, v->n, f32(v->s_in), f32(v->target), v->q_max_bits_out, v->rounding, rp, out);
                checked++;
                if (r != v->status) fail(K, v->name, "status");
                else if (r == 0 && !same(out, v->m_out, v->n)) fail(K, v->name, "outputs");
                else if (r != 0 && (pass ? !same(buf, v->m_in, v->n) : !all_sent(buf2, MAXN))) fail(K, v->name, "written on error");
                CHECK_RNG(*v);
            }
        }
    }
    {
        const char *K = "rescale_to_acc";
        for (i = 0; i < SYM_GOLDEN_REQUANT_RESCALE_TO_ACC_COUNT; i++) {
            const sym_golden_rescale_to_acc_t *v = &sym_golden_requant_rescale_to_acc[i];
            int32_t out = SENT;
            int r = sym_rescale_to_acc(v->q, f32(v->s_p), f32(v->s_acc), &out); checked++;
            if (r != v->status) fail(K, v->name, "status");
            else if (r == 0 ? out != v->out : out != SENT) fail(K, v->name, "value");
        }
    }
    {
        const char *K = "accumulate_dynamic";
        for (i = 0; i < SYM_GOLDEN_ACCUMULATE_ACCUMULATE_DYNAMIC_COUNT; i++) {
            const sym_golden_accumulate_dynamic_t *v = &sym_golden_accumulate_accumulate_dynamic[i];
            int r;
            memcpy(buf, v->t, sizeof(int32_t) * (size_t)v->n_t);
            s = f32(v->s_t); RNG_SETUP(*v);
            r = sym_accumulate_dynamic(buf, v->n_t, &s, v->q_max_bits_t, v->inc, v->n_inc, f32(v->s_inc), v->rounding, rp);
            checked++;
            if (r != v->status) fail(K, v->name, "status");
            else if (r == 0 && (!same(buf, v->t_out, v->n_t) || bits(s) != v->s_t_out)) fail(K, v->name, "outputs");
            else if (r != 0 && (!same(buf, v->t, v->n_t) || bits(s) != v->s_t)) fail(K, v->name, "written on error");
            CHECK_RNG(*v);
        }
    }
    {
        const char *K = "accumulate_fixed";
        for (i = 0; i < SYM_GOLDEN_ACCUMULATE_ACCUMULATE_FIXED_COUNT; i++) {
            const sym_golden_accumulate_fixed_t *v = &sym_golden_accumulate_accumulate_fixed[i];
            int r;
            memcpy(buf, v->t, sizeof(int32_t) * (size_t)v->n_t);
            r = sym_accumulate_fixed(buf, v->n_t, f32(v->s_t), v->q_max_bits_t, v->inc, v->n_inc, f32(v->s_inc));
            checked++;
            if (r != v->status) fail(K, v->name, "status");
            else if (r == 0 && !same(buf, v->t_out, v->n_t)) fail(K, v->name, "outputs");
            else if (r != 0 && !same(buf, v->t, v->n_t)) fail(K, v->name, "written on error");
        }
    }
    printf("checked %d calls, %d failures\n", checked, failures);
    return failures != 0;
}
"""


def test_c_headers_compile_pedantic_and_replay_on_host(tmp_path):
    """The generated headers are self-contained C99: a harness including all of
    them builds with -std=c99 -pedantic -Wall -Wextra -Werror and replays every
    vector (in place too) bit-exact against the C kernels."""
    from symverify import build

    cc = build.find_compiler()
    kdir = build.kernel_dir()
    (tmp_path / "harness.c").write_text(HARNESS)
    assert max(gen.load_family(VECTOR_DIR / f"{f}.json")["count"] for f in fx.FAMILIES) > 0
    exe = tmp_path / "harness"
    sources = [str(p) for p in build.kernel_sources()]
    cmd = [cc, "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off", "-fno-fast-math",
           "-O2", f"-I{kdir / 'include'}", f"-I{VECTOR_DIR}", str(tmp_path / "harness.c"), *sources,
           "-o", str(exe), "-lm"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, f"harness build failed:\n{' '.join(cmd)}\n{res.stderr}"
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    checked = int(run.stdout.split("checked ")[1].split()[0])
    assert checked >= len(C_ABI), run.stdout


def test_headers_are_standalone(tmp_path):
    """Each header compiles alone (only <stdint.h>/<stddef.h>), twice included, no allocation."""
    from symverify import build

    cc = build.find_compiler()
    for family in fx.FAMILIES:
        text = (VECTOR_DIR / f"{family}.h").read_text()
        assert "malloc" not in text and "#include \"" not in text
        src = tmp_path / f"only_{family}.c"
        src.write_text(f'#include "{family}.h"\n#include "{family}.h"\nint main(void) {{ return 0; }}\n')
        res = subprocess.run([cc, "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", f"-I{VECTOR_DIR}",
                              "-c", str(src), "-o", str(tmp_path / f"{family}.o")], capture_output=True, text=True)
        assert res.returncode == 0, f"{family}.h is not standalone C99:\n{res.stderr}"


# --------------------------------------------------------------------------- tests: goldgen command
def _run_goldgen(*args: str):
    from symverify.cli import cli

    return CliRunner().invoke(cli, ["goldgen", *args], catch_exceptions=False)


def test_goldgen_check_passes_on_committed_vectors():
    before = {p.name: p.read_bytes() for p in VECTOR_DIR.iterdir()}
    res = _run_goldgen("--check")
    assert res.exit_code == 0, res.output
    assert "drift" not in res.output
    after = {p.name: p.read_bytes() for p in VECTOR_DIR.iterdir()}
    assert before == after, "--check must write nothing"


@pytest.fixture()
def vector_copy(tmp_path):
    dst = tmp_path / "vectors"
    shutil.copytree(VECTOR_DIR, dst)
    return dst


def test_goldgen_check_fails_with_diff_on_tampered_json(vector_copy):
    path = vector_copy / "requant.json"
    doc = json.loads(path.read_text())
    vec = next(v for v in doc["vectors"] if v["name"] == "orders_differ_ratio")
    vec["expect"]["mantissas"][1] += 1
    tampered = json.dumps(doc, indent=2) + "\n"
    path.write_text(tampered)
    res = _run_goldgen("--check", "--out", str(vector_copy))
    assert res.exit_code == 1, res.output
    assert f"--- {path} (committed)" in res.output and "+++" in res.output
    import re
    assert re.search(r"^-\s+-790,?$", res.output, re.M) and re.search(r"^\+\s+-791,?$", res.output, re.M), res.output
    assert path.read_text() == tampered, "--check must not repair the file"


def test_goldgen_check_fails_on_tampered_header_and_missing_file(vector_copy):
    h = vector_copy / "round.h"
    h.write_text(h.read_text().replace("0x40200000u", "0x40200001u", 1))
    (vector_copy / "accumulate.json").unlink()
    res = _run_goldgen("--check", "--out", str(vector_copy))
    assert res.exit_code == 1
    assert "0x40200001u" in res.output and "missing" in res.output
    assert not (vector_copy / "accumulate.json").exists()


def test_goldgen_writes_then_check_passes(tmp_path):
    out = tmp_path / "fresh"
    res = _run_goldgen("--out", str(out))
    assert res.exit_code == 0, res.output
    for family in fx.FAMILIES:
        assert (out / f"{family}.json").read_bytes() == (VECTOR_DIR / f"{family}.json").read_bytes()
        assert (out / f"{family}.h").read_bytes() == (VECTOR_DIR / f"{family}.h").read_bytes()
    for family in gen.LAYER_FAMILIES:   # layers.json, chain.json (goldgen/layer_fixtures.py)
        assert (out / f"{family}.json").read_bytes() == (VECTOR_DIR / f"{family}.json").read_bytes()
    assert (out / "layers.h").read_bytes() == (VECTOR_DIR / "layers.h").read_bytes()
    assert (out / "conv.h").read_bytes() == (VECTOR_DIR / "conv.h").read_bytes()
    assert (out / "SHA256SUMS").read_bytes() == (VECTOR_DIR / "SHA256SUMS").read_bytes()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{f}.{e}" for f in fx.FAMILIES for e in ("json", "h")]
        + [f"{f}.json" for f in gen.LAYER_FAMILIES]
        + [f"{f}.h" for f in gen.LAYER_FAMILIES if f != "chain"]
        + ["train_cnn.json", "SHA256SUMS"]), "no temporary files left behind"
    assert _run_goldgen("--check", "--out", str(out)).exit_code == 0


def test_goldgen_help():
    res = _run_goldgen("--help")
    assert res.exit_code == 0 and "--check" in res.output and "--out" in res.output


# --------------------------------------------------------------------------- tests: self-checks
def _catalog_with(extra: fx.Fixture) -> dict[str, list[fx.Fixture]]:
    cat = fx.catalog()
    cat[extra.family] = [*cat[extra.family], extra]
    return cat


@pytest.mark.parametrize("x, why", [(3.5, "half_even"), (1.5, "half_even"), (2.0, "no exact .5 tie"),
                                    (2.4999998, "no exact .5 tie")])
def test_vacuous_tie_fixture_is_refused(x, why):
    bad = fx.Fixture("bogus_tie", "round_half_away", {"x": fx.f32(x)}, "vacuous", tie=True)
    with pytest.raises(gen.FixtureError, match=why):
        gen.compute(cat=_catalog_with(bad))


def test_vacuous_tie_in_requant_is_refused():
    # 1.5 and 3.5: half-even agrees with half-away on both
    bad = fx.Fixture("bogus_req_tie", "requant_fixed",
                     {"t": fx.tensor([3, 7], 1.0, 12), "target_scale": fx.f32(2.0), "q_max_bits": 8,
                      "rounding": "half_away"}, "vacuous", tie=True)
    with pytest.raises(gen.FixtureError, match="half_even"):
        gen.compute(cat=_catalog_with(bad))


def test_differs_from_must_differ():
    base = fx.Fixture("same_a", "requant_dynamic", {"t": fx.tensor([14, 1], 1.0, 8), "q_max_bits": 4,
                                                    "rounding": "half_away", "order": "ratio"}, "a")
    twin = fx.Fixture("same_b", "requant_dynamic", {"t": fx.tensor([14, 1], 1.0, 8), "q_max_bits": 4,
                                                    "rounding": "half_away", "order": "clamp_first"}, "b",
                      differs_from="same_a")
    cat = fx.catalog()
    cat["requant"] = [*cat["requant"], base, twin]
    with pytest.raises(gen.FixtureError, match="same result"):
        gen.compute(cat=cat)


def test_refused_catalog_writes_nothing(tmp_path):
    # the last family is refused, so nothing of the earlier families may be written either
    bad = fx.Fixture("bogus_tie", "accumulate_fixed",
                     {"target": fx.tensor([0], 2.0, 16), "inc": fx.tensor([3], 1.0, 12), "rounding": "half_away"},
                     "vacuous: 3 * 1 / 2 = 1.5", tie=True)
    with pytest.raises(gen.FixtureError, match="half_even"):
        gen.write(tmp_path, gen.compute(cat=_catalog_with(bad)))
    assert list(tmp_path.iterdir()) == []


def test_fixture_hash_tracks_the_catalog():
    cat = fx.catalog()
    h0 = fx.fixture_hash(cat)
    assert h0 == fx.fixture_hash() and len(h0) == 64
    cat["round"] = cat["round"][:-1]
    assert fx.fixture_hash(cat) != h0


def test_tie_fixtures_really_tie():
    """Spot-check the non-vacuity model on the catalog's own tie fixtures."""
    ties = [v for _, v in ALL if v.get("tie")]
    assert len(ties) >= 15
    for v in ties:
        assert gen.strip_comments(v["expect"])["status"] == "SYM_OK", v["name"]


def test_seed_design_helpers():
    from symverify.emulator.primitives import xorshift32

    assert xorshift32(fx.SEED_U_ZERO) == 1
    assert xorshift32(fx.SEED_U_MAX) == 0xFFFFFFFF
