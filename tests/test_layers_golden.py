"""Golden vectors of the layer kernels and of the training chain
(goldgen/vectors/layers.json, chain.json): replayed bit-exactly on both
backends, stamped, and free of drift: they are part of goldgen/generate.py's
compute / write / check (the `symverify goldgen` path), and `--check` fails
with a readable diff when either file is tampered with."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pytest

import symverify as sv
from click.testing import CliRunner

from symverify.goldgen import generate as gen
from symverify.goldgen import layer_fixtures as lf
from symverify.goldgen.vecformat import EMULATOR_VERSION, strip_comments

LAYERS = gen.load_family(lf.vectors_dir() / "layers.json")
CHAIN = gen.load_family(lf.vectors_dir() / "chain.json")
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
    """The shared generator path: both files are computed by generate.compute
    and match the committed files byte for byte."""
    results = gen.compute_layer_families()
    assert set(results) == set(gen.LAYER_FAMILIES)
    report = gen.check(None, results)
    assert [(r.family, r.status) for r in report] == [(f, "ok") for f in gen.LAYER_FAMILIES], \
        "".join(r.diff for r in report)
    assert report[0].vectors == LAYERS["count"]


def test_full_compute_includes_layer_families():
    results = gen.compute()
    assert {"layers", "chain"} <= set(results)
    assert set(results["layers"].files) == {"layers.json", "layers.h"}
    assert set(results["chain"].files) == {"chain.json", "train_cnn.json"}
    for name in ("layers.json", "layers.h"):
        assert results["layers"].files[name] == (lf.vectors_dir() / name).read_text()


def test_layers_header_is_standalone_c99_and_complete(tmp_path):
    """layers.h (what xtarget runs on Cortex-M) compiles alone with -pedantic,
    twice included, and declares one entry per layers.json vector and kernel."""
    from symverify import build

    text = (lf.vectors_dir() / "layers.h").read_text()
    assert "malloc" not in text and '#include "' not in text
    assert LAYERS["fixture_hash"] in text
    names = re.findall(r'^\s*\{ "([^"]+)",', text, re.MULTILINE)
    assert sorted(names) == sorted(v["name"] for v in LAYERS["vectors"])
    for kernel in lf.LAYER_KERNELS:
        count = sum(v["kernel"] == kernel for v in LAYERS["vectors"])
        assert f"#define SYM_GOLDEN_LAYERS_{kernel.upper()}_COUNT {count}\n" in text
    src = tmp_path / "only_layers.c"
    src.write_text('#include "layers.h"\n#include "layers.h"\n'
                   "int main(void) { return (int)sym_golden_layers_linear_forward[0].status; }\n")
    res = subprocess.run([build.find_compiler(), "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror",
                          f"-I{lf.vectors_dir()}", "-c", str(src), "-o", str(tmp_path / "o.o")],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_layers_header_refuses_what_it_cannot_express():
    """A vector of an unknown kernel or with an unknown argument is refused,
    never silently left out of the C header."""
    from symverify.goldgen.layers_header import render_layers_header

    doc = json.loads(json.dumps(LAYERS))
    doc["vectors"][0]["args"]["new_knob"] = 1
    with pytest.raises(gen.FixtureError, match="new_knob"):
        render_layers_header(doc)
    doc = json.loads(json.dumps(LAYERS))
    doc["vectors"][0]["kernel"] = "conv1d_forward"
    with pytest.raises(gen.FixtureError, match="conv1d_forward"):
        render_layers_header(doc)


def test_goldgen_check_fails_on_tampered_layers_header(tmp_path):
    out = tmp_path / "vectors"
    shutil.copytree(lf.vectors_dir(), out)
    path = out / "layers.h"
    path.write_text(path.read_text().replace(".status = 0 /* SYM_OK */", ".status = -1 /* SYM_OK */", 1))
    res = _run_goldgen("--check", "--out", str(out))
    assert res.exit_code == 1 and "drift" in res.output and "layers.h" in res.output, res.output


def _run_goldgen(*args: str):
    from symverify.cli import cli

    return CliRunner().invoke(cli, ["goldgen", *args], catch_exceptions=False)


def test_goldgen_check_fails_with_diff_on_tampered_layers_json(tmp_path):
    out = tmp_path / "vectors"
    shutil.copytree(lf.vectors_dir(), out)
    path = out / "layers.json"
    doc = json.loads(path.read_text())
    vec = next(v for v in doc["vectors"] if v["name"] == "linear_plain")
    old = vec["expect"]["out"]["mantissas"][0]
    vec["expect"]["out"]["mantissas"][0] = old + 1
    tampered = json.dumps(doc, indent=2) + "\n"
    path.write_text(tampered)
    res = _run_goldgen("--check", "--out", str(out))
    assert res.exit_code == 1, res.output
    assert f"--- {path} (committed)" in res.output and "+++" in res.output
    assert re.search(rf"^-\s+{old + 1},?$", res.output, re.M), res.output
    assert re.search(rf"^\+\s+{old},?$", res.output, re.M), res.output
    assert "layers" in res.output and "drift" in res.output
    assert path.read_text() == tampered, "--check must not repair the file"


def test_goldgen_check_fails_on_missing_chain_json(tmp_path):
    out = tmp_path / "vectors"
    shutil.copytree(lf.vectors_dir(), out)
    (out / "chain.json").unlink()
    res = _run_goldgen("--check", "--out", str(out))
    assert res.exit_code == 1 and "missing" in res.output
    assert not (out / "chain.json").exists()


def test_goldgen_regenerates_layer_files(tmp_path):
    out = tmp_path / "fresh"
    assert _run_goldgen("--out", str(out)).exit_code == 0
    for name in ("layers.json", "layers.h", "chain.json"):
        assert (out / name).read_bytes() == (lf.vectors_dir() / name).read_bytes()


def test_layer_fixtures_module_check():
    from symverify.goldgen import layers_cli

    assert layers_cli.main(["--check"]) == 0


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
        with pytest.raises(gen.FixtureError):   # refused by `symverify goldgen` as well
            gen.compute()
    finally:
        lf.fixtures = orig
