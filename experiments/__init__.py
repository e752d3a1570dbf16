"""Experiments on the ensemble runner: sweeps of preventive action, their jobs and their tables.

    python -m experiments.warning_to_action                 # the whole grid, one process
    python -m experiments.warning_to_action -m hydra/launcher=joblib   # one Hydra job per cell
    python -m experiments experiment=unity                  # a companion experiment
    python -m experiments.aggregate outputs/experiments/warning_to_action-default-821c0a

Modules, each importing only from modules above it in this list (no cycles;
``tests/test_experiments.py`` checks it):

* :mod:`experiments.config`: the config schema, the grid of cells, fingerprints, run specs.
* :mod:`experiments.metrics`: forecast scores (numpy).
* :mod:`experiments.faults`: exit codes, environment faults, the lock on an output directory.
* :mod:`experiments.cells`: computing cells and replicate blocks, their files (checksums,
  verification), the manifest.
* :mod:`experiments.tables`: the summary and the experiments' tables (pandas, no files).
* :mod:`experiments.figures`: the experiments' figures (the only module using matplotlib).
* :mod:`experiments.analyses`: which tables, figure and printed lines each experiment gets.
* :mod:`experiments.aggregate`: load the cell files, write tables and figures, list what is missing.
* :mod:`experiments.jobs`: the body of a Hydra job (select, compute, aggregate or report).
* :mod:`experiments.callbacks` (manifest and aggregation around a multirun) and
  :mod:`experiments.app` (the Hydra app): the entry points.

See ``docs/experiments.md``.

Importing this package sets ``NUMBA_CACHE_DIR`` (unless it is set already) to
``<repo>/.numba_cache`` *before* anything imports :mod:`sim`, so that every job of a sweep - in
this process, in joblib workers, in submitit or SLURM jobs - loads the compiled kernels from one
on-disk cache instead of compiling them again. Python runs this file before any module of the
package, so the modules need not do it themselves.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root (the parent of this package).
REPO_ROOT = Path(__file__).resolve().parent.parent
#: The default on-disk cache of compiled numba kernels, shared by every job.
DEFAULT_NUMBA_CACHE = REPO_ROOT / ".numba_cache"


def ensure_numba_cache() -> str:
    """Set ``NUMBA_CACHE_DIR`` to the shared cache unless the environment already names one.

    Must run before numba is imported (numba reads the variable once, at import).
    """
    value = os.environ.get("NUMBA_CACHE_DIR", "").strip()
    if not value:
        value = str(DEFAULT_NUMBA_CACHE)
        os.environ["NUMBA_CACHE_DIR"] = value
    return value


ensure_numba_cache()
