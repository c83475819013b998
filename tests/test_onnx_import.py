"""``symverify bounds model.onnx``: small ONNX graphs built here with
onnx.helper (checked by onnx.checker), mapped to layer records and decided."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

onnx = pytest.importorskip("onnx")  # in the test extras: CI always has it
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from _sarif import validate_sarif  # noqa: E402
from symverify.cli import cli  # noqa: E402
from symverify.model.importing import UnsupportedOpError  # noqa: E402
from symverify.model.onnx_import import read_onnx  # noqa: E402


def _init(name, *shape):
    return numpy_helper.from_array(np.zeros(shape, np.float32), name)


def _save(tmp_path: Path, nodes, inits, inp, out, name="m.onnx") -> Path:
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, inp)],
                              [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, out)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model, full_check=True)
    path = tmp_path / name
    onnx.save(model, str(path))
    return path


def mlp(tmp_path: Path, hidden: int = 32) -> Path:
    """Gemm (transB) -> Relu -> LayerNormalization -> MatMul + Add (-> Flatten)."""
    nodes = [helper.make_node("Gemm", ["x", "W1", "b1"], ["h1"], name="fc1", transB=1),
             helper.make_node("Relu", ["h1"], ["r1"], name="act"),
             helper.make_node("LayerNormalization", ["r1", "g", "be"], ["n1"], name="ln", epsilon=1e-5),
             helper.make_node("MatMul", ["n1", "W2"], ["m2"], name="fc2"),
             helper.make_node("Add", ["m2", "b2"], ["y0"], name="fc2_bias"),
             helper.make_node("Flatten", ["y0"], ["y"], name="flat")]
    inits = [_init("W1", hidden, 16), _init("b1", hidden), _init("g", hidden), _init("be", hidden),
             _init("W2", hidden, 8), _init("b2", 8)]
    return _save(tmp_path, nodes, inits, [1, 16], [1, 8])


def _bounds(*args):
    return CliRunner().invoke(cli, ["bounds", *map(str, args)])




def test_mlp_maps_to_linear_relu_layernorm_linear(tmp_path):
    layers = read_onnx(mlp(tmp_path))
    recs = [lay.record for lay in layers]
    assert recs == [
        {"name": "fc1", "kind": "linear", "in_features": 16, "out_features": 32, "bias": True, "x_bits": 12,
         "w_bits": 12},
        {"name": "act", "kind": "relu", "x_bits": 12},
        {"name": "ln", "kind": "layernorm", "normalized_shape": 32, "eps": pytest.approx(1e-5), "x_bits": 12},
        {"name": "fc2", "kind": "linear", "in_features": 32, "out_features": 8, "bias": True, "x_bits": 12,
         "w_bits": 12}]
    assert [lay.source["op_type"] for lay in layers] == ["Gemm", "Relu", "LayerNormalization", "MatMul"]


def test_bounds_onnx_int12_is_safe(tmp_path):
    model = mlp(tmp_path)
    js, sarif = tmp_path / "b.json", tmp_path / "b.sarif"
    r = _bounds(model, "--json", js, "--sarif", sarif, "--no-replay")
    assert r.exit_code == 0, r.output
    assert "fc1 (linear) <- onnx_node 'fc1', op_type 'Gemm'" in r.output
    payload = json.loads(js.read_text())
    status = {(x["layer"], x["accumulator"]): x["status"] for x in payload["records"]}
    assert status[("fc1", "forward")] == status[("fc2", "forward")] == "SAFE"
    assert status[("ln", "row_sum")] == status[("ln", "affine")] == "SAFE"
    assert [i["source"]["op_type"] for i in payload["imported"]] == ["Gemm", "Relu", "LayerNormalization", "MatMul"]
    log = json.loads(sarif.read_text())
    validate_sarif(log)
    assert log["runs"][0]["results"] == []


def test_bounds_onnx_int16_defaults_are_unsafe_with_a_counterexample(tmp_path):
    model = mlp(tmp_path)
    js, sarif = tmp_path / "b.json", tmp_path / "b.sarif"
    r = _bounds(model, "--x-bits", 16, "--w-bits", 16, "--json", js, "--sarif", sarif)
    assert r.exit_code == 1, r.output
    recs = json.loads(js.read_text())["records"]
    unsafe = sorted({x["layer"] for x in recs if x["status"] == "UNSAFE"})
    assert unsafe == ["fc1", "fc2"]
    fc1 = next(x for x in recs if x["layer"] == "fc1" and x["accumulator"] == "forward")
    assert fc1["operand_bits"] == [16, 16] and fc1["counterexample"]["c_replay"]["confirmed"]
    log = json.loads(sarif.read_text())
    validate_sarif(log)
    locs = [res["locations"][0]["physicalLocation"] for res in log["runs"][0]["results"]]
    size = model.stat().st_size
    assert all(loc["artifactLocation"]["uri"].endswith("m.onnx") and loc["region"] == {"byteOffset": 0,
               "byteLength": size} for loc in locs)  # a binary model: the whole file, no line


def test_side_toml_overrides_one_layer(tmp_path):
    model = mlp(tmp_path)
    side = tmp_path / "bits.toml"
    side.write_text("[layer.fc2]\nx_bits = 16\nw_bits = 16\n")
    js = tmp_path / "b.json"
    r = _bounds(model, "--overrides", side, "--json", js, "--no-replay")
    assert r.exit_code == 1, r.output
    recs = json.loads(js.read_text())["records"]
    assert sorted({x["layer"] for x in recs if x["status"] == "UNSAFE"}) == ["fc2"]
    side.write_text("[layer.fc9]\nx_bits = 16\n")
    r = _bounds(model, "--overrides", side)
    assert r.exit_code == 3 and "fc9" in r.output and "no layer of this name" in r.output
    side.write_text("[layer.fc2]\nx_bitz = 16\n")
    r = _bounds(model, "--overrides", side)
    assert r.exit_code == 3 and "x_bitz" in r.output and "did you mean 'x_bits'" in r.output


def test_unsupported_ops_are_all_named(tmp_path):
    nodes = [helper.make_node("Gemm", ["x", "W1"], ["h"], name="fc1", transB=1),
             helper.make_node("Sigmoid", ["h"], ["s"], name="gate"),
             helper.make_node("Tanh", ["s"], ["y"], name="squash")]
    model = _save(tmp_path, nodes, [_init("W1", 4, 16)], [1, 16], [1, 4])
    with pytest.raises(UnsupportedOpError) as exc:
        read_onnx(model)
    assert exc.value.ops == [("Sigmoid", "gate"), ("Tanh", "squash")]
    r = _bounds(model)
    assert r.exit_code == 3
    text = " ".join(r.output.split())
    assert "unsupported operator(s): Sigmoid (node 'gate'), Tanh (node 'squash')" in text and "Gemm" in text


def test_2d_conv_is_unsupported_by_name(tmp_path):
    nodes = [helper.make_node("Conv", ["x", "W"], ["y"], name="c2d", kernel_shape=[3, 3])]
    model = _save(tmp_path, nodes, [_init("W", 4, 3, 3, 3)], [1, 3, 8, 8], [1, 4, 6, 6])
    with pytest.raises(UnsupportedOpError) as exc:
        read_onnx(model)
    assert exc.value.ops == [("Conv (2-D kernel; SYM has 1-D)", "c2d")]


def conv_net(tmp_path: Path) -> Path:
    nodes = [helper.make_node("Conv", ["x", "Wc", "bc"], ["c"], name="conv", kernel_shape=[5], pads=[2, 2],
                              strides=[1], dilations=[1], group=1),
             helper.make_node("MaxPool", ["c"], ["p1"], name="mp", kernel_shape=[2], strides=[2]),
             helper.make_node("AveragePool", ["p1"], ["p2"], name="ap", kernel_shape=[3], strides=[1], pads=[1, 1],
                              count_include_pad=1),
             helper.make_node("ConvTranspose", ["p2", "Wt"], ["t"], name="up", kernel_shape=[4], strides=[2],
                              pads=[1, 1], output_padding=[0]),
             helper.make_node("GlobalAveragePool", ["t"], ["g"], name="gap"),
             helper.make_node("Flatten", ["g"], ["f"], name="flat"),
             helper.make_node("Softmax", ["f"], ["y"], name="sm", axis=-1)]
    inits = [_init("Wc", 16, 8, 5), _init("bc", 16), _init("Wt", 16, 4, 4)]
    return _save(tmp_path, nodes, inits, [1, 8, 32], [1, 4])


def test_conv_and_pool_ops_map_to_the_api_kinds(tmp_path):
    recs = {lay.record["name"]: lay.record for lay in read_onnx(conv_net(tmp_path))}
    assert recs["conv"] == {"name": "conv", "kind": "conv1d", "in_channels": 8, "out_channels": 16,
                            "kernel_size": 5, "stride": 1, "dilation": 1, "groups": 1, "bias": True,
                            "padding": 2, "x_bits": 12, "w_bits": 12}
    assert recs["mp"] == {"name": "mp", "kind": "maxpool1d", "kernel_size": 2, "stride": 2, "padding": 0,
                          "dilation": 1, "x_bits": 12}
    assert recs["ap"] == {"name": "ap", "kind": "avgpool1d", "kernel_size": 3, "stride": 1, "padding": 1,
                          "dilation": 1, "count_include_pad": True, "x_bits": 12}
    assert recs["up"] == {"name": "up", "kind": "conv_transpose1d", "in_channels": 16, "out_channels": 4,
                          "kernel_size": 4, "stride": 2, "dilation": 1, "groups": 1, "bias": False,
                          "output_padding": 0, "padding": 1, "x_bits": 12, "w_bits": 12}
    # the length after conv (32) -> maxpool /2 (16) -> avgpool same (16) -> convtranspose x2 (32), by shape inference
    assert recs["gap"] == {"name": "gap", "kind": "adaptive_avgpool1d", "output_size": 1, "in_length": 32,
                           "x_bits": 12}
    assert recs["sm"] == {"name": "sm", "kind": "softmax", "x_bits": 12}


def test_bounds_on_the_conv_net_decides_what_it_can_and_names_the_rest(tmp_path):
    js = tmp_path / "b.json"
    r = _bounds(conv_net(tmp_path), "--json", js, "--no-replay")
    recs = json.loads(js.read_text())["records"]
    by = {(x["layer"], x["accumulator"]): x["status"] for x in recs}
    assert by[("conv", "forward")] == "SAFE" and by[("ap", "window_sum")] == "SAFE"
    assert by[("sm", None)] == "FLOAT_CORE"  # softmax: no integer accumulator, reported by name
    assert r.exit_code == 0 and "FLOAT_CORE (sm)" in " ".join(r.output.split())


def test_not_an_onnx_file(tmp_path):
    bad = tmp_path / "x.onnx"
    bad.write_bytes(b"\x00\xffnot protobuf at all" * 3)
    r = _bounds(bad)
    assert r.exit_code == 3 and "not an ONNX model" in r.output
    r = _bounds(tmp_path / "absent.onnx")
    assert r.exit_code == 3 and "no such file" in r.output


def test_width_options_are_refused_for_a_toml_model():
    ex = Path(__file__).resolve().parents[1] / "examples" / "mlp_int12_safe.toml"
    r = _bounds(ex, "--x-bits", 8)
    assert r.exit_code == 2 and "--x-bits applies to an ONNX model" in r.output
    r = CliRunner().invoke(cli, ["bounds"])
    assert r.exit_code == 2 and "exactly one of MODEL and --torch" in r.output
