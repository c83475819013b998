"""Training runs on a :class:`~symverify.training.data.Dataset`: full SYM on a
backend and the float32 twin, with the same initial values, batches and
learning rate.

Loss: the model's (:attr:`Model.loss_kind`): ``cross_entropy_loss`` with
class-index targets for a model ending softmax -> cross_entropy, else MSE
against the one-hot class vector (``mse_loss``). Predictions are the argmax
of the output row (of the logits, before a softmax); SYM evaluation runs HALF_AWAY with no RNG, ``eval_batch`` rows
per forward (default 1: one scale per sample, as on the device).
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from symverify.model.chain import TrainConfig
from symverify.model.factory import Model, build_model
from symverify.errors import SymError
from symverify.types import HALF_AWAY, Rng

from . import sym_ops
from .data import Dataset
from .metrics import confusion, scores
from .torch_twin import make_twin


class TrainingError(RuntimeError):
    """A kernel refused a training step (e.g. a loss or scale that left float32
    after a too large learning rate): names the epoch, the step and the status."""


def one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    """float32 ``[N, n_classes]`` one-hot rows."""
    out = np.zeros((len(y), n_classes), dtype=np.float32)
    out[np.arange(len(y)), np.asarray(y, dtype=np.int64)] = 1.0
    return out


def _mse_onehot(backend: Any, y: Any, labels: np.ndarray, n_classes: int, cfg: TrainConfig, rng: Rng | None):
    return backend.mse_loss(y, one_hot(labels, n_classes), cfg.grad_bits, rounding=cfg.rounding,
                            rng_state=sym_ops.rng_for(cfg.rounding, rng))


def _cross_entropy(backend: Any, p: Any, labels: np.ndarray, n_classes: int, cfg: TrainConfig, rng: Rng | None,
                   layer: Any = None):
    grad_bits = cfg.grad_bits if layer is None or layer.grad_bits is None else layer.grad_bits
    reduction = "mean" if layer is None else layer.reduction
    return backend.cross_entropy_loss(p, np.asarray(labels, dtype=np.int32), grad_bits, reduction,
                                      rounding=cfg.rounding, rng_state=sym_ops.rng_for(cfg.rounding, rng))


#: loss kinds: (backend, y, labels, n_classes, cfg, rng) -> (loss, dy)
LOSSES: dict[str, Callable] = {"mse": _mse_onehot, "cross_entropy": _cross_entropy}


def epoch_batches(n: int, batch: int, epoch: int, seed: int) -> list[np.ndarray]:
    """Row indices of every step of an epoch: a permutation seeded by (seed,
    epoch), cut into batches (the last one may be shorter)."""
    perm = np.random.default_rng([seed, epoch]).permutation(n)
    return [perm[i:i + batch] for i in range(0, n, batch)]


def model_inputs(model: Model, x: np.ndarray) -> np.ndarray:
    """The float32 input the first layer takes: ``[N, C, L]`` for a Conv1d
    first layer (C and L must match), ``[N, C*L]`` (flattened) for a Linear or
    LayerNorm first layer (its feature count must match)."""
    if len(model.input_shape) == 2:
        if x.ndim != 3 or tuple(x.shape[1:]) != model.input_shape:
            raise ValueError(f"model {model.path}: its first layer takes {model.input_shape[0]} channels x "
                             f"{model.input_shape[1]} samples, the data has shape {tuple(x.shape[1:])}")
        return np.ascontiguousarray(x, dtype=np.float32)
    flat = np.ascontiguousarray(x.reshape(len(x), -1), dtype=np.float32)
    if flat.shape[1] != model.in_features:
        raise ValueError(f"model {model.path}: its first layer takes {model.in_features} features, the data "
                         f"has {x.shape[1]} channels x {x.shape[2]} samples = {flat.shape[1]}")
    return flat


class SymTrainer:
    """Full-SYM training of a factory model on one backend."""

    def __init__(self, model: Model, backend: Any, cfg: TrainConfig, n_classes: int, seed: int,
                 loss: str | None = None) -> None:
        """``loss`` defaults to the model's (:attr:`Model.loss_kind`: a
        trailing cross_entropy layer, else MSE against the one-hot class)."""
        sym_ops.check_trainable(model)
        loss = model.loss_kind if loss is None else loss
        if loss not in LOSSES:
            raise ValueError(f"loss {loss!r}: expected one of {', '.join(LOSSES)}")
        self.model, self.backend, self.cfg, self.n_classes = model, backend, cfg, n_classes
        last = model.layers[-1]
        self.loss = (lambda *a: LOSSES[loss](*a, layer=last)) if last.kind == loss else LOSSES[loss]
        self.rng = Rng(seed)

    def step(self, x: np.ndarray, labels: np.ndarray) -> tuple[np.float32, dict]:
        """One step (forward, loss, backward, SGD write-back); returns the
        batch loss and the parameter gradients."""
        b, m = self.backend, self.model
        xs = b.float_to_sym(x, m.input_bits, HALF_AWAY)
        y, kept = sym_ops.forward(m, b, xs, self.cfg, self.rng)
        loss, dy = self.loss(b, y, labels, self.n_classes, self.cfg, self.rng)
        grads = sym_ops.backward(m, b, kept, dy, self.cfg, self.rng)
        sym_ops.sgd(m, b, grads, self.cfg, self.rng)
        return np.float32(loss), grads

    def predict(self, x: np.ndarray, eval_batch: int = 1) -> np.ndarray:
        """Class indices, HALF_AWAY everywhere, no RNG, ``eval_batch`` rows per forward."""
        ha = TrainConfig(self.cfg.lr, self.cfg.grad_bits, HALF_AWAY, HALF_AWAY, self.cfg.order)
        out = []
        for i in range(0, len(x), eval_batch):
            xs = self.backend.float_to_sym(x[i:i + eval_batch], self.model.input_bits, HALF_AWAY)
            y, _ = sym_ops.forward(self.model, self.backend, xs, ha, None, logits=True)
            out.append(np.argmax(y.mantissas, axis=1))  # one positive scale per tensor: argmax of mantissas
        return np.concatenate(out)


@dataclass
class RunResult:
    """Per-epoch history of both runs, final metrics and confusion matrices."""

    epochs: list[dict] = field(default_factory=list)
    final: dict = field(default_factory=dict)
    confusion: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    #: ``keep_best``: test metrics at each run's epoch of lowest training loss (``sym_epoch``, ``float_epoch``)
    best: dict = field(default_factory=dict)


def run(model_file: str | Path, data: Dataset, backend: Any, epochs: int, seed: int, *, lr: float | None = None,
        batch: int | None = None, eval_batch: int = 1, eval_every: int = 1, twin: bool = True,
        float_twin: str = "auto", keep_best: bool = False, on_step: Callable[[int, int], None] | None = None,
        on_epoch: Callable[[dict], None] | None = None) -> RunResult:
    """Train ``model_file`` on ``data`` for ``epochs`` epochs in full SYM on
    ``backend`` and (``twin``) in float32 from the same start; evaluate on the
    test split every ``eval_every`` epochs and after the last. ``lr`` / ``batch`` default to the model
    file's ``[training]`` values. ``float_twin``: ``numpy``, ``torch`` or
    ``auto`` (torch when installed; :func:`~symverify.training.torch_twin.make_twin`),
    recorded in ``config["float_twin"]``. ``keep_best``: also keep each run's
    parameters of the epoch with the lowest mean training loss (training data
    only: the same rule for SYM and float32, test data never decides) and
    put their test metrics into ``best``. ``on_step(step, steps_per_epoch)`` and
    ``on_epoch(record)`` report progress. A step a kernel refuses raises
    :class:`TrainingError`."""
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if eval_every < 1:
        raise ValueError(f"eval_every must be >= 1, got {eval_every}")
    model = build_model(model_file, backend, seed=seed)
    cfg = TrainConfig.from_model(model, **({} if lr is None else {"lr": lr}))
    batch = int(batch or model.training.get("batch", 16))
    x_tr, x_te = model_inputs(model, data.x_train), model_inputs(model, data.x_test)
    ftwin = make_twin(model, float_twin) if twin else None
    sym = SymTrainer(model, backend, cfg, data.n_classes, seed)
    targets = one_hot(data.y_train, data.n_classes)
    best_sym: tuple[float, int, Any] | None = None     # (training loss, epoch, model snapshot)
    best_float: tuple[float, int, Any] | None = None
    result = RunResult(config={"model": str(model.path), "data": data.name, "epochs": epochs, "seed": seed,
                               "lr": cfg.lr, "batch": batch, "eval_batch": eval_batch, "eval_every": eval_every,
                               "n_train": len(x_tr), "n_test": len(x_te), "backend": backend.__name__,
                               "loss": model.loss_kind, "float_twin": None if ftwin is None else ftwin.name})
    for epoch in range(1, epochs + 1):
        steps = epoch_batches(len(x_tr), batch, epoch, seed)
        t0 = time.perf_counter()
        sym_losses, float_losses, float_time = [], [], 0.0
        for i, idx in enumerate(steps):
            try:
                loss, _ = sym.step(x_tr[idx], data.y_train[idx])
            except SymError as exc:
                raise TrainingError(f"SYM training stopped at epoch {epoch}, step {i + 1} of {len(steps)} "
                                    f"(lr {cfg.lr}): {exc}") from exc
            sym_losses.append(float(loss))
            if ftwin is not None:
                t1 = time.perf_counter()
                float_losses.append(float(ftwin.step(x_tr[idx], targets[idx], cfg.lr)))
                float_time += time.perf_counter() - t1
            if on_step:
                on_step(i + 1, len(steps))
        sym_time = time.perf_counter() - t0 - float_time
        rec = {"epoch": epoch, "steps": len(steps), "sym_loss": float(np.mean(sym_losses)), "sym_time_s": sym_time}
        if ftwin is not None:
            rec.update({"float_loss": float(np.mean(float_losses)), "float_time_s": float_time})
        if keep_best:
            if best_sym is None or rec["sym_loss"] < best_sym[0]:
                best_sym = (rec["sym_loss"], epoch, copy.deepcopy(model))
            if ftwin is not None and (best_float is None or rec["float_loss"] < best_float[0]):
                best_float = (rec["float_loss"], epoch, copy.deepcopy(ftwin))
        if epoch % eval_every == 0 or epoch == epochs:
            pred = sym.predict(x_te, eval_batch)
            rec.update({f"sym_{k}": v for k, v in scores(data.y_test, pred, data.n_classes).items()})
            if ftwin is not None:
                fpred = ftwin.predict(x_te)
                rec.update({f"float_{k}": v for k, v in scores(data.y_test, fpred, data.n_classes).items()})
        result.epochs.append(rec)
        if on_epoch:
            on_epoch(rec)
    result.final = {k: v for k, v in result.epochs[-1].items() if k.endswith(("accuracy", "f1", "loss"))}
    result.confusion["sym"] = confusion(data.y_test, pred, data.n_classes).tolist()
    if ftwin is not None:
        result.confusion["float"] = confusion(data.y_test, fpred, data.n_classes).tolist()
    if best_sym is not None:
        snap = SymTrainer(best_sym[2], backend, cfg, data.n_classes, seed)
        pred = snap.predict(x_te, eval_batch)
        result.best = {"sym_epoch": best_sym[1], "sym_train_loss": best_sym[0],
                       **{f"sym_{k}": v for k, v in scores(data.y_test, pred, data.n_classes).items()}}
        if best_float is not None:
            fpred = best_float[2].predict(x_te)
            result.best.update({"float_epoch": best_float[1], "float_train_loss": best_float[0],
                                **{f"float_{k}": v for k, v in scores(data.y_test, fpred, data.n_classes).items()}})
    return result
