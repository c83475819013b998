"""symverify: verification and mutation testing for SYM fixed-point training kernels.

``sv.kernels`` (C reference kernels through cffi) and ``sv.emulate`` (the
independent numpy float32 emulator) offer the same functions and signatures.
"""
from .build import ensure_sanitizer_runtime as _ensure_sanitizer_runtime

_ensure_sanitizer_runtime()  # SYMVERIFY_VARIANT=sanitize: re-exec with libasan preloaded

from .errors import SymError  # noqa: E402
from .types import HALF_AWAY, SR_HALF_AWAY, Rng, SymTensor  # noqa: E402
from . import emulate, kernels, kernels_layers, registry  # noqa: E402
from . import kernels_conv  # noqa: E402

# sv.kernels is the whole C backend: the layer kernels (docs/layers.md) live in
# kernels_layers, which builds on the primitives of kernels, so the package
# adds them here rather than kernels importing the module that imports it.
vars(kernels).update({k.name: getattr(kernels_layers, k.name) for k in registry.KERNELS
                      if k.c_module == kernels_layers.__name__ and hasattr(kernels_layers, k.name)})
vars(kernels).update({k.name: getattr(kernels_conv, k.name) for k in registry.KERNELS
                      if k.c_module == kernels_conv.__name__ and hasattr(kernels_conv, k.name)})
from . import kernels_pool, kernels_softmax  # noqa: E402
for _m in (kernels_pool, kernels_softmax):
    vars(kernels).update({k.name: getattr(_m, k.name) for k in registry.KERNELS
                          if k.c_module == _m.__name__ and hasattr(_m, k.name)})
registry.check_exports()  # a backend out of step with the registry fails here, by name

__version__ = "0.1.0"
__all__ = ["SymTensor", "SymError", "Rng", "HALF_AWAY", "SR_HALF_AWAY", "kernels", "emulate", "registry", "__version__"]
