"""The struct of arrays the kernels step, and its layout.

Static structure (never written by a step) travels as :class:`Net`, a namedtuple of arrays that
numba passes by reference. Dynamic state is four arrays:

* ``party_f[PF_*, i]``: float state of party ``i`` (grievance, capability, attention, caches)
* ``party_i[PI_*, i]``: integer state of party ``i`` (stage, history, flags, counters)
* ``tension[e]``: tension of relation ``e`` (stays 0 on affinity relations)
* ``run_i[R_*]`` / ``run_f[RF_*]``: run-level bookkeeping (warning and action weeks, outcomes)
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .params import N_STAGES, VIOLENCE
from .scenario import Scenario

# party float rows
PF_GRIEVANCE, PF_CAPABILITY, PF_ATTENTION, PF_TENSION_MAX, PF_CONTAGION, PF_SETTLE = range(6)
N_PF = 6
# party integer rows
(
    PI_STAGE,
    PI_HISTORY,
    PI_ONSET_WEEK,  # first week this run the party entered violence from below, -1 if never
    PI_IN_EPISODE,  # 1 from entering violence until the party is calm again
    PI_RELAPSES,  # entries into violence after having calmed down within the run
    PI_VIOLENT_WEEKS,
    PI_FLAGGED,  # 1 once any observer has warned about the party
    PI_STREAK_UN,  # consecutive weeks the UN's noisy indicator exceeded its threshold
    PI_STREAK_REGIONAL,  # same for the party's regional organisation
    PI_WARN_WEEK,  # first week the party was warned about, -1 if never
    PI_EPISODES,  # violent episodes begun this run (one already if it starts in violence)
    PI_IN_FOCUS,  # party or a neighbour flagged, as of the last week an action was active
) = range(12)
N_PI = 12
# run integer slots
(
    R_WARNING_WEEK,  # first warning by any observer (pooled, para 66), -1 if none
    R_ARRIVAL_WEEK,  # week the action arrives, -1 if not (yet) scheduled
    R_END_WEEK,  # week the action ended (duration over or withdrawn), -1 if not ended
    R_ACTIVE,  # 1 while the action is active
    R_ACTIVE_WEEKS,
    R_ONSET_WEEK,  # first week any party entered violence from below, -1 if none
    R_WAR_WEEK,  # first week any party entered war, -1 if none
    R_PEAK_VIOLENT,  # most parties in violence or war at once
    R_PARTY_WEEKS_VIOLENT,
    R_RELAPSES,
    R_N_VIOLENT,  # parties in violence or war now
    R_N_WARNED,  # parties warned about this week
    R_N_FLAGGED,  # parties ever warned about
    R_N_FLAGGED_HOT,  # flagged parties above the calm stage now
    R_WEEKS,  # weeks stepped
    R_MEDIATION_SUCCESSES,
    R_STAGE_COUNT,  # N_STAGES slots: parties per stage now
) = range(17)
N_RI = R_STAGE_COUNT + N_STAGES
RF_COST, RF_MEAN_TENSION = 0, 1
N_RF = 2

Net = namedtuple(
    "Net",
    [
        "src", "dst", "relation_kind",  # relations
        "csr_ptr", "csr_nbr", "csr_edge", "csr_kind",  # party -> (neighbour, relation, kind)
        "affinity_degree",  # number of affinity relations per party (float64)
        "organisation", "base_grievance", "base_capability", "will_to_settle",
        "org_quality", "org_threshold",
        "event_week", "event_tension_shock", "event_grievance_shock",
        "event_party_ptr", "event_parties",
        "world",  # [un_quality, un_threshold]
    ],
)


def build_net(s: Scenario) -> Net:
    """Static arrays of a scenario, with a CSR adjacency sorted by (party, neighbour)."""
    n, m = s.n_parties, s.n_relations
    ends = np.concatenate([s.src, s.dst])
    nbrs = np.concatenate([s.dst, s.src])
    edge_ids = np.concatenate([np.arange(m), np.arange(m)]).astype(np.int64)
    order = np.lexsort((nbrs, ends))
    csr_ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(ends, minlength=n), out=csr_ptr[1:])
    return Net(
        src=s.src, dst=s.dst, relation_kind=s.relation_kind,
        csr_ptr=csr_ptr, csr_nbr=np.ascontiguousarray(nbrs[order]),
        csr_edge=np.ascontiguousarray(edge_ids[order]),
        csr_kind=np.ascontiguousarray(s.relation_kind[edge_ids[order]]),
        affinity_degree=np.bincount(
            np.concatenate([s.src, s.dst])[np.tile(s.relation_kind == 1, 2)], minlength=n
        ).astype(np.float64),
        organisation=s.organisation, base_grievance=s.grievance, base_capability=s.capability,
        will_to_settle=s.will_to_settle,
        org_quality=s.organisation_warning_quality, org_threshold=s.organisation_warning_threshold,
        event_week=s.event_week, event_tension_shock=s.event_tension_shock,
        event_grievance_shock=s.event_grievance_shock,
        event_party_ptr=s.event_party_ptr, event_parties=s.event_parties,
        world=np.array([s.un_warning_quality, s.un_warning_threshold]),
    )


def initial_state(s: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fresh dynamic arrays ``(party_f, party_i, tension, run_i, run_f)`` at week 0."""
    n = s.n_parties
    party_f = np.zeros((N_PF, n))
    party_f[PF_GRIEVANCE] = s.grievance
    party_f[PF_CAPABILITY] = s.capability
    party_f[PF_ATTENTION] = s.attention
    party_i = np.zeros((N_PI, n), np.int64)
    party_i[PI_STAGE] = s.stage
    party_i[PI_HISTORY] = s.history
    party_i[PI_ONSET_WEEK] = -1
    party_i[PI_WARN_WEEK] = -1
    party_i[PI_IN_EPISODE] = (s.stage >= VIOLENCE).astype(np.int64)
    party_i[PI_EPISODES] = party_i[PI_IN_EPISODE]
    tension = np.where(s.relation_kind == 0, s.tension, 0.0).astype(np.float64)
    run_i = np.zeros(N_RI, np.int64)
    for slot in (R_WARNING_WEEK, R_ARRIVAL_WEEK, R_END_WEEK, R_ONSET_WEEK, R_WAR_WEEK):
        run_i[slot] = -1
    n_violent = int((s.stage >= VIOLENCE).sum())
    run_i[R_N_VIOLENT] = n_violent
    run_i[R_PEAK_VIOLENT] = n_violent
    run_i[R_STAGE_COUNT : R_STAGE_COUNT + N_STAGES] = np.bincount(s.stage, minlength=N_STAGES)
    run_f = np.zeros(N_RF)
    rivals = s.relation_kind == 0
    run_f[RF_MEAN_TENSION] = float(tension[rivals].mean()) if rivals.any() else 0.0
    return party_f, party_i, tension, run_i, run_f


# ---------------------------------------------------------------- outcomes of one run
OUTCOME_FIELDS = (
    "violence",  # 1 if any party entered violence within the horizon
    "onset_week",  # first such week, -1 if none
    "war",
    "war_week",
    "peak_violent",  # most parties in violence or war at once
    "party_weeks_violent",
    "relapse",  # 1 if any party re-entered violence after calming down
    "relapses",
    "warning_week",
    "arrival_week",  # -1 if no action arrived within the horizon
    "action_weeks",  # weeks the action was active
    "cost",  # stylised US$ million
    "violent_at_end",
    "mediation_successes",
)
N_OUT = len(OUTCOME_FIELDS)
(
    O_VIOLENCE, O_ONSET_WEEK, O_WAR, O_WAR_WEEK, O_PEAK, O_PARTY_WEEKS, O_RELAPSE, O_RELAPSES,
    O_WARNING_WEEK, O_ARRIVAL_WEEK, O_ACTION_WEEKS, O_COST, O_VIOLENT_AT_END, O_MEDIATIONS,
) = range(N_OUT)

TIMESERIES_FIELDS = (
    "week", *(f"n_{name}" for name in ("stable", "dispute", "crisis", "violence", "war")),
    "mean_tension", "n_warned", "n_flagged", "action_active", "cost",
)
