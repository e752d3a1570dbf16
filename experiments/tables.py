"""The experiments' tables, in pandas and numpy only: no files, no figures.

Every function takes the complete cells (``{cell_id: frame}``, both arms, replicates
``0 .. N-1``, as :mod:`experiments.aggregate` loads them) and/or the summary table, and works with
whatever subset is complete: a missing cell is a missing row, never an error. The columns are
documented in ``docs/experiments.md``.

* :func:`summary_table`: one row per cell (every experiment), from :func:`sim.stats.paired_summary`.
* :func:`prevention_windows` (warning to action): the lag at which half the lag-0 benefit is lost.
* :func:`decomposition_table` (warning to action): the lag effect split into onsets before the
  late action arrived and the state it met.
* :func:`km_onset_table` (warning to action): Kaplan-Meier curves of the time to the first onset.
* :func:`early_vs_late_table`, :func:`early_vs_late_pairs`: small steps early vs coercive tools
  late.
* :func:`unity_table`: united vs divided response.
* :func:`sustainability_table`: action withdrawn at de-escalation vs kept on, paired.
* :func:`warning_quality_table`: early warnings scored as forecasts, and the effect of acting.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.stats import (
    arrival_columns,
    arrival_split,
    before_arrival,
    kaplan_meier,
    lag_decomposition,
    paired_difference,
    paired_summary,
    wilson_interval,
)

from .cells import ARM_BASELINE, ARM_POLICY
from .config import Cell, Experiment, run_spec
from .metrics import auroc, average_precision, brier, brier_skill, quantiles


# ---------------------------------------------------------------- cells and their keys
def arms(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(policy arm, baseline arm)`` of a cell frame, each sorted by replicate."""
    pol = frame[frame["arm"] == ARM_POLICY].reset_index(drop=True)
    base = frame[frame["arm"] == ARM_BASELINE].reset_index(drop=True)
    return pol, base


def axis_columns(experiment: Experiment) -> list[str]:
    """Columns identifying a cell: scenario, instrument, lag_weeks, then the other axes."""
    cols = ["scenario", "instrument", "lag_weeks"]
    cols += [a for a in experiment.axes if a not in cols]
    return cols


def cell_keys(experiment: Experiment, cell: Cell) -> dict:
    """The values of :func:`axis_columns` for a cell (policy fields that are not axes too)."""
    keys = {"scenario": scenario_label(cell.scenario)}
    for a in axis_columns(experiment)[1:]:
        keys[a] = cell.axes[a] if a in cell.axes else cell.policy.get(a)
    return keys


def scenario_label(section: dict) -> str:
    """A scenario section's name in the tables and figure titles: its file's stem if it has one
    (never a path), else its name."""
    f = section.get("file")
    return Path(str(f)).stem if f else str(section.get("name") or "")


class CellGroups(NamedTuple):
    """Complete cells grouped by every identifying column but one (see :func:`group_cells`)."""

    columns: list[str]  # the identifying columns the groups share
    groups: dict  # {tuple of their values: [(value of the varying column, cell), ...]}


def group_cells(experiment: Experiment, data: dict, vary: str) -> CellGroups:
    """Complete cells grouped by every identifying column except ``vary``; the members of a group
    are sorted by their value of ``vary``."""
    cols = [c for c in axis_columns(experiment) if c != vary]
    groups: dict = {}
    for cell in experiment.cells:
        if cell.cell_id not in data:
            continue
        keys = cell_keys(experiment, cell)
        groups.setdefault(tuple(keys[c] for c in cols), []).append((keys[vary], cell))
    for members in groups.values():
        members.sort(key=lambda m: (m[0] is None, m[0]))
    return CellGroups(cols, groups)


def no_action(summary: pd.DataFrame, scenario: str | None = None) -> tuple[float, float, float]:
    """P(violence) without action and its Wilson interval (from the baseline arm of the first
    cell of ``scenario``, or of any scenario): every cell has the same baseline."""
    sub = summary if scenario is None else summary[summary["scenario"] == scenario]
    if not len(sub):
        return (math.nan,) * 3
    n = int(sub["n"].iloc[0])
    k = int(round(float(sub["p_violence_none"].iloc[0]) * n))
    return wilson_interval(k, n)


# ---------------------------------------------------------------- the summary table
#: Per-arm statistics of :func:`sim.stats.paired_summary` copied into the summary (policy arm).
ARM_STATISTICS = (
    "median_onset_week",
    "mean_cost",
    "p_relapse",
    "mean_relapses",
    "mean_party_weeks_violent",
    "mean_violent_at_end",
    "p_warned",
    "p_arrived",
    "mean_action_weeks",
    "mean_mediation_successes",
)
#: The summary's columns after :func:`axis_columns`.
SUMMARY_COLUMNS = [
    "policy",
    "n",
    "p_violence",
    "p_low",
    "p_high",
    "p_violence_none",
    "risk_diff",
    "rd_low",
    "rd_high",
    "p_war",
    "war_low",
    "war_high",
    "p_before_arrival",
    "p_before_arrival_low",
    "p_before_arrival_high",
    "rrr_after_arrival",
    "rrr_low",
    "rrr_high",
    *ARM_STATISTICS,
    "cell_id",
]


def summary_table(experiment: Experiment, data: dict) -> pd.DataFrame:
    """One row per complete cell, in grid order; see docs/experiments.md for the columns."""
    rows = [
        _summary_row(experiment, cell, data[cell.cell_id])
        for cell in experiment.cells
        if cell.cell_id in data
    ]
    df = pd.DataFrame(rows, columns=axis_columns(experiment) + SUMMARY_COLUMNS)
    if len(df):
        df["n"] = df["n"].astype("int64")
        df["lag_weeks"] = df["lag_weeks"].astype("int64")
    return df


def _summary_row(experiment: Experiment, cell: Cell, frame: pd.DataFrame) -> dict:
    pol, base = arms(frame)
    s = paired_summary(policy=pol, baseline=base, acting=cell.policy["instrument"] != "none")
    violence, war, rd = s["policy"]["p_violence"], s["policy"]["p_war"], s["risk_difference"]
    return {
        **cell_keys(experiment, cell),
        "policy": pol["policy"].iloc[0],
        "n": s["n"],
        "p_violence": violence["p"],
        "p_low": violence["low"],
        "p_high": violence["high"],
        "p_violence_none": s["baseline"]["p_violence"]["p"],
        "risk_diff": rd["mean"],
        "rd_low": rd["low"],
        "rd_high": rd["high"],
        "p_war": war["p"],
        "war_low": war["low"],
        "war_high": war["high"],
        **arrival_columns(s),
        **{k: s["policy"][k] for k in ARM_STATISTICS},
        "cell_id": cell.cell_id,
    }


# ---------------------------------------------------------------- prevention window
WINDOW_COLUMNS = [
    "lags",
    "lag0_weeks",
    "n",
    "benefit_lag0",
    "benefit_max_lag",
    "window_weeks",
    "window",
    "ci_low",
    "ci_high",
    "ci",
    "boot_resamples",
    "boot_never_lost",
    "boot_no_benefit",
    "note",
]


def window_from_benefits(benefits: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """The lag at which half of the lag-0 benefit is lost, for each row of ``benefits``.

    ``benefits[..., k]`` is the reduction of P(violence) by acting at ``lags[k]`` (ascending,
    ``lags[0]`` the earliest, normally 0). The window is found at the first lag whose benefit is at
    most half the lag-0 benefit, by linear interpolation from the lag before; ``inf`` when no
    swept lag loses half of it; NaN when the lag-0 benefit is not positive (nothing to lose).

    >>> window_from_benefits(np.array([0.4, 0.3, 0.1]), np.array([0, 4, 8]))
    array(6.)
    >>> window_from_benefits(np.array([[0.4, 0.3], [-0.1, 0.0]]), np.array([0, 4]))
    array([inf, nan])
    """
    b = np.asarray(benefits, dtype=np.float64)
    lags = np.asarray(lags, dtype=np.float64)
    b0 = b[..., 0]
    half = b0 / 2.0
    if b.shape[-1] < 2:
        out = np.full(b0.shape, np.inf)
        return np.where(b0 > 0, out, np.nan)
    below = b[..., 1:] <= half[..., None]
    found = below.any(axis=-1)
    k = np.argmax(below, axis=-1) + 1
    bk = np.take_along_axis(b, k[..., None], axis=-1)[..., 0]
    bk1 = np.take_along_axis(b, (k - 1)[..., None], axis=-1)[..., 0]
    lk, lk1 = lags[k], lags[k - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        w = lk1 + (bk1 - half) / (bk1 - bk) * (lk - lk1)
    w = np.where(found, w, np.inf)
    return np.where(b0 > 0, w, np.nan)


def prevention_windows(experiment: Experiment, data: dict) -> pd.DataFrame:
    """One row per instrument (and scenario / other axes): the prevention window with a paired
    bootstrap 95% interval (replicates resampled with replacement, the same resamples for every
    lag, the baseline and every instrument)."""
    by = group_cells(experiment, data, "lag_weeks")
    rows = []
    for key, members in by.groups.items():
        keys = dict(zip(by.columns, key, strict=True))
        if keys.get("instrument") != "none":
            rows.append({**keys, **_window_row(experiment, data, members)})
    return pd.DataFrame(rows, columns=by.columns + WINDOW_COLUMNS)


def _window_row(experiment: Experiment, data: dict, members: list) -> dict:
    """The :data:`WINDOW_COLUMNS` of one curve (``members``: ``(lag, cell)`` by lag)."""
    lags = np.array([float(lag) for lag, _ in members])
    d = np.stack([_benefit(data[cell.cell_id]) for _, cell in members])  # (lags, replicates)
    n = d.shape[1]
    benefits = d.mean(axis=1)
    window = float(window_from_benefits(benefits, lags))
    boot = _bootstrap_windows(d, lags, experiment.bootstrap, experiment.bootstrap_seed)
    defined = boot[~np.isnan(boot)]
    ci_low, ci_high = _percentile_interval(defined)
    max_lag = float(lags.max())
    return {
        "lags": " ".join(f"{x:g}" for x in lags),
        "lag0_weeks": float(lags[0]),
        "n": n,
        "benefit_lag0": float(benefits[0]),
        "benefit_max_lag": float(benefits[-1]),
        "window_weeks": window,
        "window": fmt_weeks(window, max_lag),
        "ci_low": ci_low,
        "ci_high": ci_high,
        "ci": (
            f"[{fmt_weeks(ci_low, max_lag)}, {fmt_weeks(ci_high, max_lag)}]"
            if defined.size
            else "n/a"
        ),
        "boot_resamples": int(boot.size),
        "boot_never_lost": float(np.isinf(boot).mean()) if boot.size else math.nan,
        "boot_no_benefit": float(np.isnan(boot).mean()) if boot.size else math.nan,
        "note": ("" if benefits[0] > 0 else "no benefit at the earliest lag")
        + ("" if lags[0] == 0 else f"; earliest complete lag is {lags[0]:g}"),
    }


def _benefit(frame: pd.DataFrame) -> np.ndarray:
    """Per replicate, the violence prevented by acting: baseline minus policy (-1, 0 or 1)."""
    pol, base = arms(frame)
    return base["violence"].to_numpy(np.float64) - pol["violence"].to_numpy(np.float64)


def _bootstrap_windows(d: np.ndarray, lags: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """The window in each of ``resamples`` paired bootstrap resamples of the replicates (the
    columns of ``d``)."""
    n = d.shape[1]
    boot = [window_from_benefits(w @ d.T / n, lags) for w in _bootstrap_weights(n, resamples, seed)]
    return np.concatenate(boot) if boot else np.empty(0)


def _bootstrap_weights(n: int, resamples: int, seed: int, chunk: int = 100):
    """Resampling weights (counts of each replicate), in chunks; the same for every group."""
    rng = np.random.default_rng(seed)
    p = np.full(n, 1.0 / n)
    done = 0
    while done < resamples:
        size = min(chunk, resamples - done)
        yield rng.multinomial(n, p, size=size).astype(np.float64)
        done += size


def _percentile_interval(defined: np.ndarray) -> tuple[float, float]:
    """95% percentile interval without interpolation (so ``inf`` can be a bound); NaN if empty."""
    if not defined.size:
        return math.nan, math.nan
    low = float(np.quantile(defined, 0.025, method="inverted_cdf"))
    high = float(np.quantile(defined, 0.975, method="inverted_cdf"))
    return low, high


def fmt_weeks(x: float, max_lag: float) -> str:
    """A window as text: ``6.3``, ``> 52`` (never lost within the swept lags) or ``n/a``."""
    if isinstance(x, float) and math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return f"> {max_lag:g}"
    return f"{x:.1f}"


# ---------------------------------------------------------------- the lag effect, decomposed
DECOMPOSITION_COLUMNS = [
    "lag_weeks",
    "n",
    "p_violence_lag0",
    "p_violence",
    "delta_total",
    "delta_total_low",
    "delta_total_high",
    "delta_too_late",
    "delta_too_late_low",
    "delta_too_late_high",
    "delta_state",
    "delta_state_low",
    "delta_state_high",
    "p_before_arrival",
    "p_before_arrival_low",
    "p_before_arrival_high",
    "rrr_after_arrival",
    "rrr_low",
    "rrr_high",
    "cell_id",
]


def decomposition_table(experiment: Experiment, data: dict) -> pd.DataFrame:
    """Per acting instrument (and scenario / other axes) and lag: the paired decomposition of
    the lag effect P(violence | lag L) - P(violence | lag 0) into ``delta_too_late`` (onsets
    before the lag-L action arrived) and ``delta_state`` (the rest), with 95% intervals, and the
    lag-L cell's arrival split (:func:`sim.stats.arrival_split`). Needs the lag-0 cell of the
    same curve; curves without it are left out. Lag 0 itself is a row of zeros."""
    by = group_cells(experiment, data, "lag_weeks")
    rows = []
    for key, members in by.groups.items():
        keys = dict(zip(by.columns, key, strict=True))
        zero = [cell for lag, cell in members if lag == 0]
        if keys.get("instrument") == "none" or not zero:
            continue
        early, _ = arms(data[zero[0].cell_id])
        for lag, cell in members:
            rows.append({**keys, **_decomposition_row(lag, early, data[cell.cell_id], cell)})
    return pd.DataFrame(rows, columns=by.columns + DECOMPOSITION_COLUMNS)


def _decomposition_row(lag, early: pd.DataFrame, frame: pd.DataFrame, cell: Cell) -> dict:
    """One row of :func:`decomposition_table`: the cell at ``lag`` against ``early`` (lag 0)."""
    late, base = arms(frame)
    before = before_arrival(late["violence"], late["onset_week"], late["arrival_week"])
    split = arrival_split(late, base)
    b, a = split["before_arrival"], split["after_arrival"]
    return {
        "lag_weeks": lag,
        "n": len(late),
        "p_violence_lag0": float(early["violence"].mean()),
        "p_violence": float(late["violence"].mean()),
        **lag_decomposition(late["violence"], early["violence"], before),
        "p_before_arrival": b["p"],
        "p_before_arrival_low": b["low"],
        "p_before_arrival_high": b["high"],
        "rrr_after_arrival": a["rrr"],
        "rrr_low": a["low"],
        "rrr_high": a["high"],
        "cell_id": cell.cell_id,
    }


# ---------------------------------------------------------------- time to the first onset
#: The arms of the Kaplan-Meier table: no action, lag 0, and the lag nearest this one.
KM_LATE_LAG = 26
KM_COLUMNS = ["lag_weeks", "arm", "week", "survival"]


def km_label(lag) -> str:
    """The readable name of an arm of the Kaplan-Meier table (None: no action)."""
    if lag is None:
        return "no action"
    return "sent at once" if lag == 0 else f"{lag:g} weeks after the warning"


def onset_survival(frame: pd.DataFrame, horizon_weeks: int) -> np.ndarray:
    """Kaplan-Meier share of replicates with no onset of violence yet after each of weeks
    ``0 .. horizon_weeks`` (the time to onset is ``onset_week + 1`` weeks; replicates without
    violence are censored at the horizon)."""
    violence = frame["violence"].to_numpy() == 1
    durations = np.where(violence, frame["onset_week"].to_numpy() + 1, horizon_weeks)
    return kaplan_meier(durations, violence, np.arange(horizon_weeks + 1))


def km_onset_table(experiment: Experiment, data: dict) -> pd.DataFrame:
    """Kaplan-Meier curves of the time to the first onset, one row per arm and week: per acting
    instrument its lag-0 arm and the arm at the lag nearest :data:`KM_LATE_LAG` weeks, and once
    per scenario (and other axes) no action (instrument ``none``, ``lag_weeks`` empty)."""
    by = group_cells(experiment, data, "lag_weeks")
    weeks = np.arange(experiment.horizon_weeks + 1)
    frames, done = [], set()
    for key, members in by.groups.items():
        keys = dict(zip(by.columns, key, strict=True))
        if keys.get("instrument") == "none":
            continue
        none_keys = {**keys, "instrument": "none"}
        if tuple(none_keys.items()) not in done:
            done.add(tuple(none_keys.items()))
            _, base = arms(data[members[0][1].cell_id])
            frames.append(_km_rows(none_keys, None, weeks, onset_survival(base, weeks[-1])))
        for lag, cell in _km_members(members):
            pol, _ = arms(data[cell.cell_id])
            frames.append(_km_rows(keys, lag, weeks, onset_survival(pol, weeks[-1])))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    table = table.reindex(columns=by.columns + KM_COLUMNS)
    table["lag_weeks"] = table["lag_weeks"].astype("Int64")
    return table


def _km_members(members: list) -> list:
    """The lag-0 member and the member at the positive lag nearest :data:`KM_LATE_LAG`."""
    chosen = [(lag, cell) for lag, cell in members if lag == 0]
    late = [(lag, cell) for lag, cell in members if lag is not None and lag > 0]
    if late:
        chosen.append(min(late, key=lambda m: (abs(m[0] - KM_LATE_LAG), m[0])))
    return chosen


def _km_rows(keys: dict, lag, weeks: np.ndarray, survival: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            **{k: [v] * len(weeks) for k, v in keys.items()},
            "lag_weeks": [lag] * len(weeks),
            "arm": km_label(lag),
            "week": weeks,
            "survival": survival,
        }
    )


# ---------------------------------------------------------------- small early vs large late
SMALL_EARLY, LARGE_LATE = "small early", "large late"
EARLY_VS_LATE_COLUMNS = [
    "scenario",
    "group",
    "instrument",
    "lag_weeks",
    "policy",
    "n",
    "p_violence",
    "p_low",
    "p_high",
    "p_violence_none",
    "risk_diff",
    "rd_low",
    "rd_high",
    "p_war",
    "mean_cost",
    "cases_prevented_per_100",
    "cost_per_case_prevented",
    "p_arrived",
    "cell_id",
]
PAIR_COLUMNS = [
    "scenario",
    "early",
    "late",
    "p_violence_early",
    "p_violence_late",
    "diff",
    "diff_low",
    "diff_high",
    "mean_cost_early",
    "mean_cost_late",
]


def early_vs_late_instruments(settings: dict) -> tuple[list[str], list[str]]:
    """The small (early) and large (late) instruments (``experiment.settings.small/large``)."""
    small = list(settings.get("small", ["statement", "fact_finding"]))
    large = list(settings.get("large", ["sanctions", "peacekeeping"]))
    return small, large


def early_vs_late_table(summary: pd.DataFrame, small: list, large: list) -> pd.DataFrame:
    """The summary rows with their ``group`` and the cases prevented and their cost."""
    table = summary.copy()
    table.insert(
        1,
        "group",
        np.where(
            table["instrument"].isin(small),
            SMALL_EARLY,
            np.where(table["instrument"].isin(large), LARGE_LATE, "other"),
        ),
    )
    prevented = -table["risk_diff"]
    table["cases_prevented_per_100"] = 100 * prevented
    table["cost_per_case_prevented"] = np.where(
        prevented > 0, table["mean_cost"] / prevented.where(prevented > 0, np.nan), np.nan
    )
    return table[EARLY_VS_LATE_COLUMNS]


def early_vs_late_pairs(table: pd.DataFrame, data: dict) -> pd.DataFrame:
    """Every small-early cell against every large-late cell of its scenario, paired over the
    same replicates (``diff``: P(violence) early - late)."""
    pairs = []
    late = table[table["group"] == LARGE_LATE]
    for _, early in table[table["group"] == SMALL_EARLY].iterrows():
        for _, lt in late[late["scenario"] == early["scenario"]].iterrows():
            pairs.append(_pair_row(early, lt, data))
    return pd.DataFrame(pairs, columns=PAIR_COLUMNS)


def _pair_row(early: pd.Series, late: pd.Series, data: dict) -> dict:
    pe, _ = arms(data[early["cell_id"]])
    pl, _ = arms(data[late["cell_id"]])
    d, lo, hi = paired_difference(pe["violence"].to_numpy(), pl["violence"].to_numpy())
    return {
        "scenario": early["scenario"],
        "early": early["policy"],
        "late": late["policy"],
        "p_violence_early": early["p_violence"],
        "p_violence_late": late["p_violence"],
        "diff": d,
        "diff_low": lo,
        "diff_high": hi,
        "mean_cost_early": early["mean_cost"],
        "mean_cost_late": late["mean_cost"],
    }


# ---------------------------------------------------------------- unity
UNITY_COLUMNS = [
    "scenario",
    "instrument",
    "lag_weeks",
    "unity",
    "policy",
    "n",
    "p_violence",
    "p_low",
    "p_high",
    "p_violence_none",
    "risk_diff",
    "rd_low",
    "rd_high",
    "p_war",
    "mean_mediation_successes",
    "mean_cost",
    "cell_id",
]


def unity_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary columns of the unity experiment."""
    return summary[[c for c in UNITY_COLUMNS if c in summary.columns]].copy()


def unity_curves(table: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """``(instrument, label, rows by unity)`` per scenario, instrument and lag, in table order;
    the label is ``instrument@lag``."""
    return [
        (inst, f"{inst}@{lag}", rows.sort_values("unity"))
        for (_, inst, lag), rows in table.groupby(
            ["scenario", "instrument", "lag_weeks"], sort=False
        )
    ]


# ---------------------------------------------------------------- sustainability
def _values(column: str):
    return lambda f: f[column].to_numpy(np.float64)


def _any(column: str):
    return lambda f: (f[column] > 0).to_numpy(np.float64)


#: The outcomes compared (name -> per-replicate values of an arm), in table order.
SUSTAIN_OUTCOMES = {
    "violence": _values("violence"),
    "relapse": _any("relapse"),
    "violent_at_end": _any("violent_at_end"),
    "party_weeks_violent": _values("party_weeks_violent"),
    "action_weeks": _values("action_weeks"),
    "cost": _values("cost"),
}
SUSTAIN_COLUMNS = [
    "outcome",
    "n",
    "no_action",
    "kept_on",
    "kept_on_low",
    "kept_on_high",
    "withdrawn",
    "withdrawn_low",
    "withdrawn_high",
    "diff",
    "diff_low",
    "diff_high",
]


def sustainability_table(experiment: Experiment, data: dict) -> pd.DataFrame:
    """Per cell pair that differs only in ``withdraw_when_calm`` and per outcome: the means of
    no action, kept on and withdrawn, and withdrawn - kept on, paired."""
    by = group_cells(experiment, data, "withdraw_when_calm")
    rows = []
    for key, members in by.groups.items():
        arms_by = {bool(v): cell for v, cell in members}
        if set(arms_by) != {False, True}:
            continue
        keys = dict(zip(by.columns, key, strict=True))
        kept, _ = arms(data[arms_by[False].cell_id])
        withdrawn, base = arms(data[arms_by[True].cell_id])
        for name, get in SUSTAIN_OUTCOMES.items():
            row = _sustainability_row(get(withdrawn), get(kept), get(base))
            rows.append({**keys, "outcome": name, **row})
    return pd.DataFrame(rows, columns=by.columns + SUSTAIN_COLUMNS)


def _sustainability_row(withdrawn: np.ndarray, kept: np.ndarray, base: np.ndarray) -> dict:
    d, lo, hi = paired_difference(withdrawn, kept)
    kept_ci, withdrawn_ci = _mean_ci(kept), _mean_ci(withdrawn)
    return {
        "n": len(withdrawn),
        "no_action": float(base.mean()),
        "kept_on": kept_ci[0],
        "kept_on_low": kept_ci[1],
        "kept_on_high": kept_ci[2],
        "withdrawn": withdrawn_ci[0],
        "withdrawn_low": withdrawn_ci[1],
        "withdrawn_high": withdrawn_ci[2],
        "diff": d,
        "diff_low": lo,
        "diff_high": hi,
    }


def _mean_ci(x: np.ndarray, z: float = 1.96) -> tuple[float, float, float]:
    """Mean with a normal-approximation interval (Wilson's for 0/1 outcomes)."""
    x = np.asarray(x, dtype=np.float64)
    if x.size and np.all((x == 0) | (x == 1)):
        return wilson_interval(int(x.sum()), int(x.size), z)
    m = float(x.mean())
    se = float(x.std(ddof=1)) / math.sqrt(x.size) if x.size > 1 else math.nan
    return m, m - z * se, m + z * se


# ---------------------------------------------------------------- early-warning quality
def warning_scores(frame: pd.DataFrame) -> dict:
    """Score the first warning of each replicate as a forecast of violence.

    A replicate counts as *warned* when a warning fired before the onset of violence (for a
    replicate with violence) or at all within the horizon (without violence). The forecast
    probability is the share of violence among warned, resp. unwarned, replicates (in-sample).
    """
    y = frame["violence"].to_numpy(np.int64)
    ww = frame["warning_week"].to_numpy(np.int64)
    onset = frame["onset_week"].to_numpy(np.int64)
    warned = np.where(y == 1, (ww >= 0) & ((onset < 0) | (ww < onset)), ww >= 0).astype(np.int64)
    base = float(y.mean())
    p_w = float(y[warned == 1].mean()) if warned.any() else math.nan
    p_u = float(y[warned == 0].mean()) if (warned == 0).any() else math.nan
    prob = np.where(warned == 1, p_w, p_u)
    hits = _hit_rates(y, warned)
    q25, med, q75 = quantiles((onset - ww)[(warned == 1) & (y == 1) & (onset >= 0)])
    bs, bs_ref = brier(y, prob), brier(y, np.full(y.size, base))
    return {
        "n": y.size,
        "base_rate": base,
        "p_warned": float(warned.mean()),
        "p_any_warning": float((ww >= 0).mean()),
        **{k: hits[k] for k in ("tpr", "fpr", "ppv")},
        "p_violence_if_warned": p_w,
        "p_violence_if_unwarned": p_u,
        "auroc": auroc(y, prob),
        "aupr": average_precision(y, prob),
        "brier": bs,
        "brier_base_rate": bs_ref,
        "brier_skill": brier_skill(bs, bs_ref),
        "lead_median": med,
        "lead_q25": q25,
        "lead_q75": q75,
        "n_true_positives": hits["n_true_positives"],
    }


def _hit_rates(y: np.ndarray, warned: np.ndarray) -> dict:
    """Hit rate, false-alarm rate and precision of a 0/1 warning for the 0/1 outcome ``y``."""
    tp = int(((warned == 1) & (y == 1)).sum())
    fp = int(((warned == 1) & (y == 0)).sum())
    pos, neg = int(y.sum()), int(y.size - y.sum())
    return {
        "tpr": tp / pos if pos else math.nan,
        "fpr": fp / neg if neg else math.nan,
        "ppv": tp / (tp + fp) if tp + fp else math.nan,
        "n_true_positives": tp,
    }


def warning_quality_table(
    experiment: Experiment, data: dict, summary: pd.DataFrame
) -> pd.DataFrame:
    """One row per warning profile (grid order): its effective settings, its warnings scored on
    the no-action arm (:func:`warning_scores`), and the effect of each instrument acting on
    them (``p_violence_<instrument>``, ``risk_diff_<instrument>``, ...)."""
    by = group_cells(experiment, data, "instrument")
    rows = []
    for key, members in by.groups.items():
        cell0 = members[0][1]
        _, base = arms(data[cell0.cell_id])
        rows.append(
            {
                **dict(zip(by.columns, key, strict=True)),
                **_warning_settings(experiment, cell0),
                **warning_scores(base),
                **_action_effects(summary, members),
            }
        )
    return pd.DataFrame(rows)


def _warning_settings(experiment: Experiment, cell: Cell) -> dict:
    """The early-warning settings a cell's run actually uses (profile, scenario and model)."""
    spec = run_spec(experiment, cell)
    return {
        "un_warning_quality": spec.scenario.un_warning_quality,
        "un_warning_threshold": spec.scenario.un_warning_threshold,
        "warning_persistence_weeks": spec.params.warning_persistence_weeks,
        "observation_noise": spec.params.observation_noise,
    }


def _action_effects(summary: pd.DataFrame, members: list) -> dict:
    """Summary statistics of each acting instrument of a group, suffixed with its name."""
    effects = {}
    for inst, cell in members:
        if inst == "none":
            continue
        s = summary[summary["cell_id"] == cell.cell_id].iloc[0]
        for col in ("p_violence", "risk_diff", "rd_low", "rd_high", "mean_cost"):
            effects[f"{col}_{inst}"] = s[col]
    return effects
