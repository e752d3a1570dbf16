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

from sim.errors import SimInputError

from .cells import EXIT_INCOMPLETE, JobReport
from .cli_errors import EXIT_BAD_INPUT, BadInput, user_error_message  # merge: sim.cli_errors
from .config import CONFIG_DIR  # also registers the schema and the resolvers
from .jobs import CellsFailed, run_job

#: Printed after the failed cells of a single run: what to do next.
RETRY_HINT = (
    "the other cells are kept; rerun the same command to retry the failed ones, or "
    "aggregate what is there with python -m experiments.aggregate <out_dir>"
)


def task(cfg: DictConfig) -> JobReport:
    """One Hydra job: the cells and replicate blocks selected by ``cell.*`` and ``block``."""
    hc = HydraConfig.get()
    multirun = hc.mode == RunMode.MULTIRUN
    sweep_dir = os.path.dirname(str(hc.runtime.output_dir)) if multirun else None
    try:
        return run_job(cfg, multirun=multirun, cwd=hc.runtime.cwd, sweep_dir=sweep_dir)
    except SimInputError as e:
        if multirun:
            raise
        raise BadInput(str(e)) from None


# config_path is absolute: the same conf/ whether started as a module, a script or a console
# entry point, and in launcher workers.
app = hydra.main(config_path=str(CONFIG_DIR), config_name="experiments", version_base="1.3")(task)


def main() -> None:
    """Entry point: Hydra's errors and bad values become one line ``error: ...`` (exit 2); a
    multirun whose jobs failed exits 3 after naming them (``HYDRA_FULL_ERROR=1``: tracebacks)."""
    user_full = os.environ.get("HYDRA_FULL_ERROR")
    if user_full is not None and user_full.strip() not in ("", "0"):
        app()
        return
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra raises instead of printing its own report
    try:
        app()
    except BadInput as e:
        print(e.code, file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    except CellsFailed as e:
        print(f"error: {e}", file=sys.stderr)
        print(RETRY_HINT, file=sys.stderr)
        sys.exit(EXIT_INCOMPLETE)
    except Exception as e:
        _exit_on_user_error(e)
        raise
    finally:
        if user_full is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = user_full


def _exit_on_user_error(e: Exception) -> None:
    """Exit with one line for a user error (status 2) or for jobs that failed in a multirun
    (Hydra wraps their :class:`CellsFailed`; status 3); return for anything else (a bug)."""
    message = user_error_message(e)
    if message is not None:
        print(f"error: {message}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    cause = e.__cause__ or e.__context__
    if isinstance(cause, CellsFailed):
        print(f"error: {cause}", file=sys.stderr)
        sys.exit(EXIT_INCOMPLETE)


if __name__ == "__main__":
    main()
