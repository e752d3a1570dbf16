"""Preventive action policies: an instrument, a decision lag after the first warning, and options.

The lag only decides *when* an action arrives (``warning week + 1 + lag + deployment delay +
sponsor response``); nothing in the rules reads it. Any difference in outcomes across lags
therefore comes from the state the action meets when it arrives.

Example:
    >>> Policy("envoy", lag_weeks=4).instrument
    'envoy'
    >>> Policy("sanction", lag_weeks=1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sim.errors.SimInputError: policy.instrument: got 'sanction'; must be one of none, ...
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import Range, SimInputError
from .params import INSTRUMENTS, Instrument, Parameters
from .scenario import UN, Scenario
from .state import ACTION_DTYPE

#: Fields of the instrument's row copied into the action record as they are.
INSTRUMENT_ACTION_FIELDS = tuple(
    name for name in ACTION_DTYPE.names if name in Instrument.__dataclass_fields__
)


def instrument_index(name: str, field: str = "policy.instrument") -> int:
    if name not in INSTRUMENTS:
        raise SimInputError(field, name, f"must be one of {', '.join(INSTRUMENTS)}")
    return INSTRUMENTS.index(name)


#: The allowed range of each numeric field of :class:`Policy` (also quoted by the CLI's errors).
POLICY_RANGES = {
    "lag_weeks": Range(0, 10_000, integer=True),
    "intensity": Range(0.0, 3.0),
    "duration_weeks": Range(1, 10_000, integer=True),
    "unity": Range(0.0, 1.0),
}


@dataclass(frozen=True)
class Policy:
    """One preventive action.

    Attributes:
        instrument: one of ``sim.INSTRUMENTS``.
        lag_weeks: decision lag in weeks from the first warning (>= 0).
        intensity: scales the action's force and its weekly cost (0 < intensity <= 3).
        duration_weeks: weeks active after arrival; None takes the instrument's default.
        sponsor: ``"un"`` or the name of a regional organisation of the scenario.
        mediator: name of the scenario's mediator an envoy policy deploys; None takes the first
            mediator of the sponsor (or the first mediator at all).
        withdraw_when_calm: end the action as soon as every flagged party is calm (stage
            ``dispute`` or below) instead of staying for the whole duration (paras 56-57).
        unity: override the sponsor's unity in [0, 1] (paras 16, 31); None keeps the scenario's.
    """

    instrument: str = "none"
    lag_weeks: int = 0
    intensity: float = 1.0
    duration_weeks: int | None = None
    sponsor: str = "un"
    mediator: str | None = None
    withdraw_when_calm: bool = False
    unity: float | None = None

    def __post_init__(self) -> None:
        """Check every field; numbers are stored as plain Python numbers.

        Numpy numbers are accepted, and a whole-number float (``lag_weeks=2.0``) is stored as
        the int it is (the one normalisation done here, so that the label is ``envoy@2`` and
        tables get an integer column); ``lag_weeks=2.5`` is an error.
        """
        instrument_index(self.instrument)
        self._normalise("lag_weeks", POLICY_RANGES["lag_weeks"])
        self._normalise("intensity", POLICY_RANGES["intensity"])
        if self.intensity == 0.0 and self.instrument != "none":
            raise SimInputError("policy.intensity", self.intensity, "must be in (0, 3]")
        if self.duration_weeks is not None:
            self._normalise("duration_weeks", POLICY_RANGES["duration_weeks"])
        if not isinstance(self.withdraw_when_calm, bool):
            raise SimInputError(
                "policy.withdraw_when_calm", self.withdraw_when_calm, "must be true or false"
            )
        if self.unity is not None:
            self._normalise("unity", POLICY_RANGES["unity"])
        if not isinstance(self.sponsor, str):
            raise SimInputError("policy.sponsor", self.sponsor, "must be 'un' or an organisation")

    def _normalise(self, name: str, limits: Range) -> None:
        """Check a numeric field and store it as a Python int or float (frozen: set once, here)."""
        object.__setattr__(self, name, limits.check(f"policy.{name}", getattr(self, name)))

    @property
    def label(self) -> str:
        """Short unique name, e.g. ``envoy@4``, ``envoy@4[withdraw,unity=0.2]``."""
        if self.instrument == "none":
            return "none"
        options = []
        if self.intensity != 1.0:
            options.append(f"intensity={self.intensity:g}")
        if self.duration_weeks is not None:
            options.append(f"duration={self.duration_weeks}")
        if self.sponsor != "un":
            options.append(f"sponsor={self.sponsor}")
        if self.mediator is not None:
            options.append(f"mediator={self.mediator}")
        if self.withdraw_when_calm:
            options.append("withdraw")
        if self.unity is not None:
            options.append(f"unity={self.unity:g}")
        suffix = f"[{','.join(options)}]" if options else ""
        return f"{self.instrument}@{self.lag_weeks}{suffix}"


def compile_policy(policy: Policy, scenario: Scenario, params: Parameters) -> np.ndarray:
    """Resolve a policy against a scenario into the one-record array the kernels read
    (layout ``sim.state.ACTION_DTYPE``); everything sponsor- and scenario-derived is resolved
    here, once."""
    k = instrument_index(policy.instrument)
    sponsor, unity, leverage, response = sponsor_terms(policy, scenario)
    instrument = params.instrument(policy.instrument)
    action = np.zeros(1, ACTION_DTYPE)
    a = action[0]
    a["instrument"] = k
    a["lag_weeks"] = policy.lag_weeks
    a["intensity"] = policy.intensity
    a["duration_weeks"] = (
        instrument.duration_weeks if policy.duration_weeks is None else policy.duration_weeks
    )
    a["arrival_offset"] = policy.lag_weeks + instrument.deploy_weeks + response
    a["unity_factor"] = unity_factor(unity, params.unity_floor)
    a["sponsor_leverage"] = leverage
    a["withdraw_when_calm"] = policy.withdraw_when_calm
    if instrument.mediation:
        m = pick_mediator(policy, scenario, sponsor)
        a["mediator_credibility"] = scenario.mediator_credibility[m]
        a["mediator_impartiality"] = scenario.mediator_impartiality[m]
        a["mediator_capacity"] = scenario.mediator_capacity[m]
    for name in INSTRUMENT_ACTION_FIELDS:
        a[name] = getattr(instrument, name)
    a["stage_effect"] = params.stage_row(policy.instrument)
    return action


def sponsor_terms(policy: Policy, scenario: Scenario) -> tuple[int, float, float, int]:
    """``(sponsor id, unity, leverage, response weeks)`` of the policy's sponsor."""
    if policy.sponsor == "un":
        unity = scenario.un_unity if policy.unity is None else policy.unity
        return UN, unity, scenario.un_leverage, 0
    if policy.sponsor not in scenario.organisation_names:
        allowed = ", ".join(("un",) + scenario.organisation_names)
        raise SimInputError("policy.sponsor", policy.sponsor, f"must be one of {allowed}")
    o = scenario.organisation_names.index(policy.sponsor)
    unity = float(scenario.organisation_unity[o]) if policy.unity is None else policy.unity
    return (
        o,
        unity,
        float(scenario.organisation_leverage[o]),
        int(scenario.organisation_response_weeks[o]),
    )


def unity_factor(unity: float, floor: float) -> float:
    """Share of an instrument's force that a sponsor of this unity brings (para 16)."""
    return floor + (1.0 - floor) * unity


def pick_mediator(policy: Policy, scenario: Scenario, sponsor: int) -> int:
    """The mediator an envoy policy deploys: the named one, else the sponsor's first, else the
    scenario's first."""
    if scenario.n_mediators == 0:
        raise SimInputError(
            "policy.instrument",
            policy.instrument,
            f"scenario '{scenario.name}' has no mediator to deploy",
        )
    if policy.mediator is not None:
        if policy.mediator not in scenario.mediator_names:
            raise SimInputError(
                "policy.mediator",
                policy.mediator,
                f"must be one of {', '.join(scenario.mediator_names)}",
            )
        return scenario.mediator_names.index(policy.mediator)
    same_sponsor = np.flatnonzero(scenario.mediator_sponsor == sponsor)
    return int(same_sponsor[0]) if same_sponsor.size else 0


def as_policy(value) -> Policy:
    """Accept a Policy, an instrument name, or a dict of Policy fields."""
    if isinstance(value, Policy):
        return value
    if value is None:
        return Policy()
    if isinstance(value, str):
        return Policy(value)
    if isinstance(value, dict):
        unknown = set(value) - set(Policy.__dataclass_fields__)
        if unknown:
            raise SimInputError(
                "policy",
                sorted(unknown),
                f"unknown keys; allowed: {', '.join(Policy.__dataclass_fields__)}",
            )
        return Policy(**value)
    raise SimInputError("policy", value, "must be a Policy, an instrument name or a dict")
