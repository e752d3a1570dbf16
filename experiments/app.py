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

import errno
import os
import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.cli_errors import run_hydra_main, stop_on_bad_input

from .cells import EXIT_INCOMPLETE, JobReport
from .config import CONFIG_DIR  # also registers the schema and the resolvers
from .faults import (
    EXIT_BAD_INPUT,
    EXIT_ENVIRONMENT,
    EXIT_INTERRUPTED,
    EnvironmentFault,
    OutDirLocked,
    describe_os_error,
)
from .jobs import CellsFailed, run_job

#: Printed after the failed cells of a single run: what to do next.
RETRY_HINT = (
    "the other cells are kept; rerun the same command to retry the failed ones, or "
    "aggregate what is there with python -m experiments.aggregate <out_dir>"
)

#: Printed when the run is interrupted (exit 130).
INTERRUPTED = (
    "error: interrupted; finished cells are kept (no file is half-written), "
    "rerun the same command to resume"
)


def task(cfg: DictConfig) -> JobReport | dict:
    """One Hydra job: the cells and replicate blocks selected by ``cell.*`` and ``block`` (or,
    for ``experiment.kind`` calibration / sensitivity, that whole experiment)."""
    hc = HydraConfig.get()
    multirun = hc.mode == RunMode.MULTIRUN
    sweep_dir = os.path.dirname(str(hc.runtime.output_dir)) if multirun else None
    with stop_on_bad_input(multirun):
        try:
            return run_job(cfg, multirun=multirun, cwd=hc.runtime.cwd, sweep_dir=sweep_dir)
        except (OutDirLocked, EnvironmentFault, OSError) as exc:
            # a single run stops here with one line (Hydra would log a report first); a job of a
            # multirun raises, for Hydra to name the failed job (then main() prints one line)
            if isinstance(exc, FileNotFoundError):  # a missing input file: bad input (2)
                raise
            code = None if multirun else _known_error(exc)
            if code is None:
                raise
            raise SystemExit(code) from None


# config_path is absolute: the same conf/ whether started as a module, a script or a console
# entry point, and in launcher workers.
app = hydra.main(config_path=str(CONFIG_DIR), config_name="experiments", version_base="1.3")(task)


def _in_chain(exc: BaseException, kind: type) -> BaseException | None:
    """``exc`` or the exception it was raised from (Hydra wraps a multirun job's error)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, kind):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _known_error(exc: BaseException) -> int | None:
    """One line and an exit status for the errors that are not bugs: cells that failed (3; a
    single run raises :class:`CellsFailed`, a multirun wraps it in Hydra's error), a locked
    output directory (2), an output directory that is a file (2), a disk or file-system fault
    (4). None for anything else (a bug, which keeps its traceback)."""
    if (locked := _in_chain(exc, OutDirLocked)) is not None:
        print(f"error: {locked}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if (fault := _in_chain(exc, EnvironmentFault)) is not None:
        print(f"error: {fault}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    if (failed := _in_chain(exc, CellsFailed)) is not None:
        print(f"error: {failed}", file=sys.stderr)
        if failed is exc:
            print(RETRY_HINT, file=sys.stderr)
        return EXIT_INCOMPLETE
    if (os_error := _in_chain(exc, OSError)) is not None:
        if os_error.errno in (errno.ENOTDIR, errno.EEXIST):  # a file where a folder must be
            print(f"error: {describe_os_error(os_error)} (not a directory)", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"error: environment fault: {describe_os_error(os_error)}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    return None


def main() -> None:
    """Entry point: Hydra's errors and bad values become one line ``error: ...`` (exit 2); a
    multirun whose jobs failed exits 3 after naming them; a disk or file-system fault exits 4,
    an interrupt (Ctrl-C) 130, each after one line (``HYDRA_FULL_ERROR=1``: tracebacks).
    Files are written atomically: an interrupted or failed run leaves none half-written."""
    try:
        run_hydra_main(app, on_other_error=_known_error, interrupted=INTERRUPTED)
    except KeyboardInterrupt:  # with HYDRA_FULL_ERROR=1 too
        print(INTERRUPTED, file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    main()
