"""Golden vectors of the layer kernels and of the training chain
(goldgen/vectors/layers.json, chain.json): replayed bit-exactly on both
backends, stamped, and free of drift (regenerating from the emulator gives
the stored files byte for byte)."""
from __future__ import annotations

import json

import numpy as np
import pytest

import symverify as sv
from symverify.goldgen import layer_fixtures as lf
from symverify.goldgen.generate import EMULATOR_VERSION, strip_comments

LAYERS = json.loads((lf.vectors_dir() / "layers.json").read_text())
CHAIN = json.loads((lf.vectors_dir() / "chain.json").read_text())
BACKENDS = [pytest.param(sv.kernels, id="C"), pytest.param(sv.emulate, id="emulator")]


def test_stamps():
    for doc in (LAYERS, CHAIN):
        assert doc["emulator_version"] == EMULATOR_VERSION
        assert doc["format_version"] == lf.FORMAT_VERSION
        assert doc["generator"] == lf.GENERATOR
    assert LAYERS["fixture_hash"] == lf.catalog_hash(lf.fixtures())
    assert LAYERS["count"] == len(LAYERS["vectors"]) == len(lf.fixtures())


def test_every_layer_kernel_covered():
    kernels = {v["kernel"] for v in LAYERS["vectors"]}
    assert kernels == set(lf.LAYER_KERNELS)
    for k in lf.LAYER_KERNELS:  # each kernel has an OK vector; those with checks an error vector too
        statuses = {v["expect"]["status"] for v in LAYERS["vectors"] if v["kernel"] == k}
        assert "SYM_OK" in statuses
        if k != "quant_backward":
            assert statuses - {"SYM_OK"}, k


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("vec", LAYERS["vectors"], ids=[v["name"] for v in LAYERS["vectors"]])
def test_layer_vector(backend, vec):
    got = lf.evaluate(vec["kernel"], vec["args"], backend)
    assert got == strip_comments(vec["expect"])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("config", sorted(lf.CHAIN_CONFIGS))
def test_chain_vectors(backend, config):
    stored = strip_comments(CHAIN["configs"][config])
    got = strip_comments(lf._comment(lf.run_chain(backend, config, steps=len(stored["steps"]))))
    assert got["initial_params"] == stored["initial_params"]
    for i, (g, s) in enumerate(zip(got["steps"], stored["steps"])):
        assert g["loss"] == s["loss"], f"step {i}: loss"
        assert g["rng_state"] == s["rng_state"], f"step {i}: rng state"
        assert g["params"] == s["params"], f"step {i}: params"


def test_chain_vectors_change_every_step():
    """Non-vacuity: the stored steps really train (params and RNG move)."""
    for cfg in CHAIN["configs"].values():
        steps = strip_comments(cfg)["steps"]
        assert len({s["rng_state"] for s in steps}) == len(steps)
        assert steps[0]["params"] != steps[-1]["params"]
        assert steps[0]["loss"] != steps[-1]["loss"]


def test_no_drift():
    assert lf.check() == ""


def test_declared_status_self_check():
    """The generator refuses a fixture whose emulator status is not the declared one."""
    bad = dict(lf.fixtures()[0], status="SYM_ERR_SHAPE")
    got = lf.evaluate(bad["kernel"], bad["args"], sv.emulate)
    assert got["status"] != bad["status"]
    orig = lf.fixtures
    try:
        lf.fixtures = lambda: [bad]
        with pytest.raises(lf.LayerFixtureError):
            lf.compute_layers()
    finally:
        lf.fixtures = orig
