"""Crash safety of ``symverify goldgen``: the vector set changes as a whole.

A real goldgen run into a temporary copy is SIGKILLed (at random delays, and
at every rename / fsync of its write phase), then the directory must hold the
old set, the new set, or a set whose mismatch with ``SHA256SUMS`` is named by
``--check``; the next run must leave exactly the new set and no temporaries.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from symverify.cli import cli
from symverify.goldgen import generate as gen
from symverify.goldgen import vectorset as vs

VECTOR_DIR = gen.vectors_dir()
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def results():
    return gen.compute()


def _old_version(name: str, data: bytes) -> bytes:
    """A different but well-formed version of a generated file (an older set)."""
    if name.endswith(".json"):
        doc = json.loads(data)
        doc["note"] = "an older vector set"
        return (json.dumps(doc, indent=2) + "\n").encode()
    return data + b"/* an older vector set */\n"


@pytest.fixture(scope="module")
def sets():
    """(old, new): {file name: bytes} of a consistent older set and of the committed set."""
    new = {p.name: p.read_bytes() for p in VECTOR_DIR.iterdir() if p.is_file()}
    assert vs.MANIFEST in new and len(new) >= 12
    old = {n: _old_version(n, d) for n, d in new.items() if n != vs.MANIFEST}
    old[vs.MANIFEST] = vs.render_manifest(old).encode()
    return old, new


def _install(directory: Path, files: dict[str, bytes]) -> None:
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir()
    for name, data in files.items():
        (directory / name).write_bytes(data)


def _state(directory: Path, old: dict[str, bytes], new: dict[str, bytes]) -> str:
    have = {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}
    if have == old:
        return "old"
    if have == new:
        return "new"
    return "mixed"


def _assert_consistent_after_kill(directory: Path, old, new, results) -> str:
    """The state after a kill is old, new, or mixed and then named; the next
    run completes it: the new set, no temporaries."""
    state = _state(directory, old, new)
    if state == "mixed":
        problems = vs.verify(directory)
        assert problems, "a mixed set must disagree with its manifest"
        rows = {r.family: r for r in gen.check(directory, results)}
        assert rows[vs.MANIFEST].status in ("mixed", "stale"), rows[vs.MANIFEST]
        with pytest.raises(vs.VectorFileError, match="inconsistent vector set"):
            vs.check_set(sorted(directory.glob("*.json")) + sorted(directory.glob("*.h")))
    gen.write(directory, results)
    assert _state(directory, old, new) == "new"
    assert sorted(p.name for p in directory.iterdir()) == sorted(new), "temporaries left behind"
    assert vs.verify(directory) == []
    return state


def test_sigkill_at_every_write_step_is_detected_then_completed(tmp_path, sets, results):
    """Fork a writer and SIGKILL it right before its k-th rename (and k-th
    fsync), for every k: each intermediate state is detected, and repaired by
    the next run."""
    old, new = sets
    target = tmp_path / "vectors"
    seen = {}
    for hook in ("replace", "fsync"):
        for k in range(len(new) + 2):
            _install(target, old)
            pid = os.fork()
            if pid == 0:  # the writer, killed by itself at its k-th call
                try:
                    real = getattr(os, hook)
                    calls = [0]

                    def killing(*args, _real=real, _calls=calls, _k=k):
                        if _calls[0] == _k:
                            os.kill(os.getpid(), signal.SIGKILL)
                        _calls[0] += 1
                        return _real(*args)

                    setattr(os, hook, killing)
                    gen.write(target, results)
                finally:
                    os._exit(0)
            _, status = os.waitpid(pid, 0)
            killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            state = _assert_consistent_after_kill(target, old, new, results)
            seen[(hook, k)] = (killed, state)
    assert ("old" in {s for _, s in seen.values()}) and ("mixed" in {s for _, s in seen.values()}), seen
    # every rename after the first and before the manifest leaves a mixed set, which was named above
    assert sum(s == "mixed" for _, s in seen.values()) >= len(new) - 2, seen


def test_random_sigkill_of_the_cli(tmp_path, sets, results):
    """SIGKILL real `symverify goldgen --out DIR` runs at random points (a
    bounded number, about 15 s in all): half at a random delay into the run,
    half a random 0-30 ms after its staging directory appears (the write phase
    is a few ms of a run of about half a second)."""
    old, new = sets
    target = tmp_path / "vectors"
    cmd = [sys.executable, "-m", "symverify", "goldgen", "--out", str(target)]
    _install(target, old)
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
    full = time.perf_counter() - t0
    rng = random.Random(int(os.environ.get("GOLDGEN_KILL_SEED", "16")))
    outcomes = []
    deadline = time.perf_counter() + 15.0
    while len(outcomes) < 20 and time.perf_counter() < deadline:
        _install(target, old)
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if rng.random() < 0.5:
            time.sleep(rng.uniform(0.0, full))
        else:
            give_up = time.perf_counter() + 5 * full + 5.0
            while (proc.poll() is None and time.perf_counter() < give_up
                   and not any(target.glob(f"{vs.STAGING_PREFIX}*"))):
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.03))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        outcomes.append((proc.returncode, _assert_consistent_after_kill(target, old, new, results)))
    assert len(outcomes) >= 5, outcomes
    assert sum(rc == -signal.SIGKILL for rc, _ in outcomes) >= len(outcomes) // 3, f"runs not killed: {outcomes}"


def test_next_run_removes_stale_temporaries_and_check_names_them(tmp_path, results):
    target = tmp_path / "vectors"
    shutil.copytree(VECTOR_DIR, target)
    legacy = target / ".requant.json.k3j2x.tmp"   # left by the writer before the staging directory
    legacy.write_text("{")
    stage = target / f"{vs.STAGING_PREFIX}abc"
    stage.mkdir()
    (stage / "round.json").write_text("{")
    res = CliRunner().invoke(cli, ["goldgen", "--check", "--out", str(target)])
    assert res.exit_code == 1, res.output
    assert "stale" in res.output and legacy.name in res.output and stage.name in res.output
    res = CliRunner().invoke(cli, ["goldgen", "--out", str(target)])
    assert res.exit_code == 0, res.output
    assert not legacy.exists() and not stage.exists()
    assert CliRunner().invoke(cli, ["goldgen", "--check", "--out", str(target)]).exit_code == 0


def test_check_names_a_mixed_set(tmp_path, sets):
    """One file from an older run next to the new ones: --check names the file
    and the set (the manifest), mutate's loader refuses it."""
    old, _new = sets
    target = tmp_path / "vectors"
    shutil.copytree(VECTOR_DIR, target)
    (target / "round.h").write_bytes(old["round.h"])
    res = CliRunner().invoke(cli, ["goldgen", "--check", "--out", str(target)])
    assert res.exit_code == 1
    assert "mixed" in res.output and "round.h: content differs from SHA256SUMS" in res.output
    with pytest.raises(vs.VectorFileError, match=r"round\.h: content differs"):
        vs.check_set([target / "round.h", target / "round.json"])
    vs.check_set([target / "round.json"])  # the files that do match are accepted


def test_write_refuses_a_directory_in_place_of_a_file_and_writes_nothing(tmp_path, results):
    target = tmp_path / "vectors"
    shutil.copytree(VECTOR_DIR, target)
    (target / "round.json").write_text("{}")
    (target / "requant.h").unlink()
    (target / "requant.h").mkdir()
    res = CliRunner().invoke(cli, ["goldgen", "--out", str(target)])
    assert res.exit_code == 3, res.output
    assert "requant.h" in res.output and "is a directory" in res.output
    assert (target / "round.json").read_text() == "{}", "nothing may be written"
    assert vs.stale_temporaries(target, ["round.json"]) == []
