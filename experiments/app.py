"""The Hydra app of the experiments (``conf/experiments.yaml``).

    python -m experiments.warning_to_action                       # whole grid, one process
    python -m experiments.warning_to_action -m                    # one Hydra job per cell
    python -m experiments.warning_to_action -m hydra/launcher=joblib experiment.n_blocks=4
    python -m experiments experiment=unity                        # a companion experiment

The task function is a thin call into :func:`experiments.jobs.run_job`, defined in this
importable module, so that launchers which pickle it (joblib, submitit, SLURM) import the code by
reference in their workers. Importing :mod:`experiments` sets ``NUMBA_CACHE_DIR`` before
:mod:`sim` is imported, so every job loads the compiled kernels from the shared disk cache.
"""

from __future__ import annotations

import os
import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.cli_errors import run_hydra_main, stop_on_bad_input

from .cells import EXIT_INCOMPLETE, JobReport
from .config import CONFIG_DIR  # also registers the schema and the resolvers
from .jobs import CellsFailed, run_job

#: Printed after the failed cells of a single run: what to do next.
RETRY_HINT = (
    "the other cells are kept; rerun the same command to retry the failed ones, or "
    "aggregate what is there with python -m experiments.aggregate <out_dir>"
)


def task(cfg: DictConfig) -> JobReport | dict:
    """One Hydra job: the cells and replicate blocks selected by ``cell.*`` and ``block`` (or,
    for ``experiment.kind`` calibration / sensitivity, that whole experiment)."""
    hc = HydraConfig.get()
    multirun = hc.mode == RunMode.MULTIRUN
    sweep_dir = os.path.dirname(str(hc.runtime.output_dir)) if multirun else None
    with stop_on_bad_input(multirun):
        return run_job(cfg, multirun=multirun, cwd=hc.runtime.cwd, sweep_dir=sweep_dir)


# config_path is absolute: the same conf/ whether started as a module, a script or a console
# entry point, and in launcher workers.
app = hydra.main(config_path=str(CONFIG_DIR), config_name="experiments", version_base="1.3")(task)


def _cells_failed(exc: BaseException) -> int | None:
    """Exit status 3 after one line for cells that failed (a single run raises
    :class:`CellsFailed`, a multirun wraps it in Hydra's error); None for anything else (a bug,
    which keeps its traceback)."""
    cause = exc if isinstance(exc, CellsFailed) else (exc.__cause__ or exc.__context__)
    if not isinstance(cause, CellsFailed):
        return None
    print(f"error: {cause}", file=sys.stderr)
    if cause is exc:
        print(RETRY_HINT, file=sys.stderr)
    return EXIT_INCOMPLETE


def main() -> None:
    """Entry point: Hydra's errors and bad values become one line ``error: ...`` (exit 2); a
    multirun whose jobs failed exits 3 after naming them (``HYDRA_FULL_ERROR=1``: tracebacks)."""
    run_hydra_main(app, on_other_error=_cells_failed)


if __name__ == "__main__":
    main()
