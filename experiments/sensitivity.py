"""Global sensitivity analysis: Morris screening of every parameter, then Sobol indices of the
most influential ones, for four outcomes of the default scenario (docs/sensitivity.md).

Factors (:func:`all_factors`): every scalar parameter over its plausible range (integers
rounded down from a uniform draw on ``[low, high + 1)``); per instrument, one multiplier in
[0.5, 1.5] of its row's force fields (``FORCE_FIELDS``) and one of its stage-effect row (each
clipped to the field's allowed range); every mechanism switch as a factor in [0, 1], on above
0.5 (Morris only: a binary factor has no variance decomposition worth the name). Every factor
is sampled on [0, 1] and mapped to its range; invalid combinations are projected
(:func:`project`): the thresholds are sorted, and the three transition rates are scaled down
proportionally when their sum exceeds 1.

Outcomes (:data:`OUTCOMES`, :func:`outcomes`), all from one :func:`sim.ensemble.simulate` call
per parameter set with the same seed for every set (common random numbers): no action and the
envoy at the lags ``ENVOY_LAGS``.

Outputs in ``out_dir``: ``morris.csv``, ``morris_<outcome>.png``, ``sobol.csv``,
``sobol_<outcome>.png``, ``sobol_convergence.csv`` (indices from the first half of the base
sample against the full one), and the raw runs ``morris_runs.csv`` and ``sobol_runs.csv`` (the
unit design and the outcomes; a rerun with the same design reuses them instead of simulating).

    python -m experiments.sensitivity --morris-trajectories 20 --sobol-base 256 \\
        --replicates 400 --out outputs/experiments/sensitivity
    python -m experiments.sensitivity --plots-only --out outputs/experiments/sensitivity
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import ensure_numba_cache

ensure_numba_cache()

from sim.params import INSTRUMENTS, STAGE_NAMES, Parameters, iter_fields  # noqa: E402

#: The force fields of an instrument row scaled together by its multiplier, and its range.
from sim.schema import FORCE_FIELDS, MULTIPLIER_RANGE  # noqa: E402, F401

#: Outcome name -> unit (the x-axis of the Morris charts).
OUTCOMES = {
    "p_violence_none": "probability",
    "envoy_benefit_lag0": "risk difference",
    "prevention_window": "weeks of lag",
    "rrr_slope": "RRR per week of lag",
}
#: What each outcome is, for the charts' titles.
OUTCOME_TITLES = {
    "p_violence_none": "P(violence within 104 weeks | no action)",
    "envoy_benefit_lag0": "envoy benefit at lag 0 (risk difference)",
    "prevention_window": "prevention window (lag losing half the envoy's benefit)",
    "rrr_slope": "slope of the envoy's relative risk reduction over lag",
}
HORIZON_WEEKS = 104
#: Decision lags of the envoy (weeks after the first warning); ``SLOPE_LAGS`` a subset.
ENVOY_LAGS = (0, 4, 8, 16, 26, 39, 52)
SLOPE_LAGS = (0, 8, 26, 52)
THRESHOLDS = ("threshold_dispute", "threshold_crisis", "threshold_violence", "threshold_war")
RATES = ("escalation_rate", "deescalation_rate", "settle_bonus")
DEFAULTS = {
    "morris_trajectories": 20,
    "sobol_base": 256,
    "replicates": 400,
    "seed": 0,
    "top_k": 12,
    "morris_levels": 4,
    "sobol_second_order": False,
    "factors": None,
}


# ---------------------------------------------------------------- factors
@dataclasses.dataclass(frozen=True)
class Factor:
    """One input of the analysis, sampled on [0, 1] and mapped to ``[low, high]``.

    ``kind``: ``float`` or ``int`` (a scalar parameter), ``instrument`` or ``stage`` (a
    multiplier of a table row), ``switch`` (a mechanism, on above 0.5).
    """

    name: str
    kind: str
    low: float
    high: float
    label: str

    def value(self, u: float) -> Any:
        if self.kind == "switch":
            return bool(u > 0.5)
        if self.kind == "int":
            return int(min(math.floor(self.low + u * (self.high - self.low + 1)), self.high))
        return float(self.low + u * (self.high - self.low))


def readable(name: str) -> str:
    """A chart label: ``weight_will`` -> ``pressure weight: will``, ``lock_in_rate`` ->
    ``lock-in rate``."""
    text = name.replace("lock_in", "lock-in").replace("_", " ")
    return (
        "pressure weight: " + text.removeprefix("weight ") if name.startswith("weight_") else text
    )


def scalar_factors() -> list[Factor]:
    """Every scalar parameter of :class:`Parameters` over its plausible range."""
    out = []
    for f in dataclasses.fields(Parameters):
        if "range" not in f.metadata:
            continue
        low, high = f.metadata["plausible"]
        kind = "int" if f.type in (int, "int") else "float"
        out.append(Factor(f.name, kind, low, high, readable(f.name)))
    return out


def table_factors() -> list[Factor]:
    """Per instrument, a multiplier of its force fields and one of its stage-effect row."""
    names = [n for n in INSTRUMENTS if n != "none"]
    rows = [
        Factor(
            f"instruments.{n}", "instrument", *MULTIPLIER_RANGE, f"{n.replace('_', ' ')} forces (×)"
        )
        for n in names
    ]
    stages = [
        Factor(
            f"stage_effect.{n}",
            "stage",
            *MULTIPLIER_RANGE,
            f"{n.replace('_', ' ')} stage effect (×)",
        )
        for n in names
    ]
    return rows + stages


def switch_factors() -> list[Factor]:
    """Every mechanism switch (on above 0.5)."""
    return [
        Factor(f"mechanisms.{f.name}", "switch", 0.0, 1.0, f"switch: {readable(f.name)}")
        for f in dataclasses.fields(Parameters().mechanisms)
    ]


def all_factors() -> list[Factor]:
    return scalar_factors() + table_factors() + switch_factors()


def select_factors(names: Sequence[str] | None) -> list[Factor]:
    """The factors named (all of them for None), in the order of :func:`all_factors`."""
    factors = all_factors()
    if names is None:
        return factors
    unknown = set(names) - {f.name for f in factors}
    if unknown:
        raise ValueError(f"unknown factors: {sorted(unknown)}")
    return [f for f in factors if f.name in set(names)]


# ---------------------------------------------------------------- from a sample to Parameters
def _leaf_fields() -> dict[str, dataclasses.Field]:
    return {name: f for name, f, _ in iter_fields(Parameters())}


def _scaled_row(prefix: str, fields: Sequence[str], factor: float, base: Parameters) -> dict:
    """``prefix.<field>`` for each field, the default times ``factor`` clipped to its range."""
    leaves, values = _leaf_fields(), base.flat()
    out = {}
    for name in fields:
        key = f"{prefix}.{name}"
        low, high = leaves[key].metadata["range"]
        out[key] = float(np.clip(values[key] * factor, low, high))
    return out


def overrides_for(
    factors: Sequence[Factor], unit_row: Sequence[float], base: Parameters | None = None
) -> dict[str, Any]:
    """Dotted overrides of one sample (unit values, one per factor), before projection."""
    base = base if base is not None else Parameters()
    out: dict[str, Any] = {}
    for factor, u in zip(factors, unit_row, strict=True):
        value = factor.value(float(u))
        if factor.kind == "instrument":
            out.update(_scaled_row(factor.name, FORCE_FIELDS, value, base))
        elif factor.kind == "stage":
            out.update(_scaled_row(factor.name, STAGE_NAMES, value, base))
        else:
            out[factor.name] = value
    return out


def project(overrides: dict[str, Any], base: Parameters | None = None) -> dict[str, Any]:
    """Make a sample valid: thresholds sorted (strictly increasing: ties moved up by 1e-6),
    and the three transition rates scaled down proportionally if their sum exceeds 1."""
    base = base if base is not None else Parameters()
    full = {**base.flat(), **overrides}
    out = dict(overrides)
    if any(name in overrides for name in THRESHOLDS):
        values = sorted(float(full[n]) for n in THRESHOLDS)
        for k in range(1, len(values)):
            values[k] = max(values[k], values[k - 1] + 1e-6)
        out.update(zip(THRESHOLDS, values, strict=True))
    total = sum(float(full[n]) for n in RATES)
    if total > 1.0:
        out.update({n: float(full[n]) / total * (1.0 - 1e-9) for n in RATES})
    return out


def parameters_for(factors: Sequence[Factor], unit_row: Sequence[float]) -> Parameters:
    """The valid :class:`Parameters` of one sample."""
    return Parameters().replace(project(overrides_for(factors, unit_row)))


# ---------------------------------------------------------------- outcomes
def policies() -> list:
    """No action, then the envoy at every lag of ``ENVOY_LAGS``."""
    from sim.policy import Policy

    return [Policy("none")] + [Policy("envoy", lag_weeks=lag) for lag in ENVOY_LAGS]


def prevention_window(lags: Sequence[float], benefits: Sequence[float]) -> float:
    """The lag at which half the lag-0 benefit is lost (linear interpolation between lags);
    the last lag if it never is, 0 if there is no benefit at lag 0."""
    half = benefits[0] / 2.0
    if benefits[0] <= 0:
        return 0.0
    for k in range(1, len(lags)):
        if benefits[k] <= half:
            b0, b1 = benefits[k - 1], benefits[k]
            return float(lags[k - 1] + (b0 - half) / (b0 - b1) * (lags[k] - lags[k - 1]))
    return float(lags[-1])


def rrr_after_arrival(none: np.ndarray, envoy: np.ndarray) -> float:
    """1 - P(v | envoy, no onset before arrival) / P(v | none, the same replicates); 0 when
    no kept replicate sees violence without action."""
    early = (envoy["violence"] == 1) & (
        (envoy["arrival_week"] < 0) | (envoy["onset_week"] < envoy["arrival_week"])
    )
    keep = ~early
    risk_none = none["violence"][keep].mean() if keep.any() else 0.0
    if risk_none <= 0:
        return 0.0
    return float(1.0 - envoy["violence"][keep].mean() / risk_none)


def outcomes(out: np.ndarray) -> dict[str, float]:
    """The four outcomes from :func:`simulate`'s records, rows ordered as :func:`policies`."""
    violence = out["violence"].mean(axis=1)
    benefits = violence[0] - violence[1:]
    arm = {lag: out[1 + k] for k, lag in enumerate(ENVOY_LAGS)}
    rrr = [rrr_after_arrival(out[0], arm[lag]) for lag in SLOPE_LAGS]
    return {
        "p_violence_none": float(violence[0]),
        "envoy_benefit_lag0": float(benefits[0]),
        "prevention_window": prevention_window(ENVOY_LAGS, benefits),
        "rrr_slope": float(np.polyfit(SLOPE_LAGS, rrr, 1)[0]),
    }


def model_outcomes(params: Parameters, replicates: int, seed: int) -> dict[str, float]:
    """The outcomes of one parameter set on the default scenario."""
    from sim.ensemble import simulate

    out = simulate(
        None,
        policies(),
        replicates=replicates,
        horizon_weeks=HORIZON_WEEKS,
        seed=seed,
        params=params,
    )
    return outcomes(out)


# ---------------------------------------------------------------- evaluating designs
Model = Callable[[np.ndarray], dict[str, float]]


def simulation_model(factors: Sequence[Factor], replicates: int, seed: int) -> Model:
    """A function of one unit row: the outcomes of its parameter set (the same seed always)."""
    return lambda row: model_outcomes(parameters_for(factors, row), replicates, seed)


def evaluate(model: Model, design: np.ndarray, outcome_names: Sequence[str]) -> np.ndarray:
    """Outcomes of every row of ``design`` (rows x outcomes)."""
    y = np.zeros((len(design), len(outcome_names)))
    for i, row in enumerate(design):
        result = model(row)
        y[i] = [result[o] for o in outcome_names]
    return y


def _problem(factors: Sequence[Factor]) -> dict:
    names = [f.name for f in factors]
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def cached_runs(path: Path, design: np.ndarray, names: list[str], outcome_names) -> np.ndarray:
    """Outcomes of the leading rows of ``design`` found in the raw runs file ``path`` (from an
    interrupted run, or from a run of a design that starts like this one: a Sobol design of
    base N begins with that of base N/2); no rows if the file does not match."""
    import pandas as pd

    none = np.zeros((0, len(outcome_names)))
    if not path.exists():
        return none
    df = pd.read_csv(path)
    n = min(len(df), len(design))
    if list(df.columns) != names + list(outcome_names):
        return none
    if not np.allclose(df[names].to_numpy()[:n], design[:n], rtol=0, atol=1e-12):
        return none
    return df[list(outcome_names)].to_numpy()[:n]


def _write_runs(path: Path, design: np.ndarray, y: np.ndarray, names, outcome_names) -> None:
    import pandas as pd

    frame = pd.concat(
        [
            pd.DataFrame(design[: len(y)], columns=names),
            pd.DataFrame(y, columns=list(outcome_names)),
        ],
        axis=1,
    )
    atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, float_format="%.17g"))


def evaluate_cached(
    model: Model,
    design: np.ndarray,
    factors: Sequence[Factor],
    outcome_names: Sequence[str],
    path: Path,
    echo: bool,
) -> np.ndarray:
    """:func:`evaluate` in tenths, each tenth saved to the raw runs file ``path`` (so that an
    interrupted run resumes), reusing the rows already there; progress after each tenth."""
    names = [f.name for f in factors]
    y = cached_runs(path, design, names, outcome_names)
    n, reused, t0 = len(design), len(y), time.perf_counter()
    if echo and reused:
        print(f"{path.stem}: reusing {reused} runs from {path}", flush=True)
    step = max(1, math.ceil(n / 10))
    for start in range(reused, n, step):
        y = np.vstack([y, evaluate(model, design[start : start + step], outcome_names)])
        _write_runs(path, design, y, names, outcome_names)
        if echo:
            spent, done = time.perf_counter() - t0, len(y) - reused
            print(
                f"{path.stem}: {len(y)}/{n} runs ({100 * len(y) // n}%), "
                f"{spent / 60:.1f} min, about {spent / done * (n - len(y)) / 60:.1f} min left",
                flush=True,
            )
    return y


# ---------------------------------------------------------------- Morris
def morris_design(factors: Sequence[Factor], trajectories: int, levels: int, seed: int):
    from SALib.sample import morris

    return morris.sample(_problem(factors), trajectories, num_levels=levels, seed=seed)


def morris_table(
    factors: Sequence[Factor],
    design: np.ndarray,
    y: np.ndarray,
    outcome_names: Sequence[str],
    levels: int,
    seed: int,
):
    """``parameter, outcome, mu_star, mu_star_conf, sigma`` for every factor and outcome (mu*
    in outcome units per whole range of the factor)."""
    import pandas as pd
    from SALib.analyze import morris

    frames = []
    for j, outcome in enumerate(outcome_names):
        res = morris.analyze(_problem(factors), design, y[:, j], num_levels=levels, seed=seed)
        frames.append(
            pd.DataFrame(
                {
                    "parameter": res["names"],
                    "outcome": outcome,
                    "mu_star": res["mu_star"],
                    "mu_star_conf": res["mu_star_conf"],
                    "sigma": res["sigma"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def top_factors(table, k: int, exclude: Sequence[str] = ()) -> list[str]:
    """The ``k`` factors ranked by their largest mu* over outcomes, each outcome's mu*
    divided by its largest (so outcomes of every unit count alike)."""
    t = table[~table["parameter"].isin(list(exclude))].copy()
    t["norm"] = t["mu_star"] / t.groupby("outcome")["mu_star"].transform("max").replace(0, 1)
    score = t.groupby("parameter", sort=False)["norm"].max()
    return list(score.sort_values(ascending=False, kind="stable").index[:k])


# ---------------------------------------------------------------- Sobol
def sobol_design(factors: Sequence[Factor], base: int, second_order: bool, seed: int):
    from SALib.sample import sobol

    return sobol.sample(_problem(factors), base, calc_second_order=second_order, seed=seed)


def sobol_table(
    factors: Sequence[Factor],
    y: np.ndarray,
    outcome_names: Sequence[str],
    second_order: bool,
    seed: int,
):
    """``parameter, S1, S1_conf, ST, ST_conf, outcome`` (95% bootstrap intervals)."""
    import pandas as pd
    from SALib.analyze import sobol

    frames = []
    for j, outcome in enumerate(outcome_names):
        res = sobol.analyze(_problem(factors), y[:, j], calc_second_order=second_order, seed=seed)
        frames.append(
            pd.DataFrame(
                {
                    "parameter": [f.name for f in factors],
                    "S1": res["S1"],
                    "S1_conf": res["S1_conf"],
                    "ST": res["ST"],
                    "ST_conf": res["ST_conf"],
                    "outcome": outcome,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def sobol_convergence(factors, y: np.ndarray, outcome_names, second_order: bool, seed: int):
    """Indices from the first half of the base sample (a valid design of base N/2) beside
    those of the whole (base N): ``parameter, outcome, S1_half, ST_half, S1, ST``."""
    rows_per_base = len(factors) * (2 if second_order else 1) + 2
    half = len(y) // rows_per_base // 2 * rows_per_base
    full = sobol_table(factors, y, outcome_names, second_order, seed)
    part = sobol_table(factors, y[:half], outcome_names, second_order, seed)
    out = full[["parameter", "outcome", "S1", "ST"]].copy()
    out.insert(2, "ST_half", part["ST"].to_numpy())
    out.insert(2, "S1_half", part["S1"].to_numpy())
    return out


# ---------------------------------------------------------------- files and figures
def atomic_write(path: Path, writer: Callable[[Path], Any]) -> Path:
    """Call ``writer`` on a temporary file beside ``path``, then rename it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    writer(tmp)
    tmp.replace(path)
    return path


def labels() -> dict[str, str]:
    """Readable name of every factor."""
    return {f.name: f.label for f in all_factors()}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    _pyplot().close(fig)
    return path


def plot_morris(table, outcome: str, size: str, path: Path, top: int = 20) -> Path:
    """Horizontal bars of mu* (with its 95% interval) for the ``top`` factors of ``outcome``."""
    plt, names = _pyplot(), labels()
    t = table[table["outcome"] == outcome].nlargest(top, "mu_star").iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(t) + 1.6))
    ax.barh(
        range(len(t)),
        t["mu_star"],
        xerr=t["mu_star_conf"],
        color="#1b9e77",
        ecolor="grey",
        capsize=2,
    )
    ax.set_yticks(range(len(t)), [names.get(p, p) for p in t["parameter"]])
    ax.set_xlabel(
        f"Morris \u03bc* ({OUTCOMES[outcome]} per whole range of the factor)\n"
        "\u03bc* = mean |elementary effect|; error bars: 95% bootstrap interval"
    )
    ax.set_title(
        f"Morris screening: {OUTCOME_TITLES[outcome]}\n"
        f"top {len(t)} of {table['parameter'].nunique()} factors; {size}",
        fontsize=10,
    )
    ax.set_xlim(left=0)
    return _save(fig, path)


def plot_sobol(table, outcome: str, size: str, path: Path) -> Path:
    """First-order (S1) and total (ST) indices side by side, with 95% intervals."""
    plt, names = _pyplot(), labels()
    t = table[table["outcome"] == outcome].sort_values("ST").reset_index(drop=True)
    y, h = np.arange(len(t)), 0.38
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(t) + 1.8))
    ax.barh(
        y + h / 2,
        t["ST"],
        h,
        xerr=t["ST_conf"],
        label="total (ST)",
        color="#d95f02",
        ecolor="grey",
        capsize=2,
    )
    ax.barh(
        y - h / 2,
        t["S1"],
        h,
        xerr=t["S1_conf"],
        label="first order (S1)",
        color="#7570b3",
        ecolor="grey",
        capsize=2,
    )
    ax.set_yticks(y, [names.get(p, p) for p in t["parameter"]])
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("Sobol index (share of the outcome's variance; bars: 95% bootstrap interval)")
    ax.set_title(
        f"Sobol indices: {OUTCOME_TITLES[outcome]}\n{len(t)} factors; {size}",
        fontsize=10,
    )
    ax.legend(loc="lower right", fontsize=8)
    return _save(fig, path)


def size_text(out_dir: Path, kind: str) -> str:
    """The sample size for a chart's title, from ``sensitivity.json`` (else the runs file)."""
    import json

    summary, runs = out_dir / "sensitivity.json", out_dir / f"{kind}_runs.csv"
    if not summary.exists():
        return f"N = {sum(1 for _ in open(runs)) - 1 if runs.exists() else '?'} model runs"
    s = json.loads(summary.read_text())
    cfg, n = s["config"], s[f"{kind}_runs"]
    sample = (
        f"r = {cfg['morris_trajectories']} trajectories"
        if kind == "morris"
        else f"base N = {cfg['sobol_base']}"
    )
    return f"{sample}, {n} model runs of {cfg['replicates']} replicates"


def plot_all(out_dir: Path) -> dict[str, Path]:
    """Every chart, from the CSVs in ``out_dir`` (and the numbers of model runs)."""
    import pandas as pd

    paths = {}
    for kind, plot in (("morris", plot_morris), ("sobol", plot_sobol)):
        csv = out_dir / f"{kind}.csv"
        if not csv.exists():
            continue
        table = pd.read_csv(csv)
        size = size_text(out_dir, kind)
        for outcome in table["outcome"].unique():
            paths[f"{kind}_{outcome}"] = plot(
                table, outcome, size, out_dir / f"{kind}_{outcome}.png"
            )
    return paths


# ---------------------------------------------------------------- the experiment
def _write_csv(frame, path: Path) -> Path:
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def run_morris(factors, cfg: dict, model: Model, out_dir: Path, echo: bool):
    """Morris screening of ``factors``; writes ``morris_runs.csv`` and ``morris.csv``."""
    design = morris_design(factors, cfg["morris_trajectories"], cfg["morris_levels"], cfg["seed"])
    y = evaluate_cached(model, design, factors, list(OUTCOMES), out_dir / "morris_runs.csv", echo)
    table = morris_table(factors, design, y, list(OUTCOMES), cfg["morris_levels"], cfg["seed"])
    _write_csv(table, out_dir / "morris.csv")
    return table


def run_sobol(factors, cfg: dict, model: Model, out_dir: Path, echo: bool):
    """Sobol indices of ``factors``; writes ``sobol_runs.csv``, ``sobol.csv`` and
    ``sobol_convergence.csv``."""
    second = cfg["sobol_second_order"]
    design = sobol_design(factors, cfg["sobol_base"], second, cfg["seed"])
    y = evaluate_cached(model, design, factors, list(OUTCOMES), out_dir / "sobol_runs.csv", echo)
    table = sobol_table(factors, y, list(OUTCOMES), second, cfg["seed"])
    _write_csv(table, out_dir / "sobol.csv")
    conv = sobol_convergence(factors, y, list(OUTCOMES), second, cfg["seed"])
    _write_csv(conv, out_dir / "sobol_convergence.csv")
    return table


def run_counts(cfg: dict, n_factors: int, k: int) -> tuple[int, int]:
    """Model runs of Morris, r (n + 1), and of Sobol, N (2k + 2) or N (k + 2)."""
    per_base = 2 * k + 2 if cfg["sobol_second_order"] else k + 2
    return cfg["morris_trajectories"] * (n_factors + 1), cfg["sobol_base"] * per_base


def estimate(cfg: dict, factors: Sequence[Factor], echo: bool) -> float:
    """Seconds per model run (one default set after a warm-up run), printed with the total."""
    model_outcomes(Parameters(), 10, cfg["seed"])  # compiles or loads the kernels
    t0 = time.perf_counter()
    model_outcomes(Parameters(), cfg["replicates"], cfg["seed"])
    per_run = time.perf_counter() - t0
    k = min(cfg["top_k"], sum(f.kind != "switch" for f in factors))
    n_morris, n_sobol = run_counts(cfg, len(factors), k)
    if echo:
        print(
            f"{per_run:.2f} s per run ({cfg['replicates']} replicates x "
            f"{len(policies())} policies); Morris {n_morris} runs + Sobol {n_sobol} runs: "
            f"about {per_run * (n_morris + n_sobol) / 60:.0f} min",
            flush=True,
        )
    return per_run


def _minutes(t0: float) -> float:
    return round((time.perf_counter() - t0) / 60, 2)


def write_summary(summary: dict, out_dir: Path) -> Path:
    """``sensitivity.json``: the settings, sizes and timings of the run (the charts read the
    numbers of model runs from it)."""
    import json

    path = out_dir / "sensitivity.json"
    return atomic_write(path, lambda tmp: tmp.write_text(json.dumps(summary, indent=2) + "\n"))


def run_experiment(cfg: dict, out_dir: Path, echo: bool = True) -> dict[str, Path]:
    """Morris over every factor (or ``cfg["factors"]``), then Sobol over the ``top_k`` non-switch
    factors of Morris; writes the CSVs, ``sensitivity.json`` and the charts in ``out_dir`` and
    returns their paths."""
    cfg = {**DEFAULTS, **{k: v for k, v in cfg.items() if v is not None}}
    out_dir = Path(out_dir)
    factors = select_factors(cfg["factors"])
    summary = {
        "config": cfg,
        "seconds_per_run": estimate(cfg, factors, echo),
        "horizon_weeks": HORIZON_WEEKS,
        "envoy_lags": ENVOY_LAGS,
        "factors": len(factors),
    }
    t0 = time.perf_counter()
    morris = run_morris(
        factors, cfg, simulation_model(factors, cfg["replicates"], cfg["seed"]), out_dir, echo
    )
    switches = [f.name for f in factors if f.kind == "switch"]
    chosen = select_factors(top_factors(morris, cfg["top_k"], exclude=switches))
    summary.update(
        morris_runs=run_counts(cfg, len(factors), len(chosen))[0],
        morris_minutes=_minutes(t0),
        sobol_factors=[f.name for f in chosen],
    )
    if echo:
        print("Sobol factors: " + ", ".join(f.name for f in chosen), flush=True)
    t1 = time.perf_counter()
    run_sobol(chosen, cfg, simulation_model(chosen, cfg["replicates"], cfg["seed"]), out_dir, echo)
    summary.update(
        sobol_runs=run_counts(cfg, len(factors), len(chosen))[1],
        sobol_minutes=_minutes(t1),
        total_minutes=_minutes(t0),
    )
    paths = {name: out_dir / f"{name}.csv" for name in ("morris", "sobol", "sobol_convergence")}
    paths["summary"] = write_summary(summary, out_dir)
    paths.update(plot_all(out_dir))
    if echo:
        print(f"sensitivity analysis done in {summary['total_minutes']:.1f} min", flush=True)
    return paths


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.sensitivity", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--morris-trajectories", type=int, default=DEFAULTS["morris_trajectories"])
    parser.add_argument(
        "--sobol-base", type=int, default=DEFAULTS["sobol_base"], help="base N (a power of 2)"
    )
    parser.add_argument("--replicates", type=int, default=DEFAULTS["replicates"])
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    parser.add_argument("--top-k", type=int, default=DEFAULTS["top_k"])
    parser.add_argument(
        "--second-order",
        action="store_true",
        help="also second-order Sobol indices: N (2k + 2) runs, not N (k + 2)",
    )
    parser.add_argument(
        "--plots-only",
        action="store_true",
        help="redraw the charts from the CSVs in --out; no model runs",
    )
    parser.add_argument("--out", type=Path, default=Path("outputs/experiments/sensitivity"))
    return parser


def main(argv: list[str] | None = None) -> int:
    a = _parser().parse_args(argv)
    if a.plots_only:
        paths = plot_all(a.out)
    else:
        keys = ("morris_trajectories", "sobol_base", "replicates", "seed", "top_k")
        cfg = {k: getattr(a, k) for k in keys} | {"sobol_second_order": a.second_order}
        paths = run_experiment(cfg, a.out)
    for name, path in paths.items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
