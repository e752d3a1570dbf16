"""Scenario discovery: under which conditions does violence stay likely although the envoy
arrives within four weeks of the first warning? And which policies are robust across worlds?

``python -m experiments experiment=scenario_discovery`` samples ``experiment.samples`` worlds
(Latin hypercube over the uncertainties of :func:`sim.ema.model`: every scalar parameter's
plausible range, the table multipliers and the scenario's UN inputs), runs every world under
each policy of ``experiment.settings.policies`` with EMA's ``perform_experiments`` (each
experiment one paired ensemble of ``experiment.replicates`` replicates), then:

* **PRIM** (``ema_workbench.analysis.prim``) on the runs of the focus policy
  (``envoy@2``: decision 2 weeks after the first warning, 1 week to deploy, so the envoy
  arrives 4 weeks after the warning). A world is a *case* when
  ``p_violence_despite_arrival`` = P(violence) − P(onset before the envoy arrived) - the share
  of replicates in which violence broke out although the envoy was there - is at least
  ``case_threshold``. Boxes are peeled until PRIM stops; the box kept on each trajectory is the
  one of highest coverage among those of density >= ``min_density``.
* **Robustness**: each policy's P(violence) across the worlds: mean (with a 95% interval over
  worlds), median, 90th percentile, and regret (P(violence) minus the lowest P(violence) of
  any policy in the same world, paired: the same replicates): mean and 90th percentile.

Outputs in ``experiment.out_dir`` (each written atomically): ``experiments.csv`` (inputs and
outcomes of every experiment), ``prim_boxes.csv`` (per box and restricted uncertainty: limits,
the full range, coverage, density, mass, quasi-p value), ``prim_trajectory.csv``,
``prim_tradeoff.png``, ``prim_box.png``, ``robustness.csv`` and ``scenario_discovery.json``
(settings, the case definition, base rate, wall time and load average).

    python -m experiments experiment=scenario_discovery
    python -m experiments experiment=scenario_discovery experiment.samples=50 \\
        experiment.replicates=50 experiment.settings.processes=1     # a quick look
    python -m experiments experiment=scenario_discovery scenario=kenya_2008
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import ensure_numba_cache

ensure_numba_cache()

from sim.errors import SimInputError, check_range  # noqa: E402
from sim.files import atomic_path, save_figure, write_csv  # noqa: E402

FOCUS_OUTCOME = "p_violence_despite_arrival"


@dataclass
class DiscoveryConf:
    """The settings of the experiment (``experiment.samples``, ``.replicates``, ``.seed`` and
    ``experiment.settings.<name>`` for the rest), checked by :func:`settings_from`."""

    samples: int = 200  # worlds (Latin hypercube over the uncertainties)
    replicates: int = 200  # paired replicates per experiment (policy and no action)
    seed: int = 0  # sampling seed and the model's seed constant
    horizon_weeks: int = 104
    processes: int = 2  # EMA worker processes (1: sequential evaluation)
    scenario: str = "default"  # a scenario name or a YAML path
    policies: list[Any] = field(
        default_factory=lambda: [
            "none",
            {"instrument": "envoy", "lag_weeks": 2},
            {"instrument": "envoy", "lag_weeks": 12},
            {"instrument": "sanctions", "lag_weeks": 2},
        ]
    )
    focus_policy: str = "envoy@2"  # the policy whose runs PRIM explains
    case_threshold: float = 0.3  # a case: p_violence_despite_arrival >= this
    min_density: float = 0.8  # the box kept: highest coverage with at least this density
    peel_alpha: float = 0.05
    significance: float = 0.05  # restrictions with a larger quasi-p value are dropped
    prim_dimensions: int = 4  # PRIM peels the uncertainties of highest feature score (0: all)
    max_boxes: int = 3
    reuse_runs: bool = True  # reuse experiments.csv of a run with the same run settings


def settings_from(cfg: dict) -> DiscoveryConf:
    """The experiment section (a dict) as :class:`DiscoveryConf`; unknown keys are errors."""
    values = {k: cfg[k] for k in ("samples", "replicates", "seed") if cfg.get(k) is not None}
    settings = dict(cfg.get("settings") or {})
    if settings.get("scenario_file"):
        settings["scenario"] = settings["scenario_file"]
    settings.pop("scenario_file", None)
    known = {f.name for f in dataclasses.fields(DiscoveryConf)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise SimInputError("experiment.settings", unknown, f"unknown; allowed: {sorted(known)}")
    conf = DiscoveryConf(**{**values, **settings})
    for name, low, high in (
        ("samples", 2, 100_000),
        ("replicates", 1, 10**7),
        ("processes", 1, 256),
        ("horizon_weeks", 1, 100_000),
        ("max_boxes", 1, 20),
        ("prim_dimensions", 0, 10_000),
    ):
        section = "experiment" if name in ("samples", "replicates") else "experiment.settings"
        check_range(f"{section}.{name}", getattr(conf, name), low, high, integer=True)
    for name in ("case_threshold", "min_density", "peel_alpha", "significance"):
        check_range(f"experiment.settings.{name}", getattr(conf, name), 0.0, 1.0)
    return conf


# ---------------------------------------------------------------- running the experiments
def perform(conf: DiscoveryConf, echo: bool = True):
    """``(experiments, outcomes, seconds)`` of every world under every policy."""
    from ema_workbench import MultiprocessingEvaluator, SequentialEvaluator, perform_experiments

    import sim.ema

    parallel = conf.processes > 1
    model = sim.ema.model(
        conf.scenario,
        replicates=conf.replicates,
        seed=conf.seed,
        horizon_weeks=conf.horizon_weeks,
        threads=1 if parallel else None,
    )
    policies = []
    for k, policy in enumerate(conf.policies):
        try:
            policies += sim.ema.policy_samples([policy])
        except SimInputError as e:
            raise SimInputError(
                f"experiment.settings.policies[{k}]: {e.field}", e.value, e.allowed
            ) from None
    labels = [p.name for p in policies]
    if conf.focus_policy not in labels:
        raise SimInputError(
            "experiment.settings.focus_policy",
            conf.focus_policy,
            f"must be one of the policies: {', '.join(labels)}",
        )
    evaluator = (
        MultiprocessingEvaluator(model, n_processes=conf.processes)
        if parallel
        else SequentialEvaluator(model)
    )
    t0 = time.perf_counter()
    with evaluator:
        experiments, outcomes = perform_experiments(
            model,
            scenarios=conf.samples,
            policies=policies,
            evaluator=evaluator,
            uncertainty_sampling_kwargs={"rng": conf.seed},
            reporting_frequency=0 if not echo else 10,
        )
    return experiments, outcomes, time.perf_counter() - t0, [u.name for u in model.uncertainties]


def results_frame(experiments, outcomes):
    """One row per experiment: the inputs, the outcomes and ``p_violence_despite_arrival``."""
    import pandas as pd

    frame = pd.concat([experiments.reset_index(drop=True), pd.DataFrame(outcomes)], axis=1)
    before = frame["p_before_arrival"].fillna(frame["p_violence"])  # no action: nothing arrives
    frame[FOCUS_OUTCOME] = frame["p_violence"] - before
    frame["policy"] = frame["policy"].astype(str)
    return frame


# ---------------------------------------------------------------- PRIM
BOX_COLUMNS = (
    "box",
    "coverage",
    "density",
    "mass",
    "res_dim",
    "n",
    "uncertainty",
    "min",
    "max",
    "range_min",
    "range_max",
    "qp_low",
    "qp_high",
    "peeled_res_dim",
)


def prim_boxes(frame, uncertainties: list[str], conf: DiscoveryConf):
    """``(boxes table, trajectories table, the first PrimBox found)``.

    Boxes are found one after another (up to ``max_boxes``); each keeps the trajectory step of
    :func:`chosen_index`, then loses its insignificant restrictions (:func:`prune`). The search
    stops at a box with no significant restriction left; the first box found is returned for
    the plots in any case.
    """
    import pandas as pd
    from ema_workbench.analysis import prim

    focus = frame[frame["policy"] == conf.focus_policy].reset_index(drop=True)
    x = focus[uncertainties].astype(float)  # PRIM pastes real limits, also on integer ones
    y = (focus[FOCUS_OUTCOME] >= conf.case_threshold).to_numpy()
    if not y.any():
        raise SimInputError(
            "experiment.settings.case_threshold",
            conf.case_threshold,
            "no world is a case: lower the threshold",
        )
    algorithm = prim.Prim(x, y, peel_alpha=conf.peel_alpha)
    rows, trajectories, first = [], [], None
    for k in range(conf.max_boxes):
        box = algorithm.find_box()
        if box is None:
            break
        first = first or box
        box.select(chosen_index(box.peeling_trajectory, conf.min_density))
        peeled_dims = int(box.res_dim)
        prune(box, conf.significance)
        trajectories.append(
            box.peeling_trajectory.assign(box=k, chosen=lambda t, c=box._cur_box: t.index == c)
        )
        if int(box.res_dim) == 0:
            break  # nothing significant: no box here, and none to look for after it
        rows += [{**r, "peeled_res_dim": peeled_dims} for r in box_rows(box, k, algorithm.box_init)]
    boxes = pd.DataFrame(rows, columns=list(BOX_COLUMNS))
    return boxes, pd.concat(trajectories, ignore_index=True), first


def prune(box, significance: float) -> None:
    """Drop, one at a time, the restriction whose quasi-p value (its best side) is the highest
    while it exceeds ``significance``: PRIM peels 60 dimensions on a few hundred worlds, and a
    restriction that could be chance is no finding. Each drop is a new step of the box's
    trajectory, and the selected one."""
    while True:
        p_values = box.p_values[box._cur_box]
        restricted = {name: _best_qp(v) for name, v in p_values.items()}
        weak = {name: qp for name, qp in restricted.items() if qp > significance}
        if not weak:
            return
        box.drop_restriction(max(weak, key=weak.get))


def _best_qp(values) -> float:
    valid = [v for v in np.atleast_1d(values) if v >= 0]
    return min(valid) if valid else math.inf


def chosen_index(trajectory, min_density: float) -> int:
    """The step of highest coverage with density >= ``min_density`` (else the densest)."""
    dense = trajectory[trajectory["density"] >= min_density]
    if dense.empty:
        return int(trajectory["density"].idxmax())
    return int(dense["coverage"].idxmax())


def box_rows(box, k: int, box_init) -> list[dict]:
    """One row per restricted uncertainty of the selected box."""
    limits = box.box_lims[box._cur_box]
    stats = box.peeling_trajectory.loc[box._cur_box]
    p_values = box.p_values[box._cur_box] if box.p_values else {}
    base = {
        "box": k,
        "coverage": stats["coverage"],
        "density": stats["density"],
        "mass": stats["mass"],
        "res_dim": int(stats["res_dim"]),
        "n": int(stats["n"]),
    }
    rows = []
    for name in limits.columns:
        low, high = limits[name].iloc[0], limits[name].iloc[1]
        init_low, init_high = box_init[name].iloc[0], box_init[name].iloc[1]
        if (low, high) == (init_low, init_high):
            continue
        qp_low, qp_high = (list(p_values.get(name, [])) + [math.nan, math.nan])[:2]
        rows.append(
            {
                **base,
                "uncertainty": name,
                "min": low,
                "max": high,
                "range_min": init_low,
                "range_max": init_high,
                "qp_low": _qp(qp_low),
                "qp_high": _qp(qp_high),
            }
        )
    return rows


def _qp(value: float) -> float:
    """EMA marks the side of a limit that was not restricted with a quasi-p value of -1."""
    return math.nan if value is None or value < 0 else float(value)


def plot_prim(box, out_dir: Path, conf: DiscoveryConf, base_rate: float) -> dict[str, Path]:
    """The coverage-density trade-off of the first box's peeling and its box plot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    question = (
        f"cases: P(violence although the envoy arrived) >= {conf.case_threshold:g} "
        f"under {conf.focus_policy}; base rate {base_rate:.2f}"
    )
    tradeoff = box.show_tradeoff(annotated=False)
    kept = box.peeling_trajectory.loc[box._cur_box]
    ax = tradeoff.axes[0]
    ax.scatter(
        [kept["coverage"]],
        [kept["density"]],
        s=160,
        facecolors="none",
        edgecolors="red",
        linewidths=1.5,
        zorder=5,
    )
    ax.annotate(
        f"box kept: {int(kept['res_dim'])} restrictions",
        (kept["coverage"], kept["density"]),
        xytext=(8, 8),
        textcoords="offset points",
        color="red",
    )
    ax.axhline(base_rate, color="grey", linestyle=":", linewidth=1)
    ax.annotate(
        "base rate",
        (0.02, base_rate),
        xytext=(0, 3),
        textcoords="offset points",
        color="grey",
        fontsize=8,
    )
    tradeoff.suptitle("PRIM peeling trajectory (box 1)\n" + question, fontsize=9)
    tradeoff.set_size_inches(7.5, 6)
    paths = {
        "prim_tradeoff": save_figure(
            tradeoff, out_dir / "prim_tradeoff.png", dpi=120, bbox_inches="tight"
        )
    }
    plt.close(tradeoff)
    figure = box.inspect(style="graph")[0]
    figure = figure[0] if isinstance(figure, tuple) else figure
    figure.suptitle(f"PRIM box 1 (step {box._cur_box}): " + question, fontsize=9)
    figure.set_size_inches(10, max(3.2, 1.2 + 0.6 * int(box.res_dim)))
    paths["prim_box"] = save_figure(figure, out_dir / "prim_box.png", dpi=120, bbox_inches="tight")
    plt.close(figure)
    return paths


# ---------------------------------------------------------------- robustness
def robustness_table(frame):
    """Per policy, P(violence) across worlds: mean and its 95% interval over worlds, median,
    90th percentile, and regret against the best policy of each world (mean, 90th pct, max)."""
    import pandas as pd

    wide = frame.pivot(index="scenario", columns="policy", values="p_violence")
    regret = wide.sub(wide.min(axis=1), axis=0)
    cost = frame.pivot(index="scenario", columns="policy", values="mean_cost")
    n = len(wide)
    rows = []
    for policy in wide.columns:
        p = wide[policy]
        half = 1.96 * p.std(ddof=1) / math.sqrt(n) if n > 1 else math.nan
        rows.append(
            {
                "policy": policy,
                "worlds": n,
                "mean_p_violence": p.mean(),
                "mean_low": p.mean() - half,
                "mean_high": p.mean() + half,
                "median_p_violence": p.median(),
                "p90_p_violence": p.quantile(0.9),
                "mean_regret": regret[policy].mean(),
                "p90_regret": regret[policy].quantile(0.9),
                "max_regret": regret[policy].max(),
                "share_best": float((regret[policy] == 0).mean()),
                "mean_cost": cost[policy].mean(),
            }
        )
    return pd.DataFrame(rows).sort_values("mean_regret").reset_index(drop=True)


# ---------------------------------------------------------------- the experiment
#: The settings that decide the runs (the others only change the analysis).
RUN_SETTINGS = ("samples", "replicates", "seed", "horizon_weeks", "scenario", "policies")


def write_json(obj: dict, path: Path) -> Path:
    from sim.files import jsonable

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(jsonable(obj), indent=2) + "\n")
    return path


def run_key(conf: DiscoveryConf) -> dict:
    """What the runs depend on: the run settings, the uncertainties, the scenario file's hash."""
    import sim.ema
    from sim.files import sha256_file
    from sim.scenarios_io import scenario_file

    return {
        **{name: getattr(conf, name) for name in RUN_SETTINGS},
        "uncertainties": [u.name for u in sim.ema.uncertainties()],
        "scenario_sha256": sha256_file(scenario_file(conf.scenario)),
    }


def runs(conf: DiscoveryConf, out_dir: Path, echo: bool):
    """``(frame, uncertainties, timing)``: the runs of ``experiments.csv`` when ``runs.json``
    says they were made with the same run settings (and ``reuse_runs``), else new ones."""
    import pandas as pd

    key = json.loads(json.dumps(run_key(conf)))
    record, table = out_dir / "runs.json", out_dir / "experiments.csv"
    if conf.reuse_runs and record.is_file() and table.is_file():
        previous = json.loads(record.read_text())
        if previous.get("key") == key:
            if echo:
                print(f"reusing the runs in {table} (same run settings)", flush=True)
            return pd.read_csv(table), key["uncertainties"], previous["timing"]
    load_before = os.getloadavg()
    experiments, outcomes, seconds, uncertainties = perform(conf, echo)
    timing = {
        "seconds": round(seconds, 1),
        "processes": conf.processes,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "cpu_count": os.cpu_count(),
    }
    frame = results_frame(experiments, outcomes)
    write_csv(frame, table)
    write_json({"key": key, "timing": timing}, record)  # after the table: a record means done
    return frame, uncertainties, timing


def feature_scores(frame, uncertainties: list[str], conf: DiscoveryConf):
    """Extra-trees feature scores of the uncertainties for the cases (EMA's feature scoring):
    which inputs separate the cases at all, box-shaped or not."""
    from ema_workbench.analysis import feature_scoring
    from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

    focus = frame[frame["policy"] == conf.focus_policy]
    y = (focus[FOCUS_OUTCOME] >= conf.case_threshold).to_numpy()
    scores, _ = feature_scoring.get_ex_feature_scores(
        focus[uncertainties].astype(float),
        y,
        mode=RuleInductionType.CLASSIFICATION,
        random_state=conf.seed,
    )
    return scores.reset_index().set_axis(["uncertainty", "score"], axis=1)


def run_experiment(cfg: dict, out_dir: Path, echo: bool = True) -> dict[str, Path]:
    """Entry point of ``python -m experiments experiment=scenario_discovery``: run, analyse,
    write the outputs into ``out_dir`` and return their paths."""
    conf = settings_from(cfg)
    out_dir = Path(out_dir)
    frame, uncertainties, timing = runs(conf, out_dir, echo)
    paths = {"experiments": out_dir / "experiments.csv", "runs": out_dir / "runs.json"}
    scores = feature_scores(frame, uncertainties, conf)
    peeled = list(scores["uncertainty"][: conf.prim_dimensions or None])
    boxes, trajectory, first_box = prim_boxes(frame, peeled, conf)
    focus = frame[frame["policy"] == conf.focus_policy]
    base_rate = float((focus[FOCUS_OUTCOME] >= conf.case_threshold).mean())
    robust = robustness_table(frame)
    paths["prim_boxes"] = write_csv(boxes, out_dir / "prim_boxes.csv")
    paths["prim_trajectory"] = write_csv(trajectory, out_dir / "prim_trajectory.csv")
    paths["feature_scores"] = write_csv(scores, out_dir / "feature_scores.csv")
    paths.update(plot_prim(first_box, out_dir, conf, base_rate))
    paths["robustness"] = write_csv(robust, out_dir / "robustness.csv")
    summary = {
        "settings": dataclasses.asdict(conf),
        "case": f"{FOCUS_OUTCOME} >= {conf.case_threshold} under {conf.focus_policy}",
        "base_rate": base_rate,
        "experiments": len(frame),
        **timing,
        "boxes": boxes.to_dict(orient="records"),
        "top_features": scores.head(10).to_dict(orient="records"),
        "robustness": robust.to_dict(orient="records"),
    }
    paths["summary"] = write_json(summary, out_dir / "scenario_discovery.json")
    if echo:
        print(
            f"{len(frame)} experiments in {timing['seconds']:.1f} s (load average before "
            f"{timing['load_average_before'][0]:.2f}); base rate of cases {base_rate:.2f}",
            flush=True,
        )
    return paths
