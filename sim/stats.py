"""Interval estimates for ensemble outcomes: a proportion, a paired difference of two policies, a
paired relative risk reduction, the split of a policy's effect at the action's arrival, the
decomposition of a lag effect, a Kaplan-Meier curve, and the summary of a policy against its
baseline on the same replicates.

With common random numbers a policy arm and its paired baseline arm are the same run until the
action arrives (``docs/ODD.md``). An onset of violence *before arrival* (:func:`before_arrival`)
therefore happens in both arms, in the same week: no action can prevent it, however good. The
statistics below separate that timing arithmetic from what the action does once it is there.

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

__all__ = [
    "arrival_split",
    "before_arrival",
    "kaplan_meier",
    "lag_decomposition",
    "paired_difference",
    "paired_summary",
    "relative_risk_reduction",
    "wilson_interval",
]


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


def _binary(x, name: str) -> np.ndarray:
    """A 1-d array of 0/1 outcomes (booleans allowed), checked."""
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise SimInputError(name, type(x).__name__, "must be an array of 0/1 outcomes") from None
    if a.ndim != 1 or not np.all((a == 0) | (a == 1)):
        raise SimInputError(name, a.shape if a.ndim != 1 else "values", "must be 1-d and 0/1")
    return a.astype(bool)


def relative_risk_reduction(policy, baseline, z: float = 1.96) -> tuple[float, float, float]:
    """Paired relative risk reduction ``1 - P(policy) / P(baseline)`` of 0/1 outcomes observed on
    the same replicates, with a delta-method interval on the paired log ratio.

    With ``a`` replicates where both arms have the outcome, ``b`` where only the policy arm has
    it and ``c`` where only the baseline has it, the risk ratio is ``(a + b) / (a + c)`` and the
    variance of its log is ``(b + c) / ((a + b) (a + c))`` (the matched-pairs formula; the
    pairing removes the concordant replicates from the noise). The interval is
    ``1 - exp(log ratio +- z se)``. Returns ``(rrr, low, high)``; NaN throughout when the
    baseline never has the outcome (no risk to reduce); ``(rrr, rrr, rrr)`` when the arms agree
    in every replicate. When the policy arm never has it (``rrr = 1``), ``a + b`` is taken as
    0.5 for the lower bound and the upper bound is 1 (``rrr`` cannot exceed 1).

    Examples:
        >>> [round(x, 3) for x in relative_risk_reduction([1, 0, 0, 0], [1, 1, 1, 0])]
        [0.667, -0.652, 0.933]
        >>> relative_risk_reduction([0, 0], [0, 0])
        (nan, nan, nan)
    """
    z = _check_z(z)
    x, y = _binary(policy, "policy"), _binary(baseline, "baseline")
    if x.shape != y.shape:
        raise SimInputError("policy, baseline", (x.size, y.size), "must be paired (same length)")
    a, b, c = int((x & y).sum()), int((x & ~y).sum()), int((~x & y).sum())
    if a + c == 0:
        return math.nan, math.nan, math.nan
    rrr = 1.0 - (a + b) / (a + c)
    if b + c == 0:
        return rrr, rrr, rrr
    n1 = max(a + b, 0.5)
    se = math.sqrt((b + c) / (n1 * (a + c)))
    log_ratio = math.log(n1 / (a + c))
    low = 1.0 - math.exp(log_ratio + z * se)
    high = 1.0 if a + b == 0 else 1.0 - math.exp(log_ratio - z * se)
    return rrr, low, high


def before_arrival(violence, onset_week, arrival_week) -> np.ndarray:
    """Per replicate of a policy arm: violence broke out before the action arrived.

    ``violence == 1 and (arrival_week < 0 or onset_week < arrival_week)``: the onset came first,
    or the action never arrived within the horizon. Up to the arrival week the policy arm and
    its paired baseline are the same run, so such a replicate has violence in the baseline arm
    too, with the same onset week. (An onset in the arrival week itself counts as after: the
    action is active from the start of that week.)

    Example:
        >>> before_arrival([1, 1, 1, 0], [3, 9, 5, -1], [6, 6, -1, 2]).tolist()
        [True, False, True, False]
    """
    v = np.asarray(violence) == 1
    onset = np.asarray(onset_week)
    arrival = np.asarray(arrival_week)
    return v & ((arrival < 0) | (onset < arrival))


def arrival_split(policy, baseline, z: float = 1.96) -> dict:
    """A policy's effect split at the action's arrival (columns of :func:`sim.run_ensemble`).

    Returns ``{"before_arrival": {"p", "low", "high"}, "after_arrival": {"rrr", "low",
    "high", "n"}}``: the share of replicates with an onset before arrival
    (:func:`before_arrival`, on the policy arm; Wilson interval), and over the ``n`` other
    replicates the paired relative risk reduction of violence
    1 - P(violence | policy, not before) / P(violence | baseline, not before)
    (:func:`relative_risk_reduction`). The first is timing arithmetic, identical in both arms;
    the second is what the action does where it arrived in time.

    Example:
        >>> pol = {"violence": [1, 1, 0, 0, 1], "onset_week": [2, 8, -1, -1, 9],
        ...        "arrival_week": [5, 5, 5, -1, 6]}
        >>> s = arrival_split(pol, {"violence": [1, 1, 1, 0, 1]})
        >>> s["before_arrival"]["p"], s["after_arrival"]["n"], round(s["after_arrival"]["rrr"], 4)
        (0.2, 4, 0.3333)
    """
    before = before_arrival(
        _column(policy, "violence"), _column(policy, "onset_week"), _column(policy, "arrival_week")
    )
    p, low, high = wilson_interval(int(before.sum()), before.size, z)
    after = ~before
    rrr = relative_risk_reduction(
        _column(policy, "violence")[after], _column(baseline, "violence")[after], z
    )
    return {
        "before_arrival": {"p": p, "low": low, "high": high},
        "after_arrival": {
            **dict(zip(("rrr", "low", "high"), rrr, strict=True)),
            "n": int(after.sum()),
        },
    }


def lag_decomposition(late, early, before_late, z: float = 1.96) -> dict:
    """The paired decomposition of a lag effect ``P(violence | late) - P(violence | early)``.

    ``late`` and ``early`` are the 0/1 violence of the same replicates with the action sent at a
    longer and a shorter lag (lag 0), ``before_late`` whether the late action arrived only after
    the onset (:func:`before_arrival` of the late arm). With ``d = late - early`` per replicate,

    * ``delta_too_late`` = mean(d * before_late): violence the late action could not meet at all
      (the onset came first; timing arithmetic), never negative;
    * ``delta_state`` = mean(d * (1 - before_late)): the rest, where the late action did arrive
      in time but met a more escalated situation (or stayed active for fewer weeks);

    and ``delta_total`` = mean(d) = their sum exactly. Each term has a paired
    normal-approximation interval over the per-replicate terms (:func:`paired_difference`).
    Returns ``{"delta_total", "delta_total_low", "delta_total_high", "delta_too_late",
    "delta_too_late_low", ..., "delta_state_high"}``.

    Example:
        >>> d = lag_decomposition([1, 1, 0, 1], [0, 1, 0, 0], [1, 0, 0, 0])
        >>> d["delta_total"], d["delta_too_late"], d["delta_state"]
        (0.5, 0.25, 0.25)
    """
    x = _binary(late, "late").astype(np.float64)
    y = _binary(early, "early").astype(np.float64)
    before = _binary(before_late, "before_late").astype(np.float64)
    out = {}
    for name, weight in (("total", 1.0), ("too_late", before), ("state", 1.0 - before)):
        mean, low, high = paired_difference(x * weight, y * weight, z)
        out.update({f"delta_{name}": mean, f"delta_{name}_low": low, f"delta_{name}_high": high})
    return out


def kaplan_meier(durations, observed, times) -> np.ndarray:
    """The Kaplan-Meier (product-limit) survival ``S(t) = P(T > t)`` at each of ``times``.

    ``durations`` are the times to the event or to censoring, ``observed`` 1 for an event and
    0 for a censored time. At an event time ``t_j`` with ``d_j`` events and ``n_j`` at risk
    (durations >= t_j, censored ones at ``t_j`` included), S drops by the factor
    ``1 - d_j / n_j``. Without censoring before the last time it is one minus the empirical
    distribution function.

    Example:
        >>> kaplan_meier([2, 3, 3, 5], [1, 1, 0, 0], [0, 2, 3, 4]).tolist()
        [1.0, 0.75, 0.5, 0.5]
    """
    t = np.asarray(durations, dtype=np.float64)
    event = np.asarray(observed).astype(bool)
    if t.ndim != 1 or t.shape != event.shape or t.size == 0:
        raise SimInputError("durations, observed", (t.shape, event.shape), "must be 1-d, paired")
    event_times, deaths = np.unique(t[event], return_counts=True)
    at_risk = t.size - np.searchsorted(np.sort(t), event_times, side="left")
    survival = np.cumprod(1.0 - deaths / at_risk)
    k = np.searchsorted(event_times, np.asarray(times, dtype=np.float64), side="right")
    return np.concatenate([[1.0], survival])[k]


def paired_summary(*, policy, baseline, z: float = 1.96, acting: bool | None = None) -> dict:
    """The statistics of a policy arm against its baseline arm on the same replicates.

    ``policy`` and ``baseline`` hold the outcome columns of :func:`sim.run_ensemble` (a DataFrame,
    or any mapping of column name to array) for the same replicates in the same order. This is
    the one place where the single-run summary (``summary.json``) and the experiments' summary
    table get their numbers, so the two always agree. Returns::

        {"n": replicates,
         "risk_difference": {"mean", "low", "high"},   # P(violence): policy - baseline, paired
         "before_arrival": {"p", "low", "high"},       # onsets before the action arrived
         "after_arrival": {"rrr", "low", "high", "n"}, # relative risk reduction after it
         "policy": arm statistics, "baseline": arm statistics}

    with, for each arm, ``p_violence`` and ``p_war`` as ``{"p", "low", "high"}`` (Wilson
    intervals), ``median_onset_week`` (among replicates with violence; NaN if none),
    ``mean_cost``, ``p_relapse``, ``mean_relapses``, ``mean_party_weeks_violent``,
    ``mean_violent_at_end``, ``p_warned`` (any warning), ``p_arrived`` (the action arrived),
    ``mean_action_weeks`` and ``mean_mediation_successes``. The risk difference needs two pairs
    for its interval: with one, ``low`` and ``high`` are NaN. ``before_arrival`` and
    ``after_arrival`` are :func:`arrival_split`; they are NaN when the policy does not act
    (``acting=False``; by default inferred from an ``instrument`` column of ``policy``, else
    True): without an action there is no arrival to split at.

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
    if acting is None:
        acting = "instrument" not in policy or bool((_column(policy, "instrument") != "none").any())
    return {
        "n": int(a.size),
        "risk_difference": dict(zip(("mean", "low", "high"), risk, strict=True)),
        **(arrival_split(policy, baseline, z) if acting else _no_split()),
        "policy": _arm_summary(policy, z),
        "baseline": _arm_summary(baseline, z),
    }


def arrival_columns(summary: dict) -> dict:
    """The arrival split of a :func:`paired_summary` as the flat fields of ``summary.json`` and
    of the experiments' summary table (``p_before_arrival`` with its interval,
    ``rrr_after_arrival`` with ``rrr_low``/``rrr_high``)."""
    before, after = summary["before_arrival"], summary["after_arrival"]
    return {
        "p_before_arrival": before["p"],
        "p_before_arrival_low": before["low"],
        "p_before_arrival_high": before["high"],
        "rrr_after_arrival": after["rrr"],
        "rrr_low": after["low"],
        "rrr_high": after["high"],
    }


def _no_split() -> dict:
    """:func:`arrival_split` of a policy that does not act: NaN throughout."""
    return {
        "before_arrival": dict.fromkeys(("p", "low", "high"), math.nan),
        "after_arrival": dict.fromkeys(("rrr", "low", "high", "n"), math.nan),
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
