"""The pool / softmax C-ABI cases (mutants/abi_pool.py) check the whole
``sym_err`` of every validation branch of kernels/src/sym_pool.c and
sym_softmax.c: status, argument, index and the exact reason pinned in
mutants/pool_reasons.py. They must pass on the shipped library, pin every
reason text the C can return, and fail when a reason changes."""
from __future__ import annotations

import re
from typing import Any

import pytest

import symverify.kernels as K
from symverify import build
from symverify.mutants import abi_pool, pool_reasons

#: the reason literal of every ``pool_fail(...)`` / ``sm_fail(...)`` call (the last string before ``);``)
_REASON_LITERAL = re.compile(r'(?:pool_fail|sm_fail)\([^;]*?"([^"]*)"\);', re.S)
SOURCES = ("sym_pool.c", "sym_softmax.c", "sym_mathf.c")


def _case(name: str) -> Any:
    return next(c for c in abi_pool.CASES if c.name == name)


def _literals(source: str) -> set[str]:
    return set(_REASON_LITERAL.findall((build.kernel_dir() / "src" / source).read_text()))


@pytest.mark.parametrize("case", abi_pool.CASES, ids=[c.name for c in abi_pool.CASES])
def test_pool_abi_cases_pass_on_the_shipped_library(case: Any) -> None:
    ffi, lib = K.ffi_lib()
    assert case.run(ffi, lib) is None


@pytest.mark.parametrize("source, at_least", [("sym_pool.c", 30), ("sym_softmax.c", 20)])
def test_the_literal_pattern_sees_the_sources(source: str, at_least: int) -> None:
    assert len(_literals(source)) >= at_least, f"the fail pattern found almost nothing in {source}"


def test_sym_mathf_has_no_failure_reason() -> None:
    text = (build.kernel_dir() / "src" / "sym_mathf.c").read_text()
    assert "reason" not in text and not _literals("sym_mathf.c"), "sym_mathf.c grew a failure path: pin it"


def test_every_reason_of_the_pool_sources_is_pinned_by_a_case() -> None:
    literals = set().union(*(_literals(s) for s in SOURCES))
    pinned = set(pool_reasons.REASONS.values()) | {pool_reasons.ARGS_NULL}
    missing = sorted(literals - pinned)
    assert not missing, f"sym_pool.c / sym_softmax.c reasons no C-ABI case checks: {missing}"


def test_every_pin_is_a_reason_the_c_has() -> None:
    literals = set().union(*(_literals(s) for s in SOURCES))
    unknown = sorted(set(pool_reasons.REASONS.values()) - literals)
    assert not unknown, f"pinned reasons no pool_fail / sm_fail returns: {unknown}"


def test_pins_and_failing_cases_match() -> None:
    keys = abi_pool.FAILING_KEYS
    assert len(keys) == len(set(keys)), "two variations share a name/label key"
    stale = sorted(set(pool_reasons.REASONS) - set(keys))
    assert not stale, f"pinned reasons of cases that do not exist: {stale}"
    unpinned = sorted(set(keys) - set(pool_reasons.REASONS))
    assert not unpinned, f"failing cases without a pinned reason: {unpinned}"


@pytest.mark.parametrize("table, label, wrong", [
    ("avgpool1d_forward", "product", "sum * K leaves int0 (count_include_pad=False)"),  # the survivor's mutation
    ("maxpool1d_forward", "out_plus1", ""),                                             # the text dropped
    ("softmax_forward", "x_overflow", "x * s_x is not finite in float64"),
    ("cross_entropy_loss_prob", "grad_underflow", "args is NULL"),                     # another branch's text
])
def test_a_different_reason_fails_the_case(monkeypatch: pytest.MonkeyPatch, table: str, label: str,
                                           wrong: str) -> None:
    ffi, lib = K.ffi_lib()
    monkeypatch.setitem(pool_reasons.REASONS, f"{table}/{label}", wrong)
    why = _case(table).run(ffi, lib)
    assert why is not None and f"{table}/{label}" in why and "sym_err.reason" in why


def test_a_case_without_a_pinned_reason_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    ffi, lib = K.ffi_lib()
    monkeypatch.delitem(pool_reasons.REASONS, "adaptive_avgpool1d_backward/overflow")
    assert "no pinned sym_err.reason" in (_case("adaptive_avgpool1d_backward").run(ffi, lib) or "")


def test_a_different_args_null_reason_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    ffi, lib = K.ffi_lib()
    monkeypatch.setattr(pool_reasons, "ARGS_NULL", "args is NUL")
    assert "NULL args" in (_case("maxpool1d_backward").run(ffi, lib) or "")
