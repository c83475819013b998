"""Instruction counts of a 1D-CNN training sample (symverify/icount/step.py,
xtarget/f32/f32_cnn.c): the step recorder encodes every call of a CNN step
(MaxPool1d's indices, the cross-entropy target), the emulator reproduces
each recorded call's host C result, the counted target run is bit-exact,
and the float32 C step agrees with the numpy float32 twin.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from symverify import xtarget as xt

EXAMPLES = Path(__file__).parents[1] / "examples"
ECG_CNN = EXAMPLES / "ecg5000_cnn.toml"

ECG_LABELS = ["input.to_sym", "conv1.forward", "q1.forward", "relu1.forward", "pool1.forward", "conv2.forward",
              "q2.forward", "relu2.forward", "gap.forward", "fc.forward", "q3.forward", "softmax.forward",
              "loss.cross_entropy", "q3.backward", "fc.backward", "gap.backward", "relu2.backward",
              "q2.backward", "conv2.dy_requant", "conv2.backward", "pool1.indices", "pool1.backward",
              "relu1.backward", "q1.backward", "conv1.dy_requant", "conv1.backward", "conv1.sgd_w",
              "conv1.sgd_b", "conv2.sgd_w", "conv2.sgd_b", "fc.sgd_w", "fc.sgd_b"]


@pytest.fixture(scope="module")
def recorded():
    from symverify.icount.step import record_step

    return record_step(ECG_CNN, seed=0)


def test_recorder_round_trips_a_cnn_step(recorded):
    """Every call of the ECG CNN step is recorded in sym_ops order and its
    vector decodes back to the same call: the C kernels give the recorded
    result again, the emulator gives it too (two independent backends), and
    one call's output is the next call's input (the vectors chain)."""
    import symverify.emulate as em
    import symverify.kernels as ck
    from symverify import registry
    from symverify.goldgen import kernelcall
    from symverify.icount import step

    _, calls = recorded
    assert [c.label for c in calls] == ECG_LABELS
    for c in calls:
        evaluate = step._EVALUATE.get(registry.kernel(c.kernel).family, kernelcall.evaluate)
        assert c.expect["status"] == kernelcall.OK
        assert evaluate(c.kernel, c.args, ck) == c.expect, c.label
        assert evaluate(c.kernel, c.args, em) == c.expect, c.label
    by = {c.label: c for c in calls}
    # the indices of the recomputing forward are what the backward receives
    assert by["pool1.backward"].args["indices"]["values"] == by["pool1.indices"].expect["indices"]["values"]
    assert by["pool1.forward"].expect["out"]["mantissas"] == by["conv2.forward"].args["x"]["mantissas"]
    assert by["loss.cross_entropy"].args["target"] == {"shape": [1], "index": [0]}
    assert by["softmax.forward"].expect["out"] == by["loss.cross_entropy"].args["p"]


def test_recorded_call_changed_is_caught(recorded):
    """Not vacuous: a recorded max-pool index moved to another window
    position no longer reproduces the recorded result."""
    import copy

    import symverify.kernels as ck
    from symverify.goldgen import pool_fixtures

    _, calls = recorded
    call = copy.deepcopy(next(c for c in calls if c.label == "pool1.backward"))
    idx = call.args["indices"]["values"]
    idx[0] = idx[0] + 1
    assert pool_fixtures.evaluate(call.kernel, call.args, ck) != call.expect


def test_cnn_step_counted_bit_exact_on_m4(icount, tools):
    """The counted run of every call on the M4 is bit-exact (the harnesses
    compare every output with the host's), and so is the float32 CNN step
    (the core prints the host's loss and hash)."""
    from symverify.icount.step import count_step

    (r,) = count_step(ECG_CNN, [xt.CORES["m4"]], tools)
    assert r.sym_ok, r.sym_problems
    assert r.f32_ok, r.f32_problems
    assert r.f32_function == "f32_cnn_step"
    assert [label for label, _, _ in r.sym_calls] == ECG_LABELS
    assert all(n > 0 for _, _, n in r.sym_calls)
    # every f32_cnn.c function GCC kept out of line ran (conv forward and backward: the bulk)
    assert r.f32_parts["f32c_conv_forward"] > 0 and r.f32_parts["f32c_conv_backward"] > 0
    assert r.f32_instructions < r.sym_instructions


@pytest.mark.parametrize("model_file,label", [("ecg5000_cnn.toml", 3), ("har_cnn.toml", 6)])
def test_f32_cnn_step_matches_numpy_twin(model_file, label):
    """The float32 C step (host build) against the numpy float32 twin
    (symverify/training/twin.py) on one sample: the loss within 1e-5
    relative, every updated parameter within 1e-3 of that parameter
    tensor's largest update (sums in another order, an exp / log of its own:
    close, not bit-equal; measured: 1e-6 of the update). Every tensor moves,
    so the bound is not met by doing nothing."""
    from symverify.icount import f32ref, step
    from symverify.model.chain import TrainConfig
    from symverify.model.factory import build_model
    from symverify.training.twin import FloatTwin
    import symverify.kernels as ck

    model = build_model(EXAMPLES / model_file, ck, seed=1)
    x, _ = step.sample(model, 1)
    lr = float(TrainConfig.from_model(model).lr)
    twin = FloatTwin(model)
    n_out = next(p["w"].shape[0] for _, kind, p in reversed(twin.layers) if kind == "linear")
    target = np.zeros((1, n_out), np.float32)
    target[0, label] = 1
    before = {f"{n}.{k}": p[k].copy() for n, kind, p in twin.layers if kind in ("conv1d", "linear")
              for k in ("w", "b")}
    twin_loss = twin.step(x, target, lr)
    c_loss, c_params = f32ref.f32_cnn_host_step(model, x, label, lr)
    assert float(c_loss) == pytest.approx(float(twin_loss), rel=1e-5)
    assert sorted(c_params) == sorted(before)
    for name, kind, p in twin.layers:
        if kind not in ("conv1d", "linear"):
            continue
        for k in ("w", "b"):
            key = f"{name}.{k}"
            update = np.abs(p[k].ravel() - before[key].ravel()).max()
            assert update > 0, key
            assert np.abs(c_params[key] - p[k].ravel()).max() <= 1e-3 * update, key


def test_f32_cnn_reference_names_what_it_lacks():
    """A grouped conv or a model without softmax -> cross entropy has no
    float32 CNN step: a StepError naming it (the SYM side is still counted)."""
    import symverify.kernels as ck
    from symverify.icount import f32ref
    from symverify.icount.errors import StepError
    from symverify.model.factory import build_model

    model = build_model(ECG_CNN, ck, seed=0)
    x = np.zeros((1, 1, 140), np.float32)
    assert f32ref.program_for(model) is f32ref.CNN
    model.layers[0].groups = 2
    with pytest.raises(StepError, match="conv1.*grouped"):
        f32ref.render_f32_cnn_model(model, x, 0, 0.5)
    model = build_model(ECG_CNN, ck, seed=0)
    with pytest.raises(StepError, match="class 9 out of range"):
        f32ref.render_f32_cnn_model(model, x, 9, 0.5)
    model.layers = model.layers[:-2]
    with pytest.raises(StepError, match="softmax -> cross_entropy"):
        f32ref.render_f32_cnn_model(model, x, 0, 0.5)
