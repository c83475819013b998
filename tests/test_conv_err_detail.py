"""The conv C-ABI cases (mutants/conv_gold.py) check the whole ``sym_err`` of
every validation branch of kernels/src/sym_conv.c: status, argument, index and
the exact reason pinned in mutants/conv_reasons.py. They must pass on the
shipped library, pin every reason text the C can return, and fail when a
reason changes."""
from __future__ import annotations

import re
from typing import Any

import pytest

import symverify.kernels as K
from symverify import build
from symverify.mutants import conv_gold, conv_reasons

#: the reason literal of every ``sym_fail(err, status, arg, index, "reason")``
_REASON_LITERAL = re.compile(r'sym_fail\([^;]*?"([^"]*)"\);', re.S)


def _case(name: str) -> Any:
    return next(c for c in conv_gold.CASES if c.name == name)


@pytest.mark.parametrize("case", conv_gold.CASES, ids=[c.name for c in conv_gold.CASES])
def test_conv_abi_cases_pass_on_the_shipped_library(case: Any) -> None:
    ffi, lib = K.ffi_lib()
    assert case.run(ffi, lib) is None


def test_every_reason_of_sym_conv_is_pinned_by_a_case() -> None:
    literals = set(_REASON_LITERAL.findall((build.kernel_dir() / "src" / "sym_conv.c").read_text()))
    assert len(literals) > 40, "the sym_fail pattern found almost nothing in sym_conv.c"
    missing = sorted(literals - set(conv_reasons.REASONS.values()))
    assert not missing, f"sym_conv.c reasons no C-ABI case checks: {missing}"


def test_no_pinned_reason_without_its_case() -> None:
    stale = sorted(set(conv_reasons.REASONS) - {c.name for c in conv_gold.CASES})
    assert not stale, f"pinned reasons of cases that do not exist: {stale}"


@pytest.mark.parametrize("name, wrong", [
    ("bwd_dx_bits_hi", "must be 2..17"),  # the bound in the text changed
    ("bwd_dw_overflow", ""),              # the text dropped
    ("conv_stride0", "must be >= 0"),     # a geometry case
])
def test_a_different_reason_fails_the_case(monkeypatch: pytest.MonkeyPatch, name: str, wrong: str) -> None:
    ffi, lib = K.ffi_lib()
    monkeypatch.setitem(conv_reasons.REASONS, name, wrong)
    why = _case(name).run(ffi, lib)
    assert why is not None and "sym_err.reason" in why


def test_a_case_without_a_pinned_reason_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    ffi, lib = K.ffi_lib()
    monkeypatch.delitem(conv_reasons.REASONS, "fwd_x_null")
    assert "no pinned sym_err.reason" in (_case("fwd_x_null").run(ffi, lib) or "")
