"""Conflict-prevention simulator: escalation on a network, early warning and preventive action.

Quick start:
    >>> import sim
    >>> df = sim.run_ensemble(policies=["none", sim.Policy("envoy", lag_weeks=4)], n_replicates=200)
    >>> model = sim.EscalationModel(rng=1)      # the default scenario, no action
    >>> for _ in range(10):
    ...     model.step()
"""

from .ensemble import run_ensemble
from .errors import SimInputError
from .params import INSTRUMENTS, STAGE_NAMES, Parameters
from .policy import Policy
from .scenario import Scenario, default_scenario, generated_scenario

__all__ = [
    "INSTRUMENTS",
    "STAGE_NAMES",
    "Parameters",
    "Policy",
    "Scenario",
    "SimInputError",
    "default_scenario",
    "generated_scenario",
    "run_ensemble",
]
