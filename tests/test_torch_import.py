"""``symverify bounds --torch module.py:factory``. The real-torch test runs
where torch is installed (it is not in the test extras: a CPU wheel with its
dependencies is hundreds of MB) and is skipped elsewhere; the mapping itself
is also checked on plain objects shaped like torch's modules (same class
names and attributes), which needs no torch."""
from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from symverify.cli import cli
from symverify.model.importing import UnsupportedOpError
from symverify.model.torch_import import read_torch


class _Module:
    def __init__(self, **attrs):
        self.__dict__.update(attrs)
        self._children: list[tuple[str, object]] = []

    def named_children(self):
        return iter(self._children)


def _cls(name):
    return type(name, (_Module,), {})


Sequential, Linear, ReLU, LayerNorm, Conv1d, MaxPool1d, Dropout, GRU = map(
    _cls, ["Sequential", "Linear", "ReLU", "LayerNorm", "Conv1d", "MaxPool1d", "Dropout", "GRU"])


def _seq(*mods):
    s = Sequential()
    s._children = [(str(i), m) for i, m in enumerate(mods)]
    return s


def test_module_tree_maps_in_registration_order():
    net = _seq(Conv1d(in_channels=4, out_channels=8, kernel_size=(3,), stride=(1,), padding="same", dilation=(1,),
                      groups=1, bias=object(), padding_mode="zeros"),
               MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False),
               Dropout(p=0.1),
               Linear(in_features=64, out_features=10, bias=None), ReLU(),
               LayerNorm(normalized_shape=(10,), eps=1e-5))
    recs = [lay.record for lay in read_torch(net, "net.py:make", x_bits=8, w_bits=8)]
    assert [r["kind"] for r in recs] == ["conv1d", "maxpool1d", "linear", "relu", "layernorm"]
    assert recs[0] == {"name": "0", "kind": "conv1d", "in_channels": 4, "out_channels": 8, "kernel_size": 3,
                       "stride": 1, "padding": "same", "dilation": 1, "groups": 1, "bias": True, "x_bits": 8,
                       "w_bits": 8}
    assert recs[2] == {"name": "3", "kind": "linear", "in_features": 64, "out_features": 10, "bias": False,
                       "x_bits": 8, "w_bits": 8}
    assert recs[4]["normalized_shape"] == 10


def test_unsupported_modules_are_all_named():
    net = _seq(Linear(in_features=4, out_features=4, bias=None), GRU(), _cls("Conv2d")())
    with pytest.raises(UnsupportedOpError) as exc:
        read_torch(net, "net.py:make")
    assert exc.value.ops == [("GRU", "1"), ("Conv2d", "2")]


def test_real_torch_module(tmp_path):
    pytest.importorskip("torch")
    mod = tmp_path / "net.py"
    mod.write_text(textwrap.dedent("""
        import torch.nn as nn
        def make():
            return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.LayerNorm(32), nn.Linear(32, 4))
    """))
    js = tmp_path / "b.json"
    r = CliRunner().invoke(cli, ["bounds", "--torch", f"{mod}:make", "--json", str(js), "--no-replay"])
    assert r.exit_code == 0, r.output
    recs = json.loads(js.read_text())["records"]
    assert {x["status"] for x in recs} == {"SAFE"} and recs[0]["layer"] == "0"
    r = CliRunner().invoke(cli, ["bounds", "--torch", f"{mod}:make", "--x-bits", "16", "--w-bits", "16"])
    assert r.exit_code == 1


def test_torch_spec_errors(tmp_path):
    r = CliRunner().invoke(cli, ["bounds", "--torch", "no_colon"])
    assert r.exit_code == 3 and "expected module.py:factory" in r.output
    r = CliRunner().invoke(cli, ["bounds", "--torch", f"{tmp_path / 'absent.py'}:make"])
    assert r.exit_code == 3 and "no such file" in r.output
