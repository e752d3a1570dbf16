"""The experiments' figures: each function takes tables of :mod:`experiments.tables`, draws one
figure and saves it as a PNG.

The only module that uses matplotlib; it is imported inside the functions, with the Agg
backend, so that computing cells never pays for it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np

from sim.files import save_figure
from sim.params import INSTRUMENT_LABELS

from .config import WARNING_AXIS
from .tables import km_label, no_action, unity_curves

#: One colour per instrument, the same in every figure.
COLOURS = {
    "none": "#555555",
    "statement": "#1b9e77",
    "fact_finding": "#66a61e",
    "envoy": "#7570b3",
    "sanctions": "#d95f02",
    "peacekeeping": "#e7298a",
    "development": "#a6761d",
}
#: The sustainability outcomes drawn, with their axis titles.
SUSTAIN_LABELS = {
    "violence": "P(violence) (lower is better)",
    "relapse": "P(relapse) (lower is better)",
    "violent_at_end": "P(violence at the end) (lower is better)",
    "party_weeks_violent": "party-weeks in violence (lower is better)",
}


# ---------------------------------------------------------------- helpers
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    save_figure(fig, path, dpi=120)
    _pyplot().close(fig)
    return path


def _colour(instrument: str, i: int = 0):
    return COLOURS.get(instrument, f"C{i % 10}")


def _name(instrument: str, width: int | None = None) -> str:
    """The readable name of an instrument (``sim.params.INSTRUMENT_LABELS``), wrapped."""
    label = INSTRUMENT_LABELS.get(instrument, str(instrument))
    return textwrap.fill(label, width) if width else label


#: Lags up to this are on a linear scale, beyond it on a log scale (when lags exceed it).
LINEAR_LAGS = 8
LAG_LABEL = "decision lag after the first warning (weeks)"


def _label_lags(ax, lags) -> str:
    """Tick every lag. Beyond :data:`LINEAR_LAGS` weeks the axis turns logarithmic (when the lags
    go beyond it): the switch is marked on the axis with a break sign, and the returned axis
    label says so."""
    lags = sorted({int(x) for x in lags})
    if not lags:
        return LAG_LABEL
    ax.set_xticks(lags)
    ax.set_xticklabels([str(x) for x in lags], fontsize=8)
    if max(lags) <= LINEAR_LAGS:
        return LAG_LABEL
    ax.set_xscale("symlog", linthresh=LINEAR_LAGS, linscale=0.8)
    ax.set_xticks(lags)
    ax.set_xticklabels([str(x) for x in lags], fontsize=8)
    ax.minorticks_off()
    mark = {"marker": [(-1, -2), (1, 2)], "markersize": 9, "color": "k", "mew": 1.2}
    for dx in (-0.25, 0.25):
        ax.plot(
            [LINEAR_LAGS + dx],
            [0],
            ls="none",
            clip_on=False,
            zorder=5,
            transform=ax.get_xaxis_transform(),
            **mark,
        )
    return f"{LAG_LABEL}; axis linear to {LINEAR_LAGS} weeks (//), then log"


def _no_action_line(ax, summary, scenario: str | None = None) -> None:
    """The no-action P(violence), dashed, with its Wilson band."""
    p0, lo0, hi0 = no_action(summary, scenario)
    ax.axhline(p0, color="k", ls="--", lw=1.2, label=f"no action ({p0:.2f})")
    ax.axhspan(lo0, hi0, color="k", alpha=0.08, lw=0)


# ---------------------------------------------------------------- warning to action
#: The lags drawn in the decomposition panel (those present; else every positive lag).
DECOMPOSITION_LAGS = (8, 26, 52)
#: The two parts of the lag effect: column, legend entry, colour.
DECOMPOSITION_PARTS = (
    ("delta_too_late", "onset before the action arrived (timing arithmetic)", "#e08214"),
    ("delta_state", "action arrived before any onset: the state it met", "#5e3c99"),
)


def warning_to_action_figure(
    summary, decomposition, title: str, default_scenario: str, path: Path
) -> Path:
    """Per scenario, P(violence) and the paired risk difference against the lag, one curve per
    instrument, with 95% bands and the no-action line; below them the lag effect decomposed
    (:func:`experiments.tables.decomposition_table`)."""
    plt = _pyplot()
    scenarios = list(dict.fromkeys(summary["scenario"])) or [default_scenario]
    fig = plt.figure(figsize=(13, 9.5 * len(scenarios)), layout="constrained")
    grid = fig.add_gridspec(2 * len(scenarios), 2, height_ratios=[1.0, 0.85] * len(scenarios))
    for i, scen in enumerate(scenarios):
        ax, ax2 = fig.add_subplot(grid[2 * i, 0]), fig.add_subplot(grid[2 * i, 1])
        _lag_panels(ax, ax2, summary, scen)
        rows = decomposition[decomposition["scenario"] == scen] if len(decomposition) else None
        _decomposition_panel(fig.add_subplot(grid[2 * i + 1, :]), rows, scen)
    fig.suptitle(title, fontsize=12)
    return _save(fig, path)


def _lag_panels(ax, ax2, summary, scen: str) -> None:
    """P(violence) (``ax``) and the paired risk difference (``ax2``) against the lag."""
    sub = summary[summary["scenario"] == scen]
    _no_action_line(ax, summary, scen)
    ax2.axhline(0.0, color="k", ls="--", lw=1.2, label="no action")
    _lag_curves(ax, ax2, sub, list(dict.fromkeys(sub["instrument"])))
    for a in (ax, ax2):
        a.set_xlabel(_label_lags(a, sub["lag_weeks"].to_numpy()), fontsize=9)
        a.grid(alpha=0.3)
    ax.set_ylabel("P(violence) within the horizon (lower is better)")
    ax.set_ylim(0, min(1.0, max(0.05, float(sub["p_high"].max()) * 1.1)) if len(sub) else 1)
    ax2.set_ylabel("risk difference vs no action, paired\n(below 0: violence prevented)")
    ax.set_title(f"{scen}: P(violence) with 95% Wilson bands", fontsize=10)
    ax2.set_title(f"{scen}: effect of acting, 95% paired bands", fontsize=10)
    ax.legend(fontsize=8, loc="lower right", framealpha=0.9)


def _lag_curves(ax, ax2, sub, instruments: list) -> None:
    """P(violence) (``ax``) and the risk difference (``ax2``) of each acting instrument."""
    for i, inst in enumerate(instruments):
        s = sub[sub["instrument"] == inst].sort_values("lag_weeks")
        if not len(s) or inst == "none":
            continue
        x = s["lag_weeks"].to_numpy()
        c, label = _colour(inst, i), _name(inst)
        ax.plot(x, s["p_violence"], "o-", color=c, ms=3.5, lw=1.5, label=label)
        ax.fill_between(x, s["p_low"], s["p_high"], color=c, alpha=0.15, lw=0)
        ax2.plot(x, s["risk_diff"], "o-", color=c, ms=3.5, lw=1.5, label=label)
        ax2.fill_between(x, s["rd_low"], s["rd_high"], color=c, alpha=0.15, lw=0)


def _decomposition_lags(rows) -> list:
    lags = sorted({int(x) for x in rows["lag_weeks"] if x > 0})
    chosen = [x for x in DECOMPOSITION_LAGS if x in lags]
    return chosen or lags


def _decomposition_panel(ax, rows, scen: str) -> None:
    """Per instrument and lag, the two parts of the lag effect side by side (95% bars) and their
    sum (a black mark)."""
    ax.set_title(
        f"{scen}: part of the lag effect due to onsets before arrival (timing arithmetic) and "
        "due to the state the action meets",
        fontsize=10,
    )
    if rows is None or not len(rows) or not (rows["lag_weeks"] > 0).any():
        ax.text(
            0.5,
            0.5,
            "needs the lag-0 cell and a later one of an instrument",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        ax.set_axis_off()
        return
    lags = _decomposition_lags(rows)
    instruments = list(dict.fromkeys(rows["instrument"]))
    centres, labels = _decomposition_bars(ax, rows, instruments, lags)
    ax.set_xticks(centres, labels, fontsize=8)
    groups = np.array(centres).reshape(len(instruments), len(lags)).mean(axis=1)
    names = ax.secondary_xaxis("bottom")
    names.set_xticks(groups, [_name(i, 22) for i in instruments], fontsize=9)
    names.tick_params(length=0, pad=16)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xlim(-0.6, centres[-1] + 0.6)
    ax.set_ylabel("change in P(violence) vs sending at once\n(above 0: more violence when late)")
    if ax.get_legend_handles_labels()[0]:  # nothing to name when no late cell is complete
        ax.legend(fontsize=8, loc="upper left", framealpha=0.9)
    ax.grid(alpha=0.3, axis="y")


def _decomposition_bars(ax, rows, instruments: list, lags: list) -> tuple[list, list]:
    """Draw the bars; return the x position and the label of every (instrument, lag)."""
    width, centres, labels = 0.36, [], []
    for g, inst in enumerate(instruments):
        for k, lag in enumerate(lags):
            x = g * (len(lags) + 0.8) + k
            centres.append(x)
            labels.append(f"{lag} wk")
            r = rows[(rows["instrument"] == inst) & (rows["lag_weeks"] == lag)]
            if not len(r):
                continue
            r = r.iloc[0]
            first = g == 0 and k == 0
            for j, (col, label, colour) in enumerate(DECOMPOSITION_PARTS):
                y = r[col]
                err = [[y - r[f"{col}_low"]], [r[f"{col}_high"] - y]]
                ax.bar(
                    x + (j - 0.5) * width,
                    y,
                    width,
                    color=colour,
                    yerr=err,
                    capsize=2,
                    error_kw={"lw": 0.8},
                    label=label if first else None,
                )
            ax.plot(
                x,
                r["delta_total"],
                "D",
                color="k",
                ms=4,
                label="total lag effect" if first else None,
            )
    return centres, labels


# ---------------------------------------------------------------- time to the first onset
def km_onset_figure(km, horizon_weeks: int, path: Path) -> Path:
    """Kaplan-Meier curves of the time to the first onset (:func:`tables.km_onset_table`): one
    panel per scenario and acting instrument with no action, the action sent at once and sent
    at the later lag."""
    plt = _pyplot()
    panels = [] if not len(km) else _km_panels(km)
    ncols = min(3, max(1, len(panels)))
    nrows = max(1, -(-len(panels) // ncols))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(4.6 * ncols, 3.6 * nrows + 0.6),
        squeeze=False,
        sharex=True,
        sharey=True,
        layout="constrained",
    )
    for ax, (scen, inst, rows, none) in zip(axes.flat, panels, strict=False):
        _km_axes(ax, inst, rows, none)
        ax.set_title(
            _name(inst) if len({p[0] for p in panels}) < 2 else f"{scen}: {_name(inst)}",
            fontsize=10,
        )
    for ax in axes.flat[len(panels) :]:
        ax.set_axis_off()
    for ax in axes[-1]:
        ax.set_xlabel("weeks since the start of the run")
    for ax in axes[:, 0]:
        ax.set_ylabel("share with no violence yet")
    axes.flat[0].set_xlim(0, horizon_weeks)
    axes.flat[0].set_ylim(0, 1.02)
    if panels:
        axes.flat[0].legend(fontsize=8, loc="lower left", framealpha=0.9)
    fig.suptitle(
        "Time to the first onset of violence (Kaplan-Meier; runs without violence are censored "
        f"at the {horizon_weeks}-week horizon)",
        fontsize=11,
    )
    return _save(fig, path)


def _km_panels(km) -> list:
    """``(scenario, instrument, its rows, the no-action rows)`` per panel."""
    panels = []
    for scen, sub in km.groupby("scenario", sort=False):
        none = sub[sub["instrument"] == "none"]
        for inst, rows in sub[sub["instrument"] != "none"].groupby("instrument", sort=False):
            panels.append((scen, inst, rows, none))
    return panels


def _km_axes(ax, inst: str, rows, none) -> None:
    """No action (dashed black), sent at once (solid) and later (dotted), as step curves."""
    ax.step(
        none["week"],
        none["survival"],
        where="post",
        color="k",
        ls="--",
        lw=1.3,
        label=km_label(None),
    )
    c = _colour(inst)
    for lag, arm in rows.groupby("lag_weeks", sort=True):
        ls, alpha = ("-", 1.0) if lag == 0 else (":", 0.9)
        ax.step(
            arm["week"],
            arm["survival"],
            where="post",
            color=c,
            ls=ls,
            lw=1.8,
            alpha=alpha,
            label=km_label(int(lag)),
        )
    ax.grid(alpha=0.3)


# ---------------------------------------------------------------- small early vs large late
def early_vs_late_figure(table, summary, small: list, large: list, path: Path) -> Path:
    """P(violence) against the lag (solid: small early, dotted: large late), and the benefit
    against the cost."""
    plt = _pyplot()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    _no_action_line(ax, summary)
    for i, inst in enumerate(small + large):
        s = table[table["instrument"] == inst].sort_values("lag_weeks")
        if len(s):
            _early_late_curve(ax, s, _colour(inst, i), inst, "-" if inst in small else ":")
            _benefit_cost_points(ax2, s, _colour(inst, i), inst)
    ax.set_xlabel(_label_lags(ax, table["lag_weeks"]))
    ax.set_ylabel("P(violence) (lower is better)")
    ax.set_title("small steps early (solid) vs coercive tools late (dotted)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax2.axhline(0, color="k", lw=0.8)
    ax2.set_xscale("symlog", linthresh=1.0)
    top = float(table["mean_cost"].max()) if len(table) else 1.0
    ax2.set_xlim(0, max(top, 1.0) * 2.5)  # costs are never negative; room for the labels
    ax2.set_xlabel("mean cost of the action (stylised US$ million, symlog scale)")
    ax2.set_ylabel("violence prevented (risk reduction vs no action)")
    ax2.set_title("benefit and cost (labels: lag in weeks)")
    ax2.grid(alpha=0.3)
    fig.suptitle("Small early vs large late (para 47): paired replicates, 95% intervals")
    return _save(fig, path)


def _early_late_curve(ax, s, c, inst: str, ls: str) -> None:
    ax.plot(s["lag_weeks"], s["p_violence"], "o" + ls, color=c, ms=4, label=_name(inst))
    ax.fill_between(s["lag_weeks"], s["p_low"], s["p_high"], color=c, alpha=0.18, lw=0)


def _benefit_cost_points(ax, s, c, inst: str) -> None:
    """Violence prevented (-risk difference, 95% bars) against the mean cost, lags labelled."""
    ax.errorbar(
        s["mean_cost"],
        -s["risk_diff"],
        yerr=[(-s["risk_diff"]) - (-s["rd_high"]), (-s["rd_low"]) - (-s["risk_diff"])],
        fmt="o",
        color=c,
        ms=4,
        capsize=2,
        label=_name(inst),
    )
    for label, x, y in _lag_labels(s):
        ax.annotate(label, (x, y), fontsize=7, xytext=(4, 3), textcoords="offset points")


def _lag_labels(s) -> list[tuple[str, float, float]]:
    """``(label, cost, benefit)`` of one instrument's points: points that nearly coincide (cost
    within 25%, benefit within 0.015) share one label, e.g. ``0, 1, 2w``, so none overlap."""
    groups: list[list] = []
    for _, r in s.sort_values("lag_weeks").iterrows():
        x, y = float(r["mean_cost"]), -float(r["risk_diff"])
        for g in groups:
            gx, gy = g[0][1], g[0][2]
            if abs(y - gy) < 0.015 and abs(x - gx) <= 0.25 * max(abs(gx), abs(x), 1e-9):
                g.append((int(r["lag_weeks"]), x, y))
                break
        else:
            groups.append([(int(r["lag_weeks"]), x, y)])
    return [
        (", ".join(str(lag) for lag, _, _ in g) + "w", g[0][1], max(y for _, _, y in g))
        for g in groups
    ]


# ---------------------------------------------------------------- unity
def unity_figure(table, summary, path: Path) -> Path:
    """P(violence) and the paired risk difference against the sponsor's unity."""
    plt = _pyplot()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    _no_action_line(ax, summary)
    ax2.axhline(0, color="k", ls="--", lw=1.2)
    for i, (inst, _, s) in enumerate(unity_curves(table)):
        c = _colour(inst, i)
        label = f"{_name(inst)}, {int(s['lag_weeks'].iloc[0])} weeks after the warning"
        ax.plot(s["unity"], s["p_violence"], "o-", color=c, ms=4, label=label)
        ax.fill_between(s["unity"], s["p_low"], s["p_high"], color=c, alpha=0.18, lw=0)
        ax2.plot(s["unity"], s["risk_diff"], "o-", color=c, ms=4, label=label)
        ax2.fill_between(s["unity"], s["rd_low"], s["rd_high"], color=c, alpha=0.18, lw=0)
    for a in (ax, ax2):
        a.set_xlabel("unity of the international response (sponsor's unity)")
        a.grid(alpha=0.3)
    ax.set_ylabel("P(violence) (lower is better)")
    ax2.set_ylabel("risk difference vs no action (paired)")
    ax.set_title("P(violence), 95% Wilson bands")
    ax2.set_title("effect of acting, 95% paired bands")
    ax.legend(fontsize=8)
    fig.suptitle("United vs divided international response (paras 16, 31, 51-52)")
    return _save(fig, path)


# ---------------------------------------------------------------- sustainability
def sustainability_figure(table, path: Path) -> Path:
    """Kept on vs withdrawn (95% bars) and no action, against the lag, per outcome."""
    plt = _pyplot()
    fig, axes = plt.subplots(
        1, len(SUSTAIN_LABELS), figsize=(4.2 * len(SUSTAIN_LABELS), 4.4), layout="constrained"
    )
    keys = table.columns[: table.columns.get_loc("outcome")]
    group_cols = [c for c in keys if c != "lag_weeks"]
    for ax, (name, label) in zip(axes, SUSTAIN_LABELS.items(), strict=True):
        _sustainability_axes(ax, table[table["outcome"] == name], group_cols)
        ax.set_xlabel("decision lag (weeks)")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=8)
    fig.suptitle(
        "Sustainability (paras 56-57): envoy withdrawn at de-escalation vs kept on "
        "(paired replicates)"
    )
    return _save(fig, path)


def _sustainability_axes(ax, sub, group_cols: list) -> None:
    """One outcome: per group (instrument), both arms against the lag, and no action."""
    for i, (_, s) in enumerate(sub.groupby(group_cols, sort=False)):
        s = s.sort_values("lag_weeks")
        x = np.arange(len(s)) + 0.0
        for shift, arm, fmt, c, what in (
            (-0.08, "kept_on", "o-", f"C{2 * i}", "kept on for its mandate"),
            (0.08, "withdrawn", "s--", f"C{2 * i + 1}", "withdrawn as soon as calm"),
        ):
            y = s[arm].to_numpy(np.float64)
            err = [
                y - s[f"{arm}_low"].to_numpy(np.float64),
                s[f"{arm}_high"].to_numpy(np.float64) - y,
            ]
            label = f"{_name(s['instrument'].iloc[0])} {what}".strip()
            ax.errorbar(x + shift, y, yerr=err, fmt=fmt, color=c, ms=4, capsize=2, label=label)
        ax.plot(x, s["no_action"], ":", color="k", lw=1, label="no action" if i == 0 else None)
        ax.set_xticks(x)
        ax.set_xticklabels([f"{int(v)}" for v in s["lag_weeks"]])


# ---------------------------------------------------------------- early-warning quality
def warning_quality_figure(table, path: Path) -> Path:
    """The warning profiles in ROC space, their AUROC against the lead time, and the risk
    difference when acting on them."""
    plt = _pyplot()
    fig, (ax, ax3, ax2) = plt.subplots(1, 3, figsize=(17, 4.8), constrained_layout=True)
    _roc_axes(ax, table)
    _lead_axes(ax3, table)
    _action_axes(ax2, table)
    fig.suptitle("Early-warning quality: noisier earlier vs cleaner later warnings")
    return _save(fig, path)


def _nested_markers(x, y, tol: tuple[float, float]) -> list[dict]:
    """Marker styles for points drawn in order: a point that later points (nearly) cover is
    drawn larger, one ring per point over it, so that profiles at the same place show as rings
    instead of hiding each other. ``tol``: how close counts as the same place, in x and y."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    styles = []
    for k in range(len(x)):
        near = (np.abs(x[k + 1 :] - x[k]) <= tol[0]) & (np.abs(y[k + 1 :] - y[k]) <= tol[1])
        styles.append(
            {"ms": 8.0 + 4.0 * int(near.sum()), "mec": "white", "mew": 1.0, "zorder": 3 + k}
        )
    return styles


def _roc_axes(ax, table) -> None:
    """Hit rate against false-alarm rate of each profile, with the no-skill diagonal."""
    ax.plot([0, 1], [0, 1], color="k", lw=0.8, ls=":", label="no skill")
    markers = _nested_markers(table["fpr"], table["tpr"], (0.015, 0.015))
    for k, (i, r) in enumerate(table.iterrows()):
        name = r.get(WARNING_AXIS, f"cell {i}")
        label = (
            f"{name}: AUROC {r['auroc']:.2f}, Brier {r['brier']:.3f}, "
            f"lead {r['lead_median']:.0f} wk"
        )
        ax.plot(r["fpr"], r["tpr"], "o", color=f"C{i}", label=label, **markers[k])
    ax.set_xlim(-0.03, 1.06)  # room for the rings of profiles at (1, 1)
    ax.set_ylim(-0.03, 1.06)
    ax.set_xlabel("false-alarm rate (warned, no violence)")
    ax.set_ylabel("hit rate (warned before onset)")
    ax.set_title(
        f"warnings as forecasts (base rate {table['base_rate'].mean():.2f})"
        if len(table)
        else "warnings as forecasts"
    )
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)


def _lead_axes(ax, table) -> None:
    """AUROC against the lead time of true warnings (median, IQR bars)."""
    markers = _nested_markers(table["lead_median"], table["auroc"], (1.0, 0.005))
    for k, (i, r) in enumerate(table.iterrows()):
        ax.errorbar(
            r["lead_median"],
            r["auroc"],
            xerr=[[r["lead_median"] - r["lead_q25"]], [r["lead_q75"] - r["lead_median"]]],
            fmt="o",
            color=f"C{i}",
            capsize=3,
            label=str(r.get(WARNING_AXIS, f"cell {i}")),
            **markers[k],
        )
    ax.axhline(0.5, color="k", lw=0.8, ls=":")
    ax.set_xlabel("lead time of true warnings (weeks: median, IQR)")
    ax.set_ylabel("AUROC of the warning-based forecast")
    ax.set_title("earlier vs more accurate")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)


def _action_axes(ax, table) -> None:
    """Risk difference (95% bars) of each instrument acting on each profile's warnings."""
    insts = [c[len("risk_diff_") :] for c in table.columns if c.startswith("risk_diff_")]
    x = np.arange(len(table))
    width = 0.8 / max(1, len(insts))
    for j, inst in enumerate(insts):
        rd = table[f"risk_diff_{inst}"].to_numpy(np.float64)
        lo = table[f"rd_low_{inst}"].to_numpy(np.float64)
        hi = table[f"rd_high_{inst}"].to_numpy(np.float64)
        offset = (j - (len(insts) - 1) / 2) * width
        ax.bar(
            x + offset,
            rd,
            width,
            color=_colour(inst, j),
            yerr=[rd - lo, hi - rd],
            capsize=3,
            label=_name(inst),
            alpha=0.85,
        )
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(x)
    names = table[WARNING_AXIS] if WARNING_AXIS in table.columns else x
    ax.set_xticklabels([str(v) for v in names], fontsize=8)
    ax.set_ylabel("risk difference vs no action (paired)")
    ax.set_title("acting on the warnings")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
