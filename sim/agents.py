"""Mesa agents that are views onto the model's arrays.

The state of a run lives in the named arrays of :mod:`sim.state` (``model.state.party``,
``model.state.tension``) and the numba kernels step it. An agent holds only its
index: every attribute reads the array when asked and writes it when set, so an agent and the
arrays never disagree, and writing an agent attribute between steps is the same as writing the
array (the next step uses the new value). Bad values raise :class:`sim.errors.SimInputError`
naming the field, the value and the allowed range.

Example:
    >>> from sim.model import EscalationModel
    >>> from sim.agents import Party
    >>> model = EscalationModel(seed=1)
    >>> gov = model.party("north_gov")
    >>> gov.kind, gov.stage_name
    ('government', 'stable')
    >>> gov.grievance = 0.9                   # writes model.state.party.grievance[gov.index]
    >>> hot = model.agents_by_type[Party].select(lambda p: p.stage >= 2)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import FixedAgent, Network

from .errors import SimInputError, check_range
from .params import N_STAGES, PARTY_KINDS, RELATION_KINDS, RIVALRY, STAGE_NAMES, VIOLENCE
from .policy import unity_factor

if TYPE_CHECKING:
    from .model import EscalationModel
    from .scenario import Scenario

__all__ = [
    "Mediator",
    "Party",
    "RegionalOrganisation",
    "Relation",
    "party_network",
    "scenario_graph",
]


def _unit(field: str, value) -> float:
    """``value`` as a float in [0, 1], or SimInputError naming ``field``."""
    if isinstance(value, np.floating | np.integer) and not isinstance(value, np.bool_):
        value = value.item()
    check_range(field, value, 0.0, 1.0)
    return float(value)


def _integer(field: str, value, low: int, high: int) -> int:
    if isinstance(value, np.integer):
        value = int(value)
    check_range(field, value, low, high, integer=True)
    return int(value)


def scenario_graph(scenario: Scenario) -> nx.Graph:
    """The scenario's parties and relations as a networkx graph.

    Nodes are party indices (attribute ``name``); edges carry ``relation`` (the relation id,
    index into ``model.state.tension``) and ``kind`` (``"rivalry"`` or ``"affinity"``).

    Example:
        >>> from sim.ensemble import resolve_scenario
        >>> g = scenario_graph(resolve_scenario("two_party"))
        >>> g.number_of_nodes(), g.edges[0, 1]["kind"]
        (2, 'rivalry')
    """
    graph = nx.Graph()
    for i in range(scenario.n_parties):
        graph.add_node(i, name=scenario.party_name(i))
    for e in range(scenario.n_relations):
        graph.add_edge(
            int(scenario.src[e]),
            int(scenario.dst[e]),
            relation=e,
            kind=RELATION_KINDS[int(scenario.relation_kind[e])],
        )
    return graph


def party_network(scenario: Scenario, random) -> Network:
    """Mesa's network space over the scenario's graph (cell ``i`` is party ``i``'s place).

    Topological only (``layout=None``, so building it costs no layout): drawing code computes
    its own layout, once per scenario.
    """
    return Network(scenario_graph(scenario), capacity=1, random=random, layout=None)


class Relation(NamedTuple):
    """One relation of a party, seen from that party (see :meth:`Party.relations`)."""

    other: Party
    kind: str  # "rivalry" or "affinity"
    tension: float  # current tension (always 0 on affinity ties)
    relation: int  # relation id: index into model.state.tension and the scenario's relation arrays


# ---------------------------------------------------------------------------------- Party
class Party(FixedAgent):
    """A conflict party (government, armed group or community): a view of column ``index``.

    Each party sits on its own cell of Mesa's network space ``model.space`` (a
    ``mesa.discrete_space.Network`` over the scenario's relations): ``party.cell`` is that cell,
    ``party.cell.neighborhood.agents`` its related parties.

    Dynamic attributes (read and write the model's arrays):
        grievance, capability, attention: floats in [0, 1] (``model.state.party``).
        stage: int 0..4 (``STAGE_NAMES``: stable, dispute, crisis, violence, war); a stage name
            is accepted too. Setting it writes only the stage; episode bookkeeping (onset,
            relapses) follows from the transitions of later steps.
        history: bool, the party has a history of violence.
        will_to_settle: float in [0, 1] (the model's own copy of the scenario's array).

    Read-only: index, name, kind, stage_name, flagged, warn_week, onset_week, in_violence,
    organisation (a :class:`RegionalOrganisation` or None).

    Example:
        >>> from sim.model import EscalationModel
        >>> m = EscalationModel(rng=3)
        >>> p = m.parties[0]
        >>> p.name, p.kind, p.organisation.name
        ('north_gov', 'government', 'regional_org')
        >>> p.stage = "crisis"; p.stage
        2
        >>> p.grievance = 1.5
        Traceback (most recent call last):
        ...
        sim.errors.SimInputError: north_gov.grievance: got 1.5; must be in [0.0, 1.0]
        >>> [q.name for q in p.neighbours("rivalry")][:2]
        ['north_armed0', 'north_armed1']
    """

    def __init__(self, model: EscalationModel, index: int):
        super().__init__(model)
        self.index = int(index)

    # ---------------------------------------------------------------- identity
    @property
    def name(self) -> str:
        return self.model.conflict_scenario.party_name(self.index)

    @property
    def kind(self) -> str:
        return PARTY_KINDS[int(self.model.conflict_scenario.party_kind[self.index])]

    @property
    def organisation(self) -> RegionalOrganisation | None:
        org = int(self.model.net.organisation[self.index])
        return self.model.organisations[org] if org >= 0 else None

    # ---------------------------------------------------------------- float state
    @property
    def grievance(self) -> float:
        return float(self.model.state.party.grievance[self.index])

    @grievance.setter
    def grievance(self, value: float) -> None:
        self.model.state.party.grievance[self.index] = _unit(f"{self.name}.grievance", value)

    @property
    def capability(self) -> float:
        return float(self.model.state.party.capability[self.index])

    @capability.setter
    def capability(self, value: float) -> None:
        self.model.state.party.capability[self.index] = _unit(f"{self.name}.capability", value)

    @property
    def attention(self) -> float:
        return float(self.model.state.party.attention[self.index])

    @attention.setter
    def attention(self, value: float) -> None:
        self.model.state.party.attention[self.index] = _unit(f"{self.name}.attention", value)

    @property
    def will_to_settle(self) -> float:
        return float(self.model.net.will_to_settle[self.index])

    @will_to_settle.setter
    def will_to_settle(self, value: float) -> None:
        self.model.net.will_to_settle[self.index] = _unit(f"{self.name}.will_to_settle", value)

    # ---------------------------------------------------------------- integer state
    @property
    def stage(self) -> int:
        return int(self.model.state.party.stage[self.index])

    @stage.setter
    def stage(self, value: int | str) -> None:
        if isinstance(value, str):
            if value not in STAGE_NAMES:
                raise SimInputError(
                    f"{self.name}.stage",
                    value,
                    f"must be one of {', '.join(STAGE_NAMES)} or 0..{N_STAGES - 1}",
                )
            value = STAGE_NAMES.index(value)
        self.model.state.party.stage[self.index] = _integer(
            f"{self.name}.stage", value, 0, N_STAGES - 1
        )

    @property
    def stage_name(self) -> str:
        return STAGE_NAMES[self.stage]

    @property
    def history(self) -> bool:
        return bool(self.model.state.party.history[self.index])

    @history.setter
    def history(self, value: bool) -> None:
        if isinstance(value, np.bool_):
            value = bool(value)
        if not (isinstance(value, bool) or (isinstance(value, int) and value in (0, 1))):
            raise SimInputError(f"{self.name}.history", value, "must be true or false")
        self.model.state.party.history[self.index] = bool(value)

    @property
    def flagged(self) -> bool:
        """True once any observer (the UN or the regional organisation) has warned about it."""
        return bool(self.model.state.party.flagged[self.index])

    @property
    def warn_week(self) -> int:
        """Week index of the first warning about this party, -1 if none."""
        return int(self.model.state.party.warn_week[self.index])

    @property
    def onset_week(self) -> int:
        """Week index this party first entered violence from below this run, -1 if never."""
        return int(self.model.state.party.onset_week[self.index])

    @property
    def in_violence(self) -> bool:
        """True at stage violence or war."""
        return self.stage >= VIOLENCE

    # ---------------------------------------------------------------- network
    def relations(self) -> list[Relation]:
        """This party's relations (neighbour, kind, current tension, relation id), by neighbour."""
        net, parties = self.model.net, self.model.parties
        lo, hi = int(net.csr_ptr[self.index]), int(net.csr_ptr[self.index + 1])
        out = []
        for k in range(lo, hi):
            e = int(net.csr_edge[k])
            out.append(
                Relation(
                    parties[int(net.csr_nbr[k])],
                    RELATION_KINDS[int(net.csr_kind[k])],
                    float(self.model.state.tension[e]),
                    e,
                )
            )
        return out

    def neighbours(self, kind: str | None = None) -> list[Party]:
        """Parties related to this one; ``kind`` ``"rivalry"`` or ``"affinity"`` filters."""
        if kind is not None and kind not in RELATION_KINDS:
            raise SimInputError("kind", kind, f"must be None or one of {', '.join(RELATION_KINDS)}")
        return [r.other for r in self.relations() if kind is None or r.kind == kind]

    @property
    def rivals(self) -> list[Party]:
        return [r.other for r in self.relations() if r.kind == RELATION_KINDS[RIVALRY]]

    def __repr__(self) -> str:
        return f"Party({self.name!r}, {self.kind}, stage={self.stage_name})"


# ---------------------------------------------------------------------------------- Mediator
class Mediator(mesa.Agent):
    """A mediator of the scenario (UN envoy, standby team, regional mediator).

    ``credibility`` and ``impartiality`` (in [0, 1]) and ``capacity`` (dyads worked a week, 1..1000)
    are the model's own copies of the scenario's values; setting one on the deployed mediator
    also updates the action record the kernels read (``model.action``). ``sponsor`` is ``"un"``
    or the name of a regional organisation; ``deployed`` is True for the mediator the model's
    envoy policy deploys.

    Example:
        >>> from sim.model import EscalationModel
        >>> m = EscalationModel(rng=1, policy="envoy")
        >>> [(x.name, x.deployed) for x in m.mediators]
        [('un_envoy', True), ('standby_team', False), ('regional_mediator', False)]
        >>> m.mediators[0].credibility = 0.95       # the envoy at work is now more credible
    """

    def __init__(self, model: EscalationModel, index: int):
        super().__init__(model)
        self.index = int(index)

    @property
    def name(self) -> str:
        return self.model.conflict_scenario.mediator_names[self.index]

    @property
    def credibility(self) -> float:
        return float(self.model.mediator_credibility[self.index])

    @credibility.setter
    def credibility(self, value: float) -> None:
        value = _unit(f"{self.name}.credibility", value)
        self.model.mediator_credibility[self.index] = value
        if self.deployed:
            self.model.action["mediator_credibility"] = value

    @property
    def impartiality(self) -> float:
        return float(self.model.mediator_impartiality[self.index])

    @impartiality.setter
    def impartiality(self, value: float) -> None:
        value = _unit(f"{self.name}.impartiality", value)
        self.model.mediator_impartiality[self.index] = value
        if self.deployed:
            self.model.action["mediator_impartiality"] = value

    @property
    def capacity(self) -> int:
        return int(self.model.mediator_capacity[self.index])

    @capacity.setter
    def capacity(self, value: int) -> None:
        value = _integer(f"{self.name}.capacity", value, 1, 1000)
        self.model.mediator_capacity[self.index] = value
        if self.deployed:
            self.model.action["mediator_capacity"] = value

    @property
    def sponsor(self) -> str:
        code = int(self.model.conflict_scenario.mediator_sponsor[self.index])
        return "un" if code < 0 else self.model.conflict_scenario.organisation_names[code]

    @property
    def deployed(self) -> bool:
        return self.index == self.model.deployed_mediator

    def __repr__(self) -> str:
        return f"Mediator({self.name!r}, sponsor={self.sponsor}, deployed={self.deployed})"


# ---------------------------------------------------------------------------------- organisation
class RegionalOrganisation(mesa.Agent):
    """A regional organisation: observer of its members, possible sponsor of an action.

    ``warning_quality`` and ``warning_threshold`` (in [0, 1]) are what the kernels read when the
    organisation watches its members (the model's copies in ``model.net``). ``leverage`` and
    ``unity`` (in [0, 1]) matter when the model's policy has this organisation as sponsor; setting
    them updates ``model.action`` then (unity only if the policy does not override it).
    ``response_weeks`` is read-only: the arrival week is scheduled from it at the first warning.

    Example:
        >>> from sim.model import EscalationModel
        >>> m = EscalationModel(rng=1)
        >>> org = m.organisations[0]
        >>> org.name, len(org.members)
        ('regional_org', 28)
        >>> org.warning_threshold = 0.4        # a more alert observer from the next step on
    """

    def __init__(self, model: EscalationModel, index: int):
        super().__init__(model)
        self.index = int(index)
        self._members: mesa.agent.AgentSet | None = None

    @property
    def name(self) -> str:
        return self.model.conflict_scenario.organisation_names[self.index]

    @property
    def members(self) -> mesa.agent.AgentSet:
        """An AgentSet of the member parties."""
        if self._members is None:
            ids = np.flatnonzero(self.model.net.organisation == self.index)
            self._members = mesa.agent.AgentSet(
                [self.model.parties[int(i)] for i in ids], random=self.model.random
            )
        return self._members

    @property
    def warning_quality(self) -> float:
        return float(self.model.net.org_warning_quality[self.index])

    @warning_quality.setter
    def warning_quality(self, value: float) -> None:
        self.model.net.org_warning_quality[self.index] = _unit(
            f"{self.name}.warning_quality", value
        )

    @property
    def warning_threshold(self) -> float:
        return float(self.model.net.org_warning_threshold[self.index])

    @warning_threshold.setter
    def warning_threshold(self, value: float) -> None:
        self.model.net.org_warning_threshold[self.index] = _unit(
            f"{self.name}.warning_threshold", value
        )

    @property
    def leverage(self) -> float:
        return float(self.model.organisation_leverage[self.index])

    @leverage.setter
    def leverage(self, value: float) -> None:
        value = _unit(f"{self.name}.leverage", value)
        self.model.organisation_leverage[self.index] = value
        if self.is_sponsor:
            self.model.action["sponsor_leverage"] = value

    @property
    def unity(self) -> float:
        return float(self.model.organisation_unity[self.index])

    @unity.setter
    def unity(self, value: float) -> None:
        value = _unit(f"{self.name}.unity", value)
        self.model.organisation_unity[self.index] = value
        if self.is_sponsor and self.model.policy.unity is None:
            self.model.action["unity_factor"] = unity_factor(value, self.model.params.unity_floor)

    @property
    def response_weeks(self) -> int:
        return int(self.model.conflict_scenario.organisation_response_weeks[self.index])

    @property
    def is_sponsor(self) -> bool:
        """True if the model's policy is sponsored by this organisation."""
        return self.model.policy.sponsor == self.name

    def __repr__(self) -> str:
        return f"RegionalOrganisation({self.name!r}, members={len(self.members)})"
