"""Instructions per element and code size of the requant loop on Cortex-M0+.

Builds the kernels and benchmarks/intreq/bench_intreq.c for -mcpu=cortex-m0plus
(-O2, soft float), runs each loop in unicorn (Thumb, M-class) and counts the
executed instructions; per element = (I(n=257) - I(n=1)) / 256. Code size =
flash bytes of a --gc-sections image that keeps only that function (its own
code, the kernel helpers and the libgcc / newlib members it pulls in).

    python benchmarks/bench_intreq_m0.py [--json FILE]

The float32 and integer loops must give the same mantissas in the emulator
(checked for the ratio order, the fixed scale and both accumulates; exit 1
otherwise), as must the two float32 adders (libgcc's __aeabi_fadd and
sym_intreq_add_bits, against numpy) and the float and integer SR requant; the
CMSIS-NN-style loop is not bit-exact with SYM and its mismatch count is
reported. Results: docs/integer-only.md.
"""
from __future__ import annotations

import argparse
import json
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import unicorn
from unicorn import arm_const as A

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks" / "intreq"
KDIR = ROOT / "kernels"
CFLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off", "-fno-fast-math",
          "-mthumb", "-mcpu=cortex-m0plus", "-ffunction-sections", "-fdata-sections"]
BASE = 0x10000
RET = 0x8000  # a `b .` the measured function returns to
RAM, RAM_SIZE = 0x20000000, 1 << 20
N_BIG, N_SMALL = 257, 1
BITS = 12

#: measured functions by label (the CMSIS-NN-style loop twice: with the ratio
#: order's multiplier and with the fixed-scale one s_in / t)
LOOPS = ("bench_float_ratio_loop", "sym_intreq_ratio_loop", "bench_cmsis_style_loop",
         "bench_float_fixed_loop", "sym_intreq_fixed_loop")
WHOLE = ("sym_requant_dynamic", "sym_intreq_requant_dynamic", "sym_intreq_requant_dynamic_clamp_first",
         "sym_requant_fixed", "sym_intreq_requant_fixed")
#: one call each (the rescale helper has no loop): (q, s_p, s_acc) of a bias seed
RESCALE = ("sym_rescale_to_acc", "sym_intreq_rescale_to_acc")
RESCALE_ARGS = ((123456789, 0.34063962, 1.0), (-5, 1.0, 2.0), (2047, 0.0123, 0.0000456), (1, 2.0 ** -126, 3.0))
#: one scalar operation per call, the soft-float routine and its integer
#: equivalent on the same bits: (n, d) quotients and (a, b) scale products
#: (normal, subnormal, 2^-126 and overflowing results for the multiply)
SCALAR = ("__aeabi_fdiv", "sym_intreq_div_bits", "sym_intreq_divisor_init", "sym_intreq_div_by",
          "__aeabi_fmul", "sym_intreq_mul_bits")
DIV_ARGS = ((0.7 * 2047.0, 0.0123), (1.0, 3.0), (123456.789, 0.000456), (2.0 ** -100, 1.5))
MUL_ARGS = ((0.34063962, 0.0123), (2.0 ** -70, 1.3 * 2.0 ** -70), (2.0 ** -63, 2.0 ** -63), (3e38, 2.5),
            (0.7, 1.9999999))
#: the accumulate entries, float32 then integer (in place: t is rewritten before every call)
ACC = ("sym_accumulate_fixed", "sym_intreq_accumulate_fixed", "sym_accumulate_dynamic",
       "sym_intreq_accumulate_dynamic")
#: (target width, |t| bound, |inc| bound, s_t, s_inc): a bias gradient (fixed) and a weight gradient (dynamic)
ACC_FIXED = (24, 1 << 20, 1 << 15, 3.7e-4, 5.1e-6)
ACC_DYNAMIC = (12, 1 << 11, 1 << 15, 0.01, 3.3e-4)
WHOLE_LABELS = (*WHOLE[:2], "sym_requant_dynamic (clamp_first)", *WHOLE[2:])
LABELS = (*LOOPS[:3], "bench_cmsis_style_loop (s_in / t)", *LOOPS[3:], *WHOLE_LABELS)
#: the scale of the fixed-scale input (not a power of two)
S_IN_FIXED = 0.7
#: (float, integer) pairs that must give the same mantissas
SAME = (("bench_float_ratio_loop", "sym_intreq_ratio_loop"), ("sym_requant_dynamic", "sym_intreq_requant_dynamic"),
        ("bench_float_fixed_loop", "sym_intreq_fixed_loop"), ("sym_requant_fixed", "sym_intreq_requant_fixed"),
        ("bench_float_fixed_loop", "sym_requant_fixed"),
        ("sym_requant_dynamic (clamp_first)", "sym_intreq_requant_dynamic_clamp_first"))


def _q31(x: np.float32) -> tuple[int, int]:
    """(M0, shift) with x = M0 * 2^(shift - 31), M0 in [2^30, 2^31)."""
    frac, exp = np.frexp(float(x))
    mult, shift = int(round(frac * 2 ** 31)), int(exp)
    if mult == 1 << 31:
        mult, shift = 1 << 30, shift + 1
    return mult, shift


def _run(cmd: list) -> str:
    return subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True).stdout


def build(tmp: Path, keep: tuple[str, ...]) -> tuple[Path, dict[str, int]]:
    """Link an image that keeps ``keep``; return (binary, symbol addresses)."""
    objs = []
    for src in [*sorted((KDIR / "src").glob("*.c")), BENCH / "bench_intreq.c"]:
        obj = tmp / f"{src.stem}.o"
        if not obj.exists():
            _run(["arm-none-eabi-gcc", *CFLAGS, f"-I{KDIR / 'include'}", "-c", src, "-o", obj])
        objs.append(obj)
    elf = tmp / (f"{keep[0]}.elf" if len(keep) == 1 else "all.elf")  # a joined name outgrows NAME_MAX
    undef = [f"-Wl,--undefined={k}" for k in keep]
    _run(["arm-none-eabi-gcc", "-mthumb", "-mcpu=cortex-m0plus", "-nostdlib", "-nostartfiles",
          "-Wl,--gc-sections", f"-Wl,-e,{keep[0]}", *undef, "-T", BENCH / "link.ld", *objs,
          "-Wl,--start-group", "-lm", "-lc", "-lgcc", "-Wl,--end-group", "-o", elf])
    binary = elf.with_suffix(".bin")
    _run(["arm-none-eabi-objcopy", "-O", "binary", elf, binary])
    syms = {}
    for line in _run(["arm-none-eabi-nm", elf]).splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return binary, syms


def text_size(tmp: Path, fn: str) -> int:
    elf = build(tmp, (fn,))[0].with_suffix(".elf")
    out = _run(["arm-none-eabi-size", "-A", elf])
    return sum(int(line.split()[1]) for line in out.splitlines()
               if line.startswith((".text", ".data", ".rodata")))


class M0:
    """One unicorn Cortex-M0+ with the image loaded; call() counts instructions."""

    def __init__(self, binary: Path, syms: dict[str, int]):
        self.syms = syms
        self.uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_THUMB | unicorn.UC_MODE_MCLASS)
        self.uc.mem_map(0, 0x100000)
        self.uc.mem_map(RAM, RAM_SIZE)
        self.uc.mem_write(BASE, binary.read_bytes())
        self.uc.mem_write(RET, b"\xfe\xe7")  # b .
        self.count = 0
        self.uc.hook_add(unicorn.UC_HOOK_CODE, self._tick)

    def _tick(self, uc, addr, size, data):
        self.count += 1

    def call(self, fn: str, args: list[int]) -> int:
        regs = (A.UC_ARM_REG_R0, A.UC_ARM_REG_R1, A.UC_ARM_REG_R2, A.UC_ARM_REG_R3)
        sp = RAM + RAM_SIZE - 0x1000
        stack = args[4:]
        self.uc.mem_write(sp, b"".join(struct.pack("<I", a & 0xFFFFFFFF) for a in stack) or b"\0")
        for reg, a in zip(regs, args[:4]):
            self.uc.reg_write(reg, a & 0xFFFFFFFF)
        self.uc.reg_write(A.UC_ARM_REG_SP, sp)
        self.uc.reg_write(A.UC_ARM_REG_LR, RET | 1)
        self.count = 0
        self.uc.emu_start(self.syms[fn] | 1, RET, count=50_000_000)
        return self.count

    def write_i32(self, addr: int, values) -> None:
        self.uc.mem_write(addr, np.asarray(values, dtype="<i4").tobytes())

    def read_i32(self, addr: int, n: int) -> np.ndarray:
        return np.frombuffer(bytes(self.uc.mem_read(addr, 4 * n)), dtype="<i4").copy()

    def r0(self) -> int:
        return self.uc.reg_read(A.UC_ARM_REG_R0)


def _bits(x: float) -> int:
    return int(np.float32(x).view(np.uint32))


def measure(tmp: Path, seed: int = 19) -> dict:
    binary, syms = build(tmp, LOOPS + WHOLE + RESCALE + SCALAR + ACC)
    cpu = M0(binary, syms)
    rng = np.random.default_rng(seed)
    q_hi = (1 << (BITS - 1)) - 1
    m_in, m_out, s_out = RAM + 0x1000, RAM + 0x4000, RAM + 0x8000
    rows = {}
    for dist, span in (("accumulator |m| < 2^20", 1 << 20), ("any int32", (1 << 31) - 1)):
        m = rng.integers(-span, span + 1, N_BIG).astype(np.int32)
        cpu.write_i32(m_in, m)
        amax = np.float32(np.max(np.abs(m.astype(np.int64))))
        s_new = np.float32(amax / np.float32(q_hi))
        ratio = np.float32(np.float32(1.0) / s_new)
        mult, shift = _q31(ratio)
        s_in = np.float32(S_IN_FIXED)
        target = np.float32(np.float32(amax * s_in) / np.float32(q_hi))  # the dynamic scale of s_in
        mult_f, shift_f = _q31(np.float32(s_in / target))
        calls = {
            "bench_float_ratio_loop": lambda n: [m_in, n, _bits(ratio), -q_hi - 1, q_hi, m_out],
            "sym_intreq_ratio_loop": lambda n: [m_in, n, _bits(ratio), BITS, m_out],
            "bench_cmsis_style_loop": lambda n: [m_in, n, mult, shift, -q_hi - 1, q_hi, m_out],
            "bench_cmsis_style_loop (s_in / t)": lambda n: [m_in, n, mult_f, shift_f, -q_hi - 1, q_hi, m_out],
            "bench_float_fixed_loop": lambda n: [m_in, n, _bits(s_in), _bits(target), -q_hi - 1, q_hi, m_out],
            "sym_intreq_fixed_loop": lambda n: [m_in, n, _bits(s_in), _bits(target), BITS, m_out],
            "sym_requant_dynamic": lambda n: [m_in, n, _bits(1.0), BITS, 0, 0, 0, m_out, s_out],
            "sym_intreq_requant_dynamic": lambda n: [m_in, n, _bits(1.0), BITS, m_out, s_out],
            "sym_requant_dynamic (clamp_first)": lambda n: [m_in, n, _bits(1.0), BITS, 0, 1, 0, m_out, s_out],
            "sym_intreq_requant_dynamic_clamp_first": lambda n: [m_in, n, _bits(1.0), BITS, m_out, s_out],
            "sym_requant_fixed": lambda n: [m_in, n, _bits(s_in), _bits(target), BITS, 0, 0, m_out],
            "sym_intreq_requant_fixed": lambda n: [m_in, n, _bits(s_in), _bits(target), BITS, m_out],
        }
        res, outs = {}, {}
        for label, args in calls.items():
            fn = label.split()[0]
            small = cpu.call(fn, args(N_SMALL))
            big = cpu.call(fn, args(N_BIG))
            if fn in WHOLE:
                assert cpu.r0() == 0, (fn, cpu.r0())
            res[label] = (big - small) / (N_BIG - N_SMALL)
            if fn in WHOLE:  # the fixed cost of a call: validation and the scale steps
                res[f"{label} per call"] = small - res[label]
            outs[label] = cpu.read_i32(m_out, N_BIG)
        for f, i in SAME:
            if not np.array_equal(outs[f], outs[i]):
                raise SystemExit(f"{dist}: {i} differs from {f} on the M0+")
        res["cmsis_mismatches"] = int(np.sum(outs["bench_cmsis_style_loop"] != outs["bench_float_ratio_loop"]))
        res["cmsis_fixed_mismatches"] = int(np.sum(outs["bench_cmsis_style_loop (s_in / t)"]
                                                   != outs["bench_float_fixed_loop"]))
        res["multiplier"], res["shift"] = mult, shift
        rows[dist] = res
    rescale = {}
    for fn in RESCALE:
        counts, values = [], []
        for q, s_p, s_acc in RESCALE_ARGS:
            counts.append(cpu.call(fn, [q, _bits(s_p), _bits(s_acc), m_out]))
            assert cpu.r0() == 0, (fn, cpu.r0())
            values.append(int(cpu.read_i32(m_out, 1)[0]))
        rescale[fn] = {"instructions": counts, "values": values}
    if rescale[RESCALE[0]]["values"] != rescale[RESCALE[1]]["values"]:
        raise SystemExit("the integer rescale helper differs from the float32 one on the M0+")
    sizes = {fn: text_size(tmp, fn) for fn in LOOPS + WHOLE + RESCALE + SCALAR + ACC}
    return {"per_element": rows, "rescale_per_call": rescale, "scalar_per_call": scalar(cpu, m_out),
            "accumulate": measure_accumulate(cpu, rng), "flash_bytes": sizes, "n": N_BIG, "bits": BITS}


def scalar(cpu: M0, dv: int) -> dict:
    """Instructions per call of each SCALAR function; the integer results
    must be the soft-float routine's bits (exit 1 otherwise)."""
    counts: dict[str, list[int]] = {fn: [] for fn in SCALAR}
    for n, d in DIV_ARGS:
        nb, db = _bits(n), _bits(d)
        counts["__aeabi_fdiv"].append(cpu.call("__aeabi_fdiv", [nb, db]))
        want = cpu.r0()
        counts["sym_intreq_div_bits"].append(cpu.call("sym_intreq_div_bits", [nb, db]))
        old = cpu.r0()
        counts["sym_intreq_divisor_init"].append(cpu.call("sym_intreq_divisor_init", [db, dv]))
        counts["sym_intreq_div_by"].append(cpu.call("sym_intreq_div_by", [nb, dv]))
        if not want == old == cpu.r0():
            raise SystemExit(f"{n} / {d}: the integer divisions differ from __aeabi_fdiv on the M0+")
    for a, b in MUL_ARGS:
        ab, bb = _bits(a), _bits(b)
        counts["__aeabi_fmul"].append(cpu.call("__aeabi_fmul", [ab, bb]))
        want = cpu.r0()
        counts["sym_intreq_mul_bits"].append(cpu.call("sym_intreq_mul_bits", [ab, bb]))
        if cpu.r0() != want:
            raise SystemExit(f"{a} * {b}: sym_intreq_mul_bits differs from __aeabi_fmul on the M0+")
    return counts


#: the adder rows: the float32 addition (__aeabi_fadd) and sym_intreq_add_bits
ADD = ("bench_float_add_loop", "bench_int_add_loop")
#: the SR rows: the whole dynamic requant, ratio order, SR_HALF_AWAY
SR = ("sym_requant_dynamic", "sym_intreq_requant_dynamic_sr")
SR_STATE = 0x2545F491


def _add_pairs(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Finite float32 pairs: half with nearby exponents (cancellation,
    carries), half with any exponents, random signs."""
    a = rng.integers(0, 2 ** 32, n, dtype=np.uint64).astype(np.uint32)
    b = rng.integers(0, 2 ** 32, n, dtype=np.uint64).astype(np.uint32)
    a &= ~np.uint32(0x40000000)  # exponent field below 128: no inf or NaN
    near = (a & np.uint32(0x7F800000)) + (rng.integers(0, 4, n).astype(np.uint32) << 23)
    b = np.where(np.arange(n) % 2 == 0, (b & np.uint32(0x807FFFFF)) | near, b & ~np.uint32(0x40000000))
    return a, b


def measure_add_sr(tmp: Path, seed: int = 23) -> dict:
    """Instructions per addition of the two adders on the same pairs (bit
    for bit the same sums), per element of the SR requant (float vs
    integer, the same mantissas, scale and final state), flash bytes."""
    binary, syms = build(tmp, ADD + SR)
    cpu = M0(binary, syms)
    rng = np.random.default_rng(seed)
    pa, pb, po, st, s_out = RAM + 0x1000, RAM + 0x3000, RAM + 0x5000, RAM + 0x7000, RAM + 0x7100
    a, b = _add_pairs(rng, N_BIG)
    cpu.write_i32(pa, a.view(np.int32))
    cpu.write_i32(pb, b.view(np.int32))
    add, sums = {}, {}
    for fn in ADD:
        small = cpu.call(fn, [pa, pb, N_SMALL, po])
        big = cpu.call(fn, [pa, pb, N_BIG, po])
        add[fn] = (big - small) / (N_BIG - N_SMALL)
        sums[fn] = cpu.read_i32(po, N_BIG)
    with np.errstate(over="ignore"):
        want = (a.view(np.float32) + b.view(np.float32)).view(np.int32)
    if not (np.array_equal(sums[ADD[0]], want) and np.array_equal(sums[ADD[1]], want)):
        raise SystemExit("the adders differ from numpy float32 on the M0+")
    sr = {}
    for dist, span in (("accumulator |m| < 2^20", 1 << 20), ("any int32", (1 << 31) - 1)):
        m = rng.integers(-span, span + 1, N_BIG).astype(np.int32)
        cpu.write_i32(pa, m)
        res, outs = {}, {}
        for fn in SR:
            counts = []
            for n in (N_SMALL, N_BIG):
                cpu.write_i32(st, [SR_STATE])
                args = ([pa, n, _bits(0.7), BITS, 1, 0, st, po, s_out] if fn == SR[0]
                        else [pa, n, _bits(0.7), BITS, st, po, s_out])
                counts.append(cpu.call(fn, args))
                assert cpu.r0() == 0, (fn, cpu.r0())
            res[fn] = (counts[1] - counts[0]) / (N_BIG - N_SMALL)
            res[f"{fn} per call"] = counts[0] - res[fn]
            outs[fn] = (cpu.read_i32(po, N_BIG).tolist(), cpu.read_i32(s_out, 1).tolist(), cpu.read_i32(st, 1).tolist())
        if outs[SR[0]] != outs[SR[1]]:
            raise SystemExit(f"{dist}: the integer SR requant differs from the float one on the M0+")
        sr[dist] = res
    sizes = {fn: text_size(tmp, fn) for fn in ADD + SR}
    return {"add_per_call": add, "sr_per_element": sr, "flash_bytes": sizes}


def measure_accumulate(cpu: M0, rng: np.random.Generator) -> dict:
    """Per element and per call of both accumulates, float32 against integer,
    on the same tensors; the results (t and the new scale) must be equal."""
    t_buf, inc_buf, s_buf = RAM + 0x1000, RAM + 0x4000, RAM + 0x8000
    out = {}
    for kind, (b, t_span, inc_span, s_t, s_inc) in (("fixed", ACC_FIXED), ("dynamic", ACC_DYNAMIC)):
        t = rng.integers(-t_span, t_span, N_BIG).astype(np.int32)
        inc = rng.integers(-inc_span, inc_span, N_BIG).astype(np.int32)
        cpu.write_i32(inc_buf, inc)
        results = []
        for fn in [f for f in ACC if f.endswith(kind)]:
            counts = {}
            for n in (N_SMALL, N_BIG):
                cpu.write_i32(t_buf, t)
                cpu.write_i32(s_buf, [_bits(s_t)])
                if kind == "fixed":
                    args = [t_buf, n, _bits(s_t), b, inc_buf, n, _bits(s_inc)]
                else:
                    args = [t_buf, n, s_buf, b, inc_buf, n, _bits(s_inc)] + ([0, 0] if fn.startswith("sym_acc") else [])
                counts[n] = cpu.call(fn, args)
                assert cpu.r0() == 0, (fn, cpu.r0())
            results.append((cpu.read_i32(t_buf, N_BIG).tolist(), int(cpu.read_i32(s_buf, 1)[0])))
            per = (counts[N_BIG] - counts[N_SMALL]) / (N_BIG - N_SMALL)
            out[fn] = {"per_element": per, "per_call": counts[N_SMALL] - per}
        if results[0] != results[1]:
            raise SystemExit(f"the integer {kind} accumulate differs from the float32 one on the M0+")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)
    if shutil.which("arm-none-eabi-gcc") is None:
        print("arm-none-eabi-gcc not found (apt-get install gcc-arm-none-eabi)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        out = measure(Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        out["add_sr"] = measure_add_sr(Path(tmp))
    for dist, res in out["per_element"].items():
        print(f"{dist}: instructions per element")
        for fn in LABELS:
            print(f"  {fn:47s} {res[fn]:8.1f}")
        for fn in WHOLE_LABELS:
            print(f"  {fn + ' per call':47s} {res[fn + ' per call']:8.1f} (I(1) - per element)")
        print(f"  CMSIS-style mismatches vs SYM: {res['cmsis_mismatches']}/{out['n']} (ratio), "
              f"{res['cmsis_fixed_mismatches']}/{out['n']} (fixed)")
    print("rescale helper: instructions per call (" + ", ".join(f"q={q}" for q, _, _ in RESCALE_ARGS) + ")")
    for fn, res in out["rescale_per_call"].items():
        print(f"  {fn:47s} {res['instructions']}")
    print("one operation: instructions per call (quotients " + ", ".join(f"{n:g}/{d:g}" for n, d in DIV_ARGS)
          + "; products " + ", ".join(f"{a:g}*{b:g}" for a, b in MUL_ARGS) + ")")
    for fn, counts in out["scalar_per_call"].items():
        print(f"  {fn:47s} {counts}")
    print(f"accumulate: instructions per element and per call (I(1) - per element), n = {out['n']}")
    for fn, res in out["accumulate"].items():
        print(f"  {fn:47s} {res['per_element']:8.1f} {res['per_call']:8.1f}")
    print("flash bytes (function + helpers + libgcc/newlib members):")
    for fn, size in out["flash_bytes"].items():
        print(f"  {fn:47s} {size:8d}")
    extra = out["add_sr"]
    print(f"float32 addition: instructions per call over {out['n'] - 1} pairs (the same bits)")
    for fn, v in extra["add_per_call"].items():
        print(f"  {fn:47s} {v:8.1f}")
    for dist, res in extra["sr_per_element"].items():
        print(f"{dist}: SR requant (ratio), instructions per element / per call")
        for fn in SR:
            print(f"  {fn:47s} {res[fn]:8.1f} {res[fn + ' per call']:8.1f}")
    print("flash bytes (adder loops, SR requant):")
    for fn, size in extra["flash_bytes"].items():
        print(f"  {fn:47s} {size:8d}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
