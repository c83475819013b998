"""CMSIS-NN's own ``arm_nn_requantize`` against SYM's integer requant core on Cortex-M0+.

``bench_intreq_m0.py`` compares the integer-only SYM core with a CMSIS-NN-style
loop written from the published definition. This script compiles the real
function from a CMSIS-NN checkout (its ``Include/`` directory; nothing of it
is kept in this repository) into the same loop shape
(``benchmarks/intreq/bench_cmsis_nn.c``), once with CMSIS-NN's default double
rounding and once with ``CMSIS_NN_USE_SINGLE_ROUNDING``, and counts, in the
same unicorn run and on the same inputs:

- instructions per element, (I(n=257) - I(n=1)) / 256, of the two CMSIS-NN
  loops, the CMSIS-NN-style loop and ``sym_intreq_ratio_loop`` (plus the
  ratio of the SYM core to each);
- flash bytes of a ``--gc-sections`` image that keeps only that loop;
- how many mantissas differ from the float32 SYM loop (bit-exactness), and
  from the style loop (whether the style loop is faithful to CMSIS-NN).

    git clone https://github.com/ARM-software/CMSIS-NN  # anywhere
    python benchmarks/bench_cmsis_nn_m0.py --cmsis-nn PATH/TO/CMSIS-NN [--json FILE]

Exit 2 without arm-none-eabi-gcc or without a CMSIS-NN Include/ directory;
exit 1 if the integer SYM core differs from the float32 SYM loop.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_intreq_m0 as base  # noqa: E402  (a sibling script, not a package)

CMSIS_LOOPS = {"bench_cmsis_nn_loop": [], "bench_cmsis_nn_single_loop": ["-DCMSIS_NN_USE_SINGLE_ROUNDING"]}
#: elements of the bit-exactness run (beyond the 257 of the instruction counts)
N_EXACT = 4096
COMPARED = ("bench_float_ratio_loop", "sym_intreq_ratio_loop", "bench_cmsis_style_loop", *CMSIS_LOOPS)


def objects(tmp: Path, cmsis_include: Path) -> list[Path]:
    """The kernels, bench_intreq.c and one bench_cmsis_nn.c object per rounding variant."""
    objs = []
    for src in [*sorted((base.KDIR / "src").glob("*.c")), base.BENCH / "bench_intreq.c"]:
        obj = tmp / f"{src.stem}.o"
        base._run(["arm-none-eabi-gcc", *base.CFLAGS, f"-I{base.KDIR / 'include'}", "-c", src, "-o", obj])
        objs.append(obj)
    # CMSIS-NN's headers are not ours to hold to -Werror; everything else is.
    flags = [f for f in base.CFLAGS if f != "-Werror"]
    for fn, defines in CMSIS_LOOPS.items():
        obj = tmp / f"{fn}.o"
        base._run(["arm-none-eabi-gcc", *flags, *defines, f"-DBENCH_CMSIS_NN_LOOP={fn}",
                   f"-I{cmsis_include}", "-c", base.BENCH / "bench_cmsis_nn.c", "-o", obj])
        objs.append(obj)
    return objs


def link(tmp: Path, objs: list[Path], keep: tuple[str, ...]) -> tuple[Path, dict[str, int], int]:
    """An image that keeps ``keep``: (binary, symbol addresses, flash bytes)."""
    elf = tmp / f"{'_'.join(keep)}.elf"
    base._run(["arm-none-eabi-gcc", "-mthumb", "-mcpu=cortex-m0plus", "-nostdlib", "-nostartfiles",
               "-Wl,--gc-sections", f"-Wl,-e,{keep[0]}", *(f"-Wl,--undefined={k}" for k in keep),
               "-T", base.BENCH / "link.ld", *objs,
               "-Wl,--start-group", "-lm", "-lc", "-lgcc", "-Wl,--end-group", "-o", elf])
    binary = elf.with_suffix(".bin")
    base._run(["arm-none-eabi-objcopy", "-O", "binary", elf, binary])
    syms = {p[2]: int(p[0], 16) for p in (ln.split() for ln in base._run(["arm-none-eabi-nm", elf]).splitlines())
            if len(p) == 3}
    size = sum(int(ln.split()[1]) for ln in base._run(["arm-none-eabi-size", "-A", elf]).splitlines()
               if ln.startswith((".text", ".data", ".rodata")))
    return binary, syms, size


def _inputs(rng: np.random.Generator, q_hi: int) -> list[tuple[str, np.ndarray, np.ndarray, np.float32]]:
    """(name, 257 timed mantissas, N_EXACT checked mantissas, ratio) per row.

    The two random rows take the ratio of a dynamic requant to q_hi, as
    sym_requant_dynamic computes it; the tie row takes r = 1/2 and odd m, so
    every product is an exact .5: SYM rounds it away from zero, a
    fixed-point requant rounds it up (or by its own rule)."""
    rows = []
    for dist, span in (("accumulator |m| < 2^20", 1 << 20), ("any int32", (1 << 31) - 1)):
        m = rng.integers(-span, span + 1, N_EXACT).astype(np.int32)
        amax = np.float32(np.max(np.abs(m[:base.N_BIG].astype(np.int64))))
        wide = np.clip(m, -int(amax), int(amax)).astype(np.int32)  # |m| <= absmax: the ratio stays valid
        ratio = np.float32(np.float32(1.0) / np.float32(amax / np.float32(q_hi)))
        rows.append((dist, m[:base.N_BIG], wide, ratio))
    odd = (2 * rng.integers(-q_hi, q_hi, N_EXACT) + 1).astype(np.int32)
    rows.append(("ties: r = 1/2, odd |m| < 2^12", odd[:base.N_BIG], odd, np.float32(0.5)))
    return rows


def measure(tmp: Path, cmsis_include: Path, seed: int = 19) -> dict:
    """Per-element instructions, flash bytes and mismatch counts of every loop in COMPARED."""
    objs = objects(tmp, cmsis_include)
    binary, syms, _ = link(tmp, objs, COMPARED)
    cpu = base.M0(binary, syms)
    rng = np.random.default_rng(seed)
    q_hi = (1 << (base.BITS - 1)) - 1
    m_in, m_out = base.RAM + 0x1000, base.RAM + 0x4000
    x_in, x_out = base.RAM + 0x10000, base.RAM + 0x20000
    rows = {}
    for dist, m, wide, ratio in _inputs(rng, q_hi):
        cpu.write_i32(m_in, m)
        frac, exp = np.frexp(float(ratio))
        mult, shift = int(round(frac * 2 ** 31)), int(exp)
        if mult == 1 << 31:
            mult, shift = 1 << 30, shift + 1
        fixed_point = [mult, shift, -q_hi - 1, q_hi, m_out]
        calls = {
            "bench_float_ratio_loop": [base._bits(ratio), -q_hi - 1, q_hi, m_out],
            "sym_intreq_ratio_loop": [base._bits(ratio), base.BITS, m_out],
            **{fn: fixed_point for fn in ("bench_cmsis_style_loop", *CMSIS_LOOPS)},
        }
        res: dict = {}
        for fn, tail in calls.items():
            small = cpu.call(fn, [m_in, base.N_SMALL, *tail])
            big = cpu.call(fn, [m_in, base.N_BIG, *tail])
            res[fn] = (big - small) / (base.N_BIG - base.N_SMALL)
        cpu.write_i32(x_in, wide)  # bit-exactness on more elements, same multiplier
        outs = {}
        for fn, tail in calls.items():
            cpu.call(fn, [x_in, N_EXACT, *tail[:-1], x_out])
            outs[fn] = cpu.read_i32(x_out, N_EXACT)
        if not np.array_equal(outs["bench_float_ratio_loop"], outs["sym_intreq_ratio_loop"]):
            raise SystemExit(f"{dist}: the integer SYM core differs from the float32 SYM loop on the M0+")
        res["mismatches_vs_sym"] = {fn: int(np.sum(outs[fn] != outs["bench_float_ratio_loop"]))
                                    for fn in ("bench_cmsis_style_loop", *CMSIS_LOOPS)}
        res["mismatches_vs_style"] = {fn: int(np.sum(outs[fn] != outs["bench_cmsis_style_loop"])) for fn in CMSIS_LOOPS}
        res["sym_core_over"] = {fn: res["sym_intreq_ratio_loop"] / res[fn] for fn in ("bench_cmsis_style_loop", *CMSIS_LOOPS)}
        res["multiplier"], res["shift"] = mult, shift
        rows[dist] = res
    sizes = {fn: link(tmp, objs, (fn,))[2] for fn in COMPARED}
    return {"per_element": rows, "flash_bytes": sizes, "n": base.N_BIG, "n_exact": N_EXACT, "bits": base.BITS}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cmsis-nn", type=Path, required=True, help="a CMSIS-NN checkout (the directory holding Include/)")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)
    include = args.cmsis_nn / "Include"
    if not (include / "arm_nnsupportfunctions.h").is_file():
        print(f"--cmsis-nn {args.cmsis_nn}: no Include/arm_nnsupportfunctions.h there", file=sys.stderr)
        return 2
    if shutil.which("arm-none-eabi-gcc") is None:
        print("arm-none-eabi-gcc not found (apt-get install gcc-arm-none-eabi)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        out = measure(Path(tmp), include)
    for dist, res in out["per_element"].items():
        print(f"{dist}: instructions per element (M0+, -O2)")
        for fn in COMPARED:
            print(f"  {fn:28s} {res[fn]:8.1f}")
        for fn, r in res["sym_core_over"].items():
            print(f"  sym_intreq_ratio_loop / {fn}: {r:.2f}x")
        for fn, k in res["mismatches_vs_sym"].items():
            print(f"  {fn} mantissas differing from SYM: {k}/{out['n_exact']}")
        for fn, k in res["mismatches_vs_style"].items():
            print(f"  {fn} mantissas differing from the style loop: {k}/{out['n_exact']}")
    print("flash bytes (function + helpers + libgcc/newlib members):")
    for fn, size in out["flash_bytes"].items():
        print(f"  {fn:28s} {size:8d}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
