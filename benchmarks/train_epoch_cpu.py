"""CPU seconds (``time.process_time``) of one training epoch of the CNN
examples: SYM on the C kernels, SYM on the emulator, the float32 twin
(docs/training.md). CPU time, not wall time, so the figure holds on a
machine shared with other jobs.

    python benchmarks/train_epoch_cpu.py [--json F]

Needs the examples extra (pip install -e '.[examples]').
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import symverify as sv
from symverify.model import TrainConfig, build_model
from symverify.training import SymTrainer, load_dataset, one_hot
from symverify.training.loop import epoch_batches, model_inputs
from symverify.training.twin import FloatTwin

ROOT = Path(__file__).resolve().parent.parent
MODELS = {"ecg5000": ROOT / "examples" / "ecg5000_cnn.toml", "har": ROOT / "examples" / "har_cnn.toml"}


def epoch_cpu(name: str, model_file: Path) -> dict:
    """CPU seconds of epoch 1 (seed 0) per backend, after one warm-up step."""
    data = load_dataset(name)
    rec: dict = {}
    for backend in (sv.kernels, sv.emulate):
        m = build_model(model_file, backend, seed=0)
        tr = SymTrainer(m, backend, TrainConfig.from_model(m), data.n_classes, 0)
        x = model_inputs(m, data.x_train)
        steps = epoch_batches(len(x), int(m.training.get("batch", 16)), 1, 0)
        tr.step(x[steps[0]], data.y_train[steps[0]])  # loads the library
        t0 = time.process_time()
        for idx in steps:
            tr.step(x[idx], data.y_train[idx])
        rec[backend.__name__.rsplit(".", 1)[1]] = time.process_time() - t0
    m = build_model(model_file, sv.kernels, seed=0)
    twin, targets = FloatTwin(m), one_hot(data.y_train, data.n_classes)
    t0 = time.process_time()
    for idx in steps:
        twin.step(x[idx], targets[idx], float(m.training.get("lr", 0.05)))
    rec["twin"] = time.process_time() - t0
    rec["steps"] = len(steps)
    return rec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    out = {}
    for name, f in MODELS.items():
        out[name] = epoch_cpu(name, f)
        print(name, {k: round(v, 3) if isinstance(v, float) else v for k, v in out[name].items()}, flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
