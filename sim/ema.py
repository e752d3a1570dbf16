"""The EMA Workbench (3.x) adapter: the simulator as an exploratory model on the fast path.

:func:`model` returns an ``ema_workbench.Model`` whose function runs one paired ensemble per
experiment (:func:`sim.ensemble.simulate`: the experiment's policy and the no-action baseline on
the same replicates, common random numbers), not one Mesa run. Its uncertainties, levers and
outcomes carry identifier-safe names generated from :mod:`sim.schema`:

* uncertainties: every scalar model parameter over its plausible range, one multiplier per
  instrument row and stage-effect row, and the scenario's UN inputs (unity, warning quality
  and threshold) - or the declarations you name;
* levers: ``policy__instrument``, ``policy__lag_weeks``, ``policy__intensity`` (and
  ``policy__duration_weeks`` if you name it);
* outcomes (:data:`OUTCOMES`): P(violence), P(war), median onset week, mean cost of the policy
  arm; the same for the no-action arm; the paired risk difference and its decomposition at the
  action's arrival (:func:`sim.stats.paired_summary`).

Seeds: each experiment's ensemble seed is derived from the model's ``seed`` constant and the
experiment's *uncertainty* values (:func:`world_seed`), not from its order or worker: every
policy of one world sees the same replicates, and the multiprocessing evaluator gives exactly
the sequential evaluator's results.

Example (as an EMA user writes it)::

    from ema_workbench import SequentialEvaluator, perform_experiments
    import sim.ema

    model = sim.ema.model("kenya_2008", replicates=200)
    policies = sim.ema.policy_samples(["none", {"instrument": "envoy", "lag_weeks": 2}])
    experiments, outcomes = perform_experiments(model, scenarios=50, policies=policies)

Importing this module points numba at the repository's kernel cache (``NUMBA_CACHE_DIR``,
unless set) before the kernels load, so EMA's worker processes do not compile them again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

if not os.environ.get("NUMBA_CACHE_DIR", "").strip():  # before numba is imported
    os.environ["NUMBA_CACHE_DIR"] = str(Path(__file__).resolve().parent.parent / ".numba_cache")

import warnings  # noqa: E402

import numpy as np  # noqa: E402

with warnings.catch_warnings():  # EMA warns at import that an optional evaluator is missing
    warnings.filterwarnings("ignore", message="ipyparallel not installed")
    from ema_workbench import (
        BooleanParameter,
        CategoricalParameter,
        Constant,
        IntegerParameter,
        Model,
        RealParameter,
        Sample,
        ScalarOutcome,
    )

from . import schema  # noqa: E402
from .ensemble import ScenarioLike, resolve_scenario, simulate  # noqa: E402
from .errors import SimInputError, check_range  # noqa: E402
from .params import MAX_HORIZON_WEEKS, MAX_REPLICATES  # noqa: E402
from .policy import Policy, as_policy  # noqa: E402
from .scenario import Scenario  # noqa: E402
from .stats import paired_summary  # noqa: E402

#: Outcome name -> meaning (every outcome is a ScalarOutcome of the model).
OUTCOMES = {
    "p_violence": "P(violence within the horizon) under the experiment's policy",
    "p_war": "P(war within the horizon) under the policy",
    "median_onset_week": "median week of the first onset of violence (policy; NaN if none)",
    "mean_cost": "mean stylised cost of the action (US$ million)",
    "p_violence_none": "P(violence) without action, on the same replicates",
    "p_war_none": "P(war) without action, on the same replicates",
    "risk_difference": "P(violence | policy) - P(violence | no action), paired",
    "p_before_arrival": "share of replicates whose onset came before the action arrived",
    "rrr_after_arrival": "relative risk reduction of violence where the action arrived in time",
    "p_arrived": "share of replicates in which the action arrived within the horizon",
}
#: The levers of :func:`model` unless others are named.
DEFAULT_LEVERS = ("policy.instrument", "policy.lag_weeks", "policy.intensity")
SEED = "seed"


# ---------------------------------------------------------------- parameters from the schema
def ema_parameter(d: schema.Declaration):
    """The EMA parameter of a declaration over its plausible range (its allowed one if none)."""
    if d.kind == "bool":
        return BooleanParameter(d.ident)
    if d.kind == "choice":
        return CategoricalParameter(d.ident, list(d.plausible or d.allowed))
    low, high = d.plausible if d.plausible is not None else d.allowed
    if d.kind == "int":
        return IntegerParameter(d.ident, int(low), int(high))
    return RealParameter(d.ident, float(low), float(high))


def uncertainties(names: Iterable[str] | None = None) -> list:
    """EMA uncertainties: the named declarations, or every sampled one (:func:`schema.sampled`)."""
    chosen = schema.select(names, schema.sampled())
    for d in chosen:
        if d.group == "policy":
            raise SimInputError("uncertainties", d.name, "is a lever (policy.*), not a world")
    return [ema_parameter(d) for d in chosen]


def levers(names: Iterable[str] | None = None) -> list:
    """EMA levers: the named ``policy.*`` declarations (default :data:`DEFAULT_LEVERS`)."""
    chosen = schema.select(DEFAULT_LEVERS if names is None else names, ())
    for d in chosen:
        if d.group != "policy":
            raise SimInputError("levers", d.name, "must be a policy.* declaration")
    return [ema_parameter(d) for d in chosen]


def policy_samples(policies: Sequence[Policy | str | Mapping[str, Any]]) -> list[Sample]:
    """EMA policies (``Sample`` objects named by the policy's label) for ``perform_experiments``.

    Each sets the default levers from a :class:`sim.Policy`, an instrument name or a dict of
    Policy fields (other fields of the policy are not levers and are not allowed)."""
    out = []
    for value in policies:
        p = as_policy(value)
        extra = [k for k in ("duration_weeks", "mediator", "unity") if getattr(p, k) is not None]
        if extra or p.sponsor != "un" or p.withdraw_when_calm:
            raise SimInputError(
                "policy", p.label, "only instrument, lag_weeks, intensity are levers"
            )
        values = {
            schema.to_ident(f"policy.{k}"): getattr(p, k)
            for k in ("instrument", "lag_weeks", "intensity")
        }
        out.append(Sample(name=p.label, **values))
    return out


# ---------------------------------------------------------------- the model function
def world_seed(seed: int, world: Mapping[str, Any]) -> int:
    """The ensemble seed of an experiment: a hash of ``seed`` and its uncertainty values.

    The same world (same values, any order) gives the same seed in any process, so all policies
    of a world are paired and parallel evaluation equals sequential evaluation.

    Example:
        >>> world_seed(0, {"a": 0.5, "b": 2}) == world_seed(0, {"b": 2, "a": np.float64(0.5)})
        True
    """
    items = sorted((k, repr(_plain(v))) for k, v in world.items())
    digest = hashlib.sha256(json.dumps([int(seed), items]).encode()).digest()
    return int.from_bytes(digest[:8], "little") % 2**63


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class EnsembleFunction:
    """The function of :func:`model`: keyword inputs (uncertainties, levers, constants) in,
    the :data:`OUTCOMES` of one paired ensemble out. Picklable (EMA sends it to workers)."""

    def __init__(
        self,
        scenario: Scenario,
        replicates: int,
        horizon_weeks: int,
        lever_names: Sequence[str],
        threads: int | None = None,
    ):
        self.scenario = scenario
        self.replicates = replicates
        self.horizon_weeks = horizon_weeks
        self.lever_names = tuple(lever_names)
        self.threads = threads

    def __call__(self, **inputs: Any) -> dict[str, float]:
        seed = int(inputs.pop(SEED, 0))
        world = {k: v for k, v in inputs.items() if k not in self.lever_names}
        params, changes, policy = schema.resolve(inputs)
        scenario = self.scenario.replace(**changes) if changes else self.scenario
        out = simulate(
            scenario,
            [policy, Policy("none")],
            replicates=self.replicates,
            horizon_weeks=self.horizon_weeks,
            seed=world_seed(seed, world),
            params=params,
            threads=self.threads,
        )
        return ensemble_outcomes(out[0], out[1], acting=policy.instrument != "none")


def ensemble_outcomes(policy: np.ndarray, baseline: np.ndarray, acting: bool) -> dict[str, float]:
    """The :data:`OUTCOMES` of a policy arm and its paired no-action arm (outcome records)."""
    s = paired_summary(policy=policy, baseline=baseline, acting=acting)
    arm, none = s["policy"], s["baseline"]
    return {
        "p_violence": arm["p_violence"]["p"],
        "p_war": arm["p_war"]["p"],
        "median_onset_week": arm["median_onset_week"],
        "mean_cost": arm["mean_cost"],
        "p_violence_none": none["p_violence"]["p"],
        "p_war_none": none["p_war"]["p"],
        "risk_difference": s["risk_difference"]["mean"],
        "p_before_arrival": s["before_arrival"]["p"],
        "rrr_after_arrival": s["after_arrival"]["rrr"],
        "p_arrived": arm["p_arrived"],
    }


def model(
    scenario: ScenarioLike = None,
    *,
    replicates: int = 200,
    horizon_weeks: int = 104,
    seed: int = 0,
    uncertainty_names: Iterable[str] | None = None,
    lever_names: Iterable[str] | None = None,
    threads: int | None = None,
    name: str = "prevention_sim",
) -> Model:
    """A ready EMA Workbench model of a scenario (a Scenario, a name or a YAML path).

    ``replicates`` and ``horizon_weeks`` size each experiment's paired ensemble; ``seed`` is the
    model's ``seed`` constant (see :func:`world_seed`); ``uncertainty_names`` / ``lever_names``
    select declarations of :mod:`sim.schema` (dotted or identifier-safe; default: every sampled
    one / :data:`DEFAULT_LEVERS`); ``threads`` the numba threads per experiment (None: all cores;
    1 under the multiprocessing evaluator).
    """
    check_range("replicates", replicates, 1, MAX_REPLICATES, integer=True)
    check_range("horizon_weeks", horizon_weeks, 1, MAX_HORIZON_WEEKS, integer=True)
    check_range("seed", seed, 0, 2**63 - 1, integer=True)
    lever_list = levers(lever_names)
    m = Model(
        name,
        function=EnsembleFunction(
            resolve_scenario(scenario),
            int(replicates),
            int(horizon_weeks),
            [p.name for p in lever_list],
            threads,
        ),
    )
    m.uncertainties = uncertainties(uncertainty_names)
    m.levers = lever_list
    m.constants = [Constant(SEED, int(seed))]
    m.outcomes = [ScalarOutcome(k) for k in OUTCOMES]
    return m
