"""The kernel registry: one declaration per public kernel of both backends.

Each :class:`Kernel` names its family, the C entry points (``sym_*`` in
``kernels/include``) its ``sv.kernels`` wrapper calls, the modules that hold
its C binding and its emulator function, and where its golden vectors live.
Each :class:`Family` names its C sources and its vector file. The ``__all__``
of both backends, the xtarget family table, the Cortex-M case tables
(symverify/xtarget_table.py), the mutated kernel sources, the bindings of the
tensor-only layer steps (symverify/layout_binding.py) and the parity /
coverage tests are derived from here.

The registry describes; it generates no code, and it imports neither backend
at module level (the emulator stays independent of the C side).
:func:`check_exports` compares the registry with the imported backends by name
(cheap enough for import time); tests/test_backend_parity.py compares
signatures and tests/test_registry.py checks fixtures, vectors and the
Cortex-M case tables.
"""
from __future__ import annotations

import inspect
import re
import sys
from dataclasses import dataclass
from typing import Callable

__all__ = [
    "Arg", "Out", "ARG_ROLES", "OUT_KINDS", "REQUIRED", "Kernel", "Family", "KERNELS", "FAMILIES", "HELPER_SOURCES", "BACKEND_MODULES", "MODULE_EXTRAS",
    "coverage_problems", "names", "kernel", "families", "family", "kernels_of", "layer_families", "c_sources",
    "c_entry_points", "emulator_modules", "fuzz_families", "signature_mismatches",
    "TRAINING_CHAIN", "UNMUTATED_SOURCES", "mutated_sources", "layer_abi_kernel", "primitive_families", "layer_vector_families", "module_exports", "backend_exports", "check_exports",
]

_C_PRIMS = "symverify.kernels"
_C_LAYERS = "symverify.kernels_layers"
_EMU_PRIMS = "symverify.emulator.primitives"
_EMU_LAYERS = "symverify.emulator.layers"
_C_CONV = "symverify.kernels_conv"
_EMU_CONV = "symverify.emulator.conv"
_C_POOL = "symverify.kernels_pool"
_EMU_POOL = "symverify.emulator.pool"
_C_SOFTMAX = "symverify.kernels_softmax"
_EMU_SOFTMAX = "symverify.emulator.softmax"


#: Roles of a Python-level kernel argument (see :class:`Arg`).
ARG_ROLES: tuple[str, ...] = (
    "tensor",           # a SymTensor input
    "optional_tensor",  # a SymTensor input or None
    "int",              # an int scalar (a width, a mantissa)
    "optional_int",     # an int scalar or None
    "padding",          # a conv padding: int, (left, right) or "valid" / "same"
    "float",            # a float32 scalar (a scale, eps, lr)
    "float64",          # a Python float the kernel converts to float32 itself
    "float_array",      # a float32 array
    "int_array",        # an int32 array
    "rounding",         # the rounding mode string
    "order",            # the requant order string
    "rng",              # the Rng (stochastic rounding state)
    "bool",             # a flag (count_include_pad)
    "padding",          # an int padding or the string "same" (the pools)
    "choice",           # a string out of a fixed set (the cross-entropy reduction)
)

#: Kinds of a kernel output (see :class:`Out`).
OUT_KINDS: tuple[str, ...] = ("tensor", "optional_tensor", "array", "float", "int")

#: Marks an argument without a default (required).
REQUIRED = inspect.Parameter.empty


@dataclass(frozen=True)
class Arg:
    """One Python-level argument of a kernel, in API order.

    ``name`` is the parameter name of shared/API.md (branch cabi names the C
    args-struct fields the same); ``role`` is one of :data:`ARG_ROLES`;
    ``default`` the public default (:data:`REQUIRED` for none). The golden
    vectors encode an ``rng`` argument as its ``seed``.
    """

    name: str
    role: str
    default: object = REQUIRED

    def __post_init__(self) -> None:
        if self.role not in ARG_ROLES:
            raise ValueError(f"Arg {self.name!r}: role {self.role!r} is not one of {', '.join(ARG_ROLES)}")

    @property
    def vector_key(self) -> str:
        """The key of this argument in a golden vector's ``args``."""
        return "seed" if self.role == "rng" else self.name


@dataclass(frozen=True)
class Out:
    """One output of a kernel: ``name`` (the C output view's name) and ``kind``
    (one of :data:`OUT_KINDS`). Several outputs = the kernel returns a tuple
    in this order. ``like`` names the tensor argument whose length and width
    the output keeps (the caller sizes the C output view from it), if any."""

    name: str
    kind: str
    like: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in OUT_KINDS:
            raise ValueError(f"Out {self.name!r}: kind {self.kind!r} is not one of {', '.join(OUT_KINDS)}")


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
        """The Cortex-M runner, relative to xtarget/: one for every family. It
        replays the family's case table, which symverify/xtarget_table.py
        generates from this registry and :attr:`vector_file`."""
        return "run_table.c"


@dataclass(frozen=True)
class Kernel:
    """One public kernel, present with the same signature on both backends.

    ``layer`` is the finer layer family (quant / linear / layernorm / loss /
    sgd) of a ``layers`` kernel, ``None`` for a primitive. ``c_entry_points``
    are the ``sym_*`` C functions the ``sv.kernels`` wrapper calls (empty for
    a kernel done in the wrapper, e.g. the straight-through copy);
    ``c_diagnostics`` are C functions the wrapper calls only after a failure,
    to name the element that failed (not part of the kernel's computation);
    ``c_alternates`` are C functions that compute the same result for all
    or part of the kernel's vectors (the Cortex-M runner replays those
    vectors through them as well; symverify/xtarget_table.py says which
    part): a primitive's stable C prototype, whose ``sym_<name>_ex``
    error-detail twin is its entry point, runs every vector.
    ``args`` / ``outputs`` are the Python-level layout (the vector encoding,
    the fixtures' argument check and the call of either backend derive from
    them); ``fuzzed`` says whether a libFuzzer target covers the kernel.
    """

    name: str
    family: str
    c_entry_points: tuple[str, ...]
    c_module: str
    emulator_module: str
    layer: str | None = None
    c_diagnostics: tuple[str, ...] = ()
    args: tuple[Arg, ...] = ()
    c_alternates: tuple[str, ...] = ()
    outputs: tuple[Out, ...] = ()
    fuzzed: bool = True

    def arg(self, name: str) -> Arg:
        """The argument called ``name``; ``KeyError`` naming kernel and argument."""
        for a in self.args:
            if a.name == name:
                return a
        raise KeyError(f"kernel {self.name!r} has no argument {name!r}")

    @property
    def fuzz_family(self) -> str | None:
        """The libFuzzer target family (``fuzz/targets/fuzz_<f>.c``), None if unfuzzed."""
        return (self.layer or self.family) if self.fuzzed else None

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
    Family("requant", ("sym_requant", "sym_intreq", "sym_intreq_tensor", "sym_intreq_add")),
    Family("accumulate", ("sym_accumulate", "sym_intreq_accumulate")),
    Family("layers", ("sym_linear", "sym_layernorm", "sym_loss", "sym_sgd")),
    Family("relu", ("sym_relu",)),
    Family("conv", ("sym_conv",)),
    Family("pool", ("sym_pool",)),
    Family("softmax", ("sym_softmax", "sym_mathf")),
)

#: Kernel sources no family owns: the helpers every family links
#: (sym_support), the status names and the float-environment self-test.
HELPER_SOURCES: tuple[str, ...] = ("sym_support", "sym_status", "sym_selftest")

#: Sources the mutation gate leaves out: the status-name table (strings
#: only) and the float-environment self-test, whose probes fail only under
#: injected faults (tests/test_selftest_fp.py).
UNMUTATED_SOURCES: tuple[str, ...] = ("sym_status", "sym_selftest")


def _t(name: str) -> Arg:
    return Arg(name, "tensor")


_RND = Arg("rounding", "rounding", "half_away")
_ORD = Arg("order", "order", "ratio")
_RNG = Arg("rng_state", "rng", None)
_Y = (Out("y", "tensor"),)
_GRADS = (Out("dx", "tensor"), Out("grad_w", "tensor"), Out("grad_b", "optional_tensor"))


def _conv_geometry(transposed: bool) -> tuple[Arg, ...]:
    """stride, padding, (output_padding,) dilation, groups of a conv kernel."""
    pad = (Arg("padding", "padding", 0),) + ((Arg("output_padding", "int", 0),) if transposed else ())
    return (Arg("stride", "int", 1), *pad, Arg("dilation", "int", 1), Arg("groups", "int", 1))


#: the window of a pool after kernel_size (torch.nn.MaxPool1d / AvgPool1d order)
_WINDOW = (Arg("stride", "optional_int", None), Arg("padding", "padding", 0), Arg("dilation", "int", 1))
_INCLUDE_PAD = Arg("count_include_pad", "bool", True)

#: In API order (API.md's first block, the M1 layer kernels, ReLU, Conv1d, then the
#: pools and softmax / cross entropy).
KERNELS: tuple[Kernel, ...] = (
    Kernel("round_half_away", "round", ("sym_round_half_away_ex",), _C_PRIMS, _EMU_PRIMS,
           c_alternates=("sym_round_half_away",),
           args=(Arg("x", "float64"),), outputs=(Out("out", "int"),)),
    Kernel("float_to_sym", "convert", ("sym_float_to_sym_ex",), _C_PRIMS, _EMU_PRIMS,
           c_alternates=("sym_float_to_sym",),
           args=(Arg("x", "float_array"), Arg("q_max_bits", "int", 12), _RND, _RNG), outputs=_Y),
    Kernel("sym_to_float", "convert", ("sym_sym_to_float_ex",), _C_PRIMS, _EMU_PRIMS,
           c_alternates=("sym_sym_to_float",),
           args=(_t("t"),), outputs=(Out("y", "array"),)),
    Kernel("requant_dynamic", "requant", ("sym_requant_dynamic_ex",), _C_PRIMS, _EMU_PRIMS,
           args=(_t("t"), Arg("q_max_bits", "int"), _RND, _ORD, _RNG), outputs=_Y,
           c_alternates=("sym_requant_dynamic", "sym_intreq_requant_dynamic",
                         "sym_intreq_requant_dynamic_clamp_first", "sym_intreq_requant_dynamic_sr")),
    Kernel("requant_fixed", "requant", ("sym_requant_fixed_ex",), _C_PRIMS, _EMU_PRIMS,
           c_alternates=("sym_requant_fixed", "sym_intreq_requant_fixed"),
           args=(_t("t"), Arg("target_scale", "float"), Arg("q_max_bits", "int"), _RND, _RNG), outputs=_Y),
    Kernel("rescale_to_acc", "requant", ("sym_rescale_to_acc_ex",), _C_PRIMS, _EMU_PRIMS,
           c_alternates=("sym_rescale_to_acc", "sym_intreq_rescale_to_acc"),
           args=(Arg("q", "int"), Arg("param_scale", "float"), Arg("acc_scale", "float"), _RND),
           outputs=(Out("out", "int"),)),
    Kernel("int_to_sym", "convert", ("sym_int_to_sym_ex",), _C_PRIMS, _EMU_PRIMS,
           c_alternates=("sym_int_to_sym",),
           args=(Arg("m", "int_array"),), outputs=_Y),
    Kernel("accumulate_dynamic", "accumulate", ("sym_accumulate_dynamic_ex",), _C_PRIMS, _EMU_PRIMS,
           c_alternates=("sym_accumulate_dynamic", "sym_intreq_accumulate_dynamic"),
           args=(_t("target"), _t("inc"), _RND, _RNG), outputs=(Out("target", "tensor"),)),
    Kernel("accumulate_fixed", "accumulate", ("sym_accumulate_fixed_ex",), _C_PRIMS, _EMU_PRIMS,
           c_alternates=("sym_accumulate_fixed", "sym_intreq_accumulate_fixed"),
           args=(_t("target"), _t("inc"), _RND), outputs=(Out("target", "tensor"),)),
    Kernel("quant_forward", "layers", ("sym_quant_forward",), _C_LAYERS, _EMU_LAYERS, "quant", fuzzed=False,
           args=(_t("x"), Arg("q_max_bits", "int"), _RND, _ORD, _RNG), outputs=_Y),
    Kernel("quant_backward", "layers", ("sym_quant_backward",), _C_LAYERS, _EMU_LAYERS, "quant", fuzzed=False,
           args=(_t("dy"),), outputs=(Out("dx", "tensor"),)),
    Kernel("linear_forward", "layers", ("sym_linear_forward",), _C_LAYERS, _EMU_LAYERS, "linear",
           args=(_t("x"), _t("w"), Arg("b", "optional_tensor", None), Arg("out_bits", "optional_int", None),
                 _RND, _ORD, _RNG), outputs=_Y),
    Kernel("linear_backward", "layers", ("sym_linear_backward",),
           _C_LAYERS, _EMU_LAYERS, "linear",
           args=(_t("x"), _t("w"), _t("dy"), _t("grad_w"), Arg("grad_b", "optional_tensor", None),
                 Arg("dx_bits", "int", 12), _RND, _ORD, _RNG),
           outputs=(Out("dx", "tensor"), Out("grad_w", "tensor"), Out("grad_b", "optional_tensor"))),
    Kernel("layernorm_forward", "layers", ("sym_layernorm_forward",), _C_LAYERS, _EMU_LAYERS, "layernorm",
           args=(_t("x"), _t("gamma"), _t("beta"), Arg("norm_bits", "int", 12), Arg("eps", "float", 1e-5),
                 _RND, _RNG), outputs=_Y),
    Kernel("layernorm_backward", "layers", ("sym_layernorm_backward",), _C_LAYERS, _EMU_LAYERS, "layernorm",
           args=(_t("x"), _t("gamma"), _t("dy"), Arg("dx_bits", "int", 12), Arg("eps", "float", 1e-5),
                 _RND, _RNG), outputs=(Out("dx", "tensor"),)),
    Kernel("mse_loss", "layers", ("sym_mse_loss",), _C_LAYERS, _EMU_LAYERS, "loss",
           args=(_t("y"), Arg("target", "float_array"), Arg("grad_bits", "int", 12), _RND, _RNG),
           outputs=(Out("loss", "float"), Out("dy", "tensor"))),
    Kernel("sgd_update", "layers", ("sym_sgd_update",), _C_LAYERS, _EMU_LAYERS, "sgd",
           args=(_t("param"), _t("grad"), Arg("lr", "float"), Arg("rounding", "rounding", "sr_half_away"), _RNG),
           outputs=(Out("param", "tensor"),)),
    Kernel("relu_forward", "relu", ("sym_relu_forward",), _C_LAYERS, _EMU_LAYERS, "relu", fuzzed=False,
           args=(_t("x"),), outputs=(Out("y", "tensor", like="x"),)),
    Kernel("relu_backward", "relu", ("sym_relu_backward",), _C_LAYERS, _EMU_LAYERS, "relu", fuzzed=False,
           args=(_t("x"), _t("dy")), outputs=(Out("dx", "tensor", like="dy"),)),
    Kernel("conv1d_forward", "conv", ("sym_conv1d_forward",), _C_CONV, _EMU_CONV, "conv", fuzzed=False,
           args=(_t("x"), _t("w"), Arg("b", "optional_tensor", None), *_conv_geometry(False),
                 Arg("out_bits", "optional_int", None), _RND, _ORD, _RNG), outputs=_Y),
    Kernel("conv1d_backward", "conv", ("sym_conv1d_backward",), _C_CONV, _EMU_CONV, "conv", fuzzed=False,
           args=(_t("x"), _t("w"), _t("dy"), _t("grad_w"), Arg("grad_b", "optional_tensor", None),
                 *_conv_geometry(False), Arg("dx_bits", "int", 12), _RND, _ORD, _RNG), outputs=_GRADS),
    Kernel("conv_transpose1d_forward", "conv", ("sym_conv_transpose1d_forward",), _C_CONV, _EMU_CONV, "conv",
           fuzzed=False, args=(_t("x"), _t("w"), Arg("b", "optional_tensor", None), *_conv_geometry(True),
                               Arg("out_bits", "optional_int", None), _RND, _ORD, _RNG), outputs=_Y),
    Kernel("conv_transpose1d_backward", "conv", ("sym_conv_transpose1d_backward",), _C_CONV, _EMU_CONV, "conv",
           fuzzed=False, args=(_t("x"), _t("w"), _t("dy"), _t("grad_w"), Arg("grad_b", "optional_tensor", None),
                               *_conv_geometry(True), Arg("dx_bits", "int", 12), _RND, _ORD, _RNG),
           outputs=_GRADS),
    # Pools (docs/layers.md "Pools"): one C entry point per layer step.
    Kernel("maxpool1d_forward", "pool", ("sym_maxpool1d_forward",), _C_POOL, _EMU_POOL, "pool", fuzzed=False,
           args=(_t("x"), Arg("kernel_size", "int"), *_WINDOW),
           outputs=(Out("y", "tensor"), Out("indices", "array"))),
    Kernel("maxpool1d_backward", "pool", ("sym_maxpool1d_backward",), _C_POOL, _EMU_POOL, "pool", fuzzed=False,
           args=(_t("dy"), Arg("indices", "int_array"), Arg("input_length", "int")), outputs=(Out("dx", "tensor"),)),
    Kernel("avgpool1d_forward", "pool", ("sym_avgpool1d_forward",), _C_POOL, _EMU_POOL, "pool", fuzzed=False,
           args=(_t("x"), Arg("kernel_size", "int"), *_WINDOW, _INCLUDE_PAD), outputs=_Y),
    Kernel("avgpool1d_backward", "pool", ("sym_avgpool1d_backward",), _C_POOL, _EMU_POOL, "pool", fuzzed=False,
           args=(_t("dy"), Arg("input_length", "int"), Arg("kernel_size", "int"), *_WINDOW, _INCLUDE_PAD),
           outputs=(Out("dx", "tensor"),)),
    Kernel("adaptive_avgpool1d_forward", "pool", ("sym_adaptive_avgpool1d_forward",), _C_POOL, _EMU_POOL, "pool",
           fuzzed=False, args=(_t("x"), Arg("output_size", "int")), outputs=_Y),
    Kernel("adaptive_avgpool1d_backward", "pool", ("sym_adaptive_avgpool1d_backward",), _C_POOL, _EMU_POOL, "pool",
           fuzzed=False, args=(_t("dy"), Arg("input_length", "int")), outputs=(Out("dx", "tensor"),)),
    # Softmax / CrossEntropy (docs/layers.md "Softmax and cross entropy").
    Kernel("softmax_forward", "softmax", ("sym_softmax_forward",), _C_SOFTMAX, _EMU_SOFTMAX, "softmax", fuzzed=False,
           args=(_t("x"), Arg("out_bits", "int", 12), _RND, _RNG), outputs=_Y),
    Kernel("cross_entropy_loss", "softmax", ("sym_cross_entropy_loss",), _C_SOFTMAX, _EMU_SOFTMAX, "softmax",
           fuzzed=False, args=(_t("p"), Arg("target", "int_array"), Arg("grad_bits", "int", 12),
                               Arg("reduction", "choice", "mean"), _RND, _RNG),
           outputs=(Out("loss", "float"), Out("dx", "tensor"))),
)

#: Public backend module -> the modules that implement its kernels.
BACKEND_MODULES: dict[str, tuple[str, ...]] = {
    "symverify.kernels": (_C_PRIMS, _C_LAYERS, _C_CONV),
    "symverify.emulate": (_EMU_PRIMS, _EMU_LAYERS, _EMU_CONV),
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
    _C_CONV: (),
    _EMU_CONV: (),
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


#: The vector file of the training chain (goldgen/layer_fixtures.py): no
#: kernel family, rendered with the layer families.
TRAINING_CHAIN = "chain"


def primitive_families() -> tuple[str, ...]:
    """Families of primitive kernels (vectors rendered by goldgen/fixtures.py)."""
    return tuple(dict.fromkeys(k.family for k in KERNELS if k.layer is None))


def layer_vector_families() -> tuple[str, ...]:
    """Vector families rendered by goldgen/layer_fixtures.py: the families of
    the layer kernels, then the training chain."""
    return (*dict.fromkeys(k.family for k in KERNELS if k.layer is not None), TRAINING_CHAIN)


def layer_abi_kernel(k: Kernel) -> bool:
    """True for a layer step in the layer-level C ABI that its layout fully
    describes: one entry point ``sym_<name>(const sym_<name>_args *, sym_err *)``,
    tensor arguments only, tensor outputs sized ``like`` an argument (its
    ``sv.kernels`` binding is then built by symverify/layout_binding.py)."""
    return (k.layer is not None and k.c_entry_points == (f"sym_{k.name}",)
            and all(a.role == "tensor" for a in k.args)
            and all(o.kind == "tensor" and o.like in {a.name for a in k.args} for o in k.outputs))


def c_sources() -> tuple[str, ...]:
    """Every family-owned kernel source stem, in family order."""
    return tuple(stem for f in FAMILIES for stem in f.sources)


def mutated_sources() -> tuple[str, ...]:
    """The kernel source file names (``sym_<stem>.c``) ``symverify mutate``
    mutates: every family's sources, then the helpers, minus
    :data:`UNMUTATED_SOURCES`. mutants/catalog.py reads the list from here."""
    return tuple(f"{stem}.c" for stem in dict.fromkeys((*c_sources(), *HELPER_SOURCES))
                 if stem not in UNMUTATED_SOURCES)


def c_entry_points(diagnostics: bool = False) -> tuple[str, ...]:
    """Every C entry point a registered kernel calls (first-seen order); with
    ``diagnostics`` also the ones its wrapper calls to describe a failure."""
    return tuple(dict.fromkeys(ep for k in KERNELS
                               for ep in (*k.c_entry_points, *(k.c_diagnostics if diagnostics else ()))))


def fuzz_families() -> tuple[str, ...]:
    """Families with a libFuzzer target ``fuzz/targets/fuzz_<f>.c`` (first-seen order)."""
    return tuple(dict.fromkeys(k.fuzz_family for k in KERNELS if k.fuzz_family is not None))


def signature_mismatches(k: Kernel, func: object) -> list[str]:
    """How ``func``'s signature differs from ``k``'s declared arguments
    (names, order, defaults); empty when they agree."""
    params = list(inspect.signature(func).parameters.values())  # type: ignore[arg-type]
    got = [(p.name, p.default) for p in params]
    want = [(a.name, a.default) for a in k.args]
    if [n for n, _ in got] != [n for n, _ in want]:
        return [f"{k.name}: parameters {[n for n, _ in got]} != registered {[n for n, _ in want]}"]
    return [f"{k.name}({n}): default {g!r} != registered {w!r}" for (n, g), (_, w) in zip(got, want) if g != w]


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
    """Fail loudly if an imported backend and the registry disagree.

    For each public backend and implementation module already imported:
    every registered kernel (and declared extra) must be a callable attribute
    whose parameters (names, order, defaults) are the registered ``args``,
    and every public function defined in an implementation module must be a
    registered kernel or a declared extra. Raises ``ImportError`` naming the
    module and the names; annotations are compared in
    tests/test_backend_parity.py.
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
            problems.extend(f"{mod_name}.{m}" for k in KERNELS if callable(getattr(module, k.name, None))
                            for m in signature_mismatches(k, getattr(module, k.name)))
            if mod_name in impls:
                stray = sorted(_public_functions(module) - set(wanted))
                if stray:
                    problems.append(f"{mod_name} defines unregistered public {', '.join(stray)} "
                                    "(declare it in symverify/registry.py or make it private)")
    if problems:
        raise ImportError("symverify.registry and the backends disagree: " + "; ".join(problems))


def coverage_problems(kernels: tuple[Kernel, ...], fixture_kernels: set[str],
                      vector_kernels: Callable[[str], set[str]],
                      table_text: Callable[[str], str | None]) -> list[str]:
    """What a registered kernel lacks in the tree: a fixture, a golden vector
    naming it in its family's vector file, a Cortex-M run (the family's
    generated xtarget case table has a case of it and calls each of its C
    entry points).

    The tree is passed in (``fixture_kernels``: kernels named by a fixture;
    ``vector_kernels(file)``: kernels named in a vector file, empty if none;
    ``table_text(family)``: the C text of the family's case table
    (symverify/xtarget_table.py), None if none can be built), so this module
    still imports nothing of the tree; tests/test_registry.py runs it on the
    real tree and on fake entries.
    """
    problems: list[str] = []
    for k in kernels:
        if k.name not in fixture_kernels:
            problems.append(f"{k.name}: no fixture (goldgen/fixtures.py or goldgen/layer_fixtures.py)")
        if k.vector_kernel not in vector_kernels(k.vector_file):
            problems.append(f"{k.name}: no golden vector in goldgen/vectors/{k.vector_file}")
        table = table_text(k.family)
        where = f"the xtarget case table of {k.family}"
        if table is None or not re.search(rf'\{{ "{k.vector_kernel}", \d+u, ', table):
            problems.append(f"{k.name}: no Cortex-M case in {where}")
            continue
        uncalled = [ep for ep in (*k.c_entry_points, *k.c_alternates) if not re.search(rf"\b{ep}\s*\(", table)]
        if uncalled:
            problems.append(f"{k.name}: {where} never calls {', '.join(uncalled)}")
    return problems
