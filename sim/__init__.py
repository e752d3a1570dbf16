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
from .networks import generated_scenario
from .params import INSTRUMENTS, STAGE_NAMES, Parameters
from .policy import Policy
from .scenario import Scenario, default_scenario

__all__ = [
    "INSTRUMENTS",
    "EscalationModel",
    "Mediator",
    "Party",
    "RegionalOrganisation",
    "STAGE_NAMES",
    "Parameters",
    "Policy",
    "Scenario",
    "SimInputError",
    "default_scenario",
    "generated_scenario",
    "run_ensemble",
]

# The Mesa layer is imported on first use: importing mesa takes seconds, and the ensemble runner,
# the CLI and the kernels do not need it.
_LAZY = {
    "EscalationModel": "model",
    "Party": "agents",
    "Mediator": "agents",
    "RegionalOrganisation": "agents",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
