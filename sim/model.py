"""The Mesa face of the simulator: one replicate of one scenario under one policy.

:class:`EscalationModel` owns the struct of arrays of :mod:`sim.state` and advances it with the
same numba kernel the ensemble runner uses (``kernels.step``), so replicate ``r`` of
``run_ensemble(scenario, [policy], seed=s)`` and ``EscalationModel(rng=s, scenario=scenario,
policy=policy, replicate=r)`` stepped ``horizon_weeks`` times give the same outcomes, field for
field. The agents (:mod:`sim.agents`) are views onto the arrays; Mesa's DataCollector, AgentSet
and ``batch_run`` work as usual.

Week numbering: the kernels number weeks from 0 (``onset_week``, ``warning_week``, ...); the
``n``-th call of :meth:`EscalationModel.step` simulates week index ``n - 1`` and leaves
``model.week == n`` weeks simulated. The DataCollector's row ``n`` (Mesa's ``Step``) is the
state after ``n`` weeks; row 0 is the initial state.

Example:
    >>> from sim.model import EscalationModel
    >>> from sim.agents import Party
    >>> model = EscalationModel(rng=7, policy={"instrument": "envoy", "lag_weeks": 4})
    >>> model.run_model()                        # steps until horizon_weeks (104)
    >>> model.week, sorted(model.outcomes)[:3]
    (104, ['action_weeks', 'arrival_week', 'cost'])
    >>> violent = model.agents_by_type[Party].select(lambda p: p.stage >= 3)
    >>> df = model.datacollector.get_model_vars_dataframe()   # one row per week, plus week 0
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.datacollection import DataCollector

from . import kernels
from . import rng as counter_rng
from .agents import Mediator, Party, RegionalOrganisation
from .ensemble import INTEGER_OUTCOMES
from .errors import SimInputError, check_range
from .params import ENVOY, N_STAGES, STAGE_NAMES, VIOLENCE, Parameters, instrument_index
from .policy import Policy, _pick_mediator, as_policy, compile_policy
from .scenario import UN, Scenario, default_scenario
from .state import (
    N_OUT,
    OUTCOME_FIELDS,
    PI_FLAGGED,
    PI_STAGE,
    R_ACTIVE,
    R_ARRIVAL_WEEK,
    R_N_WARNED,
    R_ONSET_WEEK,
    R_WARNING_WEEK,
    R_WEEKS,
    RF_COST,
    RF_MEAN_TENSION,
    build_net,
    initial_state,
)

__all__ = ["EscalationModel", "MODEL_REPORTERS", "PARTY_REPORTERS"]

#: Model-level columns of ``model.datacollector`` (each an attribute of the model).
MODEL_REPORTERS = (
    "week",
    *(f"n_{name}" for name in STAGE_NAMES),
    "n_violent",
    "mean_tension",
    "n_warned",
    "n_flagged",
    "action_active",
    "violence",
    "cost",
)
#: Per-party columns of ``model.datacollector.get_agenttype_vars_dataframe(Party)``.
PARTY_REPORTERS = ("stage", "grievance", "attention")


def _stage_count(stage: int) -> property:
    return property(
        lambda self: int(self.stage_counts[stage]),
        doc=f"Parties at stage {STAGE_NAMES[stage]} now.",
    )


class EscalationModel(mesa.Model):
    """One replicate of a scenario under a policy, stepped a week at a time.

    Args:
        rng: Mesa's seed argument (an int, or None to draw one). The counter-based random
            numbers of the kernels use ``model.seed``: this int (``% 2**63``) or the drawn one.
        scenario: a :class:`sim.Scenario`, a scenario name (resolved by
            ``sim.scenarios_io.load_scenario``), or None for :func:`sim.default_scenario`. It is
            stored as ``model.conflict_scenario`` (Mesa's ``model.scenario`` is Mesa's own).
        policy: a :class:`sim.Policy`, an instrument name, a dict of Policy fields, or None
            (no action).
        params: :class:`sim.Parameters` (or a dict of its fields); None takes the defaults.
        replicate: replicate number; with the same seed, replicate ``r`` here is replicate ``r``
            of ``run_ensemble``.
        horizon_weeks: ``model.running`` turns False once this many weeks are simulated.
        collect: collect DataCollector rows at creation and after every step.

    Arrays (the state the kernels step; agents read and write them): ``net``, ``params_vec``,
    ``action``, ``party_f``, ``party_i``, ``tension``, ``run_i``, ``run_f``.

    Example:
        >>> m = EscalationModel(rng=1, policy="envoy", horizon_weeks=20)
        >>> m.run_model()
        >>> m.week, m.running, int(m.stage_counts.sum())
        (20, False, 28)
    """

    def __init__(
        self,
        rng: int | None = None,
        scenario: Scenario | str | None = None,
        policy: Policy | str | dict | None = None,
        params: Parameters | dict | None = None,
        replicate: int = 0,
        horizon_weeks: int = 104,
        *,
        collect: bool = True,
    ) -> None:
        super().__init__(rng=rng)
        self.seed: int = int(self._seed) % 2**63
        self.conflict_scenario: Scenario = _resolve_scenario(scenario)
        self.policy: Policy = as_policy(policy)
        self.params: Parameters = _resolve_params(params)
        if isinstance(replicate, np.integer):
            replicate = int(replicate)
        check_range("replicate", replicate, 0, 2**62, integer=True)
        if isinstance(horizon_weeks, np.integer):
            horizon_weeks = int(horizon_weeks)
        check_range("horizon_weeks", horizon_weeks, 1, 100_000, integer=True)
        if not isinstance(collect, bool):
            raise SimInputError("collect", collect, "must be true or false")
        self.replicate = int(replicate)
        self.horizon_weeks = int(horizon_weeks)
        self.collect = collect

        s = self.conflict_scenario
        self.action = compile_policy(self.policy, s, self.params)
        self.params_vec = self.params.to_array()
        net = build_net(s)
        # own copies of the static arrays agents may write, so the scenario is never changed
        self.net = net._replace(
            will_to_settle=net.will_to_settle.copy(),
            org_quality=net.org_quality.copy(),
            org_threshold=net.org_threshold.copy(),
        )
        self.mediator_credibility = s.mediator_credibility.copy()
        self.mediator_impartiality = s.mediator_impartiality.copy()
        self.mediator_capacity = s.mediator_capacity.copy()
        self.organisation_leverage = s.organisation_leverage.copy()
        self.organisation_unity = s.organisation_unity.copy()
        self.party_f, self.party_i, self.tension, self.run_i, self.run_f = initial_state(s)
        self.rkey = np.uint64(counter_rng.run_key(self.seed, self.replicate))
        self.deployed_mediator = -1
        if instrument_index(self.policy.instrument) == ENVOY:
            sponsor = (
                UN
                if self.policy.sponsor == "un"
                else s.organisation_names.index(self.policy.sponsor)
            )
            self.deployed_mediator = _pick_mediator(self.policy, s, sponsor)

        # parties first, so that a party's Mesa unique_id is its index + 1
        self.parties = [Party(self, i) for i in range(s.n_parties)]
        self.mediators = [Mediator(self, k) for k in range(s.n_mediators)]
        self.organisations = [RegionalOrganisation(self, k) for k in range(s.n_organisations)]

        self.datacollector = DataCollector(
            model_reporters={name: name for name in MODEL_REPORTERS},
            agenttype_reporters={Party: {name: name for name in PARTY_REPORTERS}},
        )
        if self.collect:
            self.datacollector.collect(self)

    # ---------------------------------------------------------------- stepping
    def step(self) -> None:
        """Simulate one week (week index ``model.week``) with ``kernels.step``."""
        t = int(self.run_i[R_WEEKS])
        kernels.step(
            t,
            self.rkey,
            self.net,
            self.params_vec,
            self.action,
            self.party_f,
            self.party_i,
            self.tension,
            self.run_i,
            self.run_f,
        )
        if self.collect:
            self.datacollector.collect(self)
        if self.week >= self.horizon_weeks:
            self.running = False

    # ---------------------------------------------------------------- lookups
    def party(self, name_or_index: str | int) -> Party:
        """The :class:`Party` agent with this name or index (SimInputError if none)."""
        return self.parties[self.conflict_scenario.party_index(name_or_index)]

    # ---------------------------------------------------------------- state summaries
    @property
    def week(self) -> int:
        """Weeks simulated so far (0 before the first step)."""
        return int(self.run_i[R_WEEKS])

    @property
    def stage_counts(self) -> np.ndarray:
        """Parties per stage now (length 5, order ``STAGE_NAMES``), counted from the arrays."""
        return np.bincount(self.party_i[PI_STAGE], minlength=N_STAGES)

    n_stable = _stage_count(0)
    n_dispute = _stage_count(1)
    n_crisis = _stage_count(2)
    n_violence = _stage_count(3)
    n_war = _stage_count(4)

    @property
    def n_violent(self) -> int:
        """Parties at stage violence or war now."""
        return int(self.stage_counts[VIOLENCE:].sum())

    @property
    def mean_tension(self) -> float:
        """Mean tension over rivalry relations (as of the last step)."""
        return float(self.run_f[RF_MEAN_TENSION])

    @property
    def n_warned(self) -> int:
        """Parties warned about in the last week."""
        return int(self.run_i[R_N_WARNED])

    @property
    def n_flagged(self) -> int:
        """Parties ever warned about this run."""
        return int(np.count_nonzero(self.party_i[PI_FLAGGED]))

    @property
    def action_active(self) -> bool:
        """True while the policy's action is active (as of the last step)."""
        return bool(self.run_i[R_ACTIVE])

    @property
    def violence(self) -> bool:
        """True once any party has entered violence from below this run."""
        return bool(self.run_i[R_ONSET_WEEK] >= 0)

    @property
    def cost(self) -> float:
        """Stylised cost of the action so far (US$ million)."""
        return float(self.run_f[RF_COST])

    @property
    def warning_week(self) -> int:
        """Week index of the first warning by any observer, -1 if none yet."""
        return int(self.run_i[R_WARNING_WEEK])

    @property
    def arrival_week(self) -> int:
        """Week index the action arrives (or is scheduled to), -1 if not scheduled.

        ``outcomes["arrival_week"]`` counts an arrival only once it has happened."""
        return int(self.run_i[R_ARRIVAL_WEEK])

    @property
    def outcomes(self) -> dict[str, int | float]:
        """The outcome fields (``state.OUTCOME_FIELDS``) of the run so far, computed by
        ``kernels.outcomes``; ints except ``cost`` (float), as in ``run_ensemble``'s columns."""
        out = np.empty(N_OUT)
        kernels.outcomes(self.run_i, self.run_f, out)
        return {
            f: int(v) if f in INTEGER_OUTCOMES else float(v)
            for f, v in zip(OUTCOME_FIELDS, out, strict=True)
        }

    def __repr__(self) -> str:
        return (
            f"EscalationModel(scenario={self.conflict_scenario.name!r}, "
            f"policy={self.policy.label!r}, seed={self.seed}, replicate={self.replicate}, "
            f"week={self.week})"
        )


def _resolve_scenario(scenario) -> Scenario:
    if scenario is None:
        return default_scenario()
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str):
        try:
            from . import scenarios_io
        except ModuleNotFoundError as exc:
            if exc.name not in ("sim.scenarios_io", f"{__package__}.scenarios_io"):
                raise
            if scenario == "default":
                return default_scenario()
            raise SimInputError(
                "scenario",
                scenario,
                "loading scenarios by name needs sim.scenarios_io, which is not "
                "available; pass a sim.Scenario or 'default'",
            ) from None
        return scenarios_io.load_scenario(scenario)
    raise SimInputError(
        "scenario", type(scenario).__name__, "must be a sim.Scenario, a scenario name or None"
    )


def _resolve_params(params) -> Parameters:
    if params is None:
        return Parameters()
    if isinstance(params, Parameters):
        return params
    if isinstance(params, dict):
        unknown = set(params) - set(Parameters.__dataclass_fields__)
        if unknown:
            raise SimInputError("params", sorted(unknown), "unknown parameter names")
        return Parameters(**params)
    raise SimInputError(
        "params", type(params).__name__, "must be sim.Parameters, a dict of its fields or None"
    )
