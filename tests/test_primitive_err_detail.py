"""The primitives' error-detail entry points (sym_<kernel>_ex): the C-ABI
cases that pin sym_err (mutants/abi_err.py), the replay derived from the
declarations (mutants/decl_gold.py) and the SymError the binding builds."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import symverify as sv
from symverify import kernels, registry
from symverify.mutants import abi_err, decl_gold, gold

PRIMITIVES = [k.name for k in registry.KERNELS if k.layer is None]


@pytest.fixture(scope="module")
def lib():
    return kernels.ffi_lib()


def test_every_error_detail_case_holds(lib) -> None:
    ffi, clib = lib
    assert [(c.label, why) for c in abi_err.CASES if (why := gold.run_case(c, ffi, clib))] == []


@pytest.mark.parametrize("name", PRIMITIVES)
def test_every_primitive_has_error_detail_cases(name: str) -> None:
    cases = [c for c in abi_err.CASES if c.kernel == name]
    statuses = {c.status for c in cases}
    assert "SYM_ERR_NULL" in statuses and len(cases) >= 4
    assert any(c.arg == "args" for c in cases)


def test_a_wrong_index_or_field_is_caught(lib) -> None:
    ffi, clib = lib
    c = next(c for c in abi_err.CASES if c.name == "rqd_underflow_first_max")
    assert gold.run_case(dataclasses.replace(c, index=2), ffi, clib) == "sym_err.index 1 != expected 2"
    assert "sym_err.arg 't' != expected 'x'" in gold.run_case(dataclasses.replace(c, arg="x"), ffi, clib)
    assert "status" in gold.run_case(dataclasses.replace(c, status="SYM_ERR_EMPTY"), ffi, clib)
    pinned = next(c for c in abi_err.CASES if c.name == "rsc_guard")
    assert "sym_err.reason" in gold.run_case(dataclasses.replace(pinned, reason="other"), ffi, clib)


def test_declared_replay_covers_every_primitive_and_passes(lib) -> None:
    ffi, clib = lib
    cases = [c for c in gold.load_cases()[0] if isinstance(c, decl_gold.DeclCase)]
    assert {c.kernel for c in cases} == set(PRIMITIVES)
    assert all(c.call.entry.endswith("_ex") for c in cases)
    assert [(c.label, why) for c in cases if (why := gold.run_case(c, ffi, clib))] == []


def test_declared_replay_sees_a_wrong_result(lib) -> None:
    ffi, clib = lib
    cases = {c.label: c for c in gold.load_cases()[0] if isinstance(c, decl_gold.DeclCase)}
    ok = next(c for c in cases.values() if c.kernel == "requant_dynamic" and c.call.status == 0)
    name, out = ok.call.outs[0]
    wrong = dataclasses.replace(out, exp=[out.exp[0] + 1, *out.exp[1:]])
    bad = dataclasses.replace(ok, call=dataclasses.replace(ok.call, outs=[(name, wrong)]))
    assert gold.run_case(bad, ffi, clib).startswith("out[0] ")
    scale = dataclasses.replace(out, scale=out.scale ^ 1)
    bad = dataclasses.replace(ok, call=dataclasses.replace(ok.call, outs=[(name, scale)]))
    assert gold.run_case(bad, ffi, clib).startswith("out.scale ")


def test_declared_replay_sees_a_write_on_error_and_a_missing_detail(lib) -> None:
    ffi, _ = lib
    cases = [c for c in gold.load_cases()[0] if isinstance(c, decl_gold.DeclCase)]
    failing = next(c for c in cases if c.kernel == "float_to_sym" and c.call.status != 0)

    class Writes:
        def __getattr__(self, entry):
            def fn(a, err):
                a.out.m[0] = 1
                err.status = failing.call.status
                err.arg = err.reason = ffi.NULL
                return failing.call.status
            return fn

    class NoDetail:
        def __getattr__(self, entry):
            return lambda a, err: failing.call.status

    assert "written" in gold.run_case(failing, ffi, Writes())
    assert gold.run_case(failing, ffi, NoDetail()).startswith("sym_err.status")


def test_symerror_names_the_element_the_c_reports() -> None:
    t = sv.SymTensor(np.array([0, -1, 1], dtype=np.int32), np.float32(2.0 ** -126), 32)
    with pytest.raises(sv.SymError) as info:
        sv.kernels.requant_dynamic(t, 16)
    assert info.value.argument == "absmax" and "t.mantissas[1]" in info.value.rule
    assert info.value.value == float(np.float32(2.0 ** -126))
    inc = sv.SymTensor(np.array([1, 2, 4], dtype=np.int32), np.float32(2.0 ** 30), 32)
    with pytest.raises(sv.SymError) as info:
        sv.kernels.accumulate_fixed(sv.kernels.int_to_sym(np.zeros(3, dtype=np.int32)), inc)
    assert (info.value.code, info.value.argument, info.value.value) == ("SYM_ERR_RANGE_GUARD", "inc.mantissas[1]", 2)
