"""Shared by the primitive and layer differential tests: run one call on a
backend and reduce it to ("ok",) or ("err", code), checking that an error
leaves the RNG state untouched."""
from __future__ import annotations

from typing import Any

from symverify import Rng, SymError

#: An rng_state that is not an sv.Rng (a fault of the RNG group).
JUNK_RNG = "not an Rng"


def precedence_outcome(backend: Any, name: str, args: tuple, kwargs: dict, rng_spec: Any) -> tuple:
    """Call ``backend.name(*args, **kwargs)`` with an RNG built from
    ``rng_spec`` (None: none, "junk": JUNK_RNG, else a seed)."""
    kw = dict(kwargs)
    rng = None
    if rng_spec == "junk":
        kw["rng_state"] = JUNK_RNG
    elif rng_spec is not None:
        rng = Rng(rng_spec)
        kw["rng_state"] = rng
    try:
        getattr(backend, name)(*args, **kw)
        res: tuple = ("ok",)
    except SymError as exc:
        res = ("err", exc.code)
    if rng is not None and res[0] == "err":
        assert rng.state == Rng(rng_spec).state, f"{backend.__name__}.{name}: RNG advanced on error"
    return res
