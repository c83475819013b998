"""Errors of the step counter (kept apart so that step.py and f32ref.py share them)."""
from __future__ import annotations

__all__ = ["StepError"]


class StepError(ValueError):
    """The model cannot be counted (a layer kind without a step, a step call
    no harness runs or no vector encodes, a float value the C reference
    cannot hold); names the model, layer or kernel."""
