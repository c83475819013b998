"""PyTorch module -> model-file layer records for ``symverify bounds --torch
module.py:factory``. ``factory()`` returns an ``nn.Module``; its leaf modules
are read in registration order (the order of an ``nn.Sequential``; a custom
``forward`` that reorders them is not followed). Weight values are not read.

  nn.Linear -> linear          nn.Conv1d -> conv1d      nn.ConvTranspose1d -> conv_transpose1d
  nn.LayerNorm -> layernorm    nn.MaxPool1d / nn.AvgPool1d -> maxpool1d / avgpool1d
  nn.AdaptiveAvgPool1d -> adaptive_avgpool1d (``in_length`` from the overrides file)
  nn.ReLU -> relu              nn.Softmax -> softmax

nn.Identity / nn.Dropout / nn.Flatten are passed over; any other leaf
module is listed in one :class:`UnsupportedOpError`.
"""
from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from typing import Any

from .importing import DEFAULT_W_BITS, DEFAULT_X_BITS, ImportedLayer, UnsupportedOpError, unique_name, width_keys
from .modelfile import ModelFileError

_MISSING = object()
SUPPORTED = ["Linear", "Conv1d", "ConvTranspose1d", "LayerNorm", "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d",
             "ReLU", "Softmax"]
PASS_THROUGH = {"Identity", "Dropout", "Flatten"}


def load_factory(spec: str) -> Any:
    """Import ``module.py`` of ``module.py:factory`` from its path and call
    ``factory()``; raise ModelFileError naming what is missing."""
    file, sep, func = spec.rpartition(":")
    if not sep or not file or not func:
        raise ModelFileError(spec, None, "--torch", spec, "expected module.py:factory")
    path = Path(file)
    if not path.is_file():
        raise ModelFileError(file, None, "--torch", spec, "no such file")
    try:
        import torch  # noqa: F401 - a clear error before the user's module fails on it
    except ImportError:
        raise ModelFileError(file, None, "--torch", spec, "reading a PyTorch model needs torch: "
                             "pip install torch") from None
    mod_spec = importlib.util.spec_from_file_location(f"_symverify_torch_{path.stem}", path)
    assert mod_spec is not None and mod_spec.loader is not None
    module = importlib.util.module_from_spec(mod_spec)
    sys.modules[mod_spec.name] = module
    mod_spec.loader.exec_module(module)
    factory = getattr(module, func, None)
    if not callable(factory):
        raise ModelFileError(file, None, "--torch", spec, f"no callable {func!r} in the module")
    return factory()


def _leaves(module: Any, prefix: str = "") -> list[tuple[str, Any]]:
    children = list(module.named_children())
    if not children:
        return [(prefix, module)]
    out = []
    for name, child in children:
        out += _leaves(child, f"{prefix}.{name}" if prefix else name)
    return out


def _first(v: Any) -> Any:
    return v[0] if isinstance(v, (tuple, list)) else v


def _record(m: Any) -> dict[str, Any]:
    cls = type(m).__name__
    if cls == "Linear":
        return {"kind": "linear", "in_features": m.in_features, "out_features": m.out_features,
                "bias": m.bias is not None}
    if cls in ("Conv1d", "ConvTranspose1d"):
        pad = m.padding if isinstance(m.padding, str) else _first(m.padding)
        rec = {"in_channels": m.in_channels, "out_channels": m.out_channels, "kernel_size": _first(m.kernel_size),
               "stride": _first(m.stride), "padding": pad, "dilation": _first(m.dilation), "groups": m.groups,
               "bias": m.bias is not None}
        if cls == "Conv1d":
            if getattr(m, "padding_mode", "zeros") != "zeros":
                raise _Unsupported(f"padding_mode={m.padding_mode!r}")
            return {"kind": "conv1d", **rec}
        return {"kind": "conv_transpose1d", **rec, "output_padding": _first(m.output_padding)}
    if cls == "LayerNorm":
        shape = m.normalized_shape
        return {"kind": "layernorm", "normalized_shape": math.prod(shape if isinstance(shape, (tuple, list))
                                                                   else (shape,)), "eps": float(m.eps)}
    if cls in ("MaxPool1d", "AvgPool1d"):
        if m.ceil_mode:
            raise _Unsupported("ceil_mode=True; SYM pools use floor")
        k = _first(m.kernel_size)
        rec = {"kernel_size": k, "stride": _first(m.stride) or k, "padding": _first(m.padding)}
        if cls == "MaxPool1d":
            return {"kind": "maxpool1d", **rec, "dilation": _first(m.dilation)}
        return {"kind": "avgpool1d", **rec, "count_include_pad": bool(m.count_include_pad)}
    if cls == "AdaptiveAvgPool1d":
        return {"kind": "adaptive_avgpool1d", "output_size": _first(m.output_size)}
    if cls == "ReLU":
        return {"kind": "relu"}
    if cls == "Softmax":
        return {"kind": "softmax"}
    raise _Unsupported()


class _Unsupported(Exception):
    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = f" ({detail})" if detail else ""


def read_torch(module: Any, source: str, x_bits: int = DEFAULT_X_BITS,
               w_bits: int = DEFAULT_W_BITS) -> list[ImportedLayer]:
    """The layer records of the ``nn.Module`` ``module`` (``source`` names it
    in errors). Raises UnsupportedOpError listing every unsupported leaf."""
    layers: list[ImportedLayer] = []
    unsupported: list[tuple[str, str]] = []
    taken: set[str] = set()
    for i, (path, m) in enumerate(_leaves(module)):
        cls = type(m).__name__
        if cls in PASS_THROUGH:
            continue
        try:
            rec = _record(m)
        except _Unsupported as why:
            unsupported.append((f"{cls}{why.detail}", path or "<root>"))
            continue
        kind = rec.pop("kind")
        name = unique_name(path.replace(".", "_"), taken, f"{kind}_{i}")
        layers.append(ImportedLayer({"name": name, "kind": kind, **rec, **width_keys(kind, x_bits, w_bits)},
                                    {"torch_module": path, "class": cls}))
    if unsupported:
        raise UnsupportedOpError(source, unsupported, SUPPORTED)
    if not layers:
        raise ModelFileError(source, None, "layer", _MISSING, "the module has no layer that maps to a SYM kind")
    return layers
