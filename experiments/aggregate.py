"""Aggregate an experiment's cell files into its tables and figures; list what is missing.

    python -m experiments.aggregate outputs/experiments/warning_to_action-default-821c0a

Reads ``manifest.json`` (the expected cells), then every cell's result files. A cell enters the
tables only when its finished files cover all of its replicates; every other cell - never
computed, partly computed, failed (with its error), or only stale files - is listed in
``missing_cells.csv`` and printed, and the command exits with status 3. A file whose sha256 or
data do not check out is listed with status ``corrupt`` and the reason ``corrupt: <what>``, left
out of the tables, and recomputed by a rerun of the sweep. Nothing is dropped
silently. It also runs at the end of a single-process run and of a multirun (a Hydra callback),
but Hydra skips that callback when any job failed: run this command then.

Writes into the directory: ``summary.csv`` and ``summary.parquet`` (one row per cell,
:func:`experiments.tables.summary_table`), ``missing_cells.csv`` (always, header only when
nothing is missing) and the experiment's own tables and figure (:mod:`experiments.analyses`).
Exit status: 0 complete, 3 cells missing (or corrupt), 2 bad input (no manifest), 4 environment
fault (cannot write: disk full, read-only), 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.cli_errors import EXIT_BAD_INPUT
from sim.errors import SimInputError
from sim.files import write_csv, write_parquet

from . import analyses
from .cells import (
    ARM_BASELINE,
    ARM_POLICY,
    CORRUPT,
    EXIT_INCOMPLETE,
    failures,
    read_manifest,
    scan_cell,
    uncovered,
)
from .config import Cell, Experiment, from_manifest
from .faults import EXIT_ENVIRONMENT, EXIT_INTERRUPTED, describe_os_error
from .tables import summary_table

log = logging.getLogger("experiments")

SUMMARY_CSV, SUMMARY_PARQUET, MISSING_CSV = "summary.csv", "summary.parquet", "missing_cells.csv"
#: The columns of ``missing_cells.csv`` (``axis_<axis>`` columns follow ``cell_id``).
MISSING_COLUMNS = [
    "cell_id",
    "status",
    "replicates_done",
    "replicates_expected",
    "missing_replicates",
    "error",
    "ignored_files",
]


@dataclass
class AggregateResult:
    """What :func:`aggregate` wrote and printed."""

    out_dir: Path
    summary: pd.DataFrame
    missing: pd.DataFrame
    files: dict = field(default_factory=dict)  # name -> path
    text: str = ""

    @property
    def exit_code(self) -> int:
        return EXIT_INCOMPLETE if len(self.missing) else 0


# ---------------------------------------------------------------- loading cells
def load_cell(experiment: Experiment, cell: Cell) -> tuple[pd.DataFrame | None, dict]:
    """The complete outcomes of a cell (both arms, replicates 0..N-1), or None and why not.

    The status always has ``ignored_files``; for an incomplete cell also ``status``
    (``missing``, ``partial`` or ``failed``), ``replicates_done``, ``missing_replicates`` and
    ``error``.
    """
    n = experiment.replicates
    files = scan_cell(experiment.out_dir, cell)
    usable = [f for f in files if f.ok]
    status = {"ignored_files": "; ".join(f"{f.path.name} ({f.problem})" for f in files if not f.ok)}
    gaps = uncovered(usable, 0, n)
    if gaps:
        done = n - sum(b - a for a, b in gaps)
        fails = failures(experiment.out_dir, cell)
        corrupt = [f"{f.problem} ({f.path.name})" for f in files if f.problem.startswith(CORRUPT)]
        kind = "failed" if fails else ("partial" if done else "missing")
        return None, {
            **status,
            "status": "corrupt" if corrupt else kind,
            "replicates_done": done,
            "missing_replicates": ";".join(f"{a}-{b - 1}" for a, b in gaps),
            "error": " | ".join(corrupt + [str(f.get("error", "")) for f in fails]),
        }
    frames = []
    for f in usable:
        try:
            frames.append(pd.read_parquet(f.path))
        except Exception as e:  # unreadable although its footer was fine
            return None, {**status, **_failed(n, f"{f.path.name}: {type(e).__name__}: {e}")}
    df = _arms_in_order(pd.concat(frames, ignore_index=True), n)
    error = _replicate_mismatch(df, n)
    if error:
        return None, {**status, **_failed(n, error)}
    return df, status


def _failed(n: int, error: str) -> dict:
    """The status of a cell whose finished files cannot be used after all."""
    return {
        "status": "failed",
        "replicates_done": 0,
        "missing_replicates": f"0-{n - 1}",
        "error": error,
    }


def _arms_in_order(df: pd.DataFrame, n: int) -> pd.DataFrame:
    """Rows of replicates ``0 .. n-1`` once each: the policy arm, then the baseline arm, each by
    replicate (overlapping files may hold a replicate twice)."""
    df = df.drop_duplicates(["arm", "replicate"], keep="first")
    df = df[(df["replicate"] >= 0) & (df["replicate"] < n)]
    arm_key = (df["arm"] != ARM_POLICY).astype("int64")
    df = df.assign(_k=arm_key).sort_values(["_k", "replicate"], kind="mergesort")
    return df.drop(columns="_k").reset_index(drop=True)


def _replicate_mismatch(df: pd.DataFrame, n: int) -> str:
    """Why the arms of ``df`` do not hold exactly replicates ``0 .. n-1`` ("" if they do)."""
    for arm in (ARM_POLICY, ARM_BASELINE):
        reps = df.loc[df["arm"] == arm, "replicate"].to_numpy()
        if len(reps) != n or (reps != range(n)).any():
            return f"arm {arm}: replicates do not match 0..{n - 1}"
    return ""


def load_all(experiment: Experiment) -> tuple[dict, list[dict]]:
    """``({cell_id: frame} for complete cells, [missing-cell rows])`` in manifest order."""
    data, missing = {}, []
    for cell in experiment.cells:
        frame, status = load_cell(experiment, cell)
        if frame is None:
            missing.append(_missing_row(experiment, cell, status))
            continue
        data[cell.cell_id] = frame
        if status["ignored_files"]:
            log.warning("%s: ignored %s", cell.cell_id, status["ignored_files"])
    return data, missing


def _missing_row(experiment: Experiment, cell: Cell, status: dict) -> dict:
    """A row of ``missing_cells.csv``."""
    return {
        "cell_id": cell.cell_id,
        **{f"axis_{k}": v for k, v in cell.axes.items()},
        "status": status["status"],
        "replicates_done": status["replicates_done"],
        "replicates_expected": experiment.replicates,
        "missing_replicates": status["missing_replicates"],
        "error": status["error"],
        "ignored_files": status["ignored_files"],
    }


# ---------------------------------------------------------------- the whole step
def aggregate(out_dir) -> AggregateResult:
    """Build every table and figure of the experiment in ``out_dir``; see the module doc."""
    out_dir = Path(out_dir).resolve()
    experiment = from_manifest(_manifest(out_dir), out_dir)
    data, missing_rows = load_all(experiment)
    summary = summary_table(experiment, data)
    axis_cols = [f"axis_{a}" for a in experiment.axes]
    missing = pd.DataFrame(missing_rows, columns=["cell_id", *axis_cols, *MISSING_COLUMNS[1:]])
    files = {
        "summary_csv": write_csv(summary, out_dir / SUMMARY_CSV),
        "summary_parquet": write_parquet(summary, out_dir / SUMMARY_PARQUET),
        "missing_cells": write_csv(missing, out_dir / MISSING_CSV),
    }
    extra_files, text = analyses.run(experiment, data, summary)
    files.update(extra_files)
    report = _report(experiment, len(data), text, missing_rows, files)
    return AggregateResult(out_dir, summary, missing, files, report)


def _manifest(out_dir: Path) -> dict:
    """The manifest in ``out_dir``; bad input when there is none."""
    try:
        return read_manifest(out_dir)
    except FileNotFoundError:
        raise SimInputError(
            "sweep_dir", str(out_dir), "holds no manifest.json (not an experiment output dir)"
        ) from None
    except ValueError:
        raise SimInputError("sweep_dir", str(out_dir), "manifest.json is not valid JSON") from None


def _report(
    experiment: Experiment, n_complete: int, text: str, missing_rows: list, files: dict
) -> str:
    """What the aggregation prints: cells complete, the analysis' lines, what is missing and
    how to complete it, and the files written."""
    lines = [
        f"{experiment.name} ({experiment.analysis}): {n_complete}/{len(experiment.cells)} cells "
        f"complete, {experiment.replicates} paired replicates x {experiment.horizon_weeks} weeks, "
        f"seed {experiment.seed}",
    ]
    if text:
        lines.append(text)
    if missing_rows:
        lines.append(
            f"MISSING or incomplete cells: {len(missing_rows)} (see {files['missing_cells']})"
        )
        for row in missing_rows:
            err = f"; error: {row['error']}" if row["error"] else ""
            lines.append(
                f"  missing {row['cell_id']}: {row['status']}, {row['replicates_done']}/"
                f"{experiment.replicates} replicates (missing {row['missing_replicates']}){err}"
            )
        lines.append(
            "  rerun the same command (finished cells are skipped) or "
            f"python -m experiments.aggregate {experiment.out_dir} once the jobs are done"
        )
    lines += [f"{name}: {path}" for name, path in files.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.aggregate <out_dir>``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m experiments.aggregate",
        description="Build the tables and figures of an experiment output directory and list "
        "missing or failed cells (exit status 3 when some are missing).",
    )
    parser.add_argument("sweep_dir", help="the experiment.out_dir of a sweep (holds manifest.json)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        result = aggregate(args.sweep_dir)
    except SimInputError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as e:  # full disk, read-only directory, I/O error: written files stay whole
        print(f"error: cannot write the tables: {describe_os_error(e)}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except KeyboardInterrupt:
        print("error: interrupted; rerun to build the tables", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(result.text)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
