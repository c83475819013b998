"""Train the chain of examples/chain.toml (Linear -> Quant -> LayerNorm ->
Quant -> Linear) in full SYM on a synthetic regression task and compare with
the same network in float32 (same init, batches, lr). Prints the table used
in docs/training.md.

    python benchmarks/train_chain.py [--steps 600] [--every 50] [--lr 0.05]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import symverify as sv
from symverify.model import TrainConfig, build_model, synthetic_regression, train, train_float

CHAIN = Path(__file__).resolve().parent.parent / "examples" / "chain.toml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--every", type=int, default=50)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--n", type=int, default=256, help="training rows (the same number of held-out rows)")
    args = ap.parse_args()

    x_all, y_all = synthetic_regression(2 * args.n, 4, 2, seed=1)
    x, y, xt, yt = x_all[:args.n], y_all[:args.n], x_all[args.n:], y_all[args.n:]
    runs = {}
    for name, backend in (("SYM (C kernels)", sv.kernels), ("SYM (emulator)", sv.emulate)):
        m = build_model(CHAIN, backend)
        cfg = TrainConfig.from_model(m, **({} if args.lr is None else {"lr": args.lr}))
        t0 = time.perf_counter()
        r = train(m, backend, x, y, args.steps, args.batch, cfg, seed=0, every=args.every)
        r["time"] = time.perf_counter() - t0
        r["test"] = train(m, backend, xt, yt, 0, args.batch, cfg, every=1)["curve"][-1][1]
        runs[name] = r
    lr = cfg.lr
    f = train_float(build_model(CHAIN, sv.kernels), x, y, args.steps, args.batch, lr, every=args.every)
    f_test = f["net"].loss(xt, yt)
    c, e = runs["SYM (C kernels)"], runs["SYM (emulator)"]
    same = c["losses"] == e["losses"] and c["rng_state"] == e["rng_state"] and c["curve"] == e["curve"]

    print(f"chain {CHAIN.name}: {args.steps} steps, batch {args.batch}, lr {lr}, {args.n} train rows, "
          f"full-data MSE every {args.every} steps")
    print(f"C vs emulator bit-exact over all {args.steps} steps (per-step loss bits, RNG state): {same}")
    print()
    print("| step | SYM MSE | float32 MSE | SYM / float32 |")
    print("|---:|---:|---:|---:|")
    for (t, s), (_, fl) in zip(c["curve"], f["curve"]):
        print(f"| {t} | {s:.5f} | {fl:.5f} | {s / fl:.3f} |")
    print(f"| held-out | {c['test']:.5f} | {f_test:.5f} | {c['test'] / f_test:.3f} |")
    print()
    print(f"time: C {c['time']:.2f} s, emulator {e['time']:.2f} s ({args.steps} steps each)")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
