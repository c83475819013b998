"""symverify: verification and mutation testing for SYM fixed-point training kernels.

``sv.kernels`` (C reference kernels through cffi) and ``sv.emulate`` (the
independent numpy float32 emulator) offer the same functions and signatures.
"""
from .errors import SymError
from .types import HALF_AWAY, SR_HALF_AWAY, Rng, SymTensor
from . import emulate, kernels

__version__ = "0.1.0"
__all__ = ["SymTensor", "SymError", "Rng", "HALF_AWAY", "SR_HALF_AWAY", "kernels", "emulate", "__version__"]
