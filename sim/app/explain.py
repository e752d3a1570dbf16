"""Why a party moved: its escalation pressure and its weekly chances of moving up or down.

The kernels compute these inside ``kernels.step`` and keep nothing; the plain-Python rules of
:mod:`sim.reference` (the test oracle, the same formulas term for term) recompute them here
from the state the party is in now, so the page can say "pressure 0.41: 6 % a week to move
up, 2 % to move down" without touching the kernels.

Example:
    >>> from sim.model import EscalationModel
    >>> m = EscalationModel("two_party", seed=1)
    >>> m.step()
    >>> why = explain_party(m, 1)
    >>> why["name"], why["stage"], 0.0 <= why["p_up"] <= 1.0
    ('opposition', 'dispute', True)
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from .. import reference
from ..params import STAGE_NAMES

if TYPE_CHECKING:
    from ..model import EscalationModel

#: The party fields :func:`sim.reference.escalation_pressure` reads, from ``model.state.party``.
_PRESSURE_INPUTS = (
    "max_tension",
    "grievance",
    "history",
    "capability",
    "kin_violence",
    "attention",
    "hurt",
)


def action_force(model: EscalationModel, i: int, s: int, action: reference.Record) -> float:
    """The action's force on party ``i`` at stage ``s`` in the last week (0 unless the action
    was active and the party in focus), as ``ReferenceModel.update_parties`` computes it."""
    party = model.state.party
    if not (model.run.active and party.in_focus[i]):
        return 0.0
    p = model.params
    base = action.unity_factor * action.intensity
    base *= reference.credibility(p, int(model.run.false_alarms))
    return base * action.stage_effect[s] * reference.room(float(party.hardening[i]), p, action)


def explain_party(model: EscalationModel, i: int, previous_stage: int | None = None) -> dict:
    """Party ``i``'s state, and the pressure and chances behind its last move.

    ``previous_stage`` is the party's stage before the last step (the page keeps it): the
    chances are then the ones the last week's draw was compared with (the slow variables and
    tensions the state holds now are the ones that week used). Without it, the chances are
    those at the current stage.

    Returns name, kind, stage (name), moved ("up from crisis", "down from war", "stayed"),
    grievance, capability, max_tension, flagged, acted_on, pressure, p_up and p_down.
    """
    p = model.params
    action = reference.Record(model.action)
    party = model.state.party
    inputs = {name: float(getattr(party, name)[i]) for name in _PRESSURE_INPUTS}
    view = SimpleNamespace(**inputs, will_to_settle=float(model.net.will_to_settle[i]))
    stage = int(party.stage[i])
    s = stage if previous_stage is None else int(previous_stage)
    force = action_force(model, i, s, action)
    pressure = reference.escalation_pressure(view, force, p, action)
    p_up, p_down = reference.transition_probabilities(
        s, pressure, _settled(model, i), force, p, action
    )
    return {
        "name": model.conflict_scenario.party_name(i),
        "kind": model.parties[i].kind,
        "stage": STAGE_NAMES[stage],
        "moved": _moved(stage, previous_stage),
        "grievance": inputs["grievance"],
        "capability": inputs["capability"],
        "max_tension": inputs["max_tension"],
        "flagged": bool(party.flagged[i]),
        "acted_on": force > 0.0,
        "pressure": pressure,
        "p_up": p_up,
        "p_down": p_down,
    }


def _settled(model: EscalationModel, i: int) -> bool:
    """Whether a mediation on one of the party's dyads succeeded in the last week."""
    return bool(model.state.party.settled[i])


def _moved(stage: int, previous: int | None) -> str:
    if previous is None or stage == previous:
        return "stayed"
    return f"{'up' if stage > previous else 'down'} from {STAGE_NAMES[previous]}"


def explain_text(why: dict[str, Any]) -> str:
    """One readable line for a teacher (the page's party inspector)."""
    acted = "; the action works on it" if why["acted_on"] else ""
    return (
        f"{why['name']} ({why['kind']}) is at {why['stage']} ({why['moved']} last week). "
        f"Pressure {why['pressure']:+.2f} from tension {why['max_tension']:.2f}, grievance "
        f"{why['grievance']:.2f}, capability {why['capability']:.2f}{acted}: "
        f"{why['p_up']:.1%} a week to move up, {why['p_down']:.1%} to move down."
    )
