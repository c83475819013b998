"""MTE reports of an outside-project run, and the merge of shard reports
(``symverify mutate merge REPORTS... [--json OUT]``) into one score.

A project report is the engine's mutation-testing-elements JSON plus, under
``config.project``: the fingerprint of the inputs (sources, catalog,
commands), the shard ``K/N``, the number of mutants before sharding and the
``--since`` revision. The merge refuses reports of different inputs, a
missing or repeated shard and a mutant reported twice, so the merged score is
the score of the unsharded run.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .catalog import Catalog
from .project import ProjectOutcome
from .report import DETECTED, VALID, to_mte


class MergeError(ValueError):
    """A shard report is unreadable or does not belong with the others."""


def project_report(po: ProjectOutcome, catalog: Catalog) -> dict[str, Any]:
    """The MTE JSON of a project run."""
    data = to_mte(po.outcome, catalog, po.config.root)
    cfg = data["config"]
    cfg.pop("goldenVectors", None)
    cfg["project"] = {"fingerprint": po.fingerprint, "shard": str(po.shard), "totalMutants": po.total_mutants,
                      "since": po.outcome.since, "mode": po.mode, "settings": po.config.origin,
                      "buildCmd": po.config.build_cmd, "testCmd": po.config.test_cmd}
    cfg["secondsPerMutant"] = round(po.seconds_per_mutant, 4)
    if po.fallback:
        cfg["project"]["fallback"] = po.fallback
    return data


def score_of(files: dict[str, Any]) -> tuple[int, int]:
    """(detected, valid) over the mutants of an MTE ``files`` table."""
    statuses = [m["status"] for f in files.values() for m in f["mutants"]]
    return sum(s in DETECTED for s in statuses), sum(s in VALID for s in statuses)


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise MergeError(f"{path}: cannot read: {exc.strerror}") from exc
    except ValueError as exc:
        raise MergeError(f"{path}: not JSON: {exc}") from exc
    proj = data.get("config", {}).get("project") if isinstance(data, dict) else None
    if not isinstance(proj, dict) or not isinstance(data.get("files"), dict):
        raise MergeError(f"{path}: not a report of `symverify mutate --project` (no config.project / files)")
    try:
        k, n = (int(x) for x in str(proj["shard"]).split("/"))
        proj["_shard"] = (k, n)
    except (KeyError, ValueError) as exc:
        raise MergeError(f"{path}: config.project.shard {proj.get('shard')!r} is not K/N") from exc
    return data


def merge(paths: list[Path]) -> dict[str, Any]:
    """One MTE report of the shard reports at ``paths`` (MergeError on any mismatch)."""
    if not paths:
        raise MergeError("no report to merge")
    reports = [(Path(p), _load(Path(p))) for p in paths]
    first_path, first = reports[0]
    p0 = first["config"]["project"]
    n = p0["_shard"][1]
    seen: dict[int, Path] = {}
    owner: dict[str, Path] = {}
    files: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    for path, data in reports:
        proj = data["config"]["project"]
        for key in ("fingerprint", "since", "totalMutants"):
            if proj.get(key) != p0.get(key):
                raise MergeError(f"{path}: {key} {proj.get(key)!r} differs from {first_path}'s {p0.get(key)!r} "
                                 "(reports of different sources, catalog, commands or selection)")
        k, nn = proj["_shard"]
        if nn != n:
            raise MergeError(f"{path}: shard {k}/{nn} does not fit {first_path}'s split into {n}")
        if k in seen:
            raise MergeError(f"{path}: shard {k}/{n} already given by {seen[k]}")
        seen[k] = path
        for rel, f in data["files"].items():
            out = files.setdefault(rel, {"language": f.get("language", "c"), "source": f.get("source", ""),
                                         "mutants": []})
            if f.get("source", "") != out["source"]:
                raise MergeError(f"{path}: {rel} has another source text than in an earlier report")
            for m in f["mutants"]:
                if m["id"] in owner:
                    raise MergeError(f"{path}: mutant {m['id']} is also in {owner[m['id']]}")
                owner[m["id"]] = path
                out["mutants"].append(m)
        for key, v in data["config"].get("seconds", {}).items():
            seconds[key] = round(seconds.get(key, 0.0) + float(v), 3)
    missing = sorted(set(range(1, n + 1)) - set(seen))
    if missing:
        raise MergeError(f"shard(s) {', '.join(f'{k}/{n}' for k in missing)} missing: the merged score would "
                         "leave their mutants out")
    if p0.get("since") is None and len(owner) != p0["totalMutants"]:
        raise MergeError(f"the shards hold {len(owner)} mutants, the project has {p0['totalMutants']}")
    for f in files.values():
        f["mutants"].sort(key=lambda m: m["id"])
    det, valid = score_of(files)
    merged = dict(first)
    merged["files"] = dict(sorted(files.items()))
    proj = {k: v for k, v in p0.items() if k != "_shard"}
    proj["shard"] = f"merged {n}"
    merged["config"] = dict(first["config"], project=proj, detected=det, valid=valid, seconds=seconds,
                            mutationScore=round(100.0 * det / valid, 2) if valid else None)
    return merged
