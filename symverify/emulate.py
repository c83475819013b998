"""``sv.emulate``: the independent numpy float32 emulator of the SYM arithmetic.

Same functions and signatures as ``sv.kernels`` (the C reference kernels); the
implementation lives in ``goldgen/emulator.py`` and ``goldgen/emulator_layers.py``
(``symverify.goldgen.emulator*``), written from ``docs/semantics.md`` without
reading the C sources. Which function comes from which module is declared in
``symverify/registry.py``.
"""
from symverify import registry as _registry
from symverify.goldgen import emulator as _prims, emulator_layers as _layers

_IMPLS = {m.__name__: m for m in (_prims, _layers)}

# A name missing here is reported by registry.check_exports() when symverify is imported.
globals().update({k.name: getattr(_IMPLS[k.emulator_module], k.name) for k in _registry.KERNELS
                  if hasattr(_IMPLS[k.emulator_module], k.name)})
globals().update({x: getattr(m, x) for name, m in _IMPLS.items() for x in _registry.MODULE_EXTRAS[name]
                  if hasattr(m, x)})

#: Every registered kernel plus the emulator's extras (symverify/registry.py).
__all__ = _registry.backend_exports(__name__)
