"""Golden vectors of the conv family (docs/layers.md "Conv1d"): ``goldgen/vectors/conv.json``.

One record per fixture, in the format of ``layers.json`` (goldgen/layer_fixtures.py:
encoded arguments, declared status checked at generation, expected result,
float32 as bit patterns), generated from the emulator by ``symverify goldgen``.
Covers ties, saturation, stride / dilation / groups / padding variants
(including "same" with an odd extra), length-1 outputs, K = 1, depthwise,
extreme scales, a bias seed at the rescale guard, SR, and the geometry errors.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from symverify import registry
from symverify.types import HALF_AWAY, SR_HALF_AWAY

from . import kernelcall
from .layer_fixtures import OK, T, _comment, catalog_hash, LayerFixtureError
from .vecformat import EMULATOR_VERSION, FORMAT_VERSION

GENERATOR = "symverify goldgen (goldgen/conv_fixtures.py)"
CONV_KERNELS = tuple(k.name for k in registry.kernels_of("conv"))
HA, SR = HALF_AWAY, SR_HALF_AWAY


def evaluate(kernel: str, args: Mapping[str, Any], backend: Any) -> dict[str, Any]:
    """Run one encoded fixture (decode / call / encode from the registry layout,
    goldgen/kernelcall.py); the encoded result."""
    if "output_padding" in args and not registry.kernel(kernel).name.startswith("conv_transpose"):
        raise ValueError(f"{kernel}: output_padding is a ConvTranspose1d argument")
    return kernelcall.evaluate(kernel, args, backend)


def _ramp(shape: tuple[int, ...], lo: int, hi: int, step: int = 7) -> np.ndarray:
    n = int(np.prod(shape))
    span = hi - lo + 1
    return (lo + (np.arange(n) * step) % span).reshape(shape)


def fixtures() -> list[dict[str, Any]]:
    """The catalog: name, kernel, purpose, args, declared status."""
    fx: list[dict[str, Any]] = []

    def add(name: str, kernel: str, purpose: str, status: str, **args: Any) -> None:
        fx.append({"name": name, "kernel": kernel, "purpose": purpose, "status": status, "args": args})

    x = T(_ramp((2, 4, 9), -120, 120), 0.02, 8)
    w = T(_ramp((6, 2, 3), -100, 100, 11), 0.01, 8)
    b = T([5, -5, 1000, -1000, 0, 77], 0.0001, 12)
    c1, c2 = "conv1d_forward", "conv_transpose1d_forward"
    add("conv_basic", c1, "groups 2, stride 2, dilation 2, padding (1, 2), bias seeds", OK,
        x=x, w=w, b=b, stride=2, padding=[1, 2], dilation=2, groups=2)
    add("conv_same_odd", c1, "'same' with K = 4: pad (1, 2), the odd extra on the right", OK,
        x=T(_ramp((1, 2, 7), -50, 50), 0.1, 8), w=T(_ramp((3, 2, 4), -9, 9), 0.5, 8), padding="same")
    add("conv_same_dilated", c1, "'same' with dilation 3, K = 3: pad (3, 3)", OK,
        x=x, w=w, padding="same", dilation=3, groups=2)
    add("conv_valid_len1", c1, "'valid' with K = L: a length-1 output", OK,
        x=T(_ramp((2, 2, 5), -7, 7), 1.0, 4), w=T(_ramp((2, 2, 5), -7, 7, 3), 1.0, 4), padding="valid")
    add("conv_pointwise", c1, "K = 1 (pointwise), stride 3", OK,
        x=x, w=T(_ramp((5, 4, 1), -100, 100, 13), 0.01, 8), stride=3)
    add("conv_depthwise", c1, "depthwise: groups = C_in = C_out = 4", OK,
        x=x, w=T(_ramp((4, 1, 3), -100, 100, 5), 0.01, 8), groups=4, padding=1)
    add("conv_ties_out_bits", c1, "out_bits 3: raw 6, 3, -3, 1 at s = 1 requantize to ties 3, 1.5, -1.5, 0.5", OK,
        x=T([[[6, 3, -3, 1]]], 1.0, 8), w=T([[[1]]], 1.0, 2), out_bits=3)
    add("conv_ties_clamp_first", c1, "the same ties in clamp_first order", OK,
        x=T([[[6, 3, -3, 1]]], 1.0, 8), w=T([[[1]]], 1.0, 2), out_bits=3, order="clamp_first")
    add("conv_sr", c1, "SR requant to 8 bits: one draw per output element, element order", OK,
        x=x, w=w, b=b, groups=2, padding=2, out_bits=8, rounding=SR, seed=12345)
    add("conv_saturate_int16", c1, "16-bit operands: the second worst-case product leaves int32",
        "SYM_ERR_INT_OVERFLOW", x=T([[[-32768, -32768]]], 1.0, 16), w=T([[[-32768, -32768]]], 1.0, 16))
    add("conv_int16_one_product", c1, "one worst-case 16-bit product fits int32 (2^30)", OK,
        x=T([[[-32768]]], 1.0, 16), w=T([[[-32768]]], 1.0, 16))
    add("conv_seed_at_guard", c1, "bias seed r = 1073774464 (the float32 guard) is accepted", OK,
        x=T([[[0, 0]]], 1.0, 8), w=T([[[1, 1]]], 1.0, 8), b=T([1073774464], 1.0, 32))
    add("conv_seed_over_guard", c1, "bias seed r = 1073774592 (the next float32) is over the guard",
        "SYM_ERR_RANGE_GUARD", x=T([[[0, 0]]], 1.0, 8), w=T([[[1, 1]]], 1.0, 8), b=T([1073774592], 1.0, 32))
    add("conv_tiny_scales", c1, "s_x*s_w = 2^-140 is not a normal float32", "SYM_ERR_SCALE_UNDERFLOW",
        x=T(_ramp((2, 4, 9), -120, 120), 2.0 ** -70, 8), w=T(_ramp((6, 2, 3), -100, 100, 11), 2.0 ** -70, 8),
        groups=2)
    add("conv_extreme_scales", c1, "s_x = 2^100, s_w = 2^-120: extreme scales whose product 2^-20 is normal", OK,
        x=T(_ramp((1, 2, 6), -100, 100), 2.0 ** 100, 8), w=T(_ramp((2, 2, 2), -9, 9), 2.0 ** -120, 8),
        out_bits=12)
    add("conv_err_kernel_long", c1, "kernel longer than the padded input", "SYM_ERR_SHAPE",
        x=T(_ramp((1, 1, 3), -5, 5), 1.0, 8), w=T(_ramp((1, 1, 5), -5, 5), 1.0, 8), padding=0)
    add("conv_err_same_stride", c1, "'same' with stride 2", "SYM_ERR_SHAPE", x=x, w=w, groups=2, padding="same",
        stride=2)
    add("conv_err_groups", c1, "C_in = 4 not divisible by groups = 3", "SYM_ERR_SHAPE",
        x=x, w=T(_ramp((3, 1, 3), -5, 5), 1.0, 8), groups=3)
    add("conv_err_stride0", c1, "stride 0", "SYM_ERR_SHAPE", x=x, w=w, groups=2, stride=0)

    wt = T(_ramp((4, 3, 3), -100, 100, 11), 0.01, 8)
    bt = T([3, -3, 500, -500, 9, 0], 0.0002, 12)
    add("convt_basic", c2, "groups 2, stride 3, dilation 2, padding 1, output_padding 2", OK,
        x=x, w=wt, b=bt, stride=3, padding=1, output_padding=2, dilation=2, groups=2)
    add("convt_op_dilation", c2, "output_padding 2 < dilation 3 with stride 1", OK,
        x=x, w=wt, stride=1, output_padding=2, dilation=3, groups=2)
    add("convt_pointwise_len1", c2, "K = 1, L = 1: a length-1 output", OK,
        x=T([[[5], [-7]]], 0.5, 8), w=T([[[3], [1]], [[-2], [4]]], 0.25, 8))
    add("convt_depthwise_sr", c2, "depthwise (groups = 4), SR requant to 6 bits", OK,
        x=x, w=T(_ramp((4, 1, 2), -100, 100, 5), 0.01, 8), groups=4, stride=2, out_bits=6, rounding=SR, seed=7)
    add("convt_err_op", c2, "output_padding 2 with stride 2, dilation 1", "SYM_ERR_SHAPE",
        x=x, w=wt, groups=2, stride=2, output_padding=2)
    add("convt_err_len0", c2, "padding 9 leaves no output", "SYM_ERR_SHAPE", x=x, w=wt, groups=2, padding=9)

    dy = T(_ramp((2, 6, 4), -500, 500, 17), 0.001, 12)
    gw = T(_ramp((6, 2, 3), -2000, 2000, 31), 0.0005, 12)
    gb = T([10, -10, 100, -100, 0, 7], 0.01, 16)
    add("conv_bwd_basic", "conv1d_backward", "groups 2, stride 2, dilation 2, padding (1, 2): dW, db, dx", OK,
        x=x, w=w, dy=dy, grad_w=gw, grad_b=gb, stride=2, padding=[1, 2], dilation=2, groups=2, dx_bits=12)
    add("conv_bwd_sr", "conv1d_backward", "SR: grad_w draws (36) then dx draws (72)", OK,
        x=x, w=w, dy=dy, grad_w=gw, grad_b=gb, stride=2, padding=[1, 2], dilation=2, groups=2, dx_bits=8,
        rounding=SR, seed=99)
    add("conv_bwd_same_nobias", "conv1d_backward", "'same', no grad_b, clamp_first", OK,
        x=x, w=w, dy=T(_ramp((2, 6, 9), -500, 500, 17), 0.001, 12), grad_w=gw, padding="same", groups=2,
        dx_bits=6, order="clamp_first")
    add("conv_bwd_db_overflow", "conv1d_backward", "grad_b at its 16-bit limit: the fixed-scale add overflows",
        "SYM_ERR_INT_OVERFLOW", x=x, w=w, dy=dy, grad_w=gw, grad_b=T([32767] * 6, 0.001, 16), stride=2,
        padding=[1, 2], dilation=2, groups=2)
    add("conv_bwd_db_same_scale", "conv1d_backward", "grad_b at dy's scale: db lands in grad_b unscaled", OK,
        x=T([[[1, -2, 3, 0, 5]]], 0.5, 8), w=T([[[1, 2]], [[-1, 3]]], 0.25, 8),
        dy=T([[[4, -3, 2, 7], [-5, 6, 1, 0]]], 0.125, 8), grad_w=T([[[0, 0]], [[0, 0]]], 0.5, 8),
        grad_b=T([3, -2], 0.125, 16), dx_bits=12)
    add("conv_bwd_dw_beyond_k", "conv1d_backward",
        "stride 2, K = 1: only x's even positions meet dy; the odd ones hold -2^15, whose two "
        "products 2^30 would leave int32 if a weight tap k = K were summed", OK,
        x=T([[[0, -32768, 0, -32768, 0]]], 1.0, 16), w=T([[[1]]], 1.0, 2), dy=T([[[-32768] * 3]], 1.0, 16),
        grad_w=T([[[0]]], 1.0, 12), stride=2, dx_bits=16)
    dyt = T(_ramp((2, 6, 29), -500, 500, 17), 0.001, 12)
    gwt = T(_ramp((4, 3, 3), -2000, 2000, 31), 0.0005, 12)
    add("convt_bwd_basic", "conv_transpose1d_backward", "stride 3, dilation 2, padding 1, output_padding 2", OK,
        x=x, w=wt, dy=dyt, grad_w=gwt, grad_b=gb, stride=3, padding=1, output_padding=2, dilation=2, groups=2)
    add("convt_bwd_sr", "conv_transpose1d_backward", "SR: grad_w draws (36) then dx draws (72)", OK,
        x=x, w=wt, dy=dyt, grad_w=gwt, grad_b=gb, stride=3, padding=1, output_padding=2, dilation=2, groups=2,
        dx_bits=10, rounding=SR, seed=4242)
    return fx


def compute_conv(backend: Any = None) -> dict[str, Any]:
    """The ``conv`` document (records in catalog order); raises
    LayerFixtureError if a fixture's status differs from its declaration."""
    import symverify as sv

    backend = backend or sv.emulate
    items = fixtures()
    records = []
    for f in items:
        expect = evaluate(f["kernel"], f["args"], backend)
        if expect["status"] != f["status"]:
            raise LayerFixtureError(f"{f['name']}: declared {f['status']}, emulator gives {expect['status']}")
        records.append({"name": f["name"], "kernel": f["kernel"], "purpose": f["purpose"],
                        "args": _comment(f["args"]), "expect": _comment(expect)})
    return {"family": "conv", "format_version": FORMAT_VERSION, "emulator_version": EMULATOR_VERSION,
            "fixture_hash": catalog_hash(items), "generator": GENERATOR,
            "note": ("Generated golden vectors: do not edit (run `symverify goldgen`). Floats "
                     "are IEEE-754 float32 bit patterns; *_dec fields are decimal comments only. Errors are C "
                     "status names."),
            "count": len(records), "vectors": records}
