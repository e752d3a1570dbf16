"""Hydra callback: write the manifest before a multirun's jobs start, aggregate when they end
(grid experiments only; ``experiment.kind`` calibration and sensitivity write their own files).

Configured in ``conf/experiments.yaml`` (``hydra.callbacks``). Hydra calls ``on_multirun_end``
only when every job succeeded; otherwise run ``python -m experiments.aggregate <out_dir>``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from .cells import MANIFEST_FILE, write_manifest
from .config import Experiment, experiment_kind, resolve
from .jobs import recorded_out_dirs

log = logging.getLogger("experiments")


class ExperimentCallback(Callback):
    """Writes the manifest before a multirun's jobs start; aggregates every output directory
    the jobs wrote into when they have all succeeded (``experiment.aggregate``)."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        if experiment_kind(config) != "grid":  # no cells: nothing to expect
            return
        experiment = resolve(config, config.hydra.runtime.cwd)
        path = write_manifest(experiment)
        log.info(
            "%s: %d cells x %d block(s) expected (manifest %s)",
            experiment.name,
            len(experiment.cells),
            experiment.n_blocks,
            path,
        )

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if experiment_kind(config) != "grid" or not bool(config.experiment.aggregate):
            return
        experiment = resolve(config, config.hydra.runtime.cwd)
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
