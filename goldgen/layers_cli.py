"""``python -m symverify.goldgen.layers_cli [--check]``: regenerate (or check)
only layers.json, layers.h and chain.json, through the same writer as
``symverify goldgen`` (:mod:`.generate`).

A module of its own because the catalog (:mod:`.layer_fixtures`) sits below
the writer: the writer imports the catalog, never the other way round.
"""
from __future__ import annotations

import sys

from . import generate


def main(argv: list[str] | None = None) -> int:
    """Write the layer families (0), or with ``--check`` print the diff of any
    drift and return 1 (0 when none)."""
    argv = sys.argv[1:] if argv is None else argv
    results = generate.compute_layer_families()
    if "--check" in argv:
        drift = [r for r in generate.check(None, results) if r.status != "ok"]
        for r in drift:
            sys.stdout.write(r.diff)
        if drift:
            print("layer golden vectors drifted (run `symverify goldgen`)")
            return 1
        print("layer golden vectors: no drift")
        return 0
    for r in generate.write(None, results):
        print(f"{r.family}: {r.status}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
