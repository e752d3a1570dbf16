"""Hydra callback: write the manifest before a multirun's jobs start, aggregate when they end.

Configured in ``conf/experiments.yaml`` (``hydra.callbacks``). Hydra calls ``on_multirun_end``
only when every job succeeded; otherwise run ``python -m experiments.aggregate <out_dir>``.
"""

from __future__ import annotations

import logging
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from . import ensure_numba_cache

ensure_numba_cache()

log = logging.getLogger("experiments")


class ExperimentCallback(Callback):
    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        from .cells import write_manifest
        from .config import resolve

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
        from .aggregate import aggregate
        from .cells import recorded_out_dirs
        from .config import resolve

        experiment = resolve(config, config.hydra.runtime.cwd)
        if not bool(config.experiment.aggregate):
            return
        dirs = [experiment.out_dir]
        try:
            sweep_dir = str(config.hydra.sweep.dir)
        except Exception:  # pragma: no cover - an unresolvable sweep dir: only the main one
            sweep_dir = None
        if sweep_dir:
            from pathlib import Path

            sweep = Path(sweep_dir)
            if not sweep.is_absolute():
                sweep = Path(config.hydra.runtime.cwd) / sweep
            dirs += [d for d in recorded_out_dirs(sweep) if d not in dirs]
        for out_dir in dirs:
            if (out_dir / "manifest.json").is_file():
                print(aggregate(out_dir).text)
