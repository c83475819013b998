"""ONNX model -> model-file layer records for ``symverify bounds model.onnx``.

Only the structure is read (weight shapes and operator attributes); weight
values do not enter the bound, which is over every input of the declared
widths. Operators and their layer kinds (shared/API.md "Model-file kinds"):

  Gemm, MatMul (+ the Add of a constant bias that follows it) -> linear
  Conv (1-D kernel) -> conv1d          ConvTranspose (1-D) -> conv_transpose1d
  LayerNormalization -> layernorm      Relu -> relu        Softmax -> softmax
  MaxPool / AveragePool (1-D) -> maxpool1d / avgpool1d
  GlobalAveragePool -> adaptive_avgpool1d (output_size 1)

Shape-only operators (Identity, Dropout, Flatten, Reshape, Squeeze,
Unsqueeze, Constant) carry no arithmetic and are passed over. Anything else,
or a supported operator in a form the SYM kernels do not have (a 2-D
kernel, asymmetric pool padding, ceil_mode), is listed in one
:class:`UnsupportedOpError`.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .importing import DEFAULT_W_BITS, DEFAULT_X_BITS, ImportedLayer, UnsupportedOpError, unique_name, width_keys
from .modelfile import ModelFileError

_MISSING = object()
SUPPORTED = ["Gemm", "MatMul(+Add)", "Conv", "ConvTranspose", "LayerNormalization", "MaxPool", "AveragePool",
             "GlobalAveragePool", "Relu", "Softmax"]
PASS_THROUGH = {"Identity", "Dropout", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Constant"}


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ModelFileError("-", None, "-", _MISSING, "reading an ONNX model needs the onnx package: "
                             "pip install 'symverify[onnx]'") from None
    return onnx


def _attrs(node: Any) -> dict[str, Any]:
    from onnx import helper

    out = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        out[a.name] = v.decode() if isinstance(v, bytes) else v
    return out


def _symmetric(pads: list[int]) -> int | None:
    """The one padding of a 1-D [begin, end] pads list, None if asymmetric."""
    if not pads:
        return 0
    return pads[0] if len(pads) == 2 and pads[0] == pads[1] else None


class _Graph:
    def __init__(self, model: Any) -> None:
        onnx = _onnx()
        try:
            model = onnx.shape_inference.infer_shapes(model)
        except Exception:  # noqa: BLE001 - shapes are a help (GlobalAveragePool length), not required
            pass
        g = model.graph
        self.nodes = list(g.node)
        self.init = {t.name: list(t.dims) for t in g.initializer}
        self.shapes: dict[str, list[int | None]] = {}
        for vi in list(g.input) + list(g.value_info) + list(g.output):
            dims = vi.type.tensor_type.shape.dim
            self.shapes[vi.name] = [d.dim_value if d.HasField("dim_value") else None for d in dims]
        self.consumers: dict[str, list[int]] = {}
        for i, n in enumerate(self.nodes):
            for name in n.input:
                self.consumers.setdefault(name, []).append(i)


def read_onnx(path: Path, x_bits: int = DEFAULT_X_BITS, w_bits: int = DEFAULT_W_BITS) -> list[ImportedLayer]:
    """The layer records of the ONNX file ``path`` in graph (topological) order.
    Raises ModelFileError for a file onnx cannot read, UnsupportedOpError
    listing every operator without a SYM layer kind."""
    onnx = _onnx()
    p = str(path)
    if Path(path).is_dir():
        raise ModelFileError(p, None, "-", _MISSING, "is a directory, not an ONNX model")
    try:
        model = onnx.load(p)
    except FileNotFoundError:
        raise ModelFileError(p, None, "-", _MISSING, "no such file") from None
    except Exception as exc:  # noqa: BLE001 - protobuf's DecodeError and friends
        raise ModelFileError(p, None, "-", _MISSING, f"not an ONNX model ({type(exc).__name__}: {exc})") from None
    g = _Graph(model)
    layers: list[ImportedLayer] = []
    unsupported: list[tuple[str, str]] = []
    taken: set[str] = set()
    folded: set[int] = set()
    for i, node in enumerate(g.nodes):
        if i in folded or node.op_type in PASS_THROUGH:
            continue
        label = node.name or f"{node.op_type.lower()}_{i}"
        try:
            rec = _record(g, i, node, folded)
        except _Unsupported as why:
            unsupported.append((f"{node.op_type}{why.detail}", label))
            continue
        kind = rec.pop("kind")
        name = unique_name(node.name, taken, f"{kind}_{i}")
        layers.append(ImportedLayer({"name": name, "kind": kind, **rec, **width_keys(kind, x_bits, w_bits)},
                                    {"onnx_node": label, "op_type": node.op_type, "node_index": i}))
    if unsupported:
        raise UnsupportedOpError(p, unsupported, SUPPORTED)
    if not layers:
        raise ModelFileError(p, None, "layer", _MISSING, "the ONNX graph has no operator that maps to a layer")
    return layers


class _Unsupported(Exception):
    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = f" ({detail})" if detail else ""


def _weight(g: _Graph, node: Any, index: int, rank: int | None = None) -> list[int]:
    if len(node.input) <= index or node.input[index] not in g.init:
        raise _Unsupported("weight is not a constant initializer")
    dims = g.init[node.input[index]]
    if rank is not None and len(dims) != rank:
        raise _Unsupported(f"{len(dims) - 2}-D kernel; SYM has 1-D" if rank == 3 else f"weight of rank {len(dims)}")
    return dims


def _record(g: _Graph, i: int, node: Any, folded: set[int]) -> dict[str, Any]:
    op, a = node.op_type, _attrs(node)
    if op == "Gemm":
        if a.get("transA", 0):
            raise _Unsupported("transA=1")
        k, n = _weight(g, node, 1, 2)
        if a.get("transB", 0):
            k, n = n, k
        return {"kind": "linear", "in_features": k, "out_features": n,
                "bias": len(node.input) > 2 and bool(node.input[2])}
    if op == "MatMul":
        k, n = _weight(g, node, 1, 2)
        bias = False
        users = g.consumers.get(node.output[0], [])
        if len(users) == 1 and g.nodes[users[0]].op_type == "Add":
            add = g.nodes[users[0]]
            other = [x for x in add.input if x != node.output[0]]
            if len(other) == 1 and other[0] in g.init:
                bias = True
                folded.add(users[0])
        return {"kind": "linear", "in_features": k, "out_features": n, "bias": bias}
    if op in ("Conv", "ConvTranspose"):
        w = _weight(g, node, 1, 3)
        group = a.get("group", 1)
        rec: dict[str, Any] = {"kernel_size": w[2], "stride": _one(a, "strides", 1),
                               "dilation": _one(a, "dilations", 1), "groups": group,
                               "bias": len(node.input) > 2 and bool(node.input[2])}
        auto = a.get("auto_pad", "NOTSET")
        pads = a.get("pads", [])
        if op == "Conv":
            rec.update(kind="conv1d", in_channels=w[1] * group, out_channels=w[0])
            if auto in ("SAME_UPPER",) and rec["stride"] == 1:
                rec["padding"] = "same"
            elif auto == "VALID":
                rec["padding"] = "valid"
            elif auto != "NOTSET":
                raise _Unsupported(f"auto_pad {auto}")
            else:
                sym = _symmetric(pads)
                rec["padding"] = sym if sym is not None else [int(x) for x in pads]
        else:
            rec.update(kind="conv_transpose1d", in_channels=w[0], out_channels=w[1] * group,
                       output_padding=_one(a, "output_padding", 0))
            if auto != "NOTSET" or _symmetric(pads) is None:
                raise _Unsupported("asymmetric or automatic padding")
            rec["padding"] = _symmetric(pads)
        return rec
    if op == "LayerNormalization":
        scale = _weight(g, node, 1)
        rec = {"kind": "layernorm", "normalized_shape": math.prod(scale)}
        if "epsilon" in a:
            rec["eps"] = float(a["epsilon"])
        return rec
    if op in ("MaxPool", "AveragePool"):
        ks = a.get("kernel_shape", [])
        if len(ks) != 1:
            raise _Unsupported(f"{len(ks)}-D kernel; SYM has 1-D")
        if a.get("ceil_mode", 0):
            raise _Unsupported("ceil_mode=1; SYM pools use floor")
        if a.get("auto_pad", "NOTSET") != "NOTSET" or _symmetric(a.get("pads", [])) is None:
            raise _Unsupported("asymmetric or automatic padding")
        rec = {"kind": "maxpool1d" if op == "MaxPool" else "avgpool1d", "kernel_size": ks[0],
               "stride": _one(a, "strides", ks[0]), "padding": _symmetric(a.get("pads", []))}
        rec["dilation"] = _one(a, "dilations", 1)
        if op == "AveragePool":
            rec["count_include_pad"] = bool(a.get("count_include_pad", 0))
        return rec
    if op == "GlobalAveragePool":
        shape = g.shapes.get(node.input[0], [])
        if len(shape) not in (0, 3):
            raise _Unsupported(f"input of rank {len(shape)}; SYM pools take [B, C, L]")
        rec = {"kind": "adaptive_avgpool1d", "output_size": 1}
        if shape and shape[-1]:
            rec["in_length"] = shape[-1]
        return rec
    if op == "Relu":
        return {"kind": "relu"}
    if op == "Softmax":
        return {"kind": "softmax"}
    raise _Unsupported()


def _one(a: dict[str, Any], key: str, default: int) -> int:
    v = a.get(key)
    if v is None:
        return default
    if len(v) != 1:
        raise _Unsupported(f"{key} of length {len(v)}; SYM has 1-D")
    return int(v[0])
