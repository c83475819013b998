"""The kernel registry: one declaration per public kernel of both backends.

Each :class:`Kernel` names its family, the C entry points (``sym_*`` in
``kernels/include``) its ``sv.kernels`` wrapper calls, the modules that hold
its C binding and its emulator function, and where its golden vectors live.
Each :class:`Family` names its C sources, its vector file and its Cortex-M
runner. The ``__all__`` of both backends, the xtarget family table and the
parity / coverage tests are derived from here.

The registry describes; it generates no code, and it imports neither backend
at module level (the emulator stays independent of the C side).
:func:`check_exports` compares the registry with the imported backends by name
(cheap enough for import time); tests/test_backend_parity.py compares
signatures and tests/test_registry.py checks fixtures, vectors and runners.
"""
from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass

__all__ = [
    "Kernel", "Family", "KERNELS", "FAMILIES", "HELPER_SOURCES", "BACKEND_MODULES", "MODULE_EXTRAS",
    "names", "kernel", "families", "family", "kernels_of", "layer_families", "c_sources",
    "c_entry_points", "emulator_modules", "module_exports", "backend_exports", "check_exports",
]

_C_PRIMS = "symverify.kernels"
_C_LAYERS = "symverify.kernels_layers"
_EMU_PRIMS = "symverify.goldgen.emulator"
_EMU_LAYERS = "symverify.goldgen.emulator_layers"
_C_POOL = "symverify.kernels_pool"
_EMU_POOL = "symverify.goldgen.emulator_pool"
_C_SOFTMAX = "symverify.kernels_softmax"
_EMU_SOFTMAX = "symverify.goldgen.emulator_softmax"


@dataclass(frozen=True)
class Family:
    """A kernel family: the unit of a vector file and of a Cortex-M image.

    ``sources`` are the stems (``kernels/src/<stem>.c``, ``kernels/include/<stem>.h``)
    the family owns; the primitives a layer kernel calls count as helpers of
    the layer family, not as its own code (xtarget code size reads this).
    """

    name: str
    sources: tuple[str, ...]

    @property
    def vector_file(self) -> str:
        """The golden vector file, relative to goldgen/vectors."""
        return f"{self.name}.json"

    @property
    def runner(self) -> str:
        """The Cortex-M runner, relative to xtarget/."""
        return f"run_{self.name}.c"


@dataclass(frozen=True)
class Kernel:
    """One public kernel, present with the same signature on both backends.

    ``layer`` is the finer layer family (quant / linear / layernorm / loss /
    sgd) of a ``layers`` kernel, ``None`` for a primitive. ``c_entry_points``
    are the ``sym_*`` C functions the ``sv.kernels`` wrapper calls (empty for
    a kernel done in the wrapper, e.g. the straight-through copy);
    ``c_diagnostics`` are C functions the wrapper calls only after a failure,
    to name the element that failed (not part of the kernel's computation).
    """

    name: str
    family: str
    c_entry_points: tuple[str, ...]
    c_module: str
    emulator_module: str
    layer: str | None = None
    c_diagnostics: tuple[str, ...] = ()

    @property
    def vector_file(self) -> str:
        """The vector file naming this kernel (relative to goldgen/vectors)."""
        return family(self.family).vector_file

    @property
    def vector_kernel(self) -> str:
        """The ``kernel`` value of this kernel's vectors in :attr:`vector_file`."""
        return self.name

    @property
    def c_sources(self) -> tuple[str, ...]:
        """Source stems of this kernel's family."""
        return family(self.family).sources


FAMILIES: tuple[Family, ...] = (
    Family("round", ("sym_round",)),
    Family("convert", ("sym_convert",)),
    Family("requant", ("sym_requant",)),
    Family("accumulate", ("sym_accumulate",)),
    Family("layers", ("sym_linear", "sym_layernorm", "sym_loss", "sym_sgd")),
    Family("pool", ("sym_pool",)),
    Family("softmax", ("sym_softmax", "sym_mathf")),
)

#: Kernel sources no family owns: the helpers every family links
#: (sym_support), the status names and the float-environment self-test.
HELPER_SOURCES: tuple[str, ...] = ("sym_support", "sym_status", "sym_selftest")

#: In API order (API.md's first block, then the M1 layer kernels).
KERNELS: tuple[Kernel, ...] = (
    Kernel("round_half_away", "round", ("sym_round_half_away",), _C_PRIMS, _EMU_PRIMS),
    Kernel("float_to_sym", "convert", ("sym_float_to_sym",), _C_PRIMS, _EMU_PRIMS),
    Kernel("sym_to_float", "convert", ("sym_sym_to_float",), _C_PRIMS, _EMU_PRIMS),
    Kernel("requant_dynamic", "requant", ("sym_requant_dynamic",), _C_PRIMS, _EMU_PRIMS),
    Kernel("requant_fixed", "requant", ("sym_requant_fixed",), _C_PRIMS, _EMU_PRIMS),
    Kernel("rescale_to_acc", "requant", ("sym_rescale_to_acc",), _C_PRIMS, _EMU_PRIMS),
    Kernel("int_to_sym", "convert", ("sym_int_to_sym",), _C_PRIMS, _EMU_PRIMS),
    Kernel("accumulate_dynamic", "accumulate", ("sym_accumulate_dynamic",), _C_PRIMS, _EMU_PRIMS),
    Kernel("accumulate_fixed", "accumulate", ("sym_accumulate_fixed",), _C_PRIMS, _EMU_PRIMS,
           c_diagnostics=("sym_rescale_to_acc",)),
    Kernel("quant_forward", "layers", ("sym_requant_dynamic",), _C_LAYERS, _EMU_LAYERS, "quant"),
    Kernel("quant_backward", "layers", (), _C_LAYERS, _EMU_LAYERS, "quant"),
    Kernel("linear_forward", "layers", ("sym_linear_forward",), _C_LAYERS, _EMU_LAYERS, "linear",
           c_diagnostics=("sym_rescale_to_acc",)),
    Kernel("linear_backward", "layers", ("sym_linear_grad_w", "sym_linear_grad_b", "sym_linear_grad_x"),
           _C_LAYERS, _EMU_LAYERS, "linear"),
    Kernel("layernorm_forward", "layers", ("sym_layernorm_forward",), _C_LAYERS, _EMU_LAYERS, "layernorm"),
    Kernel("layernorm_backward", "layers", ("sym_layernorm_backward",), _C_LAYERS, _EMU_LAYERS, "layernorm"),
    Kernel("mse_loss", "layers", ("sym_mse_loss",), _C_LAYERS, _EMU_LAYERS, "loss"),
    Kernel("sgd_update", "layers", ("sym_sgd_update",), _C_LAYERS, _EMU_LAYERS, "sgd"),
    # Pools (docs/layers.md "Pools"): one C entry point per layer step.
    Kernel("maxpool1d_forward", "pool", ("sym_maxpool1d_forward",), _C_POOL, _EMU_POOL),
    Kernel("maxpool1d_backward", "pool", ("sym_maxpool1d_backward",), _C_POOL, _EMU_POOL),
    Kernel("avgpool1d_forward", "pool", ("sym_avgpool1d_forward",), _C_POOL, _EMU_POOL),
    Kernel("avgpool1d_backward", "pool", ("sym_avgpool1d_backward",), _C_POOL, _EMU_POOL),
    Kernel("adaptive_avgpool1d_forward", "pool", ("sym_adaptive_avgpool1d_forward",), _C_POOL, _EMU_POOL),
    Kernel("adaptive_avgpool1d_backward", "pool", ("sym_adaptive_avgpool1d_backward",), _C_POOL, _EMU_POOL),
    # Softmax / CrossEntropy (docs/layers.md "Softmax and cross entropy").
    Kernel("softmax_forward", "softmax", ("sym_softmax_forward",), _C_SOFTMAX, _EMU_SOFTMAX),
    Kernel("cross_entropy_loss", "softmax", ("sym_cross_entropy_loss",), _C_SOFTMAX, _EMU_SOFTMAX),
)

#: Public backend module -> the modules that implement its kernels.
BACKEND_MODULES: dict[str, tuple[str, ...]] = {
    "symverify.kernels": (_C_PRIMS, _C_LAYERS),
    "symverify.emulate": (_EMU_PRIMS, _EMU_LAYERS),
}
BACKEND_MODULES["symverify.kernels"] += (_C_POOL, _C_SOFTMAX)
BACKEND_MODULES["symverify.emulate"] += (_EMU_POOL, _EMU_SOFTMAX)

#: Backend-only public names of an implementation module (not kernels; only
#: one side has them): the raw cffi handle and the host float-environment
#: self-test of the C binding, the xorshift32 stream of the emulator.
MODULE_EXTRAS: dict[str, tuple[str, ...]] = {
    _C_PRIMS: ("ffi_lib", "selftest_fp"),
    _C_LAYERS: (),
    _EMU_PRIMS: ("xorshift32", "sr_draws"),
    _EMU_LAYERS: (),
    _C_POOL: (),
    _EMU_POOL: (),
    _C_SOFTMAX: (),
    _EMU_SOFTMAX: (),
}


def names() -> tuple[str, ...]:
    """Every registered kernel name, in API order."""
    return tuple(k.name for k in KERNELS)


def kernel(name: str) -> Kernel:
    """The kernel called ``name``; ``KeyError`` naming it if unregistered."""
    for k in KERNELS:
        if k.name == name:
            return k
    raise KeyError(f"kernel {name!r} is not registered in symverify.registry")


def families() -> tuple[str, ...]:
    """Family names, in registry order."""
    return tuple(f.name for f in FAMILIES)


def family(name: str) -> Family:
    """The family called ``name``; ``KeyError`` naming it if unknown."""
    for f in FAMILIES:
        if f.name == name:
            return f
    raise KeyError(f"family {name!r} is not registered in symverify.registry "
                   f"(known: {', '.join(families())})")


def kernels_of(family_name: str) -> tuple[Kernel, ...]:
    """The kernels of one family, in API order (``KeyError`` for an unknown family)."""
    family(family_name)
    return tuple(k for k in KERNELS if k.family == family_name)


def layer_families() -> tuple[str, ...]:
    """The finer layer families (quant, linear, ...), in registry order."""
    return tuple(dict.fromkeys(k.layer for k in KERNELS if k.layer is not None))


def c_sources() -> tuple[str, ...]:
    """Every family-owned kernel source stem, in family order."""
    return tuple(stem for f in FAMILIES for stem in f.sources)


def c_entry_points(diagnostics: bool = False) -> tuple[str, ...]:
    """Every C entry point a registered kernel calls (first-seen order); with
    ``diagnostics`` also the ones its wrapper calls to describe a failure."""
    return tuple(dict.fromkeys(ep for k in KERNELS
                               for ep in (*k.c_entry_points, *(k.c_diagnostics if diagnostics else ()))))


def emulator_modules() -> tuple[str, ...]:
    """The modules holding the emulator functions (first-seen order)."""
    return tuple(dict.fromkeys(k.emulator_module for k in KERNELS))


def module_exports(module: str) -> list[str]:
    """``__all__`` of an implementation module: its registered kernels, then its extras."""
    if module not in MODULE_EXTRAS:
        raise KeyError(f"module {module!r} is no backend implementation module in symverify.registry")
    return [k.name for k in KERNELS if module in (k.c_module, k.emulator_module)] + list(MODULE_EXTRAS[module])


def backend_exports(backend: str) -> list[str]:
    """``__all__`` of a public backend (``symverify.kernels`` / ``symverify.emulate``)."""
    if backend not in BACKEND_MODULES:
        raise KeyError(f"backend {backend!r} is not one of {', '.join(BACKEND_MODULES)}")
    extras = [x for m in BACKEND_MODULES[backend] for x in MODULE_EXTRAS[m]]
    return list(names()) + extras


def _public_functions(module: object) -> set[str]:
    """Public functions defined in ``module`` itself (not imported into it).
    mutmut 3 adds ``x_<f>__mutmut_<n>`` variants to the emulator copy it
    mutates (mutants/mutmut_emulator.py): those are no kernels."""
    mod_name = getattr(module, "__name__", "")
    return {n for n, v in vars(module).items()
            if not n.startswith("_") and "__mutmut_" not in n
            and inspect.isfunction(v) and v.__module__ == mod_name}


def check_exports() -> None:
    """Fail loudly if an imported backend and the registry disagree by name.

    For each public backend and implementation module already imported:
    every registered kernel (and declared extra) must be a callable attribute,
    and every public function defined in an implementation module must be a
    registered kernel or a declared extra. Raises ``ImportError`` naming the
    module and the names; signatures are compared in a test, not here.
    """
    problems: list[str] = []
    for backend, impls in BACKEND_MODULES.items():
        for mod_name in dict.fromkeys((backend, *impls)):
            module = sys.modules.get(mod_name)
            if module is None:
                continue
            wanted = backend_exports(backend) if mod_name == backend else module_exports(mod_name)
            missing = [n for n in wanted if not callable(getattr(module, n, None))]
            if missing:
                problems.append(f"{mod_name} lacks registered {', '.join(missing)}")
            if list(getattr(module, "__all__", [])) != wanted:
                problems.append(f"{mod_name}.__all__ is not derived from the registry")
            if mod_name in impls:
                stray = sorted(_public_functions(module) - set(wanted))
                if stray:
                    problems.append(f"{mod_name} defines unregistered public {', '.join(stray)} "
                                    "(declare it in symverify/registry.py or make it private)")
    if problems:
        raise ImportError("symverify.registry and the backends disagree: " + "; ".join(problems))
