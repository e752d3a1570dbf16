"""The single-run command: a policy and its paired ``none`` baseline on the same replicates.

    python -m sim scenario=kenya_2008 policy=envoy policy.lag_weeks=4 run.replicates=1000
    python -m sim model.instruments.envoy.deploy_weeks=4 model.stage_effect.envoy.war=0.5
    prevention-sim scenario=generated network=small_world network.n_parties=5000 policy=sanctions
    python -m sim --cfg job        # print the composed config
    python -m sim --help           # the config groups and their options

The config lives in ``conf/`` (schemas in :mod:`sim.config`). The run writes a *result set*
into its run folder (``hydra.run.dir``, unique per run by default): ``.hydra/`` (the composed
config), ``outcomes.parquet``, ``timeseries.parquet``, ``timeseries.png``, ``summary.json`` and
``manifest.json`` (sha256 of every file); see ``docs/outputs.md``. Every input is validated
before the simulation starts; the files are written into a temporary sibling folder that is
renamed onto the run folder only when complete (:func:`sim.files.result_set`), and Hydra writes
nothing there itself, so a refused, failed or killed run leaves the run folder as it was. A
folder that already holds a result set is refused unless ``output.overwrite=true``. Every
expected failure prints one line and exits with a documented status (:mod:`sim.cli_errors`):
2 bad input, 4 environment or I/O fault, 130 interrupted; ``HYDRA_FULL_ERROR=1`` shows a
traceback. ``python -m sim.collect <multirun dir>`` gathers a sweep into ``runs.csv``.

Importing this module loads Hydra and the config schemas only; the kernels, pandas and
matplotlib are imported when a run needs them (``--help`` and ``--cfg`` stay fast).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import hydra
from omegaconf import DictConfig, OmegaConf

from .cli_errors import (
    EXIT_INCOMPLETE,
    BadInput,
    CommandStop,
    environment_fault,
    interrupt_status,
    run_hydra_main,
    stop_on_bad_input,
)
from .config import RunSpec, build_run
from .errors import SimInputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from matplotlib.figure import Figure

    from .policy import Policy

#: The two arms of a run, in the order of ``RunSpec.policies``.
ARMS = ("policy", "baseline")
OUTCOMES_FILE = "outcomes.parquet"
TIMESERIES_FILE = "timeseries.parquet"
PLOT_FILE = "timeseries.png"
SUMMARY_FILE = "summary.json"


def _task(cfg: DictConfig) -> None:
    """One run (the Hydra task function)."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    t0 = time.perf_counter()
    hc = HydraConfig.get()
    multirun = hc.mode == RunMode.MULTIRUN
    out_dir = Path(hc.runtime.output_dir)
    overwrite = bool(cfg.output.get("overwrite", False))
    with _remove_if_empty_on_error(out_dir), stop_on_bad_input(multirun=multirun):
        spec = build_run(cfg)  # everything is validated here, before any simulation
        if not multirun and not str(hc.run.dir or "").strip():
            raise SimInputError("hydra.run.dir", "", "must name a folder for the results")
    with _remove_if_empty_on_error(out_dir), _run_faults(out_dir):
        summary = execute(
            spec,
            out_dir,
            plot=bool(cfg.output.plot),
            overwrite=overwrite,
            config=cfg,
            extra_files=_hydra_files(cfg, hc),
        )
    print(format_summary(summary, out_dir, time.perf_counter() - t0))


@contextlib.contextmanager
def _run_faults(out_dir: Path) -> Iterator[None]:
    """A refused run folder, an I/O fault or an interruption while a run computes and writes its
    result set: one line and its exit status (:mod:`sim.cli_errors`); the run folder is left
    as it was (the set's temporary folder is already deleted)."""
    from .files import ResultFolderError, ResultFolderTaken

    try:
        yield
    except ResultFolderTaken as e:
        raise CommandStop(f"error: {e}", EXIT_INCOMPLETE) from None
    except ResultFolderError as e:
        raise BadInput(str(e)) from None
    except OSError as e:
        stop = environment_fault(e)
        raise CommandStop(f"{stop.code}; {_kept(out_dir)}", stop.status) from None
    except KeyboardInterrupt as e:
        raise CommandStop(f"interrupted: {_kept(out_dir)}", interrupt_status(e)) from None


def _kept(out_dir: Path) -> str:
    """What a stopped run leaves, for its one line (its temporary folder is already deleted)."""
    from .files import folder_state

    state = folder_state(out_dir)
    if state == "results":
        return f"no result written; {out_dir} keeps its previous result set"
    if state in ("empty", "missing"):
        return f"no result written (no run folder {out_dir} left)"
    return f"no result written; {out_dir} left as it was"


@contextlib.contextmanager
def _remove_if_empty_on_error(out_dir: Path) -> Iterator[None]:
    """If the run stops, remove its run folder when empty (Hydra creates it before the run);
    a folder with anything in it is left alone."""
    try:
        yield
    except BaseException:
        if out_dir.resolve() != Path.cwd().resolve():
            with contextlib.suppress(OSError):
                out_dir.rmdir()  # only succeeds on an empty folder
        raise


def _hydra_files(cfg: DictConfig, hc: DictConfig) -> dict[str, str]:
    """``.hydra/config.yaml``, ``hydra.yaml`` and ``overrides.yaml`` as Hydra writes them (Hydra
    itself writes nothing into the run folder: ``hydra.output_subdir`` is null)."""
    from omegaconf import OmegaConf

    return {
        ".hydra/config.yaml": OmegaConf.to_yaml(cfg),
        ".hydra/hydra.yaml": OmegaConf.to_yaml(OmegaConf.create({"hydra": hc})),
        ".hydra/overrides.yaml": OmegaConf.to_yaml(hc.overrides.task),
    }


def _run_id() -> str:
    """A suffix that makes the default run folder unique: microseconds, pid and 4 random hex
    digits (the ``${sim_run_id:}`` resolver of ``conf/config.yaml``; cached per process)."""
    from datetime import datetime

    return f"{datetime.now():%H-%M-%S-%f}-{os.getpid()}-{os.urandom(2).hex()}"


OmegaConf.register_new_resolver("sim_run_id", _run_id, use_cache=True, replace=True)


# Resolve conf/ next to this file (config_path="../conf") also when the console script imports
# the module as sim.__main__; Hydra would otherwise look for a package named "conf".
_task.__module__ = "__main__"
app = hydra.main(config_path="../conf", config_name="config", version_base="1.3")(_task)


def main() -> None:
    """Entry point of ``python -m sim`` and of the console script ``prevention-sim``: user
    errors become one line ``error: <message>`` and exit status 2 (:mod:`sim.cli_errors`)."""
    run_hydra_main(app)


# ---------------------------------------------------------------- outcomes
def run_outcomes(spec: RunSpec, progress: bool = True) -> pd.DataFrame:
    """Outcomes of every replicate under the policy and the baseline (one row each).

    Columns: ``arm`` (``policy`` or ``baseline``) followed by the columns of
    :func:`sim.run_ensemble`; the policy arm first, each arm sorted by replicate. The numba
    backend runs ``spec.chunk`` replicates per call (through ``first_replicate``); the rows are
    identical to a single call with all replicates.
    """
    import numpy as np
    from tqdm import tqdm

    from .ensemble import outcomes_frame

    reference = spec.backend == "reference"
    total = spec.replicates * (len(ARMS) if reference else 1)
    desc = f"{spec.scenario.name} {spec.policy.label}"
    with tqdm(
        total=total,
        unit="rep",
        file=sys.stderr,
        disable=not progress,
        desc=desc,
        dynamic_ncols=True,
    ) as bar:
        records = (_reference_outcomes if reference else _ensemble_outcomes)(spec, bar)
    frame = outcomes_frame(records, list(spec.policies), 0)
    frame.insert(0, "arm", np.repeat(ARMS, spec.replicates))
    return frame


def _ensemble_outcomes(spec: RunSpec, bar) -> np.ndarray:
    """Outcome records ``(arm, replicate)`` from the numba kernels, ``spec.chunk`` at a time."""
    import numpy as np

    from .ensemble import simulate
    from .state import OUTCOME_DTYPE

    out = np.zeros((len(ARMS), spec.replicates), OUTCOME_DTYPE)
    for start in range(0, spec.replicates, spec.chunk):
        stop = min(start + spec.chunk, spec.replicates)
        out[:, start:stop] = simulate(
            spec.scenario,
            list(spec.policies),
            replicates=stop - start,
            horizon_weeks=spec.horizon_weeks,
            seed=spec.seed,
            params=spec.params,
            first_replicate=start,
            threads=spec.threads,
        )
        bar.update(stop - start)
    return out


def _reference_outcomes(spec: RunSpec, bar) -> np.ndarray:
    """The same records from the plain-Python reference model (slow; for checking)."""
    import numpy as np

    from .reference import ReferenceModel
    from .state import OUTCOME_DTYPE, OUTCOME_FIELDS

    out = np.zeros((len(ARMS), spec.replicates), OUTCOME_DTYPE)
    for a, policy in enumerate(spec.policies):
        for r in range(spec.replicates):
            model = ReferenceModel(
                spec.scenario, policy, params=spec.params, seed=spec.seed, replicate=r
            )
            outcome = model.run(spec.horizon_weeks)
            out[a, r] = tuple(outcome[name] for name in OUTCOME_FIELDS)
            bar.update(1)
    return out


# ---------------------------------------------------------------- the sample replicate
def run_series(spec: RunSpec) -> tuple[pd.DataFrame, dict]:
    """Weekly series of replicate ``spec.timeseries_replicate`` under both arms.

    Returns ``(frame, outcomes by arm)``: the frame has ``arm, policy, replicate`` and the
    columns of ``sim.state.TIMESERIES_FIELDS``, the policy arm first.
    """
    import pandas as pd

    single = _reference_single if spec.backend == "reference" else _ensemble_single
    frames, rows = [], {}
    for arm, policy in zip(ARMS, spec.policies, strict=True):
        series, rows[arm] = single(spec, policy)
        frame = pd.DataFrame(series)
        frame.insert(0, "replicate", spec.timeseries_replicate)
        frame.insert(0, "policy", policy.label)
        frame.insert(0, "arm", arm)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True), rows


def _ensemble_single(spec: RunSpec, policy: Policy) -> tuple[np.ndarray, dict]:
    from .ensemble import run_single

    run = run_single(
        spec.scenario,
        policy,
        horizon_weeks=spec.horizon_weeks,
        seed=spec.seed,
        replicate=spec.timeseries_replicate,
        params=spec.params,
    )
    return run.series, run.outcomes


def _reference_single(spec: RunSpec, policy: Policy) -> tuple[np.ndarray, dict]:
    """The weekly records (``TIMESERIES_DTYPE``) and outcomes of the reference model."""
    import numpy as np

    from .params import STAGE_NAMES
    from .reference import ReferenceModel
    from .state import TIMESERIES_DTYPE, TIMESERIES_FIELDS

    r = spec.timeseries_replicate
    model = ReferenceModel(spec.scenario, policy, params=spec.params, seed=spec.seed, replicate=r)
    series = np.zeros(spec.horizon_weeks, TIMESERIES_DTYPE)
    for t in range(spec.horizon_weeks):
        model.step()
        week = {"week": t, "action_active": int(model.active)}
        week.update({f"n_{s}": model.stage_count[i] for i, s in enumerate(STAGE_NAMES)})
        week.update({k: getattr(model, k) for k in ("mean_tension", "n_warned", "n_flagged")})
        week["cost"] = model.cost
        series[t] = tuple(week[name] for name in TIMESERIES_FIELDS)
    ids = {
        "policy": policy.label,
        "instrument": policy.instrument,
        "lag_weeks": policy.lag_weeks,
        "replicate": r,
    }
    return series, {**ids, **model.outcomes()}


# ---------------------------------------------------------------- summary
def summarise(spec: RunSpec, outcomes: pd.DataFrame) -> dict:
    """The ``summary.json`` contents (see docs/outputs.md)."""
    return {
        "scenario": spec.scenario.name,
        "scenario_source": spec.scenario_source,
        "n_parties": spec.scenario.n_parties,
        "policy": spec.policy.label,
        "policy_config": dataclasses.asdict(spec.policy),
        "baseline": spec.baseline.label,
        "n": spec.replicates,
        "horizon_weeks": spec.horizon_weeks,
        "seed": spec.seed,
        "backend": spec.backend,
        **arm_statistics(outcomes, acting=spec.policy.instrument != "none"),
        "timeseries_replicate": spec.timeseries_replicate,
    }


def arm_statistics(outcomes: pd.DataFrame, acting: bool = True) -> dict:
    """The policy arm against the baseline, the statistics of ``summary.json``: P(violence) and
    P(war) with Wilson intervals, the paired risk difference, the median onset week, the mean
    cost, the share of onsets before the action arrived and the relative risk reduction after
    it. All come from :func:`sim.stats.paired_summary` (the experiments' summary table uses it
    too); NaN (undefined) becomes None, ``null`` in the file."""
    from .stats import arrival_columns, paired_summary

    arms = {arm: outcomes[outcomes["arm"] == arm].sort_values("replicate") for arm in ARMS}
    s = paired_summary(policy=arms["policy"], baseline=arms["baseline"], acting=acting)
    return _nan_to_none(
        {
            "confidence": 0.95,
            "p_violence": {arm: s[arm]["p_violence"] for arm in ARMS},
            "risk_difference": s["risk_difference"],
            "p_war": {arm: s[arm]["p_war"] for arm in ARMS},
            "median_onset_week": {arm: s[arm]["median_onset_week"] for arm in ARMS},
            "mean_cost": {arm: s[arm]["mean_cost"] for arm in ARMS},
            **arrival_columns(s),
        }
    )


def _nan_to_none(obj):
    """A copy of nested dicts with NaN floats replaced by None."""
    if isinstance(obj, dict):
        return {k: _nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, float) and math.isnan(obj):
        return None
    return obj


# ---------------------------------------------------------------- plot
STAGE_COLOURS = ("#4c9f70", "#e8c547", "#f08a24", "#d1495b", "#6a040f")


def plot_series(series: pd.DataFrame, rows: dict, spec: RunSpec) -> Figure:
    """Stage counts over weeks for the policy and the baseline; warning and arrival marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True, constrained_layout=True)
    for ax, arm in zip(axes, ARMS, strict=True):
        _plot_arm(ax, series[series["arm"] == arm], rows[arm], spec, arm)
    axes[0].set_ylabel("parties per stage")
    handles, labels = axes[0].get_legend_handles_labels()
    for h, label in zip(*axes[1].get_legend_handles_labels(), strict=True):
        if label not in labels:
            handles.append(h)
            labels.append(label)
    fig.legend(handles, labels, loc="outside right center", fontsize=8)
    fig.suptitle(f"{spec.scenario.name}: replicate {spec.timeseries_replicate} (seed {spec.seed})")
    return fig


def _plot_arm(ax, ts: pd.DataFrame, row: dict, spec: RunSpec, arm: str) -> None:
    from .params import STAGE_NAMES

    weeks = ts["week"].to_numpy()
    stages = [ts[f"n_{s}"].to_numpy() for s in STAGE_NAMES]
    ax.stackplot(weeks, *stages, labels=STAGE_NAMES, colors=STAGE_COLOURS, alpha=0.9)
    if row["warning_week"] >= 0:
        ax.axvline(row["warning_week"], color="k", ls=":", lw=1.2, label="first warning")
    if arm == "policy" and row["arrival_week"] >= 0:
        ax.axvline(
            row["arrival_week"],
            color="k",
            ls="--",
            lw=1.5,
            label=f"{spec.policy.instrument} arrives",
        )
    ax.set_title(spec.policy.label if arm == "policy" else f"baseline ({spec.baseline.label})")
    ax.set_xlabel("week")
    ax.set_xlim(weeks.min() if weeks.size else 0, weeks.max() if weeks.size else 1)


# ---------------------------------------------------------------- files
def execute(
    spec: RunSpec,
    out_dir: str | os.PathLike,
    plot: bool = True,
    progress: bool = True,
    overwrite: bool = False,
    config: DictConfig | None = None,
    extra_files: dict[str, str] | None = None,
) -> dict:
    """Run ``spec`` and write its result set into ``out_dir``; return the summary.

    Nothing is written until every result is computed. The files (and ``extra_files``, relative
    path -> text) go into a temporary sibling folder with a ``manifest.json``, which is then
    renamed onto ``out_dir`` (:func:`sim.files.result_set`): ``out_dir`` must be missing, empty,
    or a result set and ``overwrite`` true. ``config`` (the composed config) is hashed into the
    manifest.
    """
    from .files import check_result_folder, result_set, save_figure, write_json, write_parquet

    check_result_folder(out_dir, overwrite)  # before the simulation: fail fast
    outcomes = run_outcomes(spec, progress=progress)
    series, rows = run_series(spec)
    summary = summarise(spec, outcomes)
    fig = plot_series(series, rows, spec) if plot else None
    summary["files"] = [
        OUTCOMES_FILE,
        TIMESERIES_FILE,
        *([PLOT_FILE] if plot else []),
        SUMMARY_FILE,
    ]
    with result_set(out_dir, overwrite, manifest(spec, config)) as tmp:
        for name, text in (extra_files or {}).items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_text(text, encoding="utf-8")
        write_parquet(series, tmp / TIMESERIES_FILE)
        if fig is not None:
            import matplotlib.pyplot as plt

            save_figure(fig, tmp / PLOT_FILE, dpi=110)
            plt.close(fig)
        write_parquet(outcomes, tmp / OUTCOMES_FILE)
        write_json(summary, tmp / SUMMARY_FILE)
    return summary


#: Packages whose versions the manifest records.
MANIFEST_PACKAGES = (
    "prevention-sim",
    "numpy",
    "numba",
    "pandas",
    "pyarrow",
    "matplotlib",
    "hydra-core",
    "omegaconf",
)


def manifest(spec: RunSpec, config: DictConfig | None = None) -> dict:
    """The ``manifest.json`` contents apart from ``files`` (added by :func:`sim.files.result_set`):
    the sha256 of the composed config (its resolved YAML, keys sorted; without a config, of the
    run's policy, parameters and settings), the seed, Python's and the packages' versions."""
    import hashlib
    import importlib.metadata
    import json
    import platform
    from datetime import UTC, datetime

    from .files import jsonable

    if config is not None:
        text = OmegaConf.to_yaml(config, resolve=True, sort_keys=True)
    else:
        fields = {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)}
        fields["scenario"] = spec.scenario_source
        text = json.dumps(jsonable(fields), sort_keys=True)
    versions = {"python": platform.python_version()}
    for name in MANIFEST_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "format": 1,
        "complete": True,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "config_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "seed": spec.seed,
        "scenario": spec.scenario.name,
        "policy": spec.policy.label,
        "versions": versions,
    }


def format_summary(summary: dict, out_dir: Path, seconds: float | None = None) -> str:
    """The short human summary printed at the end of a run."""

    def ci(d: dict) -> str:
        return f"{d['p']:.3f} [{d['low']:.3f}, {d['high']:.3f}]"

    pol, base = summary["policy"], summary["baseline"]
    rd = summary["risk_difference"]
    rd_ci = "" if rd["low"] is None else f" [{rd['low']:+.3f}, {rd['high']:+.3f}]"
    w = max(len(pol), len(base), len("arm"))
    lines = [
        f"{summary['scenario']} ({summary['n_parties']} parties): {pol} vs {base}, "
        f"{summary['n']} paired replicates x {summary['horizon_weeks']} weeks, "
        f"seed {summary['seed']}, {summary['backend']}",
        f"  {'arm':<{w}}  P(violence) 95% CI        P(war) 95% CI             "
        f"median onset  mean cost",
    ]
    for arm, label in (("policy", pol), ("baseline", base)):
        onset = summary["median_onset_week"][arm]
        lines.append(
            f"  {label:<{w}}  {ci(summary['p_violence'][arm]):<24}  {ci(summary['p_war'][arm]):<24}"
            f"  {'n/a' if onset is None else format(onset, '.1f'):>12}  "
            f"{summary['mean_cost'][arm]:.2f} US$m"
        )
    lines.append(f"  risk difference (policy - baseline): {rd['mean']:+.3f}{rd_ci}")
    lines += _arrival_lines(summary)
    tail = f" ({seconds:.1f} s)" if seconds is not None else ""
    lines.append(f"outputs: {out_dir}{tail}")
    return "\n".join(lines)


def _arrival_lines(summary: dict) -> list[str]:
    """The effect split at the action's arrival, for :func:`format_summary` (none without an
    action)."""
    p, rrr = summary.get("p_before_arrival"), summary.get("rrr_after_arrival")
    lines = []
    if p is not None:
        lines.append(
            f"  onsets before the action arrived: {p:.3f} [{summary['p_before_arrival_low']:.3f}, "
            f"{summary['p_before_arrival_high']:.3f}] (the same in both arms)"
        )
    if rrr is not None:
        lines.append(
            f"  relative risk reduction after arrival: {rrr:+.3f} [{summary['rrr_low']:+.3f}, "
            f"{summary['rrr_high']:+.3f}]"
        )
    return lines


if __name__ == "__main__":
    main()
