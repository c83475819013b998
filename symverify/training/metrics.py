"""Classification metrics on integer labels (numpy only; no scikit-learn needed)."""
from __future__ import annotations

import numpy as np


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """``[n_classes, n_classes]`` int64 counts, row = true class, column = predicted."""
    y_true, y_pred = np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_pred: shape {y_pred.shape} differs from y_true's {y_true.shape}")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and (y.min() < 0 or y.max() >= n_classes):
            raise ValueError(f"{name}: labels must be in 0..{n_classes - 1}, got {y.min()}..{y.max()}")
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (y_true, y_pred), 1)
    return m


def scores(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> dict[str, float]:
    """``accuracy``, ``balanced_accuracy`` (mean recall over the classes present
    in ``y_true``) and ``macro_f1`` (mean F1 over the classes present in
    ``y_true`` or ``y_pred``; F1 = 0 where precision + recall = 0)."""
    m = confusion(y_true, y_pred, n_classes)
    tp = np.diag(m).astype(np.float64)
    support, predicted = m.sum(axis=1), m.sum(axis=0)
    total = m.sum()
    present = support > 0
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=present)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    used = present | (predicted > 0)
    return {"accuracy": float(tp.sum() / total) if total else 0.0,
            "balanced_accuracy": float(recall[present].mean()) if present.any() else 0.0,
            "macro_f1": float(f1[used].mean()) if used.any() else 0.0}
