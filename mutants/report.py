"""Reports of a mutation run: mutation-testing-elements JSON (the Stryker / Mull
schema, https://github.com/stryker-mutator/mutation-testing-elements), a
standalone HTML file, and summary rows per operator and per kernel."""
from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from .catalog import Catalog
from .engine import Outcome

DETECTED = {"Killed", "Timeout"}
#: statuses that count in the score's denominator
VALID = {"Killed", "Timeout", "Survived", "NoCoverage"}


def score(outcome: Outcome) -> tuple[int, int, float]:
    """(detected, valid, percent) over non-equivalent, compilable mutants."""
    rs = [outcome.results[m.uid] for m in outcome.selected]
    det = sum(r.status in DETECTED for r in rs)
    valid = sum(r.status in VALID for r in rs)
    return det, valid, (100.0 * det / valid) if valid else 100.0


def equivalents(outcome: Outcome) -> dict[str, int]:
    """Equivalent (Ignored) mutants by kind: "proven (Z3)" / "justified (reviewed)"."""
    c: Counter = Counter(outcome.results[m.uid].equivalence or "justified (reviewed)"
                         for m in outcome.selected if outcome.results[m.uid].status == "Ignored")
    return dict(c)


def survivors(outcome: Outcome) -> list:
    return [m for m in outcome.selected if outcome.results[m.uid].status == "Survived"]


def to_mte(outcome: Outcome, catalog: Catalog, repo_root: Path | None = None,
           stamp: dict[str, Any] | None = None) -> dict[str, Any]:
    """The mutation-testing-elements report (schemaVersion 2) of ``outcome``;
    ``config.stamp`` carries the run stamp (symverify.reporting.stamp)."""
    from symverify import __version__
    from symverify.reporting.stamp import run_stamp

    files: dict[str, Any] = {}
    for rel, sf in outcome.schemata.sources.files.items():
        ms = [m for m in outcome.selected if m.file == rel]
        if not ms:
            continue
        entries = []
        for m in ms:
            r = outcome.results[m.uid]
            op = catalog.operator(m.op)
            e: dict[str, Any] = {
                "id": m.uid,
                "mutatorName": m.op,
                "description": f"{op.name}: {m.diff()}",
                "location": {"start": {"line": m.line, "column": m.col},
                             "end": {"line": m.end_line, "column": m.end_col}},
                "status": r.status,
                "statusReason": r.reason,
                "replacement": m.replacement,
                "static": False,
                "testsCompleted": r.covered,
            }
            if r.killer:
                e["killedBy"] = [r.killer]
            if r.covered_by:
                e["coveredBy"] = r.covered_by
            entries.append(e)
        files[rel] = {"language": "c", "source": sf.text, "mutants": entries}
    det, valid, pct = score(outcome)
    return {
        "$schema": "https://git.io/mutation-testing-schema",
        "schemaVersion": "2",
        "thresholds": {"high": 100, "low": 100},
        "projectRoot": str(repo_root or Path.cwd()),
        "files": files,
        "framework": {"name": "symverify mutate", "version": __version__,
                      "branding": {"homepageUrl": "https://example.invalid/symverify"}},
        "config": {"mutationScore": round(pct, 2) if valid else None, "detected": det, "valid": valid,
                   "passes": list(outcome.passes),
                   "goldenVectors": outcome.cases, "seconds": {k: round(v, 3) for k, v in outcome.seconds.items()},
                   "stamp": stamp if stamp is not None else run_stamp()},
    }


def per_operator(outcome: Outcome) -> list[tuple[str, Counter]]:
    rows: dict[str, Counter] = defaultdict(Counter)
    for m in outcome.selected:
        rows[m.op][outcome.results[m.uid].status] += 1
    return sorted(rows.items())


def per_kernel(outcome: Outcome) -> list[tuple[str, Counter]]:
    rows: dict[str, Counter] = defaultdict(Counter)
    for m in outcome.selected:
        rows[f"{Path(m.file).name}:{m.function}"][outcome.results[m.uid].status] += 1
    return sorted(rows.items())


_COLOURS = {"Killed": "#2e7d32", "Timeout": "#558b2f", "Survived": "#c62828", "Ignored": "#6d6d6d",
            "CompileError": "#8d6e63", "RuntimeError": "#ef6c00", "NoCoverage": "#c62828"}


_FALLBACK_STYLE = ("<style>.fallback{font-family:sans-serif;margin:2em}.fallback table{border-collapse:collapse;"
                   "margin:1em 0}.fallback td,.fallback th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
                   ".fallback td.l,.fallback th.l{text-align:left}.fallback pre{background:#f6f6f6;padding:6px;"
                   "overflow-x:auto}.fallback .src{font-family:monospace;white-space:pre}"
                   ".fallback .mut{cursor:help;border-bottom:2px solid}</style>")


def _script_json(doc: dict[str, Any]) -> str:
    """JSON safe inside <script type="application/json">: no '</' or '<!--' can end or escape the element."""
    return json.dumps(doc).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def to_html(outcome: Outcome, catalog: Catalog, stamp: dict[str, Any] | None = None) -> str:
    """A standalone page: the mutation-testing-elements app (the pinned bundle
    inlined with its license, the report JSON embedded: works offline), and
    the hand-written tables as the <noscript> fallback."""
    from . import mte_bundle

    bundle, license_text = mte_bundle.bundle(), mte_bundle.license_text()
    doc = to_mte(outcome, catalog, stamp=stamp)
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<title>symverify mutation report</title>" + _FALLBACK_STYLE + "</head><body>"
            "<mutation-test-report-app title-postfix='symverify'></mutation-test-report-app>"
            "<noscript><div class='fallback'>" + _tables(outcome, catalog) + "</div></noscript>"
            f"<script id='mte-report' type='application/json'>{_script_json(doc)}</script>"
            f"<script data-bundle='mutation-testing-elements@{mte_bundle.VERSION}'>/*! mutation-testing-elements "
            f"{mte_bundle.VERSION} (npm), https://github.com/stryker-mutator/mutation-testing-elements\n"
            f"{license_text}*/\n{bundle}\n</script>"
            "<script>document.querySelector('mutation-test-report-app').report = "
            "JSON.parse(document.getElementById('mte-report').textContent);</script>"
            "</body></html>\n")


def _tables(outcome: Outcome, catalog: Catalog) -> str:
    """The summary, per-operator / per-kernel tables, survivors, equivalents and
    annotated sources as plain HTML (no script)."""
    det, valid, pct = score(outcome)
    esc = html.escape
    out = ["<h1>symverify mutation report</h1>",
           f"<p><b>Mutation score {pct:.1f}%</b> ({det} detected of {valid} non-equivalent compilable mutants;"
           f" {len(outcome.selected)} mutants in total, {outcome.cases} golden vectors).</p>"]
    statuses = ["Killed", "Timeout", "Survived", "Ignored", "CompileError", "RuntimeError"]

    def table(title: str, rows: list[tuple[str, Counter]]) -> None:
        out.append(f"<h2>{esc(title)}</h2><table><tr><th class='l'>{esc(title.split()[-1])}</th>"
                   + "".join(f"<th>{s}</th>" for s in statuses) + "<th>total</th></tr>")
        for name, c in rows:
            out.append(f"<tr><td class='l'>{esc(name)}</td>" + "".join(f"<td>{c.get(s, 0)}</td>" for s in statuses)
                       + f"<td>{sum(c.values())}</td></tr>")
        out.append("</table>")

    table("Per operator", per_operator(outcome))
    table("Per kernel", per_kernel(outcome))
    out.append("<h2>Operators</h2><table><tr><th class='l'>id</th><th class='l'>name</th>"
               "<th class='l'>bug class</th><th class='l'>source</th></tr>")
    for op in catalog.operators:
        out.append(f"<tr><td class='l'>{esc(op.id)}</td><td class='l'>{esc(op.name)}</td>"
                   f"<td class='l'>{esc(op.bug_class)}</td><td class='l'>{esc(op.source)}</td></tr>")
    out.append("</table>")
    surv = survivors(outcome)
    out.append(f"<h2>Survivors ({len(surv)})</h2>")
    for m in surv:
        r = outcome.results[m.uid]
        out.append(f"<h3>{esc(m.uid)}</h3><p>{esc(m.file)}:{m.line} in {esc(m.function)} — {esc(r.reason)}"
                   f"<br>reached by {r.covered} golden vector(s): {esc(', '.join(r.covered_by))}</p>"
                   f"<pre>{esc(m.diff())}</pre>")
    ign = [m for m in outcome.selected if outcome.results[m.uid].status == "Ignored"]
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(equivalents(outcome).items()))
    out.append(f"<h2>Equivalent mutants ({len(ign)}: {esc(kinds)})</h2><table><tr><th class='l'>id</th>"
               "<th class='l'>diff</th><th class='l'>kind</th><th class='l'>why</th></tr>")
    for m in ign:
        r = outcome.results[m.uid]
        out.append(f"<tr><td class='l'>{esc(m.uid)}</td><td class='l'><pre>{esc(m.diff())}</pre></td>"
                   f"<td class='l'>{esc(r.equivalence or 'justified (reviewed)')}</td>"
                   f"<td class='l'>{esc(r.reason)}</td></tr>")
    out.append("</table><h2>Sources</h2>")
    for rel, sf in outcome.schemata.sources.files.items():
        ms = [m for m in outcome.selected if m.file == rel]
        if not ms:
            continue
        by_line: dict[int, list] = defaultdict(list)
        for m in ms:
            by_line[m.line].append(m)
        out.append(f"<h3>{esc(rel)}</h3><div class='src'>")
        for i, line in enumerate(sf.text.splitlines(), start=1):
            marks = ""
            for m in by_line.get(i, []):
                r = outcome.results[m.uid]
                marks += (f" <span class='mut' style='border-color:{_COLOURS.get(r.status, '#000')}'"
                          f" title='{esc(m.uid)}: {esc(r.status)}: {esc(m.diff())} :: {esc(r.reason)}'>"
                          f"[{esc(m.op)}:{esc(r.status[0])}]</span>")
            out.append(f"{i:4d}  {esc(line)}{marks}\n")
        out.append("</div>")
    return "".join(out)


def write_json(outcome: Outcome, catalog: Catalog, path: Path, stamp: dict[str, Any] | None = None) -> None:
    """Write the mutation-testing-elements JSON report to ``path``."""
    from symverify.reporting.emit import write_text

    write_text(path, json.dumps(to_mte(outcome, catalog, stamp=stamp), indent=1))


def write_html(outcome: Outcome, catalog: Catalog, path: Path, stamp: dict[str, Any] | None = None) -> None:
    """Write the standalone HTML report to ``path``."""
    from symverify.reporting.emit import write_text

    write_text(path, to_html(outcome, catalog, stamp))
