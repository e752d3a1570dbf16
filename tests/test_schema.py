"""The one parameter schema (sim/schema.py) and the faces generated from it."""

from __future__ import annotations

import dataclasses

import pytest

from sim import schema
from sim.errors import SimInputError
from sim.params import Parameters, iter_fields
from sim.policy import POLICY_RANGES


def test_every_model_leaf_is_declared_once_with_its_metadata():
    decls = {d.name: d for d in schema.declarations("model")}
    leaves = {name: (f, value) for name, f, value in iter_fields(Parameters())}
    assert set(decls) == set(leaves)
    for name, (f, value) in leaves.items():
        d = decls[name]
        assert d.default == value and d.meaning == f.metadata["meaning"]
        if d.kind != "bool":
            assert d.allowed == tuple(f.metadata["range"])


def test_names_are_unique_and_identifiers_round_trip():
    decls = schema.declarations()
    assert len({d.ident for d in decls}) == len(decls)
    for d in decls:
        assert d.ident.isidentifier(), d.name
        assert schema.to_dotted(d.ident) == d.name
        assert schema.declaration(d.ident) == schema.declaration(d.name) == d


def test_plausible_ranges_lie_inside_the_allowed_ones():
    for d in schema.declarations():
        if d.plausible is None or d.kind == "choice":
            continue
        assert d.allowed[0] <= d.plausible[0] < d.plausible[1] <= d.allowed[1], d.name


def test_policy_levers_take_their_limits_from_the_policy():
    lag = schema.declaration("policy.lag_weeks")
    assert (lag.kind, lag.allowed) == ("int", tuple(POLICY_RANGES["lag_weeks"][:2]))


def test_sampled_set_has_scalars_multipliers_and_scenario_inputs_but_no_switch():
    names = {d.name for d in schema.sampled()}
    scalars = {f.name for f in dataclasses.fields(Parameters) if "range" in f.metadata}
    assert scalars <= names
    assert "multiplier.instruments.envoy" in names and "scenario.un_unity" in names
    assert not any(n.startswith(("mechanisms.", "policy.", "instruments.")) for n in names)


def test_resolve_applies_model_multiplier_scenario_and_policy_values():
    params, changes, policy = schema.resolve(
        {
            "tension_decay": 0.05,
            "multiplier__instruments__sanctions": 2.0,
            "multiplier.stage_effect.envoy": 0.5,
            "scenario__un_warning_quality": 0.3,
            "policy__instrument": "sanctions",
            "policy__lag_weeks": 3,
        }
    )
    base = Parameters()
    assert params.tension_decay == 0.05
    sanctions = params.instruments.sanctions
    assert sanctions.leverage == pytest.approx(2 * base.instruments.sanctions.leverage)
    assert params.instruments.sanctions.deploy_weeks == base.instruments.sanctions.deploy_weeks
    assert params.stage_effect.envoy.war == pytest.approx(0.5 * base.stage_effect.envoy.war)
    assert changes == {"un_warning_quality": 0.3}
    assert policy.label == "sanctions@3"


def test_multipliers_clip_to_the_allowed_range():
    params, _, _ = schema.resolve({"multiplier.stage_effect.sanctions": 10.0})
    assert params.stage_effect.sanctions.violence == 2.0  # 1.0 x 10, allowed at most 2


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"tension_decy": 0.1}, "parameter: got 'tension_decy'; unknown"),
        ({"tension_decay": 2.0}, "model.tension_decay: got 2.0; must be in [0.0, 1.0]"),
        ({"scenario.un_unity": 1.5}, "scenario.un_unity: got 1.5; must be in [0.0, 1.0]"),
        ({"policy.instrument": "drone"}, "policy.instrument: got 'drone'; must be one of"),
    ],
)
def test_bad_values_are_one_line_errors_naming_the_parameter(values, message):
    with pytest.raises(SimInputError) as e:
        schema.resolve(values)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_mesa_model_params_in_solaraviz_format():
    params = schema.mesa_model_params(
        ["tension_decay", "policy.lag_weeks", "policy.instrument", "mechanisms.contagion"]
    )
    assert list(params) == ["tension_decay", "policy__lag_weeks", "policy__instrument",
                            "mechanisms__contagion"]  # fmt: skip
    decay = params["tension_decay"]
    assert decay["type"] == "SliderFloat" and decay["min"] <= decay["value"] <= decay["max"]
    assert params["policy__lag_weeks"] == {
        "type": "SliderInt", "value": 0, "label": "lag weeks (weeks)", "min": 0, "max": 52,
        "step": 1,
    }  # fmt: skip
    assert params["policy__instrument"]["type"] == "Select"
    assert "envoy" in params["policy__instrument"]["values"]
    assert params["mechanisms__contagion"] == {
        "type": "Checkbox", "value": True, "label": "mechanisms.contagion (on/off)"
    }  # fmt: skip
    # every slider's keys feed resolve() as they are
    values = {k: v["value"] for k, v in params.items()}
    assert schema.resolve(values)[0] == Parameters()


def test_a_slider_without_default_starts_at_the_low_end():
    slider = schema.mesa_model_params(["policy.duration_weeks"])["policy__duration_weeks"]
    assert (slider["type"], slider["value"], slider["min"], slider["max"]) == (
        "SliderInt",
        4,
        4,
        156,
    )


def test_mesa_model_params_take_a_scenarios_own_values():
    from sim.scenarios_io import load_scenario

    kenya = load_scenario("kenya_2008")
    unity = schema.mesa_model_params(["scenario.un_unity"], scenario=kenya)["scenario__un_unity"]
    assert unity["value"] == kenya.un_unity


def test_batch_parameters_checks_every_value_before_running():
    grid = schema.batch_parameters({"tension_decay": [0.03, 0.05]}, horizon_weeks=8)
    assert grid == {"tension_decay": [0.03, 0.05], "horizon_weeks": 8}
    with pytest.raises(SimInputError, match="model.tension_decay: got 3.0"):
        schema.batch_parameters({"tension_decay": [0.03, 3.0]})
    with pytest.raises(SimInputError, match="at least one value"):
        schema.batch_parameters({"tension_decay": []})


def test_hydra_model_and_policy_schemas_hold_the_same_declarations():
    from omegaconf import OmegaConf

    from sim.config import editable_schema
    from sim.policy import Policy

    model = OmegaConf.to_container(editable_schema(Parameters))
    flat = {}
    stack = [("", model)]
    while stack:
        prefix, node = stack.pop()
        for key, value in node.items():
            if isinstance(value, dict):
                stack.append((f"{prefix}{key}.", value))
            else:
                flat[f"{prefix}{key}"] = value
    assert flat == {d.name: d.default for d in schema.declarations("model")}
    policy = OmegaConf.to_container(editable_schema(Policy))
    for d in schema.declarations("policy"):
        assert policy[d.name.split(".", 1)[1]] == d.default
