"""symverify/xtarget_table.py without a cross toolchain: the generated case
tables hold the vectors goldgen's headers declare (kernel by kernel), build
with the host compiler under the project's warnings, and refuse what they
cannot express with an error naming it. The on-target runs and the
corruption tests are in tests/test_xtarget.py."""
from __future__ import annotations

import dataclasses
import json
import re
import subprocess
from pathlib import Path

import pytest

from symverify import registry, xtarget, xtarget_render, xtarget_table
from symverify.xtarget_table import CItem, XtableError

ROOT = Path(__file__).resolve().parents[1]
INCLUDE = ROOT / "kernels" / "include"
VECTORS = ROOT / "goldgen" / "vectors"
XTARGET = ROOT / "xtarget"


def _cases(family: str) -> list[xtarget_table.Case]:
    doc = json.loads((VECTORS / f"{family}.json").read_text())
    return xtarget_table.build_cases(family, doc, INCLUDE)[0]


def _header_counts(family: str) -> dict[str, int]:
    text = (VECTORS / f"{family}.h").read_text()
    return {m.group(1).lower(): int(m.group(2))
            for m in re.finditer(rf"#define SYM_GOLDEN_{family.upper()}_(\w+)_COUNT\s+(\d+)", text)}


@pytest.mark.parametrize("family", registry.families())
def test_table_has_every_vector_the_header_declares(family: str) -> None:
    cases = _cases(family)
    per_kernel: dict[str, int] = {}
    for c in cases:
        assert c.index == per_kernel.get(c.kernel, 0), "indices count up per kernel"
        per_kernel[c.kernel] = c.index + 1
    declared = _header_counts(family)
    if declared:
        assert per_kernel == declared
    else:   # pool.h / softmax.h: one table for the family
        assert sum(per_kernel.values()) == xtarget.count_vectors(VECTORS / f"{family}.h") > 0
    assert set(per_kernel) == {k.name for k in registry.kernels_of(family)}
    # the same vectors by name: nothing dropped, nothing invented
    header_names = re.findall(r'^\s*\{ "([^"]+)",', (VECTORS / f"{family}.h").read_text(), re.MULTILINE)
    assert sorted(c.name for c in cases) == sorted(header_names)


def test_integer_requant_core_runs_the_half_away_ratio_vectors() -> None:
    doc = json.loads((VECTORS / "requant.json").read_text())
    want = {v["name"] for v in doc["vectors"] if v["kernel"] == "requant_dynamic"
            and v["args"].get("rounding", "half_away") == "half_away" and v["args"].get("order", "ratio") == "ratio"}
    got = {c.name for c in _cases("requant") if [cl.entry for cl in c.calls]
           == ["sym_requant_dynamic_ex", "sym_requant_dynamic", "sym_intreq_requant_dynamic"]}
    assert got == want and len(want) > 10
    for c in _cases("requant"):
        proto = c.calls[1]
        for cl in c.calls[2:]:
            assert cl.prefix == "intreq_" and cl.status == proto.status
            assert [o.exp for _, o in cl.outs] == [o.exp for _, o in proto.outs]


@pytest.mark.parametrize("family", ["round", "convert", "requant", "accumulate"])
def test_primitives_run_their_ex_entry_point_and_their_prototype(family: str) -> None:
    # every vector: the _ex entry point (error detail checked) and the old prototype, same status and RNG
    for c in _cases(family):
        ex, proto = c.calls[:2]
        assert (ex.entry, proto.entry) == (f"sym_{c.kernel}_ex", f"sym_{c.kernel}")
        assert ex.is_struct and not proto.is_struct and proto.prefix == xtarget_table.PROTOTYPE_PREFIX
        assert ex.status == proto.status and ex.check_rng and proto.check_rng
        assert (ex.rng_in, ex.rng_out) == (proto.rng_in, proto.rng_out)


@pytest.mark.parametrize("family", registry.families())
def test_table_builds_warning_free_with_the_runner(family: str, tmp_path: Path) -> None:
    (tmp_path / "xt_cases.h").write_text(xtarget_render.family_table(family, VECTORS, INCLUDE))
    proc = subprocess.run(["gcc", "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off",
                           f"-I{tmp_path}", f"-I{INCLUDE}", f"-I{XTARGET}", "-fsyntax-only",
                           str(XTARGET / "run_table.c")], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_layer_step_fill_follows_the_struct_declaration() -> None:
    is_struct, items = xtarget_table.entry_items("sym_linear_backward", INCLUDE)
    assert is_struct
    cats = {it.name: xtarget_table.category(it) for it in items}
    assert cats["x"] == "cview" and cats["grad_b"] == "opt_cview" and cats["new_grad_b"] == "view"
    assert cats["round"] == "round" and cats["scratch"] == "scratch" and cats["batch"] == "int"
    # a ConvTranspose1d step takes the Conv1d struct through a typedef
    assert xtarget_table.entry_items("sym_conv_transpose1d_forward", INCLUDE) == \
        xtarget_table.entry_items("sym_conv1d_forward", INCLUDE)
    is_struct, params = xtarget_table.entry_items("sym_accumulate_dynamic", INCLUDE)
    assert not is_struct
    assert [xtarget_table.category(p) for p in params] == [
        "i32_out", "int", "f32_out", "int", "i32_in", "int", "float", "int", "rng"]


def test_unknown_declarations_are_named() -> None:
    with pytest.raises(XtableError, match="sym_no_such_entry"):
        xtarget_table.entry_items("sym_no_such_entry", INCLUDE)
    with pytest.raises(XtableError, match=r"double \* weights"):
        xtarget_table.category(CItem(False, "double", True, "weights"))


def test_alternate_without_a_rule_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    k = registry.kernel("requant_fixed")
    fake = dataclasses.replace(k, c_alternates=("sym_requant_dynamic",))
    monkeypatch.setattr(registry, "kernels_of", lambda fam: (fake,))
    doc = json.loads((VECTORS / "requant.json").read_text())
    with pytest.raises(XtableError, match="requant_fixed: alternate C entry point sym_requant_dynamic has no rule"):
        xtarget_table.build_cases("requant", doc, INCLUDE)


def test_vector_without_its_argument_is_named(tmp_path: Path) -> None:
    (tmp_path / "round.json").write_text(json.dumps({"family": "round", "vectors": [
        {"name": "v", "kernel": "round_half_away", "args": {}, "expect": {"status": "SYM_OK", "value": 1}}]}))
    with pytest.raises(XtableError, match="round.json"):
        xtarget_render.family_table("round", tmp_path, INCLUDE)
    (tmp_path / "round.json").write_text(json.dumps({"family": "round", "vectors": []}))
    with pytest.raises(XtableError, match="no C-expressible vector"):
        xtarget_render.family_table("round", tmp_path, INCLUDE)


_HOST_SEMIHOST = r"""
/* The harness' output calls on the host: stdout and exit(). */
#include <stdio.h>
#include <stdlib.h>
#include "semihost.h"

void xt_puts(const char *s) { fputs(s, stdout); }
void xt_put_u32(uint32_t v) { printf("%lu", (unsigned long)v); }
void xt_put_i32(int32_t v) { printf("%ld", (long)v); }
void xt_put_hex(uint32_t v) { printf("0x%08lx", (unsigned long)v); }
void xt_flush(void) { fflush(stdout); }
void xt_exit(int code) { fflush(stdout); exit(code); }
"""


@pytest.fixture(scope="module")
def host_objects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The kernels, the harness and a stdout shim, built for the host under
    ASan + UBSan (no recovery), -std=c99 -Wall -Wextra -Werror."""
    out = tmp_path_factory.mktemp("xt_host")
    (out / "host_semihost.c").write_text(_HOST_SEMIHOST)
    sources = [*sorted((ROOT / "kernels" / "src").glob("*.c")), XTARGET / "harness.c", XTARGET / "main.c",
               out / "host_semihost.c"]
    for src in sources:
        subprocess.run(["gcc", *_HOST_FLAGS, f"-I{INCLUDE}", f"-I{ROOT / 'kernels' / 'src'}", f"-I{XTARGET}",
                        "-c", str(src), "-o", str(out / f"{src.stem}.o")], check=True)
    return out


_HOST_FLAGS = ("-std=c99", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off", "-fno-fast-math",
               "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer")


@pytest.mark.parametrize("family", registry.families())
def test_table_runner_is_sanitizer_clean_and_bit_exact_on_the_host(host_objects: Path, family: str,
                                                                    tmp_path: Path) -> None:
    """The same runner and table on x86-64 under ASan + UBSan: every vector
    passes (the kernels are bit-exact on the host too) and no buffer of the
    runner or the table is read or written out of bounds."""
    (tmp_path / "xt_cases.h").write_text(xtarget_render.family_table(family, VECTORS, INCLUDE))
    objs = [str(p) for p in sorted(host_objects.glob("*.o"))]
    exe = tmp_path / "runner"
    subprocess.run(["gcc", *_HOST_FLAGS, f"-I{tmp_path}", f"-I{INCLUDE}", f"-I{XTARGET}", str(XTARGET / "run_table.c"),
                    *objs, "-lm", "-o", str(exe)], check=True)
    proc = subprocess.run([str(exe)], capture_output=True, text=True, check=False, timeout=120)
    result = xtarget.RunResult("host", family, proc.returncode, xtarget.count_vectors(VECTORS / f"{family}.h"))
    xtarget.parse_report(result, proc.stdout)
    assert proc.returncode == 0 and result.failures == [], proc.stdout[-2000:] + proc.stderr[-3000:]
    assert result.run == result.passed == result.expected > 0 and result.selftest_ok
