"""Hydra callback: lock the output directory and write the manifest before a multirun's jobs
start, aggregate and unlock when they end (grid experiments only; ``experiment.kind``
calibration and sensitivity write their own files).

The lock (:mod:`experiments.faults`) belongs to the sweep: the multirun's main process takes it
here and holds it while the launcher (basic, joblib, submitit, SLURM) runs the jobs; the jobs
only check that it carries their sweep's fingerprint. It is released at the end of the multirun,
or when the main process exits (a failed job: Hydra skips ``on_multirun_end``); a main process
killed outright leaves a stale lock that the next sweep on that host breaks.

Configured in ``conf/experiments.yaml`` (``hydra.callbacks``). Hydra calls ``on_multirun_end``
only when every job succeeded; otherwise run ``python -m experiments.aggregate <out_dir>``.
"""

from __future__ import annotations

import atexit
import logging
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from . import faults
from .cells import MANIFEST_FILE, write_manifest
from .config import Experiment, experiment_kind, resolve
from .jobs import check_out_dir, recorded_out_dirs

log = logging.getLogger("experiments")


class ExperimentCallback(Callback):
    """Writes the manifest before a multirun's jobs start; aggregates every output directory
    the jobs wrote into when they have all succeeded (``experiment.aggregate``)."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        if experiment_kind(config) != "grid":  # no cells: nothing to expect
            return
        experiment = resolve(config, config.hydra.runtime.cwd)
        check_out_dir(experiment.out_dir)
        faults.acquire(
            experiment.out_dir, faults.sweep_fingerprint(experiment), " ".join(sys.argv)[:300]
        )
        atexit.register(faults.release, experiment.out_dir)  # also when a job failed
        path = write_manifest(experiment)
        log.info(
            "%s: %d cells x %d block(s) expected (manifest %s)",
            experiment.name,
            len(experiment.cells),
            experiment.n_blocks,
            path,
        )

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if experiment_kind(config) != "grid":
            return
        experiment = resolve(config, config.hydra.runtime.cwd)
        try:
            if bool(config.experiment.aggregate):
                self._aggregate(config, experiment)
        finally:
            faults.release(experiment.out_dir)

    def _aggregate(self, config: DictConfig, experiment: Experiment) -> None:
        # Imported here: pandas and the tables are needed only now, not when a job starts.
        from .aggregate import aggregate

        for out_dir in _out_dirs(config, experiment):
            if (out_dir / MANIFEST_FILE).is_file():
                print(aggregate(out_dir).text)


def _out_dirs(config: DictConfig, experiment: Experiment) -> list[Path]:
    """The experiment's output directory, then any other the multirun's jobs recorded (a sweep
    over ``scenario`` or ``experiment.out_dir`` writes into several)."""
    dirs = [experiment.out_dir]
    try:
        sweep_dir = str(config.hydra.sweep.dir)
    except Exception:  # pragma: no cover - an unresolvable sweep dir: only the main one
        sweep_dir = None
    if sweep_dir:
        sweep = Path(sweep_dir)
        if not sweep.is_absolute():
            sweep = Path(config.hydra.runtime.cwd) / sweep
        dirs += [d for d in recorded_out_dirs(sweep) if d not in dirs]
    return dirs
