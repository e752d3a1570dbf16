"""The state the kernels step, named once: parties, relations, the run, outcomes, time series.

* :class:`Net`: static structure of a scenario (never written by a step), a namedtuple of arrays.
* :class:`Parties`: dynamic per-party state, a namedtuple of 1-D arrays (``party.grievance[i]``);
  integers stay integers, flags are booleans.
* ``tension``: tension of each relation (stays 0 on affinity relations).
* ``run``: one record of run-level bookkeeping (``RUN_DTYPE``: warning and arrival weeks, outcome
  counters, stage counts); kernels read ``run.onset_week``.
* :class:`State` bundles the three; :func:`initial_state` builds it from a scenario.
* ``OUTCOME_DTYPE`` / ``TIMESERIES_DTYPE``: records of a finished run and of one week.
* ``ACTION_DTYPE``: a policy resolved against a scenario and the parameters (``sim.policy``).

Example:
    >>> from sim.scenarios_io import default_scenario
    >>> state = initial_state(default_scenario())
    >>> state.party.stage.dtype, int(state.run[0]["onset_week"])
    (dtype('int64'), -1)
"""

from __future__ import annotations

import dataclasses
from collections import namedtuple

import numpy as np

from .params import N_STAGES, RIVALRY, STAGE_NAMES, VIOLENCE, Instrument
from .scenario import Scenario

F8, I8, B1 = np.float64, np.int64, np.bool_

# ---------------------------------------------------------------- parties
#: (name, dtype, meaning) of every per-party state variable, in the order of :class:`Parties`.
PARTY_FIELDS = (
    ("grievance", F8, "felt injustice in [0, 1]; returns to the scenario's baseline"),
    ("capability", F8, "capacity to fight in [0, 1]; returns to the scenario's baseline"),
    ("attention", F8, "international attention in [0, 1]; decays weekly"),
    ("max_tension", F8, "highest tension of the party's rivalries this week"),
    ("kin_violence", F8, "share of affinity neighbours in violence or war (last week)"),
    ("settled", B1, "a mediation on one of the party's dyads succeeded this week"),
    ("stage", I8, "escalation stage, index into STAGE_NAMES"),
    ("history", B1, "has a history of violence (para 29)"),
    ("onset_week", I8, "first week this run the party entered violence from below, -1 if never"),
    ("in_episode", B1, "from entering violence until the party is calm again"),
    ("episodes", I8, "violent episodes begun this run (one already if it starts in violence)"),
    ("relapses", I8, "entries into violence after having calmed down within the run"),
    ("violent_weeks", I8, "weeks spent in violence or war"),
    ("flagged", B1, "an observer has warned about the party"),
    ("warn_week", I8, "first week the party was warned about, -1 if never"),
    ("un_streak", I8, "consecutive weeks the UN's noisy indicator exceeded its threshold"),
    ("regional_streak", I8, "the same for the party's regional organisation"),
    ("in_focus", B1, "addressed by the action, as of the last week it was active"),
    ("hardening", F8, "positions hardened by time at crisis or above, in [0, 1] (lock-in)"),
    ("hurt", F8, "cost of violence borne, in [0, 1] (ripeness, war weariness)"),
    ("alarm_open", B1, "warned about, and the warning neither confirmed nor proved false yet"),
)
Parties = namedtuple("Parties", [name for name, _, _ in PARTY_FIELDS])
State = namedtuple("State", ["party", "tension", "run"])


# ---------------------------------------------------------------- the run
#: Run-level bookkeeping of one replicate (one record).
RUN_DTYPE = np.dtype([
    ("weeks", I8),  # weeks stepped
    ("warning_week", I8),  # first warning by any observer (pooled, para 66), -1 if none
    ("arrival_week", I8),  # week the action arrives, -1 if not (yet) scheduled
    ("end_week", I8),  # week the action ended (duration over or withdrawn), -1 if not ended
    ("active", B1),  # the action is active this week
    ("active_weeks", I8),
    ("onset_week", I8),  # first week any party entered violence from below, -1 if none
    ("war_week", I8),  # first week any party entered war, -1 if none
    ("peak_violent", I8),  # most parties in violence or war at once
    ("party_weeks_violent", I8),
    ("relapses", I8),
    ("n_violent", I8),  # parties in violence or war now
    ("n_warned", I8),  # parties warned about this week
    ("n_flagged", I8),  # parties ever warned about
    ("n_flagged_hot", I8),  # flagged parties above the calm stage now
    ("mediation_successes", I8),
    ("target", I8),  # the party the first warning week's most alarming warning pointed at
    ("target_alarm", F8),  # the level an observer saw for it
    ("false_alarms", I8),  # warnings proved false so far (no crisis within the window)
    ("confirmed_alarms", I8),  # warnings confirmed so far (the party reached crisis)
    ("stage_count", I8, (N_STAGES,)),  # parties per stage now
    ("cost", F8),  # stylised US$ million so far
    ("mean_tension", F8),  # mean tension over rivalry relations
])  # fmt: skip

# ---------------------------------------------------------------- outcomes and time series
#: Outcomes of one finished run (one record per replicate and policy; ``run_ensemble``'s columns).
OUTCOME_DTYPE = np.dtype([
    ("violence", I8),  # 1 if any party entered violence within the horizon
    ("onset_week", I8),  # first such week, -1 if none
    ("war", I8),
    ("war_week", I8),
    ("peak_violent", I8),  # most parties in violence or war at once
    ("party_weeks_violent", I8),
    ("relapse", I8),  # 1 if any party re-entered violence after calming down
    ("relapses", I8),
    ("warning_week", I8),
    ("arrival_week", I8),  # -1 if no action arrived within the horizon
    ("action_weeks", I8),  # weeks the action was active
    ("cost", F8),  # stylised US$ million
    ("violent_at_end", I8),
    ("mediation_successes", I8),
    ("false_alarms", I8),  # warnings proved false within the horizon
])  # fmt: skip
OUTCOME_FIELDS = OUTCOME_DTYPE.names

#: One week of a run's time series.
TIMESERIES_DTYPE = np.dtype(
    [("week", I8)]
    + [(f"n_{name}", I8) for name in STAGE_NAMES]
    + [
        ("mean_tension", F8),
        ("n_warned", I8),
        ("n_flagged", I8),
        ("action_active", I8),
        ("cost", F8),
    ]
)
TIMESERIES_FIELDS = TIMESERIES_DTYPE.names

# ---------------------------------------------------------------- the action
_RESOLVED_BY_POLICY = ("deploy_weeks", "duration_weeks")
#: A policy resolved against a scenario and the parameters (``sim.policy.compile_policy``): what
#: the sponsor and mediator bring, then the instrument's row and its stage-effect row.
ACTION_DTYPE = np.dtype(
    [
        ("instrument", I8),  # index into INSTRUMENTS
        ("lag_weeks", I8),  # decision lag (only used to schedule the arrival)
        ("intensity", F8),
        ("duration_weeks", I8),  # weeks active after arrival
        ("arrival_offset", I8),  # lag + deployment + sponsor response, weeks after warning + 1
        ("unity_factor", F8),  # share of force the sponsor's unity brings (para 16)
        ("sponsor_leverage", F8),
        ("withdraw_when_calm", B1),
        ("mediator_credibility", F8),
        ("mediator_impartiality", F8),
        ("mediator_capacity", I8),  # rivalry dyads the mediator works per week
    ]
    + [
        (f.name, B1 if f.type in (bool, "bool") else F8)
        for f in dataclasses.fields(Instrument)
        if f.name not in _RESOLVED_BY_POLICY
    ]
    + [("stage_effect", F8, (N_STAGES,))]
)

# ---------------------------------------------------------------- static structure
Net = namedtuple(
    "Net",
    [
        "src", "dst", "relation_kind",  # relations
        "csr_ptr", "csr_nbr", "csr_edge", "csr_kind",  # party -> (neighbour, relation, kind)
        "affinity_degree",  # number of affinity relations per party (float64)
        "organisation", "base_grievance", "base_capability", "will_to_settle",
        "org_warning_quality", "org_warning_threshold",
        "event_week", "event_tension_shock", "event_grievance_shock",
        "event_party_ptr", "event_parties",
        "un_warning_quality", "un_warning_threshold",
    ],
)  # fmt: skip


def build_net(s: Scenario) -> Net:
    """Static arrays of a scenario, with a CSR adjacency sorted by (party, neighbour)."""
    n, m = s.n_parties, s.n_relations
    ends = np.concatenate([s.src, s.dst])
    nbrs = np.concatenate([s.dst, s.src])
    edge_ids = np.concatenate([np.arange(m), np.arange(m)]).astype(np.int64)
    order = np.lexsort((nbrs, ends))
    csr_ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(ends, minlength=n), out=csr_ptr[1:])
    affinity_ends = ends[np.tile(s.relation_kind == 1, 2)]
    return Net(
        src=s.src, dst=s.dst, relation_kind=s.relation_kind,
        csr_ptr=csr_ptr, csr_nbr=np.ascontiguousarray(nbrs[order]),
        # relation ids fit int32 up to 2**31 relations; kinds fit int8 (less to read per step)
        csr_edge=np.ascontiguousarray(edge_ids[order], _edge_dtype(m)),
        csr_kind=np.ascontiguousarray(s.relation_kind[edge_ids[order]], np.int8),
        affinity_degree=np.bincount(affinity_ends, minlength=n).astype(np.float64),
        organisation=s.organisation, base_grievance=s.grievance, base_capability=s.capability,
        will_to_settle=s.will_to_settle,
        org_warning_quality=s.organisation_warning_quality,
        org_warning_threshold=s.organisation_warning_threshold,
        event_week=s.event_week, event_tension_shock=s.event_tension_shock,
        event_grievance_shock=s.event_grievance_shock,
        event_party_ptr=s.event_party_ptr, event_parties=s.event_parties,
        un_warning_quality=float(s.un_warning_quality),
        un_warning_threshold=float(s.un_warning_threshold),
    )  # fmt: skip


def _edge_dtype(m: int) -> type:
    return np.int32 if m < 2**31 else np.int64


def new_parties(n: int) -> Parties:
    """Zeroed per-party state for ``n`` parties."""
    return Parties(*(np.zeros(n, dtype) for _, dtype, _ in PARTY_FIELDS))


def initial_state(s: Scenario) -> State:
    """Fresh dynamic state at week 0."""
    party = new_parties(s.n_parties)
    party.grievance[:] = s.grievance
    party.capability[:] = s.capability
    party.attention[:] = s.attention
    party.stage[:] = s.stage
    party.history[:] = s.history != 0
    party.onset_week[:] = -1
    party.warn_week[:] = -1
    party.in_episode[:] = s.stage >= VIOLENCE
    party.episodes[:] = party.in_episode
    tension = np.where(s.relation_kind == RIVALRY, s.tension, 0.0).astype(np.float64)
    run = np.zeros(1, RUN_DTYPE)
    r = run[0]
    for name in ("warning_week", "arrival_week", "end_week", "onset_week", "war_week", "target"):
        r[name] = -1
    n_violent = int((s.stage >= VIOLENCE).sum())
    r["n_violent"] = r["peak_violent"] = n_violent
    r["stage_count"] = np.bincount(s.stage, minlength=N_STAGES)
    rivals = s.relation_kind == RIVALRY
    r["mean_tension"] = float(tension[rivals].mean()) if rivals.any() else 0.0
    return State(party, tension, run)
