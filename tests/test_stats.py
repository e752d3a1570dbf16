"""Interval functions and the paired summary of sim.stats against values computed independently."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest

import sim.stats
from sim import SimInputError
from sim.stats import (
    arrival_split,
    before_arrival,
    kaplan_meier,
    lag_decomposition,
    paired_difference,
    paired_summary,
    relative_risk_reduction,
    wilson_interval,
)

Z95 = 1.96
# 5/10: the centre is 1/2; half-width z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/(4n^2))
_HALF_5_10 = 1.96 / 1.38416 * math.sqrt(0.025 + 3.8416 / 400)  # 0.2634104


def wilson_closed_form(k: int, n: int, z: float) -> tuple[float, float]:
    """Wilson's bounds as the two roots of (p - x)^2 = z^2 x (1 - x) / n in x (solved here as a
    quadratic, a different route from the centre +- half-width form of sim.stats)."""
    p = k / n
    a = 1.0 + z * z / n
    b = -(2.0 * p + z * z / n)
    c = p * p
    disc = math.sqrt(b * b - 4.0 * a * c)
    return (-b - disc) / (2.0 * a), (-b + disc) / (2.0 * a)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # hand-computed with z = 1.96: z^2 = 3.8416
        (0, 10, 0.0, 3.8416 / 13.8416),  # 0.277540...
        (5, 10, 0.5 - _HALF_5_10, 0.5 + _HALF_5_10),  # 0.236590 .. 0.763410
        (10, 10, 10 / 13.8416, 1.0),  # 0.722460...
    ],
)
def test_wilson_known_values(k, n, low, high):
    p, lo, hi = wilson_interval(k, n)
    assert p == k / n
    assert lo == pytest.approx(low, abs=1e-6)
    assert hi == pytest.approx(high, abs=1e-6)


@pytest.mark.parametrize(
    ("k", "n"),
    [(0, 1), (1, 1), (0, 10), (3, 10), (5, 10), (10, 10), (1, 2000), (1000, 2000), (1999, 2000)],
)
@pytest.mark.parametrize("z", [1.0, Z95, 2.5758293035489])
def test_wilson_matches_quadratic_roots(k, n, z):
    p, lo, hi = wilson_interval(k, n, z)
    exp_lo, exp_hi = wilson_closed_form(k, n, z)
    assert lo == pytest.approx(exp_lo, abs=1e-12)
    assert hi == pytest.approx(exp_hi, abs=1e-12)
    assert 0.0 <= lo <= p <= hi <= 1.0


def test_wilson_matches_scipy():
    scipy_stats = pytest.importorskip("scipy.stats")
    z = float(scipy_stats.norm.ppf(0.975))
    for k, n in ((0, 10), (5, 10), (10, 10), (37, 200), (1, 2000)):
        ci = scipy_stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
        _, lo, hi = wilson_interval(k, n, z)
        assert (lo, hi) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_paired_difference_known_values():
    # differences 1, 0, 0, 1, 0, 0: mean 1/3, sample sd sqrt(4/15), se sqrt(4/15) / sqrt(6)
    a = [1, 1, 0, 1, 0, 1]
    b = [0, 1, 0, 0, 0, 1]
    d, lo, hi = paired_difference(a, b)
    se = math.sqrt(4 / 15) / math.sqrt(6)
    assert d == pytest.approx(1 / 3)
    assert lo == pytest.approx(1 / 3 - Z95 * se)
    assert hi == pytest.approx(1 / 3 + Z95 * se)
    # identical outcomes: no difference, zero width; swapping the arms flips the sign
    assert paired_difference(a, a) == (0.0, 0.0, 0.0)
    nd, nlo, nhi = paired_difference(b, a)
    assert (nd, nlo, nhi) == pytest.approx((-d, -hi, -lo))


def test_paired_difference_random_against_numpy():
    rng = np.random.default_rng(3)
    a = rng.random(500) < 0.4
    b = rng.random(500) < 0.3
    diff = a.astype(float) - b.astype(float)
    d, lo, hi = paired_difference(a, b, z=2.0)
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    assert d == pytest.approx(diff.mean())
    assert (lo, hi) == pytest.approx((diff.mean() - 2.0 * se, diff.mean() + 2.0 * se))


def test_bad_inputs():
    with pytest.raises(SimInputError, match="^successes: "):
        wilson_interval(11, 10)
    with pytest.raises(SimInputError, match="^successes: "):
        wilson_interval(-1, 10)
    with pytest.raises(SimInputError, match="^n: "):
        wilson_interval(0, 0)
    with pytest.raises(SimInputError, match="^z: "):
        wilson_interval(1, 10, z=float("nan"))
    with pytest.raises(SimInputError, match="^a, b: "):
        paired_difference([1, 0, 1], [1, 0])
    with pytest.raises(SimInputError, match="^a, b: "):
        paired_difference([1], [0])
    with pytest.raises(SimInputError, match="^a, b: "):
        paired_difference([1.0, float("nan")], [0.0, 0.0])
    assert wilson_interval(np.int64(3), np.int64(10))[0] == 0.3


def _arm(rng, n: int, p_violence: float) -> pd.DataFrame:
    """Random outcomes of one arm, with the columns of sim.run_ensemble that the summary reads."""
    violence = (rng.random(n) < p_violence).astype(np.int64)
    return pd.DataFrame(
        {
            "violence": violence,
            "war": violence * (rng.random(n) < 0.3),
            "onset_week": np.where(violence == 1, rng.integers(0, 50, n), -1),
            "cost": rng.random(n) * 10.0,
            "relapse": rng.integers(0, 2, n),
            "relapses": rng.integers(0, 3, n),
            "party_weeks_violent": rng.integers(0, 40, n),
            "violent_at_end": rng.integers(0, 3, n),
            "warning_week": rng.integers(-1, 20, n),
            "arrival_week": rng.integers(-1, 20, n),
            "action_weeks": rng.integers(0, 30, n),
            "mediation_successes": rng.integers(0, 2, n),
        }
    )


def test_paired_summary_matches_its_parts():
    rng = np.random.default_rng(7)
    pol, base = _arm(rng, 300, 0.3), _arm(rng, 300, 0.45)
    s = paired_summary(policy=pol, baseline=base)
    assert s["n"] == 300
    assert set(s) == {
        "n",
        "risk_difference",
        "before_arrival",
        "after_arrival",
        "policy",
        "baseline",
    }
    split = arrival_split(pol, base)
    assert s["before_arrival"] == split["before_arrival"]
    assert s["after_arrival"] == split["after_arrival"]
    d, lo, hi = paired_difference(pol["violence"], base["violence"])
    assert s["risk_difference"] == {"mean": d, "low": lo, "high": hi}
    for arm, df in (("policy", pol), ("baseline", base)):
        a = s[arm]
        for key, col in (("p_violence", "violence"), ("p_war", "war")):
            p, low, high = wilson_interval(int(df[col].sum()), 300)
            assert a[key] == {"p": p, "low": low, "high": high}
        onset = df.loc[df["onset_week"] >= 0, "onset_week"]
        assert a["median_onset_week"] == float(onset.median())
        assert a["mean_cost"] == pytest.approx(df["cost"].mean(), rel=1e-15)
        assert a["p_relapse"] == pytest.approx((df["relapse"] > 0).mean())
        assert a["p_warned"] == pytest.approx((df["warning_week"] >= 0).mean())
        assert a["p_arrived"] == pytest.approx((df["arrival_week"] >= 0).mean())
        for key in ("relapses", "party_weeks_violent", "violent_at_end", "action_weeks"):
            assert a[f"mean_{key}"] == pytest.approx(df[key].mean())
        assert a["mean_mediation_successes"] == pytest.approx(df["mediation_successes"].mean())
    # any mapping of columns works, with the same numbers
    as_dict = {c: pol[c].to_numpy() for c in pol.columns}
    assert paired_summary(policy=as_dict, baseline=base) == s


def test_paired_summary_edge_cases():
    rng = np.random.default_rng(1)
    calm = _arm(rng, 5, 0.0)
    s = paired_summary(policy=calm, baseline=calm)
    assert math.isnan(s["policy"]["median_onset_week"])  # no violence: no onset
    assert s["risk_difference"] == {"mean": 0.0, "low": 0.0, "high": 0.0}
    one_pol, one_base = _arm(rng, 1, 1.0), _arm(rng, 1, 0.0)
    one = paired_summary(policy=one_pol, baseline=one_base)
    assert one["risk_difference"]["mean"] == 1.0  # one pair: a difference without interval
    assert math.isnan(one["risk_difference"]["low"]) and math.isnan(one["risk_difference"]["high"])
    with pytest.raises(SimInputError, match="^policy, baseline: "):
        paired_summary(policy=calm, baseline=calm.iloc[:3])
    with pytest.raises(SimInputError, match="^policy, baseline: "):
        paired_summary(policy=calm.iloc[:0], baseline=calm.iloc[:0])


def test_paired_summary_of_no_action_has_no_arrival_split():
    rng = np.random.default_rng(3)
    arm = _arm(rng, 50, 0.4).assign(instrument="none", arrival_week=-1)
    s = paired_summary(policy=arm, baseline=arm)
    assert all(math.isnan(v) for v in s["before_arrival"].values())
    assert all(math.isnan(v) for v in s["after_arrival"].values())
    # an action that never arrived: every onset came before it
    acting = paired_summary(policy=arm.assign(instrument="envoy"), baseline=arm)
    assert acting["before_arrival"]["p"] == arm["violence"].mean()
    assert acting["after_arrival"]["n"] == (arm["violence"] == 0).sum()
    forced = paired_summary(policy=arm, baseline=arm, acting=True)  # explicit beats the column
    assert forced["before_arrival"] == acting["before_arrival"]


def _paired_outcomes(rng, n: int, p0: float, q: float, r: float):
    """Baseline violence with probability p0; the policy arm keeps it with probability q and
    adds violence with probability r: true RRR = 1 - (p0 q + (1 - p0) r) / p0."""
    y = rng.random(n) < p0
    x = np.where(y, rng.random(n) < q, rng.random(n) < r)
    return x, y, 1.0 - (p0 * q + (1.0 - p0) * r) / p0


@pytest.mark.parametrize(("p0", "q", "r", "n"), [(0.3, 0.5, 0.05, 400), (0.4, 1.0, 0.1, 200)])
def test_relative_risk_reduction_interval_covers_the_truth(p0, q, r, n):
    """Coverage of the 95% interval over 1,000 simulated paired data sets with a known RRR
    (a protective and a harmful policy)."""
    rng = np.random.default_rng(20110826)
    hits, estimates = 0, []
    for _ in range(1000):
        x, y, truth = _paired_outcomes(rng, n, p0, q, r)
        rrr, low, high = relative_risk_reduction(x, y)
        assert low <= rrr <= high
        hits += low <= truth <= high
        estimates.append(rrr)
    assert 0.93 <= hits / 1000 <= 0.97
    assert np.mean(estimates) == pytest.approx(truth, abs=0.02)


def test_relative_risk_reduction_edge_cases():
    assert relative_risk_reduction([1, 0, 1], [1, 0, 1]) == (0.0, 0.0, 0.0)  # the arms agree
    rrr, low, high = relative_risk_reduction([0, 0, 0, 0], [1, 1, 0, 0])  # all prevented
    assert rrr == 1.0 and high == 1.0 and low < 1.0
    assert all(math.isnan(v) for v in relative_risk_reduction([1, 0], [0, 0]))  # no risk
    assert relative_risk_reduction([True, False], [True, True])[0] == 0.5
    with pytest.raises(SimInputError, match="^policy, baseline: "):
        relative_risk_reduction([1, 0], [1, 0, 0])
    with pytest.raises(SimInputError, match="^policy: "):
        relative_risk_reduction([2, 0], [1, 0])


def test_before_arrival_and_the_split():
    pol = {
        "violence": np.array([1, 1, 1, 1, 0, 1]),
        "onset_week": np.array([2, 5, 6, 9, -1, 3]),
        "arrival_week": np.array([5, 5, 5, -1, 4, 2]),
    }
    before = before_arrival(pol["violence"], pol["onset_week"], pol["arrival_week"])
    # an onset in the arrival week is after it; no arrival: every onset is before it
    assert before.tolist() == [True, False, False, True, False, False]
    base = {"violence": np.array([1, 1, 1, 1, 1, 1])}
    s = arrival_split(pol, base)
    assert s["before_arrival"]["p"] == pytest.approx(2 / 6)
    assert s["after_arrival"]["n"] == 4
    # after arrival: policy 1, 1, 0, 1 against baseline 1, 1, 1, 1
    assert s["after_arrival"]["rrr"] == pytest.approx(0.25)


def test_lag_decomposition_sums_to_the_lag_effect():
    rng = np.random.default_rng(5)
    n = 500
    early = rng.random(n) < 0.3
    before = rng.random(n) < 0.2
    late = np.where(before, True, rng.random(n) < 0.35)  # an onset before arrival is violence
    d = lag_decomposition(late, early, before)
    assert d["delta_total"] == pytest.approx(late.mean() - early.mean(), abs=1e-12)
    assert d["delta_too_late"] + d["delta_state"] == pytest.approx(d["delta_total"], abs=1e-12)
    assert d["delta_too_late"] >= 0
    for name in ("total", "too_late", "state"):
        assert d[f"delta_{name}_low"] <= d[f"delta_{name}"] <= d[f"delta_{name}_high"]
    same = lag_decomposition(early, early, before)  # lag L = lag 0: nothing to split
    assert all(v == 0.0 for v in same.values())


def test_kaplan_meier():
    rng = np.random.default_rng(8)
    horizon = 60
    onset = np.where(rng.random(400) < 0.4, rng.integers(0, horizon, 400), -1)
    durations = np.where(onset >= 0, onset + 1, horizon)  # censored at the horizon
    weeks = np.arange(horizon + 1)
    s = kaplan_meier(durations, onset >= 0, weeks)
    assert s[0] == 1.0 and np.all(np.diff(s) <= 0)
    by_week = np.array([((onset >= 0) & (onset < w)).mean() for w in weeks])
    np.testing.assert_allclose(s, 1.0 - by_week, atol=1e-12)  # nothing censored earlier
    # with censoring: the textbook example of the docstring and a hand computation
    assert kaplan_meier([1, 2, 2, 3, 4], [1, 0, 1, 1, 0], [0, 1, 2, 3, 4]).tolist() == (
        pytest.approx([1.0, 0.8, 0.8 * 3 / 4, 0.8 * 3 / 4 * 1 / 2, 0.8 * 3 / 4 * 1 / 2])
    )


def test_docstring_examples():
    result = doctest.testmod(sim.stats)
    assert result.attempted > 0 and result.failed == 0
