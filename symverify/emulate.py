"""``sv.emulate``: the independent numpy float32 emulator of the SYM arithmetic.

Same functions and signatures as ``sv.kernels`` (the C reference kernels); the
implementation is the backend package ``symverify/emulator/`` (``primitives.py``,
``layers.py``), written from ``docs/semantics.md`` and ``docs/layers.md`` without
reading the C sources. Which function comes from which module is declared in
``symverify/registry.py``.
"""
import importlib as _importlib

from symverify import registry as _registry

# By registered module name (mutmut's emulator copy is aliased under it); a
# name missing here is reported by registry.check_exports() when symverify is imported.
_IMPLS = {name: _importlib.import_module(name) for name in _registry.BACKEND_MODULES[__name__]}

globals().update({k.name: getattr(_IMPLS[k.emulator_module], k.name) for k in _registry.KERNELS
                  if hasattr(_IMPLS[k.emulator_module], k.name)})
globals().update({x: getattr(m, x) for name, m in _IMPLS.items() for x in _registry.MODULE_EXTRAS[name]
                  if hasattr(m, x)})

#: Every registered kernel plus the emulator's extras (symverify/registry.py).
__all__ = _registry.backend_exports(__name__)
