"""PNG figures of a training run (matplotlib, from the ``examples`` extra)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .data import INSTALL_HINT, MissingExtraError


def require_matplotlib() -> None:
    """Raise :class:`MissingExtraError` naming the extra if matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError(f"--plot needs matplotlib (the 'examples' extra): {INSTALL_HINT}") from exc


def plot_run(result: dict, path: str | Path, classes: list[str]) -> None:
    """Loss and accuracy per epoch (SYM against float32) and the SYM test
    confusion matrix, written to ``path`` (PNG) via a temporary file, so a
    failed write leaves nothing behind."""
    require_matplotlib()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    loss = {"cross_entropy": "cross entropy"}.get(result.get("config", {}).get("loss", "mse"), "MSE, one-hot")
    for key, ax, title in (("loss", axes[0], f"training loss ({loss})"),
                           ("accuracy", axes[1], "test accuracy")):
        for side, style, label in (("sym", "o-", "SYM"), ("float", "s--", "float32")):
            pts = [(r["epoch"], r[f"{side}_{key}"]) for r in result["epochs"] if f"{side}_{key}" in r]
            if pts:  # accuracy only on evaluated epochs
                ax.plot(*zip(*pts), style, label=label, markersize=3)
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.legend()
        ax.grid(alpha=0.3)
    cm = result["confusion"]["sym"]
    axes[2].imshow(cm, cmap="Blues")
    for i, row in enumerate(cm):
        for j, v in enumerate(row):
            axes[2].text(j, i, str(v), ha="center", va="center", fontsize=8)
    axes[2].set_xticks(range(len(classes)), classes, rotation=45, ha="right", fontsize=8)
    axes[2].set_yticks(range(len(classes)), classes, fontsize=8)
    axes[2].set_xlabel("predicted")
    axes[2].set_ylabel("true")
    axes[2].set_title("SYM test confusion matrix")
    cfg = result.get("config", {})
    fig.suptitle(f"{Path(str(cfg.get('model', ''))).name} on {cfg.get('data', '')}, seed {cfg.get('seed', '')}")
    fig.tight_layout()
    path = Path(path)
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=110, format="png")
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a plot is an ordinary file
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)
