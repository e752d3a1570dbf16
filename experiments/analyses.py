"""The experiment-specific tables and figures the aggregator writes (``experiment.analysis``).

Every analysis receives the complete cells only (``{cell_id: frame}``, both arms, replicates
``0 .. N-1``) and the summary table, and works with whatever subset is complete: a missing cell is
a missing point, never an error (the aggregator lists it).

* ``warning_to_action``: ``warning_to_action.png`` (P(violence) and the paired risk difference
  against the decision lag, per instrument, with 95% bands and the no-action line) and
  ``prevention_window.csv`` (the lag at which half of the lag-0 benefit is lost, bootstrap CI).
* ``early_vs_late``: ``early_vs_late.csv`` and ``early_vs_late_pairs.csv`` (paired comparisons
  of every small-early cell with every large-late cell), ``early_vs_late.png``.
* ``unity``: ``unity.csv`` and ``unity.png`` (P(violence) against the sponsor's unity).
* ``sustainability``: ``sustainability.csv`` (withdrawn at de-escalation vs kept on, paired) and
  ``sustainability.png``.
* ``warning_quality``: ``warning_quality.csv`` (AUROC, AUPR, Brier score, lead time of the
  warnings, and the effect of acting on them) and ``warning_quality.png``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from .aggregate import arms, axis_columns, cell_keys
from .config import WARNING_AXIS, Experiment, run_spec
from .metrics import auroc, average_precision, brier, brier_skill, quantiles

COLOURS = {
    "none": "#555555",
    "statement": "#1b9e77",
    "fact_finding": "#66a61e",
    "envoy": "#7570b3",
    "sanctions": "#d95f02",
    "peacekeeping": "#e7298a",
    "development": "#a6761d",
}


def run(experiment: Experiment, data: dict, summary: pd.DataFrame) -> tuple[dict, str]:
    """Run the experiment's analysis; return ``({name: path}, text to print)``."""
    return ANALYSES[experiment.analysis](experiment, data, summary)


# ---------------------------------------------------------------- helpers
def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    from sim.io import save_figure

    plt = _plt()
    save_figure(fig, path, dpi=120)
    plt.close(fig)
    return path


def _csv(df: pd.DataFrame, path: Path) -> Path:
    from sim.io import write_csv

    return write_csv(df, path)


def _colour(instrument: str, i: int = 0):
    return COLOURS.get(instrument, f"C{i % 10}")


def _cells_by(experiment: Experiment, data: dict, vary: str) -> dict:
    """Complete cells grouped by every identifying column except ``vary``:
    ``{group key tuple: [(value of vary, cell), ...]}`` sorted by that value."""
    cols = [c for c in axis_columns(experiment) if c != vary]
    groups: dict = {}
    for cell in experiment.cells:
        if cell.cell_id not in data:
            continue
        keys = cell_keys(experiment, cell)
        groups.setdefault(tuple(keys[c] for c in cols), []).append((keys[vary], cell))
    for members in groups.values():
        members.sort(key=lambda m: (m[0] is None, m[0]))
    return {"columns": cols, "groups": groups}


def _no_action(summary: pd.DataFrame, scenario: str | None = None) -> tuple[float, float, float]:
    """P(violence) without action and its Wilson interval (from the baseline arms)."""
    from sim.stats import wilson_interval

    sub = summary if scenario is None else summary[summary["scenario"] == scenario]
    if not len(sub):
        return (math.nan,) * 3
    n = int(sub["n"].iloc[0])
    k = int(round(float(sub["p_violence_none"].iloc[0]) * n))
    return wilson_interval(k, n)


def _label_lags(ax, lags) -> None:
    lags = sorted({int(x) for x in lags})
    if not lags:
        return
    if max(lags) > 8:
        ax.set_xscale("symlog", linthresh=4, linscale=1.0)
    ax.set_xticks(lags)
    ax.set_xticklabels([str(x) for x in lags], fontsize=8)
    ax.minorticks_off()


def _fmt_weeks(x: float, max_lag: float) -> str:
    if isinstance(x, float) and math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return f"> {max_lag:g}"
    return f"{x:.1f}"


# ---------------------------------------------------------------- prevention window
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


def _bootstrap_weights(n: int, resamples: int, seed: int, chunk: int = 100):
    """Resampling weights (counts of each replicate), in chunks; the same for every group."""
    rng = np.random.default_rng(seed)
    p = np.full(n, 1.0 / n)
    done = 0
    while done < resamples:
        size = min(chunk, resamples - done)
        yield rng.multinomial(n, p, size=size).astype(np.float64)
        done += size


def prevention_windows(experiment: Experiment, data: dict) -> pd.DataFrame:
    """One row per instrument (and scenario / other axes): the prevention window with a paired
    bootstrap 95% interval (replicates resampled with replacement, the same resamples for every
    lag, the baseline and every instrument)."""
    by = _cells_by(experiment, data, "lag_weeks")
    rows = []
    for key, members in by["groups"].items():
        keys = dict(zip(by["columns"], key, strict=True))
        if keys.get("instrument") == "none":
            continue
        lags = np.array([float(m[0]) for m in members])
        diffs = []
        for _, cell in members:
            pol, base = arms(data[cell.cell_id])
            diffs.append(
                base["violence"].to_numpy(np.float64) - pol["violence"].to_numpy(np.float64)
            )
        d = np.stack(diffs)  # (lags, replicates): benefit of acting, per replicate
        n = d.shape[1]
        benefits = d.mean(axis=1)
        window = float(window_from_benefits(benefits, lags))
        boot = []
        if experiment.bootstrap > 0:
            for w in _bootstrap_weights(n, experiment.bootstrap, experiment.bootstrap_seed):
                boot.append(window_from_benefits(w @ d.T / n, lags))
        boot = np.concatenate(boot) if boot else np.empty(0)
        defined = boot[~np.isnan(boot)]
        if defined.size:
            ci_low = float(np.quantile(defined, 0.025, method="inverted_cdf"))
            ci_high = float(np.quantile(defined, 0.975, method="inverted_cdf"))
        else:
            ci_low = ci_high = math.nan
        max_lag = float(lags.max())
        rows.append(
            {
                **keys,
                "lags": " ".join(f"{x:g}" for x in lags),
                "lag0_weeks": float(lags[0]),
                "n": n,
                "benefit_lag0": float(benefits[0]),
                "benefit_max_lag": float(benefits[-1]),
                "window_weeks": window,
                "window": _fmt_weeks(window, max_lag),
                "ci_low": ci_low,
                "ci_high": ci_high,
                "ci": (
                    f"[{_fmt_weeks(ci_low, max_lag)}, {_fmt_weeks(ci_high, max_lag)}]"
                    if defined.size
                    else "n/a"
                ),
                "boot_resamples": int(boot.size),
                "boot_never_lost": float(np.isinf(boot).mean()) if boot.size else math.nan,
                "boot_no_benefit": float(np.isnan(boot).mean()) if boot.size else math.nan,
                "note": ("" if benefits[0] > 0 else "no benefit at the earliest lag")
                + ("" if lags[0] == 0 else f"; earliest complete lag is {lags[0]:g}"),
            }
        )
    cols = by["columns"] + [
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
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------- warning to action
def _lag_figure(experiment, summary, instruments, title, shade_early=None):
    """P(violence) and the paired risk difference against the lag, one curve per instrument."""
    plt = _plt()
    scenarios = list(dict.fromkeys(summary["scenario"])) or [experiment.scenario_name]
    fig, axes = plt.subplots(
        len(scenarios),
        2,
        figsize=(12, 4.3 * len(scenarios)),
        squeeze=False,
        constrained_layout=True,
    )
    for row, scen in zip(axes, scenarios, strict=True):
        sub = summary[summary["scenario"] == scen]
        ax, ax2 = row
        p0, lo0, hi0 = _no_action(summary, scen)
        for a in (ax,):
            a.axhline(p0, color="k", ls="--", lw=1.2, label=f"no action ({p0:.2f})")
            a.axhspan(lo0, hi0, color="k", alpha=0.08, lw=0)
        ax2.axhline(0.0, color="k", ls="--", lw=1.2, label="no action")
        for i, inst in enumerate(instruments):
            s = sub[sub["instrument"] == inst].sort_values("lag_weeks")
            if not len(s) or inst == "none":
                continue
            x = s["lag_weeks"].to_numpy()
            c = _colour(inst, i)
            ax.plot(x, s["p_violence"], "o-", color=c, ms=3.5, lw=1.5, label=inst)
            ax.fill_between(x, s["p_low"], s["p_high"], color=c, alpha=0.18, lw=0)
            ax2.plot(x, s["risk_diff"], "o-", color=c, ms=3.5, lw=1.5, label=inst)
            ax2.fill_between(x, s["rd_low"], s["rd_high"], color=c, alpha=0.18, lw=0)
        lags = sub["lag_weeks"].to_numpy()
        for a in row:
            _label_lags(a, lags)
            a.set_xlabel("decision lag after the first warning (weeks)")
            a.grid(alpha=0.3)
            if shade_early is not None:
                a.axvspan(min(lags), shade_early, color="#1b9e77", alpha=0.06, lw=0)
        ax.set_ylabel("P(violence) within the horizon")
        ax.set_ylim(0, min(1.0, max(0.05, float(sub["p_high"].max()) * 1.1)) if len(sub) else 1)
        ax2.set_ylabel("risk difference vs no action (paired)")
        ax.set_title(f"{scen}: P(violence), 95% Wilson bands")
        ax2.set_title(f"{scen}: effect of acting, 95% paired bands")
        ax.legend(fontsize=8, loc="best")
    fig.suptitle(title, fontsize=11)
    return fig


def analyse_warning_to_action(experiment, data, summary):
    out = experiment.out_dir
    files = {}
    windows = prevention_windows(experiment, data)
    files["prevention_window"] = _csv(windows, out / "prevention_window.csv")
    instruments = list(dict.fromkeys(summary["instrument"]))
    fig = _lag_figure(
        experiment,
        summary,
        instruments,
        f"Warning to action: {experiment.replicates} paired replicates per cell, "
        f"{experiment.horizon_weeks}-week horizon (stylised model, not a forecast)",
    )
    files["figure"] = _save(fig, out / "warning_to_action.png")
    lines = [
        "prevention window (lag at which half of the lag-0 benefit is lost; "
        f"bootstrap 95% CI, {experiment.bootstrap} paired resamples):"
    ]
    extra = [c for c in windows.columns[: windows.columns.get_loc("lags")] if c != "instrument"]
    for _, r in windows.iterrows():
        where = " ".join(f"{c}={r[c]}" for c in extra if c != "scenario")
        lines.append(
            f"  {r['instrument']:<13} {where + ' ' if where else ''}lag-0 benefit "
            f"{r['benefit_lag0']:+.3f}  window {r['window']:>7} weeks  95% CI {r['ci']}"
            + (f"  ({r['note'].strip('; ')})" if r["note"] else "")
        )
    if not len(windows):
        lines.append("  (no complete instrument cells)")
    return files, "\n".join(lines)


# ---------------------------------------------------------------- small early vs large late
def analyse_early_vs_late(experiment, data, summary):
    from sim.stats import paired_difference

    out = experiment.out_dir
    small = list(experiment.settings.get("small", ["statement", "fact_finding"]))
    large = list(experiment.settings.get("large", ["sanctions", "peacekeeping"]))
    table = summary.copy()
    table.insert(
        1,
        "group",
        np.where(
            table["instrument"].isin(small),
            "small early",
            np.where(table["instrument"].isin(large), "large late", "other"),
        ),
    )
    prevented = -table["risk_diff"]
    table["cases_prevented_per_100"] = 100 * prevented
    table["cost_per_case_prevented"] = np.where(
        prevented > 0, table["mean_cost"] / prevented.where(prevented > 0, np.nan), np.nan
    )
    keep = [
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
    table = table[keep]
    files = {"table": _csv(table, out / "early_vs_late.csv")}

    by_id = {c.cell_id: c for c in experiment.cells}
    pairs = []
    early = table[table["group"] == "small early"]
    late = table[table["group"] == "large late"]
    for _, e in early.iterrows():
        pe, _ = arms(data[e["cell_id"]])
        for _, lt in late.iterrows():
            if lt["scenario"] != e["scenario"]:
                continue
            pl, _ = arms(data[lt["cell_id"]])
            d, lo, hi = paired_difference(pe["violence"].to_numpy(), pl["violence"].to_numpy())
            pairs.append(
                {
                    "scenario": e["scenario"],
                    "early": e["policy"],
                    "late": lt["policy"],
                    "p_violence_early": e["p_violence"],
                    "p_violence_late": lt["p_violence"],
                    "diff": d,
                    "diff_low": lo,
                    "diff_high": hi,
                    "mean_cost_early": e["mean_cost"],
                    "mean_cost_late": lt["mean_cost"],
                }
            )
    del by_id
    pairs_df = pd.DataFrame(
        pairs,
        columns=[
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
        ],
    )
    files["pairs"] = _csv(pairs_df, out / "early_vs_late_pairs.csv")

    plt = _plt()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    p0, lo0, hi0 = _no_action(summary)
    ax.axhline(p0, color="k", ls="--", lw=1.2, label=f"no action ({p0:.2f})")
    ax.axhspan(lo0, hi0, color="k", alpha=0.08, lw=0)
    for i, inst in enumerate(small + large):
        s = table[table["instrument"] == inst].sort_values("lag_weeks")
        if not len(s):
            continue
        c = _colour(inst, i)
        ls = "-" if inst in small else ":"
        ax.plot(s["lag_weeks"], s["p_violence"], "o" + ls, color=c, ms=4, label=inst)
        ax.fill_between(s["lag_weeks"], s["p_low"], s["p_high"], color=c, alpha=0.18, lw=0)
        ax2.errorbar(
            s["mean_cost"],
            -s["risk_diff"],
            yerr=[(-s["risk_diff"]) - (-s["rd_high"]), (-s["rd_low"]) - (-s["risk_diff"])],
            fmt="o",
            color=c,
            ms=4,
            capsize=2,
            label=inst,
        )
        for _, r in s.iterrows():
            ax2.annotate(
                f"{int(r['lag_weeks'])}w",
                (r["mean_cost"], -r["risk_diff"]),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
    _label_lags(ax, table["lag_weeks"])
    ax.set_xlabel("decision lag after the first warning (weeks)")
    ax.set_ylabel("P(violence)")
    ax.set_title("small steps early (solid) vs coercive tools late (dotted)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax2.axhline(0, color="k", lw=0.8)
    ax2.set_xscale("symlog", linthresh=1.0)
    ax2.set_xlabel("mean cost of the action (stylised US$ million, symlog scale)")
    ax2.set_ylabel("violence prevented (risk reduction vs no action)")
    ax2.set_title("benefit and cost (labels: lag in weeks)")
    ax2.grid(alpha=0.3)
    fig.suptitle("Small early vs large late (para 47): paired replicates, 95% intervals")
    files["figure"] = _save(fig, out / "early_vs_late.png")

    lines = ["small early vs large late:"]
    for grp in ("small early", "large late"):
        g = table[table["group"] == grp]
        if len(g):
            best = g.loc[g["p_violence"].idxmin()]
            lines.append(
                f"  {grp:<11} best {best['policy']:<16} P(violence) {best['p_violence']:.3f}"
                f" [{best['p_low']:.3f}, {best['p_high']:.3f}], mean cost "
                f"{best['mean_cost']:.2f}"
            )
    return files, "\n".join(lines)


# ---------------------------------------------------------------- unity
def analyse_unity(experiment, data, summary):
    out = experiment.out_dir
    keep = [
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
    table = summary[[c for c in keep if c in summary.columns]].copy()
    files = {"table": _csv(table, out / "unity.csv")}
    plt = _plt()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    p0, lo0, hi0 = _no_action(summary)
    ax.axhline(p0, color="k", ls="--", lw=1.2, label=f"no action ({p0:.2f})")
    ax.axhspan(lo0, hi0, color="k", alpha=0.08, lw=0)
    ax2.axhline(0, color="k", ls="--", lw=1.2)
    lines = ["united vs divided response (risk difference at the lowest and highest unity):"]
    for i, (key, s) in enumerate(
        table.groupby(["scenario", "instrument", "lag_weeks"], sort=False)
    ):
        s = s.sort_values("unity")
        c = _colour(key[1], i)
        label = f"{key[1]}@{key[2]}"
        ax.plot(s["unity"], s["p_violence"], "o-", color=c, ms=4, label=label)
        ax.fill_between(s["unity"], s["p_low"], s["p_high"], color=c, alpha=0.18, lw=0)
        ax2.plot(s["unity"], s["risk_diff"], "o-", color=c, ms=4, label=label)
        ax2.fill_between(s["unity"], s["rd_low"], s["rd_high"], color=c, alpha=0.18, lw=0)
        lo_u, hi_u = s.iloc[0], s.iloc[-1]
        lines.append(
            f"  {label:<14} unity {lo_u['unity']:g}: {lo_u['risk_diff']:+.3f} "
            f"[{lo_u['rd_low']:+.3f}, {lo_u['rd_high']:+.3f}]   unity {hi_u['unity']:g}: "
            f"{hi_u['risk_diff']:+.3f} [{hi_u['rd_low']:+.3f}, {hi_u['rd_high']:+.3f}]"
        )
    for a in (ax, ax2):
        a.set_xlabel("unity of the international response (sponsor's unity)")
        a.grid(alpha=0.3)
    ax.set_ylabel("P(violence)")
    ax2.set_ylabel("risk difference vs no action (paired)")
    ax.set_title("P(violence), 95% Wilson bands")
    ax2.set_title("effect of acting, 95% paired bands")
    ax.legend(fontsize=8)
    fig.suptitle("United vs divided international response (paras 16, 31, 51-52)")
    files["figure"] = _save(fig, out / "unity.png")
    return files, "\n".join(lines)


# ---------------------------------------------------------------- sustainability
SUSTAIN_OUTCOMES = (
    ("violence", "P(violence)", lambda f: f["violence"].to_numpy(np.float64)),
    ("relapse", "P(relapse)", lambda f: (f["relapse"] > 0).to_numpy(np.float64)),
    (
        "violent_at_end",
        "P(violence at the end)",
        lambda f: (f["violent_at_end"] > 0).to_numpy(np.float64),
    ),
    (
        "party_weeks_violent",
        "party-weeks in violence",
        lambda f: f["party_weeks_violent"].to_numpy(np.float64),
    ),
    (
        "action_weeks",
        "weeks the action was active",
        lambda f: f["action_weeks"].to_numpy(np.float64),
    ),
    ("cost", "cost (stylised US$ million)", lambda f: f["cost"].to_numpy(np.float64)),
)


def analyse_sustainability(experiment, data, summary):
    from sim.stats import paired_difference

    out = experiment.out_dir
    by = _cells_by(experiment, data, "withdraw_when_calm")
    rows = []
    for key, members in by["groups"].items():
        keys = dict(zip(by["columns"], key, strict=True))
        arms_by = {bool(v): cell for v, cell in members}
        if set(arms_by) != {False, True}:
            continue
        kept, _ = arms(data[arms_by[False].cell_id])
        withdrawn, base = arms(data[arms_by[True].cell_id])
        for name, _label, get in SUSTAIN_OUTCOMES:
            a, b, c = get(withdrawn), get(kept), get(base)
            d, lo, hi = paired_difference(a, b)
            kept_ci, withdrawn_ci = _mean_ci(b), _mean_ci(a)
            rows.append(
                {
                    **keys,
                    "outcome": name,
                    "n": len(a),
                    "no_action": float(c.mean()),
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
            )
    cols = by["columns"] + [
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
    table = pd.DataFrame(rows, columns=cols)
    files = {"table": _csv(table, out / "sustainability.csv")}

    plt = _plt()
    shown = SUSTAIN_OUTCOMES[:4]
    fig, axes = plt.subplots(1, len(shown), figsize=(4 * len(shown), 4), constrained_layout=True)
    group_cols = [c for c in by["columns"] if c != "lag_weeks"]
    for ax, (name, label, _) in zip(axes, shown, strict=True):
        sub = table[table["outcome"] == name]
        for i, (gkey, s) in enumerate(
            sub.groupby(group_cols, sort=False) if group_cols else [((), sub)]
        ):
            s = s.sort_values("lag_weeks")
            x = np.arange(len(s)) + 0.0
            tag = gkey[1] if isinstance(gkey, tuple) and len(gkey) > 1 else ""
            for shift, arm, fmt, c, what in (
                (-0.08, "kept_on", "o-", f"C{2 * i}", "kept on"),
                (0.08, "withdrawn", "s--", f"C{2 * i + 1}", "withdrawn when calm"),
            ):
                y = s[arm].to_numpy(np.float64)
                err = [
                    y - s[f"{arm}_low"].to_numpy(np.float64),
                    s[f"{arm}_high"].to_numpy(np.float64) - y,
                ]
                ax.errorbar(
                    x + shift,
                    y,
                    yerr=err,
                    fmt=fmt,
                    color=c,
                    ms=4,
                    capsize=2,
                    label=f"{what} {tag}".strip(),
                )
            ax.plot(x, s["no_action"], ":", color="k", lw=1, label="no action" if i == 0 else None)
            ax.set_xticks(x)
            ax.set_xticklabels([f"{int(v)}" for v in s["lag_weeks"]])
        ax.set_xlabel("decision lag (weeks)")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle(
        "Sustainability (paras 56-57): envoy withdrawn at de-escalation vs kept on "
        "(paired replicates)"
    )
    files["figure"] = _save(fig, out / "sustainability.png")
    lines = ["sustainability (withdrawn - kept on, paired 95% CI):"]
    for _, r in table[table["outcome"].isin(["violence", "relapse", "violent_at_end"])].iterrows():
        lines.append(
            f"  {r.get('instrument', '')}@{r.get('lag_weeks', '')} {r['outcome']:<15}"
            f" kept {r['kept_on']:.3f}  withdrawn {r['withdrawn']:.3f}  diff "
            f"{r['diff']:+.3f} [{r['diff_low']:+.3f}, {r['diff_high']:+.3f}]"
        )
    return files, "\n".join(lines)


def _mean_ci(x: np.ndarray, z: float = 1.96) -> tuple[float, float, float]:
    """Mean with a normal-approximation interval (Wilson's for 0/1 outcomes)."""
    from sim.stats import wilson_interval

    x = np.asarray(x, dtype=np.float64)
    if x.size and np.all((x == 0) | (x == 1)):
        return wilson_interval(int(x.sum()), int(x.size), z)
    m = float(x.mean())
    se = float(x.std(ddof=1)) / math.sqrt(x.size) if x.size > 1 else math.nan
    return m, m - z * se, m + z * se


# ---------------------------------------------------------------- early-warning quality
def warning_scores(frame) -> dict:
    """Score the first warning of each replicate as a forecast of violence.

    A replicate counts as *warned* when a warning fired before the onset of violence (for a
    replicate with violence) or at all within the horizon (without violence). The forecast
    probability is the share of violence among warned, resp. unwarned, replicates (in-sample).
    """
    y = frame["violence"].to_numpy(np.int64)
    ww = frame["warning_week"].to_numpy(np.int64)
    onset = frame["onset_week"].to_numpy(np.int64)
    warned = np.where(y == 1, (ww >= 0) & ((onset < 0) | (ww < onset)), ww >= 0).astype(np.int64)
    n = y.size
    base = float(y.mean())
    p_w = float(y[warned == 1].mean()) if warned.any() else math.nan
    p_u = float(y[warned == 0].mean()) if (warned == 0).any() else math.nan
    prob = np.where(warned == 1, p_w, p_u)
    tp = int(((warned == 1) & (y == 1)).sum())
    fp = int(((warned == 1) & (y == 0)).sum())
    pos, neg = int(y.sum()), int(n - y.sum())
    lead = (onset - ww)[(warned == 1) & (y == 1) & (onset >= 0)]
    q25, med, q75 = quantiles(lead)
    bs = brier(y, prob)
    bs_ref = brier(y, np.full(n, base))
    return {
        "n": n,
        "base_rate": base,
        "p_warned": float(warned.mean()),
        "p_any_warning": float((ww >= 0).mean()),
        "tpr": tp / pos if pos else math.nan,
        "fpr": fp / neg if neg else math.nan,
        "ppv": tp / (tp + fp) if tp + fp else math.nan,
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
        "n_true_positives": tp,
    }


def analyse_warning_quality(experiment, data, summary):
    out = experiment.out_dir
    by = _cells_by(experiment, data, "instrument")
    profiles = experiment.warning_profiles
    rows = []
    for key, members in by["groups"].items():
        keys = dict(zip(by["columns"], key, strict=True))
        cell0 = members[0][1]
        spec = run_spec(experiment, cell0)
        _, base = arms(data[cell0.cell_id])
        row = {
            **keys,
            "un_quality": spec.scenario.un_warning_quality,
            "un_threshold": spec.scenario.un_warning_threshold,
            "persistence_weeks": spec.params.warning_persistence_weeks,
            "observation_noise": spec.params.observation_noise,
            **warning_scores(base),
        }
        for inst, cell in members:
            if inst == "none":
                continue
            s = summary[summary["cell_id"] == cell.cell_id].iloc[0]
            for col in ("p_violence", "risk_diff", "rd_low", "rd_high", "mean_cost"):
                row[f"{col}_{inst}"] = s[col]
        rows.append(row)
    table = pd.DataFrame(rows)
    del profiles  # rows follow the grid's order of the profiles
    files = {"table": _csv(table, out / "warning_quality.csv")}

    plt = _plt()
    fig, (ax, ax3, ax2) = plt.subplots(1, 3, figsize=(17, 4.8), constrained_layout=True)
    ax.plot([0, 1], [0, 1], color="k", lw=0.8, ls=":", label="no skill")
    for i, r in table.iterrows():
        name = r.get(WARNING_AXIS, f"cell {i}")
        ax3.errorbar(
            r["lead_median"],
            r["auroc"],
            xerr=[[r["lead_median"] - r["lead_q25"]], [r["lead_q75"] - r["lead_median"]]],
            fmt="o",
            color=f"C{i}",
            ms=7,
            capsize=3,
            label=str(name),
        )
    ax3.axhline(0.5, color="k", lw=0.8, ls=":")
    ax3.set_xlabel("lead time of true warnings (weeks: median, IQR)")
    ax3.set_ylabel("AUROC of the warning-based forecast")
    ax3.set_title("earlier vs more accurate")
    ax3.legend(fontsize=7)
    ax3.grid(alpha=0.3)
    for i, r in table.iterrows():
        name = r.get(WARNING_AXIS, f"cell {i}")
        ax.plot(
            r["fpr"],
            r["tpr"],
            "o",
            color=f"C{i}",
            ms=7,
            label=f"{name}: AUROC {r['auroc']:.2f}, Brier {r['brier']:.3f}",
        )
        ax.annotate(
            f"lead {r['lead_median']:.0f}w",
            (r["fpr"], r["tpr"]),
            fontsize=7,
            xytext=(4, -10),
            textcoords="offset points",
        )
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("false-alarm rate (warned, no violence)")
    ax.set_ylabel("hit rate (warned before onset)")
    ax.set_title(
        f"warnings as forecasts (base rate {table['base_rate'].mean():.2f})"
        if len(table)
        else "warnings as forecasts"
    )
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)
    insts = [c[len("risk_diff_") :] for c in table.columns if c.startswith("risk_diff_")]
    x = np.arange(len(table))
    width = 0.8 / max(1, len(insts))
    for j, inst in enumerate(insts):
        rd = table[f"risk_diff_{inst}"].to_numpy(np.float64)
        lo = table[f"rd_low_{inst}"].to_numpy(np.float64)
        hi = table[f"rd_high_{inst}"].to_numpy(np.float64)
        ax2.bar(
            x + (j - (len(insts) - 1) / 2) * width,
            rd,
            width,
            color=_colour(inst, j),
            yerr=[rd - lo, hi - rd],
            capsize=3,
            label=inst,
            alpha=0.85,
        )
    ax2.axhline(0, color="k", lw=0.8)
    ax2.set_xticks(x)
    ax2.set_xticklabels([str(v) for v in table.get(WARNING_AXIS, pd.Series(x))], fontsize=8)
    ax2.set_ylabel("risk difference vs no action (paired)")
    ax2.set_title("acting on the warnings")
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3, axis="y")
    fig.suptitle("Early-warning quality: noisier earlier vs cleaner later warnings")
    files["figure"] = _save(fig, out / "warning_quality.png")
    lines = ["early-warning quality (scored on the no-action arm):"]
    for _, r in table.iterrows():
        lines.append(
            f"  {str(r.get(WARNING_AXIS, '')):<16} AUROC {r['auroc']:.3f}  AUPR {r['aupr']:.3f}  "
            f"Brier {r['brier']:.4f} (base rate {r['brier_base_rate']:.4f})  lead median "
            f"{r['lead_median']:.0f} [IQR {r['lead_q25']:.0f}-{r['lead_q75']:.0f}] weeks"
        )
    return files, "\n".join(lines)


ANALYSES = {
    "warning_to_action": analyse_warning_to_action,
    "early_vs_late": analyse_early_vs_late,
    "unity": analyse_unity,
    "sustainability": analyse_sustainability,
    "warning_quality": analyse_warning_quality,
}
