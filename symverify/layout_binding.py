"""The ``sv.kernels`` binding of a tensor-only layer step, built from its
registry layout and its C args struct.

For a kernel that :func:`symverify.registry.layer_abi_kernel` accepts (one
entry point ``sym_<name>(const sym_<name>_args *, sym_err *)``, SymTensor
arguments only, tensor outputs sized ``like`` an argument), :func:`bind`
returns the public Python function: the registered signature (names,
defaults, annotations), a contract docstring (the C header's comment of the
args struct), the argument checks, one C call and the :class:`SymError` of
its ``sym_err``. Which struct field is filled from what comes from the
declaration in ``kernels/include`` (:mod:`symverify.xtarget_cdecl`): a
``sym_cview`` field from the argument of its name, a ``sym_view *`` field
from the output of its name; any other field is refused when the binding is
built, so a step that needs more cannot be bound half-filled.

What the checks assume of such a step (an elementwise layer): every
argument is a SymTensor, all of one shape; each output keeps the shape and
width of its ``like`` argument and carries the scale the C writes. Widths,
scales, lengths and mantissa ranges are the C's to check (its ``sym_err``
names the field). Nothing here computes a result: the emulator stays the
independent side.
"""
from __future__ import annotations

import inspect
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import build, registry
from .errors import STATUS_CODES, SymError, status_name
from .layers_abi import SENTINEL_BYTE
from .types import SymTensor
from .xtarget_cdecl import category, declaring_header, entry_items

__all__ = ["LayoutBindingError", "bind"]

INT32_MAX = (1 << 31) - 1
#: the annotation text of an argument role / output kind (the emulator's,
#: which writes them as strings under ``from __future__ import annotations``)
_ANNOTATION = {"tensor": "SymTensor"}


class LayoutBindingError(TypeError):
    """A kernel the tensor-only binding cannot express (names kernel and field)."""


@dataclass(frozen=True)
class _Field:
    """One struct field: ``arg`` (a sym_cview from an argument) or ``out``
    (a sym_view * for an output), by name."""

    kind: str
    name: str


def _include() -> Path:
    return build.kernel_dir() / "include"


def _plan(k: registry.Kernel, include: Path) -> tuple[_Field, ...]:
    """The struct fields of ``k``'s entry point, each mapped to an argument or output."""
    if not registry.layer_abi_kernel(k):
        raise LayoutBindingError(f"{k.name}: not a tensor-only layer step (registry.layer_abi_kernel)")
    (entry,) = k.c_entry_points
    is_struct, items = entry_items(entry, include)
    if not is_struct:
        raise LayoutBindingError(f"{k.name}: {entry} takes no sym_{k.name}_args struct")
    args, outs = {a.name for a in k.args}, {o.name for o in k.outputs}
    plan: list[_Field] = []
    for item in items:
        cat = category(item)
        if cat == "cview" and item.name in args:
            plan.append(_Field("arg", item.name))
        elif cat == "view" and item.name in outs:
            plan.append(_Field("out", item.name))
        else:
            raise LayoutBindingError(f"{k.name}: field {item.ctype}{' *' if item.pointer else ''} {item.name} of "
                                     f"sym_{k.name}_args is no tensor argument or output of the registered layout")
    unfilled = sorted((args | outs) - {f.name for f in plan})
    if unfilled:
        raise LayoutBindingError(f"{k.name}: sym_{k.name}_args has no field for {', '.join(unfilled)}")
    return tuple(plan)


def _contract(k: registry.Kernel, include: Path) -> tuple[str, str]:
    """(the header comment above ``sym_<k>_args`` without the comment marks, the header's name)."""
    (entry,) = k.c_entry_points
    header = declaring_header(entry, include)
    text = (include / header).read_text()
    m = re.search(rf"/\*\s*({re.escape(k.name)}:.*?)\*/\s*typedef\s+struct\s*\{{[^{{}}]*\}}\s*sym_{k.name}_args\s*;",
                  text, flags=re.DOTALL)
    if m is None:
        raise LayoutBindingError(f"{k.name}: no '/* {k.name}: ... */' contract comment above sym_{k.name}_args "
                                 f"in kernels/include/{header}")
    body = "\n".join(line.strip().lstrip("*").strip() for line in m.group(1).splitlines())
    return body, header


def _docstring(k: registry.Kernel, include: Path) -> str:
    body, header = _contract(k, include)
    outs = ", ".join(f"{o.name} (the shape and width of {o.like})" for o in k.outputs)
    tail = (f"C: ``{k.c_entry_points[0]}`` (kernels/include/{header}), one call, with the struct "
            f"filled from the registered layout.\n\nArguments: {', '.join(a.name for a in k.args)}, SymTensors of "
            f"one shape. Returns {outs}; new tensors, the arguments are not modified.\n\nRaises SymError: "
            f"SYM_ERR_BAD_TYPE (not a SymTensor) or SYM_ERR_SHAPE (shapes differ, more than 2^31 - 1 elements), "
            f"naming the argument; otherwise the status of the C call, naming the field its sym_err names "
            f"(with the element index for a mantissa) and its value.")
    return "\n\n".join([body, *(textwrap.fill(p, 76) for p in tail.split("\n\n"))])


def _signature(k: registry.Kernel) -> inspect.Signature:
    params = [inspect.Parameter(a.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=a.default,
                                annotation=_ANNOTATION[a.role]) for a in k.args]
    ret = _ANNOTATION["tensor"] if len(k.outputs) == 1 else f"tuple[{', '.join(['SymTensor'] * len(k.outputs))}]"
    return inspect.Signature(params, return_annotation=ret)


def _checked(k: registry.Kernel, values: dict[str, Any]) -> dict[str, SymTensor]:
    """The arguments as SymTensors of one shape, else the SymError naming the first bad one."""
    first: tuple[str, tuple[int, ...]] | None = None
    for a in k.args:
        t = values[a.name]
        if not isinstance(t, SymTensor):
            raise SymError("SYM_ERR_BAD_TYPE", a.name, type(t).__name__, f"{a.name} must be an sv.SymTensor")
        shape = tuple(t.mantissas.shape)
        if first is None:
            first = (a.name, shape)
        elif shape != first[1]:
            raise SymError("SYM_ERR_SHAPE", a.name, shape, f"{a.name} must have the shape of {first[0]} "
                           f"{first[1]}, got {a.name} {shape}")
        if t.mantissas.size > INT32_MAX:
            raise SymError("SYM_ERR_SHAPE", a.name, int(t.mantissas.size),
                           "at most 2^31 - 1 elements fit an int32 length")
    return values


def _failing_value(args: Any, arg: str, index: int, flats: dict[str, np.ndarray]) -> Any:
    """The value of the field ``arg`` names (``x.bits``, ``y.n``), or of
    element ``index`` of an input's mantissas (``x.m``); None if unreadable."""
    base, _, part = arg.partition(".")
    if index >= 0:
        flat = flats.get(base)
        return None if flat is None or part != "m" or index >= flat.size else int(flat[index])
    obj = args
    try:
        for name in arg.split("."):
            obj = getattr(obj, name)
    except (AttributeError, TypeError):
        return None
    return obj if isinstance(obj, (int, float)) else None


def _c_call(k: registry.Kernel, plan: tuple[_Field, ...], lib_of: Callable[[], tuple[Any, Any]],
            tensors: dict[str, SymTensor]) -> Any:
    ffi, lib = lib_of()
    like = {o.name: tensors[o.like] for o in k.outputs}
    flats = {n: np.array(t.mantissas, dtype=np.int32, copy=True, order="C").reshape(-1) for n, t in tensors.items()}
    keep: list[Any] = []
    fields: dict[str, Any] = {}
    outs: dict[str, tuple[Any, np.ndarray]] = {}
    for f in plan:
        if f.kind == "arg":
            t, flat = tensors[f.name], flats[f.name]
            buf = flat if flat.size else np.zeros(1, dtype=np.int32)
            keep.append(buf)
            fields[f.name] = {"m": ffi.cast("const int32_t *", ffi.from_buffer(buf)), "n": int(flat.size),
                              "scale": float(t.scale), "bits": int(t.q_max_bits)}
        else:
            src = like[f.name]
            # the sentinel, not zeros: an element the C never writes cannot pass for a result
            buf = np.empty(max(int(src.mantissas.size), 1), dtype=np.int32)
            buf.view(np.uint8).fill(SENTINEL_BYTE)
            view = ffi.new("sym_view *", {"m": ffi.cast("int32_t *", ffi.from_buffer(buf)),
                                          "n": int(src.mantissas.size), "scale": -1.0, "bits": int(src.q_max_bits)})
            keep.append(buf)
            outs[f.name] = (view, buf)
            fields[f.name] = view
    c_args = ffi.new(f"sym_{k.name}_args *", fields)
    err = ffi.new("sym_err *", {"status": 0, "arg": ffi.NULL, "index": -1, "reason": ffi.NULL})
    (entry,) = k.c_entry_points
    status = int(getattr(lib, entry)(c_args, err))
    if status != 0:
        name = status_name(status)
        if name not in STATUS_CODES:
            raise SymError("SYM_ERR_BAD_TYPE", entry, status, f"{entry} returned an unknown status")
        arg = ffi.string(err.arg).decode() if err.arg != ffi.NULL else entry
        reason = ffi.string(err.reason).decode() if err.reason != ffi.NULL else name
        index = int(err.index)
        value = _failing_value(c_args, arg, index, flats)
        raise SymError(name, f"{arg}[{index}]" if index >= 0 else arg, value, f"{entry}: {reason}")
    results = tuple(SymTensor(buf[:src.mantissas.size].reshape(src.mantissas.shape), np.float32(view.scale),
                              int(view.bits))
                    for (view, buf), src in ((outs[o.name], like[o.name]) for o in k.outputs))
    return results[0] if len(results) == 1 else results


def bind(k: registry.Kernel, module: str, lib_of: Callable[[], tuple[Any, Any]],
         include: Path | None = None) -> Callable[..., Any]:
    """The public function of tensor-only layer step ``k`` for module
    ``module`` (its ``__module__``), calling the library ``lib_of()`` returns
    at call time (the gold suite swaps it). Raises
    :class:`LayoutBindingError` naming the kernel and field when ``k`` or its
    C args struct is not tensor-only."""
    include = include or _include()
    plan = _plan(k, include)
    sig = _signature(k)
    names = tuple(a.name for a in k.args)

    def binding(*args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != len(names):
            bound = sig.bind(*args, **kwargs)   # the TypeError of a plain function on a bad call
            bound.apply_defaults()
            values = dict(bound.arguments)
        else:
            values = dict(zip(names, args))
        return _c_call(k, plan, lib_of, _checked(k, values))

    binding.__name__ = binding.__qualname__ = k.name
    binding.__module__ = module
    binding.__doc__ = _docstring(k, include)
    binding.__signature__ = sig  # type: ignore[attr-defined]
    binding.__annotations__ = {**{p.name: p.annotation for p in sig.parameters.values()},
                               "return": sig.return_annotation}
    return binding
