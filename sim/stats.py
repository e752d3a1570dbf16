"""Interval estimates for ensemble outcomes: a proportion, a paired difference of two policies, and
the summary of a policy against its baseline on the same replicates.

Example:
    >>> p, low, high = wilson_interval(37, 200)
    >>> round(p, 3), round(low, 3), round(high, 3)
    (0.185, 0.137, 0.245)
    >>> d, low, high = paired_difference([1, 1, 0, 1, 0, 1], [0, 1, 0, 0, 0, 1])
    >>> round(d, 3), round(low, 3), round(high, 3)
    (0.333, -0.08, 0.747)
"""

from __future__ import annotations

import math

import numpy as np

from .errors import SimInputError

__all__ = ["paired_difference", "paired_summary", "wilson_interval"]


def _check_z(z) -> float:
    if isinstance(z, bool) or not isinstance(z, int | float) or not math.isfinite(z) or z <= 0:
        raise SimInputError("z", z, "must be a positive finite number (1.96 for 95%)")
    return float(z)


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float, float]:
    """Proportion ``successes / n`` with its Wilson score interval (Wilson 1927).

    Returns ``(p, low, high)`` with ``p = successes / n``. Unlike the Wald interval it stays in
    [0, 1] and keeps its coverage near 0 and 1 (e.g. no violence in any replicate).
    ``z = 1.96`` gives a 95% interval.

    Examples:
        >>> [round(x, 4) for x in wilson_interval(5, 10)]
        [0.5, 0.2366, 0.7634]
        >>> [round(x, 4) for x in wilson_interval(0, 10)]
        [0.0, 0.0, 0.2775]
        >>> [round(x, 4) for x in wilson_interval(10, 10)]
        [1.0, 0.7225, 1.0]
    """
    if isinstance(n, np.integer):
        n = int(n)
    if isinstance(successes, np.integer):
        successes = int(successes)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SimInputError("n", n, "must be a positive integer")
    if isinstance(successes, bool) or not isinstance(successes, int) or not 0 <= successes <= n:
        raise SimInputError("successes", successes, f"must be an integer in [0, {n}]")
    z = _check_z(z)
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denom
    half = z / denom * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return p, low, high


def paired_difference(a, b, z: float = 1.96) -> tuple[float, float, float]:
    """Mean of ``a - b`` over paired outcomes with a normal-approximation interval.

    ``a`` and ``b`` are outcomes of the same replicates under two policies (common random
    numbers make them pairs), e.g. 0/1 violence indicators: the result is then the paired risk
    difference. Returns ``(mean, mean - z * se, mean + z * se)`` with ``se = sd / sqrt(n)``, the
    sample standard deviation of the differences (``ddof=1``); needs at least two pairs.

    Examples:
        >>> paired_difference([1, 0, 1, 1], [1, 0, 1, 1])
        (0.0, 0.0, 0.0)
        >>> [round(x, 4) for x in paired_difference([0.5, 1.5, 2.5], [0.0, 0.0, 0.0])]
        [1.5, 0.3684, 2.6316]
    """
    z = _check_z(z)
    try:
        x = np.asarray(a, dtype=np.float64)
        y = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        raise SimInputError("a, b", type(a).__name__, "must be arrays of numbers") from None
    if x.ndim != 1 or y.ndim != 1 or x.shape != y.shape:
        raise SimInputError("a, b", (x.shape, y.shape), "must be 1-d arrays of the same length")
    if x.shape[0] < 2:
        raise SimInputError("a, b", x.shape[0], "need at least two pairs")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise SimInputError("a, b", "non-finite values", "must be finite numbers")
    d = x - y
    n = d.shape[0]
    mean = float(d.mean())
    se = float(d.std(ddof=1)) / math.sqrt(n)
    return mean, mean - z * se, mean + z * se


def paired_summary(*, policy, baseline, z: float = 1.96) -> dict:
    """The statistics of a policy arm against its baseline arm on the same replicates.

    ``policy`` and ``baseline`` hold the outcome columns of :func:`sim.run_ensemble` (a DataFrame,
    or any mapping of column name to array) for the same replicates in the same order. This is
    the one place where the single-run summary (``summary.json``) and the experiments' summary
    table get their numbers, so the two always agree. Returns::

        {"n": replicates,
         "risk_difference": {"mean", "low", "high"},   # P(violence): policy - baseline, paired
         "policy": arm statistics, "baseline": arm statistics}

    with, for each arm, ``p_violence`` and ``p_war`` as ``{"p", "low", "high"}`` (Wilson
    intervals), ``median_onset_week`` (among replicates with violence; NaN if none),
    ``mean_cost``, ``p_relapse``, ``mean_relapses``, ``mean_party_weeks_violent``,
    ``mean_violent_at_end``, ``p_warned`` (any warning), ``p_arrived`` (the action arrived),
    ``mean_action_weeks`` and ``mean_mediation_successes``. The risk difference needs two pairs
    for its interval: with one, ``low`` and ``high`` are NaN.

    Example:
        >>> arm = {"violence": [1, 0, 1, 0], "war": [0, 0, 1, 0], "onset_week": [3, -1, 5, -1],
        ...        "cost": [1.0, 2.0, 3.0, 4.0], "relapse": [0, 0, 1, 0],
        ...        "relapses": [0, 0, 2, 0], "party_weeks_violent": [4, 0, 9, 0],
        ...        "violent_at_end": [1, 0, 1, 0], "warning_week": [1, -1, 2, 6],
        ...        "arrival_week": [2, -1, 3, -1], "action_weeks": [5, 0, 4, 0],
        ...        "mediation_successes": [0, 0, 1, 0]}
        >>> s = paired_summary(policy=arm, baseline={**arm, "violence": [1, 1, 1, 0]})
        >>> s["n"], s["policy"]["p_violence"]["p"], s["policy"]["median_onset_week"]
        (4, 0.5, 4.0)
        >>> [round(x, 3) for x in s["risk_difference"].values()]
        [-0.25, -0.74, 0.24]
    """
    a = _column(policy, "violence")
    b = _column(baseline, "violence")
    if a.shape != b.shape or a.size < 1:
        raise SimInputError(
            "policy, baseline", (a.size, b.size), "must hold the same replicates (at least one)"
        )
    if a.size >= 2:
        risk = paired_difference(a, b, z)
    else:  # one pair: a difference, but no spread to put an interval around it
        risk = (float((a - b).mean()), math.nan, math.nan)
    return {
        "n": int(a.size),
        "risk_difference": dict(zip(("mean", "low", "high"), risk, strict=True)),
        "policy": _arm_summary(policy, z),
        "baseline": _arm_summary(baseline, z),
    }


def _arm_summary(frame, z: float) -> dict:
    """The per-arm statistics of :func:`paired_summary`."""
    n = _column(frame, "violence").size
    onset = _column(frame, "onset_week")
    onset = onset[onset >= 0]
    return {
        "p_violence": _proportion(frame, "violence", n, z),
        "p_war": _proportion(frame, "war", n, z),
        "median_onset_week": float(np.median(onset)) if onset.size else math.nan,
        "mean_cost": _mean(frame, "cost"),
        "p_relapse": float((_column(frame, "relapse") > 0).mean()),
        "mean_relapses": _mean(frame, "relapses"),
        "mean_party_weeks_violent": _mean(frame, "party_weeks_violent"),
        "mean_violent_at_end": _mean(frame, "violent_at_end"),
        "p_warned": float((_column(frame, "warning_week") >= 0).mean()),
        "p_arrived": float((_column(frame, "arrival_week") >= 0).mean()),
        "mean_action_weeks": _mean(frame, "action_weeks"),
        "mean_mediation_successes": _mean(frame, "mediation_successes"),
    }


def _column(frame, name: str) -> np.ndarray:
    return np.asarray(frame[name])


def _mean(frame, name: str) -> float:
    return float(_column(frame, name).mean())


def _proportion(frame, name: str, n: int, z: float) -> dict:
    """Share of replicates with a 0/1 outcome, with its Wilson interval."""
    p, low, high = wilson_interval(int(_column(frame, name).sum()), n, z)
    return {"p": p, "low": low, "high": high}
