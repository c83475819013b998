"""Decode a golden vector's ``args``, call a backend, encode the outputs.

Everything here is derived from the argument and output layout of
:mod:`symverify.registry` (``Kernel.args`` / ``Kernel.outputs``), so a new
kernel needs no code in goldgen to be evaluated. The encoding is the one of
``goldgen/vectors/*.json`` (documented in :mod:`symverify.goldgen.fixtures`
and docs/layers.md):

* a primitive kernel (``Kernel.layer is None``) puts its one output at the top
  level of the result (``value`` / ``values`` / ``mantissas`` + ``scale`` +
  ``q_max_bits``), tensors without a shape;
* a layer kernel puts one output under ``out`` and a tuple under the output
  names, tensors with their ``shape``.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

from symverify import registry
from symverify.errors import SymError
from symverify.types import Rng, SymTensor

from .vecformat import FixtureError, f32_from_hex, float_from_hex, hex32, strip_comments

__all__ = ["OK", "vector_keys", "decode_args", "call", "encode_result", "encode_layer_value", "evaluate"]

#: status recorded for a successful call
OK = "SYM_OK"


def vector_keys(kernel: str) -> tuple[str, ...]:
    """The argument keys a vector of ``kernel`` may carry, in API order."""
    return tuple(a.vector_key for a in _registered(kernel).args)


def _registered(kernel: str) -> registry.Kernel:
    try:
        return registry.kernel(kernel)
    except KeyError:
        raise ValueError(f"unknown kernel {kernel!r} (not in symverify/registry.py)") from None


def _tensor(backend: Any, spec: Mapping[str, Any]) -> SymTensor:
    if "int_to_sym" in spec:
        return backend.int_to_sym(np.array(spec["int_to_sym"], dtype=np.int32))
    m = np.array(spec["mantissas"], dtype=np.int64)
    if "shape" in spec:
        m = m.reshape(spec["shape"])
    return SymTensor(m, f32_from_hex(spec["scale"]), spec["q_max_bits"])


def _f32_array(spec: Any) -> np.ndarray:
    values: Iterable[str] = spec["f32"] if isinstance(spec, Mapping) else spec
    arr = np.array([int(v, 16) for v in values], dtype=np.uint32).view(np.float32)
    return arr.reshape(spec["shape"]) if isinstance(spec, Mapping) else arr


def _decode(arg: registry.Arg, value: Any, backend: Any) -> Any:
    role = arg.role
    if role in ("tensor", "optional_tensor"):
        return None if value is None else _tensor(backend, value)
    if role == "float":
        return float(f32_from_hex(value))
    if role == "float64":
        return float_from_hex(value)
    if role == "float_array":
        return _f32_array(value)
    if role == "int_array":
        return np.array(value, dtype=np.int32)
    if role == "padding":
        return tuple(value) if isinstance(value, list) else value   # JSON keeps (left, right) as a list
    return value   # int, optional_int, rounding, order: JSON values as they are


def decode_args(kernel: str, args: Mapping[str, Any], backend: Any, rng: Rng | None) -> dict[str, Any]:
    """The keyword arguments of ``kernel`` for ``backend``, decoded from the
    (comment-free) vector ``args``; an absent argument takes its registered
    default, an absent required one raises FixtureError naming it."""
    k = _registered(kernel)
    out: dict[str, Any] = {}
    for arg in k.args:
        if arg.role == "rng":
            out[arg.name] = rng
        elif arg.vector_key in args:
            out[arg.name] = _decode(arg, args[arg.vector_key], backend)
        elif arg.default is registry.REQUIRED:
            raise FixtureError(f"{kernel}: vector args lack the required argument {arg.vector_key!r}")
        else:
            out[arg.name] = arg.default
    return out


def call(kernel: str, args: Mapping[str, Any], backend: Any, rng: Rng | None) -> Any:
    """Decode ``args`` and call ``kernel`` of ``backend`` with the API.md signature."""
    kwargs = decode_args(kernel, args, backend, rng)
    return getattr(backend, kernel)(**kwargs)


def _encode_primitive(kernel: str, out: registry.Out, value: Any) -> dict[str, Any]:
    if out.kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise FixtureError(f"{kernel} returned {type(value).__name__}, expected int")
        return {"value": int(value)}
    if out.kind == "array":
        arr = np.asarray(value)
        if arr.dtype != np.float32:
            raise FixtureError(f"{kernel} returned dtype {arr.dtype}, expected float32")
        return {"values": [hex32(v) for v in arr.ravel()]}
    if not isinstance(value, SymTensor):
        raise FixtureError(f"{kernel} returned {type(value).__name__}, expected SymTensor")
    return {"mantissas": [int(m) for m in value.mantissas.ravel()], "scale": hex32(value.scale),
            "q_max_bits": int(value.q_max_bits)}


def encode_layer_value(value: Any) -> Any:
    """A layer-vector value: a SymTensor with its shape, a float32 as bits, None as None."""
    if value is None:
        return None
    if isinstance(value, SymTensor):
        return {"shape": list(value.mantissas.shape), "mantissas": [int(m) for m in value.mantissas.ravel()],
                "scale": hex32(value.scale), "q_max_bits": int(value.q_max_bits)}
    if isinstance(value, (np.floating, float)):
        return hex32(np.float32(value))
    raise FixtureError(f"no layer-vector encoding for {type(value).__name__}")


def _encode_layer_value(kernel: str, out: registry.Out, value: Any) -> Any:
    if value is None and out.kind == "optional_tensor":
        return None
    if out.kind in ("tensor", "optional_tensor") and not isinstance(value, SymTensor):
        raise FixtureError(f"{kernel}.{out.name} is {type(value).__name__}, expected SymTensor")
    if out.kind not in ("tensor", "optional_tensor", "float"):
        raise FixtureError(f"{kernel}.{out.name}: layer vectors encode no {out.kind} output")
    return encode_layer_value(value)


def encode_result(kernel: str, value: Any) -> dict[str, Any]:
    """``{"status": "SYM_OK", ...outputs...}`` for a successful call's return value."""
    k = _registered(kernel)
    if k.layer is None:
        (out,) = k.outputs
        return {"status": OK, **_encode_primitive(kernel, out, value)}
    if len(k.outputs) == 1:
        return {"status": OK, "out": _encode_layer_value(kernel, k.outputs[0], value)}
    values = tuple(value)
    if len(values) != len(k.outputs):
        raise FixtureError(f"{kernel} returned {len(values)} values, expected {len(k.outputs)}")
    return {"status": OK, **{o.name: _encode_layer_value(kernel, o, v) for o, v in zip(k.outputs, values)}}


def evaluate(kernel: str, args: Mapping[str, Any], backend: Any) -> dict[str, Any]:
    """Run one encoded vector on ``backend`` and return the encoded result:
    ``{"status": name, ...outputs..., "rng_state": "0x..." (seeded vectors only)}``.
    A ``SymError`` becomes its status name; any other exception propagates."""
    args = strip_comments(dict(args))
    rng = Rng(args["seed"]) if "seed" in args else None
    try:
        result = encode_result(kernel, call(kernel, args, backend, rng))
    except SymError as exc:
        result = {"status": exc.code}
    if rng is not None:
        result["rng_state"] = f"0x{rng.state:08X}"
    return result
