"""``python -m sim.app``: serve the teaching page (``make app``).

Hydra composes ``conf/app.yaml`` (schema :class:`sim.app.settings.AppConf`); every value is
checked before the server starts (one line ``error: ...`` and exit status 2 otherwise). The
server is Solara's (uvicorn) on ``host:port``, 127.0.0.1 unless asked. It writes no files: the
compiled kernels are cached in ``NUMBA_CACHE_DIR`` as for every command.

    python -m sim.app                       # http://127.0.0.1:8765
    python -m sim.app port=8600 controls.scenario=kenya_2008
"""

from __future__ import annotations

import logging
import os
import sys
import time

import hydra
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from ..cli_errors import run_hydra_main, stop_on_bad_input
from ..errors import Range, SimInputError, check_range
from .settings import AppConf, ControlsConf, CurveConf, start_controls

ConfigStore.instance().store(name="app_schema", node=AppConf)

PORT_RANGE = Range(1, 65535, integer=True)


def build_conf(cfg: DictConfig) -> AppConf:
    """The checked :class:`AppConf` of a composed config (SimInputError on a bad value)."""
    raw = OmegaConf.to_container(cfg, resolve=True)
    if not isinstance(raw.get("host"), str) or not raw["host"].strip():
        raise SimInputError("host", raw.get("host"), "must name an address, e.g. 127.0.0.1")
    PORT_RANGE.check("port", raw["port"])
    check_range("horizon_weeks", raw["horizon_weeks"], 1, 10_000, integer=True)
    check_range("play_interval_ms", raw["play_interval_ms"], 1, 10_000, integer=True)
    curve = CurveConf(**raw["curve"])
    if not curve.lags or len(set(curve.lags)) != len(curve.lags):
        raise SimInputError("curve.lags", curve.lags, "must be distinct lags (at least one)")
    for lag in curve.lags:
        check_range("curve.lags", lag, 0, 10_000, integer=True)
    check_range("curve.replicates", curve.replicates, 2, 100_000, integer=True)
    controls = ControlsConf(**raw["controls"])
    start_controls(controls)
    return AppConf(
        host=raw["host"].strip(),
        port=int(raw["port"]),
        horizon_weeks=int(raw["horizon_weeks"]),
        play_interval_ms=int(raw["play_interval_ms"]),
        controls=controls,
        curve=curve,
    )


def warm_up(conf: AppConf) -> None:
    """Compile (or load from NUMBA_CACHE_DIR) every kernel the page uses, before the first
    visitor: a step of the model and a two-replicate curve."""
    from . import page
    from .curve import lag_curve

    model = page.new_model(conf)
    model.step()
    lag_curve(model.controls, tuple(conf.curve.lags[:1]), 2, conf.horizon_weeks)


def serve(conf: AppConf) -> None:
    """Serve the page with Solara's server until interrupted."""
    t0 = time.perf_counter()
    os.environ["SOLARA_APP"] = "sim.app.page:Page"
    os.environ.setdefault("SOLARA_MODE", "production")
    import solara.server.starlette  # reads SOLARA_APP
    import uvicorn
    from mesa.mesa_logging import get_rootlogger

    # Mesa logs every step (INFO, to Hydra's stdout handler) and solara every render
    for logger in (get_rootlogger(), logging.getLogger("solara"), logging.getLogger("reacton")):
        logger.setLevel(logging.WARNING)

    from . import page

    page.configure(conf)
    warm_up(conf)
    print(
        f"sim.app: serving http://{conf.host}:{conf.port} (ready in "
        f"{time.perf_counter() - t0:.1f} s; Ctrl-C stops)",
        flush=True,
    )
    uvicorn.run(solara.server.starlette.app, host=conf.host, port=conf.port, log_level="warning")


def _task(cfg: DictConfig) -> None:
    with stop_on_bad_input():
        conf = build_conf(cfg)
    serve(conf)


_task.__module__ = "__main__"
app = hydra.main(config_path="../../conf", config_name="app", version_base="1.3")(_task)


def main() -> None:
    """Entry point: user errors become one line ``error: <message>`` and exit status 2."""
    run_hydra_main(app, interrupted="sim.app: stopped")


if __name__ == "__main__":
    sys.exit(main())
