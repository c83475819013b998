"""Golden vectors of the pool kernels (``goldgen/vectors/pool.json``),
generated from the emulator (``sv.emulate``), in the encoding of
goldgen/layer_fixtures.py (float32 as bit patterns, errors as status names).

A tensor argument may be given as ``{"shape", "fill", "scale", "q_max_bits"}``
(every mantissa equal) to keep guard-size inputs short. ``symverify goldgen``
writes this file with the other families (goldgen/generate.py) and
``--check`` diffs it.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from symverify.errors import SymError
from symverify.types import SymTensor

from . import kernelcall
from . import fixture_encoding as lf
from .vecformat import EMULATOR_VERSION, FORMAT_VERSION, f32_from_hex, hex32, strip_comments

GENERATOR = "symverify goldgen (goldgen/pool_fixtures.py)"
OK = "SYM_OK"
T = lf.T


def TF(fill: int, shape: list[int], scale: float, bits: int) -> dict[str, Any]:
    """An encoded SymTensor whose mantissas all equal ``fill``."""
    return {"shape": list(shape), "fill": int(fill), "scale": hex32(np.float32(scale)), "q_max_bits": bits}


def decode_tensor(spec: Mapping[str, Any]) -> SymTensor:
    """The SymTensor of an encoded argument (explicit or ``fill`` form)."""
    if "fill" in spec:
        m = np.full(spec["shape"], spec["fill"], dtype=np.int64)
    else:
        m = np.array(spec["mantissas"], dtype=np.int64).reshape(spec["shape"])
    return SymTensor(m, f32_from_hex(spec["scale"]), spec["q_max_bits"])


def _window_kwargs(a: Mapping[str, Any]) -> dict[str, Any]:
    return {"stride": a.get("stride"), "padding": a.get("padding", 0), "dilation": a.get("dilation", 1)}


def call(kernel: str, a: Mapping[str, Any], backend: Any) -> Any:
    """Decode ``a`` and call the pool ``kernel`` of ``backend`` (API.md signature)."""
    if kernel == "maxpool1d_forward":
        return backend.maxpool1d_forward(decode_tensor(a["x"]), a["kernel_size"], **_window_kwargs(a))
    if kernel == "maxpool1d_backward":
        idx = np.array(a["indices"]["values"], dtype=np.int64).reshape(a["indices"]["shape"])
        return backend.maxpool1d_backward(decode_tensor(a["dy"]), idx, a["input_length"])
    if kernel == "avgpool1d_forward":
        return backend.avgpool1d_forward(decode_tensor(a["x"]), a["kernel_size"], **_window_kwargs(a),
                                         count_include_pad=a.get("count_include_pad", True))
    if kernel == "avgpool1d_backward":
        return backend.avgpool1d_backward(decode_tensor(a["dy"]), a["input_length"], a["kernel_size"],
                                          **_window_kwargs(a), count_include_pad=a.get("count_include_pad", True))
    if kernel == "adaptive_avgpool1d_forward":
        return backend.adaptive_avgpool1d_forward(decode_tensor(a["x"]), a["output_size"])
    if kernel == "adaptive_avgpool1d_backward":
        return backend.adaptive_avgpool1d_backward(decode_tensor(a["dy"]), a["input_length"])
    raise ValueError(f"unknown pool kernel {kernel!r}")


def encode_result(kernel: str, value: Any) -> dict[str, Any]:
    if kernel == "maxpool1d_forward":
        y, idx = value
        return {"status": OK, "out": kernelcall.encode_layer_value(y),
                "indices": {"shape": list(idx.shape), "values": [int(v) for v in np.asarray(idx).ravel()]}}
    return {"status": OK, "out": kernelcall.encode_layer_value(value)}


def evaluate(kernel: str, args: Mapping[str, Any], backend: Any) -> dict[str, Any]:
    """Run one encoded fixture on ``backend``: the encoded result or ``{"status": code}``."""
    args = strip_comments(dict(args))
    try:
        return encode_result(kernel, call(kernel, args, backend))
    except SymError as exc:
        return {"status": exc.code}


def I(values: Any) -> dict[str, Any]:
    """An encoded int index array."""
    arr = np.asarray(values, dtype=np.int64)
    return {"shape": list(arr.shape), "values": [int(v) for v in arr.ravel()]}


def fixtures() -> list[dict[str, Any]]:
    """The pool catalog: name, kernel, purpose, declared status, args."""
    fx: list[dict[str, Any]] = []

    def add(name: str, kernel: str, purpose: str, status: str, **args: Any) -> None:
        fx.append({"name": name, "kernel": kernel, "purpose": purpose, "status": status, "args": args})

    mp, mpb = "maxpool1d_forward", "maxpool1d_backward"
    ap, apb = "avgpool1d_forward", "avgpool1d_backward"
    ad, adb = "adaptive_avgpool1d_forward", "adaptive_avgpool1d_backward"
    # ---- MaxPool1d forward
    add("mp_ties_first_wins", mp, "ties: the first position of the max wins (indices 0, 2, 2, 3)", OK,
        x=T([[[4, 1, 4, 4, 4, -1]]], 0.5, 12), kernel_size=3, stride=1)
    add("mp_ties_last_window", mp, "a tie inside the last window (positions 3 and 4): index 3", OK,
        x=T([[[0, 1, 2, 7, 7]]], 0.5, 12), kernel_size=2, stride=3)
    add("mp_k1", mp, "K = 1: the identity, indices 0..L-1", OK, x=T([[[5, -3, 0, 2]]], 0.25, 8), kernel_size=1)
    add("mp_whole_input", mp, "one window covering the whole input", OK,
        x=T([[[-7, -2, -9, -2]], [[3, 8, 8, 1]]], 1.0, 12), kernel_size=4)
    add("mp_pad_never_wins", mp, "all-negative row with padding 1: padding (0) never wins", OK,
        x=T([[[-5, -3, -4, -8]]], 1.0, 12), kernel_size=3, stride=2, padding=1)
    add("mp_same_odd_extra", mp, 'padding "same", K = 4: left 1, right 2 (the odd extra right)', OK,
        x=T([[[1, 9, 2, 8, 3]]], 1.0, 12), kernel_size=4, stride=1, padding="same")
    add("mp_dilation", mp, "dilation 2: taps o, o+2", OK, x=T([[[1, 5, 3, 2, 7, 0]]], 1.0, 12),
        kernel_size=2, stride=1, dilation=2)
    add("mp_rows", mp, "B = 2, C = 2: rows are independent", OK,
        x=T([[[1, 2, 3, 4], [4, 3, 2, 1]], [[-1, -2, -3, -4], [0, 0, 5, 5]]], 0.125, 12), kernel_size=2)
    add("mp_int32_range", mp, "any width: raw int32 extremes at width 32", OK,
        x=T([[[-2147483648, 2147483647, -2147483648]]], 1.0, 32), kernel_size=2, stride=1)
    add("mp_only_padding", mp, "L = 1, K = 2, D = 2, padding 1: the window holds only padding",
        "SYM_ERR_SHAPE", x=T([[[3]]], 1.0, 12), kernel_size=2, dilation=2, padding=1)
    add("mp_same_stride2", mp, '"same" needs stride 1', "SYM_ERR_SHAPE", x=T([[[1, 2, 3]]], 1.0, 12),
        kernel_size=2, stride=2, padding="same")
    add("mp_window_too_long", mp, "K = 5 > L = 3", "SYM_ERR_SHAPE", x=T([[[1, 2, 3]]], 1.0, 12), kernel_size=5)
    add("mp_x_2d", mp, "x must be [B, C, L]", "SYM_ERR_SHAPE", x=T([[1, 2, 3]], 1.0, 12), kernel_size=2)
    # ---- MaxPool1d backward
    add("mpb_overlap_sum", mpb, "overlapping windows with one argmax: the dy add up at position 2", OK,
        dy=T([[[3, -5, 7, 1]]], 0.5, 12), indices=I([[[0, 2, 2, 2]]]), input_length=6)
    add("mpb_rows", mpb, "B = 2: every row scatters into its own dx row", OK,
        dy=T([[[1, 2]], [[3, 4]]], 0.25, 12), indices=I([[[1, 1]], [[0, 2]]]), input_length=3)
    add("mpb_overflow", mpb, "two 2^30 scattered onto one position leave int32", "SYM_ERR_INT_OVERFLOW",
        dy=T([[[1073741824, 1073741824]]], 1.0, 32), indices=I([[[1, 1]]]), input_length=2)
    add("mpb_negative_sum_edge", mpb, "-2^30 - 2^30 = -2^31 still fits", OK,
        dy=T([[[-1073741824, -1073741824]]], 1.0, 32), indices=I([[[0, 0]]]), input_length=2)
    add("mpb_index_high", mpb, "index == input_length", "SYM_ERR_SHAPE", dy=T([[[1, 2]]], 1.0, 12),
        indices=I([[[0, 3]]]), input_length=3)
    add("mpb_index_negative", mpb, "index -1", "SYM_ERR_SHAPE", dy=T([[[1, 2]]], 1.0, 12),
        indices=I([[[-1, 0]]]), input_length=3)
    add("mpb_indices_shape", mpb, "indices shape differs from dy", "SYM_ERR_SHAPE", dy=T([[[1, 2]]], 1.0, 12),
        indices=I([[[0]]]), input_length=3)
    # ---- AvgPool1d forward
    add("ap_plain", ap, "K = 2, S = 2: window sums at s/2", OK, x=T([[[1, 2, -3, 5, 7, 7]]], 0.5, 12), kernel_size=2)
    add("ap_k1", ap, "K = 1: the identity at the same scale and width", OK, x=T([[[5, -3, 0]]], 0.25, 8),
        kernel_size=1)
    add("ap_include_pad", ap, "count_include_pad=True: padding counts as zeros, K = 3 fold", OK,
        x=T([[[1, -1, 2, 5]]], 1.0, 12), kernel_size=3, stride=1, padding=1)
    add("ap_exclude_pad_ties", ap,
        "count_include_pad=False: edge windows sum*3/2, 1.5 -> 2 and -1.5 -> -2 (half away, both signs)", OK,
        x=T([[[1, 0, 0, -1]]], 1.0, 12), kernel_size=3, stride=1, padding=1, count_include_pad=False)
    add("ap_exclude_pad_round_down", ap, "count_include_pad=False: 7*3/2 = 10.5 -> 11, -5*3/2 = -7.5 -> -8, "
        "4*3/2 = 6", OK, x=T([[[3, 4, 0, -2, -3]]], 1.0, 12), kernel_size=3, stride=2, padding=1,
        count_include_pad=False)
    add("ap_same_odd_include", ap, '"same", K = 4 (left 1, right 2), padding counted', OK,
        x=T([[[4, 8, -4, 2, 6]]], 1.0, 12), kernel_size=4, stride=1, padding="same")
    add("ap_same_odd_exclude", ap, '"same", K = 4, padding not counted: 12*4/3 = 16, 8*4/2 = 16, 6*4/3 = 8', OK,
        x=T([[[4, 8, -4, 2, 6]]], 1.0, 12), kernel_size=4, stride=1, padding="same", count_include_pad=False)
    add("ap_dilation", ap, "dilation 2, stride 1", OK, x=T([[[1, 10, 100, 1000, -1]]], 1.0, 12), kernel_size=2,
        stride=1, dilation=2)
    add("ap_width_grows", ap, "qMin * 3 at 8 bits: the output is declared 10 bits", OK,
        x=T([[[-128, -128, -128, 127, 127, 127]]], 1.0, 8), kernel_size=3)
    add("ap_value_sum_guard", ap, "b = 16, N = 2^16 windows (L = 1, padding 32768): the value-sum guard",
        "SYM_ERR_RANGE_GUARD", x=T([[[-32768]]], 1.0, 16), kernel_size=65536, stride=1, padding=32768)
    add("ap_value_sum_edge", ap, "b = 16, N = 2^16 - 1: allowed", OK, x=T([[[-32768]]], 1.0, 16),
        kernel_size=65535, stride=1, padding=32767)
    add("ap_width17", ap, "17-bit x: no value sum beyond b = 16", "SYM_ERR_BAD_WIDTH",
        x=T([[[1, 2]]], 1.0, 17), kernel_size=2)
    add("ap_scale_underflow", ap, "s = 2^-126, K = 2: s / K is subnormal", "SYM_ERR_SCALE_UNDERFLOW",
        x=T([[[1, 2]]], 2.0 ** -126, 12), kernel_size=2)
    add("ap_exclude_product_overflow", ap,
        "count_include_pad=False, b = 16, K = 257 at the left edge: sum (-2^23) * 257 leaves int32",
        "SYM_ERR_INT_OVERFLOW", x=TF(-32768, [1, 1, 256], 1.0, 16), kernel_size=257, stride=256, padding=1,
        count_include_pad=False)
    # ---- AvgPool1d backward
    add("apb_overlap_include", apb, "K = 3, S = 1, padding 1: overlapping windows add, s_dx = s_dy/3", OK,
        dy=T([[[1, 2, 4, 8]]], 0.5, 12), input_length=4, kernel_size=3, stride=1, padding=1)
    add("apb_exclude_ties", apb, "count_include_pad=False: edge windows give dy*3/2 (1.5 -> 2, -1.5 -> -2)", OK,
        dy=T([[[1, 0, 0, -1]]], 1.0, 12), input_length=4, kernel_size=3, stride=1, padding=1,
        count_include_pad=False)
    add("apb_same_odd", apb, '"same", K = 4: the adjoint of ap_same_odd_include', OK,
        dy=T([[[1, -2, 3, -4, 5]]], 1.0, 12), input_length=5, kernel_size=4, stride=1, padding="same")
    add("apb_dilation_stride", apb, "dilation 2, stride 2, no overlap", OK, dy=T([[[3, -7]]], 2.0, 12),
        input_length=6, kernel_size=2, stride=2, dilation=2)
    add("apb_scatter_overflow", apb, "2^30 + 2^30 at one position leaves int32", "SYM_ERR_INT_OVERFLOW",
        dy=T([[[1073741824, 1073741824]]], 1.0, 32), input_length=3, kernel_size=2, stride=1)
    add("apb_exclude_product_overflow", apb, "count_include_pad=False: dy (2^30) * K = 3 leaves int32",
        "SYM_ERR_INT_OVERFLOW", dy=T([[[1073741824, 0, 0]]], 1.0, 32), input_length=3, kernel_size=3, stride=1,
        padding=1, count_include_pad=False)
    add("apb_dy_length", apb, "dy's length must match the geometry", "SYM_ERR_SHAPE", dy=T([[[1, 2]]], 1.0, 12),
        input_length=6, kernel_size=2)
    # ---- AdaptiveAvgPool1d
    add("ad_uneven_ties", ad, "L = 5, out 3: windows [0,2) [1,4) [3,5); 1/2 -> 1, -1/2 -> -1 (half away)", OK,
        x=T([[[1, 0, 0, -1, 0]], [[2, 1, 1, 1, -3]]], 0.5, 12), output_size=3)
    add("ad_uneven_7_3", ad, "L = 7, out 3: windows [0,3) [2,5) [4,7)", OK,
        x=T([[[3, 1, 3, -2, 5, 5, 0]]], 0.5, 12), output_size=3)
    add("ad_out_exceeds_l", ad, "out 5 > L = 3: windows repeat positions", OK, x=T([[[4, -6, 9]]], 1.0, 12),
        output_size=5)
    add("ad_global", ad, "out 1: the global mean, -5/2 = -2.5 -> -3", OK, x=T([[[-2, -3]]], 1.0, 12), output_size=1)
    add("ad_identity", ad, "out = L: the identity", OK, x=T([[[7, -8, 0]]], 1.0, 4), output_size=3)
    add("ad_value_sum_guard", ad, "b = 16, one window of 2^16: the value-sum guard", "SYM_ERR_RANGE_GUARD",
        x=TF(-32768, [1, 1, 65536], 1.0, 16), output_size=1)
    add("ad_value_sum_edge", ad, "b = 16, windows of 2^16 - 1 (L = 2*65535, out 2): allowed, mean qMin", OK,
        x=TF(-32768, [1, 1, 131070], 1.0, 16), output_size=2)
    add("ad_width17", ad, "17-bit x", "SYM_ERR_BAD_WIDTH", x=T([[[1, 2]]], 1.0, 17), output_size=1)
    add("adb_uneven", adb, "L = 5, out 3, N = 3: length-2 windows give dy*3/2 (7.5 -> 8, -4.5 -> -5)", OK,
        dy=T([[[5, 4, -3]]], 1.0, 12), input_length=5)
    add("adb_even", adb, "L = 6, out 3: every window has N = 2, c = dy, s_dx = s_dy/2", OK,
        dy=T([[[5, 4, -3]]], 1.0, 12), input_length=6)
    add("adb_product_overflow", adb, "dy = 2^30 in a short window: dy * N leaves int32", "SYM_ERR_INT_OVERFLOW",
        dy=T([[[1073741824, 0, 0]]], 1.0, 32), input_length=5)
    add("adb_scatter_overflow", adb, "out 2 > L = 1: both windows add 2^30 to position 0",
        "SYM_ERR_INT_OVERFLOW", dy=T([[[1073741824, 1073741824]]], 1.0, 32), input_length=1)
    return fx


def compute(backend: Any = None) -> dict[str, Any]:
    """The pool.json document (every fixture's emulator status must equal its declared one)."""
    import symverify as sv

    backend = backend or sv.emulate
    items = fixtures()
    records = []
    for f in items:
        expect = evaluate(f["kernel"], f["args"], backend)
        if expect["status"] != f["status"]:
            raise lf.LayerFixtureError(f"pool/{f['name']}: declared {f['status']}, emulator gives {expect['status']}")
        records.append({"name": f["name"], "kernel": f["kernel"], "purpose": f["purpose"],
                        "args": lf.comment(f["args"]), "expect": lf.comment(expect)})
    return {"family": "pool", "format_version": FORMAT_VERSION, "emulator_version": EMULATOR_VERSION,
            "fixture_hash": lf.catalog_hash(items), "generator": GENERATOR,
            "note": ("Generated golden vectors: do not edit (run `symverify goldgen`). Floats are IEEE-754 float32 "
                     "bit patterns; *_dec fields are decimal comments only. Errors are C status names."),
            "count": len(records), "vectors": records}
