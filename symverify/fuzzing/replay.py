"""Replay fuzz inputs through both backends and compare them.

Each input is decoded by the C decoder (the one the libFuzzer target links),
turned into the public API call its family's target exercises, and run on
``sv.kernels`` (the C kernels through cffi) and on ``sv.emulate`` (the numpy
float32 emulator). They must give the same bits (mantissas, scale bit
pattern, width, float outputs, final RNG state) or raise SymError with the
same code; anything else, including any other exception, is a finding.
Inputs that have no exact API form (a mantissa outside its declared width,
an invalid scale, lengths that do not fill the dimensions) are compared in a
coerced form (arrays repeated or cut to the shape, mantissas clipped into the
width, |scale| or 1.0) and counted as ``coerced``; the rest (dimensions < 1
or too large, empty tensors, C-only helpers) are ``rejected``. A seed of 0
becomes ``Rng(0)`` (state 0xFFFFFFFF), as everywhere in the API.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from symverify.errors import SymError, raise_for_status
from symverify.types import Rng, SymTensor

from .case import FZ_MAX, FuzzCase, decode

Call = Callable[[Any, Rng], Any]


class Rejected(Exception):
    """The case has no form in the Python API (see the module docstring)."""


# ------------------------------------------------------------ field mapping

def _bits(v: int) -> int:
    """Declared width of a replay tensor: p if it is a declarable width, else 32."""
    return v if 2 <= v <= 32 else 32


def _mode(v: int) -> str:
    return {0: "half_away", 1: "sr_half_away"}.get(v, f"mode_{v}")


def _order(v: int) -> str:
    return {0: "ratio", 1: "clamp_first"}.get(v, f"order_{v}")


def _tensor(m: list[int], scale: Any, bits: int, shape: tuple[int, ...] | None = None,
            coerce: bool = False) -> SymTensor:
    """The replay tensor; with ``coerce`` the mantissas are repeated or cut to
    fill ``shape`` (zeros for an empty array) and clipped into the declared width, and an invalid scale
    becomes |scale| (or 1.0), so that an input the constructor refuses is
    still compared in a nearby valid form."""
    arr = np.array(m, dtype=np.int64)
    if shape is not None:
        size = int(np.prod(shape)) if all(d >= 1 for d in shape) else 0
        if coerce and 0 < size <= FZ_MAX:
            # repeat or cut to fill the shape (an empty array becomes zeros)
            arr = np.resize(arr, size) if arr.size else np.zeros(size, dtype=np.int64)
        if size == 0 or size != arr.size:
            raise Rejected(f"{arr.size} mantissas do not fill shape {shape}")
        arr = arr.reshape(shape)
    width = _bits(bits)
    s32 = np.float32(scale)
    if coerce:
        arr = np.clip(arr, -(1 << (width - 1)), (1 << (width - 1)) - 1)
        s32 = np.abs(s32)
        if not (np.isfinite(s32) and s32 >= np.finfo(np.float32).tiny):
            s32 = np.float32(1.0)
    try:
        return SymTensor(arr, s32, width)
    except SymError as exc:
        raise Rejected(str(exc)) from exc


def _f32(values: list[Any]) -> np.ndarray:
    return np.array(values, dtype=np.float32)


# ------------------------------------------------------------ families

def _round(c: FuzzCase, coerce: bool = False) -> Call | None:
    op = c.op % 4
    if op == 0:
        return lambda k, rng: k.round_half_away(c.f32(0))
    if op == 1:
        return lambda k, rng: _stochastic_one(k, c.f32(0), rng)
    if op == 2:
        return lambda k, rng: _uniform_one(k, rng)
    return None  # sym_round_sat: an internal helper, checked in C only


def _stochastic_one(k: Any, x: np.float32, rng: Rng) -> int:
    """One SR rounding: the C kernel directly, or the emulator's draw + round."""
    if _is_c(k):
        ffi, lib = k.ffi_lib()
        state = ffi.new("uint32_t[1]", [rng.state])
        out = ffi.new("int32_t[1]")
        status = lib.sym_round_stochastic(float(x), state, out)
        raise_for_status(status, "sym_round_stochastic")
        rng.state = int(state[0])
        return int(out[0])
    from symverify.emulator.primitives import sr_draws

    u, new_state = sr_draws(rng.state, 1)
    with np.errstate(over="ignore", invalid="ignore"):
        w = (np.float32(x) + u[0]) - np.float32(0.5)
    value = k.round_half_away(w)
    rng.state = new_state
    return value


def _uniform_one(k: Any, rng: Rng) -> np.float32:
    if _is_c(k):
        ffi, lib = k.ffi_lib()
        state = ffi.new("uint32_t[1]", [rng.state])
        u = ffi.new("float[1]")
        raise_for_status(lib.sym_rng_uniform(state, u), "sym_rng_uniform")
        rng.state = int(state[0])
        return np.float32(u[0])
    from symverify.emulator.primitives import sr_draws

    u, rng.state = sr_draws(rng.state, 1)
    return np.float32(u[0])


def _is_c(k: Any) -> bool:
    return getattr(k, "__name__", "") == "symverify.kernels"


def _convert(c: FuzzCase, coerce: bool = False) -> Call:
    op = c.op % 3
    if op == 0:
        return lambda k, rng: k.float_to_sym(_f32(c.x), c.p[0], _mode(c.p[1]), rng)
    if op == 1:
        t = _tensor(c.a[0], c.f32(0), c.p[3], coerce=coerce)
        return lambda k, rng: k.sym_to_float(t)
    m = np.array(c.a[0], dtype=np.int32)
    return lambda k, rng: k.int_to_sym(m)


def _requant(c: FuzzCase, coerce: bool = False) -> Call:
    op = c.op % 3
    if op == 2:
        q = c.a[0][0] if c.a[0] else 0
        return lambda k, rng: k.rescale_to_acc(q, c.f32(0), c.f32(1), _mode(c.p[1]))
    t = _tensor(c.a[0], c.f32(0), c.p[3], coerce=coerce)
    if op == 0:
        return lambda k, rng: k.requant_dynamic(t, c.p[0], _mode(c.p[1]), _order(c.p[2]), rng)
    return lambda k, rng: k.requant_fixed(t, c.f32(1), c.p[0], _mode(c.p[1]), rng)


def _accumulate(c: FuzzCase, coerce: bool = False) -> Call:
    t = _tensor(c.a[0], c.f32(0), c.p[0], coerce=coerce)
    inc = _tensor(c.a[1], c.f32(1), c.p[2], coerce=coerce)
    if c.op % 2 == 0:
        return lambda k, rng: k.accumulate_dynamic(t, inc, _mode(c.p[1]), rng)
    return lambda k, rng: k.accumulate_fixed(t, inc, _mode(c.p[1]))


def _linear(c: FuzzCase, coerce: bool = False) -> Call:
    bsz, in_f, out_f = c.p[0], c.p[1], c.p[2]
    x = _tensor(c.a[0], c.f32(0), c.p[3], (bsz, in_f), coerce=coerce)
    w = _tensor(c.a[1], c.f32(1), c.p[4], (out_f, in_f), coerce=coerce)
    b = _tensor(c.a[2], c.f32(2), c.p[7], (out_f,), coerce=coerce) if c.p[5] & 1 else None
    rounding, order = _mode(c.p[9]), _order(c.p[10])
    if c.op % 4 == 0:
        out_bits = None if c.p[8] == 0 else c.p[8]
        return lambda k, rng: k.linear_forward(x, w, b, out_bits, rounding, order, rng)
    dy = _tensor(c.a[3], c.f32(3), c.p[6], (bsz, out_f), coerce=coerce)
    grad_w = _tensor(c.a[4], c.f32(5), c.p[11], (out_f, in_f), coerce=coerce)
    return lambda k, rng: k.linear_backward(x, w, dy, grad_w, b, c.p[8], rounding, order, rng)


def _layernorm(c: FuzzCase, coerce: bool = False) -> Call:
    bsz, feats = c.p[0], c.p[1]
    x = _tensor(c.a[0], c.f32(0), c.p[3], (bsz, feats), coerce=coerce)
    gamma = _tensor(c.a[1], c.f32(1), c.p[4], (feats,), coerce=coerce)
    rounding = _mode(c.p[6])
    if c.op % 2 == 0:
        beta = _tensor(c.a[2], c.f32(2), c.p[7], (feats,), coerce=coerce)
        return lambda k, rng: k.layernorm_forward(x, gamma, beta, c.p[5], c.f32(4), rounding, rng)
    dy = _tensor(c.a[3], c.f32(3), c.p[8], (bsz, feats), coerce=coerce)
    return lambda k, rng: k.layernorm_backward(x, gamma, dy, c.p[5], c.f32(4), rounding, rng)


def _loss(c: FuzzCase, coerce: bool = False) -> Call:
    y = _tensor(c.a[0], c.f32(0), c.p[0], coerce=coerce)
    target = _f32(c.x)
    return lambda k, rng: k.mse_loss(y, target, c.p[1], _mode(c.p[2]), rng)


def _sgd(c: FuzzCase, coerce: bool = False) -> Call:
    param = _tensor(c.a[0], c.f32(0), c.p[0], coerce=coerce)
    grad = _tensor(c.a[1], c.f32(1), c.p[1], coerce=coerce)
    return lambda k, rng: k.sgd_update(param, grad, c.f32(2), _mode(c.p[2]), rng)


BUILDERS: dict[str, Callable[..., Call | None]] = {
    "round": _round, "convert": _convert, "requant": _requant, "accumulate": _accumulate,
    "linear": _linear, "layernorm": _layernorm, "loss": _loss, "sgd": _sgd,
}


# ------------------------------------------------------------ comparison

def _norm(v: Any) -> Any:
    """A comparable, bit-exact form of a backend result."""
    if isinstance(v, SymTensor):
        return ("T", v.mantissas.shape, v.mantissas.tobytes(), int(v.scale.view(np.uint32)), v.q_max_bits)
    if isinstance(v, np.ndarray):
        return ("A", v.dtype.str, v.shape, v.tobytes())
    if isinstance(v, np.floating):
        return ("f", int(np.float32(v).view(np.uint32)))
    if isinstance(v, (int, np.integer)):
        return ("i", int(v))
    if isinstance(v, tuple):
        return tuple(_norm(e) for e in v)
    if v is None:
        return None
    return ("?", type(v).__name__, repr(v))


def run_backend(call: Call, backend: Any, seed: int) -> tuple[Any, ...]:
    """``("ok", result, rng state)``, ``("error", code, rng state)`` or
    ``("exception", description)`` of one backend."""
    rng = Rng(seed)
    try:
        result = call(backend, rng)
    except SymError as exc:
        return ("error", exc.code, rng.state)
    except Exception as exc:  # noqa: BLE001 - any other exception is the finding
        return ("exception", f"{type(exc).__name__}: {exc}")
    return ("ok", _norm(result), rng.state)


@dataclass
class Finding:
    family: str
    input_name: str
    case: FuzzCase
    kernels: tuple[Any, ...]
    emulate: tuple[Any, ...]

    def describe(self) -> str:
        return (f"{self.family}/{self.input_name}: op {self.case.op}, p {self.case.p}, seed {self.case.seed}, "
                f"f {[float(v) for v in self.case.f]}: kernels {self.kernels[:2]} vs emulate {self.emulate[:2]}")


@dataclass
class ReplayStats:
    family: str
    inputs: int = 0
    agree_ok: int = 0
    agree_error: int = 0
    coerced: int = 0
    rejected: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def compared(self) -> int:
        return self.agree_ok + self.agree_error + len(self.findings)


def replay_case(family: str, case: FuzzCase, name: str, stats: ReplayStats) -> None:
    """Run one decoded case on both backends and record the verdict in ``stats``."""
    import symverify.emulate as emulate
    import symverify.kernels as kernels

    stats.inputs += 1
    try:
        call = BUILDERS[family](case)
    except Rejected:
        try:
            call = BUILDERS[family](case, coerce=True)
        except Rejected:
            stats.rejected += 1
            return
        stats.coerced += 1
    if call is None:
        stats.rejected += 1
        return
    got_c = run_backend(call, kernels, case.seed)  # Rng(0) starts at 0xFFFFFFFF
    got_e = run_backend(call, emulate, case.seed)
    if got_c[0] == "exception" or got_e[0] == "exception" or got_c != got_e:
        stats.findings.append(Finding(family, name, case, got_c, got_e))
    elif got_c[0] == "ok":
        stats.agree_ok += 1
    else:
        stats.agree_error += 1


def replay_inputs(family: str, paths: list[Path], stats: ReplayStats | None = None) -> ReplayStats:
    """Replay every file of ``paths`` (corpus entries, crash files)."""
    stats = stats or ReplayStats(family)
    for path in sorted(paths):
        replay_case(family, decode(path.read_bytes()), path.name, stats)
    return stats


def replay_bytes(family: str, data: bytes, stats: ReplayStats | None = None) -> ReplayStats:
    """Replay one raw input (named by its content hash)."""
    stats = stats or ReplayStats(family)
    replay_case(family, decode(data), hashlib.sha1(data).hexdigest()[:12], stats)
    return stats
