"""Cross-target runs: the golden vectors bit-exact on emulated Cortex-M cores.

For every (core, kernel family) pair this module cross-compiles the C kernels
(``kernels/src``), the harness (``xtarget/``: startup, linker scripts,
semihosting, one runner per family) and goldgen's C header of that family
(``goldgen/vectors/<family>.h``) with ``arm-none-eabi-gcc`` into one ELF, runs
it on ``qemu-system-arm`` with semihosting, and parses the harness' report:
every output of every vector is compared bit-exactly *on the target* (mantissas
as int32, scales and RNG states as bit patterns). The number of vectors the
target ran must equal the number in the header, so a harness that runs
nothing cannot pass.

The "layers" family (xtarget/run_layers.c, goldgen's ``layers.h``) runs the
layer vectors of docs/layers.md: each vector fills the ``sym_<kernel>_args``
struct of its layer step and makes the one C call (the layer-level C ABI,
composed in C in ``sym_linear``, ``sym_layernorm``, ``sym_loss``, ``sym_sgd``,
``sym_requant``), as the host gold suite does.

Code size per family comes from the linker map of that family's image after
``--gc-sections``: bytes of kernel code and read-only data kept in flash
(everything a firmware needs to call that family: the family's functions plus
the shared helpers they call), and separately the compiler/libm runtime the
kernels pull in (soft-float ``__aeabi_*`` on the M0+, ``roundf``).

Build outputs live under ``$SYMVERIFY_CACHE/xtarget`` (default
``~/.cache/symverify/xtarget``), keyed by a hash of every input, never in the
repository.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable, Sequence

from . import registry
from .build import cache_dir, kernel_dir
from .fpenv import fault_names

#: Kernel families (symverify/registry.py): goldgen writes
#: goldgen/vectors/<family>.h, the harness has xtarget/run_<family>.c.
FAMILIES: tuple[str, ...] = registry.families()

#: The kernel sources (stems in kernels/src, headers in kernels/include) that a
#: family's vectors exercise as its "own" code (registry.Family.sources): the
#: primitives a layer kernel calls count as helpers of the layer family.
FAMILY_SOURCES: dict[str, tuple[str, ...]] = {f.name: f.sources for f in registry.FAMILIES}


def family_sources(family: str) -> tuple[str, ...]:
    """Kernel source stems owned by ``family`` (default ``("sym_<family>",)``)."""
    return FAMILY_SOURCES.get(family, (f"sym_{family}",))

#: Flags every build uses (host and target agree on these; see docs/cortex-m.md).
COMMON_CFLAGS: tuple[str, ...] = (
    "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror",
    "-ffp-contract=off", "-fno-fast-math",
    "-mthumb", "-ffunction-sections", "-fdata-sections",
)

#: Environment variable that turns "toolchain missing" into a failure.
REQUIRE_ENV = "SYMVERIFY_REQUIRE_XTARGET"

#: Exit codes of a harness image (xtarget/semihost.h).
EXIT_PASS, EXIT_MISMATCH, EXIT_FAULT, EXIT_FPENV = 0, 1, 3, 4

#: GCC's own defaults in place of COMMON_CFLAGS: GNU C (so -ffp-contract=fast)
#: and no -fno-fast-math; what a firmware build that does not copy our flags
#: gets. Only for showing that the self-test catches such a build.
GCC_DEFAULT_CFLAGS: tuple[str, ...] = (
    "-std=gnu99", "-O2", "-Wall", "-Wextra", "-Werror",
    "-mthumb", "-ffunction-sections", "-fdata-sections",
)

#: Undefined symbols a kernel object may have beyond libm and libgcc: the four
#: functions GCC may emit calls to even in freestanding code.
FREESTANDING_OK: frozenset[str] = frozenset({"memcpy", "memmove", "memset", "memcmp"})


@dataclass(frozen=True)
class Core:
    """One Cortex-M target: compiler flags and the QEMU board that runs it."""

    key: str
    cflags: tuple[str, ...]
    machine: str
    board: str
    linker_script: str
    note: str = ""
    common: tuple[str, ...] = COMMON_CFLAGS   # flags before ``cflags`` (see core_cflags)


CORES: dict[str, Core] = {
    "m0plus": Core(
        "m0plus", ("-mcpu=cortex-m0plus", "-mfloat-abi=soft"),
        "microbit", "BBC micro:bit (nRF51, Cortex-M0, ARMv6-M)", "microbit.ld",
        "QEMU 7.2 has no Cortex-M0+ board: cortex-m0plus code (ARMv6-M, soft float) "
        "runs on the Cortex-M0 of the micro:bit model, same instruction set",
    ),
    "m4": Core(
        "m4", ("-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"),
        "mps2-an386", "ARM MPS2 AN386 (Cortex-M4F)", "mps2.ld",
    ),
    "m7": Core(
        "m7", ("-mcpu=cortex-m7", "-mfpu=fpv5-d16", "-mfloat-abi=hard"),
        "mps2-an500", "ARM MPS2 AN500 (Cortex-M7, FPv5 double precision)", "mps2.ld",
    ),
}

#: Accepted spellings in --cpu.
CORE_ALIASES: dict[str, str] = {
    "m0plus": "m0plus", "m0+": "m0plus", "cortex-m0plus": "m0plus", "cortex-m0+": "m0plus",
    "m4": "m4", "cortex-m4": "m4", "m7": "m7", "cortex-m7": "m7",
}


class XtargetUnavailable(RuntimeError):
    """The ARM toolchain, newlib or qemu-system-arm is missing."""


class XtargetError(RuntimeError):
    """A build or run failed for a reason other than a vector mismatch."""


def parse_cores(spec: str | Iterable[str] | None) -> list[Core]:
    """``"m0plus,m4"`` (or aliases such as ``cortex-m7``) -> cores; None -> all."""
    if spec is None:
        return list(CORES.values())
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    cores = []
    for name in (n.strip().lower() for n in names):
        if not name:
            continue
        if name not in CORE_ALIASES:
            raise ValueError(f"unknown core {name!r}: expected one of {', '.join(CORES)}")
        core = CORES[CORE_ALIASES[name]]
        if core not in cores:
            cores.append(core)
    if not cores:
        raise ValueError("no core given")
    return cores


@dataclass(frozen=True)
class Tools:
    """Paths of the cross toolchain and the emulator."""

    gcc: str
    nm: str
    size: str
    qemu: str


def find_tools() -> Tools:
    """Locate arm-none-eabi-gcc/nm/size and qemu-system-arm; check newlib.

    Raises :class:`XtargetUnavailable` naming the Debian package to install."""
    missing = []
    paths = {}
    for key, exe, pkg in (("gcc", "arm-none-eabi-gcc", "gcc-arm-none-eabi"),
                          ("nm", "arm-none-eabi-nm", "binutils-arm-none-eabi"),
                          ("size", "arm-none-eabi-size", "binutils-arm-none-eabi"),
                          ("qemu", "qemu-system-arm", "qemu-system-arm")):
        path = shutil.which(exe)
        if path is None:
            missing.append(f"{exe} (apt-get install {pkg})")
        paths[key] = path
    if missing:
        raise XtargetUnavailable("Cortex-M cross-target tools missing: " + "; ".join(missing))
    tools = Tools(**paths)  # type: ignore[arg-type]
    libm = multilib_file(tools.gcc, CORES["m0plus"].cflags, "libm.a")
    if not Path(libm).is_absolute() or not Path(libm).exists():
        raise XtargetUnavailable("newlib for arm-none-eabi missing (apt-get install libnewlib-arm-none-eabi)")
    return tools


@functools.lru_cache(maxsize=None)
def multilib_file(gcc: str, cflags: tuple[str, ...], name: str) -> str:
    """``gcc <cflags> -print-file-name=<name>`` (the multilib copy of a library)."""
    out = subprocess.run([gcc, "-mthumb", *cflags, f"-print-file-name={name}"],
                         capture_output=True, text=True, check=False)
    return out.stdout.strip()


@functools.lru_cache(maxsize=None)
def tool_version(exe: str) -> str:
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.splitlines()[0] if out.stdout else exe


def harness_dir() -> Path:
    """``xtarget/`` (C harness sources, linker scripts). ``$SYMVERIFY_XTARGET_DIR``
    overrides; an installed package may map it as ``symverify.xtarget_c``;
    otherwise the repository's ``xtarget/`` next to ``kernels/``."""
    env = os.environ.get("SYMVERIFY_XTARGET_DIR")
    if env:
        return Path(env)
    try:
        packaged = Path(str(resources.files("symverify.xtarget_c")))
        if (packaged / "startup.c").exists():
            return packaged
    except ModuleNotFoundError:
        pass
    candidate = kernel_dir().parent / "xtarget"
    if not candidate.is_dir():
        candidate = Path(__file__).resolve().parent.parent / "xtarget"
    return candidate


def vectors_dir() -> Path:
    """goldgen's vector directory (``goldgen/vectors``); ``$SYMVERIFY_VECTORS_DIR`` overrides."""
    env = os.environ.get("SYMVERIFY_VECTORS_DIR")
    if env:
        return Path(env)
    return Path(str(resources.files("symverify.goldgen"))) / "vectors"


# --------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------

@dataclass
class Image:
    """One linked harness image."""

    core: Core
    family: str
    elf: Path
    map: Path
    objects: Path                     # directory of the shared kernel/harness objects
    expected_vectors: int


def _run(cmd: Sequence[object], what: str) -> None:
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise XtargetError(f"{what} failed:\n$ {' '.join(map(str, cmd))}\n{result.stdout}{result.stderr}")


def check_vector_headers(families: Sequence[str], vectors: Path | None = None) -> None:
    """VectorFileError naming the file if a family's golden header is missing,
    unreadable, not text, or disagrees with the set's SHA256SUMS."""
    from .goldgen import vectorset

    headers = [(vectors or vectors_dir()) / f"{family}.h" for family in families]
    for header in headers:
        vectorset.read_text(header)
    vectorset.check_set(headers)


def count_vectors(header: Path) -> int:
    """Number of golden vectors a goldgen header declares: the sum of its
    ``#define SYM_GOLDEN_<FAMILY>_<KERNEL>_COUNT n`` lines."""
    from .goldgen import vectorset

    counts = re.findall(r"^\s*#\s*define\s+SYM_GOLDEN_\w+_COUNT\s+\(?(\d+)[uU]?\)?\s*$",
                        vectorset.read_text(header), re.MULTILINE)
    return sum(int(c) for c in counts)


def _hash(paths: Iterable[Path], extra: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for part in extra:
        digest.update(part.encode() + b"\0")
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock(path: Path) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(path, threading.Lock())


def _build_dir(out: Path, make: Callable[[Path], None], done: str) -> Path:
    """Create ``out`` once: ``make(tmp)`` fills a private directory that is
    then renamed into place (safe against concurrent threads and processes)."""
    with _lock(out):
        if (out / done).exists():
            return out
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=out.name + ".tmp.", dir=out.parent))
        try:
            make(tmp)
            try:
                tmp.rename(out)
            except OSError:
                if not (out / done).exists():
                    shutil.rmtree(out, ignore_errors=True)
                    tmp.rename(out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def _compile_all(tools: Tools, cflags: Sequence[str], incs: Sequence[str],
                 sources: Sequence[Path], outdir: Path, what: str) -> None:
    workers = min(len(sources), os.cpu_count() or 1) or 1
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_run, [tools.gcc, *cflags, *incs, "-c", src, "-o", outdir / f"{src.stem}.o"],
                               f"compiling {src.name} for {what}") for src in sources]
        for fut in futures:
            fut.result()


HARNESS_SOURCES: tuple[str, ...] = ("startup.c", "semihost.c", "harness.c", "main.c")
#: The one runner of every family (its cases: symverify/xtarget_table.py).
RUNNER = "run_table.c"
HARNESS_CFLAGS: tuple[str, ...] = ("-fno-tree-loop-distribute-patterns",)


def core_cflags(core: Core, extra: Sequence[str] = ()) -> list[str]:
    return [*core.common, *core.cflags, *extra]


def gcc_default_core(core: Core, *, continue_after_selftest: bool = False) -> Core:
    """``core`` built with :data:`GCC_DEFAULT_CFLAGS` instead of the project's
    flags (its own key, so its build never shares a cache entry).
    ``continue_after_selftest`` runs the vectors even after a self-test
    fault (-DXT_SELFTEST_CONTINUE), to measure what the fault changes."""
    extra = ("-DXT_SELFTEST_CONTINUE",) if continue_after_selftest else ()
    suffix = "-gccdefault" + ("-cont" if continue_after_selftest else "")
    return dataclasses.replace(core, key=core.key + suffix, common=GCC_DEFAULT_CFLAGS,
                               cflags=(*core.cflags, *extra))


def build_objects(core: Core, tools: Tools, root: Path | None = None) -> Path:
    """Compile every kernel source (``kernels/src/*.c``) and the harness
    support (startup, semihosting, reporting) for ``core`` once; returns the
    directory of the objects (``<stem>.o``)."""
    kdir, hdir = kernel_dir(), harness_dir()
    ksources = sorted((kdir / "src").glob("*.c"))
    hsources = [hdir / name for name in HARNESS_SOURCES]
    cflags = core_cflags(core)
    inputs = [*ksources, *(kdir / "include").glob("*.h"), *(kdir / "src").glob("*.h"),
              *hsources, *hdir.glob("*.h")]
    key = _hash(inputs, [tool_version(tools.gcc), " ".join(cflags)])
    out = (root or cache_dir() / "xtarget") / f"{core.key}-objs-{key}"
    incs = [f"-I{kdir / 'include'}", f"-I{kdir / 'src'}", f"-I{hdir}"]

    def make(tmp: Path) -> None:
        _compile_all(tools, cflags, incs, ksources, tmp, core.key)
        # harness: no memcpy/memset idioms (the startup runs before .data exists)
        _compile_all(tools, [*cflags, *HARNESS_CFLAGS], incs, hsources, tmp, core.key)
        _run([tools.gcc, *cflags, *HARNESS_CFLAGS, *incs, "-DXT_PROBE", "-c", hdir / "startup.c",
              "-o", tmp / "startup_probe.o"], f"compiling startup.c (probe) for {core.key}")
        (tmp / "done").write_text("\n".join(s.stem for s in ksources) + "\n")

    return _build_dir(out, make, "done")


def kernel_stems(objects: Path) -> list[str]:
    """Stems of the kernel objects in an objects directory (``sym_round``, ...)."""
    return (objects / "done").read_text().split()


def _link(tools: Tools, core: Core, objs: Sequence[Path], elf: Path, mapfile: Path, what: str) -> None:
    _run([tools.gcc, *core_cflags(core), "-nostartfiles", "--specs=nano.specs",
          f"-L{harness_dir() / 'ld'}", f"-T{core.linker_script}", "-Wl,--gc-sections",
          f"-Wl,-Map={mapfile}", *objs, "-o", elf, "-lm", "-lc", "-lgcc"], what)


def build_image(core: Core, family: str, tools: Tools, *, vectors: Path | None = None,
                root: Path | None = None) -> Image:
    """Cross-compile the kernels + the table runner (``xtarget/run_table.c``)
    + the family's generated case table (:mod:`symverify.xtarget_table`, from
    ``<family>.json``) for ``core`` into one ELF (cached by a hash of every
    input). The expected vector count is the one goldgen's ``<family>.h``
    declares, so a table that leaves a vector out cannot pass."""
    from .xtarget_table import XtableError, family_table

    hdir = harness_dir()
    vdir = vectors or vectors_dir()
    header = vdir / f"{family}.h"
    runner = hdir / RUNNER
    if not header.exists():
        raise XtargetError(f"golden header {header} not found (run `symverify goldgen`)")
    if not (vdir / registry.family(family).vector_file).exists():
        raise XtargetError(f"golden vectors {vdir / registry.family(family).vector_file} not found")
    try:
        table = family_table(family, vdir, kernel_dir() / "include")
    except XtableError as exc:
        raise XtargetError(f"case table of {family!r}: {exc}") from exc
    objects = build_objects(core, tools, root)
    key = _hash([runner, header, hdir / "xt_table.h"], [objects.name, table])
    out = (root or cache_dir() / "xtarget") / f"{core.key}-{family}-{key}"
    stems = kernel_stems(objects)

    def make(tmp: Path) -> None:
        (tmp / "xt_cases.h").write_text(table)
        incs = [f"-I{tmp}", f"-I{kernel_dir() / 'include'}", f"-I{hdir}"]
        _compile_all(tools, core_cflags(core), incs, [runner], tmp, core.key)
        objs = [objects / f"{s}.o" for s in stems]
        objs += [objects / f"{Path(n).stem}.o" for n in HARNESS_SOURCES] + [tmp / runner.with_suffix(".o").name]
        _link(tools, core, objs, tmp / "harness.elf", tmp / "harness.map", f"linking {family} for {core.key}")

    _build_dir(out, make, "harness.elf")
    return Image(core, family, out / "harness.elf", out / "harness.map", objects, count_vectors(header))


@functools.lru_cache(maxsize=None)
def _library_symbols(gcc: str, nm: str, cflags: tuple[str, ...]) -> frozenset[str]:
    """Symbols defined by the multilib libm.a and libgcc.a of ``cflags``
    (cached on disk by library path, size and mtime: nm on libm.a is slow)."""
    names: set[str] = set()
    for lib in ("libm.a", "libgcc.a"):
        path = Path(multilib_file(gcc, cflags, lib))
        st = path.stat()
        key = hashlib.sha256(f"{path}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()[:16]
        cached = cache_dir() / "xtarget" / f"libsyms-{path.stem}-{key}.txt"
        if cached.exists():
            names.update(cached.read_text().split())
            continue
        out = subprocess.run([nm, "--defined-only", str(path)], capture_output=True,
                             text=True, check=False).stdout
        found = {p.split()[-1] for p in out.splitlines() if len(p.split()) == 3}
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text("\n".join(sorted(found)) + "\n")
        os.replace(tmp, cached)
        names.update(found)
    return frozenset(names)


def freestanding_violations(objects: Path, core: Core, tools: Tools) -> list[str]:
    """Undefined symbols of the kernel objects that are neither defined by
    another kernel object, nor by libm / libgcc, nor memcpy-like: a kernel
    must link into firmware that has no libc beyond these."""
    undefined: set[str] = set()
    defined: set[str] = set()
    for stem in kernel_stems(objects):
        out = subprocess.run([tools.nm, str(objects / f"{stem}.o")], capture_output=True,
                             text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "U":
                undefined.add(parts[1])
            elif len(parts) == 3 and parts[1] in "TDBR":
                defined.add(parts[2])
    allowed = set(FREESTANDING_OK) | defined | _library_symbols(tools.gcc, tools.nm, core.cflags)
    return sorted(undefined - allowed)


# --------------------------------------------------------------------------
# code size
# --------------------------------------------------------------------------

_MAP_ENTRY = re.compile(r"^\s*(?P<sec>\.\S+)?\s+0x(?P<addr>[0-9a-fA-F]+)\s+0x(?P<size>[0-9a-fA-F]+)\s+(?P<file>\S.*)$")


def map_sizes(mapfile: Path) -> dict[str, int]:
    """Flash bytes per input file kept after --gc-sections (.text*, .rodata*,
    .data* input sections of the memory map): ``{file: bytes}``."""
    sizes: dict[str, int] = {}
    text = mapfile.read_text()
    pending: str | None = None
    for line in text[text.find("Linker script and memory map"):].splitlines():
        m = _MAP_ENTRY.match(line)
        if m is None:
            stripped = line.strip()
            # a long input-section name sits alone on its line; its numbers follow
            pending = stripped if line.startswith(" .") and re.fullmatch(r"\.\S+", stripped) else None
            continue
        sec, pending = m.group("sec") or pending, None
        if sec is None or not re.match(r"\.(text|rodata|data)(\.|$)", sec):
            continue
        fname = m.group("file").strip()
        size = int(m.group("size"), 16)
        if size and not fname.startswith("load address"):
            sizes[fname] = sizes.get(fname, 0) + size
    return sizes


def family_functions(family: str) -> list[str]:
    """Public functions of a kernel family: those declared in the headers
    ``kernels/include/<stem>.h`` of its sources (:func:`family_sources`)."""
    found: set[str] = set()
    for stem in family_sources(family):
        text = (kernel_dir() / "include" / f"{stem}.h").read_text()
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
        found.update(re.findall(r"^[A-Za-z_][\w \t\*]*?\b(sym_\w+)\s*\(", text, re.MULTILINE))
    return sorted(found)


@dataclass
class CodeSize:
    """Flash bytes a firmware pays to call one kernel family (after --gc-sections)."""

    family: str
    functions: list[str]              # the family's public functions (all referenced)
    kernels: int                      # kernel code + rodata kept (family + helpers it calls)
    per_source: dict[str, int]        # kernel source stem -> bytes
    runtime: int                      # libgcc / libm / libc members pulled in by the kernels
    runtime_members: list[str]

    @property
    def total(self) -> int:
        return self.kernels + self.runtime

    @property
    def own(self) -> int:
        """Bytes of the family's own sources (:func:`family_sources`)."""
        return sum(self.per_source.get(stem, 0) for stem in family_sources(self.family))


def _probe_source(functions: Sequence[str], family: str | None) -> str:
    lines = ["#include <stdint.h>"]
    if family:
        lines.extend(f'#include "{stem}.h"' for stem in family_sources(family))
    lines.append("volatile uintptr_t xt_probe_sink;")
    lines.append("int main(void)\n{")
    for fn in functions:
        lines.append(f"    xt_probe_sink = (uintptr_t)&{fn};")
    lines.append("    return 0;\n}\n")
    return "\n".join(lines)


def _archive_member(fname: str) -> str | None:
    m = re.search(r"([^/]+\.a)\((.+)\)$", fname)
    return f"{m.group(1)}({m.group(2)})" if m else None


def code_size(core: Core, family: str, tools: Tools, root: Path | None = None) -> CodeSize:
    """Footprint of one kernel family on ``core``: a probe image (bare
    startup + a main that takes the address of every public function of the
    family, so the linker keeps them and everything they call) against a
    probe without them; kernel bytes per source from its link map, runtime =
    library members the family adds."""
    objects = build_objects(core, tools, root)
    functions = family_functions(family)
    stems = kernel_stems(objects)
    key = _hash([], [objects.name, family, *functions])
    out = (root or cache_dir() / "xtarget") / f"{core.key}-size-{family}-{key}"

    def make(tmp: Path) -> None:
        incs = [f"-I{kernel_dir() / 'include'}", f"-I{harness_dir()}"]
        for name, fns, fam in (("base", [], None), ("probe", functions, family)):
            (tmp / f"{name}_main.c").write_text(_probe_source(fns, fam))
            _compile_all(tools, core_cflags(core), incs, [tmp / f"{name}_main.c"], tmp, core.key)
            objs = [objects / f"{s}.o" for s in stems]
            objs += [objects / "startup_probe.o", tmp / f"{name}_main.o"]
            _link(tools, core, objs, tmp / f"{name}.elf", tmp / f"{name}.map", f"size probe {family}/{core.key}")

    _build_dir(out, make, "probe.elf")
    base, probe = map_sizes(out / "base.map"), map_sizes(out / "probe.map")
    per_source: dict[str, int] = {}
    runtime = 0
    members = []
    for fname, size in probe.items():
        base_name = fname.rsplit("/", 1)[-1]
        member = _archive_member(fname)
        if member is None and base_name.removesuffix(".o") in stems:
            per_source[base_name.removesuffix(".o")] = size
        elif member is not None:
            delta = size - base.get(fname, 0)
            if delta > 0:
                runtime += delta
                members.append(member)
    return CodeSize(family, functions, sum(per_source.values()), per_source, runtime, sorted(members))


# --------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------

@dataclass
class RunResult:
    """Outcome of one harness image on QEMU."""

    core: str
    family: str
    exit_code: int | None
    expected: int
    run: int = 0
    passed: int = 0
    failures: list[str] = field(default_factory=list)
    kernels: dict[str, tuple[int, int]] = field(default_factory=dict)
    seconds: float = 0.0
    output: str = ""
    size: CodeSize | None = None
    freestanding: list[str] = field(default_factory=list)
    error: str | None = None
    selftest_status: int | None = None   # sym_selftest_fp on the target (None: no report)
    selftest_faults: int = 0

    @property
    def selftest_ok(self) -> bool:
        return self.selftest_status == 0 and self.selftest_faults == 0

    @property
    def ok(self) -> bool:
        return (self.error is None and self.exit_code == EXIT_PASS and not self.failures
                and self.selftest_ok
                and self.run == self.expected and self.passed == self.run and self.run > 0
                and not self.freestanding)

    def problems(self) -> list[str]:
        """Why this run is not ok (empty when ok)."""
        out = []
        if self.error:
            out.append(self.error)
        if self.selftest_status is None:
            out.append("no floating-point self-test report")
        elif not self.selftest_ok:
            out.append(f"floating-point self-test failed (status {self.selftest_status}, faults "
                       f"0x{self.selftest_faults:X}: {', '.join(fault_names(self.selftest_faults))})")
        if self.exit_code != EXIT_PASS:
            out.append(f"exit code {self.exit_code}")
        if self.run != self.expected:
            out.append(f"target ran {self.run} vectors, header declares {self.expected}")
        if self.run == 0:
            out.append("no vectors ran")
        if self.passed != self.run:
            out.append(f"{self.run - self.passed} of {self.run} vectors mismatched")
        if self.freestanding:
            out.append("kernels reference non-freestanding symbols: " + ", ".join(self.freestanding))
        return out


def qemu_command(core: Core, elf: Path, tools: Tools, console: Path) -> list[str]:
    """QEMU invocation: no display, no serial, no monitor; the semihosting
    console (SYS_WRITE0) goes to the file ``console``; QEMU's own
    diagnostics stay on stderr; SYS_EXIT_EXTENDED becomes the exit status."""
    return [tools.qemu, "-M", core.machine, "-display", "none", "-monitor", "none",
            "-serial", "none", "-nodefaults",
            "-chardev", f"file,id=xtcon,path={console}",
            "-semihosting-config", "enable=on,target=native,chardev=xtcon",
            "-kernel", str(elf)]


def parse_report(result: RunResult, text: str) -> None:
    """Fill run/passed/failures/kernels from the harness' XT lines."""
    result.output = text
    for line in text.splitlines():
        words = line.split()
        if words[:2] == ["XT", "FAIL"]:
            result.failures.append(" ".join(words[2:]))
        elif words[:2] == ["XT", "KERNEL"] and len(words) >= 5:
            kv = dict(w.split("=", 1) for w in words[3:] if "=" in w)
            result.kernels[words[2]] = (int(kv.get("run", 0)), int(kv.get("pass", 0)))
        elif words[:2] == ["XT", "END"]:
            kv = dict(w.split("=", 1) for w in words[3:] if "=" in w)
            result.run, result.passed = int(kv.get("run", 0)), int(kv.get("pass", 0))
        elif words[:2] == ["XT", "FAULT"]:
            result.error = line.strip()
        elif words[:2] == ["XT", "SELFTEST"]:
            kv = dict(w.split("=", 1) for w in words[2:] if "=" in w)
            result.selftest_status = int(kv.get("status", "0"))
            result.selftest_faults = int(kv.get("faults", "0"), 16)


def run_image(image: Image, tools: Tools, timeout: float = 120.0) -> RunResult:
    """Run one image on its QEMU board and parse the report."""
    result = RunResult(image.core.key, image.family, None, image.expected_vectors)
    with tempfile.TemporaryDirectory(prefix="symverify-xt-") as tmp:
        console = Path(tmp) / "console.txt"
        start = time.perf_counter()
        try:
            proc = subprocess.run(qemu_command(image.core, image.elf, tools, console),
                                  capture_output=True, timeout=timeout, check=False,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            result.seconds = time.perf_counter() - start
            result.error = f"qemu timed out after {timeout:.0f} s"
            return result
        result.seconds = time.perf_counter() - start
        text = console.read_text(errors="replace") if console.exists() else ""
    result.exit_code = proc.returncode
    parse_report(result, text)
    err = (proc.stdout + proc.stderr).decode(errors="replace").strip()
    if result.exit_code not in (EXIT_PASS, EXIT_MISMATCH, EXIT_FPENV):
        detail = err or "(no QEMU diagnostics)"
        result.error = (result.error + "; " if result.error else "") + \
            f"qemu exit status {result.exit_code}: {detail}"
    return result


def build_and_run(core: Core, family: str, tools: Tools, *, vectors: Path | None = None,
                  root: Path | None = None, timeout: float = 120.0) -> RunResult:
    """Build one image, run it, attach code size and the freestanding check."""
    try:
        image = build_image(core, family, tools, vectors=vectors, root=root)
        result = run_image(image, tools, timeout)
        result.size = code_size(core, family, tools, root)
        result.freestanding = freestanding_violations(image.objects, core, tools)
    except XtargetError as exc:
        return RunResult(core.key, family, None, 0, error=str(exc))
    return result


def run_all(cores: Sequence[Core] | None = None, families: Sequence[str] = FAMILIES, *,
            jobs: int | None = None, vectors: Path | None = None, root: Path | None = None,
            timeout: float = 120.0) -> list[RunResult]:
    """Every family on every core (in parallel); results in (core, family) order."""
    tools = find_tools()
    cores = list(cores or CORES.values())
    pairs = [(c, f) for c in cores for f in families]
    jobs = jobs or max(1, os.cpu_count() or 1)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(build_and_run, c, f, tools, vectors=vectors, root=root, timeout=timeout)
                   for c, f in pairs]
        return [fut.result() for fut in futures]
