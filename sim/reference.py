"""The rules of the model again, in plain per-agent Python: the test oracle and the speed baseline.

This module restates ``sim.kernels`` the way a Mesa user would write it: parties and dyads are
Python objects, the model holds lists of them, a week is a handful of loops over agents and dyads,
and all arithmetic is Python floats and the ``math`` module (no numpy in the step, no numba).
It follows the kernels' order of operations and the order of every floating-point expression
term for term, and it reads the same counter-based random numbers (``sim.rng``'s ``*_py``
twins), so a kernel run and a reference run of the same replicate agree bit for bit; the
tests in ``tests/test_reference.py`` step both and compare the full state after every week.

One week (:meth:`ReferenceModel.step`), as in docs/ODD.md section 3:

1. scheduled events shock grievance and tension (:meth:`ReferenceModel.apply_events`);
2. the action's status is updated (``action_status``); while it is active, the parties in focus
   are the flagged parties and their neighbours (``update_focus``);
3. an active envoy works the most tense rivalry dyads in focus (``mediate``);
4. tension on every rivalry dyad moves (``next_tension``) and each party gathers its highest
   rivalry tension and its share of kin in violence (``update_relations``);
5. each party: ``update_slow_variables``, ``next_stage`` (``escalation_pressure``,
   ``transition_probabilities``), ``record_episode``, ``observe`` and ``record_warning``
   (``update_parties``).

Every name is the name of the kernel function it restates (``sim.kernels``).

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
from .params import CRISIS, DISPUTE, N_STAGES, NONE, RIVALRY, STABLE, VIOLENCE, WAR, Parameters
from .policy import as_policy, compile_policy
from .scenario import Scenario
from .state import OUTCOME_FIELDS, RUN_DTYPE, State, new_parties


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


class Record:
    """A numpy record's fields as plain Python attributes (``action.cost_weekly``)."""

    def __init__(self, record: np.void) -> None:
        for name in record.dtype.names:
            value = record[name]
            setattr(self, name, value.tolist() if isinstance(value, np.ndarray) else value.item())


def escalation_pressure(party: RefParty, eff: float, p: Parameters, action: Record) -> float:
    """Net push towards the next stage up (docs/ODD.md, submodel 'stage transitions')."""
    pressure = (
        p.weight_tension * party.max_tension
        + p.weight_grievance * party.grievance
        + p.weight_history * party.history
        + p.weight_capability * party.capability
        - p.weight_will * party.will_to_settle
        - action.leverage * action.sponsor_leverage * eff
    )
    if p.mechanisms.contagion:
        pressure += p.weight_contagion * party.kin_violence
    if p.mechanisms.attention_deterrence:
        pressure -= p.attention_deterrence_weight * party.attention
    if p.mechanisms.war_weariness:
        pressure -= p.weight_weariness * party.hurt
    return pressure


def credibility(p: Parameters, false_alarms: int) -> float:
    """Share of the response's force left after the warnings that proved false so far."""
    if not p.mechanisms.false_alarm_cost:
        return 1.0
    return 1.0 / (1.0 + p.false_alarm_credibility * false_alarms)


def room(hardening: float, p: Parameters, action: Record) -> float:
    """Share of a persuasive instrument's force a party this hardened still lets in."""
    if not p.mechanisms.escalation_lock_in or action.coercive:
        return 1.0
    return 1.0 - p.lock_in_resistance * hardening


def transition_probabilities(
    s: int, pressure: float, settled: bool, eff: float, p: Parameters, action: Record
) -> tuple[float, float]:
    """Weekly probabilities ``(p_up, p_down)`` of a party at stage ``s`` under ``pressure``."""
    threshold = p.thresholds()
    p_up = 0.0
    if s < WAR:
        p_up = p.escalation_rate * sigmoid(p.hazard_slope * (pressure - threshold[s]))
        if s >= CRISIS:
            p_up *= max(0.0, 1.0 - action.escalation_cap * eff)
    p_down = 0.0
    if s > STABLE:
        gap = threshold[s - 1] - p.hysteresis - pressure
        p_down = p.deescalation_rate * sigmoid(p.hazard_slope * gap)
        p_down += p.settle_bonus * settled
    return p_up, p_down


def stage_move(u: float, p_up: float, p_down: float) -> int:
    """+1 if ``u < p_up``, -1 if ``u >= 1 - p_down``, else 0 (a monotone coupling)."""
    if u < p_up:
        return 1
    if u >= 1.0 - p_down:
        return -1
    return 0


def next_tension(
    skey: int, e: int, tau: float, g_i: float, g_j: float, violent: bool, p: Parameters
) -> float:
    """A rivalry's tension next week: drift with grievance (more next to violence), decay,
    and an incident with probability rising in the tension."""
    drift = p.tension_drift * 0.5 * (g_i + g_j) * (1.0 - tau)
    if violent:
        drift += p.violence_tension_boost * (1.0 - tau)
    u = rng.uniform_py(rng.draw_py(skey, e, rng.PURPOSE_INCIDENT))
    p_incident = p.incident_rate * (0.5 + tau)
    shock = 0.0
    if u < p_incident:
        shock = p.incident_size * (0.5 + 0.5 * (u / p_incident))
    return clip01(tau + drift - p.tension_decay * tau + shock)


# ---------------------------------------------------------------- agents
class RefParty:
    """One party: static attributes from the scenario and its weekly state (the names of
    ``sim.state.PARTY_FIELDS``)."""

    def __init__(
        self,
        pid: int,
        grievance: float,
        capability: float,
        attention: float,
        will_to_settle: float,
        stage: int,
        history: bool,
        organisation: int,
    ) -> None:
        self.pid = pid
        # static
        self.base_grievance = grievance
        self.base_capability = capability
        self.will_to_settle = will_to_settle
        self.organisation = organisation  # regional organisation id, -1 if none
        self.ties: list[tuple[RefParty, RefDyad]] = []  # (neighbour, relation)
        # slow variables, and what the party gathers from its neighbourhood each week
        self.grievance = grievance
        self.capability = capability
        self.attention = attention
        self.max_tension = 0.0
        self.kin_violence = 0.0
        self.settled = False
        # stage and its bookkeeping
        self.stage = stage
        self.history = history
        self.onset_week = -1
        self.in_episode = stage >= VIOLENCE
        self.episodes = int(self.in_episode)
        self.relapses = 0
        self.violent_weeks = 0
        # early warning and the action's focus
        self.flagged = False
        self.warn_week = -1
        self.un_streak = 0
        self.regional_streak = 0
        self.in_focus = False
        # lock-in, hurt, and whether a warning on the party is still open
        self.hardening = 0.0
        self.hurt = 0.0
        self.alarm_open = False
        # last week's transition probabilities (for inspection; 0 when the draw skipped them)
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

    def noisy_streak(
        self, skey: int, party: RefParty, indicator: float, noise: float, streak: int
    ) -> tuple[int, float]:
        """``(new streak of weeks the noisy indicator exceeded the threshold, level seen)``;
        like the kernel, a draw that cannot cross the threshold is skipped and the level is
        then the indicator itself."""
        sd = noise * (1.0 - self.quality)
        if indicator + sd * rng.NORMAL_BOUND <= self.threshold:
            return 0, indicator
        seen = indicator + sd * rng.normal_py(rng.draw_py(skey, party.pid, self.purpose))
        return (streak + 1 if seen > self.threshold else 0), seen


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

    Takes what ``sim.run_ensemble`` takes: ``scenario`` (Scenario, name, path or None),
    ``policy``, ``params`` (Parameters or a mapping of overrides), ``seed``, ``replicate``. The
    week index of the next :meth:`step` is the number of steps done so far (:attr:`weeks`).
    """

    def __init__(
        self, scenario=None, policy=None, *, params=None, seed: int = 0, replicate: int = 0
    ) -> None:
        from .ensemble import resolve_scenario
        from .params import as_parameters

        self.scenario = resolve_scenario(scenario)
        self.params = as_parameters(params)
        self.policy = as_policy(policy)
        self.action = Record(compile_policy(self.policy, self.scenario, self.params)[0])
        self.seed = seed
        self.replicate = replicate
        self.run_key = rng.run_key_py(seed, replicate)
        self._build_agents(self.scenario)
        self._init_run()

    def _build_agents(self, s: Scenario) -> None:
        """Agents from plain Python numbers (``tolist``), so the step never touches numpy."""
        columns = zip(
            range(s.n_parties),
            s.grievance.tolist(),
            s.capability.tolist(),
            s.attention.tolist(),
            s.will_to_settle.tolist(),
            s.stage.tolist(),
            s.history.tolist(),
            s.organisation.tolist(),
            strict=True,
        )
        self.parties = [
            RefParty(i, g, c, a, w, st, bool(h), o) for i, g, c, a, w, st, h, o in columns
        ]
        relations = zip(
            s.src.tolist(),
            s.dst.tolist(),
            s.relation_kind.tolist(),
            s.tension.tolist(),
            strict=True,
        )
        self.dyads = [RefDyad(e, a, b, k, t) for e, (a, b, k, t) in enumerate(relations)]
        self.rivalries = [d for d in self.dyads if d.kind == RIVALRY]
        for d in self.dyads:
            self.parties[d.src].ties.append((self.parties[d.dst], d))
            self.parties[d.dst].ties.append((self.parties[d.src], d))
        self.un = RefObserver(s.un_warning_quality, s.un_warning_threshold, rng.PURPOSE_OBSERVE_UN)
        self.regional = [
            RefObserver(q, t, rng.PURPOSE_OBSERVE_REGIONAL)
            for q, t in zip(
                s.organisation_warning_quality.tolist(),
                s.organisation_warning_threshold.tolist(),
                strict=True,
            )
        ]
        ptr, members = s.event_party_ptr.tolist(), s.event_parties.tolist()
        self.events = [
            RefEvent(
                int(s.event_week[k]),
                float(s.event_tension_shock[k]),
                float(s.event_grievance_shock[k]),
                members[ptr[k] : ptr[k + 1]],
            )
            for k in range(s.event_week.shape[0])
        ]

    def _init_run(self) -> None:
        """Run bookkeeping: the fields of ``sim.state.RUN_DTYPE`` as attributes."""
        for name in RUN_DTYPE.names:
            setattr(self, name, 0)
        for name in (
            "warning_week",
            "arrival_week",
            "end_week",
            "onset_week",
            "war_week",
            "target",
        ):
            setattr(self, name, -1)
        self.active = False
        self.cost = 0.0
        self.target_alarm = 0.0
        self.n_violent = sum(1 for q in self.parties if q.stage >= VIOLENCE)
        self.peak_violent = self.n_violent
        self.stage_count = [0] * N_STAGES
        for q in self.parties:
            self.stage_count[q.stage] += 1
        # initial_state takes numpy's mean (pairwise summation), so this one value uses it too
        tensions = [d.tension for d in self.rivalries]
        self.mean_tension = float(np.mean(np.array(tensions))) if tensions else 0.0

    # ------------------------------------------------------------ one week
    def step(self) -> None:
        """Advance one week."""
        t = self.weeks
        skey = rng.step_key_py(self.run_key, t)
        self.apply_events(t)
        active, arriving = self.action_status(t)
        if active:
            self.update_focus()
        if active and self.action.mediation:
            self.mediate(skey)
        self.update_relations(skey, active)
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
            hit = set(ev.parties)
            for pid in sorted(hit):
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
            self.active = False
            return False, False
        ended = t >= self.arrival_week + act.duration_weeks
        withdrawn = act.withdraw_when_calm and t > self.arrival_week and self.n_flagged_hot == 0
        if ended or withdrawn:
            self.end_week = t
            self.active = False
            return False, False
        self.active = True
        self.active_weeks += 1
        self.cost += act.cost_weekly * act.intensity
        arriving = t == self.arrival_week
        if arriving:
            self.cost += act.cost_fixed * act.intensity
        return True, arriving

    def update_focus(self) -> None:
        """The target of the first warning and its neighbours (``warning_targeting``), or
        every flagged party and its neighbours, as of the start of the week."""
        if self.params.mechanisms.warning_targeting:
            for party in self.parties:
                party.in_focus = party.pid == self.target or any(
                    other.pid == self.target for other, _ in party.ties
                )
        else:
            for party in self.parties:
                party.in_focus = party.flagged or any(other.flagged for other, _ in party.ties)

    # 3. the envoy
    def mediate(self, skey: int) -> None:
        """Work the ``mediator_capacity`` most tense rivalry dyads with a party in focus (ties to
        the lower relation id), in that order."""
        act = self.action
        p = self.params
        eligible = [
            d
            for d in self.rivalries
            if self.parties[d.src].in_focus or self.parties[d.dst].in_focus
        ]
        worked = sorted(eligible, key=lambda d: (-d.tension, d.eid))[: act.mediator_capacity]
        force = (
            p.mediation_success
            * act.mediator_credibility
            * (0.5 + 0.5 * act.mediator_impartiality)
            * act.unity_factor
            * act.intensity
            * credibility(p, self.false_alarms)
        )
        for d in worked:
            a = self.parties[d.src]
            b = self.parties[d.dst]
            will = math.sqrt(a.will_to_settle * b.will_to_settle)
            p_success = force * will * act.stage_effect[max(a.stage, b.stage)]
            p_success *= room(max(a.hardening, b.hardening), p, act)
            if p.mechanisms.ripeness:
                p_success *= 1.0 + p.ripeness_gain * min(a.hurt, b.hurt)
            if rng.uniform_py(rng.draw_py(skey, d.eid, rng.PURPOSE_MEDIATION)) < p_success:
                d.tension = d.tension * (1.0 - p.mediation_tension_cut)
                a.grievance = clip01(a.grievance - p.mediation_grievance_cut)
                b.grievance = clip01(b.grievance - p.mediation_grievance_cut)
                a.settled = b.settled = True
                self.mediation_successes += 1

    # 4. relations
    def update_relations(self, skey: int, active: bool) -> None:
        """Rivalries' tension moves (and an active action relieves it in focus); then each
        party gathers its highest rivalry tension and its share of kin in violence."""
        act = self.action
        relief = act.tension_relief * act.unity_factor * act.intensity
        relieving = active and relief > 0.0
        total = 0.0
        for d in self.rivalries:
            a = self.parties[d.src]
            b = self.parties[d.dst]
            violent = a.stage >= VIOLENCE or b.stage >= VIOLENCE
            tau = next_tension(
                skey, d.eid, d.tension, a.grievance, b.grievance, violent, self.params
            )
            if relieving and (a.in_focus or b.in_focus):
                tau = tau * max(0.0, 1.0 - relief * act.stage_effect[max(a.stage, b.stage)])
            d.tension = tau
            total += tau
        self.mean_tension = total / len(self.rivalries) if self.rivalries else 0.0
        for party in self.parties:
            rival = [d.tension for _, d in party.ties if d.kind == RIVALRY]
            kin = [other.stage >= VIOLENCE for other, d in party.ties if d.kind != RIVALRY]
            party.max_tension = max(rival, default=0.0)
            party.kin_violence = sum(kin) / len(kin) if kin else 0.0

    # 5. parties
    def update_slow_variables(
        self,
        party: RefParty,
        s: int,
        eff: float,
        base: float,
        attention_gain: float,
        acted_on: bool,
    ) -> None:
        act = self.action
        p = self.params
        m = p.mechanisms
        h = party.hardening
        g = party.grievance
        g += p.grievance_recovery * (party.base_grievance - g)
        if s >= VIOLENCE:
            g += p.violence_grievance
        if m.contagion:
            g += p.contagion_grievance * party.kin_violence
        if m.escalation_lock_in:
            g += p.lock_in_grievance * h
        if acted_on:
            g -= act.grievance_relief * eff
            if s <= DISPUTE and m.sanctions_backlash:
                g += act.backlash * base
        party.grievance = clip01(g)
        c = party.capability
        c += p.capability_recovery * (party.base_capability - c)
        if m.escalation_lock_in:
            c += p.lock_in_mobilisation * h * (1.0 - c)
        party.capability = clip01(c - act.capability_cut * eff * c)
        a = party.attention * (1.0 - p.attention_decay)
        party.attention = clip01(a + attention_gain * eff * (1.0 - a))
        if m.escalation_lock_in:
            if s >= CRISIS:
                party.hardening = h + p.lock_in_rate * (1.0 - h)
            else:
                party.hardening = h - p.lock_in_decay * h
        if s >= VIOLENCE:
            party.hurt = party.hurt + p.hurt_rate * (1.0 - party.hurt)
        else:
            party.hurt = party.hurt - p.hurt_decay * party.hurt

    def next_stage(self, u: float, party: RefParty, s: int, eff: float) -> int:
        """One stage up (``u < p_up``), one down (``u >= 1 - p_down``), or stay (the kernel
        skips computing the hazards when ``u`` lies between their bounds; the result is the
        same)."""
        pressure = escalation_pressure(party, eff, self.params, self.action)
        p_up, p_down = transition_probabilities(
            s, pressure, party.settled, eff, self.params, self.action
        )
        party.p_up, party.p_down = p_up, p_down
        return s + stage_move(u, p_up, p_down)

    def record_episode(self, t: int, party: RefParty, s: int, new: int) -> None:
        """Onsets, violent episodes and relapses of a party moving from ``s`` to ``new``."""
        if new >= VIOLENCE and s < VIOLENCE:
            if party.onset_week < 0:
                party.onset_week = t
            if self.onset_week < 0:
                self.onset_week = t
            if not party.in_episode:
                party.episodes += 1
                if party.episodes > 1:
                    party.relapses += 1
                    self.relapses += 1
                party.in_episode = True
            party.history = True
        if new == WAR and s < WAR and self.war_week < 0:
            self.war_week = t
        if new <= self.params.calm_stage:
            party.in_episode = False
        if new >= VIOLENCE:
            party.violent_weeks += 1

    def observe(self, skey: int, party: RefParty) -> tuple[bool, float]:
        """The UN and the party's regional organisation look at its noisy indicator:
        ``(warned, highest level seen)``."""
        p = self.params
        w = p.indicator_tension_weight
        indicator = w * party.max_tension + (1.0 - w) * party.grievance
        party.un_streak, alarm = self.un.noisy_streak(
            skey, party, indicator, p.observation_noise, party.un_streak
        )
        warned = party.un_streak >= p.warning_persistence_weeks
        if party.organisation >= 0:
            org = self.regional[party.organisation]
            party.regional_streak, seen = org.noisy_streak(
                skey, party, indicator, p.observation_noise, party.regional_streak
            )
            warned = warned or party.regional_streak >= p.warning_persistence_weeks
            alarm = max(alarm, seen)
        return warned, alarm

    def record_warning(self, t: int, party: RefParty, alarm: float) -> None:
        """Flag a warned party; the first warning week schedules the action's arrival and
        points the response at the most alarming warning of that week."""
        if not party.flagged:
            party.flagged = True
            party.warn_week = t
            party.alarm_open = True
        if self.warning_week < 0:
            self.warning_week = t
            if self.action.instrument != NONE:
                self.arrival_week = t + 1 + self.action.arrival_offset
        if self.warning_week == t and (self.target < 0 or alarm > self.target_alarm):
            self.target = party.pid
            self.target_alarm = alarm

    def resolve_alarm(self, t: int, party: RefParty, new: int) -> None:
        """Confirm an open alarm at crisis; it proves false after the window without one."""
        if not party.alarm_open:
            return
        if new >= CRISIS:
            party.alarm_open = False
            self.confirmed_alarms += 1
        elif t - party.warn_week >= self.params.false_alarm_window:
            party.alarm_open = False
            self.false_alarms += 1

    def update_parties(self, t: int, skey: int, active: bool, arriving: bool) -> None:
        act = self.action
        calm = self.params.calm_stage
        base = act.unity_factor * act.intensity * credibility(self.params, self.false_alarms)
        attention_gain = act.attention_weekly + (act.attention_pulse if arriving else 0.0)
        n_violent = n_warned = n_flagged = n_hot = 0
        self.stage_count = [0] * N_STAGES
        for party in self.parties:
            s = party.stage
            acted_on = active and party.in_focus
            eff = 0.0
            if acted_on:
                eff = base * act.stage_effect[s] * room(party.hardening, self.params, act)
            self.update_slow_variables(party, s, eff, base, attention_gain, acted_on)
            u = rng.uniform_py(rng.draw_py(skey, party.pid, rng.PURPOSE_STAGE))
            new = self.next_stage(u, party, s, eff)
            party.settled = False
            self.record_episode(t, party, s, new)
            party.stage = new
            self.stage_count[new] += 1
            n_violent += new >= VIOLENCE
            warned, alarm = self.observe(skey, party)
            if warned:
                n_warned += 1
                self.record_warning(t, party, alarm)
            self.resolve_alarm(t, party, new)
            if party.flagged:
                n_flagged += 1
                n_hot += new > calm
        self.n_violent = n_violent
        self.n_warned = n_warned
        self.n_flagged = n_flagged
        self.n_flagged_hot = n_hot
        self.party_weeks_violent += n_violent
        self.peak_violent = max(self.peak_violent, n_violent)

    # ------------------------------------------------------------ results
    def outcomes(self) -> dict:
        """The outcome fields of ``sim.state.OUTCOME_FIELDS`` (``cost`` a float, the rest ints)."""
        arrival = self.arrival_week
        out = {
            "violence": int(self.onset_week >= 0),
            "onset_week": self.onset_week,
            "war": int(self.war_week >= 0),
            "war_week": self.war_week,
            "peak_violent": self.peak_violent,
            "party_weeks_violent": self.party_weeks_violent,
            "relapse": int(self.relapses > 0),
            "relapses": self.relapses,
            "warning_week": self.warning_week,
            "arrival_week": arrival if 0 <= arrival < self.weeks else -1,
            "action_weeks": self.active_weeks,
            "cost": self.cost,
            "violent_at_end": self.n_violent,
            "mediation_successes": self.mediation_successes,
            "false_alarms": self.false_alarms,
        }
        assert tuple(out) == OUTCOME_FIELDS
        return out

    def to_state(self) -> State:
        """The state in the kernels' layout (``sim.state.State``), field by field by name."""
        party = new_parties(len(self.parties))
        for name in party._fields:
            getattr(party, name)[:] = [getattr(q, name) for q in self.parties]
        tension = np.array([d.tension for d in self.dyads], dtype=np.float64)
        run = np.zeros(1, RUN_DTYPE)
        for name in RUN_DTYPE.names:
            run[0][name] = getattr(self, name)
        return State(party, tension, run)
