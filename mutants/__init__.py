"""Kernel mutation testing (``symverify.mutants``): the operator catalog
(``catalog.toml``), the reviewed equivalent mutants (``equivalent.toml``), the
C scanner (:mod:`.csource`), site finding and schemata generation
(:mod:`.sites`), the golden-vector replayer (:mod:`.gold`), the compile-once
fork-per-mutant engine (:mod:`.engine`) and the reports (:mod:`.report`).
See docs/mutation.md."""
from .catalog import CatalogError, load_catalog, load_equivalent

__all__ = ["CatalogError", "load_catalog", "load_equivalent"]
