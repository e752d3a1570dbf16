"""Gather the runs of a sweep (``python -m sim -m ...``) into one table.

    python -m sim -m policy.lag_weeks=0,4,8 run.replicates=200
    python -m sim.collect multirun/2026-11-24/01-02-03

Every run folder of the sweep (a sub-folder of the multirun folder) that holds a complete result
set (its ``manifest.json`` lists every file with a matching sha256) becomes one row of
``runs.csv``: ``run`` (the sub-folder), the run's overrides (``.hydra/overrides.yaml``) as
columns, then the scalar statistics of its ``summary.json``, nested keys joined by dots
(``p_violence.policy.p``); a summary key that is also an override column (``policy``) is
written as ``summary.<key>``. Runs without a complete result set (failed, killed, still running,
or a temporary folder left by a killed process) are listed in ``incomplete.csv`` (``run``,
``problem``). Both files are written atomically into the multirun folder.

Exit status (:mod:`sim.cli_errors`): 0 every run complete, 3 some runs incomplete (both files
still written), 2 no such folder or no run in it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .cli_errors import EXIT_BAD_INPUT, EXIT_ENVIRONMENT, EXIT_INCOMPLETE, EXIT_OK, os_error_message
from .files import MANIFEST_FILE, verify_manifest, write_csv

RUNS_FILE = "runs.csv"
INCOMPLETE_FILE = "incomplete.csv"
OVERRIDES = Path(".hydra") / "overrides.yaml"


def run_folders(sweep_dir: Path) -> list[Path]:
    """The run folders of a sweep: its sub-folders (hidden ones only if they are the temporary
    folders of unfinished result sets), numeric names in numeric order."""
    found = [
        p
        for p in sweep_dir.iterdir()
        if p.is_dir() and (not p.name.startswith(".") or p.name.endswith((".tmp", ".old")))
    ]
    return sorted(
        found, key=lambda p: (not p.name.isdigit(), int(p.name) if p.name.isdigit() else 0, p.name)
    )


def read_overrides(run_dir: Path) -> dict[str, Any]:
    """``{key: value}`` of a run's ``.hydra/overrides.yaml`` (values parsed as YAML scalars)."""
    import yaml

    path = run_dir / OVERRIDES
    if not path.is_file():
        return {}
    out = {}
    for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
        key, _, value = str(item).partition("=")
        try:
            out[key.lstrip("+~")] = yaml.safe_load(value)
        except yaml.YAMLError:
            out[key.lstrip("+~")] = value
    return out


def scalars(obj: Any, prefix: str = "") -> dict[str, Any]:
    """The scalar leaves of nested dicts, keys joined by dots (lists are left out)."""
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            out.update(scalars(value, f"{prefix}{key}."))
        return out
    if isinstance(obj, list):
        return {}
    return {prefix.rstrip("."): obj}


def problem(run_dir: Path) -> str | None:
    """Why a run folder is not a complete result set, or None."""
    if run_dir.name.startswith("."):
        return "temporary folder of an unfinished result set"
    if not (run_dir / MANIFEST_FILE).is_file():
        return f"no {MANIFEST_FILE} (failed, killed or still running)"
    problems = verify_manifest(run_dir)
    return "; ".join(problems) if problems else None


def collect(sweep_dir: str | Path) -> tuple[list[dict], list[dict]]:
    """``(rows of runs.csv, rows of incomplete.csv)`` of a multirun folder."""
    sweep_dir = Path(sweep_dir)
    rows, incomplete = [], []
    for run_dir in run_folders(sweep_dir):
        why = problem(run_dir)
        if why is not None:
            incomplete.append({"run": run_dir.name, "problem": why})
            continue
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
        overrides = read_overrides(run_dir)
        stats = {
            (f"summary.{k}" if k in overrides or k == "run" else k): v
            for k, v in scalars(summary).items()
        }
        rows.append({"run": run_dir.name, **overrides, **stats})
    return rows, incomplete


def write_tables(sweep_dir: str | Path, rows: list[dict], incomplete: list[dict]) -> None:
    """Write ``runs.csv`` (override columns first, in order of appearance) and
    ``incomplete.csv`` into the multirun folder, each atomically."""
    import pandas as pd

    sweep_dir = Path(sweep_dir)
    write_csv(pd.DataFrame(rows, columns=_columns(rows)), sweep_dir / RUNS_FILE)
    write_csv(pd.DataFrame(incomplete, columns=["run", "problem"]), sweep_dir / INCOMPLETE_FILE)


def _columns(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(["run", *(k for row in rows for k in row)]))


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.collect <multirun dir>``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.collect", description=__doc__.split("\n")[0]
    )
    parser.add_argument("sweep_dir", help="a multirun folder (hydra.sweep.dir)")
    args = parser.parse_args(argv)
    sweep_dir = Path(args.sweep_dir)
    if not sweep_dir.is_dir():
        print(f"error: {sweep_dir}: not a folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    rows, incomplete = collect(sweep_dir)
    if not rows and not incomplete:
        print(f"error: {sweep_dir}: no run folder in it", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        write_tables(sweep_dir, rows, incomplete)
    except OSError as e:
        print(f"error: {os_error_message(e)}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    print(
        f"{len(rows)} complete runs in {sweep_dir / RUNS_FILE}; "
        f"{len(incomplete)} incomplete in {sweep_dir / INCOMPLETE_FILE}"
    )
    return EXIT_INCOMPLETE if incomplete else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
