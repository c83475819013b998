"""`symverify goldgen --emit unity|plain DIR`: the emitted C tests, compiled
against symverify's own kernels through an adapter (every vector bit-exact)
and against a planted-bug copy (the failing vectors are named)."""
from __future__ import annotations

import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from symverify import build
from symverify.cli import cli
from symverify.goldgen.emit_unity import FAMILIES

DATA = Path(__file__).parent / "data" / "emit"
KERNELS = ("sym_round.c", "sym_convert.c", "sym_requant.c", "sym_accumulate.c", "sym_support.c", "sym_status.c")
FLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off"]

def _vector_count(families=tuple(FAMILIES)) -> int:
    vectors = Path(str(resources.files("symverify.goldgen"))) / "vectors"
    return sum(int(n) for fam in families
               for n in re.findall(r"#define SYM_GOLDEN_\w+_COUNT (\d+)", (vectors / f"{fam}.h").read_text()))


def _emit(framework: str, out: Path, *families: str) -> None:
    args = ["goldgen", "--emit", framework, str(out)] + [a for f in families for a in ("--family", f)]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output


def _kernel_copy(tmp: Path, planted: bool) -> Path:
    src = tmp / ("bug" if planted else "ok")
    src.mkdir()
    for name in KERNELS:
        shutil.copy(build.kernel_dir() / "src" / name, src / name)
    if planted:  # ties to even instead of away from zero: the classic rounding bug
        p = src / "sym_round.c"
        text = p.read_text()
        assert "r = roundf(v);" in text
        p.write_text(text.replace("r = roundf(v);", "r = rintf(v);"))
    return src


def _compile(out: Path, sources: list[Path], exe: Path) -> None:
    inc = build.kernel_dir() / "include"
    cmd = [build.find_compiler(), *FLAGS, f"-I{out}", f"-I{inc}", *map(str, sources), "-lm", "-o", str(exe)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def _run(exe: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("planted", [False, True], ids=["own-kernels", "planted-bug"])
def test_plain_harness(tmp_path, planted):
    out = tmp_path / "emit"
    _emit("plain", out)
    shutil.copy(DATA / "sv_adapter_symverify.c", out / "sv_adapter.c")
    kern = _kernel_copy(tmp_path, planted)
    exe = tmp_path / "sv"
    _compile(out, sorted(out.glob("*.c")) + [kern / k for k in KERNELS], exe)
    res = _run(exe)
    n = _vector_count()
    assert n > 250
    if not planted:
        assert res.returncode == 0, res.stdout
        assert f"sv: {n} vectors: {n} bit-exact, 0 differ, 0 skipped" in res.stdout
    else:
        assert res.returncode == 1, res.stdout
        assert "FAIL round_half_away[0] tie_pos_2_5: out: expected 3, got 2" in res.stdout
        fails = re.findall(r"^FAIL (\w+)\[", res.stdout, re.M)
        assert {"round_half_away", "float_to_sym"} <= set(fails)
        assert "tie_neg_2_5" in res.stdout


@pytest.mark.parametrize("planted", [False, True], ids=["own-kernels", "planted-bug"])
def test_unity_tests(tmp_path, planted):
    out = tmp_path / "emit"
    _emit("unity", out, "round", "requant")
    assert sorted(p.name for p in out.glob("test_sv_*.c")) == ["test_sv_requant.c", "test_sv_round.c"]
    assert not (out / "convert.h").exists()
    shutil.copy(DATA / "sv_adapter_symverify.c", out / "sv_adapter.c")
    shutil.copy(DATA / "unity.h", out / "unity.h")
    kern = _kernel_copy(tmp_path, planted)
    common = [out / "sv_check_common.c", out / "sv_adapter.c", DATA / "unity.c", *(kern / k for k in KERNELS)]
    for fam in ("round", "requant"):
        exe = tmp_path / f"t_{fam}"
        _compile(out, [out / f"test_sv_{fam}.c", out / f"sv_check_{fam}.c", *common], exe)
        res = _run(exe)
        n = _vector_count([fam])
        tally = re.search(r"(\d+) Tests (\d+) Failures (\d+) Ignored", res.stdout)
        assert tally and int(tally.group(1)) == n, res.stdout
        if not planted:
            assert res.returncode == 0 and tally.group(2) == "0" and tally.group(3) == "0", res.stdout
        elif fam == "round":
            assert res.returncode != 0 and int(tally.group(2)) > 0, res.stdout
            assert ":test_round_half_away_tie_pos_2_5:FAIL: out: expected 3, got 2" in res.stdout
        else:  # requant rounds through the planted sym_sat_round too
            assert res.returncode != 0 and re.search(r":test_requant_\w+:FAIL: ", res.stdout), res.stdout


def test_adapter_kept_and_template_refuses_to_build(tmp_path):
    out = tmp_path / "emit"
    _emit("plain", out, "round")
    template = (out / "sv_adapter.c").read_text()
    assert "#error" in template  # an unfilled adapter can never pass
    proc = subprocess.run([build.find_compiler(), "-std=c99", f"-I{out}", "-c", str(out / "sv_adapter.c"), "-o",
                           str(tmp_path / "a.o")], capture_output=True, text=True)
    assert proc.returncode != 0 and "fill in sv_adapter.c" in proc.stderr
    (out / "sv_adapter.c").write_text("/* mine */\n")
    res = CliRunner().invoke(cli, ["goldgen", "--emit", "plain", str(out), "--family", "round"])
    assert res.exit_code == 0 and "kept" in res.output
    assert (out / "sv_adapter.c").read_text() == "/* mine */\n"


def test_skips_are_not_passes(tmp_path):
    out = tmp_path / "emit"
    _emit("plain", out, "round")
    (out / "sv_adapter.c").write_text('#include "sv_adapter.h"\nint sv_round_half_away(float x, int32_t *out)\n'
                                      "{\n    (void)x;\n    (void)out;\n    return (int)SV_SKIP;\n}\n")
    exe = tmp_path / "sv"
    _compile(out, sorted(out.glob("*.c")), exe)
    res = _run(exe)
    assert res.returncode == 1 and "no vector was checked" in res.stdout


def test_emit_bad_arguments(tmp_path):
    res = CliRunner().invoke(cli, ["goldgen", "--emit", "cmocka", str(tmp_path)])
    assert res.exit_code == 2 and "cmocka" in res.output
    res = CliRunner().invoke(cli, ["goldgen", "--emit", "plain", str(tmp_path), "--family", "layers"])
    assert res.exit_code == 2 and "'layers'" in res.output
    f = tmp_path / "file"
    f.write_text("x")
    res = CliRunner().invoke(cli, ["goldgen", "--emit", "plain", str(f)])
    assert res.exit_code == 2 and "not a directory" in res.output
    res = CliRunner().invoke(cli, ["goldgen", "--family", "round"])
    assert res.exit_code == 2 and "--emit" in res.output


def test_emitted_families_match_the_registry():
    """The hand-written emit tables cover exactly the registered primitive kernels."""
    from symverify import registry

    primitive = {f: tuple(k.name for k in registry.kernels_of(f)) for f in registry.primitive_families()}
    assert FAMILIES == primitive
    emit_c = Path(str(resources.files("symverify.goldgen"))) / "emit_c"
    adapter = (emit_c / "sv_adapter.h").read_text()
    for fam, kernels in FAMILIES.items():
        checks = (emit_c / f"sv_check_{fam}.c").read_text()
        for k in kernels:
            assert f"int sv_{k}(" in adapter, k
            assert f"int sv_check_{k}(uint32_t i" in checks and f"sv_{k}(" in checks, k
