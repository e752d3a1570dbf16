"""The model the page shows: one replicate with the chosen action, and its no-action twin.

:class:`TeachingModel` is an :class:`~sim.model.EscalationModel` built from the page's raw
control values (:func:`sim.app.settings.parse_controls`: a bad value never raises; it keeps
its default and ``model.input_errors`` says why). It steps a second EscalationModel alongside,
``model.baseline``: the same scenario, parameters, seed and replicate with no action. The
kernels draw the same random numbers for both (counter-based draws), so the two runs are one
run until the action arrives, and ``model.divergence_week`` is the first week they differ.

Example:
    >>> from sim.app.teaching import TeachingModel
    >>> m = TeachingModel(scenario_name="two_party", instrument="envoy", lag_weeks="2", seed="3")
    >>> for _ in range(30):
    ...     m.step()
    >>> m.week == m.baseline.week == 30, m.input_errors
    (True, [])
    >>> TeachingModel(lag_weeks="soon").input_errors
    ["decision lag (weeks): got 'soon'; must be an integer in [0, 10000]"]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model import EscalationModel
from ..scenarios_io import load_scenario
from .settings import Controls, parse_controls

__all__ = ["TeachingModel", "build_scenario"]


def build_scenario(controls: Controls):
    """The chosen scenario, with the UN's warning quality from the slider if asked."""
    scenario = load_scenario(controls.scenario_name)  # a name of TEACHING_SCENARIOS, never a path
    if controls.own_warning_and_unity:
        return scenario
    return scenario.replace(un_warning_quality=controls.warning_quality)


class TeachingModel(EscalationModel):
    """The chosen action on one replicate, stepped in lockstep with the same replicate
    without it (``model.baseline``).

    Keyword arguments are the page's controls (:data:`sim.app.settings.LABELS`, the mechanism
    switches by name), raw as a browser sends them; ``defaults`` (a :class:`Controls`) fills
    the ones not given and replaces bad ones. Mesa's SolaraViz also passes ``scenario`` (its own
    Scenario object) when it resets a model: that one is ignored, the conflict scenario is the
    ``scenario`` control (a name).
    """

    def __init__(
        self, *, defaults: Controls | None = None, horizon_weeks: int = 104, **raw: Any
    ) -> None:
        raw.pop("scenario", None)  # Mesa's own Scenario object, passed by SolaraViz's reset
        controls, errors = parse_controls(raw, defaults)
        self.controls = controls
        self.input_errors: list[str] = errors
        scenario = build_scenario(controls)
        common = {
            "params": controls.params,
            "seed": controls.seed,
            "horizon_weeks": horizon_weeks,
        }
        super().__init__(scenario, controls.policy, **common)
        self.baseline = EscalationModel(scenario, None, **common)
        self.previous_stage = self.state.party.stage.copy()
        self.divergence_week = -1

    def step(self) -> None:
        """One week of both runs; notes the first week in which they differ."""
        if not self.running:
            return
        self.previous_stage = self.state.party.stage.copy()
        super().step()
        self.baseline.step()
        if self.divergence_week < 0 and not self.same_as_baseline():
            self.divergence_week = self.week

    def same_as_baseline(self) -> bool:
        """True while both runs are in the same state (stages and tensions)."""
        here, there = self.state, self.baseline.state
        return bool(
            np.array_equal(here.party.stage, there.party.stage)
            and np.array_equal(here.tension, there.tension)
        )
