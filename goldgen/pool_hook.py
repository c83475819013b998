"""The pool and softmax families for goldgen/generate.py: their JSON
vectors and C headers, computed from the emulator."""
from __future__ import annotations

from typing import Any

from . import layer_fixtures as lf
from . import pool_fixtures, softmax_fixtures
from .pool_header import render_pool_header
from .softmax_header import render_softmax_header

#: families rendered here (one JSON file and one C header each)
EXTRA_FAMILIES = ("pool", "softmax")


def compute_extra_families(backend: Any = None) -> dict[str, tuple[list[Any], dict[str, str]]]:
    """family -> (vector records, {file name: text})."""
    pool = pool_fixtures.compute(backend)
    soft = softmax_fixtures.compute(backend)
    return {"pool": (list(pool["vectors"]), {"pool.json": lf.render(pool), "pool.h": render_pool_header(pool)}),
            "softmax": (list(soft["vectors"]),
                        {"softmax.json": lf.render(soft), "softmax.h": render_softmax_header(soft)})}
