"""One ensemble runner for the CLI, the experiments, the app and the integrations.

Every entry point takes the same things, with the config's names: ``scenario`` (a
:class:`~sim.Scenario`, a scenario name or a file path; None for the default region),
``policies`` / ``policy`` (a :class:`~sim.Policy`, an instrument name or a dict of Policy fields),
``params`` (:class:`~sim.Parameters` or a mapping of overrides, dotted or nested), ``replicates``,
``horizon_weeks``, ``seed``, ``first_replicate``, ``threads``.

Example:
    >>> from sim import run_ensemble
    >>> df = run_ensemble(policies=["none", "envoy"], replicates=50, seed=1)
    >>> sorted(df["policy"].unique())
    ['envoy@0', 'none']
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from . import kernels, rng
from .errors import SimInputError, check_range
from .params import MAX_HORIZON_WEEKS, MAX_REPLICATES, Parameters, as_parameters, kernel_params
from .policy import Policy, as_policy, compile_policy
from .scenario import Scenario
from .state import (
    OUTCOME_DTYPE,
    TIMESERIES_DTYPE,
    Parties,
    State,
    build_net,
    initial_state,
    new_parties,
)

if TYPE_CHECKING:
    import pandas as pd

ScenarioLike = Scenario | str | os.PathLike | None
ParamsLike = Parameters | Mapping[str, Any] | None
PolicyLike = Policy | str | Mapping[str, Any] | None


def resolve_scenario(scenario: ScenarioLike) -> Scenario:
    """A Scenario from a Scenario, a scenario name, a file path, or None (the default region)."""
    if isinstance(scenario, Scenario):
        return scenario
    from .scenarios_io import load_scenario

    return load_scenario("default" if scenario is None else scenario)


def _check_run(replicates: int, horizon_weeks: int, seed: int, first_replicate: int) -> None:
    check_range("replicates", replicates, 1, MAX_REPLICATES, integer=True)
    check_range("horizon_weeks", horizon_weeks, 1, MAX_HORIZON_WEEKS, integer=True)
    check_range("seed", seed, 0, 2**63 - 1, integer=True)
    check_range("first_replicate", first_replicate, 0, 2**62, integer=True)


def _policy_list(policies) -> list[Policy]:
    if isinstance(policies, str | Policy | Mapping):
        policies = [policies]
    policies = [as_policy(p) for p in policies]
    if not policies:
        raise SimInputError("policies", [], "must list at least one policy")
    return policies


def simulate(
    scenario: ScenarioLike = None,
    policies: Sequence[PolicyLike] | PolicyLike = ("none",),
    *,
    replicates: int = 1000,
    horizon_weeks: int = 104,
    seed: int = 0,
    params: ParamsLike = None,
    first_replicate: int = 0,
    threads: int | None = None,
) -> np.ndarray:
    """The fast path: outcome records (``sim.state.OUTCOME_DTYPE``), shape
    ``(len(policies), replicates)``, without building a DataFrame."""
    scenario = resolve_scenario(scenario)
    params = as_parameters(params)
    _check_run(replicates, horizon_weeks, seed, first_replicate)
    policies = _policy_list(policies)
    actions = np.concatenate([compile_policy(p, scenario, params) for p in policies])
    out = np.zeros((len(policies), replicates), OUTCOME_DTYPE)
    with numba_threads(threads):
        kernels.ensemble(
            build_net(scenario),
            kernel_params(params),
            actions,
            *initial_state(scenario),
            int(seed),
            int(first_replicate),
            int(horizon_weeks),
            out,
            np.zeros(0, TIMESERIES_DTYPE),
        )
    return out


def run_ensemble(
    scenario: ScenarioLike = None,
    policies: Sequence[PolicyLike] | PolicyLike = ("none",),
    *,
    replicates: int = 1000,
    horizon_weeks: int = 104,
    seed: int = 0,
    params: ParamsLike = None,
    first_replicate: int = 0,
    threads: int | None = None,
) -> pd.DataFrame:
    """Run replicates ``first_replicate .. first_replicate + replicates - 1`` of a scenario under
    each policy, in parallel across cores; one row per replicate and policy.

    Replicate ``r`` of every policy shares its random draws with the others (common random
    numbers), so per-replicate differences between policies are paired counterfactuals. The
    result does not depend on ``threads``. Columns: ``policy, instrument, lag_weeks, replicate``
    and the outcome fields of ``sim.state.OUTCOME_DTYPE``.
    """
    policy_list = _policy_list(policies)
    out = simulate(
        scenario,
        policy_list,
        replicates=replicates,
        horizon_weeks=horizon_weeks,
        seed=seed,
        params=params,
        first_replicate=first_replicate,
        threads=threads,
    )
    return outcomes_frame(out, policy_list, first_replicate)


def outcomes_frame(out: np.ndarray, policies: list[Policy], first_replicate: int) -> pd.DataFrame:
    """The outcome records of :func:`simulate` as a DataFrame with the policy columns first."""
    import pandas as pd

    n_pol, n_rep = out.shape
    df = pd.DataFrame(out.reshape(-1))
    df.insert(0, "replicate", np.tile(np.arange(first_replicate, first_replicate + n_rep), n_pol))
    df.insert(0, "lag_weeks", np.repeat([p.lag_weeks for p in policies], n_rep))
    df.insert(0, "instrument", np.repeat([p.instrument for p in policies], n_rep))
    df.insert(0, "policy", np.repeat([p.label for p in policies], n_rep))
    return df


class numba_threads:
    """Context manager: run numba parallel regions on ``n`` threads (None leaves it)."""

    def __init__(self, n: int | None):
        self.n = n
        self.previous: int | None = None

    def __enter__(self):
        if self.n is not None:
            import numba

            check_range("threads", self.n, 1, numba.config.NUMBA_NUM_THREADS, integer=True)
            self.previous = numba.get_num_threads()
            numba.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        if self.previous is not None:
            import numba

            numba.set_num_threads(self.previous)
        return False


def default_threads() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


class SingleRun(NamedTuple):
    """Result of :func:`run_single`: outcomes, weekly series (records), and the final state."""

    outcomes: dict
    series: np.ndarray
    state: State

    @property
    def timeseries(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.series)


def run_single(
    scenario: ScenarioLike = None,
    policy: PolicyLike = None,
    *,
    horizon_weeks: int = 104,
    seed: int = 0,
    replicate: int = 0,
    params: ParamsLike = None,
) -> SingleRun:
    """One replicate with its weekly time series and its final state; the same run as
    replicate ``replicate`` of :func:`run_ensemble`."""
    scenario = resolve_scenario(scenario)
    params = as_parameters(params)
    policy = as_policy(policy)
    _check_run(1, horizon_weeks, seed, replicate)
    state = initial_state(scenario)
    out = np.zeros(1, OUTCOME_DTYPE)
    series = np.zeros(horizon_weeks, TIMESERIES_DTYPE)
    kernels.run_replicate(
        build_net(scenario),
        kernel_params(params)[0],
        compile_policy(policy, scenario, params)[0],
        state,
        np.uint64(rng.run_key(int(seed), int(replicate))),
        0,
        int(horizon_weeks),
        out[0],
        series,
    )
    outcome = {name: out[0][name].item() for name in OUTCOME_DTYPE.names}
    return SingleRun(
        {
            "policy": policy.label,
            "instrument": policy.instrument,
            "lag_weeks": policy.lag_weeks,
            "replicate": replicate,
            **outcome,
        },
        series,
        state,
    )


def run_timeseries(
    scenario: ScenarioLike = None,
    policy: PolicyLike = None,
    *,
    horizon_weeks: int = 104,
    seed: int = 0,
    replicate: int = 0,
    params: ParamsLike = None,
) -> tuple[pd.DataFrame, dict]:
    """Weekly time series of one replicate (``TIMESERIES_DTYPE`` columns) and its outcomes."""
    run = run_single(
        scenario, policy, horizon_weeks=horizon_weeks, seed=seed, replicate=replicate, params=params
    )
    return run.timeseries, run.outcomes


def run_final_states(
    scenario: ScenarioLike = None,
    policy: PolicyLike = None,
    *,
    replicates: int = 1000,
    horizon_weeks: int = 104,
    seed: int = 0,
    params: ParamsLike = None,
    first_replicate: int = 0,
) -> tuple[Parties, np.ndarray]:
    """Each replicate's party state after ``horizon_weeks`` and its outcomes.

    Returns ``(parties, outcomes)``: ``parties.stage[r, i]`` is party ``i``'s stage at the end of
    replicate ``first_replicate + r`` (every field of ``sim.state.Parties``, shape
    ``(replicates, n_parties)``); ``outcomes`` the records of :func:`simulate`.
    """
    scenario = resolve_scenario(scenario)
    params = as_parameters(params)
    _check_run(replicates, horizon_weeks, seed, first_replicate)
    action = compile_policy(as_policy(policy), scenario, params)
    final = Parties(*(np.zeros((replicates, scenario.n_parties), a.dtype) for a in new_parties(0)))
    out = np.zeros(replicates, OUTCOME_DTYPE)
    kernels.ensemble_final_states(
        build_net(scenario),
        kernel_params(params),
        action,
        *initial_state(scenario),
        int(seed),
        int(first_replicate),
        int(horizon_weeks),
        out,
        np.zeros(0, TIMESERIES_DTYPE),
        final,
    )
    return final, out


def run_stage_history(
    scenario: ScenarioLike = None,
    policy: PolicyLike = None,
    *,
    replicates: int = 100,
    horizon_weeks: int = 520,
    seed: int = 0,
    params: ParamsLike = None,
    first_replicate: int = 0,
) -> np.ndarray:
    """Every party's stage after every week of each replicate: an int8 array
    ``(replicates, horizon_weeks, n_parties)``; the same runs as :func:`run_ensemble`'s."""
    scenario = resolve_scenario(scenario)
    params = as_parameters(params)
    _check_run(replicates, horizon_weeks, seed, first_replicate)
    action = compile_policy(as_policy(policy), scenario, params)
    history = np.zeros((replicates, horizon_weeks, scenario.n_parties), np.int8)
    kernels.ensemble_stage_history(
        build_net(scenario),
        kernel_params(params),
        action,
        *initial_state(scenario),
        int(seed),
        int(first_replicate),
        history,
    )
    return history
