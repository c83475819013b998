"""``sv.emulate``: the independent numpy float32 emulator of the SYM arithmetic.

Same functions and signatures as ``sv.kernels`` (the C reference kernels); the
implementation lives in ``goldgen/emulator.py`` (``symverify.goldgen.emulator``),
written from ``docs/semantics.md`` without reading the C sources.
"""
from symverify.goldgen.emulator import (  # noqa: F401
    accumulate_dynamic,
    accumulate_fixed,
    float_to_sym,
    int_to_sym,
    requant_dynamic,
    requant_fixed,
    rescale_to_acc,
    round_half_away,
    sr_draws,
    sym_to_float,
    xorshift32,
)
from symverify.goldgen.emulator_layers import (  # noqa: F401
    layernorm_backward,
    layernorm_forward,
    linear_backward,
    linear_forward,
    mse_loss,
    quant_backward,
    quant_forward,
    sgd_update,
)

__all__ = [
    "round_half_away",
    "float_to_sym",
    "sym_to_float",
    "requant_dynamic",
    "requant_fixed",
    "rescale_to_acc",
    "int_to_sym",
    "accumulate_dynamic",
    "accumulate_fixed",
    "xorshift32",
    "sr_draws",
    "quant_forward",
    "quant_backward",
    "linear_forward",
    "linear_backward",
    "layernorm_forward",
    "layernorm_backward",
    "mse_loss",
    "sgd_update",
]
