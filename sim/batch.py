"""``mesa.batch_run`` and the app's sliders over the parameter schema: :class:`SweepModel`.

:class:`SweepModel` is :class:`sim.model.EscalationModel` taking every input of
:mod:`sim.schema` as a flat keyword with its identifier-safe name (``tension_decay``,
``instruments__envoy__deploy_weeks``, ``multiplier__stage_effect__envoy``,
``scenario__un_unity``, ``policy__instrument``, ``policy__lag_weeks``...), so that Mesa's batch
runner can sweep any of them and record them as columns, and SolaraViz can pass the
``model_params`` of :func:`sim.schema.mesa_model_params` as they are. Model reporters:
``sim.model.MODEL_REPORTERS`` (stage counts, onset, warning and arrival weeks, cost...);
agent-level: ``sim.model.PARTY_REPORTERS`` per party (stage, grievance, attention).

Example (two parameters swept, three seeds each; see docs/research_tools.md)::

    import mesa
    from sim import schema
    from sim.batch import SweepModel

    grid = schema.batch_parameters(
        {"tension_decay": [0.02, 0.06], "policy.lag_weeks": [0, 12]},
        policy__instrument="envoy", horizon_weeks=52,
    )
    rows = mesa.batch_run(SweepModel, parameters=grid, rng=[1, 2, 3], max_steps=52,
                          number_processes=1, display_progress=False)
"""

from __future__ import annotations

from typing import Any

from . import schema
from .ensemble import ScenarioLike, resolve_scenario
from .model import EscalationModel


class SweepModel(EscalationModel):
    """An :class:`EscalationModel` whose parameters, scenario inputs and policy are flat
    keywords named by :mod:`sim.schema` (unknown names and values out of range raise
    SimInputError). ``scenario``, ``seed`` / ``rng``, ``replicate``, ``horizon_weeks`` and
    ``collect`` are those of :class:`EscalationModel`.

    Example:
        >>> m = SweepModel(tension_decay=0.05, policy__instrument="envoy", seed=1,
        ...                horizon_weeks=8)
        >>> m.params.tension_decay, m.policy.label
        (0.05, 'envoy@0')
    """

    def __init__(
        self,
        scenario: ScenarioLike = None,
        *,
        seed: int | None = None,
        rng: int | None = None,
        replicate: int = 0,
        horizon_weeks: int = 104,
        collect: bool = True,
        **values: Any,
    ) -> None:
        params, scenario_changes, policy = schema.resolve(values)
        s = resolve_scenario(scenario)
        if scenario_changes:
            s = s.replace(**scenario_changes)
        super().__init__(
            s,
            policy,
            params=params,
            seed=seed,
            rng=rng,
            replicate=replicate,
            horizon_weeks=horizon_weeks,
            collect=collect,
        )
