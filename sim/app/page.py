"""The Solara page: Mesa's SolaraViz with the teaching model and four views.

SolaraViz supplies the sidebar: reset, play/pause and step buttons, the speed slider ("Play
Interval"), and the controls of :func:`sim.app.settings.control_specs` (a changed control
takes effect at the next Reset). The views, each a plain function of the model, drawn by
:func:`Views`:

* :func:`NetworkView`: the network now, the mediators and organisations, a party inspector;
* :func:`TimelineView`: parties per stage and mean tension, first warning and arrival marked;
* :func:`CounterfactualView`: the same replicate without and with the action;
* :func:`CurveView`: the ensemble curve P(violence) against the lag for the current settings.

:func:`Views` lays them out two by two (readable on a 1280x720 projector).

Serve it with ``python -m sim.app`` (``make app``); ``Page`` is the app's root component.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from ..params import INSTRUMENT_LABELS
from . import settings
from .charts import counterfactual_chart, curve_chart, network_chart, timeline_chart
from .curve import finite, lag_curve
from .explain import explain_party, explain_text
from .teaching import TeachingModel

#: The app's configuration (``python -m sim.app`` sets it from conf/app.yaml).
CONF = settings.AppConf()


def configure(conf: settings.AppConf) -> None:
    """Use ``conf`` for every page served from now on."""
    global CONF
    CONF = conf


def _week_text(week: int) -> str:
    return f"week {week + 1}" if week >= 0 else "not yet"


@solara.component
def StatusView(model: TeachingModel, week: int):
    """What runs (scenario, action, seed, week) and any control that was not accepted."""
    c = model.controls
    action = INSTRUMENT_LABELS[c.instrument]
    lag = f", decided {c.lag_weeks} weeks after the first warning" if c.instrument != "none" else ""
    with solara.Column(style={"font-size": "16px"}):
        for message in model.input_errors:
            solara.Error(f"Not accepted: {message} (the default is used instead)")
        solara.Markdown(
            f"**{c.scenario_name}**, {action}{lag}; seed **{c.seed}**, replicate "
            f"{model.replicate}. Week **{model.week}** of {model.horizon_weeks}. "
            f"First warning: {_week_text(model.warning_week)}; action arrives: "
            f"{_week_text(model.arrival_week) if c.instrument != 'none' else 'no action'}."
        )


def _actors_text(model: TeachingModel) -> str:
    """The mediators and regional organisations, and which of them the action uses."""
    parts = []
    for m in model.mediators:
        role = " - deployed" if m.deployed else ""
        parts.append(f"{m.name} ({m.sponsor}){role}")
    orgs = []
    for org in model.organisations:
        sponsor = " - sponsors the action" if org.is_sponsor else ""
        orgs.append(f"{org.name} ({len(org.members)} members){sponsor}")
    focus = int(model.state.party.in_focus.sum()) if model.action_active else 0
    return (
        f"Mediators: {'; '.join(parts) or 'none'}. Regional organisations: "
        f"{'; '.join(orgs) or 'none'}. Parties the action works on now (black ring): {focus}."
    )


@solara.component
def PartyInspector(model: TeachingModel, week: int):
    """Pick a party: its state and why it moved (pressure, chances up and down)."""
    names = [p.name for p in model.parties]
    chosen = solara.use_reactive(names[0])
    if chosen.value not in names:  # a new scenario after a reset
        chosen.set(names[0])
        return
    solara.Select("inspect party", values=names, value=chosen)
    i = names.index(chosen.value)
    why = explain_party(model, i, int(model.previous_stage[i]))
    solara.Text(explain_text(why), style={"font-size": "15px"})


def NetworkView(model: TeachingModel):
    with solara.Column():
        solara.FigureAltair(network_chart(model))
        solara.Text(_actors_text(model), style={"font-size": "14px"})
        PartyInspector(model, model.week)  # the week: re-render after each step


def TimelineView(model: TeachingModel):
    StatusView(model, model.week)
    solara.FigureAltair(timeline_chart(model))


def _outcome(run) -> str:
    onset = run.run.onset_week
    return f"violence from week {onset + 1}" if onset >= 0 else "no violence so far"


def CounterfactualView(model: TeachingModel):
    solara.FigureAltair(counterfactual_chart(model))
    if model.divergence_week > 0:
        parted = (
            "The two runs share every random draw and part in week "
            f"{model.divergence_week} (black line; blue: first warning, purple: arrival)"
        )
    else:
        parted = "The two runs are still the same run"
    solara.Text(
        f"{parted}. Without the action: {_outcome(model.baseline)}; with it: {_outcome(model)}.",
        style={"font-size": "15px"},
    )


@solara.component
def CurveView(controls: settings.Controls, horizon_weeks: int):
    """The curve for ``controls``: computed (and drawn) once per setting, not at every step."""
    c = CONF.curve
    curve = solara.use_memo(
        lambda: lag_curve(controls, tuple(c.lags), c.replicates, horizon_weeks, c.threads),
        [controls, horizon_weeks],
    )
    chart = solara.use_memo(lambda: curve_chart(curve, controls.lag_weeks), [curve])
    if controls.instrument == "none":
        solara.Info("No action chosen: pick an instrument and press Reset to see the curve.")
    solara.FigureAltair(chart)
    solara.Text(_curve_text(curve, controls.lag_weeks), style={"font-size": "15px"})


def _curve_text(curve, lag: int) -> str:
    """What the curve says at the chosen lag, in words."""
    text = f"{curve.n} paired runs per lag, computed in {curve.seconds:.2f} s."
    rows = [r for r in curve.rows if r["lag_weeks"] == lag]
    if not rows or not finite(rows[0]["rrr_after_arrival"]):
        return text
    r = rows[0]
    return (
        f"At lag {lag}: {r['p_before_arrival']:.0%} of runs turned violent before the action "
        f"arrived; where it arrived in time it prevented {r['rrr_after_arrival']:.0%} "
        f"[{r['rrr_low']:.0%}, {r['rrr_high']:.0%}] of the violence. " + text
    )


def new_model(conf: settings.AppConf) -> TeachingModel:
    """The model a new page starts with."""
    defaults = settings.start_controls(conf.controls)
    return TeachingModel(defaults=defaults, horizon_weeks=conf.horizon_weeks)


@solara.component
def Views(model: TeachingModel):
    """The four views in a fixed two-by-two grid, re-rendered after every step."""
    update_counter.get()  # SolaraViz's controller bumps it after each step and reset
    with solara.Columns([1, 1]):
        with solara.Column():
            with solara.Card("The network now", margin=0):
                NetworkView(model)
            with solara.Card("Same run, without and with the action", margin=0):
                CounterfactualView(model)
        with solara.Column():
            with solara.Card("This run, week by week", margin=0):
                TimelineView(model)
            with solara.Card("Many runs: P(violence) by decision lag", margin=0):
                CurveView(model.controls, model.horizon_weeks)


@solara.component
def Page():
    conf = CONF
    first = solara.use_memo(lambda: new_model(conf), [])
    model = solara.use_reactive(first)  # SolaraViz's reset puts the new model here
    params = {
        **settings.control_specs(first.controls),
        "defaults": first.controls,  # fixed: fills controls a reset does not pass
        "horizon_weeks": conf.horizon_weeks,
    }
    solara.Title("Prevention simulator: warning to action")
    # SolaraViz draws the sidebar (controls, reset/play/step, speed) and no views of its own:
    # its draggable grid needs a Vue 2 plugin that the Vue 3 front end of solara 1.64 cannot
    # load, so the views are laid out here, in plain Solara columns.
    SolaraViz(
        model,
        components=[],
        model_params=params,
        play_interval=conf.play_interval_ms,
        name="Warning to action",
    )
    Views(model.value)
