"""Per-layer int32 accumulator bounds of a model file (``symverify bounds``).

A model file is TOML (shared/API.md): ``[[layer]]`` tables with ``name``,
``kind`` and the shape/width keys the kind needs. Each layer is mapped to its
integer accumulators; each accumulator is "seed + N terms" with every term
either a product of two operand widths or a value of one width, and is
decided with the same Z3 lemmas as ``symverify prove`` (lemmas.q_sum_safe /
q_sum_overflow): SAFE (proved for its fan-in, with the margin to int32) or
UNSAFE (largest safe fan-in proved, the next one refuted with a concrete
input that the UBSan harness and the shipped C kernel confirm).
"""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import lemmas
from .lemmas import INT32_MAX, SEED_MAX, max_safe_count, sum_bounds
from .steps import qmin

KINDS_WITH_ENCODING = ("linear", "layernorm", "conv1d", "conv_transpose1d", "maxpool1d", "avgpool1d",
                       "adaptive_avgpool1d", "quant")
#: Known layer kinds (SPEC section 6) whose integer accumulators have no encoding yet.
KINDS_WITHOUT_ENCODING = ("softmax", "cross_entropy", "mse", "sgd")


class ModelError(Exception):
    """A malformed, unknown-kind or out-of-domain model file (exit code 3)."""

    def __init__(self, path: str, line: int | None, key: str, message: str) -> None:
        self.path, self.line, self.key, self.message = path, line, key, message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: key '{key}': {message}")


@dataclass
class Accumulator:
    layer: str
    kind: str
    name: str
    n: int  # fan-in (number of terms)
    b_x: int
    b_w: int | None  # None: a value sum
    seeded: bool
    note: str = ""


@dataclass
class Verdict:
    acc: Accumulator
    status: str  # SAFE | UNSAFE | NO_ENCODING
    worst_case: int | None
    max_safe_fan_in: int | None
    margin: int | None = None
    counterexample: dict | None = None
    proof: dict = field(default_factory=dict)

    def record(self) -> dict:
        d = {"layer": self.acc.layer, "kind": self.acc.kind, "accumulator": self.acc.name,
             "status": self.status, "worst_case": self.worst_case, "max_safe_fan_in": self.max_safe_fan_in,
             "fan_in": self.acc.n, "operand_bits": [self.acc.b_x, self.acc.b_w] if self.acc.b_w else [self.acc.b_x],
             "seeded": self.acc.seeded, "margin": self.margin, "note": self.acc.note, "proof": self.proof}
        if self.counterexample is not None:
            d["counterexample"] = self.counterexample
        return d


# ------------------------------------------------------------------ parsing
def _line_of(text: str, layer_index: int | None, key: str) -> int | None:
    """1-based line of ``key = ...`` inside the layer_index-th [[layer]] (or anywhere)."""
    lines = text.splitlines()
    start, end = 0, len(lines)
    if layer_index is not None:
        heads = [i for i, ln in enumerate(lines) if re.match(r"\s*\[\[\s*layer\s*\]\]", ln)]
        if layer_index < len(heads):
            start = heads[layer_index]
            nxt = [i for i in range(start + 1, len(lines)) if re.match(r"\s*\[", lines[i])]
            end = nxt[0] if nxt else len(lines)
            if key == "[[layer]]":
                return start + 1
    pat = re.compile(rf"\s*{re.escape(key)}\s*=")
    for i in range(start, end):
        if pat.match(lines[i]):
            return i + 1
    return start + 1 if layer_index is not None and start < len(lines) else None


REQUIRED = {
    "linear": ("in_features", "out_features", "x_bits", "w_bits"),
    "conv1d": ("in_channels", "out_channels", "kernel_size", "x_bits", "w_bits"),
    "conv_transpose1d": ("in_channels", "out_channels", "kernel_size", "x_bits", "w_bits"),
    "layernorm": ("normalized_shape", "x_bits"),
    "maxpool1d": ("kernel_size", "x_bits"),
    "avgpool1d": ("kernel_size", "x_bits"),
    "adaptive_avgpool1d": ("in_length", "output_size", "x_bits"),
    "quant": ("x_bits",),
}
BIT_KEYS = ("x_bits", "w_bits", "dy_bits", "gamma_bits", "out_bits")
POS_KEYS = ("in_features", "out_features", "in_channels", "out_channels", "kernel_size", "stride", "dilation",
            "normalized_shape", "in_length", "output_size", "batch")


def load_model(path: str | Path) -> list[dict]:
    """Parse and validate a model file; raise :class:`ModelError` on any problem."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ModelError(str(path), None, "-", f"cannot read the file: {exc.strerror}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ModelError(str(path), int(m.group(1)) if m else None, "-", f"not valid TOML: {exc}") from exc
    layers = data.get("layer")
    if not isinstance(layers, list) or not layers:
        raise ModelError(str(path), _line_of(text, None, "layer"), "layer",
                         "the model needs at least one [[layer]] table")
    names: set[str] = set()
    out = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict):
            raise ModelError(str(path), None, "layer", "every 'layer' must be a [[layer]] table")

        def err(key: str, msg: str, i=i) -> ModelError:
            return ModelError(str(path), _line_of(text, i, key), key, f"layer {i + 1}: {msg}")

        name = layer.get("name")
        if not isinstance(name, str) or not name:
            raise err("name" if "name" in layer else "[[layer]]", "'name' (a non-empty string) is required")
        if name in names:
            raise err("name", f"duplicate layer name {name!r}")
        names.add(name)
        kind = layer.get("kind")
        if not isinstance(kind, str):
            raise err("kind" if "kind" in layer else "[[layer]]", f"layer {name!r}: 'kind' (a string) is required")
        if kind not in KINDS_WITH_ENCODING and kind not in KINDS_WITHOUT_ENCODING:
            raise err("kind", f"layer {name!r}: unknown kind {kind!r} (known: {', '.join(KINDS_WITH_ENCODING)})")
        for key in REQUIRED.get(kind, ()):
            if key not in layer:
                raise err("[[layer]]", f"layer {name!r} ({kind}) needs key '{key}'")
        for key in BIT_KEYS:
            if key in layer:
                v = layer[key]
                if isinstance(v, bool) or not isinstance(v, int) or not 2 <= v <= 16:
                    raise err(key, f"layer {name!r}: {key} = {v!r} is outside the proven domain 2..16")
        for key in POS_KEYS:
            if key in layer:
                v = layer[key]
                if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                    raise err(key, f"layer {name!r}: {key} = {v!r} must be a positive integer")
                if v > INT32_MAX:
                    raise err(key, f"layer {name!r}: {key} = {v!r} exceeds int32")
        if "bias" in layer and not isinstance(layer["bias"], bool):
            raise err("bias", f"layer {name!r}: bias = {layer['bias']!r} must be true or false")
        out.append({**layer, "_index": i})
    return out


def accumulators(layer: dict) -> list[Accumulator]:
    """The int32 accumulators of one layer (forward, and backward when dy_bits is given)."""
    k, nm = layer["kind"], layer["name"]
    bx = layer.get("x_bits")
    bw = layer.get("w_bits")
    dy = layer.get("dy_bits")
    batch = layer.get("batch", 1)
    bias = layer.get("bias", k in ("linear", "conv1d", "conv_transpose1d"))
    A = Accumulator
    if k == "linear":
        acc = [A(nm, k, "forward", layer["in_features"], bx, bw, bias, "x W^T (+ bias seed)")]
        if dy:
            acc += [A(nm, k, "grad_x", layer["out_features"], dy, bw, False, "dY W"),
                    A(nm, k, "grad_w", batch, dy, bx, False, "dY^T X over the batch"),
                    A(nm, k, "grad_b", batch, dy, None, False, "sum of dy over the batch")]
        return acc
    if k in ("conv1d", "conv_transpose1d"):
        taps = layer["in_channels"] * layer["kernel_size"]
        note = "in_channels*kernel_size" if k == "conv1d" else "in_channels*kernel_size (upper bound of taps per output)"
        acc = [A(nm, k, "forward", taps, bx, bw, bias, note)]
        if dy:
            acc += [A(nm, k, "grad_x", layer["out_channels"] * layer["kernel_size"], dy, bw, False, "transposed kernel")]
        return acc
    if k == "layernorm":
        acc = [A(nm, k, "mean_sum", layer["normalized_shape"], bx, None, False, "integer sum for mu")]
        if "gamma_bits" in layer:
            acc.append(A(nm, k, "affine", 1, layer.get("out_bits", 16), layer["gamma_bits"], True,
                         "q_n*gamma + rescale(beta)"))
        return acc
    if k == "avgpool1d":
        return [A(nm, k, "window_sum", layer["kernel_size"], bx, None, False, "sum of the window")]
    if k == "adaptive_avgpool1d":
        win = math.ceil(layer["in_length"] / layer["output_size"]) + 1
        return [A(nm, k, "window_sum", min(win, layer["in_length"]), bx, None, False,
                  "largest adaptive window ceil(L/out)+1")]
    return []  # maxpool1d, quant: no integer accumulator


def decide(acc: Accumulator, replay: bool = True) -> Verdict:
    """SAFE or UNSAFE for one accumulator, with Z3 proofs and the C replay."""
    from .runner import Result  # noqa: F401  (same solver settings)
    import z3

    smax = SEED_MAX if acc.seeded else 0
    pmin, pmax = sum_bounds(acc.b_x, acc.b_w)
    nmax = max_safe_count(pmin, pmax, smax)
    worst = max(smax + acc.n * pmax, smax - acc.n * pmin)

    def solve(q) -> str:
        for g in q.goals:
            s = z3.Solver()
            s.set("timeout", 20000)
            s.add(*q.pre, *g.extra, z3.Not(g.goal))
            if q.witness:
                s.add(*[k == v for k, v in q.witness.items()])
            r = s.check()
            if r != z3.unsat:
                return "COUNTEREXAMPLE" if r == z3.sat else "UNKNOWN"
        return "PROVEN"

    if acc.n <= nmax:
        st = solve(lemmas.q_sum_safe(acc.b_x, acc.b_w, smax, acc.n))
        return Verdict(acc, "SAFE" if st == "PROVEN" else "UNKNOWN", worst, nmax,
                       margin=INT32_MAX - worst, proof={f"safe_for_N<={acc.n}": st})
    proof = {f"safe_for_N<={nmax}": solve(lemmas.q_sum_safe(acc.b_x, acc.b_w, smax, nmax)),
             f"overflow_at_N={nmax + 1}": solve(lemmas.q_sum_overflow(acc.b_x, acc.b_w, smax, nmax + 1))}
    x = qmin(acc.b_x)
    w = qmin(acc.b_w) if acc.b_w is not None else 1
    seed = smax
    if acc.b_w is None and pmin * (nmax + 1) - smax < -(1 << 31):
        seed = -smax
    cex: dict[str, Any] = {"fan_in": acc.n, "x": [x] * min(acc.n, 8) + (["..."] if acc.n > 8 else []),
                           "x_uniform": x, "seed": seed, "overflow_at_step": nmax + 1,
                           "partial_sum_at_overflow": seed + (nmax + 1) * x * w}
    if acc.b_w is not None:
        cex["w_uniform"] = w
        cex["w"] = [w] * min(acc.n, 8) + (["..."] if acc.n > 8 else [])
    if acc.seeded:
        cex["bias"] = {"q": 1, "s_b": float(SEED_MAX), "s_x": 1.0, "s_w": 1.0,
                       "note": "rescale_to_acc(1, 1073774464.0f, 1.0f*1.0f) = 1073774464 (the guard's maximum)"}
    if replay:
        from . import replay as rp
        r = rp.replay_mac(seed, acc.n, x, w, expect_step=nmax + 1)
        cex["c_replay"] = {"harness": "proofs/harness/mac_harness.c (-fsanitize=undefined)",
                           "ubsan_fired": r.fired, "where": r.where, "message": r.detail,
                           "confirmed": r.fired and r.where == f"step {nmax + 1}"}
        if acc.kind == "linear" and acc.name == "forward" and acc.n <= 1_000_000:
            job = {"kind": "linear_forward", "n": acc.n, "x": x, "w": w, "x_bits": acc.b_x, "w_bits": acc.b_w}
            if acc.seeded:
                job.update(bias_q=1, s_b=float(SEED_MAX))
            k = rp.replay_kernel(job)
            cex["c_kernel_replay"] = {"kernel": "sym_linear_forward (sanitize build)", "status": k.get("status"),
                                      "sanitizer": k.get("sanitizer", ""),
                                      "confirmed": k.get("status") == "SYM_ERR_INT_OVERFLOW" and not k.get("sanitizer")}
    return Verdict(acc, "UNSAFE", worst, nmax, margin=INT32_MAX - worst, counterexample=cex, proof=proof)
