"""Opt-in validator for model files: rejects, with clear messages, what the
SYM arithmetic does not allow (docs/training.md "Validator").

Rules (each finding names the file, the layer, the key and its value):

* ``operand_width``: an operand wider than 12 bits enters a product
  accumulator (Linear and Conv1d x, w and the incoming gradient dy; LayerNorm
  gamma and the normalized q_n, i.e. ``norm_bits``), including the
  *effective* width a layer receives: the raw int32 output of a Linear or
  Conv1d without ``out_bits`` or of a LayerNorm has width 32 and must pass a
  Quant layer first; a softmax input over 16 bits. A Conv1d requantizes an
  incoming gradient wider than its ``dy_bits`` (the pools' backward emits
  width 32), so its products see ``dy_bits``.
* ``width_mismatch``: a layer's declared ``x_bits`` differs from the width the
  previous layer actually emits.
* ``fan_in``: an int32 accumulator whose worst case leaves int32: seed +
  N * Pmax <= 2^31 - 1 and -seed + N * Pmin >= -2^31, with [Pmin, Pmax] the
  corner products of the two widths and |seed| <= 1073774591 (the rescale
  guard) if seeded by a bias (exact integers, :func:`max_safe_fan_in`).
* ``double_requant``: a Quant layer right after a layer that already
  requantizes (a Linear or Conv1d with ``out_bits``, or another Quant layer).
* ``shape``: consecutive layers whose feature counts do not match.

The fan-in bound is the prover's own integer function
(``symverify.proofs.intbounds``), so the validator and ``symverify bounds``
cannot disagree; tests/test_fan_in_grid.py checks it for every width pair
against the C kernel and the Z3 lemmas.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symverify.conv_geometry import conv1d_geometry
from symverify.proofs import intbounds

from .factory import KINDS, Model, load_model_spec
from .modelfile import shape_mismatches

INT32_MAX = intbounds.INT32_MAX
INT32_MIN = intbounds.INT32_MIN
#: Largest |seed| ``rescale_to_acc`` can return: 2^31 - 1 - 32768 * 32767.
SEED_GUARD = 1073774591
#: Widest operand allowed into a product accumulator by the validator.
MAX_PRODUCT_BITS = 12
RAW_BITS = 32


def term_bounds(a_bits: int, b_bits: int | None) -> tuple[int, int]:
    """(min, max) of one accumulator term: a product of an ``a_bits`` and a
    ``b_bits`` mantissa, or (b_bits None) a single ``a_bits`` mantissa
    (the prover's own function, ``symverify.proofs.intbounds.term_bounds``)."""
    return intbounds.term_bounds(a_bits, b_bits)


def max_safe_fan_in(a_bits: int, b_bits: int | None, seeded: bool, seed_max: int = SEED_GUARD) -> int:
    """Largest N such that seed + N terms stays inside int32 for every input
    (every partial sum too), |seed| <= ``seed_max`` if ``seeded``.

    Positive side: seed + N * Pmax <= 2^31 - 1; negative side:
    -seed + N * Pmin >= -2^31 (:func:`term_bounds`). Pure integer arithmetic,
    the prover's ``max_safe_count``. ``seed_max`` defaults to the guard bound
    1073774591 (conservative); the largest seed the float32 guard comparison
    actually lets through is 1073774464 (``symverify.proofs.lemmas.SEED_MAX``),
    which gives the same N for every product accumulator of widths >= 8 and a
    slightly larger N for some narrow value sums.
    """
    pmin, pmax = term_bounds(a_bits, b_bits)
    return intbounds.max_safe_count(pmin, pmax, seed_max if seeded else 0)


def worst_case(n: int, a_bits: int, b_bits: int | None, seeded: bool) -> int:
    """Largest |value| reachable by seed + n terms (either sign)."""
    pmin, pmax = term_bounds(a_bits, b_bits)
    seed = SEED_GUARD if seeded else 0
    return max(n * pmax + seed, seed - n * pmin)


@dataclass(frozen=True)
class Finding:
    rule: str
    path: str
    layer: str
    key: str
    value: Any
    message: str

    def __str__(self) -> str:
        return f"{self.path}: layer {self.layer!r}: key {self.key!r} = {self.value!r}: {self.message} [{self.rule}]"


class ModelValidationError(ValueError):
    """Raised by :func:`validate` (``strict=True``) with every finding."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__("model rejected by the validator:\n" + "\n".join(f"  {f}" for f in findings))


def _width_out(spec: dict, width_in: int | None) -> int | None:
    kind = spec.get("kind")
    if kind in ("linear", "conv1d"):
        return spec.get("out_bits", RAW_BITS)
    if kind == "quant":
        return spec.get("q_max_bits")
    if kind == "layernorm":
        return RAW_BITS
    if kind == "softmax":
        return spec.get("out_bits", 12)
    return width_in  # relu, maxpool1d, adaptive_avgpool1d: the input's mantissas


def _dx_width(spec: dict, dy_in: int | None) -> int | None:
    """Width of the gradient a layer passes back to its predecessor."""
    kind = spec.get("kind")
    if kind in ("quant", "relu", "softmax"):
        return dy_in  # straight-through (softmax: the CE gradient is w.r.t. the logits)
    if kind == "cross_entropy":
        return spec.get("grad_bits", dy_in)
    if kind in ("maxpool1d", "adaptive_avgpool1d"):
        return RAW_BITS  # the pools' backward declares width 32
    return spec.get("dx_bits", 12)


def _conv_counts(spec: dict, batch: int | None) -> dict[str, int | None]:
    """Fan-ins of the Conv1d accumulators (docs/layers.md "Conv1d"): forward
    (C_in/groups)*K, dx (C_out/groups)*taps, dW and db batch*L_out (None
    without in_length / batch)."""
    g = spec.get("groups", 1)
    kk, s, d = spec["kernel_size"], spec.get("stride", 1), spec.get("dilation", 1)
    taps = -(-kk // (s // math.gcd(s, d)))
    out = {"forward": spec["in_channels"] // g * kk, "dx": spec["out_channels"] // g * taps, "dW": None}
    if spec.get("in_length") is not None and isinstance(batch, int):
        pad = spec.get("padding", 0)
        geom = conv1d_geometry((1, spec["in_channels"], spec["in_length"]),
                               (spec["out_channels"], spec["in_channels"] // g, kk), s,
                               tuple(pad) if isinstance(pad, list) else pad, d, g)
        out["dW"] = batch * geom.out_length
    return out


def validate(source: Model | str | Path | dict, strict: bool = True) -> list[Finding]:
    """Check a model (a :class:`Model`, a model file path, TOML text or a
    parsed dict). Returns the findings; with ``strict`` raises
    :class:`ModelValidationError` if there is any."""
    if isinstance(source, Model):
        path, data = source.path, source.spec
    else:
        path, data = load_model_spec(source)
    layers = [dict(s) for s in data.get("layer", [])]
    training = dict(data.get("training", {}))
    batch = training.get("batch")
    found: list[Finding] = []

    def add(rule: str, spec: dict, key: str, value: Any, msg: str) -> None:
        found.append(Finding(rule, path, str(spec.get("name", "?")), key, value, msg))

    def check_operand(spec: dict, key: str, bits: Any, what: str) -> bool:
        if isinstance(bits, int) and bits > MAX_PRODUCT_BITS:
            add("operand_width", spec, key, bits,
                f"{what} is {bits} bits wide; operands of a product accumulator must be at most "
                f"{MAX_PRODUCT_BITS} bits" + (" (raw int32 output: insert a quant layer before this layer)"
                                              if bits == RAW_BITS else ""))
            return False
        return isinstance(bits, int)

    def check_fan_in(spec: dict, key: str, n: Any, a: int, b: int | None, seeded: bool, acc: str) -> None:
        if not isinstance(n, int):
            return
        limit = max_safe_fan_in(a, b, seeded)
        if n > limit:
            terms = f"{a}-bit x {b}-bit products" if b is not None else f"{a}-bit values"
            add("fan_in", spec, key, n,
                f"accumulator {acc}: {n} {terms}{' + bias seed' if seeded else ''} can reach "
                f"{worst_case(n, a, b, seeded)} > 2^31 - 1; the largest safe fan-in is {limit}")

    # gradient widths arriving at each layer (backward, from the loss)
    dy_widths: list[int | None] = [None] * len(layers)
    dy = training.get("grad_bits", 12)
    for i in range(len(layers) - 1, -1, -1):
        dy_widths[i] = dy
        dy = _dx_width(layers[i], dy)

    for i, key, v, src, feats in shape_mismatches(layers):
        add("shape", layers[i], key, v, f"layer {src!r} emits {feats} features")
    width: int | None = None
    prev: dict | None = None
    for i, spec in enumerate(layers):
        kind = spec.get("kind")
        if kind not in KINDS:
            add("kind", spec, "kind", kind, f"the training chain supports {', '.join(KINDS)}")
            prev = spec
            continue
        x_bits = spec.get("x_bits")
        # widths: what the previous layer emits vs what this one declares
        if prev is not None and width is not None and x_bits is not None and x_bits != width \
                and kind != "quant":
            add("width_mismatch", spec, "x_bits", x_bits,
                f"declares {x_bits}-bit input but layer {prev.get('name')!r} emits {width}-bit mantissas")
        eff_x = width if (prev is not None and width is not None) else x_bits
        dyb = dy_widths[i]
        # shapes
        if kind == "linear":
            want = spec.get("in_features")
            w_ok = check_operand(spec, "w_bits", spec.get("w_bits"), "the weight w")
            x_ok = check_operand(spec, "x_bits", eff_x, "the input x")
            dy_ok = check_operand(spec, "dy_bits", dyb, "the incoming gradient dy") if dyb is not None else False
            if "dy_bits" in spec and dyb is not None and spec["dy_bits"] != dyb:
                add("width_mismatch", spec, "dy_bits", spec["dy_bits"],
                    f"declares {spec['dy_bits']}-bit gradients but receives {dyb}-bit ones")
            if x_ok and w_ok:
                check_fan_in(spec, "in_features", want, eff_x, spec["w_bits"], bool(spec.get("bias", True)),
                             "forward x W^T (+ bias seed)")
            if dy_ok and w_ok:
                check_fan_in(spec, "out_features", spec.get("out_features"), dyb, spec["w_bits"], False,
                             "grad_x dY W")
            if dy_ok and x_ok and isinstance(batch, int):
                check_fan_in(spec, "batch", batch, dyb, eff_x, False, "grad_w dY^T X")
            if dyb is not None and isinstance(batch, int) and spec.get("bias", True):
                check_fan_in(spec, "batch", batch, dyb, None, False, "grad_b sum of dy")
        elif kind == "conv1d":
            # the step requantizes a gradient wider than dy_bits (a pool's raw dx) before its products
            dy_eff = dyb if dyb is None or dyb <= spec.get("dy_bits", 12) else spec.get("dy_bits", 12)
            w_ok = check_operand(spec, "w_bits", spec.get("w_bits"), "the weight w")
            x_ok = check_operand(spec, "x_bits", eff_x, "the input x")
            dy_ok = check_operand(spec, "dy_bits", dy_eff, "the incoming gradient dy") if dy_eff is not None \
                else False
            n = _conv_counts(spec, batch)
            if x_ok and w_ok:
                check_fan_in(spec, "kernel_size", n["forward"], eff_x, spec["w_bits"], bool(spec.get("bias", True)),
                             "forward (in_channels/groups)*kernel_size (+ bias seed)")
            if dy_ok and w_ok:
                check_fan_in(spec, "out_channels", n["dx"], dy_eff, spec["w_bits"], False, "grad_x dY * W")
            if dy_ok and x_ok and n["dW"] is not None:
                check_fan_in(spec, "batch", n["dW"], dy_eff, eff_x, False, "grad_w dY^T X over batch*out_length")
            if dy_eff is not None and n["dW"] is not None and spec.get("bias", True):
                check_fan_in(spec, "batch", n["dW"], dy_eff, None, False, "grad_b sum of dy over batch*out_length")
        elif kind == "softmax":
            if isinstance(eff_x, int) and eff_x > 16:
                add("operand_width", spec, "x_bits", eff_x,
                    f"softmax input is {eff_x} bits wide; the layer kinds take at most 16 bits"
                    + (" (raw int32 output: insert a quant layer before this layer)" if eff_x == RAW_BITS else ""))
        elif kind == "layernorm":
            if isinstance(eff_x, int) and eff_x > 16:
                add("operand_width", spec, "x_bits", eff_x,
                    f"LayerNorm input is {eff_x} bits wide; it needs at most 16 bits (int32 row sums)"
                    + (" (raw int32 output: insert a quant layer before this layer)" if eff_x == RAW_BITS else ""))
            g_ok = check_operand(spec, "gamma_bits", spec.get("gamma_bits", 12), "gamma")
            n_ok = check_operand(spec, "norm_bits", spec.get("norm_bits", 12), "the normalized q_n")
            if g_ok and n_ok:
                check_fan_in(spec, "normalized_shape", 1, spec.get("norm_bits", 12), spec.get("gamma_bits", 12),
                             True, "affine q_n * gamma + beta seed")
        elif kind == "quant":
            if prev is not None and prev.get("kind") == "linear" and prev.get("out_bits") is not None:
                add("double_requant", spec, "kind", "quant",
                    f"follows layer {prev.get('name')!r}, which already requantizes (out_bits = "
                    f"{prev.get('out_bits')}): drop this quant layer or the out_bits of {prev.get('name')!r}")
            elif prev is not None and prev.get("kind") == "conv1d" and prev.get("out_bits") is not None:
                add("double_requant", spec, "kind", "quant",
                    f"follows layer {prev.get('name')!r}, which already requantizes (out_bits = "
                    f"{prev.get('out_bits')}): drop this quant layer or the out_bits of {prev.get('name')!r}")
            elif prev is not None and prev.get("kind") == "quant":
                add("double_requant", spec, "kind", "quant",
                    f"follows quant layer {prev.get('name')!r}: two requants in a row")
        width = _width_out(spec, width if prev is not None else x_bits)
        prev = spec
    if strict and found:
        raise ModelValidationError(found)
    return found
