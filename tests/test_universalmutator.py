"""The independent-mutator gate (symverify.mutants.universal): universalmutator's
C rules over the kernel sources, one build per mutant, the gold suite replayed.

The fixed-seed sample is the CI gate (every compiled non-equivalent mutant of
it must be killed); the full set is benchmarks/bench_universalmutator.py."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("universalmutator", reason="universalmutator is part of the test extra")

from rich.console import Console  # noqa: E402

from symverify import build  # noqa: E402
from symverify.mutants import universal, universal_cli  # noqa: E402

#: the CI sample: fixed seed and size (about 40 s on 2 cores)
SAMPLE_SIZE = 48
SAMPLE_SEED = 20261201


def _kernel(name: str) -> Path:
    return build.kernel_dir() / "src" / name


def test_ids_do_not_depend_on_line_numbers(tmp_path):
    src = _kernel("sym_sgd.c")
    shifted = tmp_path / "sym_sgd.c"
    shifted.write_text("/* one more line on top */\n" + src.read_text())
    a = {m.uid: m for m in universal.generate([src])}
    b = {m.uid: m for m in universal.generate([shifted])}
    assert len(a) > 100
    assert set(a) <= set(b)  # the new comment line itself adds mutants, nothing else moves
    assert all(b[u].line == a[u].line + 1 for u in a)


def test_fixed_seed_sample_kills_every_compiled_mutant():
    out = universal.run(jobs=2, sample_size=SAMPLE_SIZE, seed=SAMPLE_SEED)
    fig = universal.summary(out)
    assert fig["mutants"] == SAMPLE_SIZE
    assert fig["compiled"] > 0, "a sample with no compiled mutant tests nothing"
    assert fig["killed"] > 0
    survivors = [f"{m.uid} {m.file}:{m.line}\n{m.diff()}" for m in out.survivors()]
    assert not survivors, "universalmutator survivors (kill them or justify them in " \
                          "mutants/equivalent_universalmutator.toml):\n" + "\n".join(survivors)
    assert fig["runtime_errors"] == 0


def _planted(file: str, old: str, new: str) -> universal.UMutant:
    lines = _kernel(file).read_text().splitlines()
    hits = [i for i, ln in enumerate(lines) if old in ln]
    assert hits, old
    i = hits[-1]  # the last occurrence: the write pass of the kernels below
    return universal.UMutant(f"planted:{i}", file, i + 1, lines[i], lines[i].replace(old, new), "planted")


@pytest.mark.parametrize("file, old, new", [
    # the SGD validation pass with lr and s_g exchanged (issue 16): FLOAT_OVERFLOW missed
    ("sym_sgd.c", "const float v = sym_sgd_step(param[k], s_p, grad[k], s_g, lr);",
     "const float v = sym_sgd_step(param[k], s_p, grad[k], lr, s_g);"),
    # the write loop skipping the last element: the output sentinel shows it without ASan
    ("sym_sgd.c", "for (k = 0; k < n_p; ++k) {", "for (k = 0; k < n_p - 1; ++k) {"),
    # the SR guard of the rng alias test dropped: a legal HALF_AWAY call fails with ALIAS
    ("sym_convert.c", "if (sr && (sym_ranges_overlap(rng_state", "if (1 && (sym_ranges_overlap(rng_state"),
    # order -1 accepted as clamp_first
    ("sym_requant.c", "if (order != SYM_ORDER_RATIO && order", "if (order > SYM_ORDER_RATIO && order"),
    # reason texts that lie or are empty (the status and argument still right): the pinned
    # sym_err.reason of the conv and layer-step C-ABI cases
    ("sym_conv.c", '"must be 2..16"', '"must be 2..(16+1)"'),
    ("sym_conv.c", '"a dW partial sum leaves int32"', '""'),
    ("sym_linear.c", '"batch must be >= 1"', '"batch must be >= 0"'),
])
def test_planted_bugs_are_killed_in_the_release_build(file, old, new):
    m = _planted(file, old, new)
    out = universal.evaluate([m], jobs=1, sanitize=False)
    r = out.results[m.uid]
    assert r.status == "Killed", r.reason


def test_a_gate_over_no_compiled_mutant_fails(monkeypatch):
    broken = [universal.UMutant("sym_sgd:broken", "sym_sgd.c", 1, "", "this is not C;", "planted")]
    monkeypatch.setattr(universal, "generate", lambda sources: broken)
    console = Console(record=True, width=200)
    code = universal_cli.main(console, 1, None, 0, None, files=["sym_sgd.c"])
    assert code == 1
    assert "no mutant compiled" in console.export_text()


def test_unknown_file_is_a_clear_error():
    with pytest.raises(ValueError, match="sym_nope.c"):
        universal.run(files=["sym_nope.c"])
