"""The PyTorch float32 twin (symverify/training/torch_twin.py, the optional
``torch`` extra) against the numpy float32 twin: two independent float32
implementations of the same network must train alike. The comparisons skip
only when torch is not installed (the skip says so); the twin selection and
the missing-extra errors are tested either way."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import symverify.emulate as em
from symverify.cli import cli
from symverify.model.factory import build_model
from symverify.training import torch_twin
from symverify.training.data import MissingExtraError
from symverify.training.twin import FloatTwin

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

needs_torch = pytest.mark.skipif(not torch_twin.torch_available(),
                                 reason="torch is not installed (the optional '.[torch]' extra): "
                                        "the torch twin is not compared")


@needs_torch
@pytest.mark.parametrize("model_file, shape, classes", [
    ("ecg5000_cnn.toml", (16, 1, 140), 5), ("har_cnn.toml", (16, 6, 100), 7), ("ecg5000_mlp.toml", (16, 140), 5)])
def test_torch_twin_trains_like_the_numpy_twin(model_file, shape, classes):
    """20 SGD steps on random batches: per-step losses within 1e-5 relative,
    every parameter within 1e-6 of the numpy twin's (measured: 3e-8), while
    each parameter tensor moved by more than 1e-3 (not vacuous); the same
    predictions on fresh inputs."""
    model = build_model(EXAMPLES / model_file, em, seed=0)
    ref, tt = FloatTwin(model), torch_twin.TorchTwin(model)
    start = {f"{n}.{k}": p[k].copy() for n, kind, p in ref.layers if kind in ("conv1d", "linear") for k in "wb"}
    rng = np.random.default_rng(5)
    for _ in range(20):
        x = rng.standard_normal(shape).astype(np.float32)
        target = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, shape[0])]
        a, b = ref.step(x, target, 0.1), tt.step(x, target, 0.1)
        assert float(b) == pytest.approx(float(a), rel=1e-5)
    got = tt.params()
    assert sorted(got) == sorted(start)
    for name, kind, p in ref.layers:
        if kind not in ("conv1d", "linear"):
            continue
        for k in "wb":
            key = f"{name}.{k}"
            assert np.abs(p[k] - start[key]).max() > 1e-3, key
            assert got[key].shape == p[k].shape and np.abs(got[key] - p[k]).max() <= 1e-6, key
    x = rng.standard_normal(shape).astype(np.float32)
    assert (tt.predict(x) == ref.predict(x)).all()


@needs_torch
def test_auto_picks_torch_when_installed():
    model = build_model(EXAMPLES / "har_cnn.toml", em, seed=0)
    assert torch_twin.make_twin(model, "auto").name == "torch"
    assert isinstance(torch_twin.make_twin(model, "numpy"), FloatTwin)


def test_twin_selection_without_torch(monkeypatch):
    """Without torch: auto is the numpy twin, torch is a MissingExtraError
    naming the extra, an unknown name a ValueError."""
    monkeypatch.setattr(torch_twin, "torch_available", lambda: False)
    model = build_model(EXAMPLES / "ecg5000_cnn.toml", em, seed=0)
    twin = torch_twin.make_twin(model, "auto")
    assert isinstance(twin, FloatTwin) and twin.name == "numpy"
    with pytest.raises(MissingExtraError, match=r"\.\[torch\]"):
        torch_twin.make_twin(model, "torch")
    with pytest.raises(ValueError, match="'tf'"):
        torch_twin.make_twin(model, "tf")


def test_cli_twin_choice_is_recorded_and_missing_torch_exits_3(tmp_path, monkeypatch):
    js = tmp_path / "run.json"
    args = ["train", str(EXAMPLES / "ecg5000_cnn.toml"), "--data", "ecg5000", "--epochs", "1", "--n-train", "32",
            "--n-test", "16"]
    r = CliRunner().invoke(cli, [*args, "--twin", "numpy", "--json", str(js)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert json.loads(js.read_text())["config"]["float_twin"] == "numpy" and "float32 twin numpy" in r.output
    monkeypatch.setattr(torch_twin, "torch_available", lambda: False)
    out = tmp_path / "none.json"
    r = CliRunner().invoke(cli, [*args, "--twin", "torch", "--json", str(out)], catch_exceptions=False)
    assert r.exit_code == 3 and ".[torch]" in r.output
    assert not out.exists()
