"""Per-layer int32 accumulator bounds of a model file (``symverify bounds``).

A model file is TOML (shared/API.md), read and checked by the one loader
symverify.model.modelfile (kinds, keys, values). Each layer is mapped to its
integer accumulators; each accumulator is "seed + N terms" with every term
either a product of two operand widths or a value of one width, and is
decided with the same Z3 lemmas as ``symverify prove`` (lemmas.q_sum_safe /
q_sum_overflow): SAFE (proved for its fan-in, with the margin to int32) or
UNSAFE (largest safe fan-in proved, the next one refuted with a concrete
input that the UBSan harness and the shipped C kernel confirm).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from symverify.model.modelfile import LAYER_KINDS, ModelFileError, read_model_file, require, shape_mismatches

from . import lemmas
from .intbounds import binding_side, extreme_operands, max_safe_count, term_bounds
from .lemmas import INT32_MAX, SEED_MAX
from .steps import HA, SR, qmin

#: Layer kinds whose integer accumulators ``bounds`` decides, the float32 cores with no integer
#: accumulator (FLOAT_CORE: softmax, losses, SGD), and the known kinds with an accumulator it
#: cannot decide (NO_ENCODING): all from the one kinds list, symverify.model.modelfile.LAYER_KINDS.
KINDS_WITH_ENCODING = tuple(k for k, spec in LAYER_KINDS.items() if spec.encoded)
KINDS_FLOAT_CORE = tuple(k for k, spec in LAYER_KINDS.items() if not spec.encoded and spec.float_core)
KINDS_WITHOUT_ENCODING = tuple(k for k, spec in LAYER_KINDS.items() if not spec.encoded and not spec.float_core)

#: A malformed, unknown-kind or out-of-domain model file (exit code 3): the model file's one error.
ModelError = ModelFileError


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
    special: str | None = None  # None: seed + N terms; "ln_affine": q_n*gamma + seed; "fixed_add": t + rescale(db)
    mode: str = HA  # rounding of q_n (ln_affine)
    b_w_hint: int | None = None  # fixed_add: width of the grad_b target (32: raw)
    lemma: str = ""  # the width-generic `symverify prove` lemma(s) this record instantiates


@dataclass
class Verdict:
    acc: Accumulator
    status: str  # SAFE | UNSAFE (FLOAT_CORE and NO_ENCODING records have no Verdict)
    worst_case: int | None
    max_safe_fan_in: int | None
    margin: int | None = None
    counterexample: dict | None = None
    proof: dict = field(default_factory=dict)

    def record(self) -> dict:
        d = {"layer": self.acc.layer, "kind": self.acc.kind, "accumulator": self.acc.name,
             "status": self.status, "worst_case": self.worst_case, "max_safe_fan_in": self.max_safe_fan_in,
             "fan_in": self.acc.n, "operand_bits": [self.acc.b_x, self.acc.b_w] if self.acc.b_w else [self.acc.b_x],
             "seeded": self.acc.seeded, "margin": self.margin, "note": self.acc.note, "proof": self.proof,
             "lemma": self.acc.lemma}
        if self.acc.special == "ln_affine":
            d["rounding"] = "HA" if self.acc.mode == HA else "SR"
        if self.counterexample is not None:
            d["counterexample"] = self.counterexample
        return d


# ------------------------------------------------------------------ parsing
ROUNDINGS = {"half_away": HA, "sr_half_away": SR}


def load_model(path: str | Path | dict) -> list[dict]:
    """Read and check a model file (symverify.model.modelfile: one loader for
    bounds, the factory and the validator) and return its layers, each with
    the keys ``bounds`` needs; raise :class:`ModelFileError` on any problem.
    A dict is an already parsed model (an imported ONNX / PyTorch model)."""
    mf = read_model_file(path if isinstance(path, dict) else Path(path))
    require(mf, "analysis")
    tb = mf.training.get("batch")
    default_rnd = mf.training.get("rounding", "half_away")
    return [{**layer, "_index": i, "_training_batch": tb, "_rounding": ROUNDINGS[layer.get("rounding", default_rnd)]}
            for i, layer in enumerate(mf.layers)]


def model_warnings(layers: list[dict]) -> list[str]:
    """Consecutive layers whose feature counts do not chain. ``bounds`` decides
    each layer on its own, so this is a warning there (the factory rejects it)."""
    return [f"layer {layers[i]['name']!r}: {key} = {v} does not match the {feats} features layer {src!r} emits "
            "(each layer is analysed on its own)" for i, key, v, src, feats in shape_mismatches(layers)]


def accumulators(layer: dict) -> list[Accumulator]:
    """The int32 accumulators of one layer (forward, and backward when dy_bits is given)."""
    k, nm = layer["kind"], layer["name"]
    bx = layer.get("x_bits")
    bw = layer.get("w_bits")
    dy = layer.get("dy_bits")
    if "batch" in layer:
        batch, bnote = layer["batch"], ""
    elif layer.get("_training_batch") is not None:
        batch, bnote = layer["_training_batch"], " (batch from [training])"
    else:
        batch, bnote = 1, " (batch not given in the model file: assumed 1)"
    bias = layer.get("bias", k in ("linear", "conv1d", "conv_transpose1d"))
    A = Accumulator
    if k == "linear":
        acc = [A(nm, k, "forward", layer["in_features"], bx, bw, bias, "x W^T (+ bias seed)",
                 lemma="mac.fan_in")]
        if dy:
            acc += [A(nm, k, "dW", batch, dy, bx, False, "dY^T X, fan-in = batch" + bnote, lemma="mac.fan_in"),
                    A(nm, k, "dx", layer["out_features"], dy, bw, False, "dY W, fan-in = out_features",
                      lemma="mac.fan_in")]
            if bias:
                gbb = layer.get("grad_b_bits", 32)
                acc += [A(nm, k, "db", batch, dy, None, False, "sum of dy over the batch" + bnote,
                          lemma="value_sum.safe"),
                        A(nm, k, "grad_b", batch, dy, None, False,
                          ("fixed-scale accumulate into the raw grad_b (fresh zeros at s_dy each step: t + db); "
                           "per-step headroom = margin; a grad_b kept across steps fits max_safe_fan_in dy values"
                           if gbb == 32 else
                           f"fixed-scale accumulate t + rescale(db), t of width {gbb}, |rescale| <= guard; "
                           "leaving the width is SYM_ERR_INT_OVERFLOW (docs/proofs.md#finding-bias-grad)") + bnote,
                          special="fixed_add", lemma="accumulate_fixed.add_in_int32" if gbb <= 16 else
                          "value_sum.safe", b_w_hint=gbb)]
        return acc
    if k in ("conv1d", "conv_transpose1d"):
        return _conv_accumulators(layer, batch, bnote, bias)
    if k == "layernorm":
        f = layer["normalized_shape"]
        acc = [A(nm, k, "row_sum", f, bx, None, False,
                 "S = sum_j q_j; F < 2^16 is checked by the kernel (proven for every F <= 65535)",
                 lemma="layernorm.row_sum")]
        nb = layer.get("norm_bits", 12)
        gb = layer.get("gamma_bits", 12)
        mode = layer.get("_rounding", HA)
        dflt = [key for key in ("norm_bits", "gamma_bits") if key not in layer]
        acc.append(A(nm, k, "affine", 1, nb, gb, True,
                     f"q_n*gamma + rescale(beta), q_n in {'[-qMax, qMax]' if mode == HA else '[qMin, qMax] (SR)'}"
                     + (f" ({', '.join(dflt)} not given: default 12)" if dflt else ""),
                     special="ln_affine", mode=mode, lemma="layernorm.affine + layernorm.qn_range"))
        return acc
    if k in ("maxpool1d", "avgpool1d"):
        kk, s, d = layer["kernel_size"], layer.get("stride") or layer["kernel_size"], layer.get("dilation", 1)
        acc = []
        if k == "avgpool1d":
            acc.append(A(nm, k, "window_sum", kk, bx, None, False,
                         "sum of the window; the kernel guard rejects N >= 2^(32-b)", lemma="value_sum.pool_guard"))
        if dy:
            cover = min(kk, -(-(d * (kk - 1) + 1) // s))
            acc.append(A(nm, k, "dx_scatter", cover, dy, None, False,
                         f"dx = sum of the dy of the <= {cover} windows covering one position (checked adds)",
                         lemma="value_sum.safe"))
        return acc
    if k == "adaptive_avgpool1d":
        length, out = layer["in_length"], layer["output_size"]
        win = max(-(-(o + 1) * length // out) - (o * length) // out for o in range(min(out, 1 << 16)))
        acc = [A(nm, k, "window_sum", win, bx, None, False,
                 "largest adaptive window ceil((o+1)L/out) - floor(oL/out); the kernel guard rejects N >= 2^(32-b)",
                 lemma="value_sum.pool_guard")]
        if dy:
            cover = max(1, -(-out // length) + 1)
            acc.append(A(nm, k, "dx_scatter", min(cover, out), dy, None, False,
                         "dx = sum of the windows covering one position (backward fold dy*N/n is checked)",
                         lemma="value_sum.safe"))
        return acc
    return []  # quant, relu: no integer accumulator


def conv_scatter_taps(kernel_size: int, stride: int, dilation: int, short_len: int | None = None,
                      long_len: int | None = None, pad_left: int = 0) -> int:
    """The exact largest number of taps that reach one position j of the
    scatter side (ConvTranspose1d forward, Conv1d dx): the (t, k) with
    t*s - p + k*d = j, 0 <= t < short_len, 0 <= k < K, 0 <= j < long_len.

    Without lengths: the largest over every input length, ceil(K / (s /
    gcd(s, d))) (the k of one residue class mod s / gcd(s, d); attained at an
    interior j of a long enough input). With lengths: the exact maximum over
    the positions of that geometry (a short input limits the taps further)."""
    period = stride // math.gcd(stride, dilation)
    free = -(-kernel_size // period)
    if short_len is None or long_len is None:
        return free
    return _scatter_taps_exact(kernel_size, stride, dilation, short_len, long_len, pad_left)


def _scatter_taps_exact(kk: int, s: int, d: int, short_len: int, long_len: int, pad: int) -> int:
    """max over j of the taps reaching j (see conv_scatter_taps). Only v = j + p
    near an edge (v < (K-1)*d, where small t leave the input, or v >= short_len*s,
    where large t do) can differ from the interior, which repeats with period s:
    those v and one period of the interior are counted, at most about
    2*((K-1)*d + 2*s) positions whatever the lengths."""
    import numpy as np

    lo, hi = pad, pad + long_len  # the v = j + p of the output positions
    reach, top = (kk - 1) * d, short_len * s
    windows = [(lo, lo + reach + s), (top - s, top + reach + s), (max(lo, reach), max(lo, reach) + s)]
    v = np.unique(np.concatenate([np.arange(max(a, lo), min(b, hi), dtype=np.int64) for a, b in windows]))
    if v.size == 0:
        return 0
    taps = np.zeros(v.size, dtype=np.int64)
    for k in range(kk):
        q = v - k * d
        taps += (q >= 0) & (q % s == 0) & (q < top)
    return int(taps.max())


def _conv_accumulators(layer: dict, batch: int, bnote: str, bias: bool) -> list[Accumulator]:
    """Conv1d / ConvTranspose1d: forward, and with dy_bits dW, dx, db (docs/layers.md "Conv1d")."""
    A = Accumulator
    k, nm = layer["kind"], layer["name"]
    bx, bw, dy = layer.get("x_bits"), layer.get("w_bits"), layer.get("dy_bits")
    g = layer.get("groups", 1)
    kk, s, d = layer["kernel_size"], layer.get("stride", 1), layer.get("dilation", 1)
    cin_g, cout_g = layer["in_channels"] // g, layer["out_channels"] // g
    sides = _conv_sides(layer)
    scatter = conv_scatter_taps(kk, s, d, *sides) if sides else conv_scatter_taps(kk, s, d)
    exact = "the exact taps per output" + (f" for in_length {layer['in_length']}" if sides else " over all lengths")
    if k == "conv1d":
        fwd = A(nm, k, "forward", cin_g * kk, bx, bw, bias, "(in_channels/groups)*kernel_size (+ bias seed)",
                lemma="mac.fan_in")
        dx_n, dx_note = cout_g * scatter, f"(out_channels/groups)*{scatter}: {exact}"
    else:
        fwd = A(nm, k, "forward", cin_g * scatter, bx, bw, bias,
                f"(in_channels/groups)*{scatter}: {exact} (+ seed)",
                lemma="mac.fan_in")
        dx_n, dx_note = cout_g * kk, "(out_channels/groups)*kernel_size"
    acc = [fwd]
    if not dy:
        return acc
    acc.append(A(nm, k, "dx", dx_n, dy, bw, False, dx_note, lemma="mac.fan_in"))
    lengths = _conv_lengths(layer)
    if lengths is None:
        return acc
    l_short, l_dy = lengths
    acc.append(A(nm, k, "dW", batch * l_short, dy, bx, False, f"batch*{l_short} positions" + bnote,
                 lemma="mac.fan_in"))
    if bias:
        acc.append(A(nm, k, "db", batch * l_dy, dy, None, False, f"sum of dy over batch*{l_dy} positions" + bnote,
                     lemma="value_sum.safe"))
    return acc


def _conv_sides(layer: dict) -> tuple[int, int, int] | None:
    """(short-side length, long-side length, left padding) of the index kernels
    (docs/layers.md "Conv1d"), or None without in_length."""
    lengths = _conv_lengths(layer)
    if lengths is None:
        return None
    kk, d = layer["kernel_size"], layer.get("dilation", 1)
    pad = layer.get("padding", 0)
    if layer["kind"] == "conv1d":
        left = 0 if pad == "valid" else (d * (kk - 1)) // 2 if pad == "same" else pad[0] if isinstance(pad, list) \
            else pad
        return lengths[0], layer["in_length"], left
    return layer["in_length"], lengths[1], pad


def _conv_lengths(layer: dict) -> tuple[int, int] | None:
    """(short-side length, dy length) from in_length, or None without it."""
    length = layer.get("in_length")
    if length is None:
        return None
    kk, s, d = layer["kernel_size"], layer.get("stride", 1), layer.get("dilation", 1)
    pad = layer.get("padding", 0)
    if layer["kind"] == "conv1d":
        span = d * (kk - 1) + 1
        if pad == "valid":
            total = 0
        elif pad == "same":
            total = span - 1
        elif isinstance(pad, list):
            total = sum(pad)
        else:
            total = 2 * pad
        out = (length + total - span) // s + 1
        return out, out
    out = (length - 1) * s - 2 * pad + d * (kk - 1) + layer.get("output_padding", 0) + 1
    return length, out


def decide(acc: Accumulator, replay: bool = True) -> Verdict:
    """SAFE or UNSAFE for one accumulator, with Z3 proofs and the C replay."""
    if acc.special == "ln_affine":
        return _decide_ln_affine(acc, replay)
    if acc.special == "fixed_add" and (acc.b_w_hint or 32) <= 16:
        return _decide_fixed_add(acc)
    smax = SEED_MAX if acc.seeded else 0
    pmin, pmax = term_bounds(acc.b_x, acc.b_w)
    nmax = max_safe_count(pmin, pmax, smax)
    worst = max(smax + acc.n * pmax, smax - acc.n * pmin)
    if acc.n <= nmax:
        st = _solve(lemmas.q_sum_safe(acc.b_x, acc.b_w, smax, acc.n))
        return Verdict(acc, "SAFE" if st == "PROVEN" else "UNKNOWN", worst, nmax,
                       margin=INT32_MAX - worst, proof={f"safe_for_N<={acc.n}": st})
    proof = {f"safe_for_N<={nmax}": _solve(lemmas.q_sum_safe(acc.b_x, acc.b_w, smax, nmax)),
             f"overflow_at_N={nmax + 1}": _solve(lemmas.q_sum_overflow(acc.b_x, acc.b_w, smax, nmax + 1))}
    side = binding_side(pmin, pmax, smax)  # the int32 bound the sum crosses first
    x, w_op = extreme_operands(acc.b_x, acc.b_w, side)
    w = w_op if w_op is not None else 1
    seed = smax if side == "max" else -smax
    cex: dict[str, Any] = {"fan_in": acc.n, "x": [x] * min(acc.n, 8) + (["..."] if acc.n > 8 else []),
                           "x_uniform": x, "seed": seed, "overflow_at_step": nmax + 1,
                           "partial_sum_at_overflow": seed + (nmax + 1) * x * w}
    if acc.b_w is not None:
        cex["w_uniform"] = w
        cex["w"] = [w] * min(acc.n, 8) + (["..."] if acc.n > 8 else [])
    if acc.seeded:
        bq = 1 if seed > 0 else -1
        cex["bias"] = {"q": bq, "s_b": float(SEED_MAX), "s_x": 1.0, "s_w": 1.0,
                       "note": f"rescale_to_acc({bq}, 1073774464.0f, 1.0f*1.0f) = {bq * SEED_MAX} (the guard's extreme)"}
    if replay:
        from . import replay as rp
        r = rp.replay_mac(seed, acc.n, x, w, expect_step=nmax + 1)
        cex["c_replay"] = {"harness": "proofs/harness/mac_harness.c (-fsanitize=undefined)",
                           "ubsan_fired": r.fired, "where": r.where, "message": r.detail,
                           "confirmed": r.fired and r.where == f"step {nmax + 1}"}
        if acc.kind in ("linear", "conv1d", "conv_transpose1d") and acc.name == "forward" \
                and acc.n <= 1_000_000:
            job = {"kind": "linear_forward" if acc.kind == "linear" else f"{acc.kind}_forward", "n": acc.n, "x": x, "w": w, "x_bits": acc.b_x, "w_bits": acc.b_w}
            if acc.seeded:
                job.update(bias_q=cex["bias"]["q"], s_b=float(SEED_MAX))
            k = rp.replay_kernel(job)
            cex["c_kernel_replay"] = {"kernel": f"sym_{job['kind']} (sanitize build)", "status": k.get("status"),
                                      "sanitizer": k.get("sanitizer", ""),
                                      "confirmed": k.get("status") == "SYM_ERR_INT_OVERFLOW" and not k.get("sanitizer")}
    return Verdict(acc, "UNSAFE", worst, nmax, margin=INT32_MAX - worst, counterexample=cex, proof=proof)


#: Decided goals of this process, by SMT-LIB text: layers (and seeded / unseeded
#: accumulators) of the same widths share the costly non-linear product-range goal.
_DECIDED: dict[str, str] = {}


def _solve(q) -> str:
    """PROVEN if every goal of ``q`` holds, else COUNTEREXAMPLE (sat) or UNKNOWN."""
    import z3
    for g in q.goals:
        s = z3.Solver()
        s.set("timeout", 20000)
        s.add(*q.pre, *g.extra, z3.Not(g.goal))
        if q.witness:
            s.add(*[k == v for k, v in q.witness.items()])
        key = s.sexpr()
        r = _DECIDED.get(key)
        if r is None:
            res = s.check()
            r = "PROVEN" if res == z3.unsat else "COUNTEREXAMPLE" if res == z3.sat else "UNKNOWN"
            if r != "UNKNOWN":  # a timeout may go the other way on a second try
                _DECIDED[key] = r
        if r != "PROVEN":
            return r
    return "PROVEN"


def _decide_fixed_add(acc: Accumulator) -> Verdict:
    """grad_b (width bt <= 16) += rescale(db): t + seed in int32 (lemma accumulate_fixed.add_in_int32)."""
    bt = acc.b_w_hint
    st = _solve(lemmas.q_accfixed_add(bt))
    worst = (1 << (bt - 1)) + SEED_MAX
    return Verdict(acc, "SAFE" if st == "PROVEN" else "UNKNOWN", worst, None, margin=INT32_MAX - worst,
                   proof={f"accumulate_fixed.add_in_int32[b={bt}]": st})


def _decide_ln_affine(acc: Accumulator, replay: bool) -> Verdict:
    """y = q_n*gamma + rescale(beta): one product plus a seed at the guard."""
    nb, gb, mode = acc.b_x, acc.b_w, acc.mode
    q = lemmas.q_ln_affine(nb, gb, mode)
    pmin, pmax = lemmas.ln_affine_bounds(nb, gb, mode)
    worst = max(pmax, -pmin) + SEED_MAX
    st = _solve(q)
    tag = "HA" if mode == HA else "SR"
    qn_rng = _solve(lemmas.q_ln_qn_range(nb, mode))
    proof = {f"layernorm.qn_range[b={nb},{tag}]": qn_rng, f"layernorm.affine[b={nb},gamma_bits={gb},{tag}]": st}
    if st == "PROVEN" and qn_rng == "PROVEN":
        return Verdict(acc, "SAFE", worst, 1, margin=INT32_MAX - worst, proof=proof)
    if st != "COUNTEREXAMPLE":
        return Verdict(acc, "UNKNOWN", worst, None, proof=proof)
    wit = {str(k): v.as_long() for k, v in q.witness.items()}
    cex: dict[str, Any] = {"q_n": wit["q_n"], "gamma": wit["gamma"], "seed": wit["seed"],
                           "y": wit["q_n"] * wit["gamma"] + wit["seed"], "fan_in": 1,
                           "x_uniform": wit["q_n"], "w_uniform": wit["gamma"], "overflow_at_step": 1,
                           "partial_sum_at_overflow": wit["q_n"] * wit["gamma"] + wit["seed"]}
    if replay:
        from . import replay as rp
        job = rp.layernorm_affine_job(nb, qmin(gb), gb, mode == SR, 30)
        k = rp.replay_kernel(job)
        cex["c_kernel_replay"] = {
            "kernel": "sym_layernorm forward (sanitize build): x = [[-1, 1]] (n_0 = -A), gamma_0 = qMin, "
                      "beta_0 seeded to 2^30 (s_beta = 2^30 * s_y), SR draw u = 0 -> q_n = qMin",
            "job": job, "status": k.get("status"), "sanitizer": k.get("sanitizer", ""),
            "confirmed": k.get("status") == "SYM_ERR_INT_OVERFLOW" and not k.get("sanitizer")}
    return Verdict(acc, "UNSAFE", worst, 0, margin=INT32_MAX - worst, counterexample=cex, proof=proof)
