"""Memory accounting (symverify.training.memory) against the tensors of a real
SYM training step: the element counts are those the kernels produce, and every
mantissa fits the width the packed figure assumes."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import symverify as sv
from symverify.model import TrainConfig, build_model
from symverify.training import sym_ops
from symverify.training.loop import one_hot
from symverify.training.memory import Buffer, markdown_table, step_memory

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _real_step_tensors(model_file: Path, batch: int) -> dict[tuple[str, str], sv.SymTensor]:
    m = build_model(model_file, sv.kernels, seed=1)
    cfg = TrainConfig.from_model(m)
    g = np.random.default_rng(0)
    x = sv.kernels.float_to_sym(g.standard_normal((batch, *m.input_shape)).astype(np.float32) * 3, m.input_bits)
    out: dict[tuple[str, str], sv.SymTensor] = {}
    h, kept = sym_ops.forward(m, sv.kernels, x, cfg, None)
    hh = x
    layers = sym_ops.forward_layers(m)
    for layer, k in zip(layers, kept):
        out[(layer.name, "x")] = k
        hh = sym_ops.FORWARD[layer.kind](layer, sv.kernels, hh, cfg, None)
        out[(layer.name, "y")] = hh
        for p, v in layer.params().items():
            out[(layer.name, p)] = v
    n_out = h.mantissas.shape[1]
    labels = g.integers(0, n_out, batch)
    if m.loss_kind == "cross_entropy":
        _, dy = sv.kernels.cross_entropy_loss(h, labels.astype(np.int32), cfg.grad_bits)
        out[(m.layers[-1].name, "dx")] = dy
    else:
        _, dy = sv.kernels.mse_loss(h, one_hot(labels, n_out), cfg.grad_bits)
    for layer, k in zip(reversed(layers), reversed(kept)):
        dy, grads = sym_ops.BACKWARD[layer.kind](layer, sv.kernels, k, dy, cfg, None)
        out[(layer.name, "dx")] = dy
        for p, v in grads.items():
            out[(layer.name, f"grad_{p}")] = v
    return out, m


@pytest.mark.parametrize("model_file", ["ecg5000_mlp.toml", "har_mlp.toml", "chain.toml", "ecg5000_cnn.toml",
                                        "har_cnn.toml"])
def test_accounting_matches_a_real_step(model_file):
    batch = 5
    tensors, m = _real_step_tensors(EXAMPLES / model_file, batch)
    rows = step_memory(m, batch)
    seen = 0
    for lm in rows:
        for b in lm.buffers:
            t = tensors[(lm.name, b.name)]
            assert b.elements == t.mantissas.size, (lm.name, b.name)
            lo, hi = -(1 << (b.bits - 1)), (1 << (b.bits - 1)) - 1
            assert lo <= int(t.mantissas.min()) and int(t.mantissas.max()) <= hi, (lm.name, b.name, b.bits)
            seen += 1
    assert seen >= 20


def test_bytes_per_format():
    b = Buffer("w", "params", 10, 12)
    assert (b.nbytes("sym32"), b.nbytes("float32"), b.nbytes("packed")) == (44, 40, 24)
    assert Buffer("x", "kept", 10, 8).nbytes("packed") == 14
    assert Buffer("y", "output", 10, 32).nbytes("packed") == 44
    with pytest.raises(ValueError, match="'int4'"):
        b.nbytes("int4")


def test_table_totals_add_up():
    m = build_model(EXAMPLES / "ecg5000_mlp.toml", sv.kernels)
    rows = step_memory(m, 16)
    total = sum(b.nbytes("packed") for lm in rows for b in lm.buffers)
    assert f"**{total:,}**" in markdown_table(rows)
    # packed storage is smaller than int32 mantissas: the paper's memory claim
    assert total < 0.6 * sum(b.nbytes("sym32") for lm in rows for b in lm.buffers)
    with pytest.raises(ValueError, match="batch"):
        step_memory(m, 0)
