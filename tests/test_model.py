"""The Mesa layer: EscalationModel is the ensemble's replicate, agents are views of the arrays."""

from __future__ import annotations

import math
import multiprocessing
from pathlib import Path

import mesa
import numba
import numpy as np
import pandas as pd
import pytest

import sim
from sim import Parameters, Policy, SimInputError, default_scenario, generated_scenario, kernels
from sim import rng as counter_rng
from sim.agents import Mediator, Party, RegionalOrganisation
from sim.ensemble import run_ensemble
from sim.model import MODEL_REPORTERS, PARTY_REPORTERS, EscalationModel
from sim.params import STAGE_NAMES, VIOLENCE, kernel_params
from sim.policy import compile_policy
from sim.reference import ReferenceModel
from sim.scenarios_io import load_scenario
from sim.state import (
    OUTCOME_DTYPE,
    OUTCOME_FIELDS,
    TIMESERIES_DTYPE,
    build_net,
    initial_state,
)

ROOT = Path(__file__).resolve().parents[1]
SEED = 20240611
HORIZON = 104
POLICIES = [
    Policy(),
    Policy("envoy", lag_weeks=4),
    Policy("sanctions", lag_weeks=2, sponsor="regional_org"),
    Policy("statement", lag_weeks=0, withdraw_when_calm=True),
    Policy("peacekeeping", lag_weeks=1, intensity=0.5),
]


@pytest.fixture(scope="module")
def scenario():
    return default_scenario()


def run_model(model: EscalationModel, weeks: int | None = None) -> EscalationModel:
    for _ in range(model.horizon_weeks if weeks is None else weeks):
        model.step()
    return model


def state_arrays(model: EscalationModel) -> dict[str, np.ndarray]:
    """Copies of every array the kernels step, and of the action record, by name."""
    state = model.state
    arrays = {
        f"party.{name}": a.copy() for name, a in zip(state.party._fields, state.party, strict=True)
    }
    arrays["tension"] = state.tension.copy()
    arrays.update({f"run.{name}": np.array(state.run[0][name]) for name in state.run.dtype.names})
    arrays.update(
        {f"action.{name}": np.array(model.action[name]) for name in model.action.dtype.names}
    )
    return arrays


def assert_same_state(a: EscalationModel, b: EscalationModel) -> None:
    sa, sb = state_arrays(a), state_arrays(b)
    for name in sa:
        np.testing.assert_array_equal(sa[name], sb[name], err_msg=name)


# ---------------------------------------------------------------- the core invariant
@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.label)
def test_model_equals_ensemble_replicate(scenario, policy):
    n_rep = 4
    df = run_ensemble(scenario, [policy], replicates=n_rep, seed=SEED, horizon_weeks=HORIZON)
    assert len(df) == n_rep
    for r in range(n_rep):
        model = EscalationModel(
            seed=SEED,
            scenario=scenario,
            policy=policy,
            replicate=r,
            horizon_weeks=HORIZON,
            collect=False,
        )
        run_model(model)
        assert not model.running and model.week == HORIZON
        got = model.outcomes
        row = df[df["replicate"] == r].iloc[0]
        assert list(got) == list(OUTCOME_FIELDS)
        for field in OUTCOME_FIELDS:
            assert got[field] == row[field], (policy.label, r, field, got[field], row[field])
            assert isinstance(got[field], float if field == "cost" else int)


def test_equivalence_other_scenario_and_replicate_offset():
    """A generated network with several organisations; replicate numbers beyond zero; the seed
    Mesa draws when ``seed`` is None."""
    s = generated_scenario(300, "sbm", n_regions=3, seed=4)
    policy = Policy("envoy", lag_weeks=2)
    df = run_ensemble(
        s, ["none", policy], replicates=2, first_replicate=7, seed=99, horizon_weeks=40
    )
    for label, pol in (("none", Policy()), (policy.label, policy)):
        for r in (7, 8):
            m = run_model(
                EscalationModel(
                    seed=99, scenario=s, policy=pol, replicate=r, horizon_weeks=40, collect=False
                )
            )
            row = df[(df.policy == label) & (df.replicate == r)].iloc[0]
            assert m.outcomes == {f: row[f] for f in OUTCOME_FIELDS}

    drawn = run_model(EscalationModel(seed=None, policy="envoy", horizon_weeks=30, collect=False))
    assert isinstance(drawn.seed, int) and 0 <= drawn.seed < 2**63
    row = run_ensemble(None, ["envoy"], replicates=1, seed=drawn.seed, horizon_weeks=30).iloc[0]
    assert drawn.outcomes == {f: row[f] for f in OUTCOME_FIELDS}


def test_datacollector_matches_kernel_timeseries(scenario):
    policy = Policy("envoy", lag_weeks=4)
    model = run_model(EscalationModel(seed=SEED, scenario=scenario, policy=policy, replicate=3))
    # the same replicate through kernels.run_replicate, recording its weekly rows
    params = Parameters()
    series = np.zeros(HORIZON, TIMESERIES_DTYPE)
    out = np.zeros(1, OUTCOME_DTYPE)
    kernels.run_replicate(
        build_net(scenario),
        kernel_params(params)[0],
        compile_policy(policy, scenario, params)[0],
        initial_state(scenario),
        np.uint64(counter_rng.run_key(SEED, 3)),
        0,
        HORIZON,
        out[0],
        series,
    )
    ts = pd.DataFrame(series)

    mv = model.datacollector.get_model_vars_dataframe()
    assert list(mv.columns) == list(MODEL_REPORTERS)
    assert mv.shape == (HORIZON + 1, len(MODEL_REPORTERS))
    assert mv["week"].tolist() == list(range(HORIZON + 1))
    after = mv.iloc[1:].reset_index(drop=True)  # row n: state after n weeks = kernel row n - 1
    np.testing.assert_array_equal(after["week"], ts["week"] + 1)
    for name in (
        "n_stable",
        "n_dispute",
        "n_crisis",
        "n_violence",
        "n_war",
        "n_warned",
        "n_flagged",
    ):
        np.testing.assert_array_equal(after[name], ts[name], err_msg=name)
    np.testing.assert_array_equal(after["mean_tension"], ts["mean_tension"])
    np.testing.assert_array_equal(after["cost"], ts["cost"])
    np.testing.assert_array_equal(after["action_active"].astype(int), ts["action_active"])
    np.testing.assert_array_equal(after["n_violent"], ts["n_violence"] + ts["n_war"])
    # "violence so far" turns on at the onset week and stays on
    onset = model.outcomes["onset_week"]
    expected = [onset >= 0 and w >= onset + 1 for w in range(HORIZON + 1)]
    assert mv["violence"].tolist() == expected
    # the initial row is the initial state
    counts0 = np.bincount(scenario.stage, minlength=5)
    assert mv.iloc[0][[f"n_{s}" for s in STAGE_NAMES]].tolist() == counts0.tolist()
    assert mv.iloc[0]["cost"] == 0.0
    # the last row and the final outcomes agree with the arrays
    last = mv.iloc[-1]
    assert last["cost"] == model.outcomes["cost"] == out[0]["cost"]
    assert last["n_violent"] == model.outcomes["violent_at_end"]

    av = model.datacollector.get_agenttype_vars_dataframe(Party)
    assert list(av.columns) == list(PARTY_REPORTERS)
    assert av.shape == ((HORIZON + 1) * scenario.n_parties, len(PARTY_REPORTERS))
    final = av.xs(float(HORIZON), level="Step").sort_index()
    ids = [p.unique_id for p in model.parties]
    np.testing.assert_array_equal(final.loc[ids, "stage"], model.state.party.stage)
    np.testing.assert_array_equal(final.loc[ids, "grievance"], model.state.party.grievance)
    first = av.xs(0.0, level="Step").loc[ids]
    np.testing.assert_array_equal(first["grievance"], scenario.grievance)


# ---------------------------------------------------------------- agents are views of arrays
def test_agent_reads_are_the_arrays(scenario):
    m = run_model(EscalationModel(seed=5, scenario=scenario, policy="envoy"), 40)
    parties = m.agents_by_type[Party]
    assert len(parties) == scenario.n_parties
    assert len(m.agents_by_type[Mediator]) == scenario.n_mediators
    assert len(m.agents_by_type[RegionalOrganisation]) == scenario.n_organisations
    for p in m.parties:
        i = p.index
        assert p.unique_id == i + 1
        assert p.name == scenario.party_name(i)
        assert p.grievance == m.state.party.grievance[i]
        assert p.stage == m.state.party.stage[i]
        assert p.stage_name == STAGE_NAMES[p.stage]
        assert p.in_violence == (p.stage >= VIOLENCE)
        assert p.will_to_settle == scenario.will_to_settle[i]
        assert p.organisation is m.organisations[0]
        assert isinstance(p.flagged, bool) and isinstance(p.history, bool)
    gov = m.party("north_gov")
    assert gov.kind == "government"
    rel = gov.relations()
    assert {r.other.name for r in rel} == {n.name for n in gov.neighbours()}
    assert {r.other.name for r in rel if r.kind == "rivalry"} == {
        n.name for n in gov.neighbours("rivalry")
    }
    for r in rel:
        assert r.tension == m.state.tension[r.relation]
        assert {int(scenario.src[r.relation]), int(scenario.dst[r.relation])} == {
            gov.index,
            r.other.index,
        }
    org = m.organisations[0]
    assert len(org.members) == scenario.n_parties
    assert org.warning_threshold == scenario.organisation_warning_threshold[0]
    assert [x.deployed for x in m.mediators] == [True, False, False]
    assert m.mediators[2].sponsor == "regional_org"


def test_agentset_select(scenario):
    m = EscalationModel(seed=SEED, scenario=scenario, replicate=3)
    while m.running and m.n_violent == 0:
        m.step()
    m.party("west_armed1").stage = "war"  # at least these two whatever the calibration
    m.party("east_comm0").stage = 3
    hot = m.agents_by_type[Party].select(lambda p: p.stage >= 3)
    assert len(hot) >= 2
    expected = set(np.flatnonzero(m.state.party.stage >= 3).tolist())
    assert {p.index for p in hot} == expected
    assert len(hot) == m.n_violent == int(m.stage_counts[3:].sum())
    assert sum(1 for _ in m.agents_by_type[Party].select(lambda p: p.stage == 0)) == m.n_stable


def test_write_grievance_through_agent_equals_writing_the_array(scenario):
    kw = dict(seed=SEED, scenario=scenario, policy="envoy", replicate=2, collect=False)
    via_agent, via_array, untouched = (EscalationModel(**kw) for _ in range(3))
    for m in (via_agent, via_array, untouched):
        run_model(m, 10)
    i = scenario.party_index("south_comm2")
    via_agent.party(i).grievance = 0.95
    assert via_agent.state.party.grievance[i] == 0.95
    via_array.state.party.grievance[i] = 0.95
    assert_same_state(via_agent, via_array)
    for m in (via_agent, via_array, untouched):
        m.step()
    # the next step used the new grievance ...
    assert via_agent.state.party.grievance[i] != untouched.state.party.grievance[i]
    rivals = [
        e
        for e in range(scenario.n_relations)
        if scenario.relation_kind[e] == 0 and i in (scenario.src[e], scenario.dst[e])
    ]
    assert any(via_agent.state.tension[e] != untouched.state.tension[e] for e in rivals)
    # ... exactly as writing the array did, to the end of the run
    run_model(via_agent, 60)
    run_model(via_array, 60)
    assert_same_state(via_agent, via_array)
    assert via_agent.outcomes == via_array.outcomes


def test_other_writes_go_through(scenario):
    kw = dict(seed=3, scenario=scenario, policy="envoy", collect=False)
    a, b = EscalationModel(**kw), EscalationModel(**kw)
    p = a.party("north_armed0")
    p.stage = "violence"
    b.state.party.stage[p.index] = VIOLENCE
    assert p.stage == 3 and a.n_violence == b.n_violence == 1 + int((scenario.stage == 3).sum())
    p.will_to_settle = 0.9
    assert a.net.will_to_settle[p.index] == 0.9
    assert scenario.will_to_settle[p.index] != 0.9  # the scenario is never written
    b.net.will_to_settle[p.index] = 0.9
    a.mediators[0].credibility = 0.5
    b.mediator_credibility[0] = 0.5
    b.action["mediator_credibility"] = 0.5
    a.mediators[1].credibility = 0.1  # not deployed: the action is unchanged
    b.mediator_credibility[1] = 0.1
    a.organisations[0].warning_threshold = 0.45
    b.net.org_warning_threshold[0] = 0.45
    assert_same_state(a, b)
    run_model(a, 50)
    run_model(b, 50)
    assert_same_state(a, b)
    assert a.outcomes == b.outcomes
    assert default_scenario().organisation_warning_threshold[0] == 0.6


# ---------------------------------------------------------------- Mesa's batch runner
def test_batch_run_grid():
    start_method = multiprocessing.get_start_method(allow_none=True)
    try:
        results = mesa.batch_run(
            EscalationModel,
            parameters={"policy": ["none", "envoy"], "horizon_weeks": 12},
            rng=[1, 2, 3],
            max_steps=50,
            number_processes=1,
            display_progress=False,
        )
    finally:  # batch_run forces the "spawn" start method for the whole process
        multiprocessing.set_start_method(start_method, force=True)
    df = pd.DataFrame(results)
    n_parties = default_scenario().n_parties
    assert len(df) == 3 * 2 * n_parties  # one row per party per run (final step)
    assert df["RunId"].nunique() == 6
    assert set(df["Step"]) == {12.0}
    assert set(df["week"]) == {12}
    assert {"stage", "grievance", "attention", *MODEL_REPORTERS} <= set(df.columns)
    for (seed, policy), runs in df.groupby(["iteration", "policy"]):
        direct = run_model(EscalationModel(seed=[1, 2, 3][seed], policy=policy, horizon_weeks=12))
        assert runs["cost"].iloc[0] == direct.cost
        assert runs["n_violent"].iloc[0] == direct.n_violent
        assert sorted(runs["stage"]) == sorted(direct.state.party.stage.tolist())


# ---------------------------------------------------------------- determinism
def test_same_seed_same_ensemble(scenario):
    policies = ["none", Policy("envoy", lag_weeks=4)]
    a = run_ensemble(scenario, policies, replicates=300, seed=8)
    b = run_ensemble(scenario, policies, replicates=300, seed=8)
    pd.testing.assert_frame_equal(a, b)
    c = run_ensemble(scenario, policies, replicates=300, seed=9)
    assert not a[list(OUTCOME_FIELDS)].equals(c[list(OUTCOME_FIELDS)])


def test_thread_count_does_not_change_results(scenario):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip(f"numba reports {numba.config.NUMBA_NUM_THREADS} thread; need 2")
    policies = ["none", Policy("envoy", lag_weeks=4), Policy("sanctions", lag_weeks=1)]
    one = run_ensemble(scenario, policies, replicates=400, seed=12, threads=1)
    two = run_ensemble(scenario, policies, replicates=400, seed=12, threads=2)
    pd.testing.assert_frame_equal(one, two)


def test_run_key_matches_python_twin():
    for seed, rep in ((0, 0), (SEED, 3), (2**63 - 1, 2**40)):
        assert int(counter_rng.run_key(seed, rep)) == counter_rng.run_key_py(seed, rep)


# ---------------------------------------------------------------- bad inputs
def raises_field(field: str):
    return pytest.raises(SimInputError, match=rf"^{field.replace('.', r'\.')}: got ")


def test_bad_inputs_name_the_field(scenario):
    with raises_field("policy.instrument") as exc:
        Policy("sanction")
    assert exc.value.field == "policy.instrument" and "sanctions" in exc.value.allowed
    with raises_field("policy.lag_weeks"):
        Policy("envoy", lag_weeks=-1)
    with raises_field("party") as exc:
        scenario.party_index(999)
    assert "[0, 27]" in str(exc.value)
    with raises_field("model.tension_drift") as exc:
        Parameters(tension_drift=float("nan"))
    assert math.isnan(exc.value.value)
    with raises_field("model.escalation_rate") as exc:
        Parameters(escalation_rate=1.5)
    assert "[0.0, 1.0]" in str(exc.value)

    m = EscalationModel(seed=1, scenario=scenario, collect=False)
    p = m.parties[0]
    with raises_field("north_gov.stage") as exc:
        p.stage = 7
    assert exc.value.value == 7 and "[0, 4]" in str(exc.value)
    with raises_field("north_gov.stage"):
        p.stage = "riot"
    with raises_field("north_gov.stage"):
        p.stage = 2.5
    with raises_field("north_gov.grievance") as exc:
        p.grievance = 1.5
    assert "[0.0, 1.0]" in str(exc.value)
    with raises_field("north_gov.grievance"):
        p.grievance = float("nan")
    with raises_field("north_gov.attention"):
        p.attention = -0.1
    with raises_field("north_gov.history"):
        p.history = 2
    with raises_field("un_envoy.capacity"):
        m.mediators[0].capacity = 0
    with raises_field("regional_org.warning_quality"):
        m.organisations[0].warning_quality = "high"
    with raises_field("kind"):
        p.neighbours("enemy")
    with pytest.raises(AttributeError):
        p.kind = "community"
    assert p.stage == 0 and p.grievance == scenario.grievance[0]  # nothing was written
    with raises_field("party"):
        m.party(999)

    with raises_field("horizon_weeks"):
        EscalationModel(seed=1, horizon_weeks=0)
    with raises_field("replicate"):
        EscalationModel(seed=1, replicate=-1)
    with raises_field("policy.instrument"):
        EscalationModel(seed=1, policy="sanction")
    with raises_field("model.tension_drift"):
        EscalationModel(seed=1, params={"tension_drift": float("nan")})
    with raises_field("model.tension_drfit"):
        EscalationModel(seed=1, params={"tension_drfit": 0.1})
    with raises_field("scenario"):
        EscalationModel(seed=1, scenario=42)
    with raises_field("scenario"):
        EscalationModel(seed=1, scenario="no_such_scenario")


def test_scenario_by_name_and_params_dict():
    m = EscalationModel(seed=2, scenario="default", params={"tension_decay": 0.05}, collect=False)
    assert m.conflict_scenario.name == "default"
    assert m.params.tension_decay == 0.05
    assert m.scenario is not m.conflict_scenario  # Mesa's own scenario object is left alone
    assert m.seed == 2


# ---------------------------------------------------------------- seed and Mesa's rng
def test_rng_is_mesas_alias_of_seed(scenario):
    kw = dict(scenario=scenario, policy="envoy", replicate=1, horizon_weeks=40, collect=False)
    by_rng = run_model(EscalationModel(rng=SEED, **kw))
    by_seed = run_model(EscalationModel(seed=SEED, **kw))
    assert by_rng.seed == by_seed.seed == SEED
    assert_same_state(by_rng, by_seed)
    assert by_rng.outcomes == by_seed.outcomes
    assert EscalationModel(seed=4, rng=4, collect=False).seed == 4  # the same value twice


def test_seed_and_a_different_rng_is_an_error():
    with raises_field("rng") as exc:
        EscalationModel(seed=1, rng=2)
    assert exc.value.field == "rng" and exc.value.value == 2


# ---------------------------------------------------------------- one API vocabulary
#: The same parameters three ways: Parameters, dotted overrides, nested overrides.
ENVOY_DEPLOY_3 = {"instruments.envoy.deploy_weeks": 3}
PARAMS_FORMS = {
    "Parameters": Parameters().replace(ENVOY_DEPLOY_3),
    "dotted": ENVOY_DEPLOY_3,
    "nested": {"instruments": {"envoy": {"deploy_weeks": 3}}},
}


def scenario_forms() -> dict:
    """The two_party scenario four ways: name, Scenario, relative path string, Path."""
    return {
        "name": "two_party",
        "Scenario": load_scenario("two_party"),
        "path": "scenarios/two_party.yaml",
        "Path": ROOT / "scenarios" / "two_party.yaml",
    }


def test_run_ensemble_models_and_reference_take_the_same_scenario_and_params(monkeypatch):
    """run_ensemble, EscalationModel and ReferenceModel accept a scenario name, a Scenario and a
    file path, and params as Parameters or a mapping of (dotted or nested) overrides; every
    combination is the same run."""
    monkeypatch.chdir(ROOT)  # "scenarios/two_party.yaml" is relative to the working directory
    policy = Policy("envoy", lag_weeks=1)
    n_rep, horizon, seed = 3, 60, 5
    expected = None
    for s_name, scenario in scenario_forms().items():
        for p_name, params in PARAMS_FORMS.items():
            where = f"scenario as {s_name}, params as {p_name}"
            df = run_ensemble(
                scenario,
                [policy],
                replicates=n_rep,
                horizon_weeks=horizon,
                seed=seed,
                params=params,
            )
            if expected is None:
                expected = df
            pd.testing.assert_frame_equal(df, expected, obj=where)
            for r in range(n_rep):
                row = df[df["replicate"] == r].iloc[0]
                model = run_model(
                    EscalationModel(
                        scenario,
                        policy,
                        params=params,
                        seed=seed,
                        replicate=r,
                        horizon_weeks=horizon,
                        collect=False,
                    )
                )
                assert model.conflict_scenario.name == "two_party", where
                assert model.params.instruments.envoy.deploy_weeks == 3, where
                assert model.outcomes == {f: row[f] for f in OUTCOME_FIELDS}, (where, r)
                ref = ReferenceModel(scenario, policy, params=params, seed=seed, replicate=r)
                assert ref.scenario.name == "two_party", where
                assert ref.params.instruments.envoy.deploy_weeks == 3, where
                ref_out = ref.run(horizon)
                for f in OUTCOME_FIELDS:
                    if f == "cost":
                        assert ref_out[f] == pytest.approx(row[f], rel=1e-12, abs=1e-12), where
                    else:
                        assert ref_out[f] == row[f], (where, r, f)


@pytest.mark.parametrize("scenario_name", ["two_party", "default"])
def test_dotted_override_is_seen_by_ensemble_and_model(scenario_name):
    """Replicate r of run_ensemble with ``{"instruments.envoy.deploy_weeks": 3}`` is
    EscalationModel(seed=s, replicate=r) with the same override, stepped to the horizon; both
    deploy the envoy two weeks later than with the default (1 week)."""
    lag, n_rep, horizon, seed = 2, 8, HORIZON, 31
    policy = Policy("envoy", lag_weeks=lag)
    kw = dict(replicates=n_rep, horizon_weeks=horizon, seed=seed)
    df = run_ensemble(scenario_name, [policy], params=ENVOY_DEPLOY_3, **kw)
    default = run_ensemble(scenario_name, [policy], **kw)
    arrived = 0
    for r in range(n_rep):
        row = df[df["replicate"] == r].iloc[0]
        model = EscalationModel(
            scenario_name,
            policy,
            params=ENVOY_DEPLOY_3,
            seed=seed,
            replicate=r,
            horizon_weeks=horizon,
            collect=False,
        )
        assert model.action["arrival_offset"] == lag + 3
        run_model(model)
        assert model.outcomes == {f: row[f] for f in OUTCOME_FIELDS}, r
        # the first warning comes before any action: the same with either deployment delay
        before = default[default["replicate"] == r].iloc[0]
        assert row["warning_week"] == before["warning_week"]
        if row["arrival_week"] >= 0:
            arrived += 1
            assert row["arrival_week"] == row["warning_week"] + 1 + lag + 3
            assert before["arrival_week"] == before["warning_week"] + 1 + lag + 1
    assert arrived > 0  # the override was exercised


def test_dir_sim_is_its_public_api():
    assert dir(sim) == sorted(sim.__all__)
    assert len(set(sim.__all__)) == len(sim.__all__)
    for name in sim.__all__:
        assert getattr(sim, name) is not None, name
    namespace: dict = {}
    exec("from sim import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(sim.__all__)


# ---------------------------------------------------------------- bad params mappings
BAD_PARAMS = [  # (overrides, field named by the error)
    ({"tension_drfit": 0.1}, "model.tension_drfit"),
    ({"tension_drift": float("nan")}, "model.tension_drift"),
    ({"calm_stage": 1.5}, "model.calm_stage"),
    ({"tension_decay.rate": 0.1}, "model.tension_decay.rate"),
    ({"instruments.envoy.deploy_weeks": -1}, "model.instruments.envoy.deploy_weeks"),
    ({"instruments.envoy.deploy_weeks": 2.5}, "model.instruments.envoy.deploy_weeks"),
    ({"instruments": {"envoy": {"deploy_weeks": 2.5}}}, "model.instruments.envoy.deploy_weeks"),
    ({"instruments.envoy.deploy_wekes": 1}, "model.instruments.envoy.deploy_wekes"),
    ({"instruments.envoi.deploy_weeks": 1}, "model.instruments.envoi"),
    ({"instruments.envoy.mediation": 1}, "model.instruments.envoy.mediation"),
    ({"instruments.envoy": 3}, "model.instruments.envoy"),
    ({"stage_effect.envoy.war": 3.0}, "model.stage_effect.envoy.war"),
]
ENTRY_POINTS = {
    "run_ensemble": lambda params: run_ensemble("two_party", replicates=2, params=params),
    "EscalationModel": lambda params: EscalationModel("two_party", seed=1, params=params),
    "ReferenceModel": lambda params: ReferenceModel("two_party", params=params),
    "Parameters.replace": lambda params: Parameters().replace(params),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(("overrides", "field"), BAD_PARAMS, ids=[f for _, f in BAD_PARAMS])
def test_bad_params_mapping_names_the_dotted_field(entry, overrides, field):
    with raises_field(field) as exc:
        ENTRY_POINTS[entry](overrides)
    assert exc.value.field == field


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_params_neither_parameters_nor_mapping(entry):
    with raises_field("params"):
        ENTRY_POINTS[entry]([("tension_decay", 0.05)])


def test_docstring_examples():
    import doctest

    import sim.agents
    import sim.model

    for module in (sim.agents, sim.model):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_array_collector_gives_mesas_frames(scenario):
    """The model's collector (sim.collector) stores what Mesa's DataCollector stores on the same
    reporters, value for value and type for type, including after an agent is written."""
    from mesa.datacollection import DataCollector

    model = EscalationModel(seed=SEED, scenario=scenario, policy="envoy", horizon_weeks=30)
    mesa_collector = DataCollector(
        model_reporters={name: name for name in MODEL_REPORTERS},
        agenttype_reporters={Party: {name: name for name in PARTY_REPORTERS}},
    )
    mesa_collector.collect(model)
    while model.running:
        if model.week == 10:
            model.parties[0].grievance = 0.95  # a write between steps is collected as is
        model.step()
        mesa_collector.collect(model)
        values = model.reporter_values(MODEL_REPORTERS)
        assert values == {name: getattr(model, name) for name in MODEL_REPORTERS}
    ours, theirs = model.datacollector, mesa_collector
    pd.testing.assert_frame_equal(
        ours.get_model_vars_dataframe(), theirs.get_model_vars_dataframe()
    )
    pd.testing.assert_frame_equal(
        ours.get_agenttype_vars_dataframe(Party), theirs.get_agenttype_vars_dataframe(Party)
    )
    frame = ours.get_model_vars_dataframe()  # the comparison covered changing values
    assert frame["mean_tension"].nunique() > 1 and frame["action_active"].any()
