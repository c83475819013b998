"""Instruction counts on Cortex-M0+/M4/M7 (unicorn): per kernel on the golden
vectors and per training sample of the example models, SYM against the
float32 C step on the same core. Prints the markdown tables of
docs/cortex-m.md "Instruction counts".

    python benchmarks/icount_step.py [--model examples/ecg5000_mlp.toml ...] [--cpu m0plus,m4,m7]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from symverify import xtarget as xt
from symverify.icount.step import count_step
from symverify.icount.vectors import count_family, kernel_stats

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def kernel_table(cores: list[xt.Core], tools: xt.Tools) -> None:
    rows: dict[str, dict[str, str]] = {}
    for core in cores:
        counts = [count_family(core, f, tools) for f in xt.FAMILIES]
        bad = [f"{fc.core}/{fc.family}: {fc.problems()}" for fc in counts if not fc.ok]
        if bad:
            raise SystemExit("not bit-exact on unicorn: " + "; ".join(bad))
        for s in kernel_stats(counts):
            rows.setdefault(s.kernel, {})[core.key] = f"{s.median:,} ({s.min:,}-{s.max:,})"
            rows[s.kernel]["calls"] = str(s.ok_calls)
    print("| kernel | ok calls | " + " | ".join(c.key for c in cores) + " |")
    print("|---|---:|" + "---:|" * len(cores))
    for kernel, r in rows.items():
        print(f"| `{kernel}` | {r['calls']} | " + " | ".join(r.get(c.key, "-") for c in cores) + " |")


def step_table(model: Path, cores: list[xt.Core], tools: xt.Tools) -> None:
    results = count_step(model, cores, tools)
    bad = [f"{r.core}: {r.sym_problems + r.f32_problems}" for r in results if not r.ok]
    if bad:
        raise SystemExit(f"{model}: not bit-exact: " + "; ".join(bad))
    print(f"\n`{model.name}` (one sample):\n")
    print("| call | kernel | " + " | ".join(r.core for r in results) + " |")
    print("|---|---|" + "---:|" * len(results))
    for i, (label, kernel, _) in enumerate(results[0].sym_calls):
        print(f"| {label} | `{kernel}` | " + " | ".join(f"{r.sym_calls[i][2]:,}" for r in results) + " |")
    print("| **SYM step** | sum | " + " | ".join(f"**{r.sym_instructions:,}**" for r in results) + " |")
    print(f"| **float32 step** | `{results[0].f32_function}` | " + " | ".join(f"**{r.f32_instructions:,}**" for r in results) + " |")
    print("| SYM / float32 | | " + " | ".join(f"{r.sym_instructions / r.f32_instructions:.1f}x" for r in results)
          + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, action="append",
                    help="model file (repeatable; default: the ECG5000 and HAR MLPs and CNNs)")
    ap.add_argument("--cpu", default=None, help="comma-separated cores (default: all three)")
    ap.add_argument("--no-kernels", action="store_true", help="skip the per-kernel table")
    args = ap.parse_args()
    cores = xt.parse_cores(args.cpu)
    tools = xt.find_tools()
    t0 = time.perf_counter()
    if not args.no_kernels:
        kernel_table(cores, tools)
    for model in args.model or [EXAMPLES / f for f in ("ecg5000_mlp.toml", "har_mlp.toml", "ecg5000_cnn.toml",
                                                       "har_cnn.toml")]:
        step_table(model, cores, tools)
    print(f"\n({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
