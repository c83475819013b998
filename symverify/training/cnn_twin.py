"""float32 numpy steps of the CNN kinds for the twin (:mod:`symverify.training.twin`):
Conv1d (groups 1, im2col), ReLU, MaxPool1d (first maximum on ties, padding
never wins), AdaptiveAvgPool1d (PyTorch's windows), Softmax (per row, row
max subtracted) and cross entropy (reduction mean; its gradient is the one
w.r.t. the logits, so the softmax backward passes it through, as on the SYM
side). Every array is float32.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from symverify.conv_geometry import conv1d_geometry

F32 = np.float32
LOSS_KINDS = ("cross_entropy",)


def hyper(layer: Any) -> dict[str, Any]:
    """The non-trained settings a kind's float step needs (resolved paddings)."""
    if layer.kind == "conv1d":
        if layer.groups != 1:
            raise ValueError(f"layer {layer.name!r}: the float32 twin has no grouped conv1d (groups "
                             f"{layer.groups})")
        g = conv1d_geometry((1, layer.in_channels, layer.in_length), layer.w.mantissas.shape, layer.stride,
                            layer.padding, layer.dilation, layer.groups)
        return {"stride": g.stride, "dilation": g.dilation, "pad": (g.pad_left, g.pad_right),
                "out_length": g.out_length}
    if layer.kind == "maxpool1d":
        return {"kernel_size": layer.kernel_size, "stride": layer.stride or layer.kernel_size,
                "dilation": layer.dilation, "pad": layer.pad}
    if layer.kind == "adaptive_avgpool1d":
        return {"output_size": layer.output_size}
    return {}


def layer_params(layer: Any, values: dict[str, np.ndarray]) -> dict[str, Any]:
    """The float32 parameters of ``layer`` from ``values`` (keys ``"<layer>.<name>"``, copied),
    a zero bias where the layer has none, LayerNorm's eps and the :func:`hyper` settings:
    what every float32 twin (numpy, torch) starts a layer from."""
    p = {k.split(".", 1)[1]: v.copy() for k, v in values.items() if k.split(".", 1)[0] == layer.name}
    if layer.kind == "linear" and "b" not in p:
        p["b"] = np.zeros(layer.out_features, np.float32)
    if layer.kind == "conv1d" and "b" not in p:
        p["b"] = np.zeros(layer.out_channels, np.float32)
    if layer.kind == "layernorm":
        p["eps"] = np.float32(layer.eps)
    p.update(hyper(layer))
    return p


def _taps(p: dict, k: int) -> np.ndarray:
    """Padded-input positions of tap k for every output position."""
    return np.arange(p["out_length"]) * p["stride"] + k * p["dilation"]


def _conv_fwd(p: dict, h: np.ndarray) -> tuple[np.ndarray, Any]:
    xp = np.pad(h, ((0, 0), (0, 0), p["pad"])).astype(F32)
    kk = p["w"].shape[2]
    cols = np.stack([xp[:, :, _taps(p, k)] for k in range(kk)], axis=3)  # [B, C, L_out, K]
    cols = cols.transpose(0, 2, 1, 3).reshape(len(h), p["out_length"], -1)  # [B, L_out, C*K]
    w2 = p["w"].reshape(len(p["w"]), -1)
    y = (cols @ w2.T + p["b"]).astype(F32)  # [B, L_out, O]
    return y.transpose(0, 2, 1).copy(), (cols, h.shape, xp.shape)


def _conv_bwd(p: dict, cache: Any, dy: np.ndarray) -> tuple[np.ndarray, dict]:
    cols, shape, padded = cache
    dyt = dy.transpose(0, 2, 1).astype(F32)  # [B, L_out, O]
    w2 = p["w"].reshape(len(p["w"]), -1)
    gw = np.einsum("blo,blc->oc", dyt, cols, dtype=F32).reshape(p["w"].shape)
    grads = {"w": gw.astype(F32), "b": dy.sum(axis=(0, 2), dtype=F32)}
    dcols = (dyt @ w2).astype(F32).reshape(shape[0], p["out_length"], shape[1], -1)  # [B, L_out, C, K]
    dxp = np.zeros(padded, dtype=F32)
    for k in range(dcols.shape[3]):
        dxp[:, :, _taps(p, k)] += dcols[:, :, :, k].transpose(0, 2, 1)  # one tap: distinct positions
    pl = p["pad"][0]
    return dxp[:, :, pl:pl + shape[2]].copy(), grads


def _relu_fwd(p: dict, h: np.ndarray) -> tuple[np.ndarray, Any]:
    return np.maximum(h, F32(0)).astype(F32), h > 0


def _relu_bwd(p: dict, cache: Any, dy: np.ndarray) -> tuple[np.ndarray, dict]:
    return np.where(cache, dy, F32(0)).astype(F32), {}


def _maxpool_fwd(p: dict, h: np.ndarray) -> tuple[np.ndarray, Any]:
    k, s, d, (pl, pr) = p["kernel_size"], p["stride"], p["dilation"], p["pad"]
    xp = np.pad(h, ((0, 0), (0, 0), (pl, pr)), constant_values=-np.inf).astype(F32)
    out = (xp.shape[2] - (d * (k - 1) + 1)) // s + 1
    pos = np.arange(out)[:, None] * s + np.arange(k)[None, :] * d  # [L_out, K]
    win = xp[:, :, pos]  # [B, C, L_out, K]
    arg = np.argmax(win, axis=3)  # first maximum
    idx = np.take_along_axis(np.broadcast_to(pos, win.shape), arg[..., None], axis=3)[..., 0] - pl
    return np.take_along_axis(win, arg[..., None], axis=3)[..., 0].astype(F32), (idx, h.shape)


def _maxpool_bwd(p: dict, cache: Any, dy: np.ndarray) -> tuple[np.ndarray, dict]:
    idx, shape = cache
    dx = np.zeros(shape, dtype=F32)
    b, c = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
    np.add.at(dx, (b[..., None], c[..., None], idx), dy.astype(F32))
    return dx, {}


def _windows(length: int, out: int) -> list[tuple[int, int]]:
    return [((o * length) // out, -(-((o + 1) * length) // out)) for o in range(out)]


def _adaptive_fwd(p: dict, h: np.ndarray) -> tuple[np.ndarray, Any]:
    wins = _windows(h.shape[2], p["output_size"])
    y = np.stack([h[:, :, a:e].mean(axis=2, dtype=F32) for a, e in wins], axis=2)
    return y.astype(F32), (wins, h.shape)


def _adaptive_bwd(p: dict, cache: Any, dy: np.ndarray) -> tuple[np.ndarray, dict]:
    wins, shape = cache
    dx = np.zeros(shape, dtype=F32)
    for o, (a, e) in enumerate(wins):
        dx[:, :, a:e] += (dy[:, :, o:o + 1] / F32(e - a)).astype(F32)
    return dx, {}


def _softmax_fwd(p: dict, h: np.ndarray) -> tuple[np.ndarray, Any]:
    e = np.exp((h - h.max(axis=1, keepdims=True)).astype(F32)).astype(F32)
    return (e / e.sum(axis=1, keepdims=True, dtype=F32)).astype(F32), None


def _softmax_bwd(p: dict, cache: Any, dy: np.ndarray) -> tuple[np.ndarray, dict]:
    return dy, {}  # the cross-entropy gradient is w.r.t. the logits


def cross_entropy(prob: np.ndarray, onehot: np.ndarray) -> tuple[np.float32, np.ndarray]:
    """(mean loss, gradient w.r.t. the logits = (p - y) / B) of softmax output ``prob``."""
    lq = np.log(np.maximum(prob, F32(1e-7))).astype(F32)
    loss = F32(-(onehot * lq).sum(dtype=F32) / F32(len(prob)))
    return loss, ((prob - onehot) / F32(len(prob))).astype(F32)


FORWARD: dict[str, Callable] = {"conv1d": _conv_fwd, "relu": _relu_fwd, "maxpool1d": _maxpool_fwd,
                                "adaptive_avgpool1d": _adaptive_fwd, "softmax": _softmax_fwd}
BACKWARD: dict[str, Callable] = {"conv1d": _conv_bwd, "relu": _relu_bwd, "maxpool1d": _maxpool_bwd,
                                 "adaptive_avgpool1d": _adaptive_bwd, "softmax": _softmax_bwd}
