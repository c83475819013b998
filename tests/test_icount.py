"""Instruction counts on unicorn (``symverify icount``, symverify/icount/).

The counter is checked against hand-derived counts (tests/data/icount/
count_loop.S), its runs against QEMU and the host (same report text, same
float32 step output, every golden vector bit-exact on the target), and the
CLI against bad arguments. Needs unicorn (the test extra) and the Cortex-M
toolchain (the ``tools`` fixture: a skip locally, a failure under
SYMVERIFY_REQUIRE_XTARGET=1).
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from symverify import xtarget as xt
from symverify.cli import cli

DATA = Path(__file__).parent / "data" / "icount"


def _machine(icount, tools, core: str, exact: bool = False):
    from symverify.icount.images import BIG_MEMORY, function_image, linker_script_path

    elf = icount.read_elf(function_image(xt.CORES[core], [DATA / "count_loop.S"], tools, kernels=False))
    return icount.Machine(core, elf, icount.memory_regions(linker_script_path(BIG_MEMORY)), exact=exact)


# --------------------------------------------------------------------------
# the counter itself
# --------------------------------------------------------------------------

def test_memory_regions_of_the_board_scripts(icount, tmp_path):
    from symverify.icount.images import linker_script_path

    micro = icount.memory_regions(linker_script_path("microbit.ld"))
    assert [(r.name, r.origin, r.length) for r in micro] == [("FLASH", 0, 256 * 1024),
                                                             ("RAM", 0x20000000, 16 * 1024)]
    mps2 = icount.memory_regions(linker_script_path("mps2.ld"))
    assert [(r.origin, r.length) for r in mps2] == [(0, 4 << 20), (0x20000000, 4 << 20)]
    bad = tmp_path / "x.ld"
    bad.write_text("SECTIONS { }")
    with pytest.raises(ValueError, match="no MEMORY block"):
        icount.memory_regions(bad)


def test_thumb_widths(icount):
    # nop (16-bit), mov.w r0, #0 (32-bit: first halfword 0xF04F), vadd.f32 (0xEE30...), bx lr
    code = bytes.fromhex("00bf") + bytes.fromhex("4ff00000") + bytes.fromhex("30ee000a") + bytes.fromhex("7047")
    assert icount.thumb_instructions(code) == 4
    assert icount.thumb_instructions(bytes.fromhex("00bf" * 7)) == 7
    assert icount.thumb_instructions(bytes.fromhex("4ff00000" * 3)) == 3


@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize("core", list(xt.CORES))
def test_known_loop_count(icount, tools, core, exact):
    """icount_loop(n) executes movs + n x (adds, subs, bne) + movs + bx = 3n + 3."""
    m = _machine(icount, tools, core, exact)
    for n in (1, 5, 100, 1000):
        out = m.call("icount_loop", [n])
        assert out.error is None
        assert m.r0() == n
        assert out.instructions == 3 * n + 3
        assert [(c.function, c.instructions, c.depth) for c in out.calls] == [("icount_loop", 3 * n + 3, 0)]


@pytest.mark.parametrize("core", list(xt.CORES))
def test_nested_call_is_tracked(icount, tools, core):
    """icount_outer = push, bl, adds, pop around icount_loop: 4 + (3n + 3); the
    inner call is recorded at depth 1 with its own count."""
    m = _machine(icount, tools, core)
    out = m.call("icount_outer", [7], watch=["icount_loop"])
    assert m.r0() == 8
    assert [(c.function, c.instructions, c.depth) for c in out.calls] == [
        ("icount_loop", 24, 1), ("icount_outer", 28, 0)]


@pytest.mark.parametrize("core", ["m4", "m7"])
def test_it_block_counting(icount, tools, core):
    """cmp, ite, moveq, movne, bx: the block count includes the conditional
    move whose condition fails (5), the per-instruction hook skips it (4)."""
    for exact, expected in ((False, 5), (True, 4)):
        m = _machine(icount, tools, core, exact)
        for x, r in ((0, 1), (7, 2)):
            out = m.call("icount_it", [x])
            assert (m.r0(), out.instructions) == (r, expected)


def test_runaway_and_bad_access_are_errors(icount, tools):
    m = _machine(icount, tools, "m0plus")
    m.budget = 10_000
    assert "budget of 10000 exceeded" in m.call("icount_spin").error
    out = m.call("icount_load", [0x90000000])
    assert "invalid memory access" in out.error and "0x90000000" in out.error


def test_bad_elf_is_named(icount, tmp_path):
    bad = tmp_path / "x.elf"
    bad.write_bytes(b"not an elf at all" * 4)
    with pytest.raises(icount.ElfError, match=re.escape(str(bad))):
        icount.read_elf(bad)


def test_block_and_exact_agree_without_it_blocks(icount, tools):
    """ARMv6-M has no IT: both counting modes give the same count for every
    kernel call of a whole family image on the M0+."""
    from symverify.icount.vectors import count_family

    fast = count_family(xt.CORES["m0plus"], "layers", tools)
    exact = count_family(xt.CORES["m0plus"], "layers", tools, exact=True)
    assert fast.ok and exact.ok
    assert [c.instructions for c in fast.calls] == [c.instructions for c in exact.calls]
    assert fast.instructions == exact.instructions > 0


# --------------------------------------------------------------------------
# unicorn runs the same objects as QEMU, with the same results
# --------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("core", list(xt.CORES))
def test_every_golden_family_bit_exact_on_unicorn(icount, tools, core):
    from symverify.icount.vectors import count_family, kernel_stats

    counts = [count_family(xt.CORES[core], f, tools) for f in xt.FAMILIES]
    for fc in counts:
        assert fc.ok, (fc.family, fc.problems(), fc.result.failures[:5])
        assert fc.result.run == fc.result.expected > 0
    stats = kernel_stats(counts)
    counted = {s.kernel for s in stats if s.ok_calls > 0}
    from symverify import registry

    assert counted == {k.name for k in registry.KERNELS if k.c_entry_points}
    assert all(s.min > 0 for s in stats if s.ok_calls)


@pytest.mark.parametrize("core, family", [("m0plus", "convert"), ("m4", "layers"), ("m7", "layers")])
def test_unicorn_report_equals_qemu_report(icount, tools, core, family):
    """The harness report (every vector's name and pass, the self-test line)
    is the same text on unicorn as on QEMU: soft-float on the M0+, FPv4 on
    the M4, FPv5 on the M7."""
    from symverify.icount.vectors import count_family

    image = xt.build_image(xt.CORES[core], family, tools)
    qemu = xt.run_image(image, tools)
    uni = count_family(xt.CORES[core], family, tools)
    assert qemu.ok and uni.ok
    assert uni.result.output == qemu.output
    assert uni.elf == image.elf


def test_corrupted_vector_fails_on_unicorn(icount, tools, tmp_path):
    """A vector file with one expected result off by one (the runner's case
    table is generated from it): the unicorn run reports exactly that
    mismatch and is not ok (a counter that ignores the report would count a
    wrong kernel)."""
    from symverify.icount.vectors import count_family

    vdir = tmp_path / "vectors"
    shutil.copytree(xt.vectors_dir(), vdir)
    path = vdir / "round.json"
    doc = json.loads(path.read_text())
    first = next(v for v in doc["vectors"] if v["expect"]["status"] == "SYM_OK")
    first["expect"]["value"] += 1
    path.write_text(json.dumps(doc))
    fc = count_family(xt.CORES["m4"], "round", tools, vectors=vdir)
    assert not fc.ok
    # the vector fails through its _ex entry point and through its prototype (proto_)
    assert len(fc.result.failures) == 2 and all(f.startswith("round_half_away 0 ") for f in fc.result.failures)


# --------------------------------------------------------------------------
# one training sample
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ecg_step(icount, tools):
    from symverify.icount.step import count_step

    return count_step(Path(__file__).parents[1] / "examples" / "ecg5000_mlp.toml",
                      [xt.CORES["m0plus"], xt.CORES["m4"]], tools)


def test_step_is_bit_exact_and_counted(ecg_step):
    """Every kernel call of the ECG step ran bit-exactly on the target (the
    fc1 backward needs the full linear_backward scratch), in sym_ops order."""
    labels = ["input.to_sym", "fc1.forward", "q1.forward", "ln.forward", "q2.forward", "fc2.forward",
              "loss.mse", "fc2.backward", "q2.backward", "ln.backward", "q1.backward", "fc1.backward",
              "fc1.sgd_w", "fc1.sgd_b", "fc2.sgd_w", "fc2.sgd_b"]
    for r in ecg_step:
        assert r.sym_ok, r.sym_problems
        assert r.f32_ok, r.f32_problems
        assert [label for label, _, _ in r.sym_calls] == labels
        assert all(n > 0 for _, _, n in r.sym_calls)
        assert r.f32_instructions > 0
    m0, m4 = ecg_step
    # no FPU: every float operation is a soft-float call on the M0+
    assert m0.sym_instructions > 3 * m4.sym_instructions
    assert m0.f32_instructions > 10 * m4.f32_instructions


def test_f32_output_differing_from_host_is_reported(icount, tools, tmp_path):
    """The core's float32 step output must equal the host's: a different host
    line is a problem, not a pass."""
    from symverify.icount import f32ref, step
    from symverify.model.factory import build_model
    import symverify.kernels as ck

    model = build_model(Path(__file__).parents[1] / "examples" / "har_mlp.toml", ck, seed=0)
    x, _ = step.sample(model, 0)
    target = np.zeros((1, 7), np.float32)
    target[0, 0] = 1
    (tmp_path / "f32_model.h").write_text(f32ref.render_f32_model(model, x, target, 0.1))
    host = f32ref.run_f32_host(tmp_path)
    n, _, problems = f32ref.count_f32_step(xt.CORES["m7"], tools, tmp_path, host)
    assert problems == [] and n > 0
    wrong = re.sub(r"hash=0x([0-9a-f])", lambda m: "hash=0x" + "0123456789abcdef"[(int(m.group(1), 16) + 1) % 16], host)
    _, _, problems = f32ref.count_f32_step(xt.CORES["m7"], tools, tmp_path, wrong)
    assert len(problems) == 1 and "differs from the host" in problems[0]


def test_f32_step_matches_float_twin(icount, tmp_path):
    """The float32 C step (host build) gives the numpy float twin's loss at
    batch 1 (sums in another order: close, not bit-equal)."""
    from symverify.icount import f32ref, step
    from symverify.model.factory import build_model
    from symverify.training.twin import FloatTwin
    import symverify.kernels as ck

    model_file = Path(__file__).parents[1] / "examples" / "ecg5000_mlp.toml"
    model = build_model(model_file, ck, seed=0)
    x, y = step.sample(model, 0)
    target = np.zeros((1, 5), np.float32)
    target[0, 0] = 1
    (tmp_path / "f32_model.h").write_text(f32ref.render_f32_model(model, x, target, 0.1))
    line = f32ref.run_f32_host(tmp_path)
    m = re.match(r"F32 STEP status=0 loss=0x([0-9a-f]{8}) hash=0x[0-9a-f]{8}", line)
    assert m, line
    c_loss = np.array([int(m.group(1), 16)], np.uint32).view(np.float32)[0]
    twin_loss = FloatTwin(model).step(x, target, 0.1)
    assert c_loss == pytest.approx(float(twin_loss), rel=1e-5)


# --------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------

def _run(args):
    return CliRunner().invoke(cli, ["icount", *args])


def test_cli_kernel_table(icount, tools, tmp_path):
    out = tmp_path / "ic.json"
    res = _run(["--cpu", "m7", "--family", "round", "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "round_half_away" in res.output and "PASS" in res.output
    import json

    data = json.loads(out.read_text())
    (row,) = data["kernels"]
    assert row["kernel"] == "round_half_away" and row["ok_calls"] > 0 and row["median"] > 0


@pytest.mark.parametrize("args, hint", [
    (["--cpu", "m3"], "--cpu"),
    (["--family", "nosuch"], "family"),
    (["--vectors", "/nonexistent/dir"], "--vectors"),
    (["--model", "/nonexistent/model.toml"], "--model"),
    (["--json", "/nonexistent/dir/x.json"], "--json"),
    (["--seed", "-1"], "--seed"),
    (["--no-kernels"], "--no-kernels"),
])
def test_cli_usage_errors(args, hint):
    res = _run(args)
    assert res.exit_code == 2, res.output
    assert hint in res.output


def test_cli_bad_vector_header_is_3(tmp_path):
    (tmp_path / "round.h").write_bytes(b"\x00\xff binary")
    res = _run(["--family", "round", "--vectors", str(tmp_path)])
    assert res.exit_code == 3, res.output
    assert "round.h" in res.output


def test_cli_vector_file_that_does_not_build_is_3(icount, tools, tmp_path):
    # valid JSON, but a vector without its argument: no case table can be built
    (tmp_path / "round.h").write_text("#define SYM_GOLDEN_ROUND_ROUND_HALF_AWAY_COUNT 1\n")
    (tmp_path / "round.json").write_text('{"family": "round", "vectors": [{"name": "v", "kernel": '
                                         '"round_half_away", "args": {}, "expect": {"status": "SYM_OK"}}]}')
    res = _run(["--cpu", "m4", "--family", "round", "--vectors", str(tmp_path)])
    assert res.exit_code == 3, res.output
    assert "bad vector file" in res.output and "round.json" in res.output


def test_cli_missing_vector_file_is_3(tmp_path):
    (tmp_path / "relu.h").write_text("#define SYM_GOLDEN_RELU_RELU_FORWARD_COUNT 1\n")
    res = _run(["--family", "relu", "--vectors", str(tmp_path)])
    assert res.exit_code == 3, res.output
    assert "relu.json" in res.output


def test_cli_missing_vector_header_is_3(tmp_path):
    res = _run(["--family", "relu", "--vectors", str(tmp_path)])
    assert res.exit_code == 3, res.output
    assert "relu.h" in res.output


def test_cli_bad_model_file_is_3(icount, tools, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[layer]]\nname = "fc"\nkind = "linear"\nin_featurs = 4\n')
    res = _run(["--no-kernels", "--cpu", "m4", "--model", str(bad)])
    assert res.exit_code == 3, res.output
    assert "bad.toml" in res.output


@pytest.mark.parametrize("core", list(xt.CORES))
def test_call_runs_float_code_without_startup(icount, tools, core):
    """Machine.call needs no startup: the M4/M7 FPU is usable (VDIV, result
    in s0), the M0+ calls the soft-float division (result in r0, far more
    instructions)."""
    import struct

    from unicorn.arm_const import UC_ARM_REG_S0

    from symverify.icount.images import BIG_MEMORY, function_image, linker_script_path

    elf = icount.read_elf(function_image(xt.CORES[core], [DATA / "fdiv.c"], tools, kernels=False))
    m = icount.Machine(core, elf, icount.memory_regions(linker_script_path(BIG_MEMORY)))
    out = m.call("icount_fdiv", [m.put(struct.pack("<ff", 1.0, 3.0))])
    assert out.error is None
    bits = m.r0() if core == "m0plus" else m.uc.reg_read(UC_ARM_REG_S0)
    assert struct.unpack("<f", struct.pack("<I", bits))[0] == np.float32(1.0) / np.float32(3.0)
    assert (out.instructions > 100) if core == "m0plus" else (out.instructions < 10)


def test_cli_model_whose_step_fails_is_3(icount, tools):
    """mlp_int16_breaks.toml builds, but its step is refused by a kernel (the
    raw accumulator enters a Linear): a named error, exit 3, no traceback."""
    res = _run(["--no-kernels", "--cpu", "m4", "--model",
                str(Path(__file__).parents[1] / "examples" / "mlp_int16_breaks.toml")])
    assert res.exit_code == 3, res.output
    assert "mlp_int16_breaks.toml" in res.output and "SYM_ERR_BAD_WIDTH" in res.output


def test_f32_reference_names_a_kind_it_lacks(icount):
    """A layer kind without a float32 reference is a StepError naming the
    layer (count_step then counts the SYM side alone, f32_missing set)."""
    from types import SimpleNamespace

    import symverify.kernels as ck
    from symverify.icount import f32ref, step
    from symverify.model.factory import build_model

    model = build_model(Path(__file__).parents[1] / "examples" / "ecg5000_mlp.toml", ck, seed=0)
    model.layers[0] = SimpleNamespace(kind="conv1d", name="conv1", params=dict)
    with pytest.raises(step.StepError, match="conv1.*no float32 reference"):
        f32ref.render_f32_model(model, np.zeros((1, 140), np.float32), np.zeros((1, 5), np.float32), 0.1)
    rec = step.StepCount("m4", "x.toml", sym_ok=True, f32_missing="layer 'conv1': ...")
    assert rec.ok and not step.StepCount("m4", "x.toml", sym_ok=True).ok
