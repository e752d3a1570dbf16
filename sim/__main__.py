"""The single-run command: a policy and its paired ``none`` baseline on the same replicates.

    python -m sim scenario=kenya_2008 policy=envoy policy.lag_weeks=4 run.replicates=1000
    prevention-sim scenario=generated network=small_world network.n_parties=5000 policy=sanctions
    python -m sim --cfg job        # print the composed config
    python -m sim --help           # the config groups and their options

The config lives in ``conf/`` (schemas in :mod:`sim.config`). The run writes into its Hydra run
directory (``hydra.run.dir``): ``.hydra/`` (the composed config), ``outcomes.parquet``,
``timeseries.parquet``, ``timeseries.png`` and ``summary.json``; see ``docs/outputs.md``. Every
input is validated before the simulation starts and the files are written only at the end (each
atomically), so a bad input or a killed run leaves no table behind. Bad input exits with status 2
and one line on stderr, ``error: <message>``; set ``HYDRA_FULL_ERROR=1`` for a traceback.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from pathlib import Path

import hydra
from omegaconf import DictConfig

from .config import RunSpec, build_run
from .errors import SimInputError

#: Exit status of a run stopped by bad input (Hydra's own errors included).
EXIT_BAD_INPUT = 2
#: The two arms of a run, in the order of ``RunSpec.policies``.
ARMS = ("policy", "baseline")
OUTCOMES_FILE = "outcomes.parquet"
TIMESERIES_FILE = "timeseries.parquet"
PLOT_FILE = "timeseries.png"
SUMMARY_FILE = "summary.json"


#: Set by main() unless HYDRA_FULL_ERROR is set: report bad input as one line, no traceback.
_one_line_errors = False


class BadInput(SystemExit):
    """Stops a single run on bad input. A SystemExit, so Hydra's job runner lets it through
    without printing a report; its ``code`` is the one-line ``error: ...`` message."""

    def __init__(self, message: str):
        super().__init__(f"error: {message}")
        self.message = message


def _task(cfg: DictConfig) -> None:
    """One run (the Hydra task function)."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    t0 = time.perf_counter()
    hc = HydraConfig.get()
    try:
        spec = build_run(cfg)  # everything is validated here, before any simulation
    except Exception as e:
        message = user_error_message(e)
        if message is None:
            raise
        if not _one_line_errors or hc.mode == RunMode.MULTIRUN:
            raise  # a traceback was asked for, or Hydra names the failing job of a sweep

        raise BadInput(message) from None
    out_dir = Path(hc.runtime.output_dir)
    summary = execute(spec, out_dir, plot=bool(cfg.output.plot))
    print(format_summary(summary, out_dir, time.perf_counter() - t0))


# Resolve conf/ next to this file (config_path="../conf") also when the console script imports
# the module as sim.__main__; Hydra would otherwise look for a package named "conf".
_task.__module__ = "__main__"
app = hydra.main(config_path="../conf", config_name="config", version_base="1.3")(_task)


def main() -> None:
    """Entry point of ``python -m sim`` and of the console script ``prevention-sim``.

    Hydra prints its own errors over several lines; here every user error (a composition error,
    a bad override, a value out of range, a broken scenario file) becomes one line on stderr,
    ``error: <message>``, and exit status 2. Other exceptions are bugs and keep their traceback.
    With ``HYDRA_FULL_ERROR=1`` set, errors are raised with their full traceback.
    """
    user_full = os.environ.get("HYDRA_FULL_ERROR")
    if user_full is not None and user_full.strip() not in ("", "0"):
        app()
        return
    # Make Hydra raise errors instead of printing its multi-line report, and restore it after.
    global _one_line_errors
    _one_line_errors = True
    os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        app()
    except BadInput as e:
        print(e.code, file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    except Exception as e:
        message = user_error_message(e)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    finally:
        _one_line_errors = False
        if user_full is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = user_full


def user_error_message(e: BaseException) -> str | None:
    """One line describing a user error, or None if ``e`` is not one (a bug).

    Hydra's and OmegaConf's messages are rewritten to name the config key first, e.g.
    ``policy: got 'sanction'; must be one of ...`` or ``policy.lagg: unknown key; allowed: ...``.
    """
    from hydra.errors import HydraException, MissingConfigException, OverrideParseException
    from omegaconf.errors import OmegaConfBaseException

    if isinstance(e, SimInputError):
        return str(e)
    if isinstance(e, MissingConfigException) and e.missing_cfg_file and e.options is not None:
        group, _, option = e.missing_cfg_file.rpartition("/")
        options = [o for o in e.options if not o.startswith("base_")]
        return f"{group or 'config'}: got {option!r}; must be one of {', '.join(options)}"
    if isinstance(e, OverrideParseException):
        return f"{e.override}: cannot parse the override: {_squash(e.message)}"
    cause = e if isinstance(e, OmegaConfBaseException) else e.__cause__
    if isinstance(cause, OmegaConfBaseException) and getattr(cause, "full_key", None):
        msg = (str(getattr(cause, "msg", "") or cause).strip().splitlines() or [""])[0]
        msg = _squash(msg) or type(cause).__name__
        key = cause.full_key
        schema = getattr(cause, "object_type", None)
        if msg.startswith("Key ") and dataclasses.is_dataclass(schema):
            allowed = ", ".join(f.name for f in dataclasses.fields(schema))
            return f"{key}: unknown key; allowed: {allowed}"
        return f"{key}: {msg}"
    if isinstance(e, HydraException | OmegaConfBaseException):
        parts = [_squash(str(e).split("Config search path:")[0])]
        if isinstance(cause, OmegaConfBaseException | HydraException):
            parts.append(_squash(str(cause)))
        return "; ".join(p for p in parts if p) or type(e).__name__
    return None


def _squash(text: str) -> str:
    """A possibly multi-line message on one line."""
    return " ".join(text.split())


# ---------------------------------------------------------------- running
def run_outcomes(spec: RunSpec, progress: bool = True):
    """Outcomes of every replicate under the policy and the baseline (one row each).

    The numba backend runs ``run_ensemble`` in chunks of ``spec.chunk`` replicates (through
    ``first_replicate``); the rows are identical to a single call with all replicates. Columns:
    ``arm`` (``policy`` or ``baseline``) followed by the columns of ``run_ensemble``.
    """
    import numpy as np
    import pandas as pd
    from tqdm import tqdm

    from .ensemble import run_ensemble

    n = spec.replicates
    with tqdm(
        total=n * (2 if spec.backend == "reference" else 1),
        unit="rep",
        file=sys.stderr,
        disable=not progress,
        desc=f"{spec.scenario.name} {spec.policy.label}",
        dynamic_ncols=True,
    ) as bar:
        if spec.backend == "reference":
            df = _reference_outcomes(spec, bar)
        else:
            frames = []
            for start in range(0, n, spec.chunk):
                size = min(spec.chunk, n - start)
                f = run_ensemble(
                    spec.scenario,
                    list(spec.policies),
                    size,
                    spec.horizon_weeks,
                    spec.seed,
                    spec.params,
                    first_replicate=start,
                    threads=spec.threads,
                )
                f.insert(0, "arm", np.repeat(ARMS, size))  # run_ensemble is policy-major
                frames.append(f)
                bar.update(size)
            df = pd.concat(frames, ignore_index=True)
    arm = (df["arm"].to_numpy() != ARMS[0]).astype(np.int64)
    order = np.lexsort((df["replicate"].to_numpy(), arm))
    return df.iloc[order].reset_index(drop=True)


def _reference_outcomes(spec: RunSpec, bar):
    """Outcomes from the plain-Python reference model (slow; for checking the kernels)."""
    import numpy as np
    import pandas as pd

    from .ensemble import INTEGER_OUTCOMES
    from .reference import ReferenceModel
    from .state import OUTCOME_FIELDS

    rows = []
    for arm, pol in zip(ARMS, spec.policies, strict=True):
        for r in range(spec.replicates):
            out = ReferenceModel(spec.scenario, pol, spec.params, spec.seed, r).run(
                spec.horizon_weeks
            )
            rows.append(
                {
                    "arm": arm,
                    "policy": pol.label,
                    "instrument": pol.instrument,
                    "lag_weeks": pol.lag_weeks,
                    "replicate": r,
                    **{f: out[f] for f in OUTCOME_FIELDS},
                }
            )
            bar.update(1)
    df = pd.DataFrame(rows)
    df[list(INTEGER_OUTCOMES)] = df[list(INTEGER_OUTCOMES)].astype(np.int64)
    df["cost"] = df["cost"].astype(np.float64)
    df[["lag_weeks", "replicate"]] = df[["lag_weeks", "replicate"]].astype(np.int64)
    return df


def run_series(spec: RunSpec):
    """Weekly series of replicate ``spec.timeseries_replicate`` under both arms.

    Returns ``(frame, outcome rows)``: the frame has ``arm, policy, replicate`` and the columns
    of ``sim.state.TIMESERIES_FIELDS``; the outcome rows are keyed by arm.
    """
    import pandas as pd

    frames, rows = [], {}
    for arm, pol in zip(ARMS, spec.policies, strict=True):
        if spec.backend == "reference":
            ts, row = _reference_series(spec, pol)
        else:
            from .ensemble import run_timeseries

            ts, row = run_timeseries(
                spec.scenario,
                pol,
                spec.horizon_weeks,
                spec.seed,
                spec.timeseries_replicate,
                spec.params,
            )
        ts.insert(0, "replicate", spec.timeseries_replicate)
        ts.insert(0, "policy", pol.label)
        ts.insert(0, "arm", arm)
        frames.append(ts)
        rows[arm] = row
    return pd.concat(frames, ignore_index=True), rows


def _reference_series(spec: RunSpec, pol):
    import numpy as np
    import pandas as pd

    from .params import N_STAGES
    from .reference import ReferenceModel
    from .state import (
        R_ACTIVE,
        R_N_FLAGGED,
        R_N_WARNED,
        R_STAGE_COUNT,
        RF_COST,
        RF_MEAN_TENSION,
        TIMESERIES_FIELDS,
    )

    model = ReferenceModel(spec.scenario, pol, spec.params, spec.seed, spec.timeseries_replicate)
    series = np.zeros((spec.horizon_weeks, len(TIMESERIES_FIELDS)))
    for t in range(spec.horizon_weeks):
        model.step()
        _, _, _, run_i, run_f = model.to_arrays()
        series[t, 0] = t
        series[t, 1 : 1 + N_STAGES] = run_i[R_STAGE_COUNT : R_STAGE_COUNT + N_STAGES]
        series[t, 1 + N_STAGES :] = (
            run_f[RF_MEAN_TENSION],
            run_i[R_N_WARNED],
            run_i[R_N_FLAGGED],
            run_i[R_ACTIVE],
            run_f[RF_COST],
        )
    df = pd.DataFrame(series, columns=list(TIMESERIES_FIELDS))
    int_cols = [c for c in TIMESERIES_FIELDS if c not in ("mean_tension", "cost")]
    df[int_cols] = df[int_cols].astype(np.int64)
    row = {
        "policy": pol.label,
        "instrument": pol.instrument,
        "lag_weeks": pol.lag_weeks,
        "replicate": spec.timeseries_replicate,
        **model.outcomes(),
    }
    return df, row


def summarise(spec: RunSpec, outcomes) -> dict:
    """The ``summary.json`` contents (see docs/outputs.md)."""
    import numpy as np

    from .stats import paired_difference, wilson_interval

    arms = {arm: outcomes[outcomes["arm"] == arm].sort_values("replicate") for arm in ARMS}
    n = spec.replicates

    def interval(triple) -> dict:
        p, low, high = triple
        return {"p": p, "low": low, "high": high}

    violence = {arm: arms[arm]["violence"].to_numpy() for arm in ARMS}
    if n >= 2:
        diff = dict(
            zip(
                ("mean", "low", "high"),
                paired_difference(violence["policy"], violence["baseline"]),
                strict=True,
            )
        )
    else:
        diff = {
            "mean": float(violence["policy"].mean() - violence["baseline"].mean()),
            "low": None,
            "high": None,
        }
    median_onset = {}
    for arm in ARMS:
        onset = arms[arm]["onset_week"].to_numpy()
        onset = onset[onset >= 0]
        median_onset[arm] = float(np.median(onset)) if onset.size else None
    pol = spec.policy
    return {
        "scenario": spec.scenario.name,
        "scenario_source": spec.scenario_source,
        "n_parties": spec.scenario.n_parties,
        "policy": pol.label,
        "policy_config": {
            "instrument": pol.instrument,
            "lag_weeks": pol.lag_weeks,
            "intensity": pol.intensity,
            "duration_weeks": pol.duration_weeks,
            "sponsor": pol.sponsor,
            "mediator": pol.mediator,
            "withdraw_when_calm": pol.withdraw_when_calm,
            "unity": pol.unity,
        },
        "baseline": spec.baseline.label,
        "n": n,
        "horizon_weeks": spec.horizon_weeks,
        "seed": spec.seed,
        "backend": spec.backend,
        "confidence": 0.95,
        "p_violence": {arm: interval(wilson_interval(int(violence[arm].sum()), n)) for arm in ARMS},
        "risk_difference": diff,
        "p_war": {arm: interval(wilson_interval(int(arms[arm]["war"].sum()), n)) for arm in ARMS},
        "median_onset_week": median_onset,
        "mean_cost": {arm: float(arms[arm]["cost"].mean()) for arm in ARMS},
        "timeseries_replicate": spec.timeseries_replicate,
    }


def plot_series(series, rows: dict, spec: RunSpec):
    """Stage counts over weeks for the policy and the baseline; warning and arrival marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .params import STAGE_NAMES

    colours = ("#4c9f70", "#e8c547", "#f08a24", "#d1495b", "#6a040f")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True, constrained_layout=True)
    for ax, arm in zip(axes, ARMS, strict=True):
        ts = series[series["arm"] == arm]
        weeks = ts["week"].to_numpy()
        ax.stackplot(
            weeks,
            *(ts[f"n_{s}"].to_numpy() for s in STAGE_NAMES),
            labels=STAGE_NAMES,
            colors=colours,
            alpha=0.9,
        )
        row = rows[arm]
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
        label = spec.policy.label if arm == "policy" else f"baseline ({spec.baseline.label})"
        ax.set_title(label)
        ax.set_xlabel("week")
        ax.set_xlim(weeks.min() if weeks.size else 0, weeks.max() if weeks.size else 1)
    axes[0].set_ylabel("parties per stage")
    handles, labels = axes[0].get_legend_handles_labels()
    h2, l2 = axes[1].get_legend_handles_labels()
    for h, lab in zip(h2, l2, strict=True):
        if lab not in labels:
            handles.append(h)
            labels.append(lab)
    fig.legend(handles, labels, loc="outside right center", fontsize=8)
    fig.suptitle(f"{spec.scenario.name}: replicate {spec.timeseries_replicate} (seed {spec.seed})")
    return fig


def execute(
    spec: RunSpec, out_dir: str | os.PathLike, plot: bool = True, progress: bool = True
) -> dict:
    """Run ``spec`` and write its files into ``out_dir``; return the summary.

    Nothing is written until every result is computed; ``summary.json`` is written last.
    """
    from .io import save_figure, write_json, write_parquet

    out_dir = Path(out_dir)
    outcomes = run_outcomes(spec, progress=progress)
    series, rows = run_series(spec)
    summary = summarise(spec, outcomes)
    fig = plot_series(series, rows, spec) if plot else None
    files = [OUTCOMES_FILE, TIMESERIES_FILE] + ([PLOT_FILE] if plot else []) + [SUMMARY_FILE]
    summary["files"] = files
    write_parquet(series, out_dir / TIMESERIES_FILE)
    if fig is not None:
        import matplotlib.pyplot as plt

        save_figure(fig, out_dir / PLOT_FILE, dpi=110)
        plt.close(fig)
    write_parquet(outcomes, out_dir / OUTCOMES_FILE)
    write_json(summary, out_dir / SUMMARY_FILE)
    return summary


def format_summary(summary: dict, out_dir: Path, seconds: float | None = None) -> str:
    """The short human summary printed at the end of a run."""

    def ci(d: dict) -> str:
        return f"{d['p']:.3f} [{d['low']:.3f}, {d['high']:.3f}]"

    def num(x, fmt: str = ".1f") -> str:
        return "n/a" if x is None else format(x, fmt)

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
        lines.append(
            f"  {label:<{w}}  {ci(summary['p_violence'][arm]):<24}  {ci(summary['p_war'][arm]):<24}"
            f"  {num(summary['median_onset_week'][arm]):>12}  "
            f"{summary['mean_cost'][arm]:.2f} US$m"
        )
    lines.append(f"  risk difference (policy - baseline): {rd['mean']:+.3f}{rd_ci}")
    tail = f" ({seconds:.1f} s)" if seconds is not None else ""
    lines.append(f"outputs: {out_dir}{tail}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
