"""The numpy float32 emulator: a backend, peer of the C binding (``symverify.kernels``).

Written from docs/semantics.md and docs/layers.md without reading the C
sources. :mod:`.primitives` holds the primitive kernels, :mod:`.layers` the
layer kernels; the public face is ``symverify.emulate`` (``sv.emulate``),
which re-exports both as symverify/registry.py declares. goldgen only uses
this backend to generate and check the golden vectors.
"""
