"""The ensemble curve: P(violence) against the decision lag, for the page's current settings.

One :func:`sim.ensemble.run_ensemble` call runs the no-action arm and the chosen instrument at
every lag on the same replicates (paired: every arm shares each replicate's random draws until
its action arrives). Each lag's statistics come from :func:`sim.stats.paired_summary`, the
function behind ``summary.json`` and the experiments' tables: P(violence) with its Wilson
interval, the share of replicates whose onset came before the action arrived (timing alone,
the same with and without the action) and the relative risk reduction after arrival.

Example:
    >>> from sim.app.settings import Controls
    >>> curve = lag_curve(Controls(scenario_name="two_party"), lags=(0, 8), replicates=50)
    >>> [round(r["lag_weeks"]) for r in curve.rows], curve.n
    ([0, 8], 50)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache

from .settings import Controls
from .teaching import build_scenario


@dataclass(frozen=True)
class LagCurve:
    """Rows of the curve (one per lag) and the no-action arm, with the time it took."""

    rows: tuple[dict, ...]
    baseline: dict  # P(violence) without action: {"p", "low", "high"}
    n: int  # paired replicates per arm
    instrument: str
    seconds: float  # wall time of the computation (the cache returns the same object)


@lru_cache(maxsize=32)
def lag_curve(
    controls: Controls,
    lags: tuple[int, ...] = (0, 1, 2, 4, 8, 12, 16, 26, 52),
    replicates: int = 300,
    horizon_weeks: int = 104,
    threads: int | None = None,
) -> LagCurve:
    """The curve for ``controls`` (cached: the same settings are computed once)."""
    from ..ensemble import run_ensemble
    from ..stats import paired_summary

    start = time.perf_counter()
    acting = controls.instrument != "none"
    policies = [{**controls.policy, "lag_weeks": lag} for lag in lags] if acting else []
    df = run_ensemble(
        build_scenario(controls),
        [None, *policies],
        params=controls.params,
        replicates=replicates,
        horizon_weeks=horizon_weeks,
        seed=controls.seed,
        threads=threads,
    )
    # one block of `replicates` rows per policy, in the order given (sim.ensemble.outcomes_frame)
    arms = [df.iloc[k * replicates : (k + 1) * replicates] for k in range(1 + len(policies))]
    baseline = arms[0]
    rows = tuple(
        _row(lag, paired_summary(policy=arm, baseline=baseline, acting=acting))
        for lag, arm in zip(lags, arms[1:] if acting else [baseline] * len(lags), strict=True)
    )
    base = paired_summary(policy=baseline, baseline=baseline, acting=False)
    return LagCurve(
        rows=rows,
        baseline=base["policy"]["p_violence"],
        n=replicates,
        instrument=controls.instrument,
        seconds=time.perf_counter() - start,
    )


def _row(lag: int, s: dict) -> dict:
    violence, before, after = s["policy"]["p_violence"], s["before_arrival"], s["after_arrival"]
    return {
        "lag_weeks": lag,
        "p_violence": violence["p"],
        "p_low": violence["low"],
        "p_high": violence["high"],
        "p_before_arrival": before["p"],
        "before_low": before["low"],
        "before_high": before["high"],
        "rrr_after_arrival": after["rrr"],
        "rrr_low": after["low"],
        "rrr_high": after["high"],
    }


def finite(x: float) -> bool:
    """True for a number the page can print (NaN marks 'undefined' in the statistics)."""
    return isinstance(x, float | int) and math.isfinite(x)
