"""``symverify bounds MODEL``: per-layer int32 accumulator bounds of a model file."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
from rich.table import Table

from ..reporting.console import make_console, make_progress
from ..reporting.adapters import bounds_cases
from ..reporting.emit import report_options, write_json, write_reports
from ..reporting.stamp import run_stamp
from .options import output_file

EXIT_UNSAFE = 1
EXIT_NO_ENCODING = 4
EXIT_BAD_FILE = 3
FLOAT_CORE_NOTE = ("no integer accumulator: a float32 core on the dequantized mantissas (its non-finite "
                   "results are kernel statuses)")


def _replay_text(rec: dict) -> str:
    cex = rec.get("counterexample") or {}
    parts = []
    if "c_replay" in cex:
        parts.append(f"UBSan harness fires at {cex['c_replay']['where']}" if cex["c_replay"]["confirmed"]
                     else "UBSan harness NOT confirmed")
    if "c_kernel_replay" in cex:
        k = cex["c_kernel_replay"]
        kname = k["kernel"].split(" (")[0]
        parts.append(f"{kname} returns {k['status']}, no sanitizer report" if k["confirmed"]
                     else f"{kname} NOT confirmed ({k['status']}, {k.get('sanitizer') or 'no report'})")
    return "; ".join(parts)


def _num(v) -> str:
    """Short cell text: exact below 10^6, else 2 significant digits (exact values are in --json)."""
    if v is None or v == "-":
        return "-"
    v = int(v)
    if abs(v) < 1_000_000:
        return f"{v:,}"
    m, e = f"{v:.1e}".split("e")
    return f"{m}e{int(e)}"


def _load(model: Path | None, torch_spec: str | None, x_bits: int | None, w_bits: int | None,
          overrides: Path | None, B) -> tuple[list[dict], str, list[int] | None, list[dict]]:
    """(layers, label, line of each layer or None for a binary model, import sources)."""
    from symverify.model import importing

    imported = torch_spec is not None or (model is not None and model.suffix.lower() == ".onnx")
    if not imported:
        for flag, v in (("--x-bits", x_bits), ("--w-bits", w_bits), ("--overrides", overrides)):
            if v is not None:
                raise click.UsageError(f"{flag} applies to an ONNX model or --torch; a TOML model file "
                                       "states its widths per layer")
        return B.load_model(model), str(model), None, []
    xb = importing.DEFAULT_X_BITS if x_bits is None else x_bits
    wb = importing.DEFAULT_W_BITS if w_bits is None else w_bits
    if torch_spec is not None:
        from symverify.model import torch_import

        label = torch_spec
        layers = torch_import.read_torch(torch_import.load_factory(torch_spec), torch_spec, xb, wb)
    else:
        from symverify.model import onnx_import

        label = str(model)
        layers = onnx_import.read_onnx(model, xb, wb)
    importing.apply_overrides(layers, importing.read_overrides(overrides), overrides)
    try:
        loaded = B.load_model(importing.model_dict(layers, label))
    except B.ModelError as exc:
        raise B.ModelError(label, exc.layer, exc.key, exc.value, exc.message + " (imported model: set or fix it "
                           "in the --overrides file)") from None
    return loaded, label, [], [lay.source for lay in layers]


@click.command("bounds")
@click.argument("model", type=click.Path(path_type=Path), required=False)  # the loader names a missing file (exit 3)
@click.option("--torch", "torch_spec", metavar="MODULE.py:FACTORY", default=None,
              help="Read the nn.Module that FACTORY() in MODULE.py returns (needs torch) instead of MODEL.")
@click.option("--x-bits", type=click.IntRange(2, 16), default=None,
              help="ONNX / --torch: activation width of every layer (default 12).")
@click.option("--w-bits", type=click.IntRange(2, 16), default=None,
              help="ONNX / --torch: weight width of every layer (default 12).")
@click.option("--overrides", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="ONNX / --torch: side TOML of per-layer keys, [layer.NAME] tables (e.g. x_bits = 16).")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              callback=output_file,
              help="Write one record per layer and accumulator as JSON to FILE ('-' for stdout).")
@click.option("--no-replay", is_flag=True, help="Do not replay UNSAFE counterexamples on C (faster).")
@report_options
def bounds(model: Path | None, json_file: Path | None, no_replay: bool, junit_file: Path | None,
           sarif_file: Path | None, torch_spec: str | None = None, x_bits: int | None = None,
           w_bits: int | None = None, overrides: Path | None = None) -> None:
    """Per-layer int32 overflow bounds for the model MODEL: a TOML model file,
    an ONNX file (*.onnx, needs the onnx package), or --torch MODULE.py:FACTORY.

    For every layer and integer accumulator: SAFE (proved with Z3 for its
    fan-in) with the margin to int32, or UNSAFE with the largest safe fan-in
    and a concrete overflowing input replayed on the C UBSan harness and the
    shipped kernel. Float32 cores (softmax, cross entropy, MSE, SGD) have no
    integer accumulator: FLOAT_CORE, which does not fail the run. Exit 0
    every integer accumulator SAFE, 1 some UNSAFE, 3 bad model file, 4 a
    layer kind with an accumulator but no encoding (nothing is claimed for it)."""
    from symverify.proofs import bounds as B

    console = make_console(stderr=json_file is not None and str(json_file) == "-")
    if (model is None) == (torch_spec is None):
        raise click.UsageError("give exactly one of MODEL and --torch MODULE.py:FACTORY")
    try:
        layers, label, layer_lines, sources = _load(model, torch_spec, x_bits, w_bits, overrides, B)
    except B.ModelError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        sys.exit(EXIT_BAD_FILE)
    for layer, src in zip(layers, sources):
        what = ", ".join(f"{k} {v!r}" for k, v in src.items() if k != "node_index")
        console.print(f"[dim]{escape(layer['name'])} ({layer['kind']}) <- {escape(what)}[/]", soft_wrap=True)
    warnings = B.model_warnings(layers)
    for text in warnings:
        console.print(f"[yellow]warning:[/] {escape(text)}", soft_wrap=True)
    verdicts, records, no_enc = [], [], []
    progress = make_progress(console, "bounds", TextColumn("[bold]deciding"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("{task.description}"))
    with progress:
        task = progress.add_task("", total=len(layers))
        for layer in layers:
            _decide_layer(B, layer, records, verdicts, no_enc, not no_replay)
            progress.update(task, advance=1, description=layer["name"])
    _report(console, label, records, warnings)
    unconfirmed = any(r["status"] == "UNSAFE" and not r["counterexample"].get("c_replay", {"confirmed": True})["confirmed"]
                      for r in records)
    if any(r["status"] not in ("SAFE", "UNSAFE", "NO_ENCODING", "FLOAT_CORE") for r in records):
        code = EXIT_UNSAFE
    elif no_enc:
        code = EXIT_NO_ENCODING
    else:
        code = EXIT_UNSAFE if any(r["status"] == "UNSAFE" for r in records) or unconfirmed else 0
    stamp = run_stamp()
    if json_file is not None:
        payload = {"model": label, "records": records, "warnings": warnings}
        if sources:
            payload["imported"] = [{"layer": {k: v for k, v in lay.items() if not k.startswith("_")}, "source": src}
                                   for lay, src in zip(layers, sources)]
        write_json(json_file, payload, stamp)
    location = label if torch_spec is None else torch_spec.rpartition(":")[0]
    write_reports(bounds_cases(records, location, layer_lines), "bounds", code == 0, junit_file, sarif_file, stamp)
    sys.exit(code)



def _decide_layer(B, layer: dict, records: list[dict], verdicts: list, no_enc: list[str], replay: bool) -> None:
    """Append the records of one layer (FLOAT_CORE, NO_ENCODING, SAFE without accumulator, or one per
    accumulator)."""
    if layer["kind"] in B.KINDS_FLOAT_CORE:
        # float32 from the mantissas: no int32 sum exists to overflow, so nothing is missing
        records.append({"layer": layer["name"], "kind": layer["kind"], "accumulator": None,
                        "status": "FLOAT_CORE", "worst_case": None, "max_safe_fan_in": None,
                        "note": FLOAT_CORE_NOTE})
        return
    if layer["kind"] in B.KINDS_WITHOUT_ENCODING:
        no_enc.append(layer["name"])
        records.append({"layer": layer["name"], "kind": layer["kind"], "accumulator": None,
                        "status": "NO_ENCODING", "worst_case": None, "max_safe_fan_in": None,
                        "note": "no integer-accumulator encoding for this kind yet: nothing is claimed"})
        return
    accs = B.accumulators(layer)
    if not accs:
        records.append({"layer": layer["name"], "kind": layer["kind"], "accumulator": None, "status": "SAFE",
                        "worst_case": 1 << (layer["x_bits"] - 1), "max_safe_fan_in": None,
                        "note": "no integer accumulator (selection / conversion only)"})
        return
    for acc in accs:
        v = B.decide(acc, replay=replay)
        verdicts.append(v)
        records.append(v.record())


def _report(console, label: str, records: list[dict], warnings: list[str]) -> None:
    """The table, its legend, the notes and the UNSAFE / NO ENCODING lines."""
    table = Table(title=f"symverify bounds {escape(label)}", title_justify="left", pad_edge=False, padding=(0, 1))
    # 80-column friendly: short cells, numbers as powers of two past 10^6, details below the table
    for col, kw in (("layer", {}), ("acc", {}), ("N", {"justify": "right"}), ("bits", {}),
                    ("status", {}), ("worst", {"justify": "right"}), ("margin", {"justify": "right"}),
                    ("max N", {"justify": "right"}), ("C", {})):
        table.add_column(col, no_wrap=True, **kw)
    for rec in records:
        st = rec["status"]
        style = {"SAFE": "green", "UNSAFE": "red", "FLOAT_CORE": "cyan"}.get(st, "yellow")
        ops = rec.get("operand_bits")
        ops_txt = "x".join(str(b) for b in ops) if ops else "-"
        if rec.get("seeded"):
            ops_txt += "+s"
        rep = _replay_text(rec)
        rep = "" if not rep else ("[red]NO[/]" if "NOT" in rep else "yes")
        table.add_row(escape(rec["layer"]), rec["accumulator"] or "-", _num(rec.get("fan_in")), ops_txt,
                      f"[{style}]{st}[/]", _num(rec["worst_case"]), _num(rec.get("margin")),
                      _num(rec["max_safe_fan_in"]), rep)
    console.print(table)
    console.print("bits: operand widths (+s: bias seed at the guard 1073774464); worst/margin: |acc| bound and "
                  "2^31-1 minus it; max N: largest safe fan-in; C: counterexample confirmed on the C kernels (docs/proofs.md)", style="dim")
    floats = [rec["layer"] for rec in records if rec["status"] == "FLOAT_CORE"]
    if floats:
        console.print(f"FLOAT_CORE ({escape(', '.join(floats))}): {FLOAT_CORE_NOTE}", style="dim")
    notes: dict[str, None] = {}
    for rec in records:
        note = rec.get("note") or ""
        if "assumed 1" in note:
            notes[f"layer {rec['layer']!r}: batch not given in the model file: assumed 1 (fan-in of dW, db)"] = None
        elif "not given: default 12" in note:
            notes[f"layer {rec['layer']!r}: {note[note.rindex('(') + 1:-1]}"] = None
        if rec.get("rounding") == "SR":
            notes[f"layer {rec['layer']!r}: SR rounding: q_n can be qMin (docs/proofs.md#layernorm-qn-range)"] = None
    for note in notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    for rec in records:
        if rec["status"] == "UNSAFE":
            c = rec["counterexample"]
            if rec.get("rounding") is not None:
                console.print(f"[red]UNSAFE[/] {escape(rec['layer'])}.{rec['accumulator']}: q_n = {c['q_n']}, gamma = "
                              f"{c['gamma']}, seed = {c['seed']}: y = {c['y']:,} > 2^31-1 "
                              "(docs/proofs.md#finding-layernorm-affine-sr)"
                              + (f"; C: {_replay_text(rec)}" if _replay_text(rec) else ""))
                continue
            console.print(f"[red]UNSAFE[/] {escape(rec['layer'])}.{rec['accumulator']}: fan-in {rec['fan_in']} > "
                          f"{rec['max_safe_fan_in']}; x_i = {c['x_uniform']}"
                          + (f", w_i = {c['w_uniform']}" if "w_uniform" in c else "")
                          + f", seed = {c['seed']}: partial sum {c['partial_sum_at_overflow']:,} at step "
                          f"{c['overflow_at_step']} (docs/proofs.md#mac-fan-in)"
                          + (f"; C: {_replay_text(rec)}" if _replay_text(rec) else ""))
        elif rec["status"] == "NO_ENCODING":
            what = f"layer {rec['layer']!r} kind {rec['kind']!r}: {rec['note']}"
            console.print(f"[yellow]NO ENCODING[/] {escape(what)}")
