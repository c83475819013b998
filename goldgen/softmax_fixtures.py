"""Golden vectors of softmax and cross entropy (``goldgen/vectors/softmax.json``),
generated from the emulator, in the encoding of goldgen/layer_fixtures.py."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from symverify.errors import SymError
from symverify.types import HALF_AWAY, SR_HALF_AWAY, Rng

from . import kernelcall, pool_fixtures
from . import fixture_encoding as lf
from .vecformat import EMULATOR_VERSION, FORMAT_VERSION, strip_comments

GENERATOR = "symverify goldgen (goldgen/softmax_fixtures.py)"
OK = "SYM_OK"
T, F = lf.T, lf.F
FLT_MAX = float(np.finfo(np.float32).max)


def I(values: Any) -> dict[str, Any]:
    """An encoded class-index target."""
    arr = np.asarray(values, dtype=np.int64)
    return {"shape": list(arr.shape), "index": [int(v) for v in arr.ravel()]}


def _target(spec: Mapping[str, Any]) -> np.ndarray:
    if "index" in spec:
        return np.array(spec["index"], dtype=np.int64).reshape(spec["shape"])
    return np.array([int(v, 16) for v in spec["f32"]], dtype=np.uint32).view(np.float32).reshape(spec["shape"])


def call(kernel: str, a: Mapping[str, Any], backend: Any, rng: Rng | None) -> Any:
    r = a.get("rounding", HALF_AWAY)
    if kernel == "softmax_forward":
        return backend.softmax_forward(pool_fixtures.decode_tensor(a["x"]), a.get("out_bits", 12), r, rng)
    if kernel == "cross_entropy_loss":
        return backend.cross_entropy_loss(pool_fixtures.decode_tensor(a["p"]), _target(a["target"]), a.get("grad_bits", 12),
                                          a.get("reduction", "mean"), r, rng)
    raise ValueError(f"unknown softmax kernel {kernel!r}")


def evaluate(kernel: str, args: Mapping[str, Any], backend: Any) -> dict[str, Any]:
    """The encoded result (status, outputs, rng_state when seeded) of one fixture."""
    args = strip_comments(dict(args))
    rng = Rng(args["seed"]) if "seed" in args else None
    try:
        value = call(kernel, args, backend, rng)
        if kernel == "cross_entropy_loss":
            result = {"status": OK, "loss": kernelcall.encode_layer_value(value[0]), "out": kernelcall.encode_layer_value(value[1])}
        else:
            result = {"status": OK, "out": kernelcall.encode_layer_value(value)}
    except SymError as exc:
        result = {"status": exc.code}
    if rng is not None:
        result["rng_state"] = f"0x{rng.state:08X}"
    return result


def fixtures() -> list[dict[str, Any]]:
    fx: list[dict[str, Any]] = []

    def add(name: str, kernel: str, purpose: str, status: str, **args: Any) -> None:
        fx.append({"name": name, "kernel": kernel, "purpose": purpose, "status": status, "args": args})

    sm, ce = "softmax_forward", "cross_entropy_loss"
    add("sm_rows_independent", sm, "B = 2: rows [1 2 3] and [101 102 103] give the same p (a whole-tensor "
        "normalisation would not)", OK, x=T([[1, 2, 3], [101, 102, 103]], 1.0, 12))
    add("sm_all_equal", sm, "an all-equal row: p = 1/C", OK, x=T([[7, 7, 7, 7], [-3, -3, -3, -3]], 0.5, 12))
    add("sm_large_logits", sm, "logits up to 2047: exp without the max subtraction would overflow", OK,
        x=T([[2047, 2000, 1900], [-2048, -2040, 2047]], 1.0, 12))
    add("sm_mixed", sm, "a spread of logits at a non-power-of-two scale", OK,
        x=T([[1, 2, 3, 4], [5, -5, 0, 2047], [-100, 0, 100, 200]], 0.05, 12))
    add("sm_one_class", sm, "C = 1: p = 1", OK, x=T([[5], [-9]], 1.0, 12))
    add("sm_exp_flush", sm, "v - max = -86.9 is kept, -87.1 and -2048 flush to 0", OK,
        x=T([[0, -869, -871, -20480]], 0.1, 16), out_bits=16)
    add("sm_sr", sm, "SR requant: 6 draws", OK, x=T([[1, 2, 3], [3, 0, -3]], 0.25, 12), out_bits=6,
        rounding=SR_HALF_AWAY, seed=2024)
    add("sm_out_bits_32", sm, "out_bits 32 is no conversion width", "SYM_ERR_BAD_WIDTH",
        x=T([[1, 2]], 1.0, 12), out_bits=32)
    add("sm_x_overflow", sm, "x * s_x overflows float32", "SYM_ERR_FLOAT_OVERFLOW", x=T([[2047, 1]], FLT_MAX, 12))
    add("sm_x_1d", sm, "x must be [B, C]", "SYM_ERR_SHAPE", x=T([1, 2], 1.0, 12))
    p3 = T([[1200, 600, 247], [100, 1900, 47], [683, 683, 682]], 1.0 / 2047, 12)
    add("ce_index_mean", ce, "class-index targets, mean over B = 3", OK, p=p3, target=I([0, 1, 2]))
    add("ce_index_sum", ce, "class-index targets, sum", OK, p=p3, target=I([0, 1, 2]), reduction="sum")
    add("ce_prob_soft", ce, "soft probability targets, mean", OK, p=p3,
        target=F([[0.7, 0.2, 0.1], [0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]]))
    add("ce_prob_onehot", ce, "one-hot probability targets", OK, p=p3,
        target=F([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), reduction="sum")
    add("ce_clamp_zero", ce, "p = 0 at the target: -log(1e-7) = 16.118", OK,
        p=T([[0, 2047]], 1.0 / 2047, 12), target=I([0]))
    add("ce_clamp_edges", ce, "p = 9e-8 is clamped to 1e-7, p = 2e-7 is not", OK,
        p=T([[9, 20, 100000000]], 1e-8, 32), target=F([[1.0, 1.0, 0.0]]), reduction="sum")
    add("ce_sr", ce, "SR gradient: 6 draws", OK, p=T([[1200, 847], [2, 2045]], 1.0 / 2047, 12), target=I([1, 1]),
        grad_bits=5, rounding=SR_HALF_AWAY, seed=99)
    add("ce_nonfinite_loss", ce, "a target of 3e38 times log(1e-7) overflows: the loss is reported",
        "SYM_ERR_FLOAT_OVERFLOW", p=T([[0, 2047]], 1.0 / 2047, 12), target=F([[3e38, 0.0]]))
    add("ce_target_out_of_range", ce, "class index C", "SYM_ERR_SHAPE", p=p3, target=I([0, 3, 1]))
    add("ce_target_nan", ce, "a NaN probability", "SYM_ERR_NONFINITE_INPUT", p=T([[1, 1]], 0.5, 12),
        target=F([[float("nan"), 0.0]]))
    add("ce_bad_reduction", ce, 'reduction "max"', "SYM_ERR_BAD_TYPE", p=p3, target=I([0, 1, 2]), reduction="max")
    add("ce_target_shape", ce, "class-index target of length 2 for B = 3", "SYM_ERR_SHAPE", p=p3, target=I([0, 1]))
    return fx


def compute(backend: Any = None) -> dict[str, Any]:
    """The softmax.json document."""
    import symverify as sv

    backend = backend or sv.emulate
    items = fixtures()
    records = []
    for f in items:
        expect = evaluate(f["kernel"], f["args"], backend)
        if expect["status"] != f["status"]:
            raise lf.LayerFixtureError(f"softmax/{f['name']}: declared {f['status']}, emulator gives "
                                       f"{expect['status']}")
        records.append({"name": f["name"], "kernel": f["kernel"], "purpose": f["purpose"],
                        "args": lf.comment(f["args"]), "expect": lf.comment(expect)})
    return {"family": "softmax", "format_version": FORMAT_VERSION, "emulator_version": EMULATOR_VERSION,
            "fixture_hash": lf.catalog_hash(items), "generator": GENERATOR,
            "note": ("Generated golden vectors: do not edit (run `symverify goldgen`). Floats are IEEE-754 float32 "
                     "bit patterns; *_dec fields are decimal comments only. Errors are C status names."),
            "count": len(records), "vectors": records}
