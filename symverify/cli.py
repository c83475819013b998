"""The ``symverify`` command line (click + rich).

Each command lives in its own module under ``symverify.commands``; this module
only assembles the group. Exit codes: 0 all good, 1 a check failed (a lemma,
a golden vector, a mutant survived), 2 usage error (click), 3 bad input file.
"""
from __future__ import annotations

import importlib

import click

from . import __version__

#: (module under symverify.commands, attribute holding the click command)
COMMANDS: list[tuple[str, str]] = [
    ("check", "check"),
    ("goldgen", "goldgen"),
    ("prove", "prove"),
    ("bounds", "bounds"),
    ("mutate", "mutate"),
    ("xtarget", "xtarget"),
    ("fuzz", "fuzz"),
    ("conform", "conform"),
    ("train", "train"),
    ("icount", "icount"),
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="symverify")
def cli() -> None:
    """Verify SYM fixed-point training kernels: Z3 overflow proofs, bit-exact
    golden vectors, mutation scoring, Cortex-M cross-target runs."""


def _register() -> None:
    for module_name, attr in COMMANDS:
        try:
            module = importlib.import_module(f"symverify.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"symverify.commands.{module_name}":
                raise
            continue  # command not built yet; `symverify check` reports it as missing
        cli.add_command(getattr(module, attr))


_register()


def main() -> None:
    """Console-script entry point."""
    cli()
