"""Memory per training step and layer, in bytes, for a factory model.

Per layer, for one step on a batch of B rows (what the kernels of a step
read and write, counted from the layer's shapes and declared widths):

* ``params``: the trained and fixed parameters (Linear w, b; LayerNorm gamma, beta);
* ``kept``: activations kept from forward for backward (the layer's input:
  Linear and LayerNorm read x again in backward; Quant keeps nothing, its
  backward is straight-through);
* ``grads``: parameter gradients (Linear grad_w at ``grad_w_bits``, grad_b as
  a raw 32-bit fixed-scale accumulator) and the propagated gradient dx
  (``dx_bits``; Quant passes dy through and owns none);
* ``output``: the forward output buffer (raw 32-bit accumulator range for a
  Linear or Conv1d without ``out_bits`` and for the LayerNorm affine; the
  Quant's requantized result at ``q_max_bits``).

The CNN kinds: Conv1d as Linear (w, b, kept x, grad_w, grad_b, dx, y); ReLU
keeps x and owns its dx; MaxPool1d keeps x (its backward recomputes the
argmax) and owns a raw 32-bit dx; AdaptiveAvgPool1d owns a raw dx only;
Softmax its output; cross_entropy the gradient w.r.t. the logits (as its dx).

Three storage formats: ``sym32`` (int32 mantissas + one float32 scale per
tensor, what the kernels use), ``float32`` (4 bytes per element, no scales)
and ``packed`` (mantissas in int8 / int16 where the declared width is <= 8 /
<= 16 bits, int32 otherwise, + the scale).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from symverify.model.factory import Model

CATEGORIES = ("params", "kept", "grads", "output")
FORMATS = ("sym32", "float32", "packed")
RAW_BITS = 32


@dataclass
class Buffer:
    """One tensor of a step: its role, element count and declared mantissa width."""

    name: str
    category: str
    elements: int
    bits: int

    def nbytes(self, fmt: str) -> int:
        if fmt == "float32":
            return 4 * self.elements
        if fmt == "sym32":
            return 4 * self.elements + 4
        if fmt == "packed":
            per = 1 if self.bits <= 8 else 2 if self.bits <= 16 else 4
            return per * self.elements + 4
        raise ValueError(f"fmt {fmt!r}: expected one of {', '.join(FORMATS)}")


@dataclass
class LayerMemory:
    name: str
    kind: str
    buffers: list[Buffer] = field(default_factory=list)

    def nbytes(self, category: str, fmt: str) -> int:
        return sum(b.nbytes(fmt) for b in self.buffers if b.category == category)


def _gradient_widths(model: Model) -> list[int]:
    """Declared width of the gradient arriving at each layer (backward from
    the loss): Linear / Conv1d emit ``dx_bits``, the pools width 32, Quant,
    ReLU and Softmax pass theirs through."""
    widths = [0] * len(model.layers)
    dy = int(model.training.get("grad_bits", 12))
    for i in range(len(model.layers) - 1, -1, -1):
        layer = model.layers[i]
        widths[i] = dy
        if layer.kind == "cross_entropy":
            dy = layer.grad_bits or dy
        elif layer.kind in ("linear", "conv1d", "layernorm"):
            dy = layer.dx_bits
        elif layer.kind in ("maxpool1d", "adaptive_avgpool1d"):
            dy = RAW_BITS
    return widths


def step_memory(model: Model, batch: int) -> list[LayerMemory]:
    """The buffers of one training step on ``batch`` rows, per layer."""
    if batch < 1:
        raise ValueError(f"batch must be >= 1, got {batch}")
    rows: list[LayerMemory] = []
    width = model.input_bits          # declared width of the tensor entering the layer
    features = model.in_features      # values per row entering the layer
    dy_widths = _gradient_widths(model)
    for layer, dyb in zip(model.layers, dy_widths):
        lm = LayerMemory(layer.name, layer.kind)
        add = lambda n, c, e, b: lm.buffers.append(Buffer(n, c, int(e), int(b)))  # noqa: E731
        if layer.kind in CNN_KINDS:
            width, features = _cnn_layer(layer, add, batch, width, features, dyb)
        elif layer.kind == "linear":
            add("w", "params", layer.out_features * layer.in_features, layer.w_bits)
            if layer.b is not None:
                add("b", "params", layer.out_features, layer.b_bits)
            add("x", "kept", batch * layer.in_features, width)
            add("grad_w", "grads", layer.out_features * layer.in_features, layer.grad_w_bits)
            if layer.b is not None:
                add("grad_b", "grads", layer.out_features, RAW_BITS)
            add("dx", "grads", batch * layer.in_features, layer.dx_bits)
            width = layer.out_bits or RAW_BITS
            features = layer.out_features
            add("y", "output", batch * features, width)
        elif layer.kind == "quant":
            width = layer.q_max_bits
            add("y", "output", batch * features, width)
        elif layer.kind == "layernorm":
            add("gamma", "params", layer.features, layer.gamma_bits)
            add("beta", "params", layer.features, layer.beta_bits)
            add("x", "kept", batch * layer.features, width)
            add("dx", "grads", batch * layer.features, layer.dx_bits)
            width = RAW_BITS
            add("y", "output", batch * features, width)
        else:
            raise ValueError(f"layer {layer.name!r}: kind {layer.kind!r} has no memory accounting")
        rows.append(lm)
    return rows


CNN_KINDS = ("conv1d", "relu", "maxpool1d", "adaptive_avgpool1d", "softmax", "cross_entropy")


def _cnn_layer(layer, add, batch: int, width: int, features: int, dyb: int) -> tuple[int, int]:
    """Buffers of one CNN-kind layer; returns (width, values per row) it emits.
    MaxPool1d keeps its input (backward recomputes the argmax from it);
    AdaptiveAvgPool1d and Softmax keep nothing (their backward needs only
    shapes / passes the cross-entropy gradient through)."""
    if layer.kind == "conv1d":
        w_n = layer.w.mantissas.size
        add("w", "params", w_n, layer.w_bits)
        if layer.b is not None:
            add("b", "params", layer.out_channels, layer.b_bits)
        add("x", "kept", batch * features, width)
        add("grad_w", "grads", w_n, layer.grad_w_bits)
        if layer.b is not None:
            add("grad_b", "grads", layer.out_channels, RAW_BITS)
        add("dx", "grads", batch * features, layer.dx_bits)
        width, features = layer.out_bits or RAW_BITS, layer.out_channels * layer.out_length
        add("y", "output", batch * features, width)
    elif layer.kind == "relu":
        add("x", "kept", batch * features, width)
        add("dx", "grads", batch * features, dyb)
        add("y", "output", batch * features, width)
    elif layer.kind == "maxpool1d":
        add("x", "kept", batch * features, width)
        add("dx", "grads", batch * features, RAW_BITS)
        features = features // layer.in_length * layer.out_length
        add("y", "output", batch * features, width)
    elif layer.kind == "adaptive_avgpool1d":
        add("dx", "grads", batch * features, RAW_BITS)
        features = features // layer.in_length * layer.output_size
        add("y", "output", batch * features, width)
    elif layer.kind == "softmax":
        width = layer.out_bits
        add("y", "output", batch * features, width)
    else:  # cross_entropy: the gradient w.r.t. the logits
        add("dx", "grads", batch * features, dyb)
    return width, features


def markdown_table(rows: list[LayerMemory]) -> str:
    """Per layer and category: bytes as sym32 / float32 / packed, plus totals."""
    head = "| layer | kind | " + " | ".join(f"{c} (sym32 / f32 / packed)" for c in CATEGORIES) + " | total |"
    lines = [head, "|" + "---|" * (len(CATEGORIES) + 3)]
    totals = {f: 0 for f in FORMATS}
    for lm in rows:
        cells = []
        for c in CATEGORIES:
            v = [lm.nbytes(c, f) for f in FORMATS]
            cells.append(" / ".join(f"{x:,}" for x in v) if any(v) else "-")
        t = [sum(lm.nbytes(c, f) for c in CATEGORIES) for f in FORMATS]
        for f, x in zip(FORMATS, t):
            totals[f] += x
        lines.append(f"| {lm.name} | {lm.kind} | " + " | ".join(cells) + " | " + " / ".join(f"{x:,}" for x in t) + " |")
    lines.append("| **step** | | " + " | ".join(
        " / ".join(f"{sum(lm.nbytes(c, f) for lm in rows):,}" for f in FORMATS) for c in CATEGORIES)
        + " | " + " / ".join(f"**{totals[f]:,}**" for f in FORMATS) + " |")
    return "\n".join(lines)
