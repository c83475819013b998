"""The opt-in model validator (symverify.model.validate) and the factory."""
from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import numpy as np
import pytest

import symverify as sv
from symverify.model import (ModelFileError, ModelValidationError, build_model, max_safe_fan_in, validate,
                             worst_case)

ROOT = Path(__file__).resolve().parent.parent
CHAIN = ROOT / "examples" / "chain.toml"
SPEC = tomllib.loads(CHAIN.read_text())


def spec(**edits) -> dict:
    """A copy of the chain's model with per-layer edits {layer_name: {key: value | None}}."""
    d = copy.deepcopy(SPEC)
    for name, kv in edits.items():
        if name == "training":
            d["training"].update(kv)
            continue
        layer = next(L for L in d["layer"] if L["name"] == name)
        for k, v in kv.items():
            if v is None:
                layer.pop(k, None)
            else:
                layer[k] = v
    return d


def rules(d) -> list[tuple[str, str, str]]:
    return [(f.rule, f.layer, f.key) for f in validate(d, strict=False)]


def test_chain_is_valid():
    assert validate(CHAIN) == []
    assert validate(build_model(CHAIN, sv.emulate)) == []


def test_max_safe_fan_in_exact_values():
    assert max_safe_fan_in(12, 12, False) == 511
    assert max_safe_fan_in(12, 12, True) == 255       # 255 * 2^22 + 1073774591 <= 2^31 - 1 < 256 * 2^22 + ...
    assert 255 * 2 ** 22 + 1073774591 <= 2 ** 31 - 1 < 256 * 2 ** 22 + 1073774591
    assert max_safe_fan_in(16, 16, False) == 1       # two int16 products overflow
    assert max_safe_fan_in(8, 8, True) == (2 ** 31 - 1 - 1073774591) // 2 ** 14
    assert worst_case(511, 12, 12, False) == 511 * 2 ** 22


def test_default_guard_bound_is_never_looser():
    """The validator's default seed bound (1073774591, the nominal guard) gives a
    fan-in limit never above the prover's (1073774464, the float32 guard), equal
    for every product of widths >= 8 (the exact limits are checked on the C
    kernel for every pair in tests/test_fan_in_grid.py)."""
    from symverify.proofs.lemmas import SEED_MAX
    for a in range(2, 17):
        for b in [None] + list(range(2, 17)):
            for seeded in (False, True):
                want = max_safe_fan_in(a, b, seeded, seed_max=SEED_MAX)
                assert max_safe_fan_in(a, b, seeded) <= want
                if b is not None and min(a, b) >= 8:
                    assert max_safe_fan_in(a, b, seeded) == want


def test_fan_in_bound_is_tight_on_the_c_kernel():
    """N = max_safe_fan_in works on the worst input; N + 1 overflows (C kernel)."""
    for xb, wb in [(12, 12), (10, 12), (8, 8)]:
        n = max_safe_fan_in(xb, wb, False)
        for m, status in ((n, None), (n + 1, "SYM_ERR_INT_OVERFLOW")):
            x = sv.SymTensor(np.full((1, m), -(1 << (xb - 1)), np.int32), np.float32(1), xb)
            w = sv.SymTensor(np.full((1, m), -(1 << (wb - 1)), np.int32), np.float32(1), wb)
            try:
                sv.kernels.linear_forward(x, w)
                got = None
            except sv.SymError as exc:
                got = exc.code
            assert got == status, (xb, wb, m)


def test_operand_width_over_12():
    r = rules(spec(fc1={"w_bits": 16}))
    assert ("operand_width", "fc1", "w_bits") in r
    with pytest.raises(ModelValidationError) as exc:
        validate(spec(fc1={"w_bits": 16}))
    msg = str(exc.value)
    assert "layer 'fc1'" in msg and "key 'w_bits' = 16" in msg and "at most 12 bits" in msg


def test_operand_width_message_names_the_file():
    with pytest.raises(ModelValidationError, match=r"chain\.toml: layer 'fc2': key 'w_bits' = 13"):
        m = build_model(CHAIN, sv.emulate)
        m.spec = spec(fc2={"w_bits": 13})
        validate(m)


def test_raw_output_into_a_product_needs_a_quant():
    d = spec()
    d["layer"] = [L for L in d["layer"] if L["name"] != "q2"]  # LayerNorm raw output straight into fc2
    r = rules(d)
    assert ("operand_width", "fc2", "x_bits") in r
    assert ("width_mismatch", "fc2", "x_bits") in r
    d = spec()
    d["layer"] = [L for L in d["layer"] if L["name"] != "q1"]  # fc1 raw output into LayerNorm (> 16 bits)
    assert ("operand_width", "ln", "x_bits") in rules(d)


def test_gradient_width_over_12():
    r = rules(spec(training={"grad_bits": 16}))
    assert ("operand_width", "fc2", "dy_bits") in r
    r = rules(spec(ln={"dx_bits": 14}))
    assert ("operand_width", "fc1", "dy_bits") in r  # straight through q1


def test_fan_in_beyond_bound():
    d = spec(fc1={"in_features": 256})
    r = rules(d)
    assert ("fan_in", "fc1", "in_features") in r
    msg = [str(f) for f in validate(d, strict=False) if f.rule == "fan_in"][0]
    assert "256" in msg and "255" in msg and str(worst_case(256, 12, 12, True)) in msg
    assert ("fan_in", "fc1", "in_features") not in rules(spec(fc1={"in_features": 255}))
    assert ("fan_in", "fc1", "in_features") not in rules(spec(fc1={"in_features": 511, "bias": False}))
    assert ("fan_in", "fc1", "in_features") in rules(spec(fc1={"in_features": 512, "bias": False}))


def test_batch_fan_in_of_the_weight_gradient():
    assert ("fan_in", "fc1", "batch") in rules(spec(training={"batch": 512}))
    assert ("fan_in", "fc1", "batch") not in rules(spec(training={"batch": 511}))


def test_double_requant():
    d = spec(fc1={"out_bits": 12})
    r = rules(d)
    assert ("double_requant", "q1", "kind") in r
    msg = [str(f) for f in validate(d, strict=False) if f.rule == "double_requant"][0]
    assert "'fc1'" in msg and "out_bits = 12" in msg
    d = spec()
    d["layer"].insert(2, {"name": "q1b", "kind": "quant", "q_max_bits": 8})
    assert ("double_requant", "q1b", "kind") in rules(d)


def test_shape_mismatch():
    assert ("shape", "ln", "normalized_shape") in rules(spec(ln={"normalized_shape": 15}))
    assert ("shape", "fc2", "in_features") in rules(spec(fc2={"in_features": 8}))


def test_validator_is_opt_in():
    """The factory builds what the validator rejects (the validator is opt-in)."""
    d = spec(fc1={"out_bits": 12})
    m = build_model(d, sv.emulate)
    assert m.layers[0].out_bits == 12
    assert validate(m, strict=False)


def test_factory_shapes_widths_and_seeded_init():
    for backend in (sv.kernels, sv.emulate):
        m = build_model(CHAIN, backend)
        assert [L.kind for L in m.layers] == ["linear", "quant", "layernorm", "quant", "linear"]
        fc1, ln = m.layers[0], m.layers[2]
        assert fc1.w.mantissas.shape == (16, 4) and fc1.w.q_max_bits == 12 and fc1.b.q_max_bits == 16
        assert ln.gamma.mantissas.tolist() == [2047] * 16 and ln.norm_bits == 12
    a, b = build_model(CHAIN, sv.kernels), build_model(CHAIN, sv.emulate)
    for k in a.params():
        assert np.array_equal(a.params()[k].mantissas, b.params()[k].mantissas)
        assert a.params()[k].scale == b.params()[k].scale
    c = build_model(CHAIN, sv.emulate, seed=1)
    assert not np.array_equal(c.layers[0].w.mantissas, a.layers[0].w.mantissas)


@pytest.mark.parametrize("edit,key", [
    ({"fc1": {"kind": "conv9"}}, "kind"),
    ({"fc1": {"in_features": None}}, "in_features"),
    ({"fc1": {"w_bits": "twelve"}}, "w_bits"),
    ({"ln": {"eps": -1.0}}, "eps"),
    ({"fc1": {"bias": "yes"}}, "bias"),
])
def test_factory_rejects_malformed_files(edit, key):
    with pytest.raises(ModelFileError) as exc:
        build_model(spec(**edit), sv.emulate)
    assert exc.value.key == key and f"key {key!r}" in str(exc.value)
