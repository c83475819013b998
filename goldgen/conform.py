"""``symverify conform``: every golden vector of the chosen families against
an outside implementation, through the adapter of ``goldgen --emit``
(``sv_adapter.c``: the ``sv_*`` functions call the other side's kernels).

The emitted checks, the adapter and the implementation's sources are built
into one runner. The runner forks one child per vector, so an ``exit(1)``, a
crash or a hang in the other side's code is reported for that vector and the
run goes on. Outcomes per vector:

* ``bit-exact``: every output bit, status and RNG state as the golden vector;
* ``differs``: the first differing field (the inputs are in the report);
* ``skipped``: the adapter returned ``SV_SKIP`` (not expressible there);
* ``exit``: the child called exit(N). For an error-status vector this is the
  other side's way of reporting the error (``error by exit``);
* ``crash`` (a signal) and ``timeout``.
"""
from __future__ import annotations

import json
import subprocess
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from symverify.build import find_compiler

from .emit_unity import FAMILIES, emit

OUTCOMES = ("bit-exact", "differs", "skipped", "error by exit", "exit", "crash", "timeout")
BASE_FLAGS = ["-std=c99", "-O2", "-ffp-contract=off", "-fno-fast-math"]


class ConformBuildError(RuntimeError):
    """The runner (checks + adapter + implementation) does not compile."""


@dataclass
class VectorResult:
    kernel: str
    index: int
    name: str
    outcome: str  # one of OUTCOMES
    detail: str = ""
    expected_status: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class ConformReport:
    families: list[str]
    results: list[VectorResult]

    def counts(self) -> dict[str, Counter]:
        out: dict[str, Counter] = {}
        for r in self.results:
            out.setdefault(r.kernel, Counter())[r.outcome] += 1
        return out

    def failed(self) -> list[VectorResult]:
        return [r for r in self.results if r.outcome in ("differs", "exit", "crash", "timeout")]

    def to_json(self) -> dict[str, Any]:
        return {"families": self.families, "counts": {k: dict(c) for k, c in self.counts().items()},
                "vectors": [asdict(r) for r in self.results]}


def runner_main(families: list[str]) -> str:
    """The C main of the runner: every vector of ``families`` in a forked child."""
    rows = "\n".join(f'    {{"{k}", sv_count_{k}, sv_name_{k}, sv_check_{k}}},' for f in families for k in FAMILIES[f])
    return _RUNNER.replace("@ROWS@", rows)


_RUNNER = r"""/* symverify conform: one forked child per golden vector. Generated. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sv_check.h"

typedef struct {
    const char *kernel;
    uint32_t (*count)(void);
    const char *(*name)(uint32_t);
    int (*check)(uint32_t, char *, size_t);
} sv_kernel;

static const sv_kernel sv_kernels[] = {
@ROWS@
};

/* One line per vector: SV <tab> kernel <tab> index <tab> outcome <tab> detail */
static void run_one(const sv_kernel *k, uint32_t i, unsigned timeout)
{
    int res[2];
    char buf[600];
    char log[160];
    ssize_t got = 0, r;
    int wstatus = 0;
    size_t nlog = 0, j;
    FILE *out = tmpfile();
    pid_t pid;
    if (out == NULL || pipe(res) != 0) {
        printf("SV\t%s\t%lu\tcrash\trunner: no pipe / tmpfile\n", k->kernel, (unsigned long)i);
        return;
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char msg[512];
        int rc;
        close(res[0]);
        dup2(fileno(out), 1);
        dup2(fileno(out), 2);
        alarm(timeout);
        rc = k->check(i, msg, sizeof msg);
        snprintf(buf, sizeof buf, "%s\t%s", rc == SV_PASS ? "bit-exact" : rc == SV_SKIPPED ? "skipped" : "differs",
                 rc == SV_PASS ? "" : msg);
        if (write(res[1], buf, strlen(buf)) < 0) {
            _exit(99);
        }
        _exit(0);
    }
    close(res[1]);
    while ((r = read(res[0], buf + got, sizeof buf - 1u - (size_t)got)) > 0) {
        got += r;
    }
    buf[got > 0 ? got : 0] = '\0';
    close(res[0]);
    waitpid(pid, &wstatus, 0);
    rewind(out);
    nlog = fread(log, 1u, sizeof log - 1u, out);
    log[nlog] = '\0';
    fclose(out);
    for (j = 0; j < nlog; ++j) {
        if (log[j] == '\n' || log[j] == '\t') {
            log[j] = ' ';
        }
    }
    if (WIFSIGNALED(wstatus)) {
        if (WTERMSIG(wstatus) == SIGALRM) {
            printf("SV\t%s\t%lu\ttimeout\tno result after %u s\n", k->kernel, (unsigned long)i, timeout);
        } else {
            printf("SV\t%s\t%lu\tcrash\tsignal %d; output: %s\n", k->kernel, (unsigned long)i, WTERMSIG(wstatus), log);
        }
    } else if (WEXITSTATUS(wstatus) != 0 || got == 0) {
        printf("SV\t%s\t%lu\texit\texit(%d); output: %s\n", k->kernel, (unsigned long)i, WEXITSTATUS(wstatus), log);
    } else {
        printf("SV\t%s\t%lu\t%s\n", k->kernel, (unsigned long)i, buf);
    }
}

int main(int argc, char **argv)
{
    unsigned timeout = argc > 1 ? (unsigned)atoi(argv[1]) : 10u;
    size_t k;
    uint32_t i;
    for (k = 0; k < sizeof sv_kernels / sizeof sv_kernels[0]; ++k) {
        for (i = 0; i < sv_kernels[k].count(); ++i) {
            run_one(&sv_kernels[k], i, timeout);
        }
    }
    return 0;
}
"""


def _json_vectors(family: str) -> dict[tuple[str, str], dict[str, Any]]:
    path = Path(str(resources.files("symverify.goldgen"))) / "vectors" / f"{family}.json"
    data = json.loads(path.read_text())
    return {(v["kernel"], v["name"]): v for v in data["vectors"]}


def _names(family: str, out_dir: Path) -> dict[str, list[str]]:
    from .emit_unity import _table

    header = (out_dir / f"{family}.h").read_text()
    return {k: _table(family, k, header) for k in FAMILIES[family]}


def build_runner(adapter: Path, sources: list[Path], families: list[str], work: Path,
                 cflags: list[str], include_dirs: list[Path], cc: str = "cc") -> Path:
    """Compile checks + adapter + sources into ``work/sv_conform`` (``cc``:
    the compiler, by default symverify's own choice, ``$CC`` first)."""
    emit("plain", work, families)
    (work / "sv_main.c").unlink()
    (work / "sv_adapter.c").unlink()
    (work / "sv_conform_main.c").write_text(runner_main(families))
    checks = [work / "sv_check_common.c", *(work / f"sv_check_{f}.c" for f in families), work / "sv_conform_main.c"]
    exe = work / "sv_conform"
    cmd = [cc, *BASE_FLAGS, *cflags, f"-I{work}", *(f"-I{d}" for d in include_dirs),
           *map(str, checks), str(adapter), *map(str, sources), "-lm", "-o", str(exe)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise ConformBuildError(f"the conformance runner does not compile ({' '.join(cmd[:1])} exit "
                                f"{proc.returncode}):\n{tail}")
    return exe


def run(adapter: Path, sources: list[Path], families: list[str] | None = None, cflags: list[str] | None = None,
        include_dirs: list[Path] | None = None, timeout: int = 10, any_error_status: bool = False) -> ConformReport:
    """Build the runner and run every vector of ``families`` (default: all
    primitive families) against the adapter; ConformBuildError if it does not compile."""
    fams = list(dict.fromkeys(families or FAMILIES))
    flags = list(cflags or []) + (["-DSV_EXACT_STATUS=0"] if any_error_status else [])
    with tempfile.TemporaryDirectory(prefix="symverify-conform-") as tmp:
        work = Path(tmp)
        exe = build_runner(Path(adapter), [Path(s) for s in sources], fams, work, flags,
                           [Path(d) for d in include_dirs or []], find_compiler())
        names = {k: v for f in fams for k, v in _names(f, work).items()}
        proc = subprocess.run([str(exe), str(timeout)], capture_output=True, text=True,
                              timeout=timeout * (len(sum(names.values(), [])) + 5))
    vectors: dict[tuple[str, str], dict[str, Any]] = {}
    for f in fams:
        vectors.update(_json_vectors(f))
    results = []
    seen = set()
    for line in proc.stdout.splitlines():
        if not line.startswith("SV\t"):
            continue
        _, kernel, index, outcome, *rest = line.split("\t") + [""]
        i = int(index)
        name = names[kernel][i]
        vec = vectors.get((kernel, name), {})
        status = vec.get("expect", {}).get("status", "")
        if outcome == "exit" and status not in ("", "SYM_OK"):
            outcome = "error by exit"
        results.append(VectorResult(kernel, i, name, outcome, rest[0].strip(), status,
                                    vec.get("args", {}) if outcome in ("differs", "exit", "crash", "timeout")
                                    else {}))
        seen.add((kernel, i))
    missing = [(k, i) for k, ns in names.items() for i in range(len(ns)) if (k, i) not in seen]
    for k, i in missing:  # the runner itself died: never silently fewer vectors
        results.append(VectorResult(k, i, names[k][i], "crash", f"no result from the runner (exit {proc.returncode})"))
    return ConformReport(fams, results)
