"""UEA BasicMotions (symverify/training/data.py): the ``.ts`` reader on files
made here (always runs), the real file of sktime's wheel (the optional
``basicmotions`` extra: skipped, saying so, when sktime is absent), the
missing-extra error, and the example model's bounds."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from symverify.cli import cli
from symverify.model.validator import validate
from symverify.training import MissingExtraError, load_dataset
from symverify.training import data as D

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MODEL = EXAMPLES / "basicmotions_cnn.toml"

HEADER = "#a comment\n@problemName Toy\n@univariate false\n@dimensions 2\n@classLabel true up down\n@data\n"


def test_read_ts_of_a_small_file(tmp_path):
    f = tmp_path / "toy.ts"
    f.write_text(HEADER + "1,2,3:4,5,6:down\n\n-1,-2,-3:0.5,0,1e3:up\n")
    x, labels, classes = D.read_ts(f)
    assert classes == ["up", "down"] and labels == ["down", "up"]
    assert x.shape == (2, 2, 3) and x.dtype == np.float64
    assert x[0].tolist() == [[1, 2, 3], [4, 5, 6]] and x[1, 1].tolist() == [0.5, 0, 1000]


@pytest.mark.parametrize("body, what", [
    ("1,2:3:up\n", "shape"),                      # the second dimension is shorter
    ("1,2:3,?:up\n", "numeric"),                  # a missing value
    ("1,2:3,4:sideways\n", "'sideways'"),         # not a declared class
    ("", "no @classLabel line or no @data"),
    ("1,nan:3,4:up\n", "non-finite"),
])
def test_read_ts_names_what_is_wrong(tmp_path, body, what):
    f = tmp_path / "bad.ts"
    f.write_text(HEADER + "1,2:3,4:up\n" + body if body else HEADER)
    with pytest.raises(D.DataFileError, match="bad.ts") as exc:
        D.read_ts(f)
    assert what in str(exc.value)


def test_missing_sktime_names_the_extra(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sktime" else real(name, *a))
    with pytest.raises(MissingExtraError, match=r"'sktime'.*symverify\[basicmotions\]"):
        load_dataset("basicmotions")


@pytest.mark.skipif(importlib.util.find_spec("sktime") is None,
                    reason="sktime is not installed (the optional '.[basicmotions]' extra): the real file is not read")
def test_basicmotions_is_the_uea_split():
    d = load_dataset("basicmotions")
    assert d.x_train.shape == (40, 6, 100) and d.x_test.shape == (40, 6, 100)
    assert d.classes == ["Standing", "Running", "Walking", "Badminton"]
    assert np.bincount(d.y_train).tolist() == [10] * 4 and np.bincount(d.y_test).tolist() == [10] * 4
    # standardised with the training split's statistics only
    assert np.allclose(d.x_train.mean(axis=(0, 2)), 0, atol=1e-5)
    assert np.allclose(d.x_train.std(axis=(0, 2)), 1, atol=1e-4)
    assert not np.allclose(d.x_test.mean(axis=(0, 2)), 0, atol=1e-3)


def test_basicmotions_model_proven_safe_and_valid(tmp_path):
    out = tmp_path / "b.json"
    r = CliRunner().invoke(cli, ["bounds", str(MODEL), "--json", str(out), "--no-replay"])
    assert r.exit_code == 0, r.output
    recs = json.loads(out.read_text())["records"]
    assert {x["status"] for x in recs} == {"SAFE", "FLOAT_CORE"}
    assert validate(MODEL) == []
