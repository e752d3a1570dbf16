"""The rules of the model, once: numba kernels over the struct of arrays in ``sim.state``.

One call of :func:`step` advances one week in this order (docs/ODD.md, section 3):

1. scheduled events (threshold moments, para 45) shock tension and grievance;
2. the action's status is updated (arrival, end, withdrawal, cost); while it is active, the
   parties in focus are the flagged parties and their neighbours;
3. an active envoy works the most tense dyads in focus (mediation draws);
4. tension on every rivalry dyad drifts, decays, takes incidents (and an action's relief), and
   in the same pass each party's highest rivalry tension and share of kin in violence are
   gathered;
5. each party's slow variables update, it moves a stage up or down or stays, and observers see
   noisy indicators and may warn.

Every random number is a counter-based draw (``sim.rng``), so the order of loops does not matter
to the result. ``sim.reference`` implements the same rules in plain Python as a test oracle.
Call these functions through the module (``kernels.step``), never ``from kernels import step``:
launchers pickle imported functions by value and lose the on-disk cache.
"""

import numpy as np
from numba import njit, prange

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
    P_ATTENTION_DECAY,
    P_ATTENTION_DETERRENCE,
    P_CALM_STAGE,
    P_CAPABILITY_RECOVERY,
    P_DEESCALATION_RATE,
    P_ESCALATION_RATE,
    P_GRIEVANCE_RECOVERY,
    P_HAZARD_SLOPE,
    P_HYSTERESIS,
    P_INCIDENT_RATE,
    P_INCIDENT_SIZE,
    P_INDICATOR_TENSION_WEIGHT,
    P_MEDIATION_GRIEVANCE_CUT,
    P_MEDIATION_SUCCESS,
    P_MEDIATION_TENSION_CUT,
    P_OBSERVATION_NOISE,
    P_SETTLE_BONUS,
    P_TENSION_DECAY,
    P_TENSION_DRIFT,
    P_THRESHOLD_DISPUTE,
    P_VIOLENCE_GRIEVANCE,
    P_VIOLENCE_TENSION_BOOST,
    P_W_CAPABILITY,
    P_W_CONTAGION,
    P_W_GRIEVANCE,
    P_W_HISTORY,
    P_W_TENSION,
    P_W_WILL,
    P_WARNING_PERSISTENCE,
    RIVALRY,
    STABLE,
    VIOLENCE,
    WAR,
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
)
from .state import (
    N_OUT,
    O_ACTION_WEEKS,
    O_ARRIVAL_WEEK,
    O_COST,
    O_MEDIATIONS,
    O_ONSET_WEEK,
    O_PARTY_WEEKS,
    O_PEAK,
    O_RELAPSE,
    O_RELAPSES,
    O_VIOLENCE,
    O_VIOLENT_AT_END,
    O_WAR,
    O_WAR_WEEK,
    O_WARNING_WEEK,
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

_CACHE = True


@njit(inline="always", cache=_CACHE)
def _clip01(x):
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x


@njit(inline="always", cache=_CACHE)
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@njit(cache=_CACHE)
def apply_events(t, net, party_f, tension):
    """Scheduled events of week ``t``: grievance shock to the listed parties, tension shock to
    every rivalry dyad that touches one of them (once per dyad)."""
    for k in range(net.event_week.shape[0]):
        if net.event_week[k] != t:
            continue
        hit = np.zeros(party_f.shape[1], np.bool_)
        for q in range(net.event_party_ptr[k], net.event_party_ptr[k + 1]):
            i = net.event_parties[q]
            if not hit[i]:
                hit[i] = True
                party_f[PF_GRIEVANCE, i] = _clip01(
                    party_f[PF_GRIEVANCE, i] + net.event_grievance_shock[k]
                )
        shock = net.event_tension_shock[k]
        for e in range(tension.shape[0]):
            if net.relation_kind[e] == RIVALRY and (hit[net.src[e]] or hit[net.dst[e]]):
                tension[e] = _clip01(tension[e] + shock)


@njit(cache=_CACHE)
def action_status(t, action, run_i, run_f):
    """Update the action's bookkeeping for week ``t``; return (active, arriving_now)."""
    if int(action[A_INSTRUMENT]) == NONE:
        return False, False
    arrival = run_i[R_ARRIVAL_WEEK]
    if arrival < 0 or t < arrival or run_i[R_END_WEEK] >= 0:
        run_i[R_ACTIVE] = 0
        return False, False
    if t >= arrival + int(action[A_DURATION]):
        run_i[R_END_WEEK] = t
        run_i[R_ACTIVE] = 0
        return False, False
    if action[A_WITHDRAW] > 0.0 and t > arrival and run_i[R_N_FLAGGED_HOT] == 0:
        run_i[R_END_WEEK] = t
        run_i[R_ACTIVE] = 0
        return False, False
    run_i[R_ACTIVE] = 1
    run_i[R_ACTIVE_WEEKS] += 1
    intensity = action[A_INTENSITY]
    run_f[RF_COST] += action[A_TABLE + I_COST_WEEKLY] * intensity
    arriving = t == arrival
    if arriving:
        run_f[RF_COST] += action[A_TABLE + I_COST_FIXED] * intensity
    return True, arriving


@njit(cache=_CACHE)
def update_focus(net, party_i):
    """The situation an active action addresses: flagged parties and their direct neighbours
    (the conflict system around the warnings), as of the start of the week."""
    flagged = party_i[PI_FLAGGED]
    for i in range(party_i.shape[1]):
        focus = flagged[i]
        if focus == 0:
            for k in range(net.csr_ptr[i], net.csr_ptr[i + 1]):
                if flagged[net.csr_nbr[k]] != 0:
                    focus = 1
                    break
        party_i[PI_IN_FOCUS, i] = focus


@njit(cache=_CACHE)
def mediate(skey, net, params, action, party_f, party_i, tension, run_i):
    """The deployed mediator works up to ``capacity`` rivalry dyads this week: those with a
    party in focus and the highest tension (ties to the lower relation id)."""
    capacity = int(action[A_MED_CAPACITY])
    top_e = np.full(capacity, -1, np.int64)
    top_v = np.full(capacity, -1.0)
    focus = party_i[PI_IN_FOCUS]
    for e in range(tension.shape[0]):
        if net.relation_kind[e] != RIVALRY:
            continue
        if focus[net.src[e]] == 0 and focus[net.dst[e]] == 0:
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
    force = (
        params[P_MEDIATION_SUCCESS]
        * action[A_MED_CREDIBILITY]
        * (0.5 + 0.5 * action[A_MED_IMPARTIALITY])
        * action[A_UNITY_FACTOR]
        * action[A_INTENSITY]
    )
    for slot in range(capacity):
        e = top_e[slot]
        if e < 0:
            break
        i = net.src[e]
        j = net.dst[e]
        s_max = max(party_i[PI_STAGE, i], party_i[PI_STAGE, j])
        will = np.sqrt(net.will_to_settle[i] * net.will_to_settle[j])
        p_success = force * will * action[A_STAGE_EFF + s_max]
        if rng.uniform(rng.draw(skey, e, rng.PURPOSE_MEDIATION)) < p_success:
            tension[e] = tension[e] * (1.0 - params[P_MEDIATION_TENSION_CUT])
            cut = params[P_MEDIATION_GRIEVANCE_CUT]
            party_f[PF_GRIEVANCE, i] = _clip01(party_f[PF_GRIEVANCE, i] - cut)
            party_f[PF_GRIEVANCE, j] = _clip01(party_f[PF_GRIEVANCE, j] - cut)
            party_f[PF_SETTLE, i] = 1.0
            party_f[PF_SETTLE, j] = 1.0
            run_i[R_MEDIATION_SUCCESSES] += 1


@njit(cache=_CACHE)
def update_relations(skey, net, params, action, active, party_f, party_i, tension, run_f):
    """One pass over relations. Rivalries: tension drifts with grievance, decays, takes
    incidents, rises next to violence, and an action may relieve it; each party's highest
    rivalry tension is gathered. Affinities: each party's share of kin in violence or war
    (contagion, paras 19 and 24) is gathered from last week's stages."""
    drift_rate = params[P_TENSION_DRIFT]
    decay = params[P_TENSION_DECAY]
    rate = params[P_INCIDENT_RATE]
    size = params[P_INCIDENT_SIZE]
    boost = params[P_VIOLENCE_TENSION_BOOST]
    relief = action[A_TABLE + I_TENSION_RELIEF] * action[A_UNITY_FACTOR] * action[A_INTENSITY]
    relieving = active and relief > 0.0
    grievance = party_f[PF_GRIEVANCE]
    t_max = party_f[PF_TENSION_MAX]
    contagion = party_f[PF_CONTAGION]
    stage = party_i[PI_STAGE]
    focus = party_i[PI_IN_FOCUS]
    t_max[:] = 0.0
    contagion[:] = 0.0
    total = 0.0
    n_rival = 0
    for e in range(tension.shape[0]):
        i = net.src[e]
        j = net.dst[e]
        if net.relation_kind[e] != RIVALRY:
            if stage[j] >= VIOLENCE:
                contagion[i] += 1.0
            if stage[i] >= VIOLENCE:
                contagion[j] += 1.0
            continue
        tau = tension[e]
        drift = drift_rate * 0.5 * (grievance[i] + grievance[j]) * (1.0 - tau)
        if stage[i] >= VIOLENCE or stage[j] >= VIOLENCE:
            drift += boost * (1.0 - tau)
        u = rng.uniform(rng.draw(skey, e, rng.PURPOSE_INCIDENT))
        p_incident = rate * (0.5 + tau)
        shock = 0.0
        if u < p_incident:
            shock = size * (0.5 + 0.5 * (u / p_incident))
        tau = _clip01(tau + drift - decay * tau + shock)
        if relieving and (focus[i] != 0 or focus[j] != 0):
            s_max = max(stage[i], stage[j])
            tau = tau * max(0.0, 1.0 - relief * action[A_STAGE_EFF + s_max])
        tension[e] = tau
        if tau > t_max[i]:
            t_max[i] = tau
        if tau > t_max[j]:
            t_max[j] = tau
        total += tau
        n_rival += 1
    for i in range(contagion.shape[0]):
        if net.affinity_degree[i] > 0:
            contagion[i] = contagion[i] / net.affinity_degree[i]
    run_f[RF_MEAN_TENSION] = total / n_rival if n_rival > 0 else 0.0


@njit(cache=_CACHE)
def _observe(skey, i, purpose, indicator, noise_sd, threshold, streak):
    """One observer's noisy look at party ``i``: new streak of weeks above the threshold.

    The draw is skipped when even the largest possible noise could not cross the threshold
    (the result is the same: the draw is counter-based and would not have mattered)."""
    if indicator + noise_sd * rng.NORMAL_BOUND <= threshold:
        return 0
    seen = indicator + noise_sd * rng.normal(rng.draw(skey, i, purpose))
    return streak + 1 if seen > threshold else 0


@njit(cache=_CACHE)
def update_parties(t, skey, net, params, action, active, arriving, party_f, party_i, run_i):
    """Slow variables, stage transitions, outcome bookkeeping and early warning."""
    thresholds = params[P_THRESHOLD_DISPUTE : P_THRESHOLD_DISPUTE + 4]
    slope = params[P_HAZARD_SLOPE]
    calm = int(params[P_CALM_STAGE])
    persistence = int(params[P_WARNING_PERSISTENCE])
    w_ind = params[P_INDICATOR_TENSION_WEIGHT]
    un_sd = params[P_OBSERVATION_NOISE] * (1.0 - net.world[0])
    un_threshold = net.world[1]
    base = action[A_UNITY_FACTOR] * action[A_INTENSITY]
    attention_gain = action[A_TABLE + I_ATTENTION_WEEKLY]
    if arriving:
        attention_gain += action[A_TABLE + I_ATTENTION_PULSE]
    n_violent = 0
    n_warned = 0
    n_flagged = 0
    n_hot = 0
    for s in range(N_STAGES):
        run_i[R_STAGE_COUNT + s] = 0
    for i in range(party_f.shape[1]):
        s = party_i[PI_STAGE, i]
        acted_on = active and party_i[PI_IN_FOCUS, i] != 0
        eff = base * action[A_STAGE_EFF + s] if acted_on else 0.0
        # slow variables
        g = party_f[PF_GRIEVANCE, i]
        g += params[P_GRIEVANCE_RECOVERY] * (net.base_grievance[i] - g)
        if s >= VIOLENCE:
            g += params[P_VIOLENCE_GRIEVANCE]
        if acted_on:
            g -= action[A_TABLE + I_GRIEVANCE_RELIEF] * eff
            if s <= DISPUTE:
                g += action[A_TABLE + I_BACKLASH] * base
        g = _clip01(g)
        c = party_f[PF_CAPABILITY, i]
        c += params[P_CAPABILITY_RECOVERY] * (net.base_capability[i] - c)
        c = _clip01(c - action[A_TABLE + I_CAPABILITY_CUT] * eff * c)
        a = party_f[PF_ATTENTION, i] * (1.0 - params[P_ATTENTION_DECAY])
        a = _clip01(a + attention_gain * eff * (1.0 - a))
        party_f[PF_GRIEVANCE, i] = g
        party_f[PF_CAPABILITY, i] = c
        party_f[PF_ATTENTION, i] = a
        # escalation pressure and the stage transition
        t_max = party_f[PF_TENSION_MAX, i]
        pressure = (
            params[P_W_TENSION] * t_max
            + params[P_W_GRIEVANCE] * g
            + params[P_W_CONTAGION] * party_f[PF_CONTAGION, i]
            + params[P_W_HISTORY] * party_i[PI_HISTORY, i]
            + params[P_W_CAPABILITY] * c
            - params[P_W_WILL] * net.will_to_settle[i]
            - params[P_ATTENTION_DETERRENCE] * a
            - action[A_TABLE + I_LEVERAGE] * action[A_LEVERAGE] * eff
        )
        u = rng.uniform(rng.draw(skey, i, rng.PURPOSE_STAGE))
        # p_up <= escalation_rate and p_down <= deescalation_rate + settle bonus (rounding is
        # monotone), so a draw above their sum moves nothing and the hazards need no exp().
        up_bound = params[P_ESCALATION_RATE] if s < WAR else 0.0
        down_bound = 0.0
        if s > STABLE:
            down_bound = params[P_DEESCALATION_RATE] + params[P_SETTLE_BONUS] * party_f[
                PF_SETTLE, i
            ]
        new = s
        if u < up_bound + down_bound:
            p_up = 0.0
            if s < WAR:
                p_up = params[P_ESCALATION_RATE] * _sigmoid(slope * (pressure - thresholds[s]))
                if s >= CRISIS:
                    p_up *= max(0.0, 1.0 - action[A_TABLE + I_ESCALATION_CAP] * eff)
            p_down = 0.0
            if s > STABLE:
                gap = thresholds[s - 1] - params[P_HYSTERESIS] - pressure
                p_down = params[P_DEESCALATION_RATE] * _sigmoid(slope * gap)
                p_down += params[P_SETTLE_BONUS] * party_f[PF_SETTLE, i]
            if u < p_up:
                new = s + 1
            elif u < p_up + p_down:
                new = s - 1
        party_f[PF_SETTLE, i] = 0.0
        # outcome bookkeeping
        if new >= VIOLENCE and s < VIOLENCE:
            if party_i[PI_ONSET_WEEK, i] < 0:
                party_i[PI_ONSET_WEEK, i] = t
            if run_i[R_ONSET_WEEK] < 0:
                run_i[R_ONSET_WEEK] = t
            if party_i[PI_IN_EPISODE, i] == 0:
                party_i[PI_EPISODES, i] += 1
                if party_i[PI_EPISODES, i] > 1:
                    party_i[PI_RELAPSES, i] += 1
                    run_i[R_RELAPSES] += 1
                party_i[PI_IN_EPISODE, i] = 1
            party_i[PI_HISTORY, i] = 1
        if new == WAR and s < WAR and run_i[R_WAR_WEEK] < 0:
            run_i[R_WAR_WEEK] = t
        if new <= calm:
            party_i[PI_IN_EPISODE, i] = 0
        if new >= VIOLENCE:
            n_violent += 1
            party_i[PI_VIOLENT_WEEKS, i] += 1
        party_i[PI_STAGE, i] = new
        run_i[R_STAGE_COUNT + new] += 1
        # early warning: the UN and the party's regional organisation
        indicator = w_ind * t_max + (1.0 - w_ind) * g
        streak = _observe(skey, i, rng.PURPOSE_OBSERVE_UN, indicator, un_sd, un_threshold,
                          party_i[PI_STREAK_UN, i])
        party_i[PI_STREAK_UN, i] = streak
        warned = streak >= persistence
        org = net.organisation[i]
        if org >= 0:
            org_sd = params[P_OBSERVATION_NOISE] * (1.0 - net.org_quality[org])
            streak = _observe(skey, i, rng.PURPOSE_OBSERVE_REGIONAL, indicator, org_sd,
                              net.org_threshold[org], party_i[PI_STREAK_REGIONAL, i])
            party_i[PI_STREAK_REGIONAL, i] = streak
            warned = warned or streak >= persistence
        if warned:
            n_warned += 1
            if party_i[PI_FLAGGED, i] == 0:
                party_i[PI_FLAGGED, i] = 1
                party_i[PI_WARN_WEEK, i] = t
            if run_i[R_WARNING_WEEK] < 0:
                run_i[R_WARNING_WEEK] = t
                if int(action[A_INSTRUMENT]) != NONE:
                    run_i[R_ARRIVAL_WEEK] = t + 1 + int(action[A_ARRIVAL_OFFSET])
        if party_i[PI_FLAGGED, i] != 0:
            n_flagged += 1
            if new > calm:
                n_hot += 1
    run_i[R_N_VIOLENT] = n_violent
    run_i[R_N_WARNED] = n_warned
    run_i[R_N_FLAGGED] = n_flagged
    run_i[R_N_FLAGGED_HOT] = n_hot
    run_i[R_PARTY_WEEKS_VIOLENT] += n_violent
    if n_violent > run_i[R_PEAK_VIOLENT]:
        run_i[R_PEAK_VIOLENT] = n_violent


@njit(cache=_CACHE)
def step(t, rkey, net, params, action, party_f, party_i, tension, run_i, run_f):
    """Advance the state one week (week index ``t``)."""
    skey = rng.step_key(rkey, t)
    apply_events(t, net, party_f, tension)
    active, arriving = action_status(t, action, run_i, run_f)
    if active:
        update_focus(net, party_i)
    if active and action[A_TABLE + I_MEDIATION] > 0.0:
        mediate(skey, net, params, action, party_f, party_i, tension, run_i)
    update_relations(skey, net, params, action, active, party_f, party_i, tension, run_f)
    update_parties(t, skey, net, params, action, active, arriving, party_f, party_i, run_i)
    run_i[R_WEEKS] += 1


@njit(cache=_CACHE)
def outcomes(run_i, run_f, out):
    """Write the outcome fields of a finished run into ``out`` (layout ``state.OUTCOME_FIELDS``)."""
    out[O_VIOLENCE] = 1.0 if run_i[R_ONSET_WEEK] >= 0 else 0.0
    out[O_ONSET_WEEK] = run_i[R_ONSET_WEEK]
    out[O_WAR] = 1.0 if run_i[R_WAR_WEEK] >= 0 else 0.0
    out[O_WAR_WEEK] = run_i[R_WAR_WEEK]
    out[O_PEAK] = run_i[R_PEAK_VIOLENT]
    out[O_PARTY_WEEKS] = run_i[R_PARTY_WEEKS_VIOLENT]
    out[O_RELAPSE] = 1.0 if run_i[R_RELAPSES] > 0 else 0.0
    out[O_RELAPSES] = run_i[R_RELAPSES]
    out[O_WARNING_WEEK] = run_i[R_WARNING_WEEK]
    arrival = run_i[R_ARRIVAL_WEEK]
    out[O_ARRIVAL_WEEK] = arrival if 0 <= arrival < run_i[R_WEEKS] else -1
    out[O_ACTION_WEEKS] = run_i[R_ACTIVE_WEEKS]
    out[O_COST] = run_f[RF_COST]
    out[O_VIOLENT_AT_END] = run_i[R_N_VIOLENT]
    out[O_MEDIATIONS] = run_i[R_MEDIATION_SUCCESSES]


@njit(cache=_CACHE)
def record(t, run_i, run_f, row):
    """One row of the weekly time series (layout ``state.TIMESERIES_FIELDS``)."""
    row[0] = t
    for s in range(N_STAGES):
        row[1 + s] = run_i[R_STAGE_COUNT + s]
    row[6] = run_f[RF_MEAN_TENSION]
    row[7] = run_i[R_N_WARNED]
    row[8] = run_i[R_N_FLAGGED]
    row[9] = run_i[R_ACTIVE]
    row[10] = run_f[RF_COST]


@njit(cache=_CACHE)
def run_replicate(net, params, action, party_f, party_i, tension, run_i, run_f, seed, replicate,
                  start_week, n_weeks, out, timeseries):
    """Step ``n_weeks`` weeks in place from ``start_week``; write outcomes to ``out`` and, if
    ``timeseries`` has rows, one row per week."""
    rkey = rng.run_key(seed, replicate)
    for w in range(n_weeks):
        t = start_week + w
        step(t, rkey, net, params, action, party_f, party_i, tension, run_i, run_f)
        if w < timeseries.shape[0]:
            record(t, run_i, run_f, timeseries[w])
    outcomes(run_i, run_f, out)


@njit(parallel=True, cache=_CACHE)
def ensemble(net, params, actions, party_f0, party_i0, tension0, run_i0, run_f0, seed,
             first_replicate, n_replicates, n_weeks):
    """Outcomes of ``n_replicates`` replicates under each row of ``actions``.

    Returns an array ``(n_policies, n_replicates, N_OUT)``. Replicate ``r`` of every policy reads
    the same draws (common random numbers); tasks run in parallel over policy x replicate.
    """
    n_policies = actions.shape[0]
    out = np.empty((n_policies, n_replicates, N_OUT))
    no_series = np.empty((0, 11))
    for task in prange(n_policies * n_replicates):
        p = task // n_replicates
        r = task % n_replicates
        party_f = party_f0.copy()
        party_i = party_i0.copy()
        tension = tension0.copy()
        run_i = run_i0.copy()
        run_f = run_f0.copy()
        run_replicate(net, params, actions[p], party_f, party_i, tension, run_i, run_f, seed,
                      first_replicate + r, 0, n_weeks, out[p, r], no_series)
    return out


@njit(parallel=True, cache=_CACHE)
def ensemble_final_states(net, params, action, party_f0, party_i0, tension0, run_i0, run_f0,
                          seed, first_replicate, n_replicates, n_weeks):
    """Integer party state (``state.PI_*`` rows) of each replicate after ``n_weeks`` weeks:
    an array ``(n_replicates, N_PI, n_parties)`` for per-party analyses (onsets, stages)."""
    states = np.empty((n_replicates, party_i0.shape[0], party_i0.shape[1]), np.int64)
    no_series = np.empty((0, 11))
    for r in prange(n_replicates):
        party_f = party_f0.copy()
        party_i = party_i0.copy()
        tension = tension0.copy()
        run_i = run_i0.copy()
        run_f = run_f0.copy()
        out = np.empty(N_OUT)
        run_replicate(net, params, action, party_f, party_i, tension, run_i, run_f, seed,
                      first_replicate + r, 0, n_weeks, out, no_series)
        states[r] = party_i
    return states
