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
    >>> model = EscalationModel(policy={"instrument": "envoy", "lag_weeks": 4}, seed=7)
    >>> model.run_model()                        # steps until horizon_weeks (104)
    >>> model.week, sorted(model.outcomes)[:3]
    (104, ['action_weeks', 'arrival_week', 'cost'])
    >>> violent = model.agents_by_type[Party].select(lambda p: p.stage >= 3)
    >>> df = model.datacollector.get_model_vars_dataframe()   # one row per week, plus week 0
"""

from __future__ import annotations

import mesa
import numpy as np

from . import kernels
from . import rng as counter_rng
from .agents import Mediator, Party, RegionalOrganisation, party_network
from .collector import ArrayCollector
from .ensemble import resolve_scenario
from .errors import SimInputError, check_range
from .params import N_STAGES, STAGE_NAMES, VIOLENCE, Parameters, as_parameters, kernel_params
from .policy import Policy, as_policy, compile_policy, pick_mediator, sponsor_terms
from .scenario import Scenario
from .state import OUTCOME_DTYPE, build_net, initial_state

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
    "onset_week",
    "warning_week",
    "arrival_week",
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

    Takes what ``sim.run_ensemble`` takes (keywords after ``scenario`` and ``policy``).

    Args:
        scenario: a :class:`sim.Scenario`, a scenario name or file path, or None for the default
            region. It is stored as ``model.conflict_scenario`` (Mesa's ``model.scenario`` is
            Mesa's own).
        policy: a :class:`sim.Policy`, an instrument name, a dict of Policy fields, or None
            (no action).
        params: :class:`sim.Parameters` or a mapping of overrides; None takes the defaults.
        seed: the run's seed (an int, or None to draw one); ``rng`` is Mesa's name for it and
            accepted as an alias. The kernels' counter-based draws use ``model.seed``.
        replicate: replicate number; with the same seed, replicate ``r`` here is replicate ``r``
            of ``run_ensemble``.
        horizon_weeks: ``model.running`` turns False once this many weeks are simulated.
        collect: collect DataCollector rows at creation and after every step.

    The state the kernels step (agents read and write it): ``model.state`` (``party``,
    ``tension``, ``run``), with ``model.net``, ``model.kernel_params`` and ``model.action``.

    Example:
        >>> m = EscalationModel(policy="envoy", seed=1, horizon_weeks=20)
        >>> m.run_model()
        >>> m.week, m.running, int(m.stage_counts.sum())
        (20, False, 28)
    """

    def __init__(
        self,
        scenario: Scenario | str | None = None,
        policy: Policy | str | dict | None = None,
        *,
        params: Parameters | dict | None = None,
        seed: int | None = None,
        rng: int | None = None,
        replicate: int = 0,
        horizon_weeks: int = 104,
        collect: bool = True,
    ) -> None:
        if seed is not None and rng is not None and seed != rng:
            raise SimInputError("rng", rng, f"is Mesa's alias of seed and differs from {seed}")
        for name, value in (("seed", seed), ("rng", rng)):
            if value is not None:
                check_range(name, value, 0, 2**63 - 1, integer=True)
        chosen = seed if seed is not None else rng
        super().__init__(rng=None if chosen is None else int(chosen))
        self.seed: int = int(self._seed) % 2**63
        self.conflict_scenario: Scenario = resolve_scenario(scenario)
        self.policy: Policy = as_policy(policy)
        self.params: Parameters = as_parameters(params)
        replicate, horizon_weeks = int(replicate), int(horizon_weeks)
        check_range("replicate", replicate, 0, 2**62, integer=True)
        check_range("horizon_weeks", horizon_weeks, 1, 100_000, integer=True)
        if not isinstance(collect, bool):
            raise SimInputError("collect", collect, "must be true or false")
        self.replicate = replicate
        self.horizon_weeks = horizon_weeks
        self.collect = collect

        s = self.conflict_scenario
        self.action = compile_policy(self.policy, s, self.params)[0]
        self.kernel_params = kernel_params(self.params)[0]
        net = build_net(s)
        # own copies of the static arrays agents may write, so the scenario is never changed
        self.net = net._replace(
            will_to_settle=net.will_to_settle.copy(),
            org_warning_quality=net.org_warning_quality.copy(),
            org_warning_threshold=net.org_warning_threshold.copy(),
        )
        self.mediator_credibility = s.mediator_credibility.copy()
        self.mediator_impartiality = s.mediator_impartiality.copy()
        self.mediator_capacity = s.mediator_capacity.copy()
        self.organisation_leverage = s.organisation_leverage.copy()
        self.organisation_unity = s.organisation_unity.copy()
        self.state = initial_state(s)
        self.run = self.state.run.view(np.recarray)[0]  # fields as attributes: run.weeks
        self.rkey = np.uint64(counter_rng.run_key(self.seed, self.replicate))
        self.deployed_mediator = -1
        if self.params.instrument(self.policy.instrument).mediation:
            sponsor = sponsor_terms(self.policy, s)[0]
            self.deployed_mediator = pick_mediator(self.policy, s, sponsor)

        # parties first, so that a party's Mesa unique_id is its index + 1
        self.parties = [Party(self, i) for i in range(s.n_parties)]
        # Mesa's network space over the scenario's relations: party i on cell i
        self.space = party_network(s, self.random)
        for party in self.parties:
            party.cell = self.space[party.index]
        self.mediators = [Mediator(self, k) for k in range(s.n_mediators)]
        self.organisations = [RegionalOrganisation(self, k) for k in range(s.n_organisations)]

        self.datacollector = ArrayCollector(MODEL_REPORTERS, PARTY_REPORTERS)
        if self.collect:
            self.datacollector.collect(self)

    # ---------------------------------------------------------------- stepping
    def step(self) -> None:
        """Simulate one week (week index ``model.week``) with ``kernels.step``; from
        ``kernels.PARALLEL_MIN_PARTIES`` parties over numba's threads
        (:func:`sim.kernels_parallel.advance`: the same result, bit for bit)."""
        week = int(self.state.run["weeks"][0])  # (the recarray's attribute costs 2.7 us)
        if self.state.party.stage.shape[0] < kernels.PARALLEL_MIN_PARTIES:
            kernels.step(week, self.rkey, self.net, self.kernel_params, self.action, self.state)
        else:
            from . import kernels_parallel  # compiled on first use: big networks only

            # one-record arrays of this week's records (agents may have changed them)
            params, action = np.array([self.kernel_params]), np.array([self.action])
            kernels_parallel.advance(week, self.rkey, self.net, params, action, self.state)
        if self.collect:
            self.datacollector.collect(self)
        if week + 1 >= self.horizon_weeks:
            self.running = False

    # ---------------------------------------------------------------- lookups
    def party(self, name_or_index: str | int) -> Party:
        """The :class:`Party` agent with this name or index (SimInputError if none)."""
        return self.parties[self.conflict_scenario.party_index(name_or_index)]

    # ---------------------------------------------------------------- state summaries
    @property
    def week(self) -> int:
        """Weeks simulated so far (0 before the first step)."""
        return int(self.run.weeks)

    @property
    def stage_counts(self) -> np.ndarray:
        """Parties per stage now (length 5, order ``STAGE_NAMES``), counted from the arrays."""
        return np.bincount(self.state.party.stage, minlength=N_STAGES)

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
        return float(self.run.mean_tension)

    @property
    def n_warned(self) -> int:
        """Parties warned about in the last week."""
        return int(self.run.n_warned)

    @property
    def n_flagged(self) -> int:
        """Parties ever warned about this run."""
        return int(np.count_nonzero(self.state.party.flagged))

    @property
    def action_active(self) -> bool:
        """True while the policy's action is active (as of the last step)."""
        return bool(self.run.active)

    @property
    def violence(self) -> bool:
        """True once any party has entered violence from below this run."""
        return bool(self.run.onset_week >= 0)

    @property
    def onset_week(self) -> int:
        """Week index of the first onset of violence, -1 if none yet."""
        return int(self.run.onset_week)

    @property
    def cost(self) -> float:
        """Stylised cost of the action so far (US$ million)."""
        return float(self.run.cost)

    @property
    def warning_week(self) -> int:
        """Week index of the first warning by any observer, -1 if none yet."""
        return int(self.run.warning_week)

    @property
    def arrival_week(self) -> int:
        """Week index the action arrives (or is scheduled to), -1 if not scheduled.

        ``outcomes["arrival_week"]`` counts an arrival only once it has happened."""
        return int(self.run.arrival_week)

    def reporter_values(self, names) -> dict[str, int | float | bool]:
        """The model attributes ``names`` now, read from the arrays at once (what the
        collector stores each week; each equals ``getattr(self, name)``, tested)."""
        run = dict(zip(self.state.run.dtype.names, self.state.run[0].item(), strict=True))
        counts = self.stage_counts.tolist()
        at_once = {
            "week": run["weeks"],
            **{f"n_{stage}": counts[k] for k, stage in enumerate(STAGE_NAMES)},
            "n_violent": sum(counts[VIOLENCE:]),
            "mean_tension": run["mean_tension"],
            "n_warned": run["n_warned"],
            "action_active": bool(run["active"]),
            "violence": run["onset_week"] >= 0,
            "onset_week": run["onset_week"],
            "cost": run["cost"],
            "warning_week": run["warning_week"],
            "arrival_week": run["arrival_week"],
        }
        return {name: at_once[name] if name in at_once else getattr(self, name) for name in names}

    @property
    def outcomes(self) -> dict[str, int | float]:
        """The outcome fields (``state.OUTCOME_FIELDS``) of the run so far, computed by
        ``kernels.outcomes``; ints except ``cost`` (float), as in ``run_ensemble``'s columns."""
        out = np.zeros(1, OUTCOME_DTYPE)
        kernels.outcomes(self.run, out[0])
        return {name: out[0][name].item() for name in OUTCOME_DTYPE.names}

    def __repr__(self) -> str:
        return (
            f"EscalationModel(scenario={self.conflict_scenario.name!r}, "
            f"policy={self.policy.label!r}, seed={self.seed}, replicate={self.replicate}, "
            f"week={self.week})"
        )
