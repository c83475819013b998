"""`symverify mutate --project`: mutation scoring of an outside C project
(tests/data/sympro: a tiny SYM requant library with a weak and a strong
Unity-like suite), shards and their merge, rebuild mode, timeouts, compile
errors, --since, and the usage / input errors."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from symverify import build
from symverify.cli import cli
from symverify.mutants.shard import Shard, in_shard, parse_shard, shard_of

SYMPRO = Path(__file__).parent / "data" / "sympro"

def _mutate(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["mutate", *args], env={"COLUMNS": "200"})
    if res.exception and not isinstance(res.exception, SystemExit):
        raise res.exception
    return res.exit_code, res.output


def _statuses(report: Path) -> dict[str, str]:
    data = json.loads(report.read_text())
    return {m["id"]: m["status"] for f in data["files"].values() for m in f["mutants"]}


@pytest.fixture(scope="module", autouse=True)
def compiler_env():
    """The projects' commands compile with $CC: symverify's own compiler choice."""
    old = os.environ.get("CC")
    os.environ["CC"] = build.find_compiler()
    yield
    if old is None:
        del os.environ["CC"]
    else:
        os.environ["CC"] = old


@pytest.fixture(scope="module")
def sympro(tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("proj") / "sympro"
    shutil.copytree(SYMPRO, dst, ignore=shutil.ignore_patterns("build"))
    return dst


@pytest.fixture(scope="module")
def strong(sympro, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rep") / "strong.json"
    code, text = _mutate("--project", str(sympro), "-j", "2", "--json", str(out))
    assert code == 0, text
    return out


WEAK = ("--build-cmd", "make -s SUITE=weak", "--test-cmd", "./build/test_weak")


@pytest.fixture(scope="module")
def weak_run(sympro, tmp_path_factory) -> tuple[Path, int, str]:
    out = tmp_path_factory.mktemp("rep") / "weak.json"
    code, text = _mutate("--project", str(sympro), *WEAK, "--json", str(out))
    return out, code, text


def test_weak_suite_scores_low_strong_suite_high(weak_run, strong):
    weak, code, text = weak_run
    assert code == 1, text  # survivors fail the gate
    w, s = json.loads(weak.read_text())["config"], json.loads(strong.read_text())["config"]
    assert w["valid"] == s["valid"] > 100  # the same mutants, minus the reviewed equivalents
    assert w["mutationScore"] < 40, w
    assert s["mutationScore"] == 100.0, s
    ws = Counter(_statuses(weak).values())
    assert ws["NoCoverage"] > 10 and ws["Survived"] > 10  # functions the weak suite never calls, and blind asserts
    assert s["project"]["mode"] == "schemata" and s["project"]["shard"] == "1/1"
    assert "SURVIVED" in text and "NOCOVERAGE" in text


def test_strong_report_names_the_killing_test(strong):
    data = json.loads(strong.read_text())
    killed = [m for f in data["files"].values() for m in f["mutants"] if m["status"] == "Killed"]
    assert killed and all(m["statusReason"].startswith("killed:") for m in killed)
    assert any(m.get("killedBy", [""])[0].startswith("test") for m in killed)  # Unity's FAIL line
    assert "Rounding.c" in " ".join(data["files"]) and data["config"]["secondsPerMutant"] > 0


def test_shards_merge_to_the_unsharded_result(sympro, weak_run, strong, tmp_path):
    whole = weak_run[0]  # the weak suite: killed, survived, no-coverage and equivalent mutants mixed
    parts = []
    for k in (1, 2, 3):
        out = tmp_path / f"s{k}.json"
        code, text = _mutate("--project", str(sympro), *WEAK, "--shard", f"{k}/3", "--json", str(out))
        assert code == 1, text
        parts.append(out)
    sizes = [len(_statuses(p)) for p in parts]
    assert all(sizes) and sum(sizes) == len(_statuses(whole))
    merged = tmp_path / "merged.json"
    res = CliRunner().invoke(cli, ["mutate", "merge", *map(str, parts), "--json", str(merged)])
    assert res.exit_code == 1, res.output  # the merged weak score fails the gate, like the unsharded one
    assert _statuses(merged) == _statuses(whole)
    assert len(set(_statuses(whole).values())) == 4
    m, u = json.loads(merged.read_text())["config"], json.loads(whole.read_text())["config"]
    assert (m["detected"], m["valid"], m["mutationScore"]) == (u["detected"], u["valid"], u["mutationScore"])
    res = CliRunner().invoke(cli, ["mutate", "merge", *map(str, parts), "--min-score", "20"])
    assert res.exit_code == 0 and "23.4%" in res.output, res.output
    # a missing shard, a repeated shard, another suite's report: refused (exit 3), never a partial score
    refused = [([parts[0], parts[1]], "3/3 missing"),
               ([parts[0], parts[0], parts[1], parts[2]], "already given"),
               ([*parts, strong], "fingerprint")]
    for args, why in refused:
        res = CliRunner().invoke(cli, ["mutate", "merge", *map(str, args)])
        assert res.exit_code == 3 and why in res.output, res.output


def test_shard_split_is_stable_and_complete():
    ids = [f"f:g:OP:{i:08x}" for i in range(500)]
    for n in (1, 2, 5):
        owners = [[k for k in range(1, n + 1) if in_shard(u, Shard(k, n))] for u in ids]
        assert all(len(o) == 1 for o in owners)
        assert len({o[0] for o in owners}) == n
    assert shard_of("Rounding:roundHalfAway:ROR:c9dba921", 7) == shard_of("Rounding:roundHalfAway:ROR:c9dba921", 7)
    for bad in ("0/2", "3/2", "1", "a/b", ""):
        with pytest.raises(ValueError):
            parse_shard(bad)


def test_rebuild_mode_agrees_with_schemata(sympro, strong, tmp_path):
    out = tmp_path / "rebuild.json"
    code, text = _mutate("--project", str(sympro), "--mode", "rebuild", "--operator", "ROR", "--operator", "SDL",
                         "--json", str(out))
    assert code == 0, text
    reb = _statuses(out)
    sch = {u: s for u, s in _statuses(strong).items() if ":ROR:" in u or ":SDL:" in u}
    assert reb == sch and len(reb) > 20
    cfg = json.loads(out.read_text())["config"]
    assert cfg["project"]["mode"] == "rebuild"
    # one build per mutant costs more than a run of the schemata build
    assert cfg["secondsPerMutant"] > json.loads(strong.read_text())["config"]["secondsPerMutant"]


_LOOP = textwrap.dedent("""\
    #include <stddef.h>
    #include "loop.h"

    unsigned countDown(unsigned x)
    {
        unsigned steps = 0u;
        while (x != 0u) {
            x = x - 1u;
            steps = steps + 1u;
        }
        return steps;
    }

    size_t span(const char *begin, const char *end)
    {
        return (size_t)(end - begin);
    }
    """)
_LOOP_TEST = textwrap.dedent("""\
    #include <stdio.h>
    #include "loop.h"
    int main(void)
    {
        const char s[] = "abcd";
        if (countDown(3u) != 3u || span(s, s + 4) != 4u) {
            printf("loop.c:1:testLoop:FAIL\\n");
            return 1;
        }
        return 0;
    }
    """)


def _loop_project(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "loop.c").write_text(_LOOP)
    (root / "src" / "loop.h").write_text("#include <stddef.h>\nunsigned countDown(unsigned x);\n"
                                         "size_t span(const char *begin, const char *end);\n")
    (root / "test.c").write_text(_LOOP_TEST)
    (root / "symverify.toml").write_text('[mutate]\nsources = ["src/*.c"]\n'
                                         'build_cmd = "$CC -std=c99 -O0 -Isrc src/loop.c test.c -o t"\n'
                                         'test_cmd = "./t"\ntimeout = 1.0\noperators = ["AOR"]\n')
    return root


@pytest.mark.parametrize("mode", ["schemata", "rebuild"])
def test_timeout_and_compile_error_stay_distinct(tmp_path, mode):
    root = _loop_project(tmp_path / "loop")
    out = tmp_path / "loop.json"
    code, text = _mutate("--project", str(root), "--mode", mode, "--json", str(out))
    st = json.loads(out.read_text())
    by_line = {(m["location"]["start"]["line"], m["replacement"]): m["status"]
               for f in st["files"].values() for m in f["mutants"]}
    assert by_line[(8, "+")] == "Timeout", by_line  # x + 1u counts up through 2^32
    assert by_line[(16, "+")] == "CompileError" and by_line[(16, "/")] == "CompileError", by_line  # pointer + pointer
    assert by_line[(9, "-")] == "Killed", by_line
    assert code == 0, text  # every compilable mutant detected


def test_since_selects_the_changed_lines_only(tmp_path):
    root = tmp_path / "sympro"
    shutil.copytree(SYMPRO, root, ignore=shutil.ignore_patterns("build"))
    git = ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=root, check=True)
    code, text = _mutate("--project", str(root), "--since", "HEAD")
    assert code == 0 and "nothing to score" in text, text
    src = root / "src" / "Rounding.c"
    src.write_text(src.read_text().replace("if (v > hi) {", "if (hi < v) {"))
    out = tmp_path / "since.json"
    code, text = _mutate("--project", str(root), "--since", "HEAD", "--json", str(out))
    lines = {m["location"]["start"]["line"] for f in json.loads(out.read_text())["files"].values()
             for m in f["mutants"]}
    assert lines == {26}, lines
    assert code == 0, text
    code, text = _mutate("--project", str(root), "--since", "no-such-rev")
    assert code == 2 and "no-such-rev" in text


def test_bad_input(tmp_path, sympro):
    code, text = _mutate("--project", str(sympro), "--sources", "lib/*.c")
    assert code == 2 and "'lib/*.c'" in text and "matches no file" in text
    code, text = _mutate("--project", str(tmp_path / "nope"))
    assert code == 2 and "not a directory" in text
    code, text = _mutate("--sources", "src/*.c")
    assert code == 2 and "--sources applies to --project only" in text
    code, text = _mutate("--project", str(sympro), "--shard", "4/3")
    assert code == 2 and "'4/3'" in text
    code, text = _mutate("--project", str(sympro), "--operator", "NOPE")
    assert code == 2 and "NOPE" in text
    code, text = _mutate("--project", str(sympro), "--no-sanitize")
    assert code == 2 and "--no-sanitize" in text
    bad = tmp_path / "bad"
    shutil.copytree(SYMPRO, bad, ignore=shutil.ignore_patterns("build"))
    (bad / "symverify.toml").write_text('[mutate]\nsources = ["src/*.c"]\nbuild_cmd = "make -s"\n'
                                        'test_cmd = "./build/test_strong"\ntest_comand = "x"\n')
    code, text = _mutate("--project", str(bad))
    assert code == 3 and "'test_comand'" in text and "symverify.toml" in text
    # the unmutated project must pass its own tests: no score is computed otherwise
    code, text = _mutate("--project", str(sympro), "--test-cmd", "./build/test_strong && false")
    assert code == 1 and "fails on the unmutated project" in text
    code, text = _mutate("--project", str(sympro), "--build-cmd", "exit 7", "--mode", "rebuild")
    assert code == 1 and "build command fails" in text


def test_auto_falls_back_to_rebuild_when_schemata_cannot_build(tmp_path):
    root = _loop_project(tmp_path / "loop")
    # a build that refuses any extra header next to the sources: schemata cannot build, no mutant is to blame
    (root / "symverify.toml").write_text(
        '[mutate]\nsources = ["src/*.c"]\n'
        'build_cmd = "test ! -e src/sym_mutant_rt.h || { echo foreign header; exit 1; }; '
        '$CC -std=c99 -O0 -Isrc src/loop.c test.c -o t"\n'
        'test_cmd = "./t"\ntimeout = 1.0\noperators = ["AOR"]\n')
    out = tmp_path / "auto.json"
    code, text = _mutate("--project", str(root), "--json", str(out))
    proj = json.loads(out.read_text())["config"]["project"]
    assert proj["mode"] == "rebuild" and "no mutant is to blame" in proj["fallback"], proj
    assert "schemata not possible" in text and code == 0, text
    code, text = _mutate("--project", str(root), "--mode", "schemata")
    assert code == 1 and "--mode schemata" in text and "foreign header" in text


def test_settings_from_pyproject_and_command_line_precedence(tmp_path):
    from symverify.mutants.project_config import ProjectConfigError, ProjectFileError, load

    root = tmp_path / "p"
    (root / "src" / "sub").mkdir(parents=True)
    (root / "src" / "a.c").write_text("int a(void) { return 1; }\n")
    (root / "src" / "sub" / "b.c").write_text("int b(void) { return 2; }\n")
    (root / "pyproject.toml").write_text('[tool.symverify.mutate]\nsources = ["src/**/*.c"]\n'
                                         'exclude = ["src/sub/*"]\nbuild_cmd = "make"\ntest_cmd = "make test"\n')
    cfg = load(root)
    assert cfg.source_files == ("src/a.c",) and cfg.origin == "pyproject.toml [tool.symverify.mutate]"
    cfg = load(root, test_cmd="./run", sources=("src/**/*.c",))
    assert cfg.test_cmd == "./run" and cfg.build_cmd == "make" and "command line" in cfg.origin
    (root / "symverify.toml").write_text('[mutate]\nsources = ["src/sub/*.c"]\nbuild_cmd = "b"\ntest_cmd = "t"\n'
                                         'mode = "fast"\n')
    with pytest.raises(ProjectFileError, match="key mode 'fast'"):
        load(root)  # symverify.toml is read first
    (root / "symverify.toml").write_text('[mutate]\nsources = "src/*.c"\n')
    with pytest.raises(ProjectFileError, match="'sources' has the wrong type"):
        load(root)
    (root / "symverify.toml").unlink()
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    with pytest.raises(ProjectConfigError, match="--build-cmd is required"):
        load(root, sources=("src/*.c",))
