"""Aggregate an experiment's cell files into its tables and figures; list what is missing.

    python -m experiments.aggregate outputs/experiments/warning_to_action-default

Reads ``manifest.json`` (the expected cells), then every cell's result files. A cell enters the
tables only when its finished files cover all of its replicates; every other cell - never
computed, partly computed, failed (with its error), or only stale files - is listed in
``missing_cells.csv`` and printed, and the command exits with status 3. Nothing is dropped
silently. It also runs at the end of a single-process run and of a multirun (a Hydra callback),
but Hydra skips that callback when any job failed: run this command then.

Writes into the directory: ``summary.csv`` and ``summary.parquet`` (one row per cell),
``missing_cells.csv`` (always, header only when nothing is missing) and the experiment's own
tables and figure (:mod:`experiments.analyses`). Exit status: 0 complete, 3 cells missing,
2 bad input (no manifest).
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import ensure_numba_cache

ensure_numba_cache()

from .cells import (  # noqa: E402
    ARM_BASELINE,
    ARM_POLICY,
    failures,
    read_manifest,
    scan_cell,
    uncovered,
)
from .config import Experiment, from_manifest  # noqa: E402

log = logging.getLogger("experiments")

EXIT_INCOMPLETE = 3
EXIT_BAD_INPUT = 2
SUMMARY_CSV, SUMMARY_PARQUET, MISSING_CSV = "summary.csv", "summary.parquet", "missing_cells.csv"
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
    out_dir: Path
    summary: object  # DataFrame
    missing: object  # DataFrame
    files: dict = field(default_factory=dict)  # name -> path
    text: str = ""

    @property
    def exit_code(self) -> int:
        return EXIT_INCOMPLETE if len(self.missing) else 0


# ---------------------------------------------------------------- loading cells
def load_cell(experiment: Experiment, cell) -> tuple[object | None, dict]:
    """The complete outcomes of a cell (both arms, replicates 0..N-1), or None and why not."""
    import pandas as pd

    n = experiment.replicates
    files = scan_cell(experiment.out_dir, cell)
    usable = [f for f in files if f.ok]
    gaps = uncovered(usable, 0, n)
    ignored = "; ".join(f"{f.path.name} ({f.problem})" for f in files if not f.ok)
    status = {"ignored_files": ignored}
    if gaps:
        done = n - sum(b - a for a, b in gaps)
        fails = failures(experiment.out_dir, cell)
        status.update(
            status="failed" if fails else ("partial" if done else "missing"),
            replicates_done=done,
            missing_replicates=";".join(f"{a}-{b - 1}" for a, b in gaps),
            error=" | ".join(str(f.get("error", "")) for f in fails),
        )
        return None, status
    frames = []
    for f in usable:
        try:
            frames.append(pd.read_parquet(f.path))
        except Exception as e:  # unreadable although its footer was fine
            status.update(
                status="failed",
                replicates_done=0,
                missing_replicates=f"0-{n - 1}",
                error=f"{f.path.name}: {type(e).__name__}: {e}",
            )
            return None, status
    df = pd.concat(frames, ignore_index=True)
    df = df.drop_duplicates(["arm", "replicate"], keep="first")
    df = df[(df["replicate"] >= 0) & (df["replicate"] < n)]
    arm_key = (df["arm"] != ARM_POLICY).astype("int64")
    df = df.assign(_k=arm_key).sort_values(["_k", "replicate"], kind="mergesort")
    df = df.drop(columns="_k").reset_index(drop=True)
    for arm in (ARM_POLICY, ARM_BASELINE):
        reps = df.loc[df["arm"] == arm, "replicate"].to_numpy()
        if len(reps) != n or (reps != range(n)).any():
            status.update(
                status="failed",
                replicates_done=0,
                missing_replicates=f"0-{n - 1}",
                error=f"arm {arm}: replicates do not match 0..{n - 1}",
            )
            return None, status
    return df, status


def load_all(experiment: Experiment) -> tuple[dict, list[dict]]:
    """``({cell_id: frame} for complete cells, [missing-cell rows])`` in manifest order."""
    data, missing = {}, []
    for cell in experiment.cells:
        frame, status = load_cell(experiment, cell)
        if frame is not None:
            data[cell.cell_id] = frame
            if status["ignored_files"]:
                log.warning("%s: ignored %s", cell.cell_id, status["ignored_files"])
            continue
        missing.append(
            {
                "cell_id": cell.cell_id,
                **{f"axis_{k}": v for k, v in cell.axes.items()},
                "status": status["status"],
                "replicates_done": status["replicates_done"],
                "replicates_expected": experiment.replicates,
                "missing_replicates": status["missing_replicates"],
                "error": status["error"],
                "ignored_files": status["ignored_files"],
            }
        )
    return data, missing


# ---------------------------------------------------------------- the summary table
def arms(frame):
    """``(policy arm, baseline arm)`` of a cell frame, each sorted by replicate."""
    pol = frame[frame["arm"] == ARM_POLICY].reset_index(drop=True)
    base = frame[frame["arm"] == ARM_BASELINE].reset_index(drop=True)
    return pol, base


def axis_columns(experiment: Experiment) -> list[str]:
    """Columns identifying a cell: scenario, instrument, lag_weeks, then the other axes."""
    cols = ["scenario", "instrument", "lag_weeks"]
    cols += [a for a in experiment.axes if a not in cols]
    return cols


def cell_keys(experiment: Experiment, cell) -> dict:
    keys = {"scenario": scenario_label(cell.scenario)}
    for a in axis_columns(experiment)[1:]:
        keys[a] = cell.axes[a] if a in cell.axes else cell.policy.get(a)
    return keys


def scenario_label(section: dict) -> str:
    return str(section.get("file") or section.get("name") or "")


def summary_table(experiment: Experiment, data: dict):
    """One row per complete cell (manifest order); see docs/experiments.md for the columns."""
    import numpy as np
    import pandas as pd

    from sim.stats import paired_difference, wilson_interval

    rows = []
    for cell in experiment.cells:
        if cell.cell_id not in data:
            continue
        pol, base = arms(data[cell.cell_id])
        n = len(pol)
        v, vb = pol["violence"].to_numpy(), base["violence"].to_numpy()
        p, lo, hi = wilson_interval(int(v.sum()), n)
        pw, wlo, whi = wilson_interval(int(pol["war"].sum()), n)
        rd, rlo, rhi = paired_difference(v, vb)
        onset = pol["onset_week"].to_numpy()
        onset = onset[onset >= 0]
        rows.append(
            {
                **cell_keys(experiment, cell),
                "policy": pol["policy"].iloc[0],
                "n": n,
                "p_violence": p,
                "p_low": lo,
                "p_high": hi,
                "p_violence_none": float(vb.mean()),
                "risk_diff": rd,
                "rd_low": rlo,
                "rd_high": rhi,
                "p_war": pw,
                "war_low": wlo,
                "war_high": whi,
                "median_onset_week": float(np.median(onset)) if onset.size else float("nan"),
                "mean_cost": float(pol["cost"].mean()),
                "p_relapse": float((pol["relapse"] > 0).mean()),
                "mean_relapses": float(pol["relapses"].mean()),
                "mean_party_weeks_violent": float(pol["party_weeks_violent"].mean()),
                "mean_violent_at_end": float(pol["violent_at_end"].mean()),
                "p_warned": float((pol["warning_week"] >= 0).mean()),
                "p_arrived": float((pol["arrival_week"] >= 0).mean()),
                "mean_action_weeks": float(pol["action_weeks"].mean()),
                "mean_mediation_successes": float(pol["mediation_successes"].mean()),
                "cell_id": cell.cell_id,
            }
        )
    columns = axis_columns(experiment) + [
        "policy",
        "n",
        "p_violence",
        "p_low",
        "p_high",
        "p_violence_none",
        "risk_diff",
        "rd_low",
        "rd_high",
        "p_war",
        "war_low",
        "war_high",
        "median_onset_week",
        "mean_cost",
        "p_relapse",
        "mean_relapses",
        "mean_party_weeks_violent",
        "mean_violent_at_end",
        "p_warned",
        "p_arrived",
        "mean_action_weeks",
        "mean_mediation_successes",
        "cell_id",
    ]
    df = pd.DataFrame(rows, columns=columns)
    if len(df):
        df["n"] = df["n"].astype("int64")
        df["lag_weeks"] = df["lag_weeks"].astype("int64")
    return df


# ---------------------------------------------------------------- the whole step
def aggregate(out_dir, echo: bool = False) -> AggregateResult:
    """Build every table and figure of the experiment in ``out_dir``; see the module doc."""
    import pandas as pd

    from sim.errors import SimInputError
    from sim.io import write_csv, write_parquet

    from . import analyses

    out_dir = Path(out_dir).resolve()
    try:
        manifest = read_manifest(out_dir)
    except FileNotFoundError:
        raise SimInputError(
            "sweep_dir", str(out_dir), "holds no manifest.json (not an experiment output dir)"
        ) from None
    except ValueError:
        raise SimInputError("sweep_dir", str(out_dir), "manifest.json is not valid JSON") from None
    experiment = from_manifest(manifest, out_dir)
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
    lines = [
        f"{experiment.name} ({experiment.analysis}): {len(data)}/{len(experiment.cells)} cells "
        f"complete, {experiment.replicates} paired replicates x {experiment.horizon_weeks} weeks, "
        f"seed {experiment.seed}",
    ]
    if text:
        lines.append(text)
    if len(missing):
        lines.append(f"MISSING or incomplete cells: {len(missing)} (see {files['missing_cells']})")
        for row in missing_rows:
            err = f"; error: {row['error']}" if row["error"] else ""
            lines.append(
                f"  missing {row['cell_id']}: {row['status']}, {row['replicates_done']}/"
                f"{experiment.replicates} replicates (missing {row['missing_replicates']}){err}"
            )
        lines.append(
            "  rerun the same command (finished cells are skipped) or "
            f"python -m experiments.aggregate {out_dir} once the jobs are done"
        )
    for name, path in files.items():
        lines.append(f"{name}: {path}")
    result = AggregateResult(out_dir, summary, missing, files, "\n".join(lines))
    if echo:
        print(result.text)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.aggregate",
        description="Build the tables and figures of an experiment output directory and list "
        "missing or failed cells (exit status 3 when some are missing).",
    )
    parser.add_argument("sweep_dir", help="the experiment.out_dir of a sweep (holds manifest.json)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    from sim.errors import SimInputError

    try:
        result = aggregate(args.sweep_dir)
    except SimInputError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(result.text)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
