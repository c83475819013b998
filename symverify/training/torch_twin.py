"""The float32 twin in PyTorch (the optional ``torch`` extra): the same
network as :class:`symverify.training.twin.FloatTwin` built from
``torch.nn`` modules, started from the dequantized initial SYM parameters
and trained with plain SGD on the same batches, so the float32 side of the
comparison is the framework people train with rather than our own numpy.

One entry per layer kind (:data:`MODULES`): Conv1d (its resolved padding
as a zero ``ConstantPad1d``, so an odd "same" pads as SYM does), ReLU,
MaxPool1d (a ``-inf`` pad, so padding never wins), AdaptiveAvgPool1d,
Linear (after ``Flatten``: a [B, C, L] input gives C*L features), Quant
(identity), LayerNorm (gamma and beta fixed, as on the SYM side). A
trailing softmax -> cross_entropy becomes ``F.cross_entropy`` on the logits
(reduction mean: its gradient is (p - y) / B, as in the numpy twin; the loss
value differs from the numpy twin's clamped log only where p < 1e-7); MSE
is ``F.mse_loss`` (mean over every element). Everything is float32 on the
CPU.
"""
from __future__ import annotations

import importlib.util
from typing import Any, Callable

import numpy as np

from symverify.model.factory import Model

from . import cnn_twin
from .data import MissingExtraError

F32 = np.float32


def torch_available() -> bool:
    """True if torch is installed (found without importing it)."""
    return importlib.util.find_spec("torch") is not None


def require_torch() -> Any:
    """The torch module; MissingExtraError naming the extra if it is absent."""
    if not torch_available():
        raise MissingExtraError("the torch twin needs torch: pip install -e '.[torch]'")
    import torch

    return torch


def _param(torch: Any, value: np.ndarray, trained: bool) -> Any:
    return torch.nn.Parameter(torch.from_numpy(np.array(value, dtype=F32)), requires_grad=trained)


def _conv(torch: Any, layer: Any, p: dict) -> Any:
    nn = torch.nn
    conv = nn.Conv1d(layer.in_channels, layer.out_channels, layer.kernel_size, stride=p["stride"],
                     dilation=p["dilation"], bias=True)
    conv.weight = _param(torch, p["w"], True)
    conv.bias = _param(torch, p["b"], True)
    return nn.Sequential(nn.ConstantPad1d(tuple(p["pad"]), 0.0), conv)


def _relu(torch: Any, layer: Any, p: dict) -> Any:
    return torch.nn.ReLU()


def _maxpool(torch: Any, layer: Any, p: dict) -> Any:
    nn = torch.nn
    return nn.Sequential(nn.ConstantPad1d(tuple(p["pad"]), float("-inf")),
                         nn.MaxPool1d(p["kernel_size"], stride=p["stride"], dilation=p["dilation"]))


def _adaptive(torch: Any, layer: Any, p: dict) -> Any:
    return torch.nn.AdaptiveAvgPool1d(p["output_size"])


def _linear(torch: Any, layer: Any, p: dict) -> Any:
    nn = torch.nn
    lin = nn.Linear(layer.in_features, layer.out_features, bias=True)
    lin.weight = _param(torch, p["w"], True)
    lin.bias = _param(torch, p["b"], True)
    return nn.Sequential(nn.Flatten(1), lin)


def _quant(torch: Any, layer: Any, p: dict) -> Any:
    return torch.nn.Identity()


def _layernorm(torch: Any, layer: Any, p: dict) -> Any:
    ln = torch.nn.LayerNorm(layer.features, eps=float(p["eps"]))
    ln.weight = _param(torch, p["gamma"], False)
    ln.bias = _param(torch, p["beta"], False)
    return ln


def _softmax(torch: Any, layer: Any, p: dict) -> Any:
    return torch.nn.Softmax(dim=1)


#: kind -> (torch, layer, float32 start values) -> module
MODULES: dict[str, Callable[[Any, Any, dict], Any]] = {
    "conv1d": _conv, "relu": _relu, "maxpool1d": _maxpool, "adaptive_avgpool1d": _adaptive, "linear": _linear,
    "quant": _quant, "layernorm": _layernorm, "softmax": _softmax}


class TorchTwin:
    """float32 PyTorch copy of a factory model (built before any SYM step);
    the interface of :class:`~symverify.training.twin.FloatTwin`."""

    name = "torch"

    def __init__(self, model: Model) -> None:
        torch = require_torch()   # not kept on the object: a twin is deep-copied for snapshots
        values = model.dequantized()
        self.loss_kind = model.loss_kind
        layers = [layer for layer in model.layers if layer.kind not in cnn_twin.LOSS_KINDS]
        if self.loss_kind == "cross_entropy" and layers and layers[-1].kind == "softmax":
            layers = layers[:-1]   # F.cross_entropy takes the logits
        modules = []
        self._named: dict[str, Any] = {}
        for layer in layers:
            if layer.kind not in MODULES:
                raise ValueError(f"layer {layer.name!r}: kind {layer.kind!r} has no torch twin "
                                 f"(supported: {', '.join(sorted(MODULES))})")
            p = cnn_twin.layer_params(layer, values)
            module = MODULES[layer.kind](torch, layer, p)
            modules.append(module)
            trained = [q for q in module.parameters() if q.requires_grad]
            self._named.update(zip((f"{layer.name}.w", f"{layer.name}.b"), trained))
        self.net = torch.nn.Sequential(*modules)
        self._trained = list(self._named.values())

    def step(self, x: np.ndarray, target: np.ndarray, lr: float) -> np.float32:
        """One SGD step against the one-hot ``target`` (cross entropy on the
        class index, reduction mean, or MSE); returns the batch loss."""
        import torch

        F = torch.nn.functional
        out = self.net(torch.from_numpy(np.ascontiguousarray(x, dtype=F32)))
        t = torch.from_numpy(np.ascontiguousarray(target, dtype=F32))
        loss = F.cross_entropy(out, t.argmax(dim=1)) if self.loss_kind == "cross_entropy" else F.mse_loss(out, t)
        for q in self._trained:
            q.grad = None
        loss.backward()
        lr32 = torch.tensor(F32(lr))
        with torch.no_grad():
            for q in self._trained:
                q.sub_(lr32 * q.grad)
        return F32(loss.item())

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class indices: argmax of the output rows (the logits before a softmax)."""
        import torch

        with torch.no_grad():
            out = self.net(torch.from_numpy(np.ascontiguousarray(x, dtype=F32)))
        return out.argmax(dim=1).numpy()

    def params(self) -> dict[str, np.ndarray]:
        """The trained parameters as ``{"layer.w": array, "layer.b": array}``
        (float32 copies in the numpy twin's shapes)."""
        return {key: q.detach().numpy().copy() for key, q in self._named.items()}


#: float32 twins by name: "numpy" (twin.py) and "torch" (this module)
TWINS = ("numpy", "torch")


def make_twin(model: Model, which: str = "auto") -> Any:
    """The float32 twin of ``model``: ``numpy`` (:class:`FloatTwin`), ``torch``
    (:class:`TorchTwin`; MissingExtraError without torch) or ``auto`` (torch
    when installed, else numpy). The twin's ``name`` says which."""
    from .twin import FloatTwin

    if which not in ("auto", *TWINS):
        raise ValueError(f"float twin {which!r}: expected auto, numpy or torch")
    if which == "torch" or (which == "auto" and torch_available()):
        return TorchTwin(model)
    return FloatTwin(model)
