"""Patterns the model must reproduce, each with a knock-out twin (docs/ODD.md section 8).

Every pattern is a marginal, paired comparison: the arms of a comparison share their random
draws (common random numbers), so their per-replicate differences get a paired 95% interval;
single proportions get a Wilson 95% interval. Each test states its threshold and why. Each
pattern's *twin* switches off the mechanism said to produce it (``model.mechanisms.<name>`` or the
parameter that is the mechanism) and shows the pattern gone: a pattern that survives without its
mechanism proves nothing. Confounders are held fixed: the arms differ only in what is tested.
"""

import numpy as np
import pytest

import sim
from sim import Policy
from sim.ensemble import run_final_states, run_stage_history, simulate
from sim.episodes import episode_statistics
from sim.facts import dyad_scenario
from sim.state import build_net
from sim.stats import paired_difference, wilson_interval

N = 2000  # replicates per arm: a Wilson half-width of at most ~0.022 on a proportion
P = sim.Parameters()


def without(*mechanisms: str, params: sim.Parameters = P) -> sim.Parameters:
    """The parameters with the named mechanisms switched off."""
    return params.replace({f"mechanisms.{m}": False for m in mechanisms})


def outcome(out: np.ndarray, arm: int, field: str = "violence") -> np.ndarray:
    return out[field][arm].astype(float)


# ---------------------------------------------------------------- base rate
def test_base_rate_of_violence_leaves_room_both_ways():
    # Default region in an election crisis, no action: violence within two years must lie in
    # the band of the ICB crisis data (0.30-0.75, docs/stylised_facts.md), with room for
    # prevention to both help and fail. The whole Wilson interval must lie inside the band.
    v = outcome(simulate(policies=["none"], replicates=N, seed=11), 0)
    p, low, high = wilson_interval(int(v.sum()), v.size)
    assert 0.30 <= low and high <= 0.75, (p, low, high)


# ---------------------------------------------------------------- history of violence
def history_effect(params: sim.Parameters) -> tuple[float, float, float]:
    """Paired effect on the onset of the parties without a history of giving them one, every
    other party and the region unchanged (S/2011/552 para 29: 90% of recent civil wars were in
    countries with one in the previous 30 years; Walter 2010, p. 1: 59 of 103 countries with a
    civil conflict in 1945-2009 had another)."""
    base = sim.default_scenario()
    fresh = np.flatnonzero(base.history == 0)
    marked = base.replace(history=np.ones(base.n_parties, np.int64))
    a, _ = run_final_states(marked, "none", replicates=N, seed=12, params=params)
    b, _ = run_final_states(base, "none", replicates=N, seed=12, params=params)
    return paired_difference(
        (a.onset_week[:, fresh] >= 0).mean(axis=1), (b.onset_week[:, fresh] >= 0).mean(axis=1)
    )


def test_history_of_violence_raises_onset_hazard():
    # The share of those parties with an onset rises (paired lower bound above 0.01: one in a
    # hundred of the parties, far above the interval's width at N = 2000).
    diff, low, high = history_effect(P)
    assert low > 0.01, (diff, low, high)


def test_history_twin_without_its_weight():
    # weight_history = 0 is the mechanism off: the arms are then the same run, draw for draw.
    assert history_effect(P.replace({"weight_history": 0.0})) == (0.0, 0.0, 0.0)


# ---------------------------------------------------------------- mediation and intensity
def mediations(stage: str, params: sim.Parameters, weeks: int = 30) -> np.ndarray:
    """Successful mediations per replicate of an envoy sent at once to a dyad at ``stage``."""
    return outcome(
        simulate(
            dyad_scenario(stage),
            ["envoy"],
            replicates=N,
            seed=32,
            params=params,
            horizon_weeks=weeks,
        ),
        0,
        "mediation_successes",
    )


def test_envoy_mediates_better_at_low_than_high_intensity():
    # Bercovitch (1996): mediation succeeded in 64% of conflicts with 100-500 deaths and 39%
    # above 10,000. The same dyad at `violence` vs at `war`, the envoy sent at once, 30 weeks:
    # successful mediations per replicate must be higher at violence (paired lower bound > 0.1
    # mediations: a tenth of a success per dyad, well above noise at N = 2000).
    diff, low, high = paired_difference(mediations("violence", P), mediations("war", P))
    assert low > 0.1, (diff, low, high)


def test_intensity_twin_with_a_flat_stage_row():
    # The mechanism is the envoy's stage row (force 0.6 at violence, 0.2 at war). Flat, the
    # advantage at low intensity is gone (upper bound below 0: what is left is war's hurt,
    # which helps mediation through ripeness).
    flat = P.replace({"stage_effect.envoy": {"violence": 1.0, "war": 1.0}})
    diff, low, high = paired_difference(mediations("violence", flat), mediations("war", flat))
    assert high < 0.0, (diff, low, high)


def test_envoy_works_through_mediation():
    # The envoy's benefit (paired risk reduction against no action, default region, sent at
    # once) is real (lower bound > 0) and comes mostly from mediation: with
    # mediation_success = 0 at most 40% of it may remain (what remains is the attention an
    # envoy brings, para 47).
    full = simulate(policies=["none", "envoy"], replicates=N, seed=25)
    bare = simulate(
        policies=["none", "envoy"],
        replicates=N,
        seed=25,
        params=P.replace({"mediation_success": 0.0}),
    )
    effect, low, _ = paired_difference(outcome(full, 0), outcome(full, 1))
    remaining = outcome(bare, 0).mean() - outcome(bare, 1).mean()
    assert low > 0.0 and remaining < 0.4 * effect, (effect, low, remaining)


# ---------------------------------------------------------------- the state the envoy meets
def late_minus_early(stage: str, params: sim.Parameters) -> tuple[float, float, float]:
    """Paired difference in successful mediations between an envoy arriving 26 weeks after the
    warning and one sent at once, both active 52 weeks, in a dyad starting at ``stage``."""
    out = simulate(
        dyad_scenario(stage),
        [Policy("envoy"), Policy("envoy", lag_weeks=26)],
        replicates=N,
        seed=31,
        params=params,
        horizon_weeks=104,
    )
    return paired_difference(
        outcome(out, 1, "mediation_successes"), outcome(out, 0, "mediation_successes")
    )


def test_lock_in_makes_late_mediation_harder():
    # Glasl; Regan & Stam 2000: time at crisis hardens positions. In a dyad starting at crisis
    # (ripeness held off, so only lock-in differs), the late envoy mediates less (upper paired
    # bound below -0.2 successes).
    diff, low, high = late_minus_early("crisis", without("ripeness"))
    assert high < -0.2, (diff, low, high)


def test_ripeness_makes_late_mediation_easier():
    # Zartman 2000: a mutually hurting stalemate makes parties accept mediation. Same dyad,
    # lock-in held off: the late envoy, meeting hurt parties, mediates more (lower bound > 0.1).
    diff, low, high = late_minus_early("crisis", without("escalation_lock_in"))
    assert low > 0.1, (diff, low, high)


def test_timing_twin_without_lock_in_and_ripeness():
    # With both mechanisms off, timing no longer changes mediation in the crisis dyad: the
    # paired interval covers 0 (both patterns above come from their mechanisms).
    diff, low, high = late_minus_early("crisis", without("ripeness", "escalation_lock_in"))
    assert low < 0.0 < high, (diff, low, high)


# ---------------------------------------------------------------- sanctions
def early_sanctions_effect(params: sim.Parameters) -> tuple[float, float, float]:
    """Paired risk difference, sanctions imposed at once minus no action (default region)."""
    out = simulate(policies=["none", "sanctions"], replicates=N, seed=22, params=params)
    return paired_difference(outcome(out, 1), outcome(out, 0))


def test_early_sanctions_bring_no_benefit():
    # Galtung 1967; Wood 2008; Peksen 2009: sanctions met at low stages feed grievance (and
    # para 14: coercive tools add leverage *later*). Imposed at once they do not lower the risk
    # (paired lower bound above -0.015: at most a 1.5-point benefit is compatible).
    diff, low, high = early_sanctions_effect(P)
    assert low > -0.015, (diff, low, high)


def test_sanctions_twin_without_backlash():
    # Without the backlash the same sanctions lower the risk (upper bound < 0): the backlash is
    # what cancels their early benefit.
    diff, low, high = early_sanctions_effect(without("sanctions_backlash"))
    assert high < 0.0, (diff, low, high)


# ---------------------------------------------------------------- a divided response
def unity_gap(params: sim.Parameters) -> tuple[float, float, float]:
    """Paired difference of the envoy's effect against no action: united minus divided."""
    out = simulate(
        policies=["none", Policy("envoy", unity=0.9), Policy("envoy", unity=0.2)],
        replicates=N,
        seed=13,
        params=params,
    )
    return paired_difference(outcome(out, 2), outcome(out, 1))  # = effect(0.9) - effect(0.2)


def test_divided_international_response_cuts_mediation_effect():
    # Para 16: "the most difficult scenario is when international interest is strong but
    # conflicted". The united envoy's effect exceeds the divided one's (lower bound > 0.02).
    diff, low, high = unity_gap(P)
    assert low > 0.02, (diff, low, high)


def test_unity_twin_without_unity():
    # unity_floor = 1 makes unity irrelevant: the arms are the same run, draw for draw.
    assert unity_gap(P.replace({"unity_floor": 1.0})) == (0.0, 0.0, 0.0)


# ---------------------------------------------------------------- contagion across borders
def kin_onset_effect(params: sim.Parameters) -> tuple[float, float, float]:
    """Paired effect of a community in violence on the onset of its kin across the border.

    ``east_comm0`` and ``north_comm2`` live in different countries and share only an affinity
    tie (no rivalry, no tension): the only channel between them is contagion."""
    base = sim.default_scenario()
    seed_party, kin = base.party_index("east_comm0"), base.party_index("north_comm2")
    net = build_net(base)
    assert kin in net.csr_nbr[net.csr_ptr[seed_party] : net.csr_ptr[seed_party + 1]]
    stage = base.stage.copy()
    stage[seed_party] = sim.STAGE_NAMES.index("violence")
    a, _ = run_final_states(base.replace(stage=stage), "none", replicates=N, seed=23, params=params)
    b, _ = run_final_states(base, "none", replicates=N, seed=23, params=params)
    return paired_difference(
        (a.onset_week[:, kin] >= 0).astype(float), (b.onset_week[:, kin] >= 0).astype(float)
    )


def test_violence_spreads_to_kin_across_borders():
    # Paras 19 (Great Lakes) and 24 (Guinea's neighbours); Buhaug & Gleditsch 2008. The kin's
    # onset chance rises (paired lower bound > 0).
    diff, low, high = kin_onset_effect(P)
    assert low > 0.0, (diff, low, high)


def test_contagion_twin():
    # Without contagion nothing crosses the border: the kin's runs are draw-for-draw the same.
    assert kin_onset_effect(without("contagion")) == (0.0, 0.0, 0.0)


# ---------------------------------------------------------------- costly warnings
THRESHOLDS = (0.3, 0.4, 0.5)  # from warnings in the first weeks to warnings weeks later


def noisy_minus_informed(params: sim.Parameters, threshold: float) -> tuple[float, float, float]:
    """P(violence) with an envoy sent at once on uninformative observers (quality 0, noise sd
    2: warnings at random) minus on perfect ones (quality 1, no noise), both at ``threshold``,
    paired."""
    base = sim.default_scenario()
    runs = []
    for quality, noise in ((0.0, 2.0), (1.0, 0.0)):
        scenario = base.replace(
            un_warning_quality=quality,
            un_warning_threshold=threshold,
            organisation_warning_quality=np.full(base.n_organisations, quality),
            organisation_warning_threshold=np.full(base.n_organisations, threshold),
        )
        out = simulate(
            scenario,
            ["envoy"],
            replicates=N,
            seed=24,
            params=params.replace({"observation_noise": noise}),
        )
        runs.append(outcome(out, 0))
    return paired_difference(*runs)


@pytest.mark.parametrize("threshold", THRESHOLDS)
def test_an_uninformative_observer_never_beats_an_informative_one(threshold):
    # Warnings cost something: the response goes where the most alarming warning points
    # (limited capacity, paras 47, 61-64) and false alarms erode its credibility (Breznitz
    # 1984). At every threshold the random observer's response does no better: estimate >= 0
    # with a non-inferiority margin of one percentage point (paired lower bound > -0.01).
    diff, low, high = noisy_minus_informed(P, threshold)
    assert diff >= 0.0 and low > -0.01, (diff, low, high)


@pytest.mark.parametrize("threshold", THRESHOLDS)
def test_warning_twin_without_the_costs_of_false_alarms(threshold):
    # Without targeting and credibility, false alarms cost nothing: the random observer flags
    # everyone at once, the response covers them all, and it wins (upper bound < 0). The
    # pattern above is the mechanisms'.
    off = without("warning_targeting", "false_alarm_cost")
    diff, low, high = noisy_minus_informed(off, threshold)
    assert high < 0.0, (diff, low, high)


# ---------------------------------------------------------------- sustained facilitation
def withdrawal_effect(params: sim.Parameters) -> tuple[float, float, float]:
    """Paired P(relapse): an envoy who leaves as soon as the flagged parties are calm minus one
    who stays two years, in a dyad starting in violence."""
    out = simulate(
        dyad_scenario("violence"),
        [
            Policy("envoy", duration_weeks=104, withdraw_when_calm=True),
            Policy("envoy", duration_weeks=104),
        ],
        replicates=N,
        seed=15,
        params=params,
        horizon_weeks=104,
    )
    return paired_difference(outcome(out, 0, "relapse"), outcome(out, 1, "relapse"))


def test_withdrawing_facilitation_early_gives_more_relapse():
    # Paras 56-57: facilitation "must remain available longer than has generally been the
    # case". Early withdrawal raises relapse (paired lower bound > 0).
    diff, low, high = withdrawal_effect(P)
    assert low > 0.0, (diff, low, high)


def test_withdrawal_twin_without_the_envoys_means():
    # The envoy's means are mediation and attention; without both, staying adds nothing.
    bare = without("attention_deterrence", params=P.replace({"mediation_success": 0.0}))
    diff, low, high = withdrawal_effect(bare)
    assert low <= 0.0 <= high, (diff, low, high)


# ---------------------------------------------------------------- episodes end and recur
@pytest.mark.parametrize("weariness", [True, False])
def test_episodes_end_and_recur_through_war_weariness(weariness):
    # Episodes must end and recur within the broad range of the published figures (median
    # duration under ten years; recurrence within five years 0.1-0.5: Suhrke & Samset 2007,
    # Collier et al. 2008). The twin: without war weariness violence is nearly absorbing (no
    # median within 520 weeks, or recurrence above 0.5).
    params = P if weariness else without("war_weariness")
    history = run_stage_history(
        policy="none", replicates=40, horizon_weeks=780, seed=5, params=params
    )
    stats = episode_statistics(history, params.calm_stage)
    ends_and_recurs = (
        stats["median_duration_weeks"] < 520 and 0.1 <= stats["recurrence_260w"] <= 0.5
    )
    assert ends_and_recurs == weariness, stats


# ---------------------------------------------------------------- the coupling of draws
def test_stage_draws_are_monotone_in_p_up():
    # The same draw: lowering p_up never turns a step down into a stay (and never a stay into a
    # step up); a step down depends on p_down alone.
    from sim.reference import stage_move

    grid = np.linspace(0.0, 0.999, 400)
    for p_down in (0.0, 0.1, 0.4):
        for p_hi in (0.05, 0.3, 0.6):
            for p_lo in (0.0, p_hi / 2, p_hi):
                for u in grid:
                    hi, lo = stage_move(u, p_hi, p_down), stage_move(u, p_lo, p_down)
                    assert lo <= hi and (hi != -1 or lo == -1), (u, p_hi, p_lo, p_down)
