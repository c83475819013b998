"""Golden vectors of the layer kernels (docs/layers.md) and of the training
chain (docs/training.md), generated from the float32 emulator (``sv.emulate``).

* ``goldgen/vectors/layers.json``: one record per fixture: kernel, purpose,
  encoded arguments, the declared status (a self-check: generation refuses a
  fixture whose emulator status differs), and the expected result.
* ``goldgen/vectors/chain.json``: the chain Linear -> Quant -> LayerNorm ->
  Quant -> Linear of ``examples/chain.toml``, a few full-SYM training steps
  per rounding configuration: per step the loss bits, the RNG state and
  every parameter.

Format as the primitive vectors (the shared encoding of
goldgen/vecformat.py): float32 as bit patterns ``"0x3F800000"`` with ``*_dec`` decimal
comments, mantissas as ints, errors as C status names, stamped with the
emulator version and a sha256 of the canonical fixture catalog.

``symverify goldgen`` regenerates both files together with the primitive
families (goldgen/generate.py: everything computed before any file is
written, atomic replace), and ``symverify goldgen --check`` fails with a
unified diff on drift in any of them. ``python -m
symverify.goldgen.layers_cli [--check]`` does the same for these files only.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from symverify import registry
from symverify.types import HALF_AWAY, SR_HALF_AWAY, Rng

from . import kernelcall
from .fixtures import SEED_U_MAX, SEED_U_ZERO, seed_for_first_state
from .fixture_encoding import F, LayerFixtureError, S, T, catalog_hash, comment
from .vecformat import EMULATOR_VERSION, FORMAT_VERSION, hex32

GENERATOR = "symverify goldgen (goldgen/layer_fixtures.py)"
OK = "SYM_OK"
FLT_MAX = float(np.finfo(np.float32).max)
HA, SR = HALF_AWAY, SR_HALF_AWAY

#: the kernels of layers.json (other layer families: registry.kernels_of(family))
LAYER_KERNELS = tuple(k.name for k in registry.kernels_of("layers"))


def vectors_dir() -> Path:
    return Path(__file__).resolve().parent / "vectors"


# --------------------------------------------------------------------------- encoding
#: the argument builders are shared with the pool / softmax catalogs (goldgen/fixture_encoding.py)


#: decoding and calling are derived from the registry (goldgen/kernelcall.py)
call, evaluate, _enc_value = kernelcall.call, kernelcall.evaluate, kernelcall.encode_layer_value


# --------------------------------------------------------------------------- fixture catalog
def fixtures(family: str = "layers") -> list[dict[str, Any]]:
    """The catalog of one layer family's vector file (default ``layers``):
    name, kernel, purpose, args, declared status."""
    if family in ("pool", "softmax"):   # their own catalogs (the argument layout is no layer ABI struct)
        from . import pool_fixtures, softmax_fixtures

        return (pool_fixtures if family == "pool" else softmax_fixtures).fixtures()
    return [f for f in _all_fixtures() if registry.kernel(f["kernel"]).family == family]


def layer_families() -> tuple[str, ...]:
    """The registered families whose fixtures live here (not the chain)."""
    return tuple(f for f in registry.layer_vector_families() if f != registry.TRAINING_CHAIN)


def _all_fixtures() -> list[dict[str, Any]]:
    """Every layer-kernel fixture, of every layer family."""
    fx: list[dict[str, Any]] = []

    def add(name: str, kernel: str, purpose: str, status: str, **args: Any) -> None:
        fx.append({"name": name, "kernel": kernel, "purpose": purpose, "status": status, "args": args})

    one = T([1, 1], 1.0, 12)
    # ---- quant
    add("quant_ties", "quant_forward", "A = 6 -> s_out = 2, r = 0.5: 3, 1.5, -1.5, 0.5 round away to 3, 2, -2, 1",
        OK, x=T([[6, 3, -3, 1]], 1.0, 32), q_max_bits=3)
    add("quant_ties_clamp_first", "quant_forward", "the same ties in clamp_first order", OK,
        x=T([[6, 3, -3, 1]], 1.0, 32), q_max_bits=3, order="clamp_first")
    add("quant_sr", "quant_forward", "SR: one draw per element (6 draws)", OK,
        x=T([[6, 3, -3], [1, 0, -6]], 0.25, 32), q_max_bits=3, rounding=SR, seed=12345)
    add("quant_saturation", "quant_forward", "raw int32 extremes to 2 bits: +-qMax, qMin never reached", OK,
        x=T([[2147483647, -2147483648, 1]], 1.0, 32), q_max_bits=2)
    add("quant_all_zero", "quant_forward", "all-zero input: scale 1.0", OK, x=T([[0, 0]], 0.5, 32), q_max_bits=8)
    add("quant_huge_scale", "quant_forward", "m * s_in overflows to inf", "SYM_ERR_FLOAT_OVERFLOW",
        x=T([[2147483647]], FLT_MAX, 32), q_max_bits=8)
    add("quant_bad_width", "quant_forward", "output width 17", "SYM_ERR_BAD_WIDTH", x=T([[1]], 1.0, 32),
        q_max_bits=17)
    add("quant_backward_copy", "quant_backward", "straight-through: an exact copy", OK,
        dy=T([[5, -7], [0, 2047]], 0.125, 12))
    # ---- linear forward
    x1 = T([[1, -2, 3], [4, 0, -1]], 0.5, 8)
    w1 = T([[2, 1, -1], [0, 3, 5]], 0.25, 8)
    add("linear_plain", "linear_forward", "raw output at s_x*s_w = 0.125, no bias", OK, x=x1, w=w1)
    add("linear_bias_tie_seed", "linear_forward", "bias seed rescale 5*0.0625/0.125 = 2.5 -> 3, -2.5 -> -3", OK,
        x=x1, w=w1, b=T([5, -5], 0.0625, 16))
    add("linear_requant_ties", "linear_forward", "requant the raw output to 3 bits", OK,
        x=x1, w=w1, b=T([1, -1], 0.125, 16), out_bits=3)
    add("linear_requant_sr", "linear_forward", "SR requant: B*O = 4 draws", OK,
        x=x1, w=w1, b=T([1, -1], 0.125, 16), out_bits=4, rounding=SR, seed=7)
    add("linear_int16_overflow", "linear_forward", "two int16 products -2^15 * -2^15 overflow int32",
        "SYM_ERR_INT_OVERFLOW", x=T([[-32768, -32768]], 1.0, 16), w=T([[-32768, -32768]], 1.0, 16))
    add("linear_int12_fanin_511", "linear_forward", "511 products of -2048*-2048 = 2^22 fit (2143289344)", OK,
        x=T([[-2048] * 511], 1.0, 12), w=T([[-2048] * 511], 1.0, 12))
    add("linear_int12_fanin_512_seed", "linear_forward",
        "512 products 2^31 - 2^22... plus a seed of 4194304: the partial sum leaves int32",
        "SYM_ERR_INT_OVERFLOW", x=T([[-2048] * 512], 1.0, 12), w=T([[-2048] * 512], 1.0, 12),
        b=T([1], 4194304.0, 16))
    add("linear_scale_underflow", "linear_forward", "s_x*s_w = 2^-140 is not normal",
        "SYM_ERR_SCALE_UNDERFLOW", x=T([[1]], 2.0 ** -70, 8), w=T([[1]], 2.0 ** -70, 8))
    add("linear_scale_overflow", "linear_forward", "s_x*s_w = 2^140 is inf", "SYM_ERR_FLOAT_OVERFLOW",
        x=T([[1]], 2.0 ** 70, 8), w=T([[1]], 2.0 ** 70, 8))
    add("linear_bias_guard", "linear_forward", "bias seed 2^31 exceeds the rescale guard", "SYM_ERR_RANGE_GUARD",
        x=T([[1]], 1.0, 8), w=T([[1]], 1.0, 8), b=T([2], 2.0 ** 30, 16))
    add("linear_w17", "linear_forward", "a 17-bit operand is rejected", "SYM_ERR_BAD_WIDTH",
        x=T([[1]], 1.0, 8), w=T([[1]], 1.0, 17))
    add("linear_shape", "linear_forward", "w [1, 2] vs x [1, 3]", "SYM_ERR_SHAPE",
        x=T([[1, 2, 3]], 1.0, 8), w=T([[1, 2]], 1.0, 8))
    add("linear_x_1d", "linear_forward", "1-D x is a shape error", "SYM_ERR_SHAPE", x=T([1, 2], 1.0, 8),
        w=T([[1, 2]], 1.0, 8))
    # ---- linear backward
    dy1 = T([[3, -1], [2, 5]], 0.5, 8)
    add("linear_bwd_plain", "linear_backward", "dW dynamic, db fixed, dx requant to 8 bits", OK,
        x=x1, w=w1, dy=dy1, grad_w=T([[0, 0, 0], [0, 0, 0]], 1.0, 16), grad_b=T([0, 0], 0.5, 32), dx_bits=8)
    add("linear_bwd_accumulate", "linear_backward", "non-zero grad_w and grad_b are accumulated into", OK,
        x=x1, w=w1, dy=dy1, grad_w=T([[100, -3, 7], [1, 1, 1]], 0.01, 12), grad_b=T([9, -9], 0.25, 16), dx_bits=4)
    add("linear_bwd_sr", "linear_backward", "SR: O*I = 6 draws for grad_w, then B*I = 6 for dx", OK,
        x=x1, w=w1, dy=dy1, grad_w=T([[0, 0, 0], [0, 0, 0]], 1.0, 16), grad_b=None, dx_bits=5, rounding=SR,
        seed=99, order="clamp_first")
    add("linear_bwd_grad_b_overflow", "linear_backward", "fixed-scale grad_b accumulate leaves its 8-bit width",
        "SYM_ERR_INT_OVERFLOW", x=x1, w=w1, dy=dy1, grad_w=T([[0, 0, 0], [0, 0, 0]], 1.0, 16),
        grad_b=T([127, 0], 0.5, 8), dx_bits=8, rounding=SR, seed=5)
    add("linear_bwd_dy17", "linear_backward", "dy wider than 16 bits", "SYM_ERR_BAD_WIDTH",
        x=x1, w=w1, dy=T([[3, -1], [2, 5]], 0.5, 17), grad_w=T([[0, 0, 0], [0, 0, 0]], 1.0, 16), dx_bits=8)
    # ---- layernorm forward
    g4, b4 = T([2047, 1024, -512, 1], 2.0 ** -11, 12), T([100, -100, 0, 3], 2.0 ** -8, 16)
    add("ln_plain", "layernorm_forward", "two rows, 12-bit normalization, integer affine", OK,
        x=T([[1, 2, 3, 4], [-8, 0, 8, 100]], 0.25, 12), gamma=g4, beta=b4, norm_bits=12, eps=S(1e-5))
    add("ln_sr", "layernorm_forward", "SR: B*F = 8 draws", OK,
        x=T([[1, 2, 3, 4], [-8, 0, 8, 100]], 0.25, 12), gamma=g4, beta=b4, norm_bits=8, eps=S(1e-5),
        rounding=SR, seed=2024)
    add("ln_identical", "layernorm_forward",
        "every mantissa identical: q_n = 0, s_norm = 1, no draws; y = rescale(beta, s_beta, s_gamma) at s_gamma", OK,
        x=T([[7, 7, 7, 7], [7, 7, 7, 7]], 0.5, 12), gamma=g4, beta=b4, norm_bits=12, eps=S(1e-5),
        rounding=SR, seed=3)
    add("ln_identical_huge_scale", "layernorm_forward",
        "identical x at s_x = FLT_MAX: no statistics (they would be NaN), y = beta seeds at s_gamma", OK,
        x=T([[2, 2], [2, 2]], FLT_MAX, 12), gamma=T([5, -7], 0.5, 12), beta=T([3, -1], 0.25, 16), norm_bits=12,
        eps=S(1e-5))
    add("ln_identical_beta_guard", "layernorm_forward",
        "identical x: the affine step still runs, so a beta seed past the rescale guard is RANGE_GUARD",
        "SYM_ERR_RANGE_GUARD", x=T([[7, 7, 7, 7]], 0.5, 12), gamma=g4,
        beta=T([0, 0, 0, 32767], 2.0 ** 40, 16), norm_bits=12, eps=S(1e-5), rounding=SR, seed=3)
    add("ln_const_rows", "layernorm_forward", "rows constant but different: A == 0, q_n = 0, NO draws", OK,
        x=T([[7, 7, 7, 7], [-2, -2, -2, -2]], 0.5, 12), gamma=g4, beta=b4, norm_bits=12, eps=S(1e-5),
        rounding=SR, seed=3)
    add("ln_saturation", "layernorm_forward", "one outlier: its n maps to qMax exactly, 2-bit norm", OK,
        x=T([[0, 0, 0, 2047]], 1.0, 12), gamma=g4, beta=b4, norm_bits=2, eps=S(1e-5))
    add("ln_sum_of_squares_overflow", "layernorm_forward",
        "s_x = 2^100: row 0's d*d overflows, inv = 0, n = 0 (a value, no check in step 2)", OK,
        x=T([[1, 2, 1, 2], [3, 3, 3, 4]], 2.0 ** 100, 12), gamma=g4, beta=b4, norm_bits=12, eps=S(1e-5))
    add("ln_nan_stat", "layernorm_forward", "s_x = FLT_MAX: q*s_x is inf, n is NaN -> s_y not finite",
        "SYM_ERR_FLOAT_OVERFLOW", x=T([[1, 2, 1, 2]], FLT_MAX, 12), gamma=g4, beta=b4, norm_bits=12,
        eps=S(1e-5))
    add("ln_tiny_scale", "layernorm_forward", "s_x = 2^-126 (min normal) still normalizes", OK,
        x=T([[1, -1, 3, 0]], 2.0 ** -126, 12), gamma=g4, beta=T([0, 0, 0, 0], 1.0, 16), norm_bits=12,
        eps=S(2.0 ** -140))
    add("ln_s_y_underflow", "layernorm_forward", "s_norm * s_gamma not normal", "SYM_ERR_SCALE_UNDERFLOW",
        x=T([[1, 2, 3, 4]], 1.0, 12), gamma=T([1, 1, 1, 1], 2.0 ** -120, 12), beta=b4, norm_bits=12,
        eps=S(1e-5))
    add("ln_bad_eps", "layernorm_forward", "eps = 0 is rejected", "SYM_ERR_BAD_SCALE",
        x=T([[1, 2, 3, 4]], 1.0, 12), gamma=g4, beta=b4, norm_bits=12, eps=S(0.0))
    add("ln_gamma17", "layernorm_forward", "gamma wider than 16 bits", "SYM_ERR_BAD_WIDTH",
        x=T([[1, 2, 3, 4]], 1.0, 12), gamma=T([1, 1, 1, 1], 1.0, 17), beta=b4, norm_bits=12, eps=S(1e-5))
    # ---- layernorm backward
    add("ln_bwd_plain", "layernorm_backward", "float32 backward, dx to 12 bits", OK,
        x=T([[1, 2, 3, 4], [-8, 0, 8, 100]], 0.25, 12), gamma=g4, dy=T([[1, -1, 2, 0], [5, 5, -5, 1]], 0.5, 12),
        dx_bits=12, eps=S(1e-5))
    add("ln_bwd_sr", "layernorm_backward", "SR write of dx: 8 draws", OK,
        x=T([[1, 2, 3, 4], [-8, 0, 8, 100]], 0.25, 12), gamma=g4, dy=T([[1, -1, 2, 0], [5, 5, -5, 1]], 0.5, 12),
        dx_bits=6, eps=S(1e-5), rounding=SR, seed=77)
    add("ln_bwd_identical", "layernorm_backward", "no identical special case: var = 0, n = 0", OK,
        x=T([[7, 7, 7, 7]], 0.5, 12), gamma=g4, dy=T([[1, -1, 2, 0]], 0.5, 12), dx_bits=12, eps=S(1e-5))
    add("ln_bwd_nonfinite", "layernorm_backward", "dn overflows to inf: float_to_sym says NONFINITE_INPUT",
        "SYM_ERR_NONFINITE_INPUT", x=T([[0, 1]], 1.0, 12), gamma=T([2, 2], FLT_MAX, 3),
        dy=T([[1, 1]], FLT_MAX, 2), dx_bits=8, eps=S(1e-5), rounding=SR, seed=9)
    # ---- layernorm: inputs the mutation gate needs (docs/mutation.md, "Layer kernels")
    add("ln_negative_outlier_first", "layernorm_forward",
        "max |n| at j = 0 and negative (absmax from j = 0, with fabsf); x[1..] equal, only x[0] differs", OK,
        x=T([[-100, 0, 0, 0]], 0.25, 12), gamma=g4, beta=b4, norm_bits=12, eps=S(1e-5))
    add("ln_only_x1_differs", "layernorm_forward", "only x[1] differs: the identical pre-check starts at i = 1",
        OK, x=T([[7, 9, 7, 7]], 0.5, 12), gamma=g4, beta=b4, norm_bits=12, eps=S(1e-5))
    add("ln_wide_row_sum", "layernorm_forward", "16-bit x: the int32 row sum 89999 leaves int16", OK,
        x=T([[30000, 30000, 30000, -1]], 2.0 ** -10, 16), gamma=g4, beta=b4, norm_bits=12, eps=S(1e-5))
    add("ln_single_feature", "layernorm_forward", "F = 1 (the smallest row): var 0, A = 0, y = beta seeds", OK,
        x=T([[3], [5]], 0.5, 12), gamma=T([1000], 2.0 ** -11, 12), beta=T([50], 2.0 ** -4, 16), norm_bits=12,
        eps=S(1e-5), rounding=SR, seed=11)
    add("ln_beta0_guard", "layernorm_forward", "only beta[0]'s seed exceeds the rescale guard",
        "SYM_ERR_RANGE_GUARD", x=T([[1, 2, 3, 4]], 0.25, 12), gamma=g4,
        beta=T([32767, 0, 0, 0], 2.0 ** 40, 16), norm_bits=12, eps=S(1e-5))
    # The prover's LayerNorm finding (docs/proofs.md): norm_bits = gamma_bits = 16, SR. Row
    # [-100, 1, 2, 3] gives n_0 * k = -32767.002 (n_0 = -A); s_y = 0x385DAE4D, so beta 16384 at
    # s_beta = s_y * 2^16 seeds exactly 2^30 (the guard allows 2^30 + 32767). A draw u = 0 rounds
    # q_n to qMin = -32768: (-32768)(-32768) + 2^30 = 2^31 leaves int32. The largest draw gives
    # -32767: 32767 * 32768 + 2^30 = 2147450880 fits.
    s_y_edge = np.float32(np.frombuffer(bytes.fromhex("4DAE5D38"), dtype="<f4")[0])
    edge = dict(x=T([[-100, 1, 2, 3]], 1.0, 12), gamma=T([-32768, 0, 0, 0], 1.0, 16),
                beta=T([16384, 0, 0, 0], float(s_y_edge * np.float32(65536.0)), 16), norm_bits=16,
                eps=S(1e-5), rounding=SR)
    add("ln_affine_overflow_u0", "layernorm_forward",
        "SR draw u = 0 gives q_n = qMin; qMin * qMin + a 2^30 seed = 2^31 overflows (checked before any write)",
        "SYM_ERR_INT_OVERFLOW", seed=SEED_U_ZERO, **edge)
    add("ln_affine_edge_u_max", "layernorm_forward",
        "same inputs, largest draw: q_n = -32767, y_0 = 2147450880 fits; the check pass must use the same draws",
        OK, seed=SEED_U_MAX, **edge)
    add("ln_sr_small_draw_below_minus_qmax", "layernorm_forward",
        "n_0 * k = -32767.002 just below -qMax, first draw u = 0.001: (v + u) - 0.5 = -32767.501 rounds to"
        " qMin = -32768 (a float clamp at -qMax would give -32767)", OK,
        x=T([[-100, 1, 2, 3]], 1.0, 12), gamma=T([1, 1, 1, 1], 1.0, 16), beta=T([0, 0, 0, 0], 1.0, 16),
        norm_bits=16, eps=S(1e-5), rounding=SR, seed=seed_for_first_state(16777 << 8))
    add("ln_bwd_wide_mantissas", "layernorm_backward",
        "dy, gamma of any width: 2^24 + k is not exact in float32, and (float)dy * 0.3f differs from the"
        " double product rounded once (also for gamma at 0.7f); dx to 31 bits shows one-ulp changes", OK,
        x=T([[1, 2, 3, 4]], 0.25, 12), gamma=T([16777219, -16777223, 3, 16777229], 0.7, 32),
        dy=T([[16777217, 5, -16777221, 7]], 0.3, 32), dx_bits=31, eps=S(1e-5))
    add("ln_bwd_last_row_nonfinite", "layernorm_backward",
        "row 1 constant with eps = 2^-149: inv = 2^74.5 makes its dx inf; row 0 is finite (rows checked apart)",
        "SYM_ERR_NONFINITE_INPUT", x=T([[0, 1000], [5, 5]], 1.0, 12), gamma=T([1, 1], 1.0, 12),
        dy=T([[1, -1], [2047, -2047]], 2.0 ** 60, 12), dx_bits=12, eps=S(2.0 ** -149))
    # ---- MSE
    add("mse_plain", "mse_loss", "loss and 12-bit gradient", OK, y=T([[4, -2], [1, 0]], 0.5, 32),
        target=F([[1.0, -1.5], [0.25, 0.0]]), grad_bits=12)
    add("mse_grad_ties", "mse_loss", "gradient 2*diff/N with exact .5 quotients at 3 bits", OK,
        y=T([[6, 3, -3, 1]], 1.0, 32), target=F([[0, 0, 0, 0]]), grad_bits=3)
    add("mse_sr", "mse_loss", "SR gradient: 4 draws", OK, y=T([[4, -2], [1, 0]], 0.5, 32),
        target=F([[1.0, -1.5], [0.25, 0.0]]), grad_bits=4, rounding=SR, seed=31337)
    add("mse_zero", "mse_loss", "perfect fit: loss 0, gradient all zero, scale 1", OK,
        y=T([[2, -2]], 0.5, 12), target=F([[1.0, -1.0]]), grad_bits=8)
    add("mse_nonfinite_target", "mse_loss", "NaN target", "SYM_ERR_NONFINITE_INPUT", y=T([[1]], 1.0, 12),
        target=F([[float("nan")]]), grad_bits=8)
    add("mse_loss_overflow", "mse_loss", "diff^2 overflows float32", "SYM_ERR_FLOAT_OVERFLOW",
        y=T([[2047]], 2.0 ** 100, 12), target=F([[0.0]]), grad_bits=8)
    # ---- SGD
    add("sgd_sr", "sgd_update", "SR write-back (default): 4 draws", OK, param=T([[100, -100], [5, 0]], 0.01, 12),
        grad=T([[3, -3], [1000, 0]], 0.001, 16), lr=S(0.1), seed=4242)
    add("sgd_half_away_freezes", "sgd_update", "HALF_AWAY: an update below half a step is lost", OK,
        param=T([2047, -2047, 1], 1.0 / 2047, 12), grad=T([1, 1, 1], 1e-4, 12), lr=S(0.01), rounding=HA)
    add("sgd_overflow", "sgd_update", "p - lr*g overflows float32", "SYM_ERR_FLOAT_OVERFLOW",
        param=T([2047], FLT_MAX / 2048, 12), grad=T([-2047], FLT_MAX / 2048, 12), lr=S(10.0), seed=1)
    add("sgd_bad_lr", "sgd_update", "lr must be positive", "SYM_ERR_BAD_SCALE", param=one, grad=one, lr=S(-0.1),
        seed=1)
    add("sgd_width32", "sgd_update", "param width 32 is not a conversion width", "SYM_ERR_BAD_WIDTH",
        param=T([1, 1], 1.0, 32), grad=one, lr=S(0.1), seed=1)
    # ---- loss (mutation gate of sym_loss.c)
    add("mse_wide_y", "mse_loss",
        "y = 2^24 + 1 is not exact in float32: (float)y * 0.375 = 6291456, loss 9 * 2^42; a product in double "
        "(6291456.5) gives a different loss", OK, y=T([[16777217]], 0.375, 32), target=F([[0.0]]), grad_bits=12)
    # ---- ReLU (family relu: goldgen/vectors/relu.json). Invalid tensors are
    # written raw: the SymTensor constructor rejects them in Python and the C
    # views carry them to sym_relu_* in the gold suite, so both validations run.
    def raw(m: Any, scale_bits: str, bits: int) -> dict[str, Any]:
        arr = np.asarray(m, dtype=np.int64)
        return {"shape": list(arr.shape), "mantissas": [int(v) for v in arr.ravel()], "scale": scale_bits,
                "q_max_bits": bits}

    mixed = T([[-3, 0, 5], [7, -8, 1]], 0.5, 4)
    add("relu_fwd_mixed", "relu_forward", "max(m, 0): negatives and 0 -> 0, positives kept; scale 0.5, width 4 kept",
        OK, x=mixed)
    add("relu_fwd_zeros", "relu_forward", "all zero stays zero", OK, x=T([0, 0, 0], 1.0, 8))
    add("relu_fwd_negatives", "relu_forward", "all negative (down to qMin -128) -> 0", OK,
        x=T([-1, -5, -127, -128], 0.25, 8))
    add("relu_fwd_width_2", "relu_forward", "width 2: qMin -2, qMax 1", OK, x=T([-2, -1, 0, 1], 3.0, 2))
    add("relu_fwd_width_16", "relu_forward", "width 16 extremes qMin -32768, qMax 32767", OK,
        x=T([-32768, 32767, -1, 1], 0.001, 16))
    add("relu_fwd_raw_32", "relu_forward", "raw 32-bit input: INT32_MIN -> 0, INT32_MAX kept", OK,
        x=T([-2147483648, 2147483647, -1, 0, 123456789], 1.0, 32))
    add("relu_fwd_3d_scale", "relu_forward", "a 3-D tensor, scale 0.3 kept bit for bit", OK,
        x=T([[[1, -2]], [[-3, 4]]], 0.3, 12))
    add("relu_fwd_empty", "relu_forward", "no element: EMPTY", "SYM_ERR_EMPTY", x=raw([], "0x3F800000", 8))
    add("relu_fwd_width_1", "relu_forward", "width 1: BAD_WIDTH", "SYM_ERR_BAD_WIDTH", x=raw([0], "0x3F800000", 1))
    add("relu_fwd_width_33", "relu_forward", "width 33: BAD_WIDTH", "SYM_ERR_BAD_WIDTH",
        x=raw([0], "0x3F800000", 33))
    for label, bits in (("zero", "0x00000000"), ("negative", "0xBF800000"), ("subnormal", "0x00000001"),
                        ("nan", "0x7FC00000"), ("inf", "0x7F800000")):
        add(f"relu_fwd_scale_{label}", "relu_forward", f"{label} scale: BAD_SCALE", "SYM_ERR_BAD_SCALE",
            x=raw([1], bits, 8))
    add("relu_fwd_above_qmax", "relu_forward", "mantissa 8 in width 4 (qMax 7): INT_OVERFLOW", "SYM_ERR_INT_OVERFLOW",
        x=raw([1, 8], "0x3F800000", 4))
    add("relu_fwd_below_qmin", "relu_forward", "mantissa -9 in width 4 (qMin -8): INT_OVERFLOW",
        "SYM_ERR_INT_OVERFLOW", x=raw([-9, 1], "0x3F800000", 4))

    dy_mixed = T([[1, 2, 3], [4, 5, -6]], 0.25, 8)
    add("relu_bwd_mixed", "relu_backward", "dy where x > 0, else 0; dy's scale 0.25 and width 8", OK,
        x=mixed, dy=dy_mixed)
    add("relu_bwd_zero_x", "relu_backward", "x = 0 passes no gradient (x > 0, not x >= 0)", OK,
        x=T([0, 0, 1], 1.0, 8), dy=T([5, -5, 5], 1.0, 8))
    add("relu_bwd_negative_x", "relu_backward", "negative x (qMin) passes no gradient", OK,
        x=T([-128, -1], 1.0, 8), dy=T([100, -100], 0.5, 12))
    add("relu_bwd_width_2", "relu_backward", "width 2 on both: qMin -2, qMax 1", OK,
        x=T([-2, -1, 0, 1], 1.0, 2), dy=T([1, -2, 1, -2], 2.0, 2))
    add("relu_bwd_width_16", "relu_backward", "width 16 extremes through the mask", OK,
        x=T([32767, -32768, 1], 1.0, 16), dy=T([-32768, 32767, 32767], 0.001, 16))
    add("relu_bwd_raw_32", "relu_backward", "raw 32-bit x and dy: INT32_MIN / INT32_MAX gradients", OK,
        x=T([2147483647, -2147483648, 1], 1.0, 32), dy=T([-2147483648, 5, 2147483647], 1.0, 32))
    add("relu_bwd_widths_differ", "relu_backward", "dx takes dy's width 12 and scale, not x's (16, 2.0)", OK,
        x=T([3, -3], 2.0, 16), dy=T([-2047, 2047], 0.001, 12))
    add("relu_bwd_shape_length", "relu_backward", "dy shorter than x: SHAPE", "SYM_ERR_SHAPE",
        x=T([1, 2, 3], 1.0, 8), dy=T([1, 2], 1.0, 8))
    add("relu_bwd_shape_longer", "relu_backward", "dy longer than x: SHAPE", "SYM_ERR_SHAPE",
        x=T([1, 2], 1.0, 8), dy=T([1, 2, 3], 1.0, 8))
    add("relu_bwd_shape_2d", "relu_backward", "same length, other shape ([2, 2] vs [4]): SHAPE (Python only: "
        "C sees lengths)", "SYM_ERR_SHAPE", x=T([[1, 2], [3, 4]], 1.0, 8), dy=T([1, 2, 3, 4], 1.0, 8))
    fx[-1]["c_abi"] = False
    add("relu_bwd_x_empty", "relu_backward", "empty x: EMPTY (x before dy)", "SYM_ERR_EMPTY",
        x=raw([], "0x3F800000", 8), dy=T([1], 1.0, 8))
    add("relu_bwd_dy_empty", "relu_backward", "empty dy: EMPTY", "SYM_ERR_EMPTY",
        x=T([1], 1.0, 8), dy=raw([], "0x3F800000", 8))
    add("relu_bwd_x_width_33", "relu_backward", "x width 33: BAD_WIDTH", "SYM_ERR_BAD_WIDTH",
        x=raw([1], "0x3F800000", 33), dy=T([1], 1.0, 8))
    add("relu_bwd_dy_width_1", "relu_backward", "dy width 1: BAD_WIDTH", "SYM_ERR_BAD_WIDTH",
        x=T([1], 1.0, 8), dy=raw([0], "0x3F800000", 1))
    add("relu_bwd_x_scale_zero", "relu_backward", "x scale 0: BAD_SCALE", "SYM_ERR_BAD_SCALE",
        x=raw([1], "0x00000000", 8), dy=T([1], 1.0, 8))
    add("relu_bwd_dy_scale_nan", "relu_backward", "dy scale NaN: BAD_SCALE", "SYM_ERR_BAD_SCALE",
        x=T([1], 1.0, 8), dy=raw([1], "0x7FC00000", 8))
    add("relu_bwd_x_above_qmax", "relu_backward", "x mantissa 8 in width 4: INT_OVERFLOW", "SYM_ERR_INT_OVERFLOW",
        x=raw([8], "0x3F800000", 4), dy=T([1], 1.0, 8))
    add("relu_bwd_dy_below_qmin", "relu_backward", "dy mantissa -129 in width 8: INT_OVERFLOW",
        "SYM_ERR_INT_OVERFLOW", x=T([1, 1], 1.0, 8), dy=raw([1, -129], "0x3F800000", 8))
    return fx


# --------------------------------------------------------------------------- comments / rendering
_comment = comment


def compute_layers(backend: Any = None, family: str = "layers") -> dict[str, Any]:
    """The vector document of layer family ``family`` (``layers.json``, ``relu.json``)."""
    import symverify as sv

    backend = backend or sv.emulate
    items = fixtures() if family == "layers" else fixtures(family)   # fixtures(): the layers catalog
    records = []
    for f in items:
        expect = evaluate(f["kernel"], f["args"], backend)
        if expect["status"] != f["status"]:
            raise LayerFixtureError(f"{f['name']}: declared {f['status']}, emulator gives {expect['status']}")
        rec = {"name": f["name"], "kernel": f["kernel"], "purpose": f["purpose"], "args": _comment(f["args"]),
               "expect": _comment(expect)}
        if f.get("c_abi") is False:
            rec["c_abi"] = False   # only the Python API can express it (e.g. a shape, not a length)
        records.append(rec)
    return {"family": family, "format_version": FORMAT_VERSION, "emulator_version": EMULATOR_VERSION,
            "fixture_hash": catalog_hash(items), "generator": GENERATOR,
            "note": ("Generated golden vectors: do not edit (run `symverify goldgen`). Floats "
                     "are IEEE-754 float32 bit patterns; *_dec fields are decimal comments only. Errors are C "
                     "status names."),
            "count": len(records), "vectors": records}


# --------------------------------------------------------------------------- chain vectors
CHAIN_STEPS = 4
CHAIN_CONFIGS = {
    "half_away_fwd_sr_sgd": {"rounding": HA, "sgd_rounding": SR, "seed": 11},
    "sr_everywhere": {"rounding": SR, "sgd_rounding": SR, "seed": 12},
}


def chain_model_path() -> Path:
    return Path(__file__).resolve().parent.parent / "examples" / "chain.toml"


def _chain_batch_data() -> tuple[np.ndarray, np.ndarray]:
    from symverify.model import synthetic_regression

    return synthetic_regression(8, 4, 2, seed=5)


def run_chain(backend: Any, config: str, steps: int = CHAIN_STEPS) -> dict[str, Any]:
    """The chain of examples/chain.toml, ``steps`` steps on a fixed batch of 8
    rows; per step: loss bits, RNG state, every parameter (encoded)."""
    from symverify.model import TrainConfig, build_model, train_step

    cfg_in = CHAIN_CONFIGS[config]
    model = build_model(chain_model_path(), backend, seed=0)
    cfg = TrainConfig.from_model(model, rounding=cfg_in["rounding"], sgd_rounding=cfg_in["sgd_rounding"])
    x, y = _chain_batch_data()
    rng = Rng(cfg_in["seed"])
    out = {"initial_params": {k: _enc_value(v) for k, v in model.params().items()}, "steps": []}
    for _ in range(steps):
        res = train_step(model, backend, x, y, cfg, rng)
        out["steps"].append({"loss": hex32(res.loss), "rng_state": f"0x{res.rng_state:08X}",
                             "params": {k: _enc_value(v) for k, v in model.params().items()}})
    return out


def compute_chain(backend: Any = None) -> dict[str, Any]:
    import symverify as sv

    backend = backend or sv.emulate
    x, y = _chain_batch_data()
    model_text = chain_model_path().read_text()
    stamp = {"model": hashlib.sha256(model_text.encode()).hexdigest(), "steps": CHAIN_STEPS,
             "configs": CHAIN_CONFIGS}
    configs = {}
    for name, c in CHAIN_CONFIGS.items():
        configs[name] = {"rounding": c["rounding"], "sgd_rounding": c["sgd_rounding"], "seed": c["seed"],
                         **_comment(run_chain(backend, name))}
    return {"family": "chain", "format_version": FORMAT_VERSION, "emulator_version": EMULATOR_VERSION,
            "fixture_hash": catalog_hash([stamp]), "generator": GENERATOR,
            "note": ("Full-SYM training steps of examples/chain.toml (Linear -> Quant -> LayerNorm -> Quant -> "
                     "Linear) on a fixed batch; generated by the emulator (run `symverify goldgen`), do not edit."),
            "model_file": "examples/chain.toml", "init_seed": 0,
            "batch": {"x": _comment(F(x)), "target": _comment(F(y))},
            "configs": configs}


# --------------------------------------------------------------------------- rendering
def render(doc: dict[str, Any]) -> str:
    """The JSON text of a computed ``layers`` or ``chain`` document."""
    return json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=True) + "\n"
