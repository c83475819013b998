"""The 1D-CNN examples (examples/ecg5000_cnn.toml, har_cnn.toml; issue 15):
the CNN layer kinds of the factory, their training steps on the C kernels
and the emulator bit for bit, the float32 twin, the proofs and a CI smoke.
Needs the ``examples`` extra (CI installs it)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import symverify as sv
from symverify.model import ModelFileError, TrainConfig, build_model, validate
from symverify.training import SymTrainer, load_dataset, one_hot, run
from symverify.training.loop import epoch_batches, model_inputs
from symverify.training.twin import FloatTwin

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ECG, HAR = EXAMPLES / "ecg5000_cnn.toml", EXAMPLES / "har_cnn.toml"
BIT_EXACT_STEPS = 50
PARAMS = {"conv1.w", "conv1.b", "conv2.w", "conv2.b", "fc.w", "fc.b"}


@pytest.fixture(scope="module")
def ecg():
    return load_dataset("ecg5000")


@pytest.fixture(scope="module")
def har():
    return load_dataset("har")


def _assert_same(a, b, what):
    assert np.array_equal(a.mantissas, b.mantissas), what
    assert np.float32(a.scale).tobytes() == np.float32(b.scale).tobytes(), what
    assert a.q_max_bits == b.q_max_bits, what


# ------------------------------------------------------------------ C vs emulator
@pytest.mark.parametrize("model_file, name", [(ECG, "ecg5000"), (HAR, "har")])
def test_c_and_emulator_bit_exact_over_first_steps(model_file, name, request):
    """Every step of the first 50: loss bits, RNG state, every gradient and
    parameter identical on the C kernels and the emulator; every parameter
    tensor moves."""
    data = request.getfixturevalue("ecg" if name == "ecg5000" else "har")
    runs = {}
    for backend in (sv.kernels, sv.emulate):
        m = build_model(model_file, backend, seed=7)
        runs[backend.__name__] = (m, SymTrainer(m, backend, TrainConfig.from_model(m), data.n_classes, seed=7))
    (mc, tc), (me, te) = runs["symverify.kernels"], runs["symverify.emulate"]
    assert mc.loss_kind == "cross_entropy"
    x = model_inputs(mc, data.x_train)
    start = {k: v.mantissas.copy() for k, v in mc.params().items()}
    steps = [idx for e in (1, 2, 3) for idx in epoch_batches(len(x), 16, e, 7)][:BIT_EXACT_STEPS]
    assert len(steps) == BIT_EXACT_STEPS
    rng_states = set()
    for t, idx in enumerate(steps):
        lc, gc = tc.step(x[idx], data.y_train[idx])
        le, ge = te.step(x[idx], data.y_train[idx])
        assert np.isfinite(lc) and lc.tobytes() == le.tobytes(), f"step {t}: loss {lc} vs {le}"
        assert tc.rng.state == te.rng.state, f"step {t}: RNG state"
        rng_states.add(tc.rng.state)
        assert set(gc) == set(ge) == PARAMS
        for k in gc:
            _assert_same(gc[k], ge[k], f"step {t}: grad {k}")
        for (k, pc), pe in zip(mc.params().items(), me.params().values()):
            _assert_same(pc, pe, f"step {t}: param {k}")
    moved = {k for k, v in mc.params().items() if not np.array_equal(v.mantissas, start[k])}
    assert moved == PARAMS
    assert len(rng_states) == BIT_EXACT_STEPS  # the SR write-back drew in every step


# ------------------------------------------------------------------ training works
def test_smoke_ecg_loss_falls_c_and_emulator_agree(ecg):
    """CI smoke: 300 beats, 2 epochs on the C kernels and on the emulator."""
    data = ecg.subset(300, 200, seed=1)
    rc = run(ECG, data, sv.kernels, 2, seed=0)
    re = run(ECG, data, sv.emulate, 2, seed=0, twin=False)
    e1, e2 = rc.epochs
    assert e2["sym_loss"] < 0.85 * e1["sym_loss"]
    assert [e["sym_loss"] for e in rc.epochs] == [e["sym_loss"] for e in re.epochs]
    assert rc.confusion["sym"] == re.confusion["sym"]
    for e in rc.epochs:
        assert e["sym_loss"] == pytest.approx(e["float_loss"], rel=0.05)
    majority = np.bincount(data.y_test).max() / len(data.y_test)
    assert e2["sym_accuracy"] > majority + 0.15
    assert abs(e2["sym_accuracy"] - e2["float_accuracy"]) < 0.05


def test_smoke_har_loss_falls(har):
    data = har.subset(320, 150, seed=1)
    r = run(HAR, data, sv.kernels, 2, seed=0)
    assert r.epochs[1]["sym_loss"] < 0.9 * r.epochs[0]["sym_loss"]
    assert r.epochs[1]["sym_accuracy"] > 2.5 / 7  # chance is 1/7


# ------------------------------------------------------------------ the factory
def test_factory_builds_the_cnn_kinds_on_both_backends():
    a, b = build_model(ECG, sv.kernels, seed=4), build_model(ECG, sv.emulate, seed=4)
    assert [L.kind for L in a.layers] == ["conv1d", "quant", "relu", "maxpool1d", "conv1d", "quant", "relu",
                                          "adaptive_avgpool1d", "linear", "quant", "softmax", "cross_entropy"]
    assert a.input_shape == (1, 140) and a.in_features == 140
    c1, c2 = a.layers[0], a.layers[4]
    assert c1.w.mantissas.shape == (16, 1, 10) and c1.out_length == 27 and c1.w.q_max_bits == 12
    assert c2.in_length == 13 and c2.w.mantissas.shape == (32, 16, 3) and c2.b.q_max_bits == 16
    for (k, pa), pb in zip(a.params().items(), b.params().values()):
        _assert_same(pa, pb, k)
    assert not np.array_equal(a.params()["conv1.w"].mantissas, build_model(ECG, sv.kernels, seed=5)
                              .params()["conv1.w"].mantissas)


def _edit(model_file, old, new):
    text = model_file.read_text()
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize("old, new, key", [
    ("in_channels = 16\n", "in_channels = 8\n", "in_channels"),      # conv2 after 16 channels
    ("in_length = 13\n", "in_length = 14\n", "in_length"),           # conv2 after length 13
    ("in_features = 32\n", "in_features = 64\n", "in_features"),     # fc after 32 x 1
])
def test_factory_rejects_layers_that_do_not_chain(old, new, key):
    with pytest.raises(ModelFileError, match=f"key '{key}'.*do not chain"):
        build_model(_edit(ECG, old, new), sv.emulate)


def test_cross_entropy_must_close_the_model():
    text = _edit(ECG, 'name = "softmax"\nkind = "softmax"', 'name = "softmax"\nkind = "relu"')
    with pytest.raises(ModelFileError, match="cross_entropy must be the last layer, right after a softmax"):
        build_model(text.replace("out_bits = 12\n\n[[layer]]\nname = \"loss\"", "\n[[layer]]\nname = \"loss\""),
                    sv.emulate)


# ------------------------------------------------------------------ float32 twin
def test_twin_starts_at_the_dequantized_init_and_tracks_sym_loss(ecg):
    m = build_model(ECG, sv.kernels, seed=3)
    twin = FloatTwin(m)
    deq = m.dequantized()
    assert np.array_equal(twin.layers[0][2]["w"], deq["conv1.w"]) and np.array_equal(twin.layers[4][2]["b"],
                                                                                       deq["conv2.b"])
    x = model_inputs(m, ecg.x_train[:16])
    tr = SymTrainer(m, sv.kernels, TrainConfig.from_model(m), 5, seed=3)
    ls, _ = tr.step(x, ecg.y_train[:16])
    lf = twin.step(x, one_hot(ecg.y_train[:16], 5), 0.1)
    assert float(ls) == pytest.approx(float(lf), rel=0.02)  # same start, same batch: the same loss


@pytest.mark.parametrize("model_file, shape, n_classes", [(ECG, (1, 140), 5), (HAR, (6, 100), 7)])
def test_twin_gradients_match_finite_differences(model_file, shape, n_classes):
    """The twin's conv / pool / softmax-CE backward is the gradient of its
    forward (float64 central differences of the float32 loss)."""
    m = build_model(model_file, sv.kernels, seed=2)
    g = np.random.default_rng(0)
    x = g.standard_normal((4, *shape)).astype(np.float32)
    t = one_hot(g.integers(0, n_classes, 4), n_classes)
    twin = FloatTwin(m)
    lr = 1e-3
    before = {(n, k): v.copy() for n, _, p in twin.layers for k, v in p.items() if k in ("w", "b")}
    twin.step(x, t, lr)
    grads = {nk: (v - dict(((n, k), p[k]) for n, _, p in twin.layers for k in p if k in ("w", "b"))[nk]) / lr
             for nk, v in before.items()}

    def loss_at(name, key, value):
        fresh = FloatTwin(m)
        p = next(p for n, _, p in fresh.layers if n == name)
        p[key] = value.astype(np.float32)
        prob = fresh.forward(x)[0].astype(np.float64)
        return -np.mean(np.log(np.maximum(prob[np.arange(4), t.argmax(1)], 1e-7)))

    checked = 0
    for (name, key), w0 in before.items():
        flat = int(np.argmax(np.abs(grads[(name, key)]).reshape(-1)))
        e = np.zeros(w0.size, dtype=np.float64)
        e[flat] = 1e-2
        e = e.reshape(w0.shape)
        num = (loss_at(name, key, w0 + e) - loss_at(name, key, w0 - e)) / 2e-2
        assert grads[(name, key)].reshape(-1)[flat] == pytest.approx(num, rel=5e-2, abs=1e-4), (name, key)
        checked += abs(num) > 1e-4
    assert checked >= 4


# ------------------------------------------------------------------ the models are proven
@pytest.mark.parametrize("model_file", [ECG, HAR])
def test_cnn_models_every_accumulator_safe_and_valid(model_file, tmp_path):
    from click.testing import CliRunner

    from symverify.cli import cli
    out = tmp_path / "b.json"
    junit = tmp_path / "b.xml"
    r = CliRunner().invoke(cli, ["bounds", str(model_file), "--json", str(out), "--junit", str(junit), "--no-replay"])
    recs = json.loads(out.read_text())["records"]
    # a FLOAT_CORE layer is a passing JUnit case, not a skipped one
    assert "<skipped" not in junit.read_text() and 'name="softmax.softmax"' in junit.read_text()
    # softmax and cross entropy are float cores with no integer accumulator
    # (FLOAT_CORE, not a failure); every integer accumulator is SAFE: exit 0
    assert r.exit_code == 0, r.output
    assert {x["layer"] for x in recs if x["status"] == "FLOAT_CORE"} == {"softmax", "loss"}
    assert {x["status"] for x in recs} == {"SAFE", "FLOAT_CORE"}
    accs = [x for x in recs if x["accumulator"] is not None]
    assert len(accs) == 16 and {x["status"] for x in accs} == {"SAFE"}
    assert {(x["layer"], x["accumulator"]) for x in accs} >= {("conv1", "dW"), ("conv2", "dW"), ("conv1", "forward"),
                                                             ("fc", "forward"), ("gap", "window_sum")}
    assert validate(model_file) == []


def _rules(text):
    return {(f.rule, f.layer, f.key) for f in validate(text, strict=False)}


def test_validator_rejects_a_raw_conv_output_into_a_product():
    # without q1, conv2 multiplies conv1's raw int32 output (through relu and the max pool)
    text = _edit(ECG, 'name = "q1"\nkind = "quant"\nx_bits = 16             # informational: the real input is '
                 "conv1's raw int32 output\nq_max_bits = 12\n", 'name = "q1"\nkind = "relu"\n')
    assert ("operand_width", "conv2", "x_bits") in _rules(text)


def test_validator_and_bounds_agree_on_the_conv_weight_gradient_fan_in(tmp_path):
    # stride 1: dY^T X sums 16 * 131 products of 12 x 12 bits, beyond 511
    # (conv2 then sees length 65: 16 * 65 products, beyond 511 as well)
    text = _edit(ECG, "stride = 5\n", "stride = 1\n").replace("in_length = 13\n", "in_length = 65\n")
    fan = {(layer, "dW") for rule, layer, key in _rules(text) if rule == "fan_in" and key == "batch"}
    assert fan == {("conv1", "dW"), ("conv2", "dW")}
    from click.testing import CliRunner

    from symverify.cli import cli
    f, out = tmp_path / "m.toml", tmp_path / "b.json"
    f.write_text(text)
    CliRunner().invoke(cli, ["bounds", str(f), "--json", str(out), "--no-replay"])
    unsafe = {(x["layer"], x["accumulator"]) for x in json.loads(out.read_text())["records"]
              if x["status"] == "UNSAFE"}
    assert unsafe == fan


def test_validator_checks_the_conv_gradient_width():
    # a 14-bit dy_bits on conv2: its products would take a 14-bit gradient
    text = _edit(ECG, "dy_bits = 12\ndx_bits = 12\ngrad_w_bits = 16\n\n[[layer]]\nname = \"q2\"",
                 "dy_bits = 14\ndx_bits = 12\ngrad_w_bits = 16\n\n[[layer]]\nname = \"q2\"")
    assert ("operand_width", "conv2", "dy_bits") in _rules(text)


# ------------------------------------------------------------------ golden vectors of the first steps
def _replay_train_cnn(doc, backend):
    """Replay goldgen/vectors/train_cnn.json on ``backend``; returns the
    number of compared tensors, raises AssertionError at the first difference."""
    from symverify.goldgen.kernelcall import encode_layer_value
    from symverify.goldgen.vecformat import f32_from_hex, hex32

    compared = 0
    for name, rec in doc["models"].items():
        m = build_model(EXAMPLES / f"{name}.toml", backend, seed=doc["init_seed"])
        assert {k: encode_layer_value(v) for k, v in m.params().items()} == _strip(rec["initial_params"]), name
        tr = SymTrainer(m, backend, TrainConfig.from_model(m), rec["classes"], seed=doc["rng_seed"])
        for t, step in enumerate(rec["steps"]):
            x = np.array([f32_from_hex(h) for h in step["x"]], dtype=np.float32).reshape(step["x_shape"])
            loss, grads = tr.step(x, np.array(step["labels"], dtype=np.int32))
            assert hex32(loss) == step["loss"], (name, t, "loss")
            assert f"0x{tr.rng.state:08X}" == step["rng_state"], (name, t, "rng")
            for k, v in grads.items():
                assert encode_layer_value(v) == _strip(step["grads"][k]), (name, t, "grad", k)
                compared += 1
            for k, v in m.params().items():
                assert encode_layer_value(v) == _strip(step["params"][k]), (name, t, "param", k)
                compared += 1
    return compared


def _strip(obj):
    """The vector without its ``*_dec`` comments."""
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if not k.endswith("_dec")}
    return obj


def test_train_cnn_vectors_replay_bit_exact_on_the_c_kernels():
    doc = json.loads((Path(__file__).resolve().parent.parent / "goldgen" / "vectors" / "train_cnn.json").read_text())
    assert set(doc["models"]) == {"ecg5000_cnn", "har_cnn"} and doc["steps"] >= 2
    assert _replay_train_cnn(doc, sv.kernels) == 2 * doc["steps"] * 2 * len(PARAMS)
    # the replay can fail: one mantissa of one stored gradient changed
    g = doc["models"]["har_cnn"]["steps"][1]["grads"]["conv2.w"]["mantissas"]
    g[3] += 1
    with pytest.raises(AssertionError, match="conv2.w"):
        _replay_train_cnn(doc, sv.kernels)
