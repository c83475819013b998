"""Pool kernels of the ``sv.emulate`` backend, from docs/layers.md "Pools"
and SPEC section 6 (written without reading the C sources).

Windows are built as explicit position lists; sums use Python ints and are
checked against int32 afterwards, so a wrong bound in the C checks shows up
as a status difference in the golden vectors.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from symverify import registry
from symverify.errors import SymError
from symverify.types import SymTensor

__all__ = registry.module_exports(__name__)

_I32_MIN, _I32_MAX = -(2**31), 2**31 - 1
_MIN_NORMAL = np.float32(2.0**-126)


def _shape3(t: Any, name: str) -> tuple[int, int, int]:
    if not isinstance(t, SymTensor):
        raise SymError("SYM_ERR_BAD_TYPE", name, type(t).__name__, f"{name} must be an sv.SymTensor")
    if t.mantissas.ndim != 3:
        raise SymError("SYM_ERR_SHAPE", name, t.mantissas.shape, f"{name} must be [B, C, L]")
    return tuple(int(s) for s in t.mantissas.shape)  # type: ignore[return-value]


def _types_first(tensors: dict[str, Any], ints: dict[str, Any], stride: Any = None, padding: Any = 0,
                 include_pad: Any = True) -> None:
    """Every type fault before any shape or value check (docs/semantics.md
    precedence: a bad type is group 1, a bad shape group 3)."""
    for name, t in tensors.items():
        if not isinstance(t, SymTensor):
            raise SymError("SYM_ERR_BAD_TYPE", name, type(t).__name__, f"{name} must be an sv.SymTensor")
    for name, v in {**ints, **({} if stride is None else {"stride": stride})}.items():
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Integral, np.integer)):
            raise SymError("SYM_ERR_BAD_TYPE", name, v, f"{name} must be an integer")
    if not isinstance(padding, str) and (isinstance(padding, (bool, np.bool_))
                                         or not isinstance(padding, (numbers.Integral, np.integer))):
        raise SymError("SYM_ERR_BAD_TYPE", "padding", padding, 'padding is an int or "same"')
    _bool(include_pad)


def _integer(v: Any, name: str, lo: int) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Integral, np.integer)):
        raise SymError("SYM_ERR_BAD_TYPE", name, v, f"{name} must be an integer")
    if int(v) < lo or int(v) > _I32_MAX:
        raise SymError("SYM_ERR_SHAPE", name, v, f"{name} must be >= {lo} and fit int32")
    return int(v)


def _windows(length: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any) -> tuple[int, list[list[int]]]:
    """(K, per output position the list of its real input positions)."""
    k = _integer(kernel_size, "kernel_size", 1)
    s = k if stride is None else _integer(stride, "stride", 1)
    d = _integer(dilation, "dilation", 1)
    if padding == "same":
        if s != 1:
            raise SymError("SYM_ERR_SHAPE", "padding", padding, '"same" needs stride 1')
        left = d * (k - 1) // 2
        right = d * (k - 1) - left
    elif isinstance(padding, str):
        raise SymError("SYM_ERR_SHAPE", "padding", padding, 'padding is an int or "same"')
    else:
        left = right = _integer(padding, "padding", 0)
    n_out = (length + left + right - d * (k - 1) - 1) // s + 1
    if length + left + right < d * (k - 1) + 1:
        raise SymError("SYM_ERR_SHAPE", "kernel_size", k, "window longer than the padded input")
    wins = []
    for o in range(n_out):
        taps = [o * s - left + j * d for j in range(k)]
        real = [p for p in taps if 0 <= p < length]
        if not real:
            raise SymError("SYM_ERR_SHAPE", "geom.pad_left", o, "a window covers only padding")
        wins.append(real)
    return k, wins


def _adaptive_windows(length: int, n_out: int) -> list[list[int]]:
    if length * n_out + n_out > _I32_MAX:
        raise SymError("SYM_ERR_SHAPE", "geom.out_length", n_out, "in_length * out_length must fit int32")
    return [list(range(math.floor(o * length / n_out), math.ceil((o + 1) * length / n_out)))
            for o in range(n_out)]


def _round_div(num: int, den: int) -> int:
    """Half-away integer division: (|num| + den // 2) // den with num's sign."""
    q = (abs(num) + den // 2) // den
    return q if num >= 0 else -q


def _value_sum_guard(t: SymTensor, n: int, where: str) -> None:
    if t.q_max_bits > 16:
        raise SymError("SYM_ERR_BAD_WIDTH", "x.bits", t.q_max_bits, "a value sum needs b <= 16")
    if n >= 2 ** (32 - t.q_max_bits):
        raise SymError("SYM_ERR_RANGE_GUARD", where, n, "value-sum guard: N < 2^(32-b)")


def _folded_scale(s: np.float32, k: int, name: str) -> np.float32:
    with np.errstate(under="ignore"):
        out = np.float32(np.float32(s) / np.float32(k))
    if not out >= _MIN_NORMAL:
        raise SymError("SYM_ERR_SCALE_UNDERFLOW", name, float(out), "the folded scale is not a normal float32")
    return out


def _fold(v: int, n: int, k: int, include_pad: bool, name: str, at: int) -> int:
    """The contribution of a window of n real taps of a K-tap fold."""
    if include_pad or n == k:
        return v
    if not _I32_MIN <= v * k <= _I32_MAX:
        raise SymError("SYM_ERR_INT_OVERFLOW", name, at, "the product leaves int32")
    return _round_div(v * k, n)


def _bool(v: Any) -> bool:
    if not isinstance(v, (bool, np.bool_)):
        raise SymError("SYM_ERR_BAD_TYPE", "count_include_pad", v, "count_include_pad must be a bool")
    return bool(v)


def _scatter(dy: np.ndarray, length: int, contrib: list[list[tuple[list[int], int]]]) -> np.ndarray:
    """dx rows from per-row lists of (positions, value); int32-checked running sums."""
    rows = len(contrib)
    dx = [[0] * length for _ in range(rows)]
    for r, items in enumerate(contrib):
        for positions, v in items:
            for p in positions:
                dx[r][p] += v
                if not _I32_MIN <= dx[r][p] <= _I32_MAX:
                    raise SymError("SYM_ERR_INT_OVERFLOW", "dx", r * length + p, "the scatter-add leaves int32")
    return np.array(dx, dtype=np.int64)


def _width(bits: int, terms: int) -> int:
    grow = 0
    while (1 << grow) < terms:
        grow += 1
    return min(32, bits + grow)


def maxpool1d_forward(x: SymTensor, kernel_size: int, stride: int | None = None, padding: Any = 0,
                      dilation: int = 1) -> tuple[SymTensor, np.ndarray]:
    """Max per window, the first position of the max wins."""
    _types_first({"x": x}, {"kernel_size": kernel_size, "dilation": dilation}, stride, padding)
    b, c, length = _shape3(x, "x")
    _, wins = _windows(length, kernel_size, stride, padding, dilation)
    rows = x.mantissas.reshape(b * c, length).astype(np.int64)
    y = np.zeros((b * c, len(wins)), dtype=np.int64)
    idx = np.zeros((b * c, len(wins)), dtype=np.int32)
    for r in range(b * c):
        for o, real in enumerate(wins):
            vals = [int(rows[r, p]) for p in real]
            best = max(vals)
            y[r, o] = best
            idx[r, o] = real[vals.index(best)]
    shape = (b, c, len(wins))
    return SymTensor(y.reshape(shape), x.scale, x.q_max_bits), idx.reshape(shape)


def maxpool1d_backward(dy: SymTensor, indices: Any, input_length: int) -> SymTensor:
    """dy summed into the argmax positions."""
    _types_first({"dy": dy}, {"input_length": input_length})
    idx = np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise SymError("SYM_ERR_BAD_TYPE", "indices", idx.dtype, "indices must be integers")
    b, c, o = _shape3(dy, "dy")
    length = _integer(input_length, "input_length", 1)
    if idx.shape != (b, c, o):
        raise SymError("SYM_ERR_SHAPE", "indices", idx.shape, "indices must have dy's shape")
    flat = idx.reshape(-1).astype(np.int64)
    bad = np.flatnonzero((flat < 0) | (flat >= length))
    if bad.size:
        raise SymError("SYM_ERR_SHAPE", "indices", int(bad[0]), "index outside [0, input_length)")
    d = dy.mantissas.reshape(b * c, o).astype(np.int64)
    ir = flat.reshape(b * c, o)
    contrib = [[([int(ir[r, k])], int(d[r, k])) for k in range(o)] for r in range(b * c)]
    dx = _scatter(d, length, contrib)
    return SymTensor(dx.reshape(b, c, length), dy.scale, 32)


def avgpool1d_forward(x: SymTensor, kernel_size: int, stride: int | None = None, padding: Any = 0,
                      dilation: int = 1, count_include_pad: bool = True) -> SymTensor:
    """Window sums, s_out = s_in / K."""
    _types_first({"x": x}, {"kernel_size": kernel_size, "dilation": dilation}, stride, padding, count_include_pad)
    b, c, length = _shape3(x, "x")
    k, wins = _windows(length, kernel_size, stride, padding, dilation)
    inc = _bool(count_include_pad)
    _value_sum_guard(x, k, "geom.kernel_size")
    s_out = _folded_scale(x.scale, k, "y.scale")
    rows = x.mantissas.reshape(b * c, length).astype(np.int64)
    y = np.zeros((b * c, len(wins)), dtype=np.int64)
    for r in range(b * c):
        for o, real in enumerate(wins):
            total = int(sum(int(rows[r, p]) for p in real))
            y[r, o] = _fold(total, len(real), k, inc, "y", r * len(wins) + o)
    return SymTensor(y.reshape(b, c, len(wins)), s_out, _width(x.q_max_bits, k))


def avgpool1d_backward(dy: SymTensor, input_length: int, kernel_size: int, stride: int | None = None,
                       padding: Any = 0, dilation: int = 1, count_include_pad: bool = True) -> SymTensor:
    """Each window's (folded) dy added to its real positions, s_dx = s_dy / K."""
    _types_first({"dy": dy}, {"input_length": input_length, "kernel_size": kernel_size, "dilation": dilation},
                 stride, padding, count_include_pad)
    b, c, o = _shape3(dy, "dy")
    length = _integer(input_length, "input_length", 1)
    k, wins = _windows(length, kernel_size, stride, padding, dilation)
    if len(wins) != o:
        raise SymError("SYM_ERR_SHAPE", "dy", dy.mantissas.shape, f"dy must have length {len(wins)}")
    inc = _bool(count_include_pad)
    s_dx = _folded_scale(dy.scale, k, "dx.scale")
    d = dy.mantissas.reshape(b * c, o).astype(np.int64)
    contrib = [[(real, _fold(int(d[r, j]), len(real), k, inc, "dy", r * o + j)) for j, real in enumerate(wins)]
               for r in range(b * c)]
    dx = _scatter(d, length, contrib)
    return SymTensor(dx.reshape(b, c, length), s_dx, 32)


def adaptive_avgpool1d_forward(x: SymTensor, output_size: int) -> SymTensor:
    """Half-away integer mean over the adaptive windows, scale unchanged."""
    _types_first({"x": x}, {"output_size": output_size})
    b, c, length = _shape3(x, "x")
    n_out = _integer(output_size, "output_size", 1)
    wins = _adaptive_windows(length, n_out)
    _value_sum_guard(x, max(len(w) for w in wins), "geom.in_length")
    rows = x.mantissas.reshape(b * c, length).astype(np.int64)
    y = np.array([[_round_div(int(sum(int(rows[r, p]) for p in w)), len(w)) for w in wins]
                  for r in range(b * c)], dtype=np.int64)
    return SymTensor(y.reshape(b, c, n_out), x.scale, x.q_max_bits)


def adaptive_avgpool1d_backward(dy: SymTensor, input_length: int) -> SymTensor:
    """Window o adds round(dy * N / n_o) to its positions, s_dx = s_dy / N
    with N the longest window."""
    _types_first({"dy": dy}, {"input_length": input_length})
    b, c, o = _shape3(dy, "dy")
    length = _integer(input_length, "input_length", 1)
    wins = _adaptive_windows(length, o)
    n_max = max(len(w) for w in wins)
    s_dx = _folded_scale(dy.scale, n_max, "dx.scale")
    d = dy.mantissas.reshape(b * c, o).astype(np.int64)
    contrib = [[(w, _fold(int(d[r, j]), len(w), n_max, False, "dy", r * o + j)) for j, w in enumerate(wins)]
               for r in range(b * c)]
    dx = _scatter(d, length, contrib)
    return SymTensor(dx.reshape(b, c, length), s_dx, 32)
