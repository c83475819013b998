"""The model layer: a factory for models from TOML model files, an opt-in
validator, the full-SYM training chain over a backend and a float32 reference.

See docs/training.md.
"""
from .chain import (StepResult, TrainConfig, backward, batches, forward, loss_only, sgd,  # noqa: F401
                    synthetic_regression, train, train_step)
from .factory import (KINDS, LayerNormLayer, LinearLayer, Model, ModelFileError, QuantLayer,  # noqa: F401
                      build_model, load_model_spec)
from .reference import FloatChain, train_float  # noqa: F401
from .validator import (Finding, ModelValidationError, max_safe_fan_in, term_bounds, validate,  # noqa: F401
                        worst_case)

__all__ = [
    "build_model", "load_model_spec", "Model", "LinearLayer", "QuantLayer", "LayerNormLayer", "ModelFileError",
    "KINDS", "validate", "Finding", "ModelValidationError", "max_safe_fan_in", "term_bounds", "worst_case",
    "TrainConfig", "StepResult", "forward", "backward", "sgd", "train_step", "train", "loss_only",
    "synthetic_regression", "batches", "FloatChain", "train_float",
]
