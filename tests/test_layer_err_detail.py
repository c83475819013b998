"""The error detail of the layer steps: for bad inputs that reach the C
(past the binding's Python checks), ``sym_err.arg`` of the one C call names
the failing argument, and the binding's SymError carries exactly that name
in its argument and its message. The C-ABI tables of
mutants/abi_layer_steps.py (NULL pointers, wrong lengths, every named
argument) must pass on the shipped library."""
from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np
import pytest

import symverify as sv
import symverify.kernels as K
from symverify import SymTensor
from symverify import build
from symverify.layers_abi import call
from symverify.mutants.abi_layer_steps import CASES as STEP_CASES, arg_index
from symverify.mutants.layer_step_reasons import REASONS as STEP_REASONS

FLT_MAX = float(np.finfo(np.float32).max)
SR = "sr_half_away"


def T(m: Any, scale: float, bits: int) -> SymTensor:
    return SymTensor(np.asarray(m), np.float32(scale), bits)


X = T([[1, -2, 3], [4, 0, -1]], 0.5, 8)
W = T([[2, 1, -1], [0, 3, 5]], 0.25, 8)
DY = T([[3, -1], [2, 5]], 0.125, 8)
LNX = T([[5, 5, 5, 7]], 0.25, 12)
G = T([3, -2, 1, 1], 2.0 ** -11, 12)
#: [B=2, I=2] x [O=3, I=2]: out[1, 2] (flat 5) is the only sum leaving int32
OVX = T([[1, 1], [-32768, -32768]], 1.0, 16)
OVW = T([[1, 1], [1, 1], [-32768, -32768]], 1.0, 16)

# (label, binding call, raw kernel, raw tensors, raw scalars, rounding, rng seed, expected code, expected arg)
CASES: list[tuple[str, Callable[[], Any], str, dict, dict, str, "int | None", str, str]] = [
    ("quant_forward: m * s_in overflows",
     lambda: K.quant_forward(T([[2 ** 31 - 1]], FLT_MAX, 32), 8),
     "quant_forward", {"x": T([[2 ** 31 - 1]], FLT_MAX, 32)}, {"q_max_bits": 8}, "half_away", None,
     "SYM_ERR_FLOAT_OVERFLOW", "x[0]"),
    ("linear_forward: bias seed beyond the guard",
     lambda: K.linear_forward(X, W, T([0, 32767], 2.0 ** 40, 16)),
     "linear_forward", {"x": X, "w": W, "b": T([0, 32767], 2.0 ** 40, 16)}, {"out_bits": 0}, "half_away", None,
     "SYM_ERR_RANGE_GUARD", "b[1]"),
    ("linear_forward: int32 accumulator overflow",
     lambda: K.linear_forward(OVX, OVW),
     "linear_forward", {"x": OVX, "w": OVW}, {"out_bits": 0}, "half_away", None, "SYM_ERR_INT_OVERFLOW", "out[5]"),
    ("linear_backward: grad_b + db leaves its width",
     lambda: K.linear_backward(X, W, DY, T(np.zeros((2, 3), dtype=np.int32), 0.25, 12), T([32767, 0], 0.125, 16), 8, SR, "ratio",
                               sv.Rng(3)),
     "linear_backward", {"x": X, "w": W, "dy": DY, "grad_w": T(np.zeros((2, 3), dtype=np.int32), 0.25, 12),
                         "grad_b": T([32767, 0], 0.125, 16)}, {"dx_bits": 8}, SR, 3,
     "SYM_ERR_INT_OVERFLOW", "new_grad_b[0]"),
    ("layernorm_forward: beta seed beyond the guard",
     lambda: K.layernorm_forward(LNX, G, T([1, 0, 0, 0], 2.0 ** 30, 16), 12, 1e-5),
     "layernorm_forward", {"x": LNX, "gamma": G, "beta": T([1, 0, 0, 0], 2.0 ** 30, 16)},
     {"norm_bits": 12, "eps": 1e-5}, "half_away", None, "SYM_ERR_RANGE_GUARD", "beta"),
    ("layernorm_forward: s_y not normal",
     lambda: K.layernorm_forward(LNX, T([3, -2, 1, 1], 2.0 ** -126, 12), T([0, 0, 0, 0], 1.0, 16), 12, 1e-5),
     "layernorm_forward", {"x": LNX, "gamma": T([3, -2, 1, 1], 2.0 ** -126, 12), "beta": T([0, 0, 0, 0], 1.0, 16)},
     {"norm_bits": 12, "eps": 1e-5}, "half_away", None, "SYM_ERR_SCALE_UNDERFLOW", "gamma.scale"),
    ("layernorm_backward: dx not finite",
     lambda: K.layernorm_backward(LNX, T([3, -2, 1, 1], 2.0 ** 100, 12), T([[1, -2, 3, 0]], 2.0 ** 100, 12), 12,
                                  1e-5),
     "layernorm_backward", {"x": LNX, "gamma": T([3, -2, 1, 1], 2.0 ** 100, 12),
                            "dy": T([[1, -2, 3, 0]], 2.0 ** 100, 12)}, {"dx_bits": 12, "eps": 1e-5}, "half_away",
     None, "SYM_ERR_NONFINITE_INPUT", "out"),
    ("mse_loss: a NaN target",
     lambda: K.mse_loss(T([3, -1], 0.5, 8), np.array([1.0, np.nan], np.float32), 12),
     "mse_loss", {"y": T([3, -1], 0.5, 8)}, {"target": np.array([1.0, np.nan], np.float32), "grad_bits": 12},
     "half_away", None, "SYM_ERR_NONFINITE_INPUT", "target[1]"),
    ("mse_loss: the loss overflows",
     lambda: K.mse_loss(T([2 ** 31 - 1], FLT_MAX, 32), np.array([0.0], np.float32), 12),
     "mse_loss", {"y": T([2 ** 31 - 1], FLT_MAX, 32)}, {"target": np.array([0.0], np.float32), "grad_bits": 12},
     "half_away", None, "SYM_ERR_FLOAT_OVERFLOW", "loss"),
    ("sgd_update: w not finite",
     lambda: K.sgd_update(T([2047], FLT_MAX, 12), T([1], 1.0, 12), 0.1, "half_away"),
     "sgd_update", {"param": T([2047], FLT_MAX, 12), "grad": T([1], 1.0, 12)}, {"lr": 0.1}, "half_away", None,
     "SYM_ERR_FLOAT_OVERFLOW", "param[0]"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_sym_err_names_the_argument_and_the_message_carries_it(case) -> None:
    _, binding, kernel, tensors, scalars, rounding, seed, code, arg = case
    ffi, lib = K.ffi_lib()
    state = sv.Rng(seed).state if seed is not None else None
    raw = call(ffi, lib, kernel, tensors, rounding=rounding, rng_state=state, **scalars)
    assert (sv.errors.status_name(raw.status), raw.arg, raw.index) == (code, *arg_index(arg)), raw
    assert raw.reason and not raw.written, raw
    with pytest.raises(sv.SymError) as exc:
        binding()
    assert (exc.value.code, exc.value.argument) == (code, arg), str(exc.value)
    assert f"argument {arg!r}" in str(exc.value) and raw.reason in str(exc.value)


_DB_DY = T(np.stack([np.zeros(65540), np.full(65540, 32767)], axis=1).astype(np.int32), 0.125, 16)
_LB_W2 = T([[2, 1, -1], [0, 1, 1]], 0.25, 8)
_LB_DY2 = T([[3, 1], [-1, 2]], 0.125, 8)  # db = (2, 3)
_LB_GW2 = T(np.zeros((2, 3), np.int32), 0.25, 12)

# (label, call on a backend, C argument, emulator argument, columns of the output).
# The emulator names its intermediates after the math (acc, dW, db, dxr, the SGD
# update w) and its fixed-scale accumulate after its own operands (target = grad_b,
# inc = db); the C names the step's argument. Both must point at one element.
ELEMENT_CASES: list[tuple[str, Callable[[Any], Any], str, str, int]] = [
    ("linear_forward: the seed of b[1] beyond the guard",
     lambda k: k.linear_forward(X, W, T([0, 32767], 2.0 ** 40, 16)), "b[1]", "b[1]", 1),
    ("linear_forward: out[1, 2] leaves int32", lambda k: k.linear_forward(OVX, OVW), "out[5]", "acc[1,2]", 3),
    ("linear_backward: dW[1, 2] leaves int32",
     lambda k: k.linear_backward(T([[1, 1, -32768], [1, 1, -32768]], 0.5, 16), _LB_W2,
                                 T([[1, -32768], [1, -32768]], 0.125, 16), _LB_GW2),
     "new_grad_w[5]", "dW[1,2]", 3),
    ("linear_backward: dx[1, 2] leaves int32",
     lambda k: k.linear_backward(X, T([[1, 1, -32768], [1, 1, -32768]], 0.25, 16),
                                 T([[1, 1], [-32768, -32768]], 0.125, 16), _LB_GW2),
     "dx[5]", "dxr[1,2]", 3),
    ("linear_backward: column 1 of db leaves int32",
     lambda k: k.linear_backward(T(np.zeros((65540, 3), np.int32), 0.5, 8), _LB_W2, _DB_DY, _LB_GW2,
                                 T([5, -1], 0.125, 16)),
     "new_grad_b[1]", "db[1]", 1),
    ("linear_backward: grad_b[1] + db[1] leaves 16 bits",
     lambda k: k.linear_backward(X, _LB_W2, _LB_DY2, _LB_GW2, T([5, 32766], 0.125, 16)),
     "new_grad_b[1]", "target[1]", 1),
    ("linear_backward: rescale of db[1] beyond the guard",
     lambda k: k.linear_backward(X, _LB_W2, _LB_DY2, _LB_GW2, T([5, -1], 3e-10, 32)),
     "new_grad_b[1]", "inc[1]", 1),
    ("sgd_update: w[2] = -inf",
     lambda k: k.sgd_update(T([1, -1, 0, 5], 2.0 ** 100, 12), T([0, 1, 2, 0], FLT_MAX, 12), 0.1, "half_away"),
     "param[2]", "w[2]", 1),
    ("mse_loss: target[2] = -inf",
     lambda k: k.mse_loss(T([3, -1, 2], 0.5, 8), np.array([1.0, 0.0, -np.inf], np.float32), 12),
     "target[2]", "target[2]", 1),
]


def _flat_index(arg: str, cols: int) -> int:
    """``acc[1,2]`` -> 1*cols + 2, ``out[5]`` -> 5: the element as a flat index."""
    idx = [int(v) for v in arg[:-1].partition("[")[2].split(",")]
    return idx[0] * cols + idx[1] if len(idx) == 2 else idx[0]


@pytest.mark.parametrize("case", ELEMENT_CASES, ids=[c[0] for c in ELEMENT_CASES])
def test_the_failing_element_is_the_one_the_emulator_names(case) -> None:
    _, run, c_arg, emu_arg, cols = case
    with pytest.raises(sv.SymError) as c_exc:
        run(K)
    with pytest.raises(sv.SymError) as e_exc:
        run(sv.emulate)
    assert (c_exc.value.argument, e_exc.value.argument) == (c_arg, emu_arg), (str(c_exc.value), str(e_exc.value))
    assert c_exc.value.code == e_exc.value.code
    assert _flat_index(emu_arg, cols) == _flat_index(c_arg, cols)
    assert f"argument {c_arg!r}" in str(c_exc.value)


def test_the_message_shows_the_failing_target_value() -> None:
    with pytest.raises(sv.SymError) as exc:
        K.mse_loss(T([3, -1], 0.5, 8), np.array([1.0, np.nan], np.float32), 12)
    assert "argument 'target[1]' = nan" in str(exc.value)


def test_quant_backward_names_a_wrong_output_length() -> None:
    ffi, lib = K.ffi_lib()

    def short_out(args: Any) -> None:
        args.out.n = 3

    raw = call(ffi, lib, "quant_backward", {"dy": T([[1, 2], [3, 4]], 0.5, 8)}, patch=short_out)
    assert (sv.errors.status_name(raw.status), raw.arg, raw.written) == ("SYM_ERR_SHAPE", "out.n", [])


@pytest.mark.parametrize("case", STEP_CASES, ids=[c.name for c in STEP_CASES])
def test_layer_step_abi_tables_pass(case) -> None:
    ffi, lib = K.ffi_lib()
    assert case.run(ffi, lib) is None


#: the reason literal of every ``sym_fail(err, status, arg, index, "reason")``
_REASON_LITERAL = re.compile(r'sym_fail\([^;]*?"([^"]*)"\);', re.S)
_STEP_SOURCES = ("sym_linear.c", "sym_layernorm.c", "sym_requant.c", "sym_sgd.c", "sym_loss.c", "sym_support.c")


def test_every_reason_of_the_layer_steps_is_pinned_by_a_variation() -> None:
    from symverify.mutants.abi_err import CASES as ERR_CASES

    # the primitives' _ex cores in the same sources pin theirs in mutants/abi_err.py
    pinned = {r for table in STEP_REASONS.values() for r in table.values()} | {c.reason for c in ERR_CASES if c.reason}
    for name in _STEP_SOURCES:
        literals = set(_REASON_LITERAL.findall((build.kernel_dir() / "src" / name).read_text()))
        assert literals, f"the sym_fail pattern found nothing in {name}"
        missing = sorted(literals - pinned)
        assert not missing, f"{name} reasons no layer-step variation checks: {missing}"


def test_a_changed_reason_fails_its_step_table(monkeypatch: pytest.MonkeyPatch) -> None:
    ffi, lib = K.ffi_lib()
    case = next(c for c in STEP_CASES if c.name == "linear_forward_err_detail")
    monkeypatch.setitem(STEP_REASONS["linear_forward"], "batch 0", "batch must be >= 0")
    assert "sym_err.reason 'batch must be >= 1' != 'batch must be >= 0'" in (case.run(ffi, lib) or "")
