"""Seed corpora from the golden vectors (goldgen/vectors/*.json).

Every golden vector whose kernel has a fuzz family and whose arrays fit the
case layout becomes one input of that family's corpus; so the fuzzers start
from every documented corner (ties, saturation, guards, SR seeds) instead of
from nothing. The field assignment per family is the one the targets and
:mod:`.replay` read (documented in docs/fuzzing.md).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np

from .case import FZ_MAX, FuzzCase, encode

ROUNDING_CODE = {"half_away": 0, "sr_half_away": 1}
ORDER_CODE = {"ratio": 0, "clamp_first": 1}
#: The code a seed gets for a mode name no kernel knows (a golden error case).
UNKNOWN_MODE = 7


def _f32(text: str) -> np.float32:
    return np.array([int(text, 16)], dtype=np.uint32).view(np.float32)[0]


def _state(args: Mapping[str, Any]) -> int:
    seed = int(args.get("seed", 1))
    return seed or 0xFFFFFFFF  # sv.Rng(0) starts at 0xFFFFFFFF


def _tensor(spec: Mapping[str, Any]) -> tuple[list[int], np.float32, int]:
    if "int_to_sym" in spec:
        return [int(v) for v in spec["int_to_sym"]], np.float32(1.0), 32
    return [int(v) for v in spec["mantissas"]], _f32(spec["scale"]), int(spec["q_max_bits"])


def _case(op: int, **fields: Any) -> FuzzCase:
    c = FuzzCase(op=op)
    for k, v in fields.pop("p", {}).items():
        c.p[k] = int(v)
    for k, v in fields.pop("f", {}).items():
        c.f[k] = np.float32(v)
    for k, v in fields.pop("a", {}).items():
        c.a[k] = [int(e) for e in v]
    c.x = [np.float32(v) for v in fields.pop("x", [])]
    c.seed = int(fields.pop("seed", 1))
    assert not fields, fields
    return c


def _rounding(args: Mapping[str, Any], default: str = "half_away") -> int:
    return ROUNDING_CODE.get(args.get("rounding", default), UNKNOWN_MODE)


def _order(args: Mapping[str, Any]) -> int:
    return ORDER_CODE.get(args.get("order", "ratio"), UNKNOWN_MODE)


def case_of(kernel: str, args: Mapping[str, Any]) -> tuple[str, FuzzCase] | None:
    """``(family, case)`` of one golden vector, or None if no family takes it."""
    a = args
    if kernel == "round_half_away":
        return "round", _case(0, f={0: _f32(a["x"])})
    if kernel == "float_to_sym":
        return "convert", _case(0, p={0: a["q_max_bits"], 1: _rounding(a)}, seed=_state(a),
                                x=[_f32(v) for v in a["x"]])
    if kernel == "sym_to_float":
        m, s, bits = _tensor(a["t"])
        return "convert", _case(1, p={3: bits}, f={0: s}, a={0: m})
    if kernel == "int_to_sym":
        return "convert", _case(2, a={0: a["m"]})
    if kernel in ("requant_dynamic", "quant_forward"):
        m, s, bits = _tensor(a["t"] if "t" in a else a["x"])
        return "requant", _case(0, p={0: a["q_max_bits"], 1: _rounding(a), 2: _order(a),
                                      3: bits}, f={0: s}, a={0: m}, seed=_state(a))
    if kernel == "requant_fixed":
        m, s, bits = _tensor(a["t"])
        return "requant", _case(1, p={0: a["q_max_bits"], 1: _rounding(a), 3: bits},
                                f={0: s, 1: _f32(a["target_scale"])}, a={0: m}, seed=_state(a))
    if kernel == "rescale_to_acc":
        return "requant", _case(2, p={1: _rounding(a)}, f={0: _f32(a["param_scale"]), 1: _f32(a["acc_scale"])},
                                a={0: [a["q"]]})
    if kernel in ("accumulate_dynamic", "accumulate_fixed"):
        t, s_t, bits_t = _tensor(a["target"])
        inc, s_inc, bits_inc = _tensor(a["inc"])
        return "accumulate", _case(0 if kernel == "accumulate_dynamic" else 1,
                                   p={0: bits_t, 1: _rounding(a), 2: bits_inc}, f={0: s_t, 1: s_inc},
                                   a={0: t, 1: inc}, seed=_state(a))
    if kernel in ("linear_forward", "linear_backward"):
        return "linear", _linear(kernel, a)
    if kernel in ("layernorm_forward", "layernorm_backward"):
        return "layernorm", _layernorm(kernel, a)
    if kernel == "mse_loss":
        y, s_y, bits = _tensor(a["y"])
        return "loss", _case(0, p={0: bits, 1: a.get("grad_bits", 12), 2: _rounding(a)}, f={0: s_y}, a={0: y},
                             x=[_f32(v) for v in a["target"]["f32"]], seed=_state(a))
    if kernel == "sgd_update":
        pm, s_p, p_bits = _tensor(a["param"])
        gm, s_g, g_bits = _tensor(a["grad"])
        return "sgd", _case(0, p={0: p_bits, 1: g_bits, 2: _rounding(a, "sr_half_away")},
                            f={0: s_p, 1: s_g, 2: _f32(a["lr"])}, a={0: pm, 1: gm}, seed=_state(a))
    return None


def _linear(kernel: str, a: Mapping[str, Any]) -> FuzzCase:
    bsz, in_f = a["x"]["shape"]
    out_f = a["w"]["shape"][0]
    x, s_x, x_bits = _tensor(a["x"])
    w, s_w, w_bits = _tensor(a["w"])
    p = {0: bsz, 1: in_f, 2: out_f, 3: x_bits, 4: w_bits, 9: _rounding(a), 10: _order(a)}
    f: dict[int, Any] = {0: s_x, 1: s_w}
    arrays: dict[int, list[int]] = {0: x, 1: w}
    bias = a.get("b") if kernel == "linear_forward" else a.get("grad_b")
    if bias is not None:
        arrays[2], f[2], p[7] = _tensor(bias)
        p[5] = 1
    if kernel == "linear_forward":
        p[8] = a.get("out_bits") or 0
        return _case(0, p=p, f=f, a=arrays, seed=_state(a))
    arrays[3], f[3], p[6] = _tensor(a["dy"])
    arrays[4], f[5], p[11] = _tensor(a["grad_w"])
    p[8] = a.get("dx_bits", 12)
    return _case(1, p=p, f=f, a=arrays, seed=_state(a))


def _layernorm(kernel: str, a: Mapping[str, Any]) -> FuzzCase:
    bsz, feats = a["x"]["shape"]
    x, s_x, x_bits = _tensor(a["x"])
    g, s_g, g_bits = _tensor(a["gamma"])
    p = {0: bsz, 1: feats, 3: x_bits, 4: g_bits, 6: _rounding(a)}
    f: dict[int, Any] = {0: s_x, 1: s_g, 4: _f32(a["eps"]) if "eps" in a else np.float32(1e-5)}
    arrays: dict[int, list[int]] = {0: x, 1: g}
    if kernel == "layernorm_forward":
        arrays[2], f[2], p[7] = _tensor(a["beta"])
        p[5] = a.get("norm_bits", 12)
        return _case(0, p=p, f=f, a=arrays, seed=_state(a))
    arrays[3], f[3], p[8] = _tensor(a["dy"])
    p[5] = a.get("dx_bits", 12)
    return _case(1, p=p, f=f, a=arrays, seed=_state(a))


def _fits(case: FuzzCase) -> bool:
    return (all(len(arr) <= FZ_MAX for arr in case.a) and len(case.x) <= FZ_MAX
            and all(-128 <= v <= 127 for v in case.p))


def golden_cases(vectors_dir: Path | None = None) -> Iterator[tuple[str, str, FuzzCase]]:
    """``(family, label, case)`` for every golden vector a family takes; the
    label is ``<vector file stem>/<vector name>``."""
    from symverify.goldgen.generate import strip_comments, vectors_dir as default_dir

    root = vectors_dir or default_dir()
    for path in sorted(root.glob("*.json")):
        doc = json.loads(path.read_text())
        for vec in doc.get("vectors", []):
            try:
                got = case_of(vec["kernel"], strip_comments(vec["args"]))
            except (KeyError, TypeError, ValueError, OverflowError):
                continue  # an argument the layout cannot hold (a type-error vector)
            if got is not None and _fits(got[1]):
                yield got[0], f"{path.stem}/{vec['name']}", got[1]


def write_seed_corpus(family: str, out_dir: Path, vectors_dir: Path | None = None) -> int:
    """Write the golden seeds of ``family`` into ``out_dir`` (one file per
    input, named by content hash); returns how many were written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    for fam, _name, case in golden_cases(vectors_dir):
        if fam != family:
            continue
        data = encode(case)
        (out_dir / f"seed-{hashlib.sha1(data).hexdigest()}").write_bytes(data)
        count += 1
    return count
