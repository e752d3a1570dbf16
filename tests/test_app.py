"""The teaching app (sim/app) without a browser: controls, the paired twin, the explanation of
a move, the curve, the entry point, and the page's components through Solara's test API."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import ipyvuetify as v
import numpy as np
import pytest
import solara
from solara.components.applayout import AppLayout

from sim.agents import Party
from sim.app import page
from sim.app.curve import lag_curve
from sim.app.explain import explain_party
from sim.app.settings import (
    LABELS,
    MECHANISM_NAMES,
    AppConf,
    Controls,
    ControlsConf,
    control_specs,
    parse_controls,
    start_controls,
)
from sim.app.teaching import TeachingModel
from sim.ensemble import run_ensemble
from sim.errors import SimInputError
from sim.params import INSTRUMENTS
from sim.policy import POLICY_RANGES
from sim.reference import ReferenceModel
from sim.scenario import RECORD_LIMITS
from sim.scenarios_io import load_scenario


# ---------------------------------------------------------------- controls
def test_controls_come_from_the_schema():
    """Every model input's control is the schema's Mesa widget (sim.schema.mesa_model_params):
    the ranges are declared once, so the page cannot drift from the model."""
    from sim.app.settings import SCHEMA_CONTROLS
    from sim.schema import mesa_model_params, to_ident

    specs = control_specs(Controls())
    declared = mesa_model_params(SCHEMA_CONTROLS.values(), steps=20)
    for name, dotted in SCHEMA_CONTROLS.items():
        shown = declared[to_ident(dotted)].items()
        widget = {k: v for k, v in shown if k not in ("label", "value")}
        assert {k: specs[name][k] for k in widget} == widget, name
    assert specs["instrument"]["values"] == list(INSTRUMENTS)
    quality = RECORD_LIMITS["un"]["warning_quality"]
    unity = POLICY_RANGES["unity"]
    for name, allowed in (("warning_quality", quality), ("unity", unity)):
        assert allowed.low <= specs[name]["min"] < specs[name]["max"] <= allowed.high
    assert set(MECHANISM_NAMES) <= set(specs)
    assert all(specs[name]["type"] == "Checkbox" for name in MECHANISM_NAMES)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("lag_weeks", "soon", "decision lag (weeks): got 'soon'; must be an integer in [0, 10000]"),
        ("lag_weeks", "-3", "decision lag (weeks): got -3; must be an integer in [0, 10000]"),
        ("seed", str(2**63), f"seed: got {2**63}; must be an integer in [0, {2**63 - 1}]"),
        ("scenario_name", "../../etc/passwd", "scenario: got '../../etc/passwd'; must be one of"),
        ("instrument", "drones", "instrument: got 'drones'; must be one of none"),
        ("unity", 1.5, "unity of the response: got 1.5; must be in [0.0, 1.0]"),
        ("contagion", "yes", "mechanism contagion: got 'yes'; must be true or false"),
        ("shell", "rm -rf /", "shell: got 'rm -rf /'; is not a control of this page"),
    ],
)
def test_a_bad_control_value_gives_a_message_and_keeps_the_default(name, value, expected):
    defaults = Controls(lag_weeks=3, seed=11)
    good, good_value = ("lag_weeks", 4) if name == "seed" else ("seed", 12)
    controls, errors = parse_controls({name: value, good: str(good_value)}, defaults)
    assert len(errors) == 1 and errors[0].startswith(expected)
    assert getattr(controls, good) == good_value  # the good value still applies
    assert dataclasses.replace(controls, **{good: getattr(defaults, good)}) == defaults


def test_text_fields_take_numbers_typed_as_text():
    controls, errors = parse_controls({"lag_weeks": " 12 ", "seed": "0", "contagion": False})
    assert errors == []
    assert (controls.lag_weeks, controls.seed) == (12, 0)
    assert controls.params["mechanisms.contagion"] is False


# ---------------------------------------------------------------- the model and its twin
def test_parties_sit_on_mesa_network_space():
    model = TeachingModel(scenario_name="default", seed="2")
    for party in model.agents_by_type[Party]:
        on_space = {p.name for p in party.cell.neighborhood.agents}
        assert on_space == {p.name for p in party.neighbours()}
    assert len(model.space.all_cells) == model.conflict_scenario.n_parties


def test_the_twin_is_the_same_run_until_the_action_arrives():
    model = TeachingModel(scenario_name="kenya_2008", instrument="envoy", lag_weeks="6", seed="4")
    # the step that simulates week index arrival_week is the first with the action at work
    while model.running and (model.arrival_week < 0 or model.week < model.arrival_week):
        model.step()
        assert model.same_as_baseline()
        assert model.divergence_week == -1
    assert model.arrival_week >= 0, "this replicate must see a warning within the horizon"
    while model.running and model.divergence_week < 0:
        model.step()
    assert model.divergence_week > model.arrival_week
    assert model.baseline.week == model.week
    assert model.baseline.policy.instrument == "none"


def test_a_bad_value_from_the_page_builds_the_default_model_and_says_why():
    model = TeachingModel(lag_weeks="twelve", seed="-1", defaults=Controls(lag_weeks=5))
    assert model.controls.lag_weeks == 5 and model.policy.lag_weeks == 5
    assert len(model.input_errors) == 2
    model.step()
    assert model.week == 1


def test_reset_by_solara_viz_ignores_mesas_own_scenario_object():
    first = TeachingModel(scenario_name="two_party")
    again = TeachingModel(scenario=first.scenario, scenario_name="guinea_2009")
    assert again.conflict_scenario.name == "guinea_2009"
    assert again.input_errors == []


# ---------------------------------------------------------------- why a party moved
def test_the_explanation_gives_the_chances_the_kernel_drew_against():
    """The reference model keeps each party's last (p_up, p_down); the explanation recomputes
    them from the kernel state. Weeks with a mediation success are skipped: the kernel clears
    the 'settled' flag that raised p_down after using it."""
    scenario = load_scenario("default")
    policy = {"instrument": "envoy", "lag_weeks": 2}
    model = TeachingModel(scenario_name="default", instrument="envoy", lag_weeks="2", seed="5")
    ref = ReferenceModel(scenario, policy, seed=5, replicate=0)
    compared = 0
    for _ in range(60):
        successes = int(model.run.mediation_successes)
        model.step()
        ref.step()
        if int(model.run.mediation_successes) != successes:
            continue
        for i, party in enumerate(ref.parties):
            why = explain_party(model, i, int(model.previous_stage[i]))
            assert why["p_up"] == pytest.approx(party.p_up, abs=1e-12)
            assert why["p_down"] == pytest.approx(party.p_down, abs=1e-12)
            compared += 1
    assert compared > 1000


# ---------------------------------------------------------------- the ensemble curve
def test_the_curve_matches_the_ensemble_and_splits_at_arrival():
    controls = Controls(scenario_name="two_party", instrument="envoy", seed=9)
    lags = (0, 4, 16)
    curve = lag_curve(controls, lags, replicates=120)
    df = run_ensemble(
        "two_party", ["none", {"instrument": "envoy", "lag_weeks": 16}], replicates=120, seed=9
    )
    by_policy = df.groupby("policy")["violence"].mean()
    assert curve.baseline["p"] == pytest.approx(by_policy["none"])
    assert curve.rows[-1]["p_violence"] == pytest.approx(by_policy["envoy@16"])
    # with common random numbers an onset before a later arrival is also before an earlier
    # one's only if it is earlier: the share of onsets before arrival can only grow with the lag
    before = [r["p_before_arrival"] for r in curve.rows]
    assert before == sorted(before) and before[-1] > before[0]
    assert all(r["p_low"] <= r["p_violence"] <= r["p_high"] for r in curve.rows)


def test_the_curve_without_an_action_is_the_baseline():
    curve = lag_curve(Controls(scenario_name="two_party", instrument="none"), (0, 8), 40)
    assert all(r["p_violence"] == curve.baseline["p"] for r in curve.rows)
    assert all(np.isnan(r["p_before_arrival"]) for r in curve.rows)


# ---------------------------------------------------------------- the page's components
def _render_page():
    @solara.component
    def Framed():
        with AppLayout():
            page.Page()

    return solara.render(Framed(), handle_error=False)


def _chart_titles(rc) -> list:
    """The titles of the page's Vega-Lite figures (the network chart's names the week)."""
    return [w.spec.get("title") for w in rc.find(solara.widgets.VegaLite).widgets]


def _button(rc, label: str):
    return rc.find(v.Btn, children=[label]).widget


def _field(rc, label: str):
    return rc.find(v.TextField, label=label).widget


def test_page_steps_and_shows_the_week():
    _, rc = _render_page()
    assert "two_party: week 0" in _chart_titles(rc)
    for _ in range(3):
        _button(rc, "Step").click()
    assert "two_party: week 3" in _chart_titles(rc)


@pytest.mark.parametrize(
    ("control", "typed", "message"),
    [
        ("lag_weeks", "next week", "decision lag (weeks): got 'next week'"),
        ("seed", "99999999999999999999", "seed: got 99999999999999999999"),
    ],
)
def test_page_reset_with_a_bad_value_shows_a_message_and_keeps_working(control, typed, message):
    _, rc = _render_page()
    field = _field(rc, LABELS[control])
    field.v_model = typed
    field.fire_event("focusout")  # Solara's InputText takes the value when the field is left
    _button(rc, "Reset").click()
    alerts = " ".join(str(w.children) for w in rc.find(v.Alert).widgets)
    assert message in alerts
    _button(rc, "Step").click()  # the default model runs
    assert f"{page.CONF.controls.scenario}: week 1" in _chart_titles(rc)


# ---------------------------------------------------------------- docs
@pytest.mark.parametrize("name", ["settings", "teaching", "explain", "curve", "charts"])
def test_docstring_examples_run(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"sim.app.{name}"))
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------- the entry point
def test_entry_point_refuses_a_bad_port_in_one_line():
    out = subprocess.run(
        [sys.executable, "-m", "sim.app", "port=70000"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == ["error: port: got 70000; must be in [1, 65535]"]


def test_app_binds_loopback_by_default():
    assert AppConf().host == "127.0.0.1"


# ---------------------------------------------------------------- docs/teaching.md's settings
def _run_through(**controls) -> TeachingModel:
    model = TeachingModel(**controls)
    while model.running:
        model.step()
    return model


def test_the_guides_settings_still_show_their_point():
    """docs/teaching.md points the class at these replicates; if the model changes so that they
    no longer show the point, the guide needs new settings."""
    envoy = {"scenario_name": "two_party", "instrument": "envoy"}
    # the two runs are one run until the envoy arrives (seed 7, lag 2)
    first = _run_through(**envoy, lag_weeks="2", seed="7")
    assert first.divergence_week == first.arrival_week + 1
    # too late: violence before the late envoy arrives; decided at once, it arrives first
    late = _run_through(**envoy, lag_weeks="26", seed="15")
    early = _run_through(**envoy, lag_weeks="0", seed="15")
    onset = late.baseline.run.onset_week
    assert 0 <= late.warning_week < onset < late.arrival_week
    assert 0 <= early.arrival_week < onset and early.run.onset_week < 0
    # in time, and violence anyway, in the same week as without the envoy (seed 14)
    anyway = _run_through(**envoy, lag_weeks="0", seed="14")
    assert 0 <= anyway.arrival_week < anyway.run.onset_week == anyway.baseline.run.onset_week
    # surprise: violence before the first warning (seed 2)
    surprise = _run_through(**envoy, lag_weeks="0", seed="2")
    assert 0 <= surprise.run.onset_week < surprise.warning_week


def test_a_statement_without_deterrence_by_attention_changes_nothing():
    off = {"mechanisms.attention_deterrence": False}
    df = run_ensemble("two_party", ["none", "statement"], params=off, replicates=100, seed=7)
    none, statement = (g.sort_values("replicate") for _, g in df.groupby("policy"))
    assert (statement["violence"].to_numpy() == none["violence"].to_numpy()).all()
    assert (statement["arrival_week"] >= 0).any()  # the statement was made


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("lag_weeks", -2, "controls.lag_weeks: got -2; must be an integer in [0, 10000]"),
        ("scenario", "/etc/passwd", "controls.scenario: got '/etc/passwd'; must be one of two_"),
        ("mechanisms", {"nonsense": False}, "controls.mechanisms.nonsense: got False; unknown"),
        ("mechanisms", {"contagion": 1}, "controls.mechanisms.contagion: got 1; must be true or"),
    ],
)
def test_conf_controls_are_checked_naming_the_key(key, value, message):
    conf = dataclasses.replace(ControlsConf(), **{key: value})
    with pytest.raises(SimInputError) as e:
        start_controls(conf)
    assert str(e.value).startswith(message)
