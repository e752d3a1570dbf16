"""The parallel step: one week of one run with its passes over relations and parties spread
over numba's threads, bit for bit the serial ``kernels.step`` at any number of threads.

Every write goes to the relation or party of the iteration, or to the row of its block; the
run's counters are merged from the blocks in block order afterwards (``sim.tally``), and the sum
of tension is taken by fixed blocks of relations, as the serial step takes it. Records (``p``,
``action``) come as one-record arrays, indexed inside the parallel loops: numba's parallel loops
cannot capture a record. Ensembles keep the serial step inside their parallel loop over
replicates; :func:`advance` picks the faster step for one big run.

Example:
    >>> from sim import kernels_parallel
    >>> kernels_parallel.advance(t, rkey, net, kernel_params(params), compile_policy(...), state)
"""

import numba
import numpy as np
from numba import njit, prange

from . import kernels, rng, tally
from .params import RIVALRY, VIOLENCE

_CACHE = True
#: Parties per task of the parallel loops (blocks are tallied apart, then merged in order).
PARTY_BLOCK = 1024


@njit(cache=_CACHE)
def party_blocks(n):
    """Per-block tallies and alarms for ``n`` parties in blocks of :data:`PARTY_BLOCK`
    (``alarms[b]``: level, party; party -1 while the block has no warning)."""
    n_blocks = max(1, (n + PARTY_BLOCK - 1) // PARTY_BLOCK)
    alarms = np.zeros((n_blocks, 2))
    alarms[:, 1] = -1.0
    return np.zeros((n_blocks, tally.N_TALLY), np.int64), alarms


@njit(parallel=True, cache=_CACHE)
def focus_parallel(net, targeting, target, party):
    """``kernels.update_focus`` over the parties in parallel."""
    focus, flagged = party.in_focus, party.flagged  # named outside: see gather_parallel
    for i in prange(focus.shape[0]):
        focus[i] = kernels.in_focus(i, net, targeting, target, flagged)


@njit(cache=_CACHE)
def gather_party(i, net, stage, tension):
    """Party ``i``'s highest rivalry tension and share of kin in violence or war, from its
    adjacency (what ``kernels.update_relations`` scatters from the relations)."""
    highest = 0.0
    kin = 0.0
    for k in range(net.csr_ptr[i], net.csr_ptr[i + 1]):
        if net.csr_kind[k] == RIVALRY:
            highest = max(highest, tension[net.csr_edge[k]])
        elif stage[net.csr_nbr[k]] >= VIOLENCE:
            kin += 1.0
    degree = net.affinity_degree[i]
    return highest, kin / degree if degree > 0 else kin


@njit(parallel=True, cache=_CACHE)
def gather_parallel(net, party, tension):
    """:func:`gather_party` for every party in parallel. (The arrays are named before the loop:
    numba 0.68's parallel loop lost writes to ``party.max_tension[i]`` made inside it.)"""
    highest, kin = party.max_tension, party.kin_violence
    for i in prange(party.stage.shape[0]):
        h, k = gather_party(i, net, party.stage, tension)
        highest[i] = h
        kin[i] = k


@njit(parallel=True, cache=_CACHE)
def relations_parallel(skey, net, params, actions, relieving, relief, party, tension):
    """``kernels.update_relations`` in two parallel passes: rivalry tension by blocks of relations
    (block sums of tension, combined in block order), then each party's highest rivalry tension
    and share of kin in violence gathered from its adjacency. Returns (sum of tension,
    rivalries)."""
    m = tension.shape[0]
    n_blocks = (m + kernels.RELATION_BLOCK - 1) // kernels.RELATION_BLOCK
    sums = np.zeros(n_blocks)
    counts = np.zeros(n_blocks, np.int64)
    grievance, stage, in_focus = party.grievance, party.stage, party.in_focus
    for b in prange(n_blocks):
        p, action = params[0], actions[0]
        block_total = 0.0
        n_rival = 0
        for e in range(b * kernels.RELATION_BLOCK, min(m, (b + 1) * kernels.RELATION_BLOCK)):
            if net.relation_kind[e] == RIVALRY:
                i, j = net.src[e], net.dst[e]
                focus = relieving and (in_focus[i] or in_focus[j])
                g_i, g_j = grievance[i], grievance[j]
                tau = kernels.next_tension(skey, e, tension[e], g_i, g_j, stage[i], stage[j],
                                           focus, p, action, relief)  # fmt: skip
                tension[e] = tau
                block_total += tau
                n_rival += 1
        sums[b] = block_total
        counts[b] = n_rival
    gather_parallel(net, party, tension)
    total = 0.0
    n_rival = 0
    for b in range(n_blocks):
        total += sums[b]
        n_rival += counts[b]
    return total, n_rival


@njit(parallel=True, cache=_CACHE)
def parties_parallel(t, skey, net, params, actions, active, base, attention_gain, party, counts,
                     alarms):  # fmt: skip
    """``kernels.update_parties`` over blocks of :data:`PARTY_BLOCK` parties in parallel, each
    counting into its row of ``counts`` and ``alarms``."""
    n = party.stage.shape[0]
    for b in prange(counts.shape[0]):
        p, action = params[0], actions[0]
        lo = b * PARTY_BLOCK
        hi = min(n, lo + PARTY_BLOCK)
        kernels.update_parties(t, skey, net, p, action, active, base, attention_gain, party, lo,
                               hi, counts, alarms, b)  # fmt: skip


@njit(cache=_CACHE)
def step_parallel(t, rkey, net, params, actions, state):
    """``kernels.step`` with its passes over relations and parties spread over numba's threads;
    ``params`` and ``actions`` are one-record arrays (``kernel_params(...)``,
    ``compile_policy(...)``). Same result as ``kernels.step``, bit for bit, at any thread count.

    >>> kernels_parallel.step_parallel(t, rkey, net, params_array, actions_array, state)
    """
    party, tension, run = state.party, state.tension, state.run[0]
    p, action = params[0], actions[0]
    skey = rng.step_key(rkey, t)
    kernels.apply_events(t, net, party, tension)
    active, arriving = kernels.action_status(t, action, run)
    if active:
        focus_parallel(net, p.warning_targeting, run.target, party)
    if active and action.mediation:
        kernels.mediate(skey, net, p, action, party, tension, run)
    relief = action.tension_relief * action.unity_factor * action.intensity
    total, n_rival = relations_parallel(
        skey, net, params, actions, active and relief > 0.0, relief, party, tension
    )
    run.mean_tension = total / n_rival if n_rival > 0 else 0.0
    base = action.unity_factor * action.intensity * kernels.credibility(p, run)
    attention_gain = action.attention_weekly + (action.attention_pulse if arriving else 0.0)
    counts, alarms = party_blocks(party.stage.shape[0])
    parties_parallel(t, skey, net, params, actions, active, base, attention_gain, party, counts,
                     alarms)  # fmt: skip
    tally.merge_party_blocks(t, counts, alarms, action, run)
    run.weeks += 1


def advance(t, rkey, net, params, actions, state):
    """One week with the faster step for this network and thread count (same result either
    way): :func:`step_parallel` from ``kernels.PARALLEL_MIN_PARTIES`` parties when numba has more
    than one thread, else ``kernels.step``. ``params`` and ``actions`` are one-record arrays.

    >>> kernels_parallel.advance(t, rkey, net, kernel_params(params), compile_policy(...), state)
    """
    if state.party.stage.shape[0] < kernels.PARALLEL_MIN_PARTIES or numba.get_num_threads() == 1:
        kernels.step(t, rkey, net, params[0], actions[0], state)
    else:
        step_parallel(t, rkey, net, params, actions, state)
