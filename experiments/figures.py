"""The experiments' figures: each function takes tables of :mod:`experiments.tables`, draws one
figure and saves it as a PNG.

The only module that uses matplotlib; it is imported inside the functions, with the Agg
backend, so that computing cells never pays for it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.files import save_figure

from .config import WARNING_AXIS
from .tables import no_action, unity_curves

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
    "violence": "P(violence)",
    "relapse": "P(relapse)",
    "violent_at_end": "P(violence at the end)",
    "party_weeks_violent": "party-weeks in violence",
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


def _label_lags(ax, lags) -> None:
    """Tick every lag; the axis is linear up to 4 weeks and logarithmic beyond if lags exceed 8."""
    lags = sorted({int(x) for x in lags})
    if not lags:
        return
    if max(lags) > 8:
        ax.set_xscale("symlog", linthresh=4, linscale=1.0)
    ax.set_xticks(lags)
    ax.set_xticklabels([str(x) for x in lags], fontsize=8)
    ax.minorticks_off()


def _no_action_line(ax, summary, scenario: str | None = None) -> None:
    """The no-action P(violence), dashed, with its Wilson band."""
    p0, lo0, hi0 = no_action(summary, scenario)
    ax.axhline(p0, color="k", ls="--", lw=1.2, label=f"no action ({p0:.2f})")
    ax.axhspan(lo0, hi0, color="k", alpha=0.08, lw=0)


# ---------------------------------------------------------------- warning to action
def warning_to_action_figure(summary, title: str, default_scenario: str, path: Path) -> Path:
    """Per scenario, P(violence) and the paired risk difference against the lag, one curve per
    instrument, with 95% bands and the no-action line."""
    plt = _pyplot()
    instruments = list(dict.fromkeys(summary["instrument"]))
    scenarios = list(dict.fromkeys(summary["scenario"])) or [default_scenario]
    fig, axes = plt.subplots(
        len(scenarios),
        2,
        figsize=(12, 4.3 * len(scenarios)),
        squeeze=False,
        constrained_layout=True,
    )
    for (ax, ax2), scen in zip(axes, scenarios, strict=True):
        sub = summary[summary["scenario"] == scen]
        _no_action_line(ax, summary, scen)
        ax2.axhline(0.0, color="k", ls="--", lw=1.2, label="no action")
        _lag_curves(ax, ax2, sub, instruments)
        for a in (ax, ax2):
            _label_lags(a, sub["lag_weeks"].to_numpy())
            a.set_xlabel("decision lag after the first warning (weeks)")
            a.grid(alpha=0.3)
        ax.set_ylabel("P(violence) within the horizon")
        ax.set_ylim(0, min(1.0, max(0.05, float(sub["p_high"].max()) * 1.1)) if len(sub) else 1)
        ax2.set_ylabel("risk difference vs no action (paired)")
        ax.set_title(f"{scen}: P(violence), 95% Wilson bands")
        ax2.set_title(f"{scen}: effect of acting, 95% paired bands")
        ax.legend(fontsize=8, loc="best")
    fig.suptitle(title, fontsize=11)
    return _save(fig, path)


def _lag_curves(ax, ax2, sub, instruments: list) -> None:
    """P(violence) (``ax``) and the risk difference (``ax2``) of each acting instrument."""
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
    return _save(fig, path)


def _early_late_curve(ax, s, c, inst: str, ls: str) -> None:
    ax.plot(s["lag_weeks"], s["p_violence"], "o" + ls, color=c, ms=4, label=inst)
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
        label=inst,
    )
    for _, r in s.iterrows():
        ax.annotate(
            f"{int(r['lag_weeks'])}w",
            (r["mean_cost"], -r["risk_diff"]),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
        )


# ---------------------------------------------------------------- unity
def unity_figure(table, summary, path: Path) -> Path:
    """P(violence) and the paired risk difference against the sponsor's unity."""
    plt = _pyplot()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    _no_action_line(ax, summary)
    ax2.axhline(0, color="k", ls="--", lw=1.2)
    for i, (inst, label, s) in enumerate(unity_curves(table)):
        c = _colour(inst, i)
        ax.plot(s["unity"], s["p_violence"], "o-", color=c, ms=4, label=label)
        ax.fill_between(s["unity"], s["p_low"], s["p_high"], color=c, alpha=0.18, lw=0)
        ax2.plot(s["unity"], s["risk_diff"], "o-", color=c, ms=4, label=label)
        ax2.fill_between(s["unity"], s["rd_low"], s["rd_high"], color=c, alpha=0.18, lw=0)
    for a in (ax, ax2):
        a.set_xlabel("unity of the international response (sponsor's unity)")
        a.grid(alpha=0.3)
    ax.set_ylabel("P(violence)")
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
        1, len(SUSTAIN_LABELS), figsize=(4 * len(SUSTAIN_LABELS), 4), constrained_layout=True
    )
    keys = table.columns[: table.columns.get_loc("outcome")]
    group_cols = [c for c in keys if c != "lag_weeks"]
    for ax, (name, label) in zip(axes, SUSTAIN_LABELS.items(), strict=True):
        _sustainability_axes(ax, table[table["outcome"] == name], group_cols)
        ax.set_xlabel("decision lag (weeks)")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
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
            (-0.08, "kept_on", "o-", f"C{2 * i}", "kept on"),
            (0.08, "withdrawn", "s--", f"C{2 * i + 1}", "withdrawn when calm"),
        ):
            y = s[arm].to_numpy(np.float64)
            err = [
                y - s[f"{arm}_low"].to_numpy(np.float64),
                s[f"{arm}_high"].to_numpy(np.float64) - y,
            ]
            label = f"{what} {s['instrument'].iloc[0]}".strip()
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


def _roc_axes(ax, table) -> None:
    """Hit rate against false-alarm rate of each profile, with the no-skill diagonal."""
    ax.plot([0, 1], [0, 1], color="k", lw=0.8, ls=":", label="no skill")
    for i, r in table.iterrows():
        name = r.get(WARNING_AXIS, f"cell {i}")
        label = f"{name}: AUROC {r['auroc']:.2f}, Brier {r['brier']:.3f}"
        ax.plot(r["fpr"], r["tpr"], "o", color=f"C{i}", ms=7, label=label)
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


def _lead_axes(ax, table) -> None:
    """AUROC against the lead time of true warnings (median, IQR bars)."""
    for i, r in table.iterrows():
        ax.errorbar(
            r["lead_median"],
            r["auroc"],
            xerr=[[r["lead_median"] - r["lead_q25"]], [r["lead_q75"] - r["lead_median"]]],
            fmt="o",
            color=f"C{i}",
            ms=7,
            capsize=3,
            label=str(r.get(WARNING_AXIS, f"cell {i}")),
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
            label=inst,
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
