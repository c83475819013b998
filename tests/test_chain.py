"""The full-SYM training chain Linear -> Quant -> LayerNorm -> Quant -> Linear
(examples/chain.toml): bit-exact between the C kernels and the emulator step
by step, the loss falls on a synthetic regression task, and it tracks the
same network trained in float32."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import symverify as sv
from symverify import HALF_AWAY, SR_HALF_AWAY, Rng
from symverify.model import (TrainConfig, backward, batches, build_model, forward, synthetic_regression, train,
                             train_float, train_step)

CHAIN = Path(__file__).resolve().parent.parent / "examples" / "chain.toml"
BITEXACT_STEPS = 25


def _params(model) -> dict:
    return {k: (v.mantissas.tolist(), int(np.float32(v.scale).view(np.uint32)), v.q_max_bits)
            for k, v in model.params().items()}


class Recorder:
    """Wraps a backend and records the name of every call (backend-generic check)."""

    def __init__(self, backend) -> None:
        self.backend, self.calls = backend, []

    def __getattr__(self, name):
        fn = getattr(self.backend, name)

        def wrapped(*a, **kw):
            self.calls.append(name)
            return fn(*a, **kw)
        return wrapped


@pytest.mark.parametrize("rounding,sgd_rounding,seed", [
    (HALF_AWAY, SR_HALF_AWAY, 0),
    (SR_HALF_AWAY, SR_HALF_AWAY, 1234),
    (HALF_AWAY, HALF_AWAY, 0),
])
def test_bit_exact_c_vs_emulator(rounding, sgd_rounding, seed):
    """>= 20 full training steps: params, loss bits and RNG state equal after every step."""
    models = {b: build_model(CHAIN, b) for b in (sv.kernels, sv.emulate)}
    cfg = TrainConfig.from_model(models[sv.kernels], rounding=rounding, sgd_rounding=sgd_rounding)
    rngs = {b: Rng(seed) for b in models}
    x, y = synthetic_regression(128, 4, 2)
    assert _params(models[sv.kernels]) == _params(models[sv.emulate])
    losses = []
    for t, idx in enumerate(batches(len(x), 16, BITEXACT_STEPS)):
        res = {b: train_step(models[b], b, x[idx], y[idx], cfg, rngs[b]) for b in models}
        rc, re = res[sv.kernels], res[sv.emulate]
        assert rc.loss.view(np.uint32) == re.loss.view(np.uint32), f"step {t}: loss"
        assert rc.rng_state == re.rng_state, f"step {t}: rng state"
        assert _params(models[sv.kernels]) == _params(models[sv.emulate]), f"step {t}: params"
        for k in rc.grads:
            assert rc.grads[k].mantissas.tolist() == re.grads[k].mantissas.tolist(), f"step {t}: grad {k}"
        losses.append(float(rc.loss))
    if SR_HALF_AWAY in (rounding, sgd_rounding):
        assert rngs[sv.kernels].state != Rng(seed).state  # the RNG really was used
    assert len(set(losses)) > 1


def test_chain_is_backend_generic():
    """The orchestration calls only the backend's API functions."""
    rec = Recorder(sv.emulate)
    m = build_model(CHAIN, rec)
    x, y = synthetic_regression(16, 4, 2)
    train_step(m, rec, x, y, TrainConfig.from_model(m), Rng(3))
    used = set(rec.calls)
    assert used == {"float_to_sym", "linear_forward", "quant_forward", "layernorm_forward", "mse_loss",
                    "linear_backward", "quant_backward", "layernorm_backward", "sgd_update"}


def test_rng_draw_order_is_deterministic():
    """Same seed, same result; a different seed moves the SR write-back."""
    x, y = synthetic_regression(16, 4, 2)
    out = []
    for seed in (5, 5, 6):
        m = build_model(CHAIN, sv.kernels)
        train_step(m, sv.kernels, x, y, TrainConfig.from_model(m), Rng(seed))
        out.append(_params(m))
    assert out[0] == out[1] and out[0] != out[2]


def test_quant_backward_is_straight_through_in_the_chain():
    m = build_model(CHAIN, sv.emulate)
    cfg = TrainConfig.from_model(m)
    x, y = synthetic_regression(8, 4, 2)
    xs = sv.emulate.float_to_sym(x, m.input_bits)
    out, inputs = forward(m, sv.emulate, xs, cfg, None)
    assert [t.q_max_bits for t in inputs] == [12, 32, 12, 32, 12]  # raw after fc1 and ln, 12 after quants
    assert out.q_max_bits == 32
    _, dy = sv.emulate.mse_loss(out, y, cfg.grad_bits)
    grads = backward(m, sv.emulate, inputs, dy, cfg, None)
    assert set(grads) == {"fc1.w", "fc1.b", "fc2.w", "fc2.b"}


def test_loss_falls_and_tracks_float32():
    """300 steps on the synthetic regression task: the SYM loss falls by >
    10x and ends within 10 % of the float32 network's (same init, batches, lr)."""
    x, y = synthetic_regression(256, 4, 2)
    m = build_model(CHAIN, sv.kernels)
    cfg = TrainConfig.from_model(m)
    sym = train(m, sv.kernels, x, y, 300, 16, cfg, seed=0, every=100)
    flt = train_float(build_model(CHAIN, sv.kernels), x, y, 300, 16, cfg.lr, every=100)
    s0, s1 = sym["curve"][0][1], sym["curve"][-1][1]
    f0, f1 = flt["curve"][0][1], flt["curve"][-1][1]
    assert s1 < s0 / 10
    assert [a for a, _ in sym["curve"]] == [0, 100, 200, 300]
    assert abs(s0 - f0) < 1e-2 * f0          # same starting point (dequantized init)
    assert abs(s1 - f1) < 0.1 * f1, (s1, f1)
    assert all(np.isfinite(sym["losses"]))


def test_bit_exact_whole_training_run():
    """300 steps (default config): the per-step loss sequence, final params and
    RNG state are identical on both backends."""
    x, y = synthetic_regression(256, 4, 2)
    runs = {}
    for b in (sv.kernels, sv.emulate):
        m = build_model(CHAIN, b)
        r = train(m, b, x, y, 300, 16, TrainConfig.from_model(m), seed=0)
        runs[b] = ([np.float32(v).view(np.uint32) for v in r["losses"]], r["rng_state"], _params(m))
    assert runs[sv.kernels] == runs[sv.emulate]
