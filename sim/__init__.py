"""Conflict-prevention simulator: escalation on a network, early warning and preventive action.

Quick start:
    >>> import sim
    >>> df = sim.run_ensemble(policies=["none", sim.Policy("envoy", lag_weeks=4)], replicates=200)
    >>> model = sim.EscalationModel(seed=1)      # the default scenario, no action
    >>> for _ in range(10):
    ...     model.step()

``import sim`` loads numpy and the scenario and parameter modules; numba kernels, pandas and Mesa
are imported when first used.
"""

import importlib

from .errors import SimInputError
from .params import INSTRUMENTS, STAGE_NAMES, Parameters
from .policy import Policy
from .scenario import Scenario

__all__ = [
    "INSTRUMENTS",
    "STAGE_NAMES",
    "EscalationModel",
    "Mediator",
    "Parameters",
    "Party",
    "Policy",
    "ReferenceModel",
    "RegionalOrganisation",
    "Scenario",
    "SimInputError",
    "default_scenario",
    "generated_scenario",
    "list_scenarios",
    "load_scenario",
    "paired_difference",
    "run_ensemble",
    "run_single",
    "simulate",
    "wilson_interval",
]

# Imported on first use: numba compiles or loads kernels, pandas and Mesa take seconds.
_LAZY = {
    "run_ensemble": "ensemble",
    "run_single": "ensemble",
    "simulate": "ensemble",
    "load_scenario": "scenarios_io",
    "list_scenarios": "scenarios_io",
    "default_scenario": "scenarios_io",
    "generated_scenario": "networks",
    "wilson_interval": "stats",
    "paired_difference": "stats",
    "ReferenceModel": "reference",
    "EscalationModel": "model",
    "Party": "agents",
    "Mediator": "agents",
    "RegionalOrganisation": "agents",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
