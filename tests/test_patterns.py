"""Patterns the default parameters must reproduce together (issue: model core).

Each test is a statistically sound comparison over enough replicates. Comparisons between
policies use common random numbers (replicate r of every arm reads the same draws), so their
differences are paired and get a paired 95% interval; single proportions get a Wilson 95%
interval. Thresholds are stated with their reason in each test.
"""

import numpy as np
import pytest

import sim
from sim import Policy, Scenario
from sim.ensemble import run_final_states
from sim.state import PI_ONSET_WEEK, PI_STAGE, build_net
from sim.stats import paired_difference, wilson_interval

N = 2000  # replicates per arm: a Wilson half-width of at most ~0.022 on a proportion


def violence(df: sim.run_ensemble, label: str) -> np.ndarray:
    return df.loc[df["policy"] == label].sort_values("replicate")["violence"].to_numpy()


def two_party(stage: str, tension: float = 0.8) -> Scenario:
    """A government and an armed group in one hot rivalry, both at ``stage``; a UN envoy."""
    return Scenario.from_records(
        "two_party_pattern",
        parties=[
            dict(id="gov", kind="government", grievance=0.5, capability=0.7,
                 will_to_settle=0.5, stage=stage),
            dict(id="rebels", kind="armed_group", grievance=0.6, capability=0.5,
                 will_to_settle=0.5, stage=stage),
        ],
        relations=[dict(between=["gov", "rebels"], kind="rivalry", tension=tension)],
        mediators=[dict(id="envoy", credibility=0.8, capacity=1, impartiality=0.8)],
        un=dict(unity=0.8, leverage=0.6, warning_quality=0.6, warning_threshold=0.6),
    )


def out_of_violence_share(scenario: Scenario, policy, weeks: int, n: int) -> np.ndarray:
    """Per replicate: 1 if every party is below the violence stage after ``weeks`` weeks."""
    stages = run_final_states(scenario, policy, n, weeks, seed=7)[:, PI_STAGE, :]
    return np.all(stages < 3, axis=1).astype(float)


def test_base_rate_of_violence_leaves_room_both_ways():
    # Default scenario, no action: violence within two years in 30-70% of replicates, so that
    # prevention can both help and fail. The whole Wilson interval must lie inside the band.
    v = violence(sim.run_ensemble(policies=["none"], n_replicates=N, seed=11), "none")
    p, low, high = wilson_interval(int(v.sum()), v.size)
    assert 0.30 <= low and high <= 0.70, (p, low, high)


def test_history_of_violence_raises_onset_hazard():
    # Walter: 57% of countries with a civil war in 1945-2009 had another (para 29). The same
    # scenario with every party carrying a history vs none, paired on replicates: the risk
    # difference must be clearly positive (lower paired bound above 0.10, i.e. not marginal).
    base = sim.default_scenario()
    with_history = base.replace(history=np.ones(base.n_parties, np.int64))
    without = base.replace(history=np.zeros(base.n_parties, np.int64))
    a = violence(sim.run_ensemble(with_history, ["none"], N, seed=12), "none")
    b = violence(sim.run_ensemble(without, ["none"], N, seed=12), "none")
    diff, low, high = paired_difference(a, b)
    assert low > 0.10, (diff, low, high)
    # and the hazard per week at risk is higher too (onsets per party-week before onset)
    assert a.mean() > b.mean()


def test_envoy_succeeds_more_at_low_than_high_intensity():
    # Bercovitch: mediation succeeded in 64% of disputes with 100-500 deaths, 39% above 10,000.
    # Low intensity = the dyad starts at `violence`, high = at `war`; success = both parties
    # below violence 30 weeks on, with a UN envoy sent at once. Same draws in both arms: the
    # paired difference low - high must be positive (lower bound > 0) and the low-intensity
    # success rate must exceed one half while the high-intensity one stays below it + 0.1.
    n = N
    low_int = out_of_violence_share(two_party("violence"), Policy("envoy"), 30, n)
    high_int = out_of_violence_share(two_party("war"), Policy("envoy"), 30, n)
    diff, lo, hi = paired_difference(low_int, high_int)
    assert lo > 0.0, (diff, lo, hi)
    assert wilson_interval(int(low_int.sum()), n)[1] > 0.5
    assert low_int.mean() - high_int.mean() > 0.08


def test_sanctions_alone_succeed_in_a_minority():
    # Hufbauer, Schott & Elliott: 34% of 115 episodes succeeded (Pape: far fewer). Sanctions
    # alone against a dyad in violence: success (both parties out of violence after 30 weeks)
    # must be a minority (Wilson upper bound < 0.5) yet not nil (lower bound > 0.1), and above
    # doing nothing on the same draws (they are not useless).
    n = N
    sanctions = out_of_violence_share(two_party("violence"), Policy("sanctions"), 30, n)
    nothing = out_of_violence_share(two_party("violence"), Policy("none"), 30, n)
    p, low, high = wilson_interval(int(sanctions.sum()), n)
    assert high < 0.5 and low > 0.1, (p, low, high)
    assert paired_difference(sanctions, nothing)[1] > 0.0


def test_divided_international_response_cuts_mediation_effect():
    # Para 16: "the most difficult scenario is when international interest is strong but
    # conflicted". The envoy's effect (risk reduction vs no action, paired) under a divided
    # sponsor (unity 0.2) must be markedly smaller than under a united one (unity 0.9): the
    # paired interval of (united effect - divided effect) excludes 0 and the divided effect is
    # below 60% of the united one.
    df = sim.run_ensemble(
        policies=["none", Policy("envoy", unity=0.9), Policy("envoy", unity=0.2)],
        n_replicates=N,
        seed=13,
    )
    none = violence(df, "none")
    united = violence(df, "envoy@0[unity=0.9]")
    divided = violence(df, "envoy@0[unity=0.2]")
    effect_united = none.mean() - united.mean()
    effect_divided = none.mean() - divided.mean()
    diff, low, high = paired_difference(divided, united)  # = effect_united - effect_divided
    assert low > 0.0, (diff, low, high)
    assert effect_united > 0.1
    assert effect_divided < 0.6 * effect_united, (effect_united, effect_divided)


def test_violence_in_a_party_raises_neighbours_onset_hazard():
    # Paras 19 (Great Lakes) and 24 (Guinea's neighbours). In the default scenario, one armed
    # group starts in violence vs stable; on the same draws, the chance that one of its direct
    # neighbours has an onset within two years must rise (paired lower bound > 0.05).
    base = sim.default_scenario()
    seed_party = base.party_index("east_armed0")
    stage = base.stage.copy()
    stage[seed_party] = 3
    violent_seed = base.replace(stage=stage)
    net = build_net(base)
    neighbours = net.csr_nbr[net.csr_ptr[seed_party] : net.csr_ptr[seed_party + 1]]
    n = N

    def neighbour_onset(scenario):
        onsets = run_final_states(scenario, "none", n, 104, seed=14)[:, PI_ONSET_WEEK, :]
        return np.any(onsets[:, neighbours] >= 0, axis=1).astype(float)

    diff, low, high = paired_difference(neighbour_onset(violent_seed), neighbour_onset(base))
    assert low > 0.05, (diff, low, high)


@pytest.mark.parametrize("start", ["violence", "war"])
def test_withdrawing_facilitation_early_gives_more_relapse(start):
    # Paras 56-57: facilitation "must remain available longer than has generally been the
    # case". An envoy who leaves as soon as every flagged party is calm vs one who stays the
    # full two years: paired, P(relapse) must be higher with early withdrawal (lower bound > 0).
    df = sim.run_ensemble(
        two_party(start),
        [Policy("envoy", duration_weeks=104, withdraw_when_calm=True),
         Policy("envoy", duration_weeks=104)],
        n_replicates=N,
        seed=15,
    )
    key = "relapse"
    early = df.loc[df.policy == "envoy@0[duration=104,withdraw]"].sort_values("replicate")[key]
    kept = df.loc[df.policy == "envoy@0[duration=104]"].sort_values("replicate")[key]
    diff, low, high = paired_difference(early.to_numpy(float), kept.to_numpy(float))
    assert low > 0.0, (diff, low, high)
