"""The rules of the model, once: numba kernels over the named state of ``sim.state``.

One call of :func:`step` advances one week in this order (docs/ODD.md, section 3):

1. scheduled events (threshold moments, para 45) shock tension and grievance;
2. the action's status is updated (arrival, end, withdrawal, cost); while it is active, the
   parties in focus are the flagged parties and their neighbours;
3. an active envoy works the most tense dyads in focus (mediation draws);
4. tension on every rivalry dyad drifts, decays, takes incidents (and an action's relief); in
   the same pass each party's highest rivalry tension and share of kin in violence are gathered;
5. each party: slow variables, escalation pressure, stage transition, episode bookkeeping,
   observation by the early-warning observers; the first warning schedules the action's arrival.

Arguments are named records: ``p`` (``sim.params.PARAMS_DTYPE``), ``action``
(``sim.state.ACTION_DTYPE``), ``run`` (``sim.state.RUN_DTYPE``), ``party`` (``sim.state.Parties``)
and ``net`` (``sim.state.Net``). Every random number is a counter-based draw (``sim.rng``), so the
order of loops does not matter to the result. ``sim.reference`` restates the same rules in plain
Python as a test oracle, function for function. Call these functions through the module
(``kernels.step``), never ``from kernels import step``: launchers pickle imported functions by
value and lose the on-disk cache.
"""

import numpy as np
from numba import njit, prange

from . import rng, tally
from .params import CRISIS, DISPUTE, N_STAGES, NONE, RIVALRY, STABLE, VIOLENCE, WAR
from .state import Parties, State

_CACHE = True


@njit(inline="always", cache=_CACHE)
def clip01(x):
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x


@njit(inline="always", cache=_CACHE)
def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@njit(cache=_CACHE)
def copy_parties(p):
    """A deep copy of a :class:`Parties` (one line per field, in declaration order)."""
    return Parties(
        p.grievance.copy(), p.capability.copy(), p.attention.copy(), p.max_tension.copy(),
        p.kin_violence.copy(), p.settled.copy(), p.stage.copy(), p.history.copy(),
        p.onset_week.copy(), p.in_episode.copy(), p.episodes.copy(), p.relapses.copy(),
        p.violent_weeks.copy(), p.flagged.copy(), p.warn_week.copy(), p.un_streak.copy(),
        p.regional_streak.copy(), p.in_focus.copy(), p.hardening.copy(), p.hurt.copy(),
        p.alarm_open.copy(),
    )  # fmt: skip


@njit(cache=_CACHE)
def copy_state(s):
    return State(copy_parties(s.party), s.tension.copy(), s.run.copy())


# ---------------------------------------------------------------- 1. events
@njit(cache=_CACHE)
def apply_events(t, net, party, tension):
    """Scheduled events of week ``t``: grievance shock to the listed parties, tension shock to
    every rivalry dyad that touches one of them (once per dyad)."""
    for k in range(net.event_week.shape[0]):
        if net.event_week[k] != t:
            continue
        hit = np.zeros(party.stage.shape[0], np.bool_)
        for q in range(net.event_party_ptr[k], net.event_party_ptr[k + 1]):
            i = net.event_parties[q]
            if not hit[i]:
                hit[i] = True
                party.grievance[i] = clip01(party.grievance[i] + net.event_grievance_shock[k])
        shock = net.event_tension_shock[k]
        for e in range(tension.shape[0]):
            if net.relation_kind[e] == RIVALRY and (hit[net.src[e]] or hit[net.dst[e]]):
                tension[e] = clip01(tension[e] + shock)


# ---------------------------------------------------------------- 2. the action's status
@njit(cache=_CACHE)
def action_status(t, action, run):
    """Update the action's bookkeeping for week ``t``; return (active, arriving_now)."""
    if action.instrument == NONE:
        return False, False
    arrival = run.arrival_week
    if arrival < 0 or t < arrival or run.end_week >= 0:
        run.active = False
        return False, False
    ended = t >= arrival + action.duration_weeks
    withdrawn = action.withdraw_when_calm and t > arrival and run.n_flagged_hot == 0
    if ended or withdrawn:
        run.end_week = t
        run.active = False
        return False, False
    run.active = True
    run.active_weeks += 1
    run.cost += action.cost_weekly * action.intensity
    arriving = t == arrival
    if arriving:
        run.cost += action.cost_fixed * action.intensity
    return True, arriving


@njit(inline="always", cache=_CACHE)
def in_focus(i, net, targeting, target, flagged):
    """Whether party ``i`` is in the system the action addresses (:func:`update_focus`)."""
    if (i == target) if targeting else flagged[i]:
        return True
    for k in range(net.csr_ptr[i], net.csr_ptr[i + 1]):
        j = net.csr_nbr[k]
        if (j == target) if targeting else flagged[j]:
            return True
    return False


@njit(cache=_CACHE)
def update_focus(net, p, party, run):
    """The conflict system an active action addresses, as of the start of the week: with
    limited response capacity (``warning_targeting``), the party the first warning pointed at
    and its neighbours; otherwise every flagged party and its neighbours."""
    targeting, target = p.warning_targeting, run.target
    for i in range(party.stage.shape[0]):
        party.in_focus[i] = in_focus(i, net, targeting, target, party.flagged)


@njit(inline="always", cache=_CACHE)
def credibility(p, run):
    """Share of the response's force left after the warnings that proved false so far."""
    if not p.false_alarm_cost:
        return 1.0
    return 1.0 / (1.0 + p.false_alarm_credibility * run.false_alarms)


@njit(inline="always", cache=_CACHE)
def room(hardening, p, action):
    """Share of a persuasive instrument's force that a party this hardened still lets in
    (escalation lock-in); coercive instruments keep their force."""
    if not p.escalation_lock_in or action.coercive:
        return 1.0
    return 1.0 - p.lock_in_resistance * hardening


# ---------------------------------------------------------------- 3. mediation
@njit(cache=_CACHE)
def most_tense_in_focus(net, party, tension, capacity):
    """Up to ``capacity`` rivalry dyads with a party in focus, most tense first (ties to the
    lower relation id); -1 pads the rest."""
    top_e = np.full(capacity, -1, np.int64)
    top_v = np.full(capacity, -1.0)
    for e in range(tension.shape[0]):
        if net.relation_kind[e] != RIVALRY:
            continue
        if not party.in_focus[net.src[e]] and not party.in_focus[net.dst[e]]:
            continue
        v = tension[e]
        if v <= top_v[capacity - 1]:
            continue
        pos = capacity - 1
        while pos > 0 and v > top_v[pos - 1]:
            top_v[pos] = top_v[pos - 1]
            top_e[pos] = top_e[pos - 1]
            pos -= 1
        top_v[pos] = v
        top_e[pos] = e
    return top_e


@njit(cache=_CACHE)
def mediate(skey, net, p, action, party, tension, run):
    """The deployed mediator works the most tense dyads in focus; a success cuts the dyad's
    tension and both parties' grievance and lets them settle this week. Success needs the
    parties' will, room (lock-in) and, with ``ripeness``, rises with their mutual hurt."""
    force = (
        p.mediation_success
        * action.mediator_credibility
        * (0.5 + 0.5 * action.mediator_impartiality)
        * action.unity_factor
        * action.intensity
        * credibility(p, run)
    )
    for e in most_tense_in_focus(net, party, tension, action.mediator_capacity):
        if e < 0:
            break
        i = net.src[e]
        j = net.dst[e]
        s_max = max(party.stage[i], party.stage[j])
        will = np.sqrt(net.will_to_settle[i] * net.will_to_settle[j])
        p_success = force * will * action.stage_effect[s_max]
        p_success *= room(max(party.hardening[i], party.hardening[j]), p, action)
        if p.ripeness:
            p_success *= 1.0 + p.ripeness_gain * min(party.hurt[i], party.hurt[j])
        if rng.uniform(rng.draw(skey, e, rng.PURPOSE_MEDIATION)) < p_success:
            tension[e] = tension[e] * (1.0 - p.mediation_tension_cut)
            cut = p.mediation_grievance_cut
            party.grievance[i] = clip01(party.grievance[i] - cut)
            party.grievance[j] = clip01(party.grievance[j] - cut)
            party.settled[i] = True
            party.settled[j] = True
            run.mediation_successes += 1


# ---------------------------------------------------------------- 4. relations
@njit(inline="always", cache=_CACHE)
def next_tension(skey, e, tau, grievance_i, grievance_j, s_i, s_j, focus, p, action, relief):
    """A rivalry's tension next week (parties at stages ``s_i``, ``s_j``): drift with grievance
    (more next to violence), decay, and an incident with probability rising in the tension; then
    ``relief`` times the action's stage effect if either party is in focus (``focus``)."""
    drift = p.tension_drift * 0.5 * (grievance_i + grievance_j) * (1.0 - tau)
    if s_i >= VIOLENCE or s_j >= VIOLENCE:
        drift += p.violence_tension_boost * (1.0 - tau)
    u = rng.uniform(rng.draw(skey, e, rng.PURPOSE_INCIDENT))
    p_incident = p.incident_rate * (0.5 + tau)
    shock = 0.0
    if u < p_incident:
        shock = p.incident_size * (0.5 + 0.5 * (u / p_incident))
    tau = clip01(tau + drift - p.tension_decay * tau + shock)
    if focus:
        tau = tau * max(0.0, 1.0 - relief * action.stage_effect[max(s_i, s_j)])
    return tau


#: Relations per block of the sum of tension (and per task of the parallel step): each block is
#: summed in relation order, then the block sums in block order, whatever the thread count.
RELATION_BLOCK = 4096
#: From this many parties (and with more than one numba thread) one run steps faster with
#: ``sim.kernels_parallel`` (``EscalationModel.step``, ``kernels_parallel.advance``).
PARALLEL_MIN_PARTIES = 20_000


@njit(cache=_CACHE)
def update_relations(skey, net, p, action, active, party, tension, run):
    """One pass over relations. Rivalries: tension moves (:func:`next_tension`) and each
    party's highest rivalry tension is gathered. Affinities: each party's share of kin in
    violence or war (contagion, paras 19 and 24) is gathered from last week's stages."""
    relief = action.tension_relief * action.unity_factor * action.intensity
    relieving = active and relief > 0.0
    stage = party.stage
    party.max_tension[:] = 0.0
    party.kin_violence[:] = 0.0
    m = tension.shape[0]
    total = 0.0
    n_rival = 0
    for lo in range(0, m, RELATION_BLOCK):
        block_total = 0.0
        for e in range(lo, min(m, lo + RELATION_BLOCK)):
            i = net.src[e]
            j = net.dst[e]
            if net.relation_kind[e] != RIVALRY:
                if stage[j] >= VIOLENCE:
                    party.kin_violence[i] += 1.0
                if stage[i] >= VIOLENCE:
                    party.kin_violence[j] += 1.0
                continue
            focus = relieving and (party.in_focus[i] or party.in_focus[j])
            tau = next_tension(skey, e, tension[e], party.grievance[i], party.grievance[j],
                                  stage[i], stage[j], focus, p, action, relief)  # fmt: skip
            tension[e] = tau
            party.max_tension[i] = max(party.max_tension[i], tau)
            party.max_tension[j] = max(party.max_tension[j], tau)
            block_total += tau
            n_rival += 1
        total += block_total
    for i in range(stage.shape[0]):
        if net.affinity_degree[i] > 0:
            party.kin_violence[i] = party.kin_violence[i] / net.affinity_degree[i]
    run.mean_tension = total / n_rival if n_rival > 0 else 0.0


# ---------------------------------------------------------------- 5. parties
# The per-party sub-steps take and return scalars: the loop in update_parties reads and writes
# the named arrays, so numba passes no array containers per party (that costs reference counts).
@njit(inline="always", cache=_CACHE)
def update_hardening(s, h, p):
    """Escalation lock-in: positions harden at crisis or above and soften slowly below."""
    if not p.escalation_lock_in:
        return h
    if s >= CRISIS:
        return h + p.lock_in_rate * (1.0 - h)
    return h - p.lock_in_decay * h


@njit(inline="always", cache=_CACHE)
def update_hurt(s, hurt, p):
    """The cost of violence borne: accumulates in violence or war, fades slowly after."""
    if s >= VIOLENCE:
        return hurt + p.hurt_rate * (1.0 - hurt)
    return hurt - p.hurt_decay * hurt


@njit(inline="always", cache=_CACHE)
def update_grievance(s, g, base_g, kin, h, eff, base, acted_on, p, action):
    """Grievance returns to its baseline; violence, violent kin (contagion) and hardened
    positions (lock-in) add to it; an action relieves it, and sanctions met early add to it
    (backlash)."""
    g += p.grievance_recovery * (base_g - g)
    if s >= VIOLENCE:
        g += p.violence_grievance
    if p.contagion:
        g += p.contagion_grievance * kin
    if p.escalation_lock_in:
        g += p.lock_in_grievance * h
    if acted_on:
        g -= action.grievance_relief * eff
        if s <= DISPUTE and p.sanctions_backlash:
            g += action.backlash * base
    return clip01(g)


@njit(inline="always", cache=_CACHE)
def update_capability(c, base_c, h, eff, p, action):
    """Capability returns to its baseline, hardened parties mobilise, sanctions cut it."""
    c += p.capability_recovery * (base_c - c)
    if p.escalation_lock_in:
        c += p.lock_in_mobilisation * h * (1.0 - c)
    return clip01(c - action.capability_cut * eff * c)


@njit(inline="always", cache=_CACHE)
def update_attention(a, eff, attention_gain, p):
    """International attention decays; an action acting on the party adds to it."""
    a = a * (1.0 - p.attention_decay)
    return clip01(a + attention_gain * eff * (1.0 - a))


@njit(inline="always", cache=_CACHE)
def escalation_pressure(max_tension, g, kin, history, c, will, a, hurt, eff, p, action):
    """Net push towards the next stage up (docs/ODD.md, submodel 'stage transitions')."""
    pressure = (
        p.weight_tension * max_tension
        + p.weight_grievance * g
        + p.weight_history * history
        + p.weight_capability * c
        - p.weight_will * will
        - action.leverage * action.sponsor_leverage * eff
    )
    if p.contagion:
        pressure += p.weight_contagion * kin
    if p.attention_deterrence:
        pressure -= p.attention_deterrence_weight * a
    if p.war_weariness:
        pressure -= p.weight_weariness * hurt
    return pressure


@njit(inline="always", cache=_CACHE)
def transition_probabilities(s, pressure, settled, eff, p, action):
    """Weekly probabilities ``(p_up, p_down)`` of a party at stage ``s`` under ``pressure``."""
    p_up = 0.0
    if s < WAR:
        p_up = p.escalation_rate * sigmoid(p.hazard_slope * (pressure - p.threshold[s]))
        if s >= CRISIS:
            p_up *= max(0.0, 1.0 - action.escalation_cap * eff)
    p_down = 0.0
    if s > STABLE:
        gap = p.threshold[s - 1] - p.hysteresis - pressure
        p_down = p.deescalation_rate * sigmoid(p.hazard_slope * gap)
        p_down += p.settle_bonus * settled
    return p_up, p_down


@njit(inline="always", cache=_CACHE)
def stage_move(u, p_up, p_down):
    """+1 if ``u < p_up``, -1 if ``u >= 1 - p_down``, else 0: a monotone coupling of the draw
    (a lower ``p_up`` never turns a step down into a stay)."""
    if u < p_up:
        return 1
    if u >= 1.0 - p_down:
        return -1
    return 0


@njit(inline="always", cache=_CACHE)
def next_stage(u, s, pressure, settled, eff, p, action):
    """One stage up, one down, or stay (:func:`stage_move`). The hazards are bounded by
    ``escalation_rate`` and ``deescalation_rate + settle_bonus``, so a draw between the
    bounds moves nothing and needs no ``exp``."""
    up_bound = p.escalation_rate if s < WAR else 0.0
    down_bound = 0.0
    if s > STABLE:
        down_bound = p.deescalation_rate + p.settle_bonus * settled
    if up_bound <= u < 1.0 - down_bound:
        return s
    p_up, p_down = transition_probabilities(s, pressure, settled, eff, p, action)
    return s + stage_move(u, p_up, p_down)


@njit(cache=_CACHE)
def noisy_streak(skey, i, purpose, indicator, noise_sd, threshold, streak):
    """One observer's noisy look at party ``i``: ``(new streak of weeks above the threshold,
    level seen)``. The draw is skipped when even the largest possible noise could not cross
    the threshold (the streak is the same: draws are counter-based; the level reported is then
    the indicator itself, below the threshold)."""
    if indicator + noise_sd * rng.NORMAL_BOUND <= threshold:
        return 0, indicator
    seen = indicator + noise_sd * rng.normal(rng.draw(skey, i, purpose))
    return (streak + 1 if seen > threshold else 0), seen


@njit(inline="always", cache=_CACHE)
def observe(
    skey,
    i,
    indicator,
    un_streak,
    regional_streak,
    org,
    org_quality,
    org_threshold,
    un_quality,
    un_threshold,
    p,
):
    """The UN and the party's regional organisation (``org`` >= 0) look at its noisy
    indicator: ``(un streak, regional streak, warned, alarm)``, warned once either streak
    reaches ``warning_persistence_weeks``; ``alarm`` is the highest level an observer saw."""
    un_sd = p.observation_noise * (1.0 - un_quality)
    un_streak, alarm = noisy_streak(
        skey, i, rng.PURPOSE_OBSERVE_UN, indicator, un_sd, un_threshold, un_streak
    )
    warned = un_streak >= p.warning_persistence_weeks
    if org >= 0:
        org_sd = p.observation_noise * (1.0 - org_quality)
        regional_streak, seen = noisy_streak(
            skey, i, rng.PURPOSE_OBSERVE_REGIONAL, indicator, org_sd, org_threshold, regional_streak
        )
        warned = warned or regional_streak >= p.warning_persistence_weeks
        alarm = max(alarm, seen)
    return un_streak, regional_streak, warned, alarm


@njit(cache=_CACHE)
def record_episode(t, i, s, new, calm, onset_week, in_episode, episodes, relapses, history):
    """Onsets, violent episodes and relapses of party ``i`` moving from ``s`` to ``new``
    (called only when something can change: entering violence, or calm while in episode).
    Returns what the run counts: ``(entered violence, relapsed, entered war)`` as 0 or 1."""
    onset = relapse = war = 0
    if new >= VIOLENCE and s < VIOLENCE:
        onset = 1
        if onset_week[i] < 0:
            onset_week[i] = t
        if not in_episode[i]:
            episodes[i] += 1
            if episodes[i] > 1:
                relapses[i] += 1
                relapse = 1
            in_episode[i] = True
        history[i] = True
    if new == WAR and s < WAR:
        war = 1
    if new <= calm:
        in_episode[i] = False
    return onset, relapse, war


@njit(inline="always", cache=_CACHE)
def resolve_alarm(t, new, warn_week, p):
    """An open alarm is confirmed once the party reaches crisis (returns 1), and proves false
    (-1) if it has not within ``false_alarm_window`` weeks of the warning; 0 keeps it open."""
    if new >= CRISIS:
        return 1
    if t - warn_week >= p.false_alarm_window:
        return -1
    return 0


@njit(cache=_CACHE)
def update_parties(t, skey, net, p, action, active, base, attention_gain, party, lo, hi,
                   counts, alarms, b):  # fmt: skip
    """Parties ``lo`` to ``hi - 1`` in turn: slow variables, pressure and stage transition,
    episodes, observation and warnings. What the run counts goes to row ``b`` of ``counts``
    (columns ``sim.tally.T_*``); ``alarms[b]`` keeps (level, party) of the first most alarming
    warning of the block. ``base``: the share of the action's force that reaches a party before
    its stage and lock-in; ``attention_gain``: the week's attention from the action."""
    w = p.indicator_tension_weight
    for i in range(lo, hi):
        s = party.stage[i]
        h = party.hardening[i]
        kin = party.kin_violence[i]
        acted_on = active and party.in_focus[i]
        eff = base * action.stage_effect[s] * room(h, p, action) if acted_on else 0.0
        # slow variables
        g = update_grievance(
            s, party.grievance[i], net.base_grievance[i], kin, h, eff, base, acted_on, p, action
        )
        c = update_capability(party.capability[i], net.base_capability[i], h, eff, p, action)
        a = update_attention(party.attention[i], eff, attention_gain, p)
        hurt = update_hurt(s, party.hurt[i], p)
        party.grievance[i] = g
        party.capability[i] = c
        party.attention[i] = a
        party.hardening[i] = update_hardening(s, h, p)
        party.hurt[i] = hurt
        # pressure (from this week's slow variables) and the stage transition
        pressure = escalation_pressure(party.max_tension[i], g, kin, party.history[i], c,
                                       net.will_to_settle[i], a, hurt, eff, p, action)  # fmt: skip
        u = rng.uniform(rng.draw(skey, i, rng.PURPOSE_STAGE))
        new = next_stage(u, s, pressure, party.settled[i], eff, p, action)
        party.settled[i] = False
        if new != s or party.in_episode[i]:
            onset, relapse, war = record_episode(t, i, s, new, p.calm_stage, party.onset_week,
                party.in_episode, party.episodes, party.relapses, party.history)  # fmt: skip
            counts[b, tally.T_ONSET] += onset
            counts[b, tally.T_RELAPSE] += relapse
            counts[b, tally.T_WAR] += war
        party.stage[i] = new
        counts[b, new] += 1
        if new >= VIOLENCE:
            counts[b, tally.T_VIOLENT] += 1
            party.violent_weeks[i] += 1
        # early warning
        indicator = w * party.max_tension[i] + (1.0 - w) * g
        org = net.organisation[i]
        q = net.org_warning_quality[org] if org >= 0 else 0.0
        thr = net.org_warning_threshold[org] if org >= 0 else 0.0
        un_streak, regional_streak, warned, alarm = observe(
            skey, i, indicator, party.un_streak[i], party.regional_streak[i], org, q, thr,
            net.un_warning_quality, net.un_warning_threshold, p)  # fmt: skip
        party.un_streak[i] = un_streak
        party.regional_streak[i] = regional_streak
        if warned:
            counts[b, tally.T_WARNED] += 1
            if not party.flagged[i]:  # its alarm stays open until confirmed or proved false
                party.flagged[i] = True
                party.warn_week[i] = t
                party.alarm_open[i] = True
            if alarms[b, 1] < 0 or alarm > alarms[b, 0]:
                alarms[b, 0] = alarm
                alarms[b, 1] = i
        if party.alarm_open[i]:
            resolved = resolve_alarm(t, new, party.warn_week[i], p)
            party.alarm_open[i] = resolved == 0
            counts[b, tally.T_CONFIRMED] += resolved == 1
            counts[b, tally.T_FALSE] += resolved == -1
        if party.flagged[i]:
            counts[b, tally.T_FLAGGED] += 1
            if new > p.calm_stage:
                counts[b, tally.T_HOT] += 1


# ---------------------------------------------------------------- one week, one run, many runs
@njit(cache=_CACHE)
def step(t, rkey, net, p, action, state):
    """Advance the state one week (week index ``t``)."""
    party, tension, run = state.party, state.tension, state.run[0]
    skey = rng.step_key(rkey, t)
    apply_events(t, net, party, tension)
    active, arriving = action_status(t, action, run)
    if active:
        update_focus(net, p, party, run)
    if active and action.mediation:
        mediate(skey, net, p, action, party, tension, run)
    update_relations(skey, net, p, action, active, party, tension, run)
    base = action.unity_factor * action.intensity * credibility(p, run)
    attention_gain = action.attention_weekly + (action.attention_pulse if arriving else 0.0)
    counts, alarms = np.zeros((1, tally.N_TALLY), np.int64), np.array([[0.0, -1.0]])
    n = party.stage.shape[0]
    update_parties(t, skey, net, p, action, active, base, attention_gain, party, 0, n, counts,
                   alarms, 0)  # fmt: skip
    tally.merge_party_blocks(t, counts, alarms, action, run)
    run.weeks += 1


@njit(cache=_CACHE)
def outcomes(run, out):
    """Write the outcomes of a finished run into the record ``out`` (``OUTCOME_DTYPE``)."""
    out.violence = 1 if run.onset_week >= 0 else 0
    out.onset_week = run.onset_week
    out.war = 1 if run.war_week >= 0 else 0
    out.war_week = run.war_week
    out.peak_violent = run.peak_violent
    out.party_weeks_violent = run.party_weeks_violent
    out.relapse = 1 if run.relapses > 0 else 0
    out.relapses = run.relapses
    out.warning_week = run.warning_week
    out.arrival_week = run.arrival_week if 0 <= run.arrival_week < run.weeks else -1
    out.action_weeks = run.active_weeks
    out.cost = run.cost
    out.violent_at_end = run.n_violent
    out.mediation_successes = run.mediation_successes
    out.false_alarms = run.false_alarms


@njit(cache=_CACHE)
def record(t, run, row):
    """One row of the weekly time series (``TIMESERIES_DTYPE``)."""
    row.week = t
    row.n_stable = run.stage_count[0]
    row.n_dispute = run.stage_count[1]
    row.n_crisis = run.stage_count[2]
    row.n_violence = run.stage_count[3]
    row.n_war = run.stage_count[4]
    row.mean_tension = run.mean_tension
    row.n_warned = run.n_warned
    row.n_flagged = run.n_flagged
    row.action_active = 1 if run.active else 0
    row.cost = run.cost


@njit(cache=_CACHE)
def run_replicate(net, p, action, state, rkey, start_week, n_weeks, out, series):
    """Step ``n_weeks`` weeks in place from ``start_week``; write the outcomes to the record
    ``out`` and, while ``series`` has rows, one row per week."""
    for w in range(n_weeks):
        t = start_week + w
        step(t, rkey, net, p, action, state)
        if w < series.shape[0]:
            record(t, state.run[0], series[w])
    outcomes(state.run[0], out)


@njit(parallel=True, cache=_CACHE)
def ensemble(
    net, params, actions, party0, tension0, run0, seed, first_replicate, n_weeks, out, no_series
):
    """Fill ``out[policy, replicate]`` with the outcomes of every replicate under every action.

    Replicate ``r`` of every policy reads the same draws (common random numbers); tasks run in
    parallel over policy x replicate. (The initial state comes unbundled: numba's parallel
    loops do not take a namedtuple nested in a namedtuple.)
    """
    n_policies, n_replicates = out.shape
    for task in prange(n_policies * n_replicates):
        p = params[0]  # records are taken inside the loop: parallel loops cannot capture them
        # replicate-major: numba gives each thread one contiguous range of tasks, so each thread
        # gets every policy in turn (a policy-major order gave one thread all the cheap no-action
        # runs and the other all the runs with an action)
        k = task % n_policies
        r = task // n_policies
        rkey = rng.run_key(seed, first_replicate + r)
        state = copy_state(State(party0, tension0, run0))
        run_replicate(net, p, actions[k], state, rkey, 0, n_weeks, out[k, r], no_series)


@njit(parallel=True, cache=_CACHE)
def ensemble_final_states(
    net,
    params,
    actions,
    party0,
    tension0,
    run0,
    seed,
    first_replicate,
    n_weeks,
    out,
    no_series,
    final,
):
    """Like :func:`ensemble` for one action, also keeping each replicate's final party state
    (``final``: a ``Parties`` of 2-D arrays, replicate x party) for per-party analyses."""
    for r in prange(out.shape[0]):
        p = params[0]
        state = copy_state(State(party0, tension0, run0))
        rkey = rng.run_key(seed, first_replicate + r)
        run_replicate(net, p, actions[0], state, rkey, 0, n_weeks, out[r], no_series)
        store_parties(final, r, state.party)


@njit(parallel=True, cache=_CACHE)
def ensemble_stage_history(
    net, params, actions, party0, tension0, run0, seed, first_replicate, history
):
    """Each party's stage after every week: ``history[r, week, party]`` (int8), for the
    episode statistics (durations, recurrence) that outcomes alone cannot give."""
    n_replicates, n_weeks, _ = history.shape
    for r in prange(n_replicates):
        p = params[0]
        state = copy_state(State(party0, tension0, run0))
        rkey = rng.run_key(seed, first_replicate + r)
        for t in range(n_weeks):
            step(t, rkey, net, p, actions[0], state)
            for i in range(state.party.stage.shape[0]):
                history[r, t, i] = state.party.stage[i]


@njit(cache=_CACHE)
def store_parties(final, r, q):
    """Copy the state of every party into row ``r`` of ``final`` (one line per field)."""
    final.grievance[r] = q.grievance
    final.capability[r] = q.capability
    final.attention[r] = q.attention
    final.max_tension[r] = q.max_tension
    final.kin_violence[r] = q.kin_violence
    final.settled[r] = q.settled
    final.stage[r] = q.stage
    final.history[r] = q.history
    final.onset_week[r] = q.onset_week
    final.in_episode[r] = q.in_episode
    final.episodes[r] = q.episodes
    final.relapses[r] = q.relapses
    final.violent_weeks[r] = q.violent_weeks
    final.flagged[r] = q.flagged
    final.warn_week[r] = q.warn_week
    final.un_streak[r] = q.un_streak
    final.regional_streak[r] = q.regional_streak
    final.in_focus[r] = q.in_focus
    final.hardening[r] = q.hardening
    final.hurt[r] = q.hurt
    final.alarm_open[r] = q.alarm_open


__all__ = [
    "State",
    "step",
    "run_replicate",
    "ensemble",
    "ensemble_final_states",
    "N_STAGES",
]
