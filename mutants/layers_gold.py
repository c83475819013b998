"""The layer part of the gold suite: ``goldgen/vectors/layers.json`` and
``chain.json`` replayed on a mutant schemata library.

Each layer vector is replayed through the raw layer-level C ABI
(:func:`raw_call`): its arguments fill the ``sym_<kernel>_args`` struct and the
one ``sym_<kernel>`` entry point runs on the given library, with no Python
validation or composition in between, so a C bug cannot hide behind a Python
check. Outputs start as a sentinel; on an error status an output or RNG state
the C wrote anyway is a difference.

The chain configurations replay full training steps through
:func:`symverify.goldgen.layer_fixtures.run_chain` (the model code calling
``sv.kernels``, one C call per layer step); :func:`using_library` points
``symverify.kernels.ffi_lib()`` at the given pair for the duration of a case
and restores it after (the replay never touches the shipped library).

A case returns ``None`` when bit-exact, else the first difference
(``"status SYM_OK != expected SYM_ERR_INT_OVERFLOW"``, ``"out.mantissas[3] 5 != 4"``),
or ``"exception ..."`` when a mutant's C output makes the Python composition
raise (e.g. ``ValueError`` unpacking a result the C never wrote): the same
vector fails in ``tests/test_layers_golden.py``, so it counts as killed. The
baseline (id 0 must pass every case) guards against a broken replayer.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from symverify import layers_abi, registry

#: The vector families replayed here: those whose every kernel fills its
#: struct in symverify.layers_abi (the other layer families have their own
#: replayers: mutants/gold.py LayoutCase, conv_gold.py, pool_gold.py), then
#: the training chain.
LAYER_FAMILIES: tuple[str, ...] = tuple(
    f for f in registry.layer_vector_families()
    if f == registry.TRAINING_CHAIN or all(k.name in layers_abi.KERNELS for k in registry.kernels_of(f)))

#: the byte every output buffer is filled with before a call: an element the
#: kernel fails to write keeps 0x5A5A5A5A (int32 1515870810, float32 ~1.5e16),
#: which no golden output holds, and on an error status every output must
#: still hold it (SPEC section 7: nothing written on error)
SENTINEL_BYTE = 0x5A


class _SentinelNumpy:
    """numpy, except that ``empty`` fills every byte with the gold suite's
    sentinel (:data:`SENTINEL_BYTE`): the bindings
    allocate output buffers with ``np.empty``, whose stale contents could
    hide an element a mutant never writes (e.g. an SGD write loop that skips
    the last element): with the sentinel, that element differs from the
    golden value in every build, not only where ASan poisons the slot."""

    def __init__(self, np: Any) -> None:
        self._np = np

    def empty(self, *args: Any, **kwargs: Any) -> Any:
        a = self._np.empty(*args, **kwargs)
        a.view(self._np.uint8).fill(SENTINEL_BYTE)
        return a

    def __getattr__(self, name: str) -> Any:
        return getattr(self._np, name)


@contextlib.contextmanager
def using_library(ffi: Any, lib: Any) -> Iterator[None]:
    """``symverify.kernels.ffi_lib()`` returns ``(ffi, lib)`` inside the block,
    and the bindings' ``np.empty`` output buffers start as the sentinel."""
    import symverify.kernels as K
    import symverify.kernels_layers as KL

    saved = K.__dict__["ffi_lib"]
    saved_np = {mod: mod.__dict__["np"] for mod in (K, KL)}
    K.ffi_lib = lambda variant=None: (ffi, lib)
    for mod, np in saved_np.items():
        mod.np = _SentinelNumpy(np)
    try:
        yield
    finally:
        K.ffi_lib = saved
        for mod, np in saved_np.items():
            mod.np = np


def first_difference(expect: Any, got: Any, path: str = "") -> str | None:
    """The first difference of two decoded JSON values (status first)."""
    if isinstance(expect, dict) and isinstance(got, dict):
        if "status" in expect and expect.get("status") != got.get("status"):
            return f"status {got.get('status')} != expected {expect['status']}"
        for key, want in expect.items():
            if key.endswith("_dec") or key == "comment":
                continue
            why = first_difference(want, got.get(key), f"{path}.{key}" if path else key)
            if why:
                return why
        return None
    if isinstance(expect, list) and isinstance(got, list):
        if len(expect) != len(got):
            return f"{path}: length {len(got)} != {len(expect)}"
        for i, (a, b) in enumerate(zip(expect, got)):
            why = first_difference(a, b, f"{path}[{i}]")
            if why:
                return why
        return None
    return None if expect == got else f"{path} {got!r} != expected {expect!r}"


def _tensor(spec: Any) -> Any:
    """A SymTensor from an encoded vector argument (shape, mantissas, scale bits)."""
    import numpy as np

    from symverify.goldgen.vecformat import f32_from_hex
    from symverify.types import SymTensor

    m = np.array(spec["mantissas"], dtype=np.int64).reshape(spec["shape"])
    return SymTensor(m, f32_from_hex(spec["scale"]), spec["q_max_bits"])


def _f32_array(spec: Any) -> Any:
    import numpy as np

    return np.array([int(v, 16) for v in spec["f32"]], dtype=np.uint32).view(np.float32).reshape(spec["shape"])


#: how raw_call decodes an argument of each registry role (the others: rounding / order strings, the rng as its seed)
_TENSOR_ROLES = ("tensor", "optional_tensor")
_INT_ROLES = ("int", "optional_int")
_F32_ROLES = ("float",)
_F32_ARRAY_ROLES = ("float_array",)


def raw_call(ffi: Any, lib: Any, kernel: str, args: dict[str, Any]) -> dict[str, Any]:
    """One encoded layer vector through the raw C ABI: fill the args struct
    of ``sym_<kernel>`` (symverify.layers_abi), make the one call, encode the
    result like the vectors (status, outputs, rng_state when a seed is
    given). An error status with an output or the RNG state written is
    reported as ``"written on error: ..."`` instead of the status. An unknown
    kernel is a ValueError naming it."""
    from symverify.errors import status_name
    from symverify.goldgen.vecformat import f32_from_hex, hex32
    from symverify.layers_abi import call
    from symverify.types import HALF_AWAY, SR_HALF_AWAY, Rng

    if kernel not in layers_abi.KERNELS:
        raise ValueError(f"unknown layer kernel {kernel!r} (expected one of {sorted(layers_abi.KERNELS)})")
    layout = registry.kernel(kernel).args
    tensors = {a.name: (None if args.get(a.name) is None else _tensor(args[a.name]))
               for a in layout if a.role in _TENSOR_ROLES}
    scalars: dict[str, Any] = {a.name: int(args[a.name]) for a in layout
                               if a.role in _INT_ROLES and args.get(a.name) is not None}
    scalars.update({a.name: f32_from_hex(args[a.name]) for a in layout if a.role in _F32_ROLES and a.name in args})
    scalars.update({a.name: _f32_array(args[a.name]) for a in layout if a.role in _F32_ARRAY_ROLES})
    defaults = {a.role: a.default for a in layout if a.role in ("rounding", "order")}
    rounding = args.get("rounding", defaults.get("rounding", HALF_AWAY))
    seed_state = Rng(args["seed"]).state if "seed" in args else None
    res = call(ffi, lib, kernel, tensors, rounding=rounding, order=args.get("order", defaults.get("order", "ratio")),
               rng_state=seed_state if rounding == SR_HALF_AWAY else None, **scalars)
    got: dict[str, Any] = {"status": status_name(res.status)}
    if res.status != 0 and res.written:
        got["status"] = f"{got['status']} (written on error: {', '.join(res.written)})"
    for name, value in res.outputs.items():
        if name == "loss":
            got[name] = hex32(value)
        else:
            m, scale, bits = value
            got[name] = {"shape": list(m.shape), "mantissas": [int(v) for v in m.ravel()],
                         "scale": hex32(scale), "q_max_bits": int(bits)}
    for out in registry.kernel(kernel).outputs:  # an optional output the call did not produce
        if out.kind == "optional_tensor" and res.status == 0 and out.name not in got:
            got[out.name] = None
    if seed_state is not None:
        state = res.rng_state if res.rng_state is not None else seed_state
        got["rng_state"] = f"0x{state:08X}"
    return got


@dataclass
class LayerCase:
    """One vector of layers.json, replayed through the raw C ABI (one
    ``sym_<kernel>`` call, no Python validation or composition)."""
    family: str
    name: str
    kernel: str
    args: dict[str, Any]
    expect: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.family}/{self.name}"

    def run(self, ffi: Any, lib: Any) -> str | None:
        from symverify.goldgen.vecformat import strip_comments

        try:
            got = raw_call(ffi, lib, self.kernel, strip_comments(dict(self.args)))
        except Exception as exc:  # noqa: BLE001  (a mutant's C output the decoder cannot read)
            return f"exception {type(exc).__name__}: {exc}"
        return first_difference(strip_comments(self.expect), got)


@dataclass
class ChainCase:
    """One configuration of chain.json: the full training steps, compared step by step."""
    family: str
    name: str
    steps: list[dict[str, Any]]
    initial: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.family}/{self.name}"

    def run(self, ffi: Any, lib: Any) -> str | None:
        import symverify.kernels as K
        from symverify.goldgen import layer_fixtures as lf

        from symverify.errors import SymError

        try:
            with using_library(ffi, lib):
                got = lf.run_chain(K, self.name, steps=len(self.steps))
        except SymError as exc:  # every stored step is SYM_OK
            return f"status {exc.code} != expected SYM_OK (a training step of the chain raised: {exc})"
        except Exception as exc:  # noqa: BLE001  (a wrong C result breaking the composition)
            return f"exception {type(exc).__name__} in the chain: {exc}"
        why = first_difference(self.initial, got["initial_params"], "initial_params")
        if why:
            return why
        for i, (want, have) in enumerate(zip(self.steps, got["steps"])):
            why = first_difference(want, have, f"step {i}")
            if why:
                return why
        return None


def load(path: Path, data: dict[str, Any] | None = None) -> list[Any]:
    """The cases of one layer vector file (layers.json or chain.json; ``data``:
    its parsed content if already read)."""
    from symverify.goldgen.vecformat import strip_comments
    from symverify.goldgen.vectorset import read_json

    data = read_json(path) if data is None else data
    family = data.get("family", path.stem)
    if family == registry.TRAINING_CHAIN:
        out = []
        for name, cfg in sorted(data["configs"].items()):
            cfg = strip_comments(cfg)
            out.append(ChainCase(family, name, cfg["steps"], cfg["initial_params"]))
        return out
    if family in LAYER_FAMILIES:
        return [LayerCase(family, v["name"], v["kernel"], v["args"], v["expect"]) for v in data["vectors"]]
    return []
