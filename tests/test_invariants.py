"""Properties that hold for any valid parameters, scenario and policy (hypothesis).

* Stepping keeps every fraction in [0, 1], stages in 0..4 moving at most one per week, and the
  per-party and run-level counters consistent with each other (kernels and reference alike).
* Transition probabilities stay in [0, 1] (``sim.reference.transition_probabilities``).
* The kernels and the reference agree for random inputs, not only for the defaults.
* The counter-based random numbers: numba twins equal the plain-Python ones, uniforms lie in
  [0, 1), normals within ``rng.NORMAL_BOUND``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from numba import njit

from sim import kernels, rng
from sim.errors import SimInputError
from sim.networks import TOPOLOGIES, generated_scenario
from sim.params import (
    INSTRUMENTS,
    N_STAGES,
    RIVALRY,
    STABLE,
    VIOLENCE,
    WAR,
    Mechanisms,
    Parameters,
    kernel_params,
)
from sim.policy import Policy, compile_policy
from sim.reference import Record, ReferenceModel, sigmoid, transition_probabilities
from sim.scenarios_io import default_scenario
from sim.state import Parties, State, build_net, initial_state

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
U64 = st.integers(0, 2**64 - 1)
unit = st.floats(0.0, 1.0, allow_nan=False)

# ---------------------------------------------------------------- strategies
#: fields of Parameters that are not fractions (everything else is drawn in [0, 1])
_NOT_UNIT = {
    "hazard_slope": st.one_of(st.floats(0.0, 30.0), st.floats(0.0, 100.0)),
    "weight_tension": st.floats(0.0, 2.0),
    "weight_grievance": st.floats(0.0, 2.0),
    "weight_contagion": st.floats(0.0, 2.0),
    "weight_history": st.floats(0.0, 2.0),
    "weight_capability": st.floats(0.0, 2.0),
    "weight_will": st.floats(0.0, 2.0),
    "attention_deterrence": st.floats(0.0, 2.0),
    "observation_noise": st.floats(0.0, 2.0),
    "warning_persistence_weeks": st.integers(1, 4),
    "calm_stage": st.integers(0, 2),
    # the three weekly transition rates must sum to at most 1
    "escalation_rate": st.floats(0.0, 0.6),
    "deescalation_rate": st.floats(0.0, 0.3),
    "settle_bonus": st.floats(0.0, 0.1),
}
_THRESHOLDS = ("threshold_dispute", "threshold_crisis", "threshold_violence", "threshold_war")


def _declared(f: dataclasses.Field):
    """A strategy over a parameter's declared range (wide ranges capped at 5 or 60 weeks)."""
    low, high = f.metadata["range"]
    if f.type in (int, "int"):
        return st.integers(int(low), int(min(high, 60)))
    return st.floats(float(low), float(min(high, 5.0)))


@st.composite
def parameters(draw) -> Parameters:
    values = {}
    for f in dataclasses.fields(Parameters):
        # the scalar parameters, drawn over their declared range; the instrument and
        # stage-effect tables keep their defaults; every mechanism switch is drawn
        if f.name in _THRESHOLDS or "range" not in f.metadata:
            continue
        values[f.name] = draw(_NOT_UNIT.get(f.name, _declared(f)))
    thresholds = sorted(draw(st.lists(unit, min_size=4, max_size=4, unique=True)))
    values.update(zip(_THRESHOLDS, thresholds, strict=True))
    switches = {f.name: draw(st.booleans()) for f in dataclasses.fields(Mechanisms)}
    try:
        return Parameters(**values, mechanisms=Mechanisms(**switches))
    except SimInputError:
        assume(False)


@st.composite
def scenarios(draw):
    n = draw(st.integers(6, 40))
    seed = draw(st.integers(0, 2**32))
    try:
        s = generated_scenario(
            n,
            draw(st.sampled_from(TOPOLOGIES)),
            mean_degree=draw(st.floats(1.0, min(6.0, n - 1.0))),
            n_regions=draw(st.integers(1, min(4, n // 2))),
            rivalry_share=draw(unit),
            seed=seed,
        )
    except SimInputError:
        assume(False)
    if draw(st.booleans()):
        # parties starting above stable with some attention, without a regional organisation,
        # and a scheduled event
        local = np.random.default_rng(seed)
        organisation = s.organisation.copy()
        organisation[local.random(n) < 0.3] = -1
        hit = local.integers(0, n, draw(st.integers(1, n)))
        s = s.replace(
            stage=local.integers(0, WAR + 1, n),
            attention=local.uniform(0.0, 1.0, n),
            organisation=organisation,
            event_week=np.array([draw(st.integers(0, 15))]),
            event_kind=np.zeros(1, np.int64),
            event_tension_shock=np.array([draw(st.floats(-1.0, 1.0))]),
            event_grievance_shock=np.array([draw(st.floats(-1.0, 1.0))]),
            event_party_ptr=np.array([0, hit.shape[0]]),
            event_parties=hit,
        )
    return s


@st.composite
def policies(draw, scenario) -> Policy:
    return Policy(
        draw(st.sampled_from(INSTRUMENTS)),
        lag_weeks=draw(st.integers(0, 5)),
        intensity=draw(st.floats(0.01, 3.0)),
        duration_weeks=draw(st.one_of(st.none(), st.integers(1, 20))),
        sponsor=draw(st.sampled_from(("un",) + scenario.organisation_names)),
        withdraw_when_calm=draw(st.booleans()),
        unity=draw(st.one_of(st.none(), unit)),
    )


@st.composite
def runs(draw):
    """(scenario, policy, params, seed, replicate, n_weeks)"""
    scenario = draw(scenarios())
    return (
        scenario,
        draw(policies(scenario)),
        draw(parameters()),
        draw(st.integers(0, 2**63 - 1)),
        draw(st.integers(0, 2**40)),
        draw(st.integers(5, 30)),
    )


# ---------------------------------------------------------------- invariants of a week
def copy_of(state: State) -> State:
    """A deep copy of a :class:`State` (every array copied)."""
    party = Parties(*(a.copy() for a in state.party))
    return State(party, state.tension.copy(), state.run.copy())


def check_week(prev: State, cur: State, t, scenario, params, action) -> None:
    """Invariants between the state before week ``t`` (``prev``) and after it (``cur``)."""
    party, tension, run = cur.party, cur.tension, cur.run[0]
    party0, run0 = prev.party, prev.run[0]
    n = scenario.n_parties
    for name in ("grievance", "capability", "attention", "max_tension", "kin_violence"):
        a = getattr(party, name)
        assert np.all((a >= 0.0) & (a <= 1.0)), name
    assert not party.settled.any()
    assert np.all((tension >= 0.0) & (tension <= 1.0))
    assert np.all(tension[scenario.relation_kind != RIVALRY] == 0.0)
    assert 0.0 <= run["mean_tension"] <= 1.0

    stage, stage0 = party.stage, party0.stage
    assert np.all((stage >= STABLE) & (stage <= WAR))
    assert np.all(np.abs(stage - stage0) <= 1)
    weeks = run["weeks"]
    assert weeks == t + 1
    violent = stage >= VIOLENCE
    vw = party.violent_weeks
    assert np.all(vw - party0.violent_weeks == violent)
    assert np.all((vw >= 0) & (vw <= weeks))

    onset = party.onset_week
    entered = (stage0 < VIOLENCE) & violent
    assert np.all(onset <= t)
    assert np.all(np.where(party0.onset_week >= 0, onset == party0.onset_week, True))
    assert np.all(np.where(party0.onset_week < 0, (onset == t) == entered, True))
    assert np.all(party.history >= party0.history)
    assert np.all(party.history[entered])

    flagged = party.flagged
    assert flagged.dtype == np.bool_  # a flag: true or false
    assert np.all(flagged >= party0.flagged)  # a latch
    warn = party.warn_week
    assert np.all((warn >= 0) == flagged)
    assert np.all(np.where(party0.flagged, warn == party0.warn_week, True))
    assert np.all(np.where(~party0.flagged & flagged, warn == t, True))
    for name in ("un_streak", "regional_streak"):
        streak, streak0 = getattr(party, name), getattr(party0, name)
        assert np.all((streak == 0) | (streak == streak0 + 1)), name
    assert np.all(party.regional_streak[scenario.organisation < 0] == 0)

    episodes = party.episodes
    in_episode = party.in_episode
    assert in_episode.dtype == np.bool_  # a flag: true or false
    assert np.all(in_episode[violent])
    assert np.all(in_episode <= episodes)
    assert np.all(party.relapses == np.maximum(episodes - 1, 0))

    # run-level bookkeeping agrees with the parties
    assert list(run["stage_count"]) == list(np.bincount(stage, minlength=N_STAGES))
    assert run["n_violent"] == violent.sum()
    assert run["peak_violent"] >= max(run["n_violent"], run0["peak_violent"])
    assert run["party_weeks_violent"] == vw.sum()
    assert run["relapses"] == party.relapses.sum()
    assert run["n_flagged"] == flagged.sum()
    assert run["n_flagged_hot"] == (flagged & (stage > params.calm_stage)).sum()
    assert 0 <= run["n_warned"] <= n
    assert run["warning_week"] == (warn[flagged].min() if flagged.any() else -1)
    assert run["onset_week"] == (onset[onset >= 0].min() if (onset >= 0).any() else -1)
    assert run["war_week"] <= t
    if run0["war_week"] >= 0:
        assert run["war_week"] == run0["war_week"]

    # the action
    instrument = INSTRUMENTS[int(action.instrument)]
    arrival = run["arrival_week"]
    if instrument == "none" or run["warning_week"] < 0:
        assert arrival == -1
    else:
        assert arrival == run["warning_week"] + 1 + action.arrival_offset
    assert run.dtype["active"] == np.bool_  # a flag: true or false
    assert run["active_weeks"] - run0["active_weeks"] == run["active"]
    assert run["active_weeks"] <= weeks
    if run["active"]:
        assert arrival <= t < arrival + action.duration_weeks
    if run0["end_week"] >= 0:
        assert run["end_week"] == run0["end_week"] and not run["active"]
    if run["end_week"] >= 0:
        assert arrival <= run["end_week"] <= t
    assert run["cost"] >= run0["cost"] >= 0.0
    if instrument == "none":
        assert run["cost"] == 0.0 and run["active_weeks"] == 0
    assert run["mediation_successes"] >= run0["mediation_successes"]
    if not action.mediation:
        assert run["mediation_successes"] == 0


def named_arrays(state: State) -> dict[str, np.ndarray]:
    """Every array of a ``State`` by name (``party.grievance``, ``tension``, ``run.cost`` ...)."""
    arrays = {f"party.{name}": a for name, a in zip(state.party._fields, state.party, strict=True)}
    arrays["tension"] = state.tension
    arrays.update({f"run.{name}": np.asarray(state.run[name]) for name in state.run.dtype.names})
    return arrays


# ---------------------------------------------------------------- stepping
@SETTINGS
@given(runs())
def test_kernel_step_keeps_invariants(run):
    scenario, policy, params, seed, replicate, n_weeks = run
    action = compile_policy(policy, scenario, params)[0]
    net = build_net(scenario)
    p = kernel_params(params)[0]
    state = initial_state(scenario)
    rkey = np.uint64(rng.run_key(seed, replicate))
    moved = False
    for t in range(n_weeks):
        prev = copy_of(state)
        kernels.step(t, rkey, net, p, action, state)
        check_week(prev, state, t, scenario, params, Record(action))
        moved = moved or bool(np.any(prev.party.stage != state.party.stage))
    # how much of the model the examples exercise (pytest --hypothesis-show-statistics)
    final = state.run[0]
    event(f"stages moved: {moved}")
    event(f"warned: {final['warning_week'] >= 0}")
    event(f"action active: {final['active_weeks'] > 0}")
    event(f"violence: {final['onset_week'] >= 0}")


@SETTINGS
@given(runs())
def test_reference_step_keeps_invariants_and_probabilities(run):
    scenario, policy, params, seed, replicate, n_weeks = run
    model = ReferenceModel(scenario, policy, params=params, seed=seed, replicate=replicate)
    for t in range(n_weeks):
        prev = model.to_state()
        model.step()
        check_week(prev, model.to_state(), t, scenario, params, model.action)
        for party in model.parties:
            assert 0.0 <= party.p_up <= 1.0
            assert 0.0 <= party.p_down <= 1.0
            assert party.p_up + party.p_down <= 1.0 + 1e-12


@SETTINGS
@given(runs())
def test_kernel_equals_reference_for_random_inputs(run):
    scenario, policy, params, seed, replicate, n_weeks = run
    action = compile_policy(policy, scenario, params)[0]
    net = build_net(scenario)
    p = kernel_params(params)[0]
    state = initial_state(scenario)
    rkey = np.uint64(rng.run_key(seed, replicate))
    model = ReferenceModel(scenario, policy, params=params, seed=seed, replicate=replicate)
    for t in range(n_weeks):
        kernels.step(t, rkey, net, p, action, state)
        model.step()
        ref = named_arrays(model.to_state())
        for name, k_arr in named_arrays(state).items():
            r_arr = ref[name]
            assert k_arr.dtype == r_arr.dtype, f"week {t} {name}"
            if k_arr.dtype != np.float64:  # integers and flags
                np.testing.assert_array_equal(k_arr, r_arr, err_msg=f"week {t} {name}")
            else:
                np.testing.assert_allclose(
                    k_arr, r_arr, rtol=0.0, atol=1e-12, err_msg=f"week {t} {name}"
                )


# ---------------------------------------------------------------- transition probabilities
_DEFAULT = default_scenario()


@settings(max_examples=100, deadline=None)
@given(
    params=parameters(),
    instrument=st.sampled_from(INSTRUMENTS),
    intensity=st.floats(0.01, 3.0),
    unity=unit,
    stage=st.integers(STABLE, WAR),
    pressure=st.floats(-1e6, 1e6),
    settled=st.booleans(),
    acted_on=st.booleans(),
)
def test_transition_probabilities_in_unit_interval(
    params, instrument, intensity, unity, stage, pressure, settled, acted_on
):
    action = Record(
        compile_policy(Policy(instrument, intensity=intensity, unity=unity), _DEFAULT, params)[0]
    )
    eff = action.unity_factor * action.intensity * action.stage_effect[stage] if acted_on else 0.0
    p_up, p_down = transition_probabilities(stage, pressure, settled, eff, params, action)
    assert 0.0 <= p_up <= 1.0
    assert 0.0 <= p_down <= 1.0
    # the three rates are validated to sum to at most 1; allow the rounding of a different sum
    assert p_up + p_down <= 1.0 + 1e-12
    if stage == WAR:
        assert p_up == 0.0
    if stage == STABLE:
        assert p_down == 0.0


@settings(max_examples=200, deadline=None)
@given(st.floats(-800.0, 800.0))
def test_sigmoid_matches_kernel(x):
    assert sigmoid(x) == kernels.sigmoid(x)
    assert 0.0 <= sigmoid(x) <= 1.0


# ---------------------------------------------------------------- the counter-based RNG
@njit
def uniform_of_draw(skey, entity, purpose):
    """``rng.uniform(rng.draw(...))`` composed inside numba, as the kernels use it."""
    return rng.uniform(rng.draw(skey, entity, purpose))


@njit
def normal_of_draw(skey, entity, purpose):
    return rng.normal(rng.draw(skey, entity, purpose))


@settings(max_examples=200, deadline=None)
@given(U64)
def test_uniform_in_unit_interval_and_normal_bounded(bits):
    u = rng.uniform_py(bits)
    assert 0.0 <= u < 1.0
    z = rng.normal_py(bits)
    assert abs(z) <= rng.NORMAL_BOUND
    assert rng.uniform(np.uint64(bits)) == u
    assert rng.normal(np.uint64(bits)) == z


def test_uniform_extremes():
    assert rng.uniform_py(0) == 0.0
    assert rng.uniform_py(2**64 - 1) < 1.0
    assert abs(rng.normal_py(0)) <= rng.NORMAL_BOUND
    assert abs(rng.normal_py(2**64 - 1)) <= rng.NORMAL_BOUND


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**63 - 1),
    replicate=st.integers(0, 2**62),
    week=st.integers(0, 10**5),
    entity=st.integers(0, 2**40),
    purpose=st.sampled_from(
        (
            rng.PURPOSE_INCIDENT,
            rng.PURPOSE_STAGE,
            rng.PURPOSE_OBSERVE_UN,
            rng.PURPOSE_OBSERVE_REGIONAL,
            rng.PURPOSE_MEDIATION,
        )
    ),
)
def test_numba_draws_equal_python_draws(seed, replicate, week, entity, purpose):
    rkey = rng.run_key_py(seed, replicate)
    assert rng.run_key(seed, replicate) == rkey
    skey = rng.step_key_py(rkey, week)
    assert rng.step_key(np.uint64(rkey), week) == skey
    bits = rng.draw_py(skey, entity, purpose)
    assert rng.draw(np.uint64(skey), entity, purpose) == bits
    assert uniform_of_draw(np.uint64(skey), entity, purpose) == rng.uniform_py(bits)
    assert normal_of_draw(np.uint64(skey), entity, purpose) == rng.normal_py(bits)


@settings(max_examples=40, deadline=None)
@given(skey=U64, entity=st.integers(0, 2**40), purpose=st.integers(1, 5))
def test_numba_uniform_of_draw_equals_python(skey, entity, purpose):
    expected = rng.uniform_py(rng.draw_py(skey, entity, purpose))
    assert uniform_of_draw(np.uint64(skey), entity, purpose) == expected
    assert 0.0 <= expected < 1.0
