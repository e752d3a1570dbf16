"""One ensemble runner for the CLI, the experiments, the app and the integrations.

Example:
    >>> from sim import run_ensemble
    >>> df = run_ensemble(policies=["none", "envoy"], n_replicates=50, seed=1)
    >>> sorted(df["policy"].unique())
    ['envoy@0', 'none']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import kernels
from .errors import SimInputError, check_range
from .params import Parameters
from .policy import Policy, as_policy, compile_policy
from .scenario import Scenario, default_scenario
from .state import OUTCOME_FIELDS, build_net, initial_state

INTEGER_OUTCOMES = tuple(f for f in OUTCOME_FIELDS if f not in ("cost",))


def run_ensemble(
    scenario: Scenario | None = None,
    policies: Sequence[Policy | str | dict] = ("none",),
    n_replicates: int = 1000,
    horizon_weeks: int = 104,
    seed: int = 0,
    params: Parameters | None = None,
    first_replicate: int = 0,
    threads: int | None = None,
) -> pd.DataFrame:
    """Run replicates ``first_replicate .. first_replicate + n_replicates - 1`` of a scenario under
    each policy, in parallel across cores, and return one row per replicate and policy.

    Replicate ``r`` of every policy shares its random draws with the others (common random
    numbers), so per-replicate differences between policies are paired counterfactuals. The
    result does not depend on ``threads``. Columns: ``policy, instrument, lag_weeks, replicate``
    and the outcome fields of ``sim.state.OUTCOME_FIELDS``.
    """
    scenario = scenario if scenario is not None else default_scenario()
    params = params if params is not None else Parameters()
    if not isinstance(scenario, Scenario):
        raise SimInputError("scenario", type(scenario).__name__, "must be a sim.Scenario")
    check_range("n_replicates", n_replicates, 1, 100_000_000, integer=True)
    check_range("horizon_weeks", horizon_weeks, 1, 100_000, integer=True)
    check_range("seed", seed, 0, 2**63 - 1, integer=True)
    check_range("first_replicate", first_replicate, 0, 2**62, integer=True)
    if isinstance(policies, str | Policy | dict):
        policies = [policies]
    policies = [as_policy(p) for p in policies]
    if not policies:
        raise SimInputError("policies", [], "must list at least one policy")
    actions = np.stack([compile_policy(p, scenario, params) for p in policies])
    net = build_net(scenario)
    state0 = initial_state(scenario)
    with numba_threads(threads):
        out = kernels.ensemble(net, params.to_array(), actions, *state0, int(seed),
                               int(first_replicate), int(n_replicates), int(horizon_weeks))
    return outcomes_frame(out, policies, first_replicate)


def outcomes_frame(out: np.ndarray, policies: list[Policy], first_replicate: int) -> pd.DataFrame:
    n_pol, n_rep, _ = out.shape
    df = pd.DataFrame(out.reshape(n_pol * n_rep, -1), columns=list(OUTCOME_FIELDS))
    df[list(INTEGER_OUTCOMES)] = df[list(INTEGER_OUTCOMES)].astype(np.int64)
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


def run_single(
    scenario: Scenario | None = None,
    policy: Policy | str | dict | None = None,
    horizon_weeks: int = 104,
    seed: int = 0,
    replicate: int = 0,
    params: Parameters | None = None,
) -> SingleRun:
    """One replicate, with its weekly time series and its final state arrays.

    The replicate is the same run as replicate ``replicate`` of :func:`run_ensemble`.
    """
    from .state import N_OUT, TIMESERIES_FIELDS

    scenario = scenario if scenario is not None else default_scenario()
    params = params if params is not None else Parameters()
    policy = as_policy(policy)
    check_range("horizon_weeks", horizon_weeks, 1, 100_000, integer=True)
    check_range("seed", seed, 0, 2**63 - 1, integer=True)
    check_range("replicate", replicate, 0, 2**62, integer=True)
    state = initial_state(scenario)
    out = np.zeros(N_OUT)
    series = np.zeros((horizon_weeks, len(TIMESERIES_FIELDS)))
    kernels.run_replicate(build_net(scenario), params.to_array(),
                          compile_policy(policy, scenario, params), *state, int(seed),
                          int(replicate), 0, int(horizon_weeks), out, series)
    df = pd.DataFrame(series, columns=list(TIMESERIES_FIELDS))
    int_cols = [c for c in TIMESERIES_FIELDS if c not in ("mean_tension", "cost")]
    df[int_cols] = df[int_cols].astype(np.int64)
    row = outcomes_frame(out.reshape(1, 1, -1), [policy], replicate).iloc[0].to_dict()
    return SingleRun(row, df, *state)


class SingleRun(NamedTuple):
    """Result of :func:`run_single`: outcomes, weekly series, and the final state arrays."""

    outcomes: dict
    timeseries: pd.DataFrame
    party_f: np.ndarray
    party_i: np.ndarray
    tension: np.ndarray
    run_i: np.ndarray
    run_f: np.ndarray


def run_timeseries(
    scenario: Scenario | None = None,
    policy: Policy | str | dict | None = None,
    horizon_weeks: int = 104,
    seed: int = 0,
    replicate: int = 0,
    params: Parameters | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Weekly time series of one replicate (layout ``state.TIMESERIES_FIELDS``) and its outcomes."""
    run = run_single(scenario, policy, horizon_weeks, seed, replicate, params)
    return run.timeseries, run.outcomes


def run_final_states(
    scenario: Scenario | None = None,
    policy: Policy | str | dict | None = None,
    n_replicates: int = 1000,
    horizon_weeks: int = 104,
    seed: int = 0,
    params: Parameters | None = None,
    first_replicate: int = 0,
) -> np.ndarray:
    """Integer party state after ``horizon_weeks`` for each replicate, shape
    ``(n_replicates, N_PI, n_parties)``; rows are ``sim.state.PI_*`` (stage, onset week, ...).

    Replicate r is the same run as replicate r of :func:`run_ensemble`.
    """
    scenario = scenario if scenario is not None else default_scenario()
    params = params if params is not None else Parameters()
    check_range("n_replicates", n_replicates, 1, 100_000_000, integer=True)
    check_range("horizon_weeks", horizon_weeks, 1, 100_000, integer=True)
    check_range("seed", seed, 0, 2**63 - 1, integer=True)
    check_range("first_replicate", first_replicate, 0, 2**62, integer=True)
    action = compile_policy(as_policy(policy), scenario, params)
    return kernels.ensemble_final_states(
        build_net(scenario), params.to_array(), action, *initial_state(scenario), int(seed),
        int(first_replicate), int(n_replicates), int(horizon_weeks))
