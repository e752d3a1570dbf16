"""The rules of the model again, in plain per-agent Python: the test oracle and the speed baseline.

This module restates ``sim.kernels`` the way a Mesa user would write it: parties and dyads are
Python objects, the model holds lists of them, a week is a handful of loops over agents and dyads,
and all arithmetic is Python floats and the ``math`` module (no numpy in the step, no numba).
It follows the kernels' order of operations and the order of every floating-point expression
term for term, and it reads the same counter-based random numbers (``sim.rng``'s ``*_py``
twins), so a kernel run and a reference run of the same replicate agree bit for bit; the
tests in ``tests/test_reference.py`` step both and compare the full state after every week.

One week (:meth:`ReferenceModel.step`), as in docs/ODD.md section 3:

1. scheduled events shock grievance and tension;
2. the action's status is updated (arrival, end, withdrawal, cost); while it is active, the
   parties in focus are the flagged parties and their neighbours (as of the start of the week);
3. an active envoy works the most tense rivalry dyads in focus;
4. tension on every rivalry dyad drifts, decays, takes incidents (and an action's relief);
5. each party gathers its highest rivalry tension and its share of affinity ties in violence;
6. each party updates its slow variables, moves a stage up or down or stays, and the observers
   (the UN and the party's regional organisation) take a noisy look and may warn.

Example:
    >>> from sim import default_scenario
    >>> model = ReferenceModel(default_scenario(), "envoy", seed=1, replicate=0)
    >>> out = model.run(52)
    >>> model.weeks, sorted(out) == sorted(OUTCOME_FIELDS)
    (52, True)
"""

from __future__ import annotations

import math

import numpy as np

from . import rng
from .params import (
    CRISIS,
    DISPUTE,
    I_ATTENTION_PULSE,
    I_ATTENTION_WEEKLY,
    I_BACKLASH,
    I_CAPABILITY_CUT,
    I_COST_FIXED,
    I_COST_WEEKLY,
    I_ESCALATION_CAP,
    I_GRIEVANCE_RELIEF,
    I_LEVERAGE,
    I_MEDIATION,
    I_TENSION_RELIEF,
    N_STAGES,
    NONE,
    RIVALRY,
    STABLE,
    VIOLENCE,
    WAR,
    Parameters,
)
from .policy import (
    A_ARRIVAL_OFFSET,
    A_DURATION,
    A_INSTRUMENT,
    A_INTENSITY,
    A_LEVERAGE,
    A_MED_CAPACITY,
    A_MED_CREDIBILITY,
    A_MED_IMPARTIALITY,
    A_STAGE_EFF,
    A_TABLE,
    A_UNITY_FACTOR,
    A_WITHDRAW,
    as_policy,
    compile_policy,
)
from .scenario import Scenario
from .state import (
    N_PF,
    N_PI,
    N_RF,
    N_RI,
    OUTCOME_FIELDS,
    PF_ATTENTION,
    PF_CAPABILITY,
    PF_CONTAGION,
    PF_GRIEVANCE,
    PF_SETTLE,
    PF_TENSION_MAX,
    PI_EPISODES,
    PI_FLAGGED,
    PI_HISTORY,
    PI_IN_EPISODE,
    PI_IN_FOCUS,
    PI_ONSET_WEEK,
    PI_RELAPSES,
    PI_STAGE,
    PI_STREAK_REGIONAL,
    PI_STREAK_UN,
    PI_VIOLENT_WEEKS,
    PI_WARN_WEEK,
    R_ACTIVE,
    R_ACTIVE_WEEKS,
    R_ARRIVAL_WEEK,
    R_END_WEEK,
    R_MEDIATION_SUCCESSES,
    R_N_FLAGGED,
    R_N_FLAGGED_HOT,
    R_N_VIOLENT,
    R_N_WARNED,
    R_ONSET_WEEK,
    R_PARTY_WEEKS_VIOLENT,
    R_PEAK_VIOLENT,
    R_RELAPSES,
    R_STAGE_COUNT,
    R_WAR_WEEK,
    R_WARNING_WEEK,
    R_WEEKS,
    RF_COST,
    RF_MEAN_TENSION,
)


# ---------------------------------------------------------------- small pure helpers
def clip01(x: float) -> float:
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x


def sigmoid(x: float) -> float:
    """``1 / (1 + exp(-x))`` as the kernel computes it (an overflowing ``exp`` gives 0)."""
    try:
        return 1.0 / (1.0 + math.exp(-x))
    except OverflowError:  # numpy returns inf there, and 1 / (1 + inf) is 0
        return 0.0


def escalation_pressure(
    party: RefParty, eff: float, params: Parameters, action: RefAction
) -> float:
    """Net push towards the next stage up (docs/ODD.md, submodel 'stage transitions')."""
    return (
        params.weight_tension * party.tension_max
        + params.weight_grievance * party.grievance
        + params.weight_contagion * party.contagion
        + params.weight_history * party.history
        + params.weight_capability * party.capability
        - params.weight_will * party.will_to_settle
        - params.attention_deterrence * party.attention
        - action.leverage_weight * action.leverage * eff
    )


def transition_probabilities(
    stage: int, pressure: float, settle: float, eff: float, params: Parameters, action: RefAction
) -> tuple[float, float]:
    """Weekly probabilities ``(p_up, p_down)`` of a party at ``stage`` under ``pressure``.

    ``settle`` is 1 the week after a successful mediation on one of the party's dyads, ``eff``
    the force of the action on the party (0 when it is not acted on)."""
    thresholds = params.thresholds()
    p_up = 0.0
    if stage < WAR:
        p_up = params.escalation_rate * sigmoid(
            params.hazard_slope * (pressure - thresholds[stage])
        )
        if stage >= CRISIS:
            p_up *= max(0.0, 1.0 - action.escalation_cap * eff)
    p_down = 0.0
    if stage > STABLE:
        gap = thresholds[stage - 1] - params.hysteresis - pressure
        p_down = params.deescalation_rate * sigmoid(params.hazard_slope * gap)
        p_down += params.settle_bonus * settle
    return p_up, p_down


# ---------------------------------------------------------------- agents and the action
class RefAction:
    """A policy resolved against a scenario (``sim.policy.compile_policy``), by name."""

    def __init__(self, vec) -> None:
        self.instrument = int(vec[A_INSTRUMENT])
        self.intensity = float(vec[A_INTENSITY])
        self.duration = int(vec[A_DURATION])
        self.arrival_offset = int(vec[A_ARRIVAL_OFFSET])
        self.unity_factor = float(vec[A_UNITY_FACTOR])
        self.leverage = float(vec[A_LEVERAGE])
        self.withdraw_when_calm = float(vec[A_WITHDRAW]) > 0.0
        self.med_credibility = float(vec[A_MED_CREDIBILITY])
        self.med_impartiality = float(vec[A_MED_IMPARTIALITY])
        self.med_capacity = int(vec[A_MED_CAPACITY])
        # the instrument's row of the table (sim.params.INSTRUMENT_TABLE)
        self.cost_fixed = float(vec[A_TABLE + I_COST_FIXED])
        self.cost_weekly = float(vec[A_TABLE + I_COST_WEEKLY])
        self.attention_pulse = float(vec[A_TABLE + I_ATTENTION_PULSE])
        self.attention_weekly = float(vec[A_TABLE + I_ATTENTION_WEEKLY])
        self.tension_relief = float(vec[A_TABLE + I_TENSION_RELIEF])
        self.mediation = float(vec[A_TABLE + I_MEDIATION])
        self.leverage_weight = float(vec[A_TABLE + I_LEVERAGE])
        self.capability_cut = float(vec[A_TABLE + I_CAPABILITY_CUT])
        self.escalation_cap = float(vec[A_TABLE + I_ESCALATION_CAP])
        self.grievance_relief = float(vec[A_TABLE + I_GRIEVANCE_RELIEF])
        self.backlash = float(vec[A_TABLE + I_BACKLASH])
        #: share of the force left at each stage (sim.params.STAGE_EFFECTIVENESS)
        self.stage_eff = [float(vec[A_STAGE_EFF + s]) for s in range(N_STAGES)]


class RefParty:
    """One party: static attributes from the scenario and its weekly state."""

    def __init__(
        self,
        pid: int,
        grievance: float,
        capability: float,
        attention: float,
        will_to_settle: float,
        stage: int,
        history: int,
        organisation: int,
    ) -> None:
        self.pid = pid
        # static
        self.base_grievance = grievance
        self.base_capability = capability
        self.will_to_settle = will_to_settle
        self.organisation = organisation  # regional organisation id, -1 if none
        self.ties: list[tuple[RefParty, RefDyad]] = []  # (neighbour, relation)
        # slow variables
        self.grievance = grievance
        self.capability = capability
        self.attention = attention
        # gathered from the neighbourhood each week
        self.tension_max = 0.0
        self.contagion = 0.0
        self.settle = 0.0  # 1 for the rest of the week after a successful mediation
        # stage and its bookkeeping
        self.stage = stage
        self.history = history
        self.onset_week = -1
        self.in_episode = 1 if stage >= VIOLENCE else 0
        self.episodes = self.in_episode
        self.relapses = 0
        self.violent_weeks = 0
        # early warning
        self.streak_un = 0
        self.streak_regional = 0
        self.flagged = 0
        self.warn_week = -1
        # 1 if the active action addresses the party (refreshed only in weeks it is active)
        self.in_focus = 0
        # last week's transition probabilities (for inspection)
        self.p_up = 0.0
        self.p_down = 0.0


class RefDyad:
    """A relation between two parties; only rivalries carry tension."""

    def __init__(self, eid: int, src: int, dst: int, kind: int, tension: float) -> None:
        self.eid = eid
        self.src = src
        self.dst = dst
        self.kind = kind
        self.tension = tension if kind == RIVALRY else 0.0


class RefObserver:
    """The UN or a regional organisation watching parties' noisy indicators."""

    def __init__(self, quality: float, threshold: float, purpose: int) -> None:
        self.quality = quality
        self.threshold = threshold
        self.purpose = purpose

    def look(self, skey: int, party: RefParty, indicator: float, noise: float, streak: int) -> int:
        """New streak of consecutive weeks the party's noisy indicator exceeded the threshold."""
        sd = noise * (1.0 - self.quality)
        z = rng.normal_py(rng.draw_py(skey, party.pid, self.purpose))
        seen = indicator + sd * z
        return streak + 1 if seen > self.threshold else 0


class RefEvent:
    def __init__(
        self, week: int, tension_shock: float, grievance_shock: float, parties: list[int]
    ) -> None:
        self.week = week
        self.tension_shock = tension_shock
        self.grievance_shock = grievance_shock
        self.parties = parties


# ---------------------------------------------------------------- the model
class ReferenceModel:
    """One replicate of a scenario under a policy, stepped a week at a time.

    ``policy`` is a :class:`sim.Policy`, an instrument name or a dict of Policy fields. The week
    index of the next :meth:`step` is the number of steps done so far (:attr:`weeks`).
    """

    def __init__(
        self,
        scenario: Scenario,
        policy=None,
        params: Parameters | None = None,
        seed: int = 0,
        replicate: int = 0,
    ) -> None:
        self.scenario = scenario
        self.params = params if params is not None else Parameters()
        self.policy = as_policy(policy)
        self.action = RefAction(compile_policy(self.policy, scenario, self.params))
        self.seed = seed
        self.replicate = replicate
        self.run_key = rng.run_key_py(seed, replicate)

        # agents, built from plain Python numbers (``tolist``) so the step never touches numpy
        s = scenario
        grievance, capability = s.grievance.tolist(), s.capability.tolist()
        attention, will = s.attention.tolist(), s.will_to_settle.tolist()
        stage, history, organisation = s.stage.tolist(), s.history.tolist(), s.organisation.tolist()
        self.parties = [
            RefParty(
                pid=i,
                grievance=grievance[i],
                capability=capability[i],
                attention=attention[i],
                will_to_settle=will[i],
                stage=stage[i],
                history=history[i],
                organisation=organisation[i],
            )
            for i in range(s.n_parties)
        ]
        src, dst, kind, tension = (
            s.src.tolist(),
            s.dst.tolist(),
            s.relation_kind.tolist(),
            s.tension.tolist(),
        )
        self.dyads = [
            RefDyad(eid=e, src=src[e], dst=dst[e], kind=kind[e], tension=tension[e])
            for e in range(s.n_relations)
        ]
        self.rivalries = [d for d in self.dyads if d.kind == RIVALRY]
        for d in self.dyads:
            self.parties[d.src].ties.append((self.parties[d.dst], d))
            self.parties[d.dst].ties.append((self.parties[d.src], d))
        # observers: the UN watches every party, a regional organisation its members
        self.un = RefObserver(s.un_warning_quality, s.un_warning_threshold, rng.PURPOSE_OBSERVE_UN)
        quality = s.organisation_warning_quality.tolist()
        threshold = s.organisation_warning_threshold.tolist()
        self.regional = [
            RefObserver(quality[o], threshold[o], rng.PURPOSE_OBSERVE_REGIONAL)
            for o in range(s.n_organisations)
        ]
        ptr, members = s.event_party_ptr.tolist(), s.event_parties.tolist()
        self.events = [
            RefEvent(
                week=int(s.event_week[k]),
                tension_shock=float(s.event_tension_shock[k]),
                grievance_shock=float(s.event_grievance_shock[k]),
                parties=members[ptr[k] : ptr[k + 1]],
            )
            for k in range(s.event_week.shape[0])
        ]

        # run bookkeeping
        self.weeks = 0
        self.warning_week = -1
        self.arrival_week = -1
        self.end_week = -1
        self.active = 0
        self.active_weeks = 0
        self.onset_week = -1
        self.war_week = -1
        self.n_violent = sum(1 for p in self.parties if p.stage >= VIOLENCE)
        self.peak_violent = self.n_violent
        self.party_weeks_violent = 0
        self.relapses = 0
        self.n_warned = 0
        self.n_flagged = 0
        self.n_flagged_hot = 0
        self.mediation_successes = 0
        self.stage_count = [0] * N_STAGES
        for p in self.parties:
            self.stage_count[p.stage] += 1
        self.cost = 0.0
        self.mean_tension = self._initial_mean_tension()

    def _initial_mean_tension(self) -> float:
        # initial_state takes numpy's mean (pairwise summation), so this one value uses it too
        if not self.rivalries:
            return 0.0
        return float(np.mean(np.array([d.tension for d in self.rivalries])))

    # ------------------------------------------------------------ one week
    def step(self) -> None:
        """Advance one week."""
        t = self.weeks
        skey = rng.step_key_py(self.run_key, t)
        self.apply_events(t)
        active, arriving = self.action_status(t)
        if active:
            self.update_focus()
        if active and self.action.mediation > 0.0:
            self.mediate(skey)
        self.update_tension(skey, active)
        self.gather_neighbours()
        self.update_parties(t, skey, active, arriving)
        self.weeks += 1

    def run(self, n_weeks: int) -> dict:
        """Step ``n_weeks`` weeks and return the outcomes."""
        for _ in range(n_weeks):
            self.step()
        return self.outcomes()

    # 1. scheduled events
    def apply_events(self, t: int) -> None:
        for ev in self.events:
            if ev.week != t:
                continue
            hit = set()
            for pid in ev.parties:
                if pid not in hit:
                    hit.add(pid)
                    party = self.parties[pid]
                    party.grievance = clip01(party.grievance + ev.grievance_shock)
            for d in self.rivalries:
                if d.src in hit or d.dst in hit:
                    d.tension = clip01(d.tension + ev.tension_shock)

    # 2. the action's status
    def action_status(self, t: int) -> tuple[bool, bool]:
        """Update the action's bookkeeping; return (active this week, arriving this week)."""
        act = self.action
        if act.instrument == NONE:
            return False, False
        if self.arrival_week < 0 or t < self.arrival_week or self.end_week >= 0:
            self.active = 0
            return False, False
        if t >= self.arrival_week + act.duration:
            self.end_week = t
            self.active = 0
            return False, False
        if act.withdraw_when_calm and t > self.arrival_week and self.n_flagged_hot == 0:
            self.end_week = t
            self.active = 0
            return False, False
        self.active = 1
        self.active_weeks += 1
        self.cost += act.cost_weekly * act.intensity
        arriving = t == self.arrival_week
        if arriving:
            self.cost += act.cost_fixed * act.intensity
        return True, arriving

    def update_focus(self) -> None:
        """The situation an active action addresses: flagged parties and their direct
        neighbours (any relation), as of the start of the week."""
        for party in self.parties:
            focus = party.flagged
            if focus == 0:
                for other, _ in party.ties:
                    if other.flagged != 0:
                        focus = 1
                        break
            party.in_focus = focus

    # 3. the envoy
    def mediate(self, skey: int) -> None:
        """Work the ``capacity`` most tense rivalry dyads with a party in focus (ties to the
        lower relation id), in that order."""
        act = self.action
        p = self.params
        eligible = [
            d
            for d in self.rivalries
            if self.parties[d.src].in_focus or self.parties[d.dst].in_focus
        ]
        worked = sorted(eligible, key=lambda d: (-d.tension, d.eid))[: act.med_capacity]
        force = (
            p.mediation_success
            * act.med_credibility
            * (0.5 + 0.5 * act.med_impartiality)
            * act.unity_factor
            * act.intensity
        )
        for d in worked:
            a = self.parties[d.src]
            b = self.parties[d.dst]
            s_max = max(a.stage, b.stage)
            will = math.sqrt(a.will_to_settle * b.will_to_settle)
            p_success = force * will * act.stage_eff[s_max]
            if rng.uniform_py(rng.draw_py(skey, d.eid, rng.PURPOSE_MEDIATION)) < p_success:
                d.tension = d.tension * (1.0 - p.mediation_tension_cut)
                a.grievance = clip01(a.grievance - p.mediation_grievance_cut)
                b.grievance = clip01(b.grievance - p.mediation_grievance_cut)
                a.settle = 1.0
                b.settle = 1.0
                self.mediation_successes += 1

    # 4. tension on rivalry dyads
    def update_tension(self, skey: int, active: bool) -> None:
        act = self.action
        p = self.params
        relief = act.tension_relief * act.unity_factor * act.intensity
        relieving = active and relief > 0.0
        total = 0.0
        for d in self.rivalries:
            a = self.parties[d.src]
            b = self.parties[d.dst]
            tau = d.tension
            drift = p.tension_drift * 0.5 * (a.grievance + b.grievance) * (1.0 - tau)
            if a.stage >= VIOLENCE or b.stage >= VIOLENCE:
                drift += p.violence_tension_boost * (1.0 - tau)
            u = rng.uniform_py(rng.draw_py(skey, d.eid, rng.PURPOSE_INCIDENT))
            p_incident = p.incident_rate * (0.5 + tau)
            shock = 0.0
            if u < p_incident:
                shock = p.incident_size * (0.5 + 0.5 * (u / p_incident))
            tau = clip01(tau + drift - p.tension_decay * tau + shock)
            if relieving and (a.in_focus or b.in_focus):
                s_max = max(a.stage, b.stage)
                tau = tau * max(0.0, 1.0 - relief * act.stage_eff[s_max])
            d.tension = tau
            total += tau
        self.mean_tension = total / len(self.rivalries) if self.rivalries else 0.0

    # 5. what each party sees of its neighbourhood
    def gather_neighbours(self) -> None:
        for party in self.parties:
            t_max = 0.0
            n_aff = 0
            n_aff_violent = 0
            for other, d in party.ties:
                if d.kind == RIVALRY:
                    if d.tension > t_max:
                        t_max = d.tension
                else:
                    n_aff += 1
                    if other.stage >= VIOLENCE:
                        n_aff_violent += 1
            party.tension_max = t_max
            party.contagion = n_aff_violent / n_aff if n_aff > 0 else 0.0

    # 6. slow variables, stage transitions, bookkeeping and early warning
    def update_parties(self, t: int, skey: int, active: bool, arriving: bool) -> None:
        act = self.action
        p = self.params
        calm = int(p.calm_stage)
        persistence = int(p.warning_persistence_weeks)
        w_ind = p.indicator_tension_weight
        base = act.unity_factor * act.intensity
        attention_gain = act.attention_weekly
        if arriving:
            attention_gain += act.attention_pulse
        n_violent = 0
        n_warned = 0
        n_flagged = 0
        n_hot = 0
        self.stage_count = [0] * N_STAGES
        for party in self.parties:
            s = party.stage
            acted_on = active and party.in_focus != 0
            eff = base * act.stage_eff[s] if acted_on else 0.0
            # slow variables
            g = party.grievance
            g += p.grievance_recovery * (party.base_grievance - g)
            if s >= VIOLENCE:
                g += p.violence_grievance
            if acted_on:
                g -= act.grievance_relief * eff
                if s <= DISPUTE:
                    g += act.backlash * base
            g = clip01(g)
            c = party.capability
            c += p.capability_recovery * (party.base_capability - c)
            c = clip01(c - act.capability_cut * eff * c)
            a = party.attention * (1.0 - p.attention_decay)
            a = clip01(a + attention_gain * eff * (1.0 - a))
            party.grievance = g
            party.capability = c
            party.attention = a
            # escalation pressure and the stage transition
            pressure = escalation_pressure(party, eff, p, act)
            p_up, p_down = transition_probabilities(s, pressure, party.settle, eff, p, act)
            party.p_up = p_up
            party.p_down = p_down
            u = rng.uniform_py(rng.draw_py(skey, party.pid, rng.PURPOSE_STAGE))
            new = s
            if u < p_up:
                new = s + 1
            elif u < p_up + p_down:
                new = s - 1
            party.settle = 0.0
            # outcome bookkeeping
            if new >= VIOLENCE and s < VIOLENCE:
                if party.onset_week < 0:
                    party.onset_week = t
                if self.onset_week < 0:
                    self.onset_week = t
                if party.in_episode == 0:
                    party.episodes += 1
                    if party.episodes > 1:
                        party.relapses += 1
                        self.relapses += 1
                    party.in_episode = 1
                party.history = 1
            if new == WAR and s < WAR and self.war_week < 0:
                self.war_week = t
            if new <= calm:
                party.in_episode = 0
            if new >= VIOLENCE:
                n_violent += 1
                party.violent_weeks += 1
            party.stage = new
            self.stage_count[new] += 1
            # early warning: the UN and the party's regional organisation
            indicator = w_ind * party.tension_max + (1.0 - w_ind) * g
            party.streak_un = self.un.look(
                skey, party, indicator, p.observation_noise, party.streak_un
            )
            warned = party.streak_un >= persistence
            if party.organisation >= 0:
                org = self.regional[party.organisation]
                party.streak_regional = org.look(
                    skey, party, indicator, p.observation_noise, party.streak_regional
                )
                warned = warned or party.streak_regional >= persistence
            if warned:
                n_warned += 1
                if party.flagged == 0:
                    party.flagged = 1
                    party.warn_week = t
                if self.warning_week < 0:
                    self.warning_week = t
                    if act.instrument != NONE:
                        self.arrival_week = t + 1 + act.arrival_offset
            if party.flagged != 0:
                n_flagged += 1
                if new > calm:
                    n_hot += 1
        self.n_violent = n_violent
        self.n_warned = n_warned
        self.n_flagged = n_flagged
        self.n_flagged_hot = n_hot
        self.party_weeks_violent += n_violent
        if n_violent > self.peak_violent:
            self.peak_violent = n_violent

    # ------------------------------------------------------------ results
    def outcomes(self) -> dict:
        """The outcome fields of ``sim.state.OUTCOME_FIELDS`` (``cost`` a float, the rest ints)."""
        arrival = self.arrival_week
        out = {
            "violence": 1 if self.onset_week >= 0 else 0,
            "onset_week": self.onset_week,
            "war": 1 if self.war_week >= 0 else 0,
            "war_week": self.war_week,
            "peak_violent": self.peak_violent,
            "party_weeks_violent": self.party_weeks_violent,
            "relapse": 1 if self.relapses > 0 else 0,
            "relapses": self.relapses,
            "warning_week": self.warning_week,
            "arrival_week": arrival if 0 <= arrival < self.weeks else -1,
            "action_weeks": self.active_weeks,
            "cost": self.cost,
            "violent_at_end": self.n_violent,
            "mediation_successes": self.mediation_successes,
        }
        assert tuple(out) == OUTCOME_FIELDS
        return out

    def to_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The state in the kernels' layout: ``(party_f, party_i, tension, run_i, run_f)``."""
        n = len(self.parties)
        party_f = np.zeros((N_PF, n))
        party_i = np.zeros((N_PI, n), np.int64)
        for p in self.parties:
            i = p.pid
            party_f[PF_GRIEVANCE, i] = p.grievance
            party_f[PF_CAPABILITY, i] = p.capability
            party_f[PF_ATTENTION, i] = p.attention
            party_f[PF_TENSION_MAX, i] = p.tension_max
            party_f[PF_CONTAGION, i] = p.contagion
            party_f[PF_SETTLE, i] = p.settle
            party_i[PI_STAGE, i] = p.stage
            party_i[PI_HISTORY, i] = p.history
            party_i[PI_ONSET_WEEK, i] = p.onset_week
            party_i[PI_IN_EPISODE, i] = p.in_episode
            party_i[PI_RELAPSES, i] = p.relapses
            party_i[PI_VIOLENT_WEEKS, i] = p.violent_weeks
            party_i[PI_FLAGGED, i] = p.flagged
            party_i[PI_STREAK_UN, i] = p.streak_un
            party_i[PI_STREAK_REGIONAL, i] = p.streak_regional
            party_i[PI_WARN_WEEK, i] = p.warn_week
            party_i[PI_EPISODES, i] = p.episodes
            party_i[PI_IN_FOCUS, i] = p.in_focus
        tension = np.array([d.tension for d in self.dyads], dtype=np.float64)
        run_i = np.zeros(N_RI, np.int64)
        run_i[R_WARNING_WEEK] = self.warning_week
        run_i[R_ARRIVAL_WEEK] = self.arrival_week
        run_i[R_END_WEEK] = self.end_week
        run_i[R_ACTIVE] = self.active
        run_i[R_ACTIVE_WEEKS] = self.active_weeks
        run_i[R_ONSET_WEEK] = self.onset_week
        run_i[R_WAR_WEEK] = self.war_week
        run_i[R_PEAK_VIOLENT] = self.peak_violent
        run_i[R_PARTY_WEEKS_VIOLENT] = self.party_weeks_violent
        run_i[R_RELAPSES] = self.relapses
        run_i[R_N_VIOLENT] = self.n_violent
        run_i[R_N_WARNED] = self.n_warned
        run_i[R_N_FLAGGED] = self.n_flagged
        run_i[R_N_FLAGGED_HOT] = self.n_flagged_hot
        run_i[R_WEEKS] = self.weeks
        run_i[R_MEDIATION_SUCCESSES] = self.mediation_successes
        run_i[R_STAGE_COUNT : R_STAGE_COUNT + N_STAGES] = self.stage_count
        run_f = np.zeros(N_RF)
        run_f[RF_COST] = self.cost
        run_f[RF_MEAN_TENSION] = self.mean_tension
        return party_f, party_i, tension, run_i, run_f
