"""The ELF images the counter runs, built from the objects ``symverify
xtarget`` compiles (:func:`symverify.xtarget.build_objects`: same sources,
same flags, same cache).

* :func:`family_image`: a family's golden-vector harness image. With the
  default vectors and board it *is* the xtarget image; with another vector
  directory (e.g. the calls of one training step) the same table runner
  replays that directory's ``<family>.json`` (its ``<family>.h`` gives the
  vector count).
* :func:`function_image`: any C or assembly sources (a float32 reference, a
  hand-written loop, someone else's kernel) linked with the kernel objects,
  for :meth:`~symverify.icount.engine.Machine.call`.

``linker_script`` picks the memory map: the board's by default; ``mps2.ld``
(4 MiB + 4 MiB) for images whose data do not fit the micro:bit's 16 KiB of
RAM. The code is the same; only addresses differ, which no instruction
count depends on.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from .. import xtarget as xt
from ..build import cache_dir, kernel_dir

#: The memory map with room for any step image (all three cores run it).
BIG_MEMORY = "mps2.ld"


def linker_script_path(name: str) -> Path:
    """``xtarget/ld/<name>``."""
    return xt.harness_dir() / "ld" / name


def family_image(core: xt.Core, family: str, tools: xt.Tools, *, vectors: Path | None = None,
                 linker_script: str | None = None) -> tuple[Path, str, int]:
    """Build (cached) the harness image of ``family`` for ``core``; returns
    (ELF path, linker script name, vectors the header declares)."""
    script = linker_script or core.linker_script
    image = xt.build_image(core, family, tools, vectors=vectors, linker_script=script)
    return image.elf, script, image.expected_vectors


def function_image(core: xt.Core, sources: Sequence[Path], tools: xt.Tools, *,
                   cflags: Sequence[str] = (), include_dirs: Sequence[Path] = (),
                   linker_script: str = BIG_MEMORY, kernels: bool = True) -> Path:
    """Compile ``sources`` (``.c`` with the kernels' flags, ``.S`` assembled)
    for ``core`` and link them with the kernel objects (``kernels``) and the
    startup, semihosting and libm/libgcc; cached by every input. Nothing is
    garbage-collected away, so every function of ``sources`` is callable.
    The image needs a ``main`` only if it is :meth:`run`; for
    :meth:`~symverify.icount.engine.Machine.call` the sources may define none
    (the startup's reference to ``main`` is then resolved to a stub)."""
    sources = [Path(s) for s in sources]
    objects = xt.build_objects(core, tools)
    incs = [f"-I{kernel_dir() / 'include'}", f"-I{xt.harness_dir()}", *(f"-I{d}" for d in include_dirs)]
    headers = [h for d in include_dirs for h in Path(d).glob("*.h")]
    key = xt._hash([*sources, *headers, linker_script_path(linker_script)],
                   [objects.name, " ".join(cflags), str(kernels)])
    out = cache_dir() / "icount" / f"{core.key}-fn-{key}"

    def make(tmp: Path) -> None:
        flags = [*xt.core_cflags(core), *xt.HARNESS_CFLAGS, *cflags]
        xt._compile_all(tools, flags, incs, sources, tmp, core.key)
        objs = [tmp / f"{s.stem}.o" for s in sources]
        if kernels:
            objs += [objects / f"{s}.o" for s in xt.kernel_stems(objects)]
        objs += [objects / "startup.o", objects / "semihost.o"]
        # without a main of its own, the startup's call of main goes to the fault handler
        stub = [] if _defines_main(sources) else ["-Wl,--defsym=main=Fault_Handler"]
        xt._run([tools.gcc, *xt.core_cflags(core), "-nostartfiles", "--specs=nano.specs",
                 f"-L{xt.harness_dir() / 'ld'}", f"-T{linker_script}", *stub,
                 f"-Wl,-Map={tmp / 'image.map'}", *objs, "-o", tmp / "image.elf", "-lm", "-lc", "-lgcc"],
                f"linking {', '.join(s.name for s in sources)} for {core.key}")

    xt._build_dir(out, make, "image.elf")
    return out / "image.elf"


def _defines_main(sources: Sequence[Path]) -> bool:
    return any(re.search(r"\bint\s+main\s*\(", s.read_text(errors="replace")) for s in sources
               if s.suffix == ".c")
