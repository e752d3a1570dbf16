"""The numba kernels and the plain-Python reference (``sim.reference``) implement the same rules.

Both are stepped week by week from the same initial state with the same counter-based draws, and
the full state arrays are compared after every week: integer state (stages, flags, onset, warning
and arrival weeks, counters) exactly, float state (grievance, capability, attention, tension,
cost) to 1e-12. No test here depends on the values of the parameter defaults or the scenarios.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import kernels, rng
from sim.ensemble import run_ensemble
from sim.networks import TOPOLOGIES, generated_scenario
from sim.params import INSTRUMENTS, VIOLENCE, WAR, Parameters, kernel_params
from sim.policy import Policy, compile_policy
from sim.reference import ReferenceModel
from sim.scenario import Scenario
from sim.scenarios_io import default_scenario
from sim.state import OUTCOME_DTYPE, OUTCOME_FIELDS, TIMESERIES_DTYPE, build_net, initial_state

ATOL = 1e-12
FLOAT_OUTCOMES = ("cost",)
N_REPLICATES = 20


def named_arrays(state) -> dict[str, np.ndarray]:
    """Every array of a ``State`` by name (``party.grievance``, ``tension``, ``run.cost`` ...)."""
    arrays = {f"party.{name}": a for name, a in zip(state.party._fields, state.party, strict=True)}
    arrays["tension"] = state.tension
    arrays.update({f"run.{name}": np.asarray(state.run[name]) for name in state.run.dtype.names})
    return arrays


def assert_same_state(kernel_state, ref_state, where: str) -> None:
    """Integer and boolean arrays equal, float arrays within ATOL (absolute: every float is in
    [0, 1] or a cost of a few hundred at most), named one by one."""
    ref = named_arrays(ref_state)
    for name, k_arr in named_arrays(kernel_state).items():
        r_arr = ref[name]
        assert k_arr.dtype == r_arr.dtype, f"{where}: {name} dtype {k_arr.dtype} != {r_arr.dtype}"
        assert k_arr.shape == r_arr.shape, f"{where}: {name} shape {k_arr.shape} != {r_arr.shape}"
        if np.array_equal(k_arr, r_arr):  # the usual case: bit for bit (fast path)
            continue
        if k_arr.dtype != np.float64:
            np.testing.assert_array_equal(k_arr, r_arr, err_msg=f"{where}: {name}")
        else:
            np.testing.assert_allclose(
                k_arr, r_arr, rtol=0.0, atol=ATOL, err_msg=f"{where}: {name}"
            )


def assert_same_outcomes(kernel_out: dict, ref_out: dict, where: str) -> None:
    assert tuple(ref_out) == OUTCOME_FIELDS
    for name in OUTCOME_FIELDS:
        if name in FLOAT_OUTCOMES:
            assert abs(kernel_out[name] - ref_out[name]) <= ATOL * max(1.0, abs(ref_out[name])), (
                f"{where}: {name} {kernel_out[name]} != {ref_out[name]}"
            )
        else:
            assert kernel_out[name] == ref_out[name], (
                f"{where}: {name} {kernel_out[name]} != {ref_out[name]}"
            )


def kernel_outcomes(state) -> dict:
    out = np.zeros(1, OUTCOME_DTYPE)
    kernels.outcomes(state.run[0], out[0])
    return {name: out[0][name].item() for name in OUTCOME_FIELDS}


def step_both(
    scenario: Scenario, policy: Policy, params: Parameters, seed: int, replicate: int, n_weeks: int
) -> ReferenceModel:
    """Step the kernel and the reference side by side, comparing the full state every week."""
    where = f"{scenario.name} {policy} seed={seed} replicate={replicate}"
    action = compile_policy(policy, scenario, params)[0]
    net = build_net(scenario)
    p = kernel_params(params)[0]
    state = initial_state(scenario)
    # the kernels take the run key as uint64 (a Python int below 2**63 would be typed int64)
    rkey = np.uint64(rng.run_key(seed, replicate))
    assert int(rkey) == rng.run_key_py(seed, replicate)
    model = ReferenceModel(scenario, policy, params=params, seed=seed, replicate=replicate)
    assert_same_state(state, model.to_state(), f"{where} initial")
    for t in range(n_weeks):
        assert model.weeks == t
        kernels.step(t, rkey, net, p, action, state)
        model.step()
        assert_same_state(state, model.to_state(), f"{where} week {t}")
    assert_same_outcomes(kernel_outcomes(state), model.outcomes(), where)
    return model


# ---------------------------------------------------------------- the default scenario
@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_default_scenario_each_instrument(instrument):
    scenario = default_scenario()
    params = Parameters()
    outcomes = []
    for r in range(N_REPLICATES):
        policy = Policy(instrument, lag_weeks=r % 3)
        outcomes.append(
            step_both(scenario, policy, params, seed=2024, replicate=r, n_weeks=104).outcomes()
        )
    if instrument != "none":  # the comparison must have exercised the action
        assert any(o["action_weeks"] > 0 for o in outcomes)
    if instrument == "envoy":
        assert sum(o["mediation_successes"] for o in outcomes) > 0


@pytest.mark.parametrize("instrument", INSTRUMENTS[1:])
def test_default_scenario_withdraw_low_unity_options(instrument):
    """Withdrawal when calm, a divided sponsor, the regional sponsor, short durations and
    intensities other than 1."""
    scenario = default_scenario()
    params = Parameters()
    n_active = 0
    for r in range(8):
        policy = Policy(
            instrument,
            lag_weeks=r % 2,
            intensity=(0.5, 1.25, 2.5)[r % 3],
            duration_weeks=None if r % 4 < 2 else 6,
            sponsor="un" if r % 2 == 0 else "regional_org",
            withdraw_when_calm=True,
            unity=0.1,
        )
        model = step_both(scenario, policy, params, seed=7, replicate=r, n_weeks=104)
        n_active += model.active_weeks > 0
    assert n_active > 0


@pytest.mark.parametrize(
    "changes",
    [
        dict(calm_stage=0, warning_persistence_weeks=1),
        dict(
            calm_stage=2,
            warning_persistence_weeks=3,
            settle_bonus=0.5,
            escalation_rate=0.3,
            deescalation_rate=0.2,
        ),
        dict(hazard_slope=25.0, incident_rate=0.2, incident_size=0.4, observation_noise=0.0),
    ],
)
def test_default_scenario_other_parameters(changes):
    scenario = default_scenario()
    params = Parameters(**changes)
    for r, instrument in enumerate(("envoy", "peacekeeping", "sanctions", "statement")):
        step_both(
            scenario, Policy(instrument, lag_weeks=r % 2), params, seed=99, replicate=r, n_weeks=80
        )


# ---------------------------------------------------------------- generated networks
@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_generated_scenarios(topology):
    scenario = generated_scenario(200, topology, seed=11)
    params = Parameters()
    for r, instrument in enumerate(("none", "envoy", "sanctions", "peacekeeping")):
        step_both(
            scenario, Policy(instrument, lag_weeks=r % 2), params, seed=5, replicate=r, n_weeks=52
        )


@pytest.mark.parametrize("rivalry_share", [0.0, 1.0])
def test_generated_all_affinity_or_all_rivalry(rivalry_share):
    scenario = generated_scenario(30, "small_world", rivalry_share=rivalry_share, seed=3)
    for r, instrument in enumerate(("envoy", "development")):
        step_both(scenario, Policy(instrument), Parameters(), seed=1, replicate=r, n_weeks=40)


# ---------------------------------------------------------------- scheduled events
def events_scenario() -> Scenario:
    """Parties starting at every stage, some without a regional organisation, and scheduled
    events: at week 0, two in one week (one of them hitting everyone, with negative shocks),
    repeated parties within an event, shocks that clip, and one beyond the horizon."""
    base = generated_scenario(60, "sbm", n_regions=3, seed=7)
    n = base.n_parties
    draw = np.random.default_rng(5)
    organisation = base.organisation.copy()
    organisation[::4] = -1
    events = [  # (week, tension shock, grievance shock, parties)
        (0, 0.3, 0.1, [0, 1, 2, 2, 5]),
        (3, -0.2, -0.05, list(range(n))),
        (3, 0.9, 0.8, [10, 11, 10]),
        (12, 0.2, 0.0, list(range(20, 31))),
        (25, 0.0, -1.0, [40, 41, 42]),
        (500, 1.0, 1.0, [0]),
    ]
    ptr = np.cumsum([0] + [len(ev[3]) for ev in events])
    return base.replace(
        name="events",
        stage=draw.integers(0, WAR + 1, n),
        attention=draw.uniform(0.0, 0.5, n),
        organisation=organisation,
        event_week=np.array([ev[0] for ev in events]),
        event_kind=np.zeros(len(events), np.int64),
        event_tension_shock=np.array([ev[1] for ev in events]),
        event_grievance_shock=np.array([ev[2] for ev in events]),
        event_party_ptr=ptr,
        event_parties=np.concatenate([ev[3] for ev in events]),
    )


def test_scheduled_events_and_initial_violence():
    scenario = events_scenario()
    assert (scenario.stage >= VIOLENCE).any()
    params = Parameters()
    instruments = ("none", "envoy", "sanctions", "peacekeeping", "statement")
    for r in range(10):
        policy = Policy(
            instruments[r % len(instruments)], lag_weeks=r % 2, withdraw_when_calm=r % 3 == 0
        )
        step_both(scenario, policy, params, seed=123, replicate=r, n_weeks=40)


def test_event_shocks_reach_the_reference():
    """The events scenario really shocks: week 0 moves grievance of the listed parties."""
    scenario = events_scenario()
    model = ReferenceModel(scenario, "none", seed=0, replicate=0)
    before = [p.grievance for p in model.parties]
    model.apply_events(0)
    moved = {i for i, p in enumerate(model.parties) if p.grievance != before[i]}
    assert moved <= {0, 1, 2, 5} and moved


# ---------------------------------------------------------------- whole runs through the kernels
@pytest.mark.parametrize("instrument", ["none", "envoy", "peacekeeping"])
def test_run_replicate_and_timeseries(instrument):
    """``kernels.run_replicate`` (its own run key, outcomes and weekly rows) against the
    reference."""
    scenario = default_scenario()
    params = Parameters()
    policy = Policy(instrument, lag_weeks=1)
    action = compile_policy(policy, scenario, params)[0]
    net = build_net(scenario)
    n_weeks = 90
    for r in range(4):
        state = initial_state(scenario)
        out = np.zeros(1, OUTCOME_DTYPE)
        series = np.zeros(n_weeks, TIMESERIES_DTYPE)
        kernels.run_replicate(
            net,
            kernel_params(params)[0],
            action,
            state,
            np.uint64(rng.run_key(17, r)),
            0,
            n_weeks,
            out[0],
            series,
        )
        model = ReferenceModel(scenario, policy, params=params, seed=17, replicate=r)
        for t in range(n_weeks):
            model.step()
            row = {name: series[t][name].item() for name in series.dtype.names}
            assert row["week"] == t
            assert [
                row[f"n_{s}"] for s in ("stable", "dispute", "crisis", "violence", "war")
            ] == model.stage_count
            assert row["n_warned"] == model.n_warned
            assert row["n_flagged"] == model.n_flagged
            assert row["action_active"] == model.active
            assert abs(row["mean_tension"] - model.mean_tension) <= ATOL
            assert abs(row["cost"] - model.cost) <= ATOL * max(1.0, model.cost)
        assert_same_state(state, model.to_state(), f"run_replicate {instrument} r={r}")
        assert_same_outcomes(
            {name: out[0][name].item() for name in OUTCOME_FIELDS},
            model.outcomes(),
            f"run_replicate {instrument} r={r}",
        )


def test_run_ensemble_replicate_equals_reference():
    """Replicate ``r`` of ``sim.run_ensemble`` is the reference's replicate ``r``."""
    scenario = default_scenario()
    policies = [
        Policy("none"),
        Policy("envoy", lag_weeks=2),
        Policy("sanctions", lag_weeks=1, withdraw_when_calm=True, sponsor="regional_org"),
    ]
    seed, first, n_rep, horizon = 42, 3, 6, 80
    df = run_ensemble(
        scenario,
        policies,
        replicates=n_rep,
        horizon_weeks=horizon,
        seed=seed,
        first_replicate=first,
    )
    assert len(df) == len(policies) * n_rep
    labels = {p.label: p for p in policies}
    for row in df.to_dict("records"):
        policy = labels[row["policy"]]
        ref = ReferenceModel(scenario, policy, seed=seed, replicate=row["replicate"]).run(horizon)
        assert_same_outcomes(row, ref, f"run_ensemble {policy.label} r={row['replicate']}")
    assert set(df["replicate"]) == set(range(first, first + n_rep))


# ---------------------------------------------------------------- mechanism switches
SWITCHES = tuple(f for f in Parameters().mechanisms.__dataclass_fields__)


@pytest.mark.parametrize("switched_off", [*SWITCHES, "all"])
def test_mechanism_switches_agree(switched_off):
    """With any one mechanism switched off (and with all off), kernel and reference still agree
    week by week, over instruments that exercise every mechanism."""
    names = SWITCHES if switched_off == "all" else (switched_off,)
    params = Parameters().replace({f"mechanisms.{name}": False for name in names})
    scenario = default_scenario()
    for r, instrument in enumerate(("envoy", "sanctions", "statement", "peacekeeping")):
        step_both(
            scenario, Policy(instrument, lag_weeks=4 * r), params, seed=31, replicate=r, n_weeks=104
        )


def test_mechanism_state_is_exercised():
    """The comparisons above see lock-in, hurt, targeting and false alarms actually move."""
    scenario = default_scenario()
    seen = {"hardening": 0.0, "hurt": 0.0, "false_alarms": 0, "target": -1}
    for r in range(10):
        model = step_both(scenario, Policy("envoy"), Parameters(), seed=3, replicate=r, n_weeks=104)
        seen["hardening"] = max(seen["hardening"], max(q.hardening for q in model.parties))
        seen["hurt"] = max(seen["hurt"], max(q.hurt for q in model.parties))
        seen["false_alarms"] += model.false_alarms
        seen["target"] = max(seen["target"], model.target)
    assert seen["hardening"] > 0.1 and seen["hurt"] > 0.1
    assert seen["false_alarms"] > 0 and seen["target"] >= 0
