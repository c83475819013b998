"""symverify: verification and mutation testing for SYM fixed-point training kernels.

``sv.kernels`` (C reference kernels through cffi) and ``sv.emulate`` (the
independent numpy float32 emulator) offer the same functions and signatures.
"""
from .build import ensure_sanitizer_runtime as _ensure_sanitizer_runtime

_ensure_sanitizer_runtime()  # SYMVERIFY_VARIANT=sanitize: re-exec with libasan preloaded

from .errors import SymError  # noqa: E402
from .types import HALF_AWAY, SR_HALF_AWAY, Rng, SymTensor  # noqa: E402
from . import emulate, kernels, registry  # noqa: E402

registry.check_exports()  # a backend out of step with the registry fails here, by name

__version__ = "0.1.0"
__all__ = ["SymTensor", "SymError", "Rng", "HALF_AWAY", "SR_HALF_AWAY", "kernels", "emulate", "registry", "__version__"]
