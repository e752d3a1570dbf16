"""The body of a Hydra job: select cells and blocks, compute them, then aggregate or report.

A single run (no ``-m``) computes the cells its ``cell.*`` and ``block`` keys select (by default
the whole grid), aggregates and exits with status 3 if cells are missing. A job of a multirun
computes its cells, records its output directory for the callback that aggregates at the end of
the multirun (:mod:`experiments.callbacks`), and raises :class:`CellsFailed` if a block failed.

A single run holds the lock of ``experiment.out_dir`` while it runs; a job of a multirun only
checks that the lock (taken by the multirun's main process) is its sweep's
(:mod:`experiments.faults`).
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import sys
from pathlib import Path

from sim.errors import SimInputError
from sim.files import atomic_path

from . import faults
from .cells import CELLS_DIR, EXIT_INCOMPLETE, JobReport, run_cells, write_manifest
from .config import Cell, Experiment, experiment_kind, out_dir_of, resolve, to_dict

log = logging.getLogger("experiments")

#: The folder of a multirun's sweep directory that lists the output directories its jobs wrote.
OUT_DIRS = "experiment_out_dirs"


class CellsFailed(RuntimeError):
    """Raised by a job when some of its blocks failed (their failure records are written)."""


def select(experiment: Experiment, cfg) -> tuple[list[Cell], list[tuple[int, int]], dict]:
    """The cells and blocks a job's ``cell.*`` and ``block`` keys select, and the selection."""
    c = to_dict(cfg)
    selection = {k: v for k, v in (c.get("cell") or {}).items() if v is not None}
    for k in selection:
        if k not in experiment.axes:
            raise SimInputError(
                f"cell.{k}",
                selection[k],
                f"is not an axis of experiment {experiment.name} "
                f"(axes: {', '.join(experiment.axes)})",
            )
    cells = [cell for cell in experiment.cells if cell.matches(selection)]
    block = c.get("block")
    blocks = experiment.blocks()
    if block is not None:
        if isinstance(block, bool) or not isinstance(block, int) or not 0 <= block < len(blocks):
            raise SimInputError(
                "block",
                block,
                f"must be in [0, {len(blocks) - 1}] or null "
                f"(experiment.n_blocks={experiment.n_blocks})",
            )
        blocks = [blocks[block]]
    return cells, blocks, selection


def run_job(
    cfg,
    *,
    multirun: bool,
    cwd: str | os.PathLike | None = None,
    sweep_dir: str | os.PathLike | None = None,
) -> JobReport | dict:
    """The body of a Hydra job (single run or one job of a multirun); see the module doc.

    Computes the selected cells and blocks into ``experiment.out_dir``, skipping finished ones.
    An experiment of another ``experiment.kind`` runs as a whole (:func:`run_other_kind`).
    """
    kind = experiment_kind(cfg)
    if kind != "grid":
        return run_other_kind(kind, cfg, cwd)
    experiment = resolve(cfg, cwd)
    cells, blocks, selection = select(experiment, cfg)
    if not cells:
        if multirun:  # e.g. an off-grid combination of swept axes (grids that are unions)
            log.info("nothing to do: %s is not a cell of the grid", selection)
            return JobReport()
        raise SimInputError("cell", selection, "matches no cell of the grid")
    check_out_dir(experiment.out_dir)
    sweep = faults.sweep_fingerprint(experiment)
    if multirun:  # the multirun's main process holds the lock (callbacks): only check it is ours
        faults.check_joined(experiment.out_dir, sweep)
        return _run_and_report(cfg, experiment, cells, blocks, selection, multirun, sweep_dir)
    with faults.locked(experiment.out_dir, sweep, " ".join(sys.argv)[:300]):
        return _run_and_report(cfg, experiment, cells, blocks, selection, multirun, sweep_dir)


def check_out_dir(out_dir: Path) -> None:
    """``experiment.out_dir`` must be a directory (or not exist yet): bad input otherwise."""
    if out_dir.exists() and not out_dir.is_dir():
        raise SimInputError("experiment.out_dir", str(out_dir), "is a file, not a directory")


def _run_and_report(cfg, experiment, cells, blocks, selection, multirun, sweep_dir) -> JobReport:
    """Write the manifest, compute the cells, then report (multirun) or aggregate (single run)."""
    write_manifest(experiment)
    if multirun and sweep_dir is not None:
        record_out_dir(Path(sweep_dir), experiment.out_dir)
    report = run_cells(experiment, cells, blocks, progress=_flag(cfg, "progress") and not multirun)
    log.info(
        "%s: %d cell blocks computed, %d skipped (finished), %d failed in %.1f s; out_dir %s",
        experiment.name,
        len(report.computed),
        len(report.skipped),
        len(report.failed),
        report.seconds,
        experiment.out_dir,
    )
    if multirun:
        _raise_if_failed(experiment, report)
    else:
        whole_grid = not selection and cfg.get("block") is None
        _finish_single_run(cfg, experiment, report, whole_grid)
    return report


def run_other_kind(kind: str, cfg, cwd: str | os.PathLike | None = None) -> dict:
    """Run an experiment that is not a grid of cells: ``experiments.<kind>.run_experiment`` with
    the ``experiment`` section as a plain dict (null keys left out) and the output directory;
    print and return the ``{name: path}`` of the files it wrote. The module is imported here:
    it (and what it needs) loads only for that experiment."""
    exp = to_dict(cfg).get("experiment") or {}
    out_dir = out_dir_of(exp, cwd)
    module = f"{__package__}.{kind}"
    try:
        run_experiment = getattr(importlib.import_module(module), "run_experiment", None)
    except ModuleNotFoundError as e:
        if e.name != module:
            raise
        run_experiment = None
    if run_experiment is None:
        raise SimInputError("experiment.kind", kind, f"needs {module}.run_experiment, not found")
    files = run_experiment({k: v for k, v in exp.items() if v is not None}, out_dir)
    for name, path in files.items():
        print(f"{name}: {path}")
    return files


def _flag(cfg, name: str) -> bool:
    """``experiment.<name>`` (``progress``, ``aggregate``); true when the config has no
    experiment section."""
    return bool(cfg.experiment[name]) if hasattr(cfg, "experiment") else True


def _raise_if_failed(experiment: Experiment, report: JobReport) -> None:
    if report.failed:
        raise CellsFailed(
            f"{len(report.failed)} cell block(s) failed (records under "
            f"{experiment.out_dir / CELLS_DIR}): "
            + "; ".join(f"{cid} {s}-{e - 1}: {err}" for cid, s, e, err in report.failed)
        )


def _finish_single_run(cfg, experiment: Experiment, report: JobReport, whole_grid: bool) -> None:
    """Aggregate (``experiment.aggregate``) and print where the tables are; exit with status 3
    if a block failed, or if the run was for the whole grid and cells are still missing."""
    if not _flag(cfg, "aggregate"):
        if report.failed:
            raise SystemExit(EXIT_INCOMPLETE)
        return
    # Imported here, not at the top: pandas and the tables are only needed once the cells are
    # computed, and a job should start fast.
    from .aggregate import aggregate

    result = aggregate(experiment.out_dir)
    print(result.text)
    if report.failed or (whole_grid and len(result.missing)):
        raise SystemExit(EXIT_INCOMPLETE)


def record_out_dir(sweep_dir: Path, out_dir: Path) -> None:
    """Note an output directory a multirun's jobs wrote into (the callback aggregates each)."""
    path = sweep_dir / OUT_DIRS / (hashlib.sha1(str(out_dir).encode()).hexdigest()[:16] + ".txt")
    if not path.exists():
        with atomic_path(path) as tmp:
            tmp.write_text(str(out_dir) + "\n")


def recorded_out_dirs(sweep_dir: str | os.PathLike) -> list[Path]:
    """The output directories the jobs of a multirun recorded (:func:`record_out_dir`)."""
    reg = Path(sweep_dir) / OUT_DIRS
    if not reg.is_dir():
        return []
    return sorted({Path(p.read_text().strip()) for p in reg.glob("*.txt")})
