"""The experiment-specific outputs the aggregator writes (``experiment.analysis``): for each
analysis, which tables (:mod:`experiments.tables`) and figure (:mod:`experiments.figures`) it
writes and the lines it prints.

Every analysis receives the complete cells only (``{cell_id: frame}``, both arms, replicates
``0 .. N-1``) and the summary table, and works with whatever subset is complete: a missing cell is
a missing point, never an error (the aggregator lists it).

* ``warning_to_action``: ``warning_to_action.png`` (P(violence) and the paired risk difference
  against the decision lag, per instrument, with 95% bands and the no-action line, and the lag
  effect decomposed), ``prevention_window.csv`` (the lag at which half of the lag-0 benefit is
  lost, bootstrap CI), ``decomposition.csv`` (the lag effect split into onsets before the late
  action arrived and the state it met), ``km_onset.csv`` and ``km_onset.png`` (Kaplan-Meier
  curves of the time to the first onset).
* ``early_vs_late``: ``early_vs_late.csv`` and ``early_vs_late_pairs.csv`` (paired comparisons
  of every small-early cell with every large-late cell), ``early_vs_late.png``.
* ``unity``: ``unity.csv`` and ``unity.png`` (P(violence) against the sponsor's unity).
* ``sustainability``: ``sustainability.csv`` (withdrawn at de-escalation vs kept on, paired) and
  ``sustainability.png``.
* ``warning_quality``: ``warning_quality.csv`` (AUROC, AUPR, Brier score, lead time of the
  warnings, and the effect of acting on them) and ``warning_quality.png``.
"""

from __future__ import annotations

from sim.files import write_csv

from . import figures, tables
from .config import WARNING_AXIS, Experiment


def run(experiment: Experiment, data: dict, summary) -> tuple[dict, str]:
    """Run the experiment's analysis; return ``({name: path}, text to print)``."""
    return ANALYSES[experiment.analysis](experiment, data, summary)


# ---------------------------------------------------------------- warning to action
def analyse_warning_to_action(experiment: Experiment, data: dict, summary) -> tuple[dict, str]:
    """``prevention_window.csv``, ``decomposition.csv``, ``km_onset.csv``,
    ``warning_to_action.png`` and ``km_onset.png``; prints the windows and the decomposition."""
    out = experiment.out_dir
    windows = tables.prevention_windows(experiment, data)
    decomposition = tables.decomposition_table(experiment, data)
    km = tables.km_onset_table(experiment, data)
    files = {
        "prevention_window": write_csv(windows, out / "prevention_window.csv"),
        "decomposition": write_csv(decomposition, out / "decomposition.csv"),
        "km_onset": write_csv(km, out / "km_onset.csv"),
    }
    title = (
        f"Warning to action: {experiment.replicates} paired replicates per cell, "
        f"{experiment.horizon_weeks}-week horizon (stylised model, not a forecast)"
    )
    files["figure"] = figures.warning_to_action_figure(
        summary, decomposition, title, experiment.scenario_name, out / "warning_to_action.png"
    )
    files["km_figure"] = figures.km_onset_figure(km, experiment.horizon_weeks, out / "km_onset.png")
    text = _windows_text(windows, experiment.bootstrap) + "\n" + _decomposition_text(decomposition)
    return files, text


def _windows_text(windows, bootstrap: int) -> str:
    lines = [
        "prevention window (lag at which half of the lag-0 benefit is lost; "
        f"bootstrap 95% CI, {bootstrap} paired resamples):"
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
    return "\n".join(lines)


def _decomposition_text(table) -> str:
    lines = [
        "lag effect vs sending at once, P(violence | lag) - P(violence | lag 0) = onsets before "
        "arrival + state met (paired 95% CI):"
    ]
    extra = [c for c in table.columns[: table.columns.get_loc("lag_weeks")] if c != "instrument"]
    for _, r in table[table["lag_weeks"] > 0].iterrows():
        where = " ".join(f"{c}={r[c]}" for c in extra if c != "scenario")
        lines.append(
            f"  {r['instrument']:<13} {where + ' ' if where else ''}lag {r['lag_weeks']:>3g}: "
            f"{r['delta_total']:+.3f} = {r['delta_too_late']:+.3f} "
            f"[{r['delta_too_late_low']:+.3f}, {r['delta_too_late_high']:+.3f}] + "
            f"{r['delta_state']:+.3f} [{r['delta_state_low']:+.3f}, {r['delta_state_high']:+.3f}]"
            f"; onsets before arrival {r['p_before_arrival']:.3f}"
        )
    if not (table["lag_weeks"] > 0).any():
        lines.append("  (no complete lag-0 and later cells of one instrument)")
    return "\n".join(lines)


# ---------------------------------------------------------------- small early vs large late
def analyse_early_vs_late(experiment: Experiment, data: dict, summary) -> tuple[dict, str]:
    """``early_vs_late.csv``, ``early_vs_late_pairs.csv``, ``early_vs_late.png``; prints the best
    cell of each group."""
    out = experiment.out_dir
    small, large = tables.early_vs_late_instruments(experiment.settings)
    table = tables.early_vs_late_table(summary, small, large)
    pairs = tables.early_vs_late_pairs(table, data)
    files = {
        "table": write_csv(table, out / "early_vs_late.csv"),
        "pairs": write_csv(pairs, out / "early_vs_late_pairs.csv"),
        "figure": figures.early_vs_late_figure(
            table, summary, small, large, out / "early_vs_late.png"
        ),
    }
    return files, _early_vs_late_text(table)


def _early_vs_late_text(table) -> str:
    lines = ["small early vs large late:"]
    for grp in (tables.SMALL_EARLY, tables.LARGE_LATE):
        g = table[table["group"] == grp]
        if len(g):
            best = g.loc[g["p_violence"].idxmin()]
            lines.append(
                f"  {grp:<11} best {best['policy']:<16} P(violence) {best['p_violence']:.3f}"
                f" [{best['p_low']:.3f}, {best['p_high']:.3f}], mean cost "
                f"{best['mean_cost']:.2f}"
            )
    return "\n".join(lines)


# ---------------------------------------------------------------- unity
def analyse_unity(experiment: Experiment, data: dict, summary) -> tuple[dict, str]:
    """``unity.csv`` and ``unity.png``; prints the effect at the lowest and highest unity."""
    out = experiment.out_dir
    table = tables.unity_table(summary)
    files = {
        "table": write_csv(table, out / "unity.csv"),
        "figure": figures.unity_figure(table, summary, out / "unity.png"),
    }
    return files, _unity_text(table)


def _unity_text(table) -> str:
    lines = ["united vs divided response (risk difference at the lowest and highest unity):"]
    for _, label, s in tables.unity_curves(table):
        lo_u, hi_u = s.iloc[0], s.iloc[-1]
        lines.append(
            f"  {label:<14} unity {lo_u['unity']:g}: {lo_u['risk_diff']:+.3f} "
            f"[{lo_u['rd_low']:+.3f}, {lo_u['rd_high']:+.3f}]   unity {hi_u['unity']:g}: "
            f"{hi_u['risk_diff']:+.3f} [{hi_u['rd_low']:+.3f}, {hi_u['rd_high']:+.3f}]"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- sustainability
def analyse_sustainability(experiment: Experiment, data: dict, summary) -> tuple[dict, str]:
    """``sustainability.csv`` and ``sustainability.png``; prints withdrawn - kept on."""
    out = experiment.out_dir
    table = tables.sustainability_table(experiment, data)
    files = {
        "table": write_csv(table, out / "sustainability.csv"),
        "figure": figures.sustainability_figure(table, out / "sustainability.png"),
    }
    return files, _sustainability_text(table)


def _sustainability_text(table) -> str:
    lines = ["sustainability (withdrawn - kept on, paired 95% CI):"]
    for _, r in table[table["outcome"].isin(["violence", "relapse", "violent_at_end"])].iterrows():
        lines.append(
            f"  {r.get('instrument', '')}@{r.get('lag_weeks', '')} {r['outcome']:<15}"
            f" kept {r['kept_on']:.3f}  withdrawn {r['withdrawn']:.3f}  diff "
            f"{r['diff']:+.3f} [{r['diff_low']:+.3f}, {r['diff_high']:+.3f}]"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- early-warning quality
def analyse_warning_quality(experiment: Experiment, data: dict, summary) -> tuple[dict, str]:
    """``warning_quality.csv`` and ``warning_quality.png``; prints the scores per profile."""
    out = experiment.out_dir
    table = tables.warning_quality_table(experiment, data, summary)
    files = {
        "table": write_csv(table, out / "warning_quality.csv"),
        "figure": figures.warning_quality_figure(table, out / "warning_quality.png"),
    }
    return files, _warning_quality_text(table)


def _warning_quality_text(table) -> str:
    lines = ["early-warning quality (scored on the no-action arm):"]
    for _, r in table.iterrows():
        lines.append(
            f"  {str(r.get(WARNING_AXIS, '')):<16} AUROC {r['auroc']:.3f}  AUPR {r['aupr']:.3f}  "
            f"Brier {r['brier']:.4f} (base rate {r['brier_base_rate']:.4f})  lead median "
            f"{r['lead_median']:.0f} [IQR {r['lead_q25']:.0f}-{r['lead_q75']:.0f}] weeks"
        )
    return "\n".join(lines)


#: ``experiment.analysis`` -> the function that writes its outputs (the names are validated by
#: :data:`experiments.config.ANALYSES`).
ANALYSES = {
    "warning_to_action": analyse_warning_to_action,
    "early_vs_late": analyse_early_vs_late,
    "unity": analyse_unity,
    "sustainability": analyse_sustainability,
    "warning_quality": analyse_warning_quality,
}
