"""Z3 encodings and proofs of the SYM kernel steps (imported as ``symverify.proofs``).

* :mod:`.fp` -- float32/int32 building blocks with C semantics;
* :mod:`.steps` -- exact encodings of each kernel step, evaluable on concrete inputs;
* :mod:`.realmodel` -- the rounding-error model over Reals used for range bounds;
* :mod:`.lemmas` -- the lemma catalog; :mod:`.runner` -- solving, caching, parallel runs;
* :mod:`.fanin` / :mod:`.bounds` -- per-layer int32 accumulator bounds of a model file;
* :mod:`.replay` -- replay of counterexamples on the C kernels / UBSan harness.
See docs/proofs.md.
"""
