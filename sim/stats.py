"""Interval estimates for ensemble outcomes: a proportion, and a paired difference of two policies.

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

__all__ = ["paired_difference", "wilson_interval"]


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
