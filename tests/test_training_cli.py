"""``symverify train``: a smoke run, its JSON and PNG, and bad input named
with the documented exit codes (nothing written on error)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from symverify.cli import cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ECG = str(EXAMPLES / "ecg5000_mlp.toml")


def _run(*args: str):
    return CliRunner().invoke(cli, ["train", *args], catch_exceptions=False)


def test_smoke_run_writes_json_and_png(tmp_path):
    js, png = tmp_path / "run.json", tmp_path / "run.png"
    r = _run(ECG, "--data", "ecg5000", "--epochs", "2", "--n-train", "200", "--n-test", "100", "--seed", "4",
             "--json", str(js), "--plot", str(png))
    assert r.exit_code == 0, r.output
    assert "loss SYM" in r.output and "acc SYM" in r.output
    rec = json.loads(js.read_text())
    assert rec["config"]["n_train"] == 200 and rec["config"]["n_test"] == 100 and rec["config"]["seed"] == 4
    assert [e["epoch"] for e in rec["epochs"]] == [1, 2]
    assert rec["epochs"][1]["sym_loss"] < rec["epochs"][0]["sym_loss"]
    assert sum(map(sum, rec["confusion"]["sym"])) == 100 and len(rec["classes"]) == 5
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json", "run.png"]  # no temporary left


@pytest.mark.parametrize("args, code, text", [
    (["--data", "mnist"], 2, "'--data'"),
    (["--data", "ecg5000", "--epochs", "0"], 2, "'--epochs'"),
    (["--data", "ecg5000", "--plot", "x.txt"], 2, "'--plot'"),
    (["--data", "ecg5000", "--lr", "-1"], 2, "'--lr'"),
    (["--data", "ecg5000", "--lr", "inf"], 2, "'--lr'"),
    (["--data", "ecg5000", "--lr", "1e-50"], 2, "'--lr'"),          # 0 as float32
    (["--data", "har"], 3, "600"),                               # the ECG model on HAR windows
])
def test_bad_options_are_named(args, code, text, tmp_path):
    js = tmp_path / "out.json"
    r = _run(ECG, *args, "--epochs" if "--epochs" not in args else "--seed", "1", "--json", str(js))
    assert r.exit_code == code, r.output
    assert text in r.output
    assert not js.exists()


def test_bad_model_file_exits_3(tmp_path):
    bad = tmp_path / "m.toml"
    bad.write_text('[[layer]]\nname = "fc"\nkind = "linear"\nin_featurs = 140\n')
    r = _run(str(bad), "--data", "ecg5000")
    assert r.exit_code == 3 and "in_featurs" in r.output
    r = _run(str(tmp_path / "missing.toml"), "--data", "ecg5000")
    assert r.exit_code == 3 and "missing.toml" in r.output


def test_kind_without_training_step_exits_3(tmp_path):
    m = tmp_path / "avg.toml"
    m.write_text(Path(ECG).read_text().replace('name = "q1"\nkind = "quant"', 'name = "q1"\nkind = "avgpool1d"')
                 .replace('x_bits = 16             # informational: the real input is fc1', 'kernel_size = 2 # fc1'
                          ).replace("q_max_bits = 12\n", "", 1))
    r = _run(str(m), "--data", "ecg5000", "--epochs", "1")
    assert r.exit_code == 3 and "avgpool1d" in r.output, r.output


def test_missing_extra_exits_3_naming_it(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "seglearn" else real(name, *a))
    r = _run(str(EXAMPLES / "har_mlp.toml"), "--data", "har", "--epochs", "1")
    assert r.exit_code == 3
    assert "seglearn" in r.output and "symverify[examples]" in r.output


def test_plot_without_matplotlib_is_a_usage_error(monkeypatch, tmp_path):
    import sys
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    r = _run(ECG, "--data", "ecg5000", "--epochs", "1", "--plot", str(tmp_path / "p.png"))
    assert r.exit_code == 2 and "matplotlib" in r.output and "symverify[examples]" in r.output
    assert not (tmp_path / "p.png").exists()


def test_emulator_backend_gives_the_c_run(tmp_path):
    recs = []
    for backend in ("kernels", "emulate"):
        js = tmp_path / f"{backend}.json"
        r = _run(ECG, "--data", "ecg5000", "--epochs", "1", "--n-train", "64", "--n-test", "32", "--no-twin",
                 "--backend", backend, "--json", str(js))
        assert r.exit_code == 0, r.output
        recs.append(json.loads(js.read_text()))
    assert recs[0]["config"]["backend"] == "symverify.kernels" and recs[1]["config"]["backend"] == "symverify.emulate"
    for key in ("sym_loss", "sym_accuracy", "sym_macro_f1"):
        assert recs[0]["epochs"][0][key] == recs[1]["epochs"][0][key]
    assert recs[0]["confusion"] == recs[1]["confusion"] and "float_loss" not in recs[0]["epochs"][0]


def test_diverging_run_fails_naming_the_step(tmp_path):
    js = tmp_path / "out.json"
    r = _run(ECG, "--data", "ecg5000", "--epochs", "1", "--n-train", "32", "--n-test", "8", "--lr", "1e30",
             "--json", str(js))
    assert r.exit_code == 1, r.output
    assert "epoch 1, step 2 of 2" in r.output and "SYM_ERR_FLOAT_OVERFLOW" in r.output
    assert not js.exists()
