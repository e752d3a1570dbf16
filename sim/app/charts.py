"""The page's pictures as Altair charts (pure functions of a model; no solara here).

* :func:`network_chart`: the parties on their network (layout computed once per scenario):
  colour = escalation stage, size = capability, edge colour = tension, black ring = in the
  action's focus, grey labels = countries; a tooltip per party says why it moved.
* :func:`timeline_chart`: parties per stage and mean tension by week, with rules at the
  first warning and at the action's arrival.
* :func:`counterfactual_chart`: the same replicate without and with the action, side by side,
  with a rule where they part.
* :func:`curve_chart`: P(violence) against the decision lag with Wilson intervals, the
  no-action level, and the share of onsets that came before the action arrived.

Example:
    >>> from sim.app.teaching import TeachingModel
    >>> m = TeachingModel(scenario_name="two_party")
    >>> m.step()
    >>> network_chart(m).to_dict()["layer"][0]["mark"]["type"]
    'rule'
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

import altair as alt
import networkx as nx
import numpy as np
import pandas as pd

from ..agents import scenario_graph
from ..params import RELATION_KINDS, RIVALRY, STAGE_NAMES
from .explain import explain_party, explain_text

if TYPE_CHECKING:
    from .curve import LagCurve
    from .teaching import TeachingModel

#: Stage colours, calm to war (colour-blind safe sequential, dark for war).
STAGE_COLOURS = ("#4daf4a", "#c9c93a", "#ff9f1c", "#e4572e", "#7b0828")
STAGE_SCALE = alt.Scale(domain=list(STAGE_NAMES), range=list(STAGE_COLOURS))
FONT = 14  # readable on a projector at 1280x720
LAYOUT_SEED = 7


def _configured(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (
        chart.configure_axis(labelFontSize=FONT, titleFontSize=FONT)
        .configure_legend(labelFontSize=FONT, titleFontSize=FONT)
        .configure_title(fontSize=FONT + 2)
        .configure_view(strokeWidth=0)
        # SVG, not canvas: the text of a chart is text in the page (screen readers, tests)
        .properties(usermeta={"embedOptions": {"renderer": "svg"}})
    )


# ---------------------------------------------------------------- network
def country_of(name: str) -> str:
    """The country part of a party name (``north_armed0`` -> ``north``)."""
    return name.split("_")[0]


def party_groups(names: tuple[str, ...]) -> list[str]:
    """Each party's group: its country prefix if other parties share it, else ``""``."""
    prefixes = [country_of(n) for n in names]
    return [p if prefixes.count(p) > 1 else "" for p in prefixes]


@lru_cache(maxsize=16)
def layout(scenario_name: str, names: tuple[str, ...], edges: tuple[tuple[int, int], ...]):
    """Node positions (n x 2, in [-1, 1]), computed once per scenario and seeded: countries
    start on their own sector of a circle, so the spring layout keeps them together."""
    graph = nx.Graph()
    graph.add_nodes_from(range(len(names)))
    graph.add_edges_from(edges)
    groups = party_groups(names)
    keys = sorted(set(groups))
    start = {}
    for i, g in enumerate(groups):
        angle = 2 * math.pi * keys.index(g) / len(keys) + 0.3 * i / max(1, len(names))
        start[i] = (math.cos(angle), math.sin(angle))
    pos = nx.spring_layout(graph, pos=start, seed=LAYOUT_SEED, iterations=80)
    xy = np.array([pos[i] for i in range(len(names))], dtype=float)
    span = np.abs(xy).max() or 1.0
    return xy / span


def model_layout(model: TeachingModel) -> np.ndarray:
    s = model.conflict_scenario
    graph = scenario_graph(s)
    names = tuple(s.party_name(i) for i in range(s.n_parties))
    return layout(s.name, names, tuple(sorted(graph.edges)))


def party_frame(model: TeachingModel) -> pd.DataFrame:
    """One row per party: position, stage, capability, focus, and the explanation."""
    xy = model_layout(model)
    groups = party_groups(tuple(p.name for p in model.parties))
    rows = []
    for p in model.parties:
        why = explain_party(model, p.index, int(model.previous_stage[p.index]))
        rows.append(
            {
                "x": xy[p.index, 0],
                "y": xy[p.index, 1],
                "party": p.name,
                "country": groups[p.index],
                "stage": why["stage"],
                "moved": why["moved"],
                "capability": round(why["capability"], 2),
                "grievance": round(why["grievance"], 2),
                "pressure": round(why["pressure"], 3),
                "chance up": f"{why['p_up']:.1%}",
                "chance down": f"{why['p_down']:.1%}",
                "warned about": why["flagged"],
                "action works on it": why["acted_on"],
                "why": explain_text(why),
            }
        )
    return pd.DataFrame(rows)


def edge_frame(model: TeachingModel) -> pd.DataFrame:
    s, xy = model.conflict_scenario, model_layout(model)
    rows = []
    for e in range(s.n_relations):
        a, b = int(s.src[e]), int(s.dst[e])
        kind = RELATION_KINDS[int(s.relation_kind[e])]
        rows.append(
            {
                "x": xy[a, 0],
                "y": xy[a, 1],
                "x2": xy[b, 0],
                "y2": xy[b, 1],
                "relation": f"{s.party_name(a)} - {s.party_name(b)} ({kind})",
                "tension": round(float(model.state.tension[e]), 2),
                "rivalry": int(s.relation_kind[e]) == RIVALRY,
            }
        )
    return pd.DataFrame(rows)


def network_chart(model: TeachingModel, width: int = 340, height: int = 230) -> alt.LayerChart:
    """The parties on their network now (see the module docstring for the encoding)."""
    parties, edges = party_frame(model), edge_frame(model)
    axis = alt.Axis(labels=False, ticks=False, grid=False, domain=False, title=None)
    x = alt.X("x:Q", axis=axis, scale=alt.Scale(domain=[-1.25, 1.25]))
    y = alt.Y("y:Q", axis=axis, scale=alt.Scale(domain=[-1.2, 1.2]))
    edge_layer = (
        alt.Chart(edges)
        .mark_rule()
        .encode(
            x=x,
            y=y,
            x2="x2:Q",
            y2="y2:Q",
            color=alt.Color(
                "tension:Q",
                scale=alt.Scale(domain=[0, 1], scheme="greys"),
                legend=alt.Legend(title="tension", orient="bottom", gradientLength=80),
            ),
            strokeWidth=alt.condition("datum.rivalry", alt.value(3), alt.value(1)),
            strokeDash=alt.condition("datum.rivalry", alt.value([1, 0]), alt.value([4, 3])),
            tooltip=["relation:N", "tension:Q"],
        )
    )
    node_layer = (
        alt.Chart(parties)
        .mark_circle(opacity=0.95)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "stage:N",
                scale=STAGE_SCALE,
                legend=alt.Legend(orient="bottom", title="stage", columns=3, symbolSize=120),
            ),
            size=alt.Size(
                "capability:Q", scale=alt.Scale(domain=[0, 1], range=[60, 700]), legend=None
            ),
            stroke=alt.condition(
                "datum['action works on it']", alt.value("black"), alt.value(None)
            ),
            strokeWidth=alt.value(3),
            tooltip=[
                "party:N",
                "stage:N",
                "moved:N",
                "pressure:Q",
                "chance up:N",
                "chance down:N",
                "grievance:Q",
                "capability:Q",
                "warned about:N",
                "action works on it:N",
                "why:N",
            ],
        )
    )
    countries = (
        parties[parties["country"] != ""].groupby("country")[["x", "y"]].mean().reset_index()
    )
    label_layer = (
        alt.Chart(parties)
        .mark_text(fontSize=FONT - 2, dy=16, color="#222")
        .encode(x=x, y=y, text="party:N")
    )
    country_layer = (
        alt.Chart(countries)
        .mark_text(fontSize=FONT + 2, fontWeight="bold", color="#777", dy=-24)
        .encode(x=x, y=y, text="country:N")
    )
    title = f"{model.conflict_scenario.name}: week {model.week}"
    layers = [edge_layer, node_layer, country_layer]
    if len(parties) <= 16:  # names fit; larger networks name parties in the tooltip only
        layers.append(label_layer)
    chart = (
        alt.layer(*layers)
        .resolve_scale(color="independent")
        .properties(width=width, height=height, title=title)
    )
    return _configured(chart)


# ---------------------------------------------------------------- time series
def series_frame(model) -> pd.DataFrame:
    """Weeks simulated, parties per stage, parties in violence and mean tension."""
    df = model.datacollector.get_model_vars_dataframe()
    columns = ["week", *(f"n_{s}" for s in STAGE_NAMES), "n_violent", "mean_tension"]
    return df[columns].reset_index(drop=True)


def event_rules(model: TeachingModel) -> pd.DataFrame:
    """The weeks (as rows of the series: weeks simulated) of the first warning and arrival."""
    rows = []
    if model.warning_week >= 0 and model.warning_week < model.week:
        rows.append({"week": model.warning_week + 1, "event": "first warning"})
    if model.arrival_week >= 0 and model.arrival_week < model.week:
        rows.append({"week": model.arrival_week + 1, "event": "action arrives"})
    return pd.DataFrame(rows, columns=["week", "event"])


TWO_EVENTS = ("first warning", "action arrives")
EVENT_COLOURS = {"first warning": "#1f77b4", "action arrives": "#6a3d9a", "runs part": "#000000"}


def _rules(
    events: pd.DataFrame, x_domain: list[int], names: tuple[str, ...], legend: bool = True
) -> alt.Chart:
    x = alt.X("week:Q", scale=alt.Scale(domain=x_domain))
    base = alt.Chart(events)
    colour = alt.Color(
        "event:N",
        scale=alt.Scale(domain=list(names), range=[EVENT_COLOURS[n] for n in names]),
        legend=alt.Legend(title=None, orient="top") if legend else None,
    )
    return base.mark_rule(strokeWidth=2, strokeDash=[6, 3]).encode(x=x, color=colour)


def timeline_chart(model: TeachingModel, width: int = 300) -> alt.VConcatChart:
    """Parties per stage (stacked) and mean tension by week, with the two event rules."""
    series = series_frame(model)
    x_domain = [0, max(10, int(series["week"].max()))]
    x = alt.X("week:Q", title="week", scale=alt.Scale(domain=x_domain))
    long = _stage_long(series)
    stages = (
        alt.Chart(long)
        .mark_area()
        .encode(
            x=x,
            y=alt.Y("parties:Q", stack="zero", title="parties"),
            color=alt.Color("stage:N", scale=STAGE_SCALE, legend=None),
            order="order:Q",
            tooltip=["week:Q", "stage:N", "parties:Q"],
        )
        .properties(width=width, height=150, title="parties per stage")
    )
    tension = (
        alt.Chart(series)
        .mark_line(color="#333")
        .encode(x=x, y=alt.Y("mean_tension:Q", title="mean tension"))
        .properties(width=width, height=90)
    )
    events = event_rules(model)
    chart = alt.vconcat(
        alt.layer(stages, _rules(events, x_domain, TWO_EVENTS)).resolve_scale(color="independent"),
        alt.layer(tension, _rules(events, x_domain, TWO_EVENTS, legend=False)),
    )
    return _configured(chart)


# ---------------------------------------------------------------- counterfactual
def counterfactual_chart(model: TeachingModel, width: int = 125) -> alt.HConcatChart:
    """Parties per stage by week (stacked): the same replicate without and with the action,
    side by side, with a rule where the two runs part."""
    events = event_rules(model)
    if model.divergence_week > 0:
        events = pd.concat(
            [events, pd.DataFrame([{"week": model.divergence_week, "event": "runs part"}])]
        )
    x_domain = [0, max(10, model.week)]
    panels = []
    for label, run in (("without the action", model.baseline), ("with the action", model)):
        long = _stage_long(series_frame(run))
        area = (
            alt.Chart(long)
            .mark_area()
            .encode(
                x=alt.X("week:Q", scale=alt.Scale(domain=x_domain)),
                y=alt.Y(
                    "parties:Q",
                    stack="zero",
                    title="parties" if not panels else None,
                    axis=alt.Axis(labels=not panels),
                ),
                color=alt.Color("stage:N", scale=STAGE_SCALE, legend=None),
                order="order:Q",
            )
        )
        # no legend (it would widen the first panel): the page's text names the black rule
        rules = _rules(events, x_domain, tuple(EVENT_COLOURS), legend=False)
        panels.append(
            alt.layer(area, rules)
            .resolve_scale(color="independent")
            .properties(width=width, height=170, title=label)
        )
    return _configured(alt.hconcat(*panels, spacing=8))


def _stage_long(series: pd.DataFrame) -> pd.DataFrame:
    """Parties per stage by week in long form (stage, parties, order calm to war)."""
    long = series.melt("week", [f"n_{s}" for s in STAGE_NAMES], "stage", "parties")
    long["stage"] = long["stage"].str.removeprefix("n_")
    long["order"] = long["stage"].map(STAGE_NAMES.index)
    return long


# ---------------------------------------------------------------- the curve
def curve_frame(curve: LagCurve) -> pd.DataFrame:
    return pd.DataFrame(list(curve.rows))


def curve_chart(curve: LagCurve, current_lag: int, width: int = 300) -> alt.LayerChart:
    """P(violence) by decision lag (95 % Wilson intervals), the no-action level (band), the
    share of onsets before the action arrived, and a rule at the page's current lag."""
    df = curve_frame(curve)
    lags = df["lag_weeks"].tolist()
    ticks = [lag for lag in lags if lag == 0 or lag >= 4]  # 0, 1, 2 would overprint
    x = alt.X(
        "lag_weeks:Q",
        title="decision lag (weeks)",
        scale=alt.Scale(domain=[0, max(lags)], nice=False),
        axis=alt.Axis(values=ticks),
    )
    y_scale = alt.Scale(domain=[0, 1])
    base = curve.baseline
    band = pd.DataFrame([{"lo": base["low"], "hi": base["high"], "x0": 0, "x1": max(lags)}])
    baseline = (
        alt.Chart(band)
        .mark_rect(color="#999", opacity=0.3)
        .encode(x="x0:Q", x2="x1:Q", y=alt.Y("lo:Q", scale=y_scale), y2="hi:Q")
    )
    long = pd.concat(
        [
            df.assign(
                what="P(violence) with the action", p=df.p_violence, lo=df.p_low, hi=df.p_high
            ),
            df.assign(
                what="P(onset before arrival)",
                p=df.p_before_arrival,
                lo=df.before_low,
                hi=df.before_high,
            ),
        ]
    )
    colour = alt.Color(
        "what:N",
        scale=alt.Scale(
            domain=["P(violence) with the action", "P(onset before arrival)"],
            range=["#c0392b", "#6a3d9a"],
        ),
        legend=alt.Legend(title=None, orient="top", direction="vertical", labelLimit=300),
    )
    intervals = (
        alt.Chart(long)
        .mark_errorbar(ticks=True)
        .encode(x=x, y=alt.Y("lo:Q", scale=y_scale, title="probability"), y2="hi:Q", color=colour)
    )
    lines = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("p:Q", scale=y_scale),
            color=colour,
            tooltip=[
                "what:N",
                "lag_weeks:Q",
                alt.Tooltip("p:Q", format=".3f"),
                alt.Tooltip("lo:Q", format=".3f"),
                alt.Tooltip("hi:Q", format=".3f"),
            ],
        )
    )
    now = (
        alt.Chart(pd.DataFrame([{"lag_weeks": current_lag}]))
        .mark_rule(color="black", strokeDash=[2, 2])
        .encode(x="lag_weeks:Q")
    )
    title = alt.TitleParams(
        f"{curve.n} paired runs per lag; grey band: no action",
        subtitle="bars: 95 % Wilson intervals; dotted: the lag chosen now",
        fontSize=FONT,
        subtitleFontSize=FONT - 2,
    )
    chart = alt.layer(baseline, intervals, lines, now).properties(
        width=width, height=230, title=title
    )
    return _configured(chart)
