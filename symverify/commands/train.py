"""``symverify train MODEL --data ecg5000|har``: full-SYM training on real
data against the float32 twin (docs/training.md)."""
from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from pathlib import Path

import click
import numpy as np
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .options import output_file

EXIT_FAILED = 1
EXIT_BAD_INPUT = 3

_COLUMNS = (("epoch", "ep", "{}"), ("sym_loss", "loss SYM", "{:.4f}"), ("float_loss", "f32", "{:.4f}"),
            ("sym_accuracy", "acc SYM", "{:.3f}"), ("float_accuracy", "f32", "{:.3f}"),
            ("sym_balanced_accuracy", "bal SYM", "{:.3f}"), ("float_balanced_accuracy", "f32", "{:.3f}"),
            ("sym_macro_f1", "F1 SYM", "{:.3f}"), ("float_macro_f1", "f32", "{:.3f}"),
            ("sym_time_s", "s/ep", "{:.2f}"))


def _row(rec: dict) -> list[str]:
    return [fmt.format(rec[k]) if k in rec else "-" for k, _, fmt in _COLUMNS]


def _write_json(path: Path, payload: dict) -> None:
    text = json.dumps(payload, indent=2) + "\n"
    if str(path) == "-":
        sys.stdout.write(text)
        return
    fd, tmp = tempfile.mkstemp(suffix=".json", dir=path.parent)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)  # mkstemp makes 0600; the record is an ordinary file
    os.replace(tmp, path)


def _plot_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    value = output_file(ctx, param, value)
    if value is not None:
        if str(value) == "-" or value.suffix.lower() != ".png":
            raise click.BadParameter(f"{str(value)!r}: expected a .png file path", ctx, param)
        from symverify.training.plots import MissingExtraError, require_matplotlib
        try:
            require_matplotlib()
        except MissingExtraError as exc:
            raise click.BadParameter(str(exc), ctx, param) from None
    return value


def _learning_rate(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not (math.isfinite(value) and 0 < np.float32(value) < np.float32(np.inf)):
        raise click.BadParameter(f"{value!r}: expected a positive, finite float32", ctx, param)
    return value


@click.command("train")
@click.argument("model", type=click.Path(path_type=Path))  # the loader names a missing file (exit 3)
@click.option("--data", "data_name", type=click.Choice(["ecg5000", "har", "basicmotions"]), required=True,
              help="Data set (ecg5000, har: the 'examples' extra; basicmotions: the 'basicmotions' extra).")
@click.option("--epochs", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True,
              help="Parameter init, batch order and the SR RNG.")
@click.option("--lr", type=float, default=None, callback=_learning_rate,
              help="Learning rate (default: the model file's [training] lr).")
@click.option("--batch", type=click.IntRange(min=1), default=None, help="Batch size (default: [training] batch).")
@click.option("--backend", type=click.Choice(["kernels", "emulate"]), default="kernels", show_default=True,
              help="C kernels through cffi, or the numpy float32 emulator.")
@click.option("--eval-batch", type=click.IntRange(min=1), default=1, show_default=True,
              help="Rows per SYM test forward (1: one scale per sample, as on the device).")
@click.option("--eval-every", type=click.IntRange(min=1), default=1, show_default=True,
              help="Evaluate on the test split every N epochs (and after the last).")
@click.option("--n-train", type=click.IntRange(min=1), default=None, help="Use a seeded subset of the training split.")
@click.option("--n-test", type=click.IntRange(min=1), default=None, help="Use a seeded subset of the test split.")
@click.option("--no-twin", is_flag=True, help="Skip the float32 twin.")
@click.option("--twin", "float_twin", type=click.Choice(["auto", "numpy", "torch"]), default="auto",
              show_default=True, help="float32 twin: numpy, torch (the 'torch' extra) or auto (torch if installed).")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              callback=output_file, help="Write the per-epoch history, config and confusion matrices to FILE.")
@click.option("--plot", "plot_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              callback=_plot_file, help="Write loss / accuracy curves and the confusion matrix to FILE.png.")
def train(model: Path, data_name: str, epochs: int, seed: int, lr: float | None, batch: int | None, backend: str,
          eval_batch: int, eval_every: int, n_train: int | None, n_test: int | None, no_twin: bool,
          json_file: Path | None, plot_file: Path | None, float_twin: str = "auto") -> None:
    """Train the model file MODEL in full SYM (forward, loss, backward, SGD
    with SR write-back, all through the chosen backend) and its float32 twin
    (same initial values, batches and learning rate; numpy, or PyTorch with
    the 'torch' extra); print a per-epoch table.

    Exit 0 done, 1 a kernel refused a training step (a loss or scale that
    left float32: the epoch, step and status are named), 2 usage error, 3 bad
    model file, a layer kind without a training step, a model whose input does
    not match the data, missing data or --twin torch without torch (names the
    extra to install)."""
    import symverify as sv
    from symverify.model.factory import ModelFileError
    from symverify.training import MissingExtraError, TrainingError, load_dataset, run
    from symverify.training.data import DataFileError

    to_stderr = json_file is not None and str(json_file) == "-"
    console = Console(stderr=to_stderr)
    if not console.is_terminal:  # a log: no 80-column cut of the table
        console = Console(stderr=to_stderr, width=120)

    def fail(msg: str) -> None:
        console.print(f"[red]error:[/] {escape(msg)}", soft_wrap=True)
        sys.exit(EXIT_BAD_INPUT)

    try:
        data = load_dataset(data_name)
    except (MissingExtraError, DataFileError) as exc:
        fail(str(exc))
    if n_train or n_test:
        data = data.subset(n_train, n_test, seed)
    twin_name = "none" if no_twin else float_twin
    if twin_name == "auto":
        from symverify.training.torch_twin import torch_available
        twin_name = "torch" if torch_available() else "numpy"
    title = (f"{escape(str(model))} on {data_name}: {len(data.y_train)} train / {len(data.y_test)} test, "
             f"backend {backend}, seed {seed}, float32 twin {twin_name}")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=title)
    for _, head, _ in _COLUMNS:
        table.add_column(head, justify="right", no_wrap=True)
    with Progress(TextColumn("epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("train", total=None, epoch=1)

        def on_step(i: int, n: int) -> None:
            progress.update(task, completed=i, total=n)

        def on_epoch(rec: dict) -> None:
            table.add_row(*_row(rec))
            progress.update(task, completed=0, epoch=rec["epoch"] + 1)

        try:
            result = run(model, data, getattr(sv, backend), epochs, seed, lr=lr, batch=batch, eval_batch=eval_batch,
                         eval_every=eval_every, twin=not no_twin, float_twin=float_twin, on_step=on_step,
                         on_epoch=on_epoch)
        except MissingExtraError as exc:   # --twin torch without torch
            fail(str(exc))
        except TrainingError as exc:
            console.print(f"[red]FAILED:[/] {escape(str(exc))}", soft_wrap=True)
            sys.exit(EXIT_FAILED)
        except ModelFileError as exc:
            fail(str(exc))
        except ValueError as exc:  # a kind without a training step, features that do not match the data
            if isinstance(exc, sv.SymError):
                raise
            fail(str(exc))
    console.print(table)
    payload = {"config": result.config, "epochs": result.epochs, "final": result.final,
               "confusion": result.confusion, "classes": data.classes}
    if json_file is not None:
        _write_json(json_file, payload)
    if plot_file is not None:
        from symverify.training.plots import plot_run
        plot_run(payload, plot_file, data.classes)
        console.print(f"plot: {escape(str(plot_file))}")
