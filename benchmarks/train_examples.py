"""Full-SYM training vs the float32 twin on the real examples (docs/training.md):
several seeds, mean +- std of accuracy, balanced accuracy and macro-F1 on the
test split at the last epoch and at each run's epoch of lowest training loss
(the same rule for SYM and float32, training data only), wall time per
epoch, the memory per step; figures of seed 0.

    python benchmarks/train_examples.py [--data ecg5000 har] [--models mlp cnn] [--seeds 5]
        [--epochs 30] [--lr LR] [--figures docs] [--json results.json]

--first-seed / --partial split a long run over processes. --epochs / --lr
default to each model's own (EPOCHS below; the model file's
[training] lr). Figures: training_<data>.png (MLP), training_<data>_cnn.png.

Needs the examples extra (pip install -e '.[examples]').
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

import symverify as sv
from symverify.model import build_model
from symverify.training import load_dataset, run
from symverify.training.memory import markdown_table, step_memory

ROOT = Path(__file__).resolve().parent.parent
MODELS = {("ecg5000", "mlp"): ROOT / "examples" / "ecg5000_mlp.toml", ("har", "mlp"): ROOT / "examples" / "har_mlp.toml",
          ("ecg5000", "cnn"): ROOT / "examples" / "ecg5000_cnn.toml", ("har", "cnn"): ROOT / "examples" / "har_cnn.toml",
          ("basicmotions", "cnn"): ROOT / "examples" / "basicmotions_cnn.toml"}
#: epochs per model when --epochs is not given (enough to converge, docs/training.md)
EPOCHS = {("ecg5000", "mlp"): 30, ("har", "mlp"): 30, ("ecg5000", "cnn"): 40, ("har", "cnn"): 15,
          ("basicmotions", "cnn"): 60}
METRICS = ("accuracy", "balanced_accuracy", "macro_f1")


def _ms(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} ± {sd:.4f}"


def bench(name: str, kind: str, seeds: int, epochs: int, lr: float | None, figures: Path | None,
          eval_every: int, first_seed: int = 0, emulator: bool = True, partial: Path | None = None,
          twin: str = "numpy") -> dict:
    """Seeds first_seed .. first_seed + seeds - 1; ``partial``: the runs so far
    are rewritten there after every seed (a long run can be split over
    processes and stopped without losing finished seeds)."""
    data = load_dataset(name)
    model_file = MODELS[(name, kind)]
    runs = []
    for seed in range(first_seed, first_seed + seeds):
        t0 = time.perf_counter()
        c0 = time.process_time()
        r = run(model_file, data, sv.kernels, epochs, seed, lr=lr, eval_every=eval_every, float_twin=twin,
                keep_best=True)
        runs.append({"seed": seed, "epochs": r.epochs, "final": r.final, "best": r.best, "confusion": r.confusion,
                     "config": r.config, "wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0})
        b = r.best
        print(f"  {name} {kind} seed {seed}: last epoch SYM acc {r.final['sym_accuracy']:.4f}, f32 "
              f"{r.final['float_accuracy']:.4f}; lowest training loss: SYM epoch {b['sym_epoch']} acc "
              f"{b['sym_accuracy']:.4f}, f32 epoch {b['float_epoch']} acc {b['float_accuracy']:.4f} "
              f"({runs[-1]['cpu_s']:.1f} s CPU)", flush=True)
        if partial is not None:
            partial.write_text(json.dumps({"data": name, "model": kind, "runs": runs}, indent=1) + "\n")
    emu_s = float("nan")
    if emulator:  # one epoch on the emulator, for its time per epoch
        t0 = time.perf_counter()
        emu = run(model_file, data, sv.emulate, 1, 0, lr=lr, twin=False)
        emu_s = emu.epochs[0]["sym_time_s"]
        print(f"  {name} {kind} emulator, 1 epoch: {time.perf_counter() - t0:.1f} s", flush=True)
    if figures is not None and first_seed == 0:
        from symverify.training.plots import plot_run
        stem = f"training_{name}" + ("" if kind == "mlp" else f"_{kind}")
        plot_run({**runs[0], "classes": data.classes}, figures / f"{stem}.png", data.classes)
    model = build_model(model_file, sv.kernels)
    return {"data": name, "model": kind, "model_file": model_file.name, "n_train": len(data.y_train), "n_test": len(data.y_test), "classes": data.classes,
            "majority": float(np.bincount(data.y_test).max() / len(data.y_test)), "seeds": seeds,
            "epochs": epochs, "lr": runs[0]["config"]["lr"], "batch": runs[0]["config"]["batch"], "runs": runs,
            "emulator_epoch_s": emu_s, "memory_md": markdown_table(step_memory(model, runs[0]["config"]["batch"]))}


def report(res: dict) -> str:
    runs = res["runs"]
    out = [f"### {res['data']} {res['model']} ({res['model_file']}): {res['n_train']} train / {res['n_test']} test, {res['epochs']} epochs, "
           f"batch {res['batch']}, lr {res['lr']}, {res['seeds']} seeds (majority class {res['majority']:.3f})", "",
           "| metric (test, last epoch) | SYM (C kernels) | float32 twin | SYM - float32 |", "|---|---:|---:|---:|"]
    for m in METRICS:
        s = [r["final"][f"sym_{m}"] for r in runs]
        f = [r["final"][f"float_{m}"] for r in runs]
        out.append(f"| {m} | {_ms(s)} | {_ms(f)} | {_ms([a - b for a, b in zip(s, f)])} |")
    if all(r.get("best") for r in runs):
        out += ["", "| metric (test, epoch of lowest training loss) | SYM (C kernels) | float32 twin | SYM - float32 |",
                "|---|---:|---:|---:|"]
        for m in METRICS:
            s = [r["best"][f"sym_{m}"] for r in runs]
            f = [r["best"][f"float_{m}"] for r in runs]
            out.append(f"| {m} | {_ms(s)} | {_ms(f)} | {_ms([a - b for a, b in zip(s, f)])} |")
        out += ["", "Per seed, accuracy SYM / float32 (difference) at the last epoch; at the epoch of lowest "
                "training loss (SYM epoch, float32 epoch):", ""]
        for r in runs:
            fin, b = r["final"], r["best"]
            out.append(f"- seed {r['seed']}: last {fin['sym_accuracy']:.4f} / {fin['float_accuracy']:.4f} "
                       f"({fin['sym_accuracy'] - fin['float_accuracy']:+.4f}); best-loss {b['sym_accuracy']:.4f} / "
                       f"{b['float_accuracy']:.4f} ({b['sym_accuracy'] - b['float_accuracy']:+.4f}; epochs "
                       f"{b['sym_epoch']}, {b['float_epoch']})")
    st = [e["sym_time_s"] for r in runs for e in r["epochs"]]
    ft = [e["float_time_s"] for r in runs for e in r["epochs"]]
    steps = runs[0]["epochs"][0]["steps"]
    out += ["", f"Wall time per epoch ({steps} steps, training only): SYM on the C kernels "
            f"{statistics.mean(st):.3f} s, SYM on the emulator {res['emulator_epoch_s']:.3f} s, "
            f"float32 twin {statistics.mean(ft):.3f} s.", "",
            f"Memory per training step (batch {res['batch']}), bytes sym32 / float32 / packed:", "",
            res["memory_md"], ""]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", nargs="+", choices=sorted({d for d, _ in MODELS}), default=["ecg5000", "har"],
                    help="basicmotions needs the basicmotions extra")
    ap.add_argument("--models", nargs="+", choices=sorted({k for _, k in MODELS}), default=["mlp", "cnn"])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=0, help="seeds FIRST .. FIRST+SEEDS-1 (split a run)")
    ap.add_argument("--no-emulator", action="store_true", help="skip the emulator epoch (its time per epoch)")
    ap.add_argument("--partial", type=Path, default=None, help="rewrite the finished runs here after every seed")
    ap.add_argument("--epochs", type=int, default=None, help="default: per model (EPOCHS)")
    ap.add_argument("--lr", type=float, default=None, help="default: the model file's [training] lr")
    ap.add_argument("--eval-every", type=int, default=5, help="test-split evaluation every N epochs")
    ap.add_argument("--figures", type=Path, default=None, help="write training_<data>.png (seed 0) here")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--twin", choices=["numpy", "torch", "auto"], default="numpy",
                    help="float32 twin (default numpy: the one the tables of docs/training.md use)")
    args = ap.parse_args()
    if args.seeds < 1 or (args.epochs is not None and args.epochs < 1):
        ap.error(f"--seeds and --epochs must be >= 1, got {args.seeds}, {args.epochs}")
    results = []
    for kind in args.models:
        for n in args.data:
            if (n, kind) not in MODELS:
                continue   # BasicMotions has a CNN only
            epochs = args.epochs or EPOCHS[(n, kind)]
            results.append(bench(n, kind, args.seeds, epochs, args.lr, args.figures, args.eval_every,
                                 args.first_seed, not args.no_emulator, args.partial, args.twin))
            print(report(results[-1]), flush=True)  # each table as soon as it is done
    print()
    for res in results:
        print(report(res))
    if args.json:
        args.json.write_text(json.dumps([{k: v for k, v in r.items() if k != "memory_md"} for r in results],
                                        indent=1) + "\n")


if __name__ == "__main__":
    main()
