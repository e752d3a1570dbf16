"""The run's counters from blocks of parties: what ``kernels.update_parties`` counts per block
(one row of ``tally`` per block of parties) and how the blocks are merged into the run record,
in block order, so that the serial step (one block) and the parallel step (many blocks, any
number of threads) give the same run bit for bit.

``alarms[b]`` holds (level, party) of the first most alarming warning of block ``b`` (party -1
while the block has none).
"""

import numpy as np
from numba import njit

from .params import N_STAGES, NONE

_CACHE = True

#: Columns of ``tally``: parties per stage (0 .. N_STAGES - 1), then the counts below.
T_VIOLENT = N_STAGES  # columns 0..N_STAGES-1: parties per stage
T_WARNED, T_FLAGGED, T_HOT = N_STAGES + 1, N_STAGES + 2, N_STAGES + 3
T_ONSET, T_RELAPSE, T_WAR = N_STAGES + 4, N_STAGES + 5, N_STAGES + 6
T_CONFIRMED, T_FALSE = N_STAGES + 7, N_STAGES + 8
N_TALLY = N_STAGES + 9


@njit(cache=_CACHE)
def record_warning(t, party_warned, alarm, action, run):
    """The run's side of a warning this week, in party order. The first warning week of the
    run schedules the action's arrival at warning + 1 + lag + deployment + sponsor response
    (the lag decides only *when*) and points the response at the party with the most alarming
    warning of that week (limited capacity: one conflict system; ties to the lower index)."""
    if run.warning_week < 0:
        run.warning_week = t
        if action.instrument != NONE:
            run.arrival_week = t + 1 + action.arrival_offset
    if run.warning_week == t and (run.target < 0 or alarm > run.target_alarm):
        run.target = party_warned
        run.target_alarm = alarm


@njit(cache=_CACHE)
def merge_party_blocks(t, tally, alarms, action, run):
    """The run's counters from the blocks' tallies, and the week's warnings in block order
    (so in party order: the result is the same for any number of blocks or threads)."""
    total = np.zeros(N_TALLY, np.int64)  # (loops: sum(axis=0) costs 3 s of cold compile)
    for b in range(tally.shape[0]):
        for c in range(N_TALLY):
            total[c] += tally[b, c]
    for s in range(N_STAGES):
        run.stage_count[s] = total[s]
    if total[T_ONSET] > 0 and run.onset_week < 0:
        run.onset_week = t
    if total[T_WAR] > 0 and run.war_week < 0:
        run.war_week = t
    run.relapses += total[T_RELAPSE]
    run.confirmed_alarms += total[T_CONFIRMED]
    run.false_alarms += total[T_FALSE]
    for b in range(alarms.shape[0]):
        if alarms[b, 1] >= 0:
            record_warning(t, np.int64(alarms[b, 1]), alarms[b, 0], action, run)
    n_violent = total[T_VIOLENT]
    run.n_violent = n_violent
    run.n_warned = total[T_WARNED]
    run.n_flagged = total[T_FLAGGED]
    run.n_flagged_hot = total[T_HOT]
    run.party_weeks_violent += n_violent
    run.peak_violent = max(run.peak_violent, n_violent)
