"""The parallel step (``kernels_parallel.step_parallel``) gives the serial step's state bit for
bit, at 1, 2 and 4 threads, and the ensemble's replicate is the same run.

The generated network is big enough that the parallel loops split the work into several blocks
(``kernels_parallel.PARTY_BLOCK`` parties, ``kernels.RELATION_BLOCK`` relations). Four threads
run in a subprocess when numba was started with fewer (``NUMBA_NUM_THREADS`` caps
``set_num_threads``).
"""

from __future__ import annotations

import os
import subprocess
import sys

import numba
import numpy as np
import pytest

from sim import Policy, generated_scenario, kernels, kernels_parallel, rng
from sim.ensemble import run_final_states
from sim.params import as_parameters, kernel_params
from sim.policy import compile_policy
from sim.scenarios_io import default_scenario
from sim.state import build_net, initial_state

SEED, REPLICATE, WEEKS = 11, 3, 30
# a warning soon (noisy observers, short persistence) so that the action, its focus and the
# mediator's top dyads take part within a few weeks
PARAMS = {"observation_noise": 0.3, "warning_persistence_weeks": 1}
CASES = {
    "generated-envoy": (3000, Policy("envoy", lag_weeks=1), {}),
    "generated-sanctions-every-flag": (
        3000,
        Policy("sanctions"),
        {"mechanisms.warning_targeting": False},
    ),
    "default-envoy": (None, Policy("envoy"), {}),
}


def case(name: str):
    n, policy, overrides = CASES[name]
    scenario = default_scenario() if n is None else generated_scenario(n, "sbm", seed=4)
    return scenario, policy, as_parameters({**PARAMS, **overrides})


def run_weeks(name: str, parallel: bool, threads: int | None = None):
    """The state after ``WEEKS`` weeks of the serial or the parallel step."""
    scenario, policy, params = case(name)
    net, state = build_net(scenario), initial_state(scenario)
    params_arr = kernel_params(params)
    actions = compile_policy(policy, scenario, params)
    rkey = np.uint64(rng.run_key(SEED, REPLICATE))
    before = numba.get_num_threads()
    numba.set_num_threads(threads or before)
    try:
        for t in range(WEEKS):
            if parallel:
                kernels_parallel.step_parallel(t, rkey, net, params_arr, actions, state)
            else:
                kernels.step(t, rkey, net, params_arr[0], actions[0], state)
    finally:
        numba.set_num_threads(before)
    return state


def state_arrays(state) -> dict[str, np.ndarray]:
    arrays = {f"party.{f}": a for f, a in zip(state.party._fields, state.party, strict=True)}
    arrays["tension"] = state.tension
    arrays["run"] = state.run.view(np.uint8)  # every field of the record, bit for bit
    return arrays


def assert_identical(got, want, where: str) -> None:
    want_arrays = state_arrays(want)
    for name, array in state_arrays(got).items():
        assert array.tobytes() == want_arrays[name].tobytes(), f"{where}: {name} differs"


@pytest.fixture(scope="module")
def serial_states():
    return {name: run_weeks(name, parallel=False) for name in CASES}


def test_cases_exercise_the_run_level_merges(serial_states):
    """The cases reach what the blocks merge: warnings, an active action, violence."""
    for name, state in serial_states.items():
        run = state.run[0]
        assert run["warning_week"] >= 0 and run["target"] >= 0, name
        assert run["active_weeks"] > 0, name
        if name.endswith("envoy"):
            assert run["mediation_successes"] > 0, name
        if name.startswith("generated"):
            assert state.party.violent_weeks.sum() > 0, name
    n = serial_states["generated-envoy"].party.stage.shape[0]
    assert n > 2 * kernels_parallel.PARTY_BLOCK
    assert serial_states["generated-envoy"].tension.shape[0] > 2 * kernels.RELATION_BLOCK


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name", list(CASES))
def test_parallel_step_equals_serial_step(serial_states, name, threads):
    if threads > numba.config.NUMBA_NUM_THREADS:
        pytest.skip(f"numba started with {numba.config.NUMBA_NUM_THREADS} threads")
    got = run_weeks(name, parallel=True, threads=threads)
    assert_identical(got, serial_states[name], f"{name}, {threads} threads")


def test_parallel_step_at_four_threads(serial_states, tmp_path):
    """Four threads in a fresh interpreter started with ``NUMBA_NUM_THREADS=4``."""
    out = tmp_path / "four.npz"
    code = (
        "import numba, numpy as np, sys; sys.path.insert(0, 'tests');"
        "import test_parallel as tp;"
        "assert numba.config.NUMBA_NUM_THREADS == 4;"
        "s = tp.run_weeks('generated-envoy', parallel=True, threads=4);"
        f"np.savez({str(out)!r}, **tp.state_arrays(s))"
    )
    env = {**os.environ, "NUMBA_NUM_THREADS": "4"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=os.getcwd())
    with np.load(out) as four:
        want = state_arrays(serial_states["generated-envoy"])
        for name, array in want.items():
            assert four[name].tobytes() == array.tobytes(), f"4 threads: {name} differs"


def test_ensemble_replicate_is_the_parallel_run(serial_states):
    """Replicate ``REPLICATE`` of ``run_final_states`` (serial step inside a parallel loop over
    replicates) ends where the parallel step does."""
    scenario, policy, params = case("generated-envoy")
    final, out = run_final_states(
        scenario, policy, replicates=1, horizon_weeks=WEEKS, seed=SEED,
        first_replicate=REPLICATE, params=params,
    )  # fmt: skip
    parallel = run_weeks("generated-envoy", parallel=True)
    for field, array in zip(parallel.party._fields, parallel.party, strict=True):
        assert getattr(final, field)[0].tobytes() == array.tobytes(), field
    assert out[0]["mediation_successes"] == parallel.run[0]["mediation_successes"]


def test_model_steps_big_networks_in_parallel(serial_states, monkeypatch):
    """``EscalationModel.step`` takes the parallel step from ``PARALLEL_MIN_PARTIES`` parties
    (lowered here to this network's size) when numba has threads: the same run as the serial
    step."""
    from sim.model import EscalationModel

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("numba started with one thread: advance takes the serial step")
    before = numba.get_num_threads()
    numba.set_num_threads(2)

    scenario, policy, params = case("generated-envoy")
    monkeypatch.setattr(kernels, "PARALLEL_MIN_PARTIES", scenario.n_parties)
    calls = []
    monkeypatch.setattr(kernels, "step", lambda *args: calls.append(args))  # must not be used
    model = EscalationModel(
        scenario, policy, params=params, seed=SEED, replicate=REPLICATE, collect=False
    )
    try:
        for _ in range(WEEKS):
            model.step()
    finally:
        numba.set_num_threads(before)
    assert not calls
    assert_identical(model.state, serial_states["generated-envoy"], "EscalationModel")
