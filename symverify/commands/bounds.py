"""``symverify bounds MODEL``: per-layer int32 accumulator bounds of a model file."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

EXIT_UNSAFE = 1
EXIT_NO_ENCODING = 4
EXIT_BAD_FILE = 3


@click.command("bounds")
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write one record per layer and accumulator as JSON to FILE ('-' for stdout).")
@click.option("--no-replay", is_flag=True, help="Do not replay UNSAFE counterexamples on C (faster).")
def bounds(model: Path, json_file: Path | None, no_replay: bool) -> None:
    """Per-layer int32 overflow bounds for the TOML model file MODEL.

    For every layer and integer accumulator: SAFE (proved with Z3 for its
    fan-in) with the margin to int32, or UNSAFE with the largest safe fan-in
    and a concrete overflowing input replayed on the C UBSan harness and the
    shipped kernel. Exit 0 all SAFE, 1 some UNSAFE, 3 bad model file, 4 a
    layer kind without an encoding (nothing is claimed for it)."""
    from symverify.proofs import bounds as B

    console = Console(stderr=json_file is not None and str(json_file) == "-")
    try:
        layers = B.load_model(model)
    except B.ModelError as exc:
        console.print(f"[red]error:[/] {exc}", soft_wrap=True)
        sys.exit(EXIT_BAD_FILE)
    verdicts, records, no_enc = [], [], []
    for layer in layers:
        if layer["kind"] in B.KINDS_WITHOUT_ENCODING:
            no_enc.append(layer["name"])
            records.append({"layer": layer["name"], "kind": layer["kind"], "accumulator": None,
                            "status": "NO_ENCODING", "worst_case": None, "max_safe_fan_in": None,
                            "note": "no integer-accumulator encoding for this kind yet: nothing is claimed"})
            continue
        accs = B.accumulators(layer)
        if not accs:
            records.append({"layer": layer["name"], "kind": layer["kind"], "accumulator": None, "status": "SAFE",
                            "worst_case": 1 << (layer["x_bits"] - 1), "max_safe_fan_in": None,
                            "note": "no integer accumulator (selection / conversion only)"})
            continue
        for acc in accs:
            v = B.decide(acc, replay=not no_replay)
            verdicts.append(v)
            records.append(v.record())

    table = Table(title=f"symverify bounds {model}")
    for col in ("layer", "kind", "accumulator", "fan-in", "operands", "seed", "status", "worst |acc|",
                "margin", "max safe fan-in", "C replay"):
        table.add_column(col)
    for rec in records:
        st = rec["status"]
        style = {"SAFE": "green", "UNSAFE": "red"}.get(st, "yellow")
        ops = rec.get("operand_bits")
        ops_txt = "x".join(f"int{b}" for b in ops) if ops else "-"
        cex = rec.get("counterexample") or {}
        rep = ""
        if "c_replay" in cex:
            rep = "UBSan @ " + cex["c_replay"]["where"] if cex["c_replay"]["confirmed"] else "[red]NOT confirmed[/]"
            if "c_kernel_replay" in cex:
                rep += f"; kernel {cex['c_kernel_replay']['status']}"
        margin = rec.get("margin")
        table.add_row(rec["layer"], rec["kind"], rec["accumulator"] or "-", str(rec.get("fan_in", "-")), ops_txt,
                      "guard" if rec.get("seeded") else "-", f"[{style}]{st}[/]",
                      "-" if rec["worst_case"] is None else f"{rec['worst_case']:,}",
                      "-" if margin is None else f"{margin:,}",
                      "-" if rec["max_safe_fan_in"] is None else f"{rec['max_safe_fan_in']:,}", rep)
    console.print(table)
    for rec in records:
        if rec["status"] == "UNSAFE":
            c = rec["counterexample"]
            console.print(f"[red]UNSAFE[/] {rec['layer']}.{rec['accumulator']}: fan-in {rec['fan_in']} > "
                          f"{rec['max_safe_fan_in']}; x_i = {c['x_uniform']}"
                          + (f", w_i = {c['w_uniform']}" if "w_uniform" in c else "")
                          + f", seed = {c['seed']}: partial sum {c['partial_sum_at_overflow']:,} at step "
                          f"{c['overflow_at_step']} (docs/proofs.md#mac-fan-in)")
        elif rec["status"] == "NO_ENCODING":
            console.print(f"[yellow]NO ENCODING[/] layer {rec['layer']!r} kind {rec['kind']!r}: {rec['note']}")
    if json_file is not None:
        text = json.dumps({"model": str(model), "records": records}, indent=2)
        if str(json_file) == "-":
            sys.stdout.write(text + "\n")
        else:
            json_file.write_text(text + "\n")
    if any(r["status"] not in ("SAFE", "UNSAFE", "NO_ENCODING") for r in records):
        sys.exit(EXIT_UNSAFE)
    if no_enc:
        sys.exit(EXIT_NO_ENCODING)
    unconfirmed = any(r["status"] == "UNSAFE" and not r["counterexample"].get("c_replay", {"confirmed": True})["confirmed"]
                      for r in records)
    sys.exit(EXIT_UNSAFE if any(r["status"] == "UNSAFE" for r in records) or unconfirmed else 0)
